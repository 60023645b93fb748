"""Shared fixtures. The searcher and the running stack are expensive: one per session.

One way to start the real stack (`_start`): the shared `stack` for every test that only
talks to it, and `fresh_stack` (same code, its own processes) for the few tests that stop
or restart servers, so no test depends on the order tests run in."""
from __future__ import annotations

from contextlib import contextmanager

import pytest
from tests_support import CONSOLE_TOKEN

from knowledge.config import ROOT


@pytest.fixture(scope="session")
def searcher():
    """The real searcher over the shipped catalog and its index (built by `make test`)."""
    from knowledge.search import default_searcher, ensure_index

    ensure_index()
    return default_searcher()  # the same instance the actions use


@pytest.fixture(scope="session")
def catalog(searcher):
    return searcher.catalog


# Every test request comes from 127.0.0.1: the per-address limit would count the whole
# suite as one client (`limited_stack` keeps low limits to test them).
ONE_MACHINE = {"ip_rate_limit": 1_000_000}


@contextmanager
def _start(var, limits=None, env=None):
    from ops.servers import ensure_model, start_stack

    env = {"DALIL_INDEX_DIR": str(ROOT / "var" / "index"), "DALIL_CONSOLE_TOKEN": CONSOLE_TOKEN, **(env or {})}
    with start_stack(ensure_model(quiet=True), var, env=env, limits=limits or ONE_MACHINE) as s:
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
def limited_stack(tmp_path_factory):
    """A stack whose per-address limit is low enough to reach in a test (5 a minute). Its
    Rasa token starts with "-" (a chosen token may; Rasa's command line once took it for an option)."""
    with _start(tmp_path_factory.mktemp("limited"), {"ip_rate_limit": 5, "rate_limit": 30},
                {"DALIL_RASA_TOKEN": "-" + "0f" * 12}) as s:
        yield s


@pytest.fixture(scope="session")
def web_only(tmp_path_factory):
    """The web server alone with stores of its own (no Rasa): its API tests count what they
    store, so no other test may write there."""
    from ops.servers import start_web

    with start_web(tmp_path_factory.mktemp("web"), env={"DALIL_CONSOLE_TOKEN": CONSOLE_TOKEN}) as s:
        yield s


@pytest.fixture(scope="session")
def console_token():
    """The agent console's token in the shared and fresh stacks."""
    return CONSOLE_TOKEN
