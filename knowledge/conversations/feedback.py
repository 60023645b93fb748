"""Thumbs up/down that people give to the bot's answers, stored durably (SQLite).

Every text is stored redacted (`privacy.redact`): the rated answer and the optional
comment both come from the public widget, so either may hold a phone or an ID number."""
from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from knowledge.conversations.db import connect, now
from knowledge.conversations.privacy import redact

SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id TEXT NOT NULL,
    message TEXT NOT NULL,
    rating INTEGER NOT NULL CHECK (rating IN (-1, 1)),
    service_id TEXT,
    created_at TEXT NOT NULL,
    comment TEXT
);
CREATE INDEX IF NOT EXISTS feedback_conversation ON feedback(conversation_id);
"""
MAX_MESSAGE = 4000  # the answer that was rated
MAX_COMMENT = 1000  # what the person wrote about it
MAX_ID = 128


def _add_comment_column(db: sqlite3.Connection) -> None:
    """Stores made before comments existed get the column (two processes may race: fine)."""
    if "comment" not in {r["name"] for r in db.execute("PRAGMA table_info(feedback)")}:
        try:
            db.execute("ALTER TABLE feedback ADD COLUMN comment TEXT")
        except sqlite3.OperationalError as exc:
            if "duplicate column" not in str(exc):
                raise


class FeedbackStore:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        with closing(connect(self.path)) as db, db:
            db.executescript(SCHEMA)
            _add_comment_column(db)

    def add(self, conversation_id: str, message: str, rating: int, service_id: str | None = None,
            comment: str | None = None) -> int:
        if type(rating) is not int or rating not in (-1, 1):
            raise ValueError("rating must be 1 (helpful) or -1 (not helpful)")
        if not isinstance(conversation_id, str) or not 1 <= len(conversation_id) <= MAX_ID:
            raise ValueError(f"conversation_id must be 1-{MAX_ID} characters")
        if not isinstance(message, str) or len(message) > MAX_MESSAGE:
            raise ValueError(f"message must be text of at most {MAX_MESSAGE} characters")
        if comment is not None and (not isinstance(comment, str) or len(comment) > MAX_COMMENT):
            raise ValueError(f"comment must be text of at most {MAX_COMMENT} characters")
        with closing(connect(self.path)) as db, db:
            cur = db.execute(
                "INSERT INTO feedback (conversation_id, message, rating, service_id, created_at, comment)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (conversation_id, redact(message), rating, service_id, now(), redact(comment) if comment else None))
        return int(cur.lastrowid or 0)

    def list(self, conversation_id: str | None = None) -> list[dict]:
        with closing(connect(self.path)) as db:
            if conversation_id:
                rows = db.execute("SELECT * FROM feedback WHERE conversation_id = ? ORDER BY id", (conversation_id,))
            else:
                rows = db.execute("SELECT * FROM feedback ORDER BY id")
            return [dict(r) for r in rows.fetchall()]
