"""Fixed-window rate limits, shared by the chat channels (bot/) and the public web API (web/)."""
from __future__ import annotations

import logging
import time
from typing import Any

logger = logging.getLogger(__name__)


class RateLimiter:
    """At most `limit` hits per key (a sender, an IP address) in each `window` seconds.

    Counted in Redis when one is given (every process then shares the counts), else in this
    process. The in-process table holds one window at a time and at most `max_keys` keys;
    past that, new keys are refused until the window turns, so a flood of invented senders
    or addresses cannot grow memory."""

    def __init__(self, limit: int, window: float, max_keys: int = 100_000) -> None:
        self.limit, self.window, self.max_keys = limit, window, max_keys
        self._slot = -1
        self._counts: dict[str, int] = {}

    def allow(self, key: str, now: float | None = None, redis: Any = None) -> bool:
        now = time.time() if now is None else now
        slot = int(now // self.window)
        if redis is not None:
            try:
                name = f"dalil:rate:{self.limit}:{self.window}:{key}:{slot}"
                count = redis.incr(name)
                if count == 1:
                    redis.expire(name, int(self.window) + 1)
                return bool(count <= self.limit)
            except Exception:  # Redis unreachable: count here rather than refuse everyone
                logger.warning("rate limit: Redis failed, counting in this process")
        if slot != self._slot:
            self._slot, self._counts = slot, {}
        count = self._counts.get(key)
        if count is None and len(self._counts) >= self.max_keys:
            return False
        count = (count or 0) + 1
        self._counts[key] = count
        return count <= self.limit

    def retry_after(self, now: float | None = None) -> int:
        """Whole seconds until the window turns (for a Retry-After header)."""
        now = time.time() if now is None else now
        return max(1, int(self.window - now % self.window + 0.999))
