import pytest

from sandbox.server import start_in_thread
from storage.db import database
from tests.e2e.harness import Harness


@pytest.fixture
def sandbox():
    handle = start_in_thread(seed=1)
    yield handle
    handle.stop()


@pytest.fixture
def harness(sandbox, tmp_path):
    h = Harness(sandbox, tmp_path)
    yield h
    h.stop()
    database.close()
