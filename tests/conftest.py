"""Shared fixtures. The searcher and the running stack are expensive: one per session."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


@pytest.fixture(scope="session")
def searcher():
    """The real searcher over the shipped catalog and its index (built by `make test`)."""
    from knowledge.search import default_searcher, ensure_index

    ensure_index()
    return default_searcher()  # the same instance the actions use


@pytest.fixture(scope="session")
def catalog(searcher):
    return searcher.catalog


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    """The real action server and Rasa server on free ports, from the trained model."""
    from ops.servers import ensure_model, start_stack

    var = tmp_path_factory.mktemp("stack")
    with start_stack(ensure_model(quiet=True), var, env={"DALIL_INDEX_DIR": str(ROOT / "var" / "index")}) as s:
        yield s
