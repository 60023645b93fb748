"""Live takeover of a handed-over conversation by one agent (SQLite, next to the handoffs).

The tracker in Rasa stays the record of the conversation (the web server appends the pause,
the agent's messages and the resume to it); this store holds what the tracker cannot: which
agent holds which handoff (one at a time), the messages waiting for the citizen's widget to
fetch them, and the audit log. Agents' texts are stored redacted like everything else."""
from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path

from knowledge.conversations.agents import SCHEMA as AGENTS_SCHEMA
from knowledge.conversations.agents import audit
from knowledge.conversations.db import connect, now
from knowledge.conversations.handoffs import HandoffStore
from knowledge.conversations.privacy import redact

SCHEMA = """
CREATE TABLE IF NOT EXISTS live_messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id TEXT NOT NULL,
    handoff_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    agent TEXT NOT NULL,
    text TEXT,
    card TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS live_messages_conversation ON live_messages(conversation_id, id);
"""
# What the widget shows: an agent's text or card, and the notices it writes in the citizen's
# language (an agent joined, handed back to the bot, closed the conversation).
KINDS = ("text", "card", "joined", "handed_back", "closed")
MAX_TEXT = 2000
MAX_FETCH = 100


class LiveError(Exception):
    """A step the handoff's state does not allow; `status` is the HTTP status that says so."""

    status = 409


class NoHandoff(LiveError):
    status = 404


class TakenByOther(LiveError):
    def __init__(self, agent: str) -> None:
        super().__init__(f"taken by {agent}")
        self.agent = agent


class NotHeld(LiveError):
    pass


