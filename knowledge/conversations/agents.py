"""Contact Center agents as people: each has a name and a personal token, stored only as a
salted scrypt hash (SQLite, the same database as the handoffs), and every step an agent
takes on a conversation is written to an audit log there.

A token is `<agent id>.<secret>`: the id finds the row, the secret is checked against its
hash; the secret itself is shown once, when the agent is added, and kept nowhere."""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import sqlite3
import time
from contextlib import closing
from pathlib import Path

from knowledge.conversations.db import connect, now

SCHEMA = """
CREATE TABLE IF NOT EXISTS agents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    salt BLOB NOT NULL,
    hash BLOB NOT NULL,
    created_at TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    agent TEXT NOT NULL,
    action TEXT NOT NULL,
    handoff_id TEXT,
    conversation_id TEXT
);
CREATE INDEX IF NOT EXISTS audit_handoff ON audit(handoff_id, id);
"""
# A name as people write it, in any script: letters and digits, inner spaces, . ' -
NAME = re.compile(r"[^\W_][\w .'-]{0,39}")
TOKEN = re.compile(r"([0-9]{1,9})\.([0-9a-f]{48})")
ADMIN = "admin"  # who the shared console token speaks for
ACTIONS = ("took", "answered", "sent_card", "handed_back", "closed")
# scrypt at 16 MiB / ~50 ms a check: slow for someone trying secrets offline, and checked
# once a minute per agent at most (see AgentStore.verify's cache).
_N, _R, _P = 2 ** 14, 8, 1
CACHE_SECONDS = 60.0


def _hash(secret: str, salt: bytes) -> bytes:
    return hashlib.scrypt(secret.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)


class AgentExists(ValueError):
    pass


class AgentStore:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        with closing(connect(self.path)) as db, db:
            db.executescript(SCHEMA)
        # verified token -> (name, until): keyed by an HMAC under a key of this process only,
        # so the cache holds no token and nothing that outlives the process.
        self._key = secrets.token_bytes(32)
        self._cache: dict[bytes, tuple[str, float]] = {}

    def add(self, name: str) -> str:
        """Add an agent; returns their token (shown once: only its hash is kept)."""
        name = " ".join(name.split())
        if not NAME.fullmatch(name):
            raise ValueError("an agent's name is 1-40 characters: letters or digits (any script), spaces . ' -,"
                             " starting with a letter or digit")
        if name.lower() == ADMIN:
            raise ValueError(f"{ADMIN!r} is the shared console token's name; choose another")
        secret = secrets.token_hex(24)
        salt = secrets.token_bytes(16)
        try:
            with closing(connect(self.path)) as db, db:
                cur = db.execute("INSERT INTO agents (name, salt, hash, created_at) VALUES (?, ?, ?, ?)",
                                 (name, salt, _hash(secret, salt), now()))
        except sqlite3.IntegrityError:
            raise AgentExists(f"there is already an agent named {name!r}") from None
        return f"{cur.lastrowid}.{secret}"

    def _cache_key(self, token: str) -> bytes:
        return hmac.new(self._key, token.encode(), hashlib.sha256).digest()

    def cached(self, token: str) -> str | None:
        """The agent's name if this token was verified in the last CACHE_SECONDS."""
        hit = self._cache.get(self._cache_key(token))
        return hit[0] if hit and hit[1] > time.monotonic() else None

    def verify(self, token: str) -> str | None:
        """The name of the agent whose token this is, or None."""
        match = TOKEN.fullmatch(token)
        if match is None:
            return None
        if (name := self.cached(token)) is not None:
            return name
        key = self._cache_key(token)
        with closing(connect(self.path)) as db:
            row = db.execute("SELECT name, salt, hash FROM agents WHERE id = ? AND disabled = 0",
                             (int(match.group(1)),)).fetchone()
        if row is None or not hmac.compare_digest(_hash(match.group(2), row["salt"]), row["hash"]):
            return None
        if len(self._cache) > 1000:
            self._cache.clear()
        self._cache[key] = (str(row["name"]), time.monotonic() + CACHE_SECONDS)
        return str(row["name"])

    def disable(self, name: str) -> bool:
        """The agent's token stops working (within CACHE_SECONDS in a running web server)."""
        with closing(connect(self.path)) as db, db:
            cur = db.execute("UPDATE agents SET disabled = 1 WHERE name = ?", (name,))
        self._cache.clear()
        return cur.rowcount == 1

    def list(self) -> list[dict]:
        """Names and dates only: no endpoint or command ever shows a salt or a hash."""
        with closing(connect(self.path)) as db:
            rows = db.execute("SELECT name, created_at, disabled FROM agents ORDER BY id").fetchall()
        return [{"name": r["name"], "created_at": r["created_at"], "disabled": bool(r["disabled"])} for r in rows]


def audit(db: sqlite3.Connection, agent: str, action: str, handoff_id: str, conversation_id: str) -> None:
    """One line of the audit log, written in the caller's transaction (the step and its record
    are committed together)."""
    if action not in ACTIONS:
        raise ValueError(f"action must be one of {ACTIONS}")
    db.execute("INSERT INTO audit (at, agent, action, handoff_id, conversation_id) VALUES (?, ?, ?, ?, ?)",
               (now(), agent, action, handoff_id, conversation_id))


def audit_log(path: Path, handoff_id: str | None = None, limit: int = 200, offset: int = 0) -> list[dict]:
    with closing(connect(Path(path))) as db:
        db.executescript(SCHEMA)
        where, args = ("WHERE handoff_id = ?", [handoff_id]) if handoff_id else ("", [])
        rows = db.execute(f"SELECT at, agent, action, handoff_id, conversation_id FROM audit {where}"
                          " ORDER BY id LIMIT ? OFFSET ?", [*args, limit, offset]).fetchall()
    return [dict(r) for r in rows]


def add_agent(db_path: Path, name: str) -> str:
    """What `dalil agents add NAME` does: add the agent, return the token to hand them."""
    return AgentStore(db_path).add(name)
