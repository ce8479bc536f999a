"""The sandbox fixtures live in tests/conftest_sandbox.py so end-to-end tests can share them."""

from tests.conftest_sandbox import receiver, sandbox  # noqa: F401
