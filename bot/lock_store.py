"""A Redis lock store whose ticket bookkeeping is atomic across Rasa processes.

Rasa's RedisLockStore reads a conversation's ticket lock, changes it and writes it back in
three steps (issue a ticket, drop expired ones, finish serving). Two replicas doing that
for one conversation at the same moment can both be issued the first ticket, process two
messages at once, and the later tracker save then drops the other turn's events (Rasa
issue #9213; its concurrent variant was reverted). Here each of those read-change-write
steps runs under a short Redis mutex of its own per conversation, so tickets are issued
and retired one at a time whichever replica asks.

endpoints.yml:
  lock_store:
    type: bot.lock_store.AtomicRedisLockStore
    url: <redis host>
    port: 6379
    db: 1
"""
from __future__ import annotations

from typing import Any

from rasa.core.lock_store import LOCK_LIFETIME, RedisLockStore

# Each guarded step is a couple of Redis round trips; the mutex expires on its own if a
# process dies holding it.
MUTEX_SECONDS = 10


class AtomicRedisLockStore(RedisLockStore):
    def __init__(self, endpoint_config: Any) -> None:
        super().__init__(host=endpoint_config.url, **endpoint_config.kwargs)

    def _mutex(self, conversation_id: str):
        return self.red.lock(f"{self.key_prefix}{conversation_id}:mutex", timeout=MUTEX_SECONDS,
                             blocking_timeout=MUTEX_SECONDS)

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        with self._mutex(conversation_id):
            return super().issue_ticket(conversation_id, lock_lifetime)

    def update_lock(self, conversation_id: str) -> None:
        with self._mutex(conversation_id):
            super().update_lock(conversation_id)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        with self._mutex(conversation_id):
            super().cleanup(conversation_id, ticket_number)
