"""The web server's stores, opened once per process."""
from __future__ import annotations

from functools import lru_cache

from knowledge.config import settings
from knowledge.conversations.agents import AgentStore
from knowledge.conversations.feedback import FeedbackStore
from knowledge.conversations.handoffs import HandoffStore
from knowledge.conversations.live import LiveStore


@lru_cache(maxsize=1)
def stores() -> tuple[HandoffStore, FeedbackStore]:
    # Opened once per process: each store runs its CREATE TABLE IF NOT EXISTS on open.
    cfg = settings()
    return HandoffStore(cfg.db_path), FeedbackStore(cfg.db_path)


@lru_cache(maxsize=1)
def live_store() -> LiveStore:
    return LiveStore(settings().db_path)


@lru_cache(maxsize=1)
def agent_store() -> AgentStore:
    # One per process: it caches verified tokens for a minute (see AgentStore.verify).
    return AgentStore(settings().db_path)
