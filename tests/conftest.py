"""Shared fixtures. The searcher and the running stack are expensive: one per session.

One way to start the real stack (`_start`): the shared `stack` for every test that only
talks to it, and `fresh_stack` (same code, its own processes) for the few tests that stop
or restart servers, so no test depends on the order tests run in."""
from __future__ import annotations

import uuid
from contextlib import contextmanager

import pytest

from knowledge.config import ROOT

CONSOLE_TOKEN = "test-console-token-" + uuid.uuid4().hex[:8]


@pytest.fixture(scope="session")
def searcher():
    """The real searcher over the shipped catalog and its index (built by `make test`)."""
    from knowledge.search import default_searcher, ensure_index

    ensure_index()
    return default_searcher()  # the same instance the actions use


@pytest.fixture(scope="session")
def catalog(searcher):
    return searcher.catalog


@contextmanager
def _start(var):
    from ops.servers import ensure_model, start_stack

    env = {"DALIL_INDEX_DIR": str(ROOT / "var" / "index"), "DALIL_CONSOLE_TOKEN": CONSOLE_TOKEN}
    with start_stack(ensure_model(quiet=True), var, env=env) as s:
        yield s


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    """The real action, web and Rasa servers on free ports, from the trained model; shared."""
    with _start(tmp_path_factory.mktemp("stack")) as s:
        yield s


@pytest.fixture()
def fresh_stack(tmp_path):
    """A stack of its own, for a test that stops or restarts servers."""
    with _start(tmp_path / "stack") as s:
        yield s


@pytest.fixture(scope="session")
def console_token():
    """The agent console's token in the shared and fresh stacks."""
    return CONSOLE_TOKEN
