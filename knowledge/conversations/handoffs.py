"""Durable store of conversations handed over to Contact Center agents (SQLite).

What the user said is stored redacted (`privacy.redact`), whichever channel it came
through; one conversation has at most one open handoff (asking again updates it), so a
conversation cannot flood the agents' queue."""
from __future__ import annotations

import json
import sqlite3
import uuid
from contextlib import closing
from pathlib import Path

from knowledge.conversations.db import connect, now
from knowledge.conversations.privacy import redact

SCHEMA = """
CREATE TABLE IF NOT EXISTS handoffs (
    id TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL,
    language TEXT NOT NULL,
    service_id TEXT,
    reason TEXT NOT NULL,
    transcript TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    agent TEXT
);
CREATE INDEX IF NOT EXISTS handoffs_status ON handoffs(status, created_at);
CREATE INDEX IF NOT EXISTS handoffs_conversation ON handoffs(conversation_id, status);
"""
STATUSES = ("open", "taken", "resolved")
MAX_TURNS = 200  # the latest turns of a long conversation are what the agent needs
MAX_PAGE = 200


def _clean(transcript: list[dict]) -> list[dict]:
    """The latest MAX_TURNS turns, the user's text redacted (the bot's is the catalog's)."""
    out = []
    for turn in transcript[-MAX_TURNS:]:
        turn = dict(turn)
        if turn.get("role") == "user" and isinstance(turn.get("text"), str):
            turn["text"] = redact(turn["text"])
        out.append(turn)
    return out


def _add_agent_column(db: sqlite3.Connection) -> None:
    """Stores made before agents took conversations get the column (two processes may race: fine)."""
    if "agent" not in {r["name"] for r in db.execute("PRAGMA table_info(handoffs)")}:
        try:
            db.execute("ALTER TABLE handoffs ADD COLUMN agent TEXT")
        except sqlite3.OperationalError as exc:
            if "duplicate column" not in str(exc):
                raise


class HandoffStore:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        with closing(connect(self.path)) as db, db:
            db.executescript(SCHEMA)
            _add_agent_column(db)

    def create(self, conversation_id: str, language: str, service_id: str | None, reason: str,
               transcript: list[dict]) -> str:
        """Record a handoff; returns its short reference shown to the user. When the
        conversation already has an open one, that one is brought up to date instead."""
        stamp = now()
        text = json.dumps(_clean(transcript), ensure_ascii=False)
        with closing(connect(self.path)) as db:
            db.execute("BEGIN IMMEDIATE")  # the check and the write are one step, across processes
            try:
                row = db.execute("SELECT id FROM handoffs WHERE conversation_id = ? AND status = 'open'"
                                 " ORDER BY created_at DESC, rowid DESC LIMIT 1", (conversation_id,)).fetchone()
                if row:
                    ref = row["id"]
                    db.execute("UPDATE handoffs SET language = ?, service_id = ?, reason = ?, transcript = ?, updated_at = ?"
                               " WHERE id = ?", (language, service_id, reason, text, stamp, ref))
                else:
                    ref = uuid.uuid4().hex[:8].upper()
                    db.execute(
                        "INSERT INTO handoffs (id, conversation_id, language, service_id, reason, transcript, status,"
                        " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'open', ?, ?)",
                        (ref, conversation_id, language, service_id, reason, text, stamp, stamp))
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return str(ref)

    def get(self, ref: str) -> dict | None:
        with closing(connect(self.path)) as db:
            row = db.execute("SELECT * FROM handoffs WHERE id = ?", (ref,)).fetchone()
        return self._row(row) if row else None

    def list(self, status: str | None = None, limit: int | None = None, offset: int = 0) -> list[dict]:
        """Handoffs in the order they were made (oldest first), `limit` of them from `offset`."""
        where, args = ("WHERE status = ?", [status]) if status else ("", [])
        page = " LIMIT ? OFFSET ?" if limit is not None else ""
        with closing(connect(self.path)) as db:
            rows = db.execute(f"SELECT * FROM handoffs {where} ORDER BY created_at, rowid{page}",
                              [*args, *((limit, offset) if limit is not None else ())]).fetchall()
        return [self._row(r) for r in rows]

    def count(self, status: str | None = None) -> int:
        with closing(connect(self.path)) as db:
            if status:
                return int(db.execute("SELECT COUNT(*) FROM handoffs WHERE status = ?", (status,)).fetchone()[0])
            return int(db.execute("SELECT COUNT(*) FROM handoffs").fetchone()[0])

    def set_status(self, ref: str, status: str) -> bool:
        """Set the queue status by hand; a handoff that leaves 'taken' leaves its agent too."""
        if status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}")
        with closing(connect(self.path)) as db, db:
            cur = db.execute("UPDATE handoffs SET status = ?, updated_at = ?,"
                             " agent = CASE WHEN ? = 'taken' THEN agent END WHERE id = ?", (status, now(), status, ref))
        return cur.rowcount == 1

    @staticmethod
    def _row(row: sqlite3.Row) -> dict:
        d = dict(row)
        d["transcript"] = json.loads(d["transcript"])
        return d
