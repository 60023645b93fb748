"""Thumbs up/down that people give to the bot's answers, stored durably (SQLite)."""
from __future__ import annotations

from contextlib import closing
from pathlib import Path

from knowledge.conversations.db import connect, now

SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id TEXT NOT NULL,
    message TEXT NOT NULL,
    rating INTEGER NOT NULL CHECK (rating IN (-1, 1)),
    service_id TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS feedback_conversation ON feedback(conversation_id);
"""
MAX_MESSAGE = 4000


class FeedbackStore:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        with closing(connect(self.path)) as db, db:
            db.executescript(SCHEMA)

    def add(self, conversation_id: str, message: str, rating: int, service_id: str | None = None) -> int:
        if rating not in (-1, 1):
            raise ValueError("rating must be 1 (helpful) or -1 (not helpful)")
        if not conversation_id or len(conversation_id) > 200:
            raise ValueError("conversation_id must be 1-200 characters")
        with closing(connect(self.path)) as db, db:
            cur = db.execute(
                "INSERT INTO feedback (conversation_id, message, rating, service_id, created_at) VALUES (?, ?, ?, ?, ?)",
                (conversation_id, message[:MAX_MESSAGE], rating, service_id, now()))
        return int(cur.lastrowid or 0)

    def list(self, conversation_id: str | None = None) -> list[dict]:
        with closing(connect(self.path)) as db:
            if conversation_id:
                rows = db.execute("SELECT * FROM feedback WHERE conversation_id = ? ORDER BY id", (conversation_id,))
            else:
                rows = db.execute("SELECT * FROM feedback ORDER BY id")
            return [dict(r) for r in rows.fetchall()]
