"""One module per chat command; importing this package registers them all, in /help order."""

import importlib
import pkgutil

ORDER = [
    "help",
    "connect",
    "disconnect",
    "status",
    "meetings",
    "quality",
    "summary",
    "subscribe",
    "unsubscribe",
]


def _load() -> None:
    present = {m.name for m in pkgutil.iter_modules(__path__)}
    for name in ORDER + sorted(present - set(ORDER)):
        if name in present:
            importlib.import_module(f"{__name__}.{name}")


_load()
