"""Durable store of conversations handed over to Contact Center agents (SQLite)."""
from __future__ import annotations

import json
import sqlite3
import uuid
from contextlib import closing
from pathlib import Path

from knowledge.conversations.db import connect, now

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
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS handoffs_status ON handoffs(status, created_at);
"""
STATUSES = ("open", "taken", "resolved")


class HandoffStore:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        with closing(connect(self.path)) as db, db:
            db.executescript(SCHEMA)

    def create(self, conversation_id: str, language: str, service_id: str | None, reason: str,
               transcript: list[dict]) -> str:
        """Record a handoff; returns its short reference shown to the user."""
        ref = uuid.uuid4().hex[:8].upper()
        stamp = now()
        with closing(connect(self.path)) as db, db:
            db.execute(
                "INSERT INTO handoffs (id, conversation_id, language, service_id, reason, transcript, status,"
                " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'open', ?, ?)",
                (ref, conversation_id, language, service_id, reason, json.dumps(transcript, ensure_ascii=False), stamp, stamp),
            )
        return ref

    def get(self, ref: str) -> dict | None:
        with closing(connect(self.path)) as db:
            row = db.execute("SELECT * FROM handoffs WHERE id = ?", (ref,)).fetchone()
        return self._row(row) if row else None

    def list(self, status: str | None = None) -> list[dict]:
        with closing(connect(self.path)) as db:
            if status:
                rows = db.execute("SELECT * FROM handoffs WHERE status = ? ORDER BY created_at", (status,)).fetchall()
            else:
                rows = db.execute("SELECT * FROM handoffs ORDER BY created_at").fetchall()
        return [self._row(r) for r in rows]

    def set_status(self, ref: str, status: str) -> bool:
        if status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}")
        with closing(connect(self.path)) as db, db:
            cur = db.execute("UPDATE handoffs SET status = ?, updated_at = ? WHERE id = ?", (status, now(), ref))
        return cur.rowcount == 1

    @staticmethod
    def _row(row: sqlite3.Row) -> dict:
        d = dict(row)
        d["transcript"] = json.loads(d["transcript"])
        return d
