"""The sandbox fixtures live in tests/conftest_sandbox.py so end-to-end tests can share them;
`chromium` (tests/browser/chromium.py) is the browser tests' own."""

from tests.browser.chromium import chromium  # noqa: F401
from tests.conftest_sandbox import receiver, sandbox  # noqa: F401
