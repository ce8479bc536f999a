"""What a handler receives: who asked, where, the parsed arguments and a way to answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot import echo, journal
from bot.commands import CommandSet
from bot.webex import Upload

if TYPE_CHECKING:
    from bot.runtime import Runtime
    from bot.webex import UserClient


@dataclass
class Context:
    runtime: Runtime
    commands: CommandSet  # every command this bot answers, e.g. for /help
    args: dict[str, Any]
    person_id: str
    person_email: str
    room_id: str
    room_type: str  # direct|group
    thread_id: str | None  # parentId for replies
    via_card: bool = False
    mention: str = ""  # in a group space, markup naming the asker (see Dispatcher._mention)

    @property
    def config(self):
        return self.runtime.config

    def now(self) -> datetime:
        return self.runtime.now()

    def reply(
        self,
        markdown: str | None = None,
        *,
        text: str | None = None,
        card: dict | None = None,
        upload: Upload | None = None,
    ) -> dict:
        """Answer in the command's space and thread; a card press in a group space is answered
        at the bottom of the space, naming the presser."""
        if self.via_card and self.mention:
            if markdown:
                markdown = f"{self.mention} {markdown}"
            elif text:
                markdown, text = f"{self.mention} {text}", None
        return journal.send(
            self.runtime.webex,
            room_id=self.room_id,
            parent_id=self.thread_id,
            markdown=echo.fit(markdown),
            text=text,
            card=card,
            upload=upload,
        )

    def reply_direct(self, markdown: str, *, card: dict | None = None) -> dict:
        """Answer in a 1:1 space with the requester, whatever space they asked in."""
        if self.room_type == "direct":
            return self.reply(markdown, card=card)
        return journal.send(
            self.runtime.webex, to_person_id=self.person_id, markdown=echo.fit(markdown), card=card
        )

    def user(self) -> UserClient:
        """The requester's own Webex access; raises accounts.NotConnected when there is none."""
        return self.runtime.accounts.client_for(self.person_id)
