"""Browser fixtures: `chromium` (tests/browser/chromium.py) is shared with tests/sandbox."""

from tests.browser.chromium import chromium  # noqa: F401