class LiveStore:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        HandoffStore(self.path)  # the handoffs table, with its agent column
        with closing(connect(self.path)) as db, db:
            db.executescript(SCHEMA + AGENTS_SCHEMA)

    def _begin(self) -> sqlite3.Connection:
        db = connect(self.path)
        db.execute("BEGIN IMMEDIATE")  # read the holder and change it in one step, across processes
        return db

    def _handoff(self, db: sqlite3.Connection, ref: str) -> sqlite3.Row:
        row = db.execute("SELECT * FROM handoffs WHERE id = ?", (ref,)).fetchone()
        if row is None:
            raise NoHandoff(f"no handoff {ref!r}")
        return row

    def _held(self, db: sqlite3.Connection, ref: str, agent: str) -> sqlite3.Row:
        row = self._handoff(db, ref)
        if row["status"] != "taken":
            raise NotHeld(f"handoff {ref} is {row['status']}: take it first")
        if row["agent"] != agent:
            raise TakenByOther(row["agent"] or "someone")
        return row

    def _add(self, db: sqlite3.Connection, row: sqlite3.Row, kind: str, agent: str, text: str | None = None,
             card: dict | None = None) -> int:
        cur = db.execute("INSERT INTO live_messages (conversation_id, handoff_id, kind, agent, text, card, created_at)"
                         " VALUES (?, ?, ?, ?, ?, ?, ?)",
                         (row["conversation_id"], row["id"], kind, agent, text,
                          json.dumps(card, ensure_ascii=False) if card is not None else None, now()))
        return int(cur.lastrowid or 0)

    def _run(self, step):
        with closing(self._begin()) as db:
            try:
                out = step(db)
                db.execute("COMMIT")
                return out
            except BaseException:
                db.execute("ROLLBACK")
                raise

    def take(self, ref: str, agent: str) -> dict:
        """`agent` takes the handoff (open, or already theirs); TakenByOther if another holds it."""
        def step(db: sqlite3.Connection) -> dict:
            row = self._handoff(db, ref)
            if row["status"] == "taken" and row["agent"] not in (None, agent):
                raise TakenByOther(row["agent"])
            if row["status"] == "resolved":
                raise NotHeld(f"handoff {ref} is resolved")
            if row["status"] == "taken" and row["agent"] == agent:
                return dict(row)  # taking again (a reload of the console) changes nothing
            db.execute("UPDATE handoffs SET status = 'taken', agent = ?, updated_at = ? WHERE id = ?", (agent, now(), ref))
            self._add(db, row, "joined", agent)
            audit(db, agent, "took", ref, row["conversation_id"])
            return dict(self._handoff(db, ref))
        return self._run(step)

    def untake(self, ref: str, agent: str) -> None:
        """Undo a take whose pause did not reach Rasa: the handoff is open again, the
        'joined' notice withdrawn (the citizen never saw a person who could not answer)."""
        def step(db: sqlite3.Connection) -> None:
            db.execute("UPDATE handoffs SET status = 'open', agent = NULL, updated_at = ? WHERE id = ? AND agent = ?",
                       (now(), ref, agent))
            db.execute("DELETE FROM live_messages WHERE id = (SELECT MAX(id) FROM live_messages WHERE handoff_id = ?"
                       " AND kind = 'joined' AND agent = ?)", (ref, agent))
            db.execute("DELETE FROM audit WHERE id = (SELECT MAX(id) FROM audit WHERE handoff_id = ? AND action = 'took'"
                       " AND agent = ?)", (ref, agent))
        self._run(step)

    def check_holder(self, ref: str, agent: str) -> dict:
        """The handoff if `agent` holds it; NotHeld / TakenByOther / NoHandoff otherwise."""
        with closing(connect(self.path)) as db:
            return dict(self._held(db, ref, agent))

    def say(self, ref: str, agent: str, text: str | None = None, card: dict | None = None) -> dict:
        """An agent's text (stored redacted) or service card for the citizen; the holder only."""
        if (text is None) == (card is None):
            raise ValueError("a message is a text or a card")
        if text is not None:
            text = redact(text.strip())
            if not text or len(text) > MAX_TEXT:
                raise ValueError(f"the text must be 1-{MAX_TEXT} characters")

        def step(db: sqlite3.Connection) -> dict:
            row = self._held(db, ref, agent)
            mid = self._add(db, row, "text" if text is not None else "card", agent, text, card)
            audit(db, agent, "answered" if text is not None else "sent_card", ref, row["conversation_id"])
            return {"id": mid, "text": text, "card": card}
        return self._run(step)

    def finish(self, ref: str, agent: str, how: str) -> dict:
        """Hand the conversation back to the bot ('handed_back') or close it ('closed'); either
        way the handoff is resolved and the bot answers again."""
        if how not in ("handed_back", "closed"):
            raise ValueError("how is handed_back or closed")

        def step(db: sqlite3.Connection) -> dict:
            row = self._held(db, ref, agent)
            db.execute("UPDATE handoffs SET status = 'resolved', updated_at = ? WHERE id = ?", (now(), ref))
            self._add(db, row, how, agent)
            audit(db, agent, how, ref, row["conversation_id"])
            return dict(self._handoff(db, ref))
        return self._run(step)

    def state(self, conversation_id: str) -> tuple[str, str | None]:
        """('waiting' | 'agent' | 'bot', the agent's name) for the conversation's latest handoff."""
        with closing(connect(self.path)) as db:
            row = db.execute("SELECT status, agent FROM handoffs WHERE conversation_id = ?"
                             " ORDER BY created_at DESC, rowid DESC LIMIT 1", (conversation_id,)).fetchone()
        if row is None or row["status"] == "resolved":
            return "bot", None
        return ("agent", row["agent"]) if row["status"] == "taken" else ("waiting", None)

    def messages(self, conversation_id: str, after: int = 0, limit: int = MAX_FETCH) -> list[dict]:
        """The messages for the citizen's widget with an id above `after`, oldest first."""
        with closing(connect(self.path)) as db:
            rows = db.execute("SELECT id, kind, agent, text, card, created_at FROM live_messages"
                              " WHERE conversation_id = ? AND id > ? ORDER BY id LIMIT ?",
                              (conversation_id, after, limit)).fetchall()
        return [{"id": r["id"], "kind": r["kind"], "agent": r["agent"], "text": r["text"],
                 "card": json.loads(r["card"]) if r["card"] else None, "at": r["created_at"]} for r in rows]
