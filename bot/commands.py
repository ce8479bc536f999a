"""Chat commands: one declaration gives the parser, the argument errors and `/help`.

A handler module declares its commands with `@command(...)`; a package gathers its modules'
commands into a `CommandSet` (`handlers/__init__.py`), which the worker hands to the
dispatcher. Nothing registers itself anywhere by being imported.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from bot import echo

# A handler takes a bot.context.Context. Not imported here: the context refers to commands,
# and the declarations stay below it.
Handler = Callable[[Any], None]


class UsageError(Exception):
    """A bad argument: the message is shown to the person as is, so it says what to type."""


def days_from(low: int, high: int, example: str) -> Callable[[str], int]:
    """The parser of a DAYS argument from `low` to `high`; `example` (e.g. "`/export 90`") ends
    each complaint, so it says what to type."""

    def days(word: str) -> int:
        try:
            value = int(word)
        except ValueError:
            raise ValueError(
                f"{echo.code(word)} is not a number of days: use {low} to {high}, e.g. {example}."
            ) from None
        if not low <= value <= high:
            raise ValueError(
                f"DAYS must be from {low} to {high} (you typed {echo.plain(word, 20)}), "
                f"e.g. {example}."
            )
        return value

    return days


@dataclass(frozen=True)
class Arg:
    name: str  # shown in usage, e.g. DAYS
    parse: Callable[[str], Any] = str  # raises ValueError with a helpful message
    default: Any = None
    required: bool = False
    rest: bool = False  # swallow the remaining words (free text)
    example: str = ""  # what to type, shown when a required argument is missing


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    func: Handler
    args: tuple[Arg, ...] = ()
    aliases: tuple[str, ...] = ()
    needs_account: bool = False
    card_inputs: tuple[str, ...] = ()  # card input keys that become the arguments, in order

    def __call__(self, ctx: Any) -> None:
        self.func(ctx)

    @property
    def usage(self) -> str:
        parts = [f"/{self.name}"]
        for arg in self.args:
            parts.append(arg.name if arg.required else f"[{arg.name}]")
        return " ".join(parts)

    def parse(self, words: list[str]) -> dict[str, Any]:
        """Fill arguments by shape: each word goes to the first remaining argument that accepts
        it, so optional ones may be left out or reordered (`/subscribe Europe/Paris 10:00`)."""
        values: dict[str, Any] = {}
        if not self.args:
            return values  # "help me": nothing to misread, so extra words are simply ignored
        pending = list(self.args)
        for index, word in enumerate(words):
            if pending and pending[0].rest:
                values[pending.pop(0).name] = " ".join(words[index:])
                break
            if not pending:
                raise UsageError(f"{echo.code(word)} is one word too many. Usage: `{self.usage}`")
            error = ""
            for position, arg in enumerate(pending):
                try:
                    values[arg.name] = arg.parse(word)
                except ValueError as exc:
                    error = error or str(exc)
                    if arg.required:
                        break  # a required argument cannot be skipped over
                    continue
                del pending[position]
                error = ""
                break
            if error:
                raise UsageError(f"{error} Usage: `{self.usage}`")
        for arg in pending:
            if arg.required:
                what = f": {arg.example}" if arg.example else ""
                raise UsageError(f"`/{self.name}` needs {arg.name}{what}. Usage: `{self.usage}`")
            values[arg.name] = arg.default
        return values


def command(
    name: str,
    *,
    help: str,
    args: tuple[Arg, ...] = (),
    aliases: tuple[str, ...] = (),
    needs_account: bool = False,
    card_inputs: tuple[str, ...] = (),
) -> Callable[[Handler], Command]:
    """Declare a chat command: the decorated function becomes a `Command` (still callable)."""

    def declare(func: Handler) -> Command:
        return Command(name, help, func, args, aliases, needs_account, card_inputs)

    return declare


@dataclass
class CommandSet:
    commands: dict[str, Command] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, modules: Iterable[ModuleType]) -> CommandSet:
        """Every command declared in these modules, in module order (the `/help` order)."""
        found = cls()
        for module in modules:
            for value in vars(module).values():
                if isinstance(value, Command):
                    found.add(value)
        return found

    def add(self, cmd: Command) -> Command:
        for word in (cmd.name, *cmd.aliases):
            if word in self.names:
                raise ValueError(f"command word {word!r} declared twice")
        for word in (cmd.name, *cmd.aliases):
            self.names[word] = cmd.name
        self.commands[cmd.name] = cmd
        return cmd

    def command(self, name: str, **declared: Any) -> Callable[[Handler], Command]:
        """Declare and add in one step (a set built in place, e.g. in a test)."""
        return lambda func: self.add(command(name, **declared)(func))

    def find(self, word: str) -> Command | None:
        name = self.names.get(word.lower().lstrip("/"))
        return self.commands.get(name) if name else None

    def closest(self, word: str) -> str | None:
        match = difflib.get_close_matches(
            word.lower().lstrip("/"), list(self.names), n=1, cutoff=0.5
        )
        return self.names[match[0]] if match else None

    def help_entries(self) -> list[tuple[str, str]]:
        return [(c.usage, c.help) for c in self.commands.values()]


def split_command(text: str) -> tuple[str, list[str]]:
    """First word (leading '/' optional, any case) and the remaining words."""
    words = text.split()
    if not words:
        return "", []
    return words[0].lstrip("/").lower(), words[1:]
