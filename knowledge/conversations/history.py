"""Past conversations for agents: find them by date, language and outcome a page at a time,
read one, export it. Read from Rasa's SQL tracker store (SQLite); every text a person wrote
is redacted again on the way out (the channels redacted it before Rasa stored it; a
conversation stored another way would not have been)."""
from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections import Counter
from contextlib import closing
from pathlib import Path

from knowledge.conversations.analytics import OUTCOMES, questions
from knowledge.conversations.privacy import redact

MAX_TURNS = 300  # the latest turns of a very long conversation


def turns(events: list[dict]) -> list[dict]:
    """What was said, in order: the citizen (redacted), the bot, the agents (by name), and where
    the bot was paused and resumed."""
    out: list[dict] = []
    for e in events:
        kind, at = e.get("event"), e.get("timestamp")
        if kind == "user" and e.get("text"):
            out.append({"role": "user", "text": redact(str(e["text"])), "at": at})
        elif kind == "bot" and (e.get("text") or (e.get("data") or {}).get("custom")):
            agent = (e.get("metadata") or {}).get("agent")
            custom = (e.get("data") or {}).get("custom")
            turn = {"role": "agent" if agent else "bot", "text": str(e.get("text") or ""), "at": at}
            if agent:
                turn["agent"] = str(agent)
            if isinstance(custom, dict) and custom.get("type") == "service_card":
                turn["service_id"] = custom.get("id")
            out.append(turn)
        elif kind in ("pause", "resume"):
            out.append({"role": "event", "text": "paused" if kind == "pause" else "resumed", "at": at})
    return out[-MAX_TURNS:]


def _iso(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp, dt.timezone.utc).isoformat(timespec="seconds")


def find(tracker_db: Path, since: dt.date, until: dt.date, language: str | None = None, outcome: str | None = None,
         limit: int = 20, offset: int = 0) -> tuple[int, list[dict]]:
    """(how many match, one page of them): conversations with a typed question from `since`
    to `until`, newest first; `language` is that of the conversation's first question there,
    `outcome` one that at least one of its questions had."""
    if outcome is not None and outcome not in OUTCOMES:
        raise ValueError(f"outcome must be one of {OUTCOMES}")
    found: dict[str, dict] = {}
    for q in questions(tracker_db, since, until):
        c = found.setdefault(q.conversation_id, {"conversation_id": q.conversation_id, "language": q.language,
                                                 "started_at": q.at, "last_at": q.at, "questions": 0,
                                                 "outcomes": Counter(), "first_question": q.text})
        c["questions"] += 1
        c["outcomes"][q.outcome] += 1
        c["started_at"], c["last_at"] = min(c["started_at"], q.at), max(c["last_at"], q.at)
    rows = [c for c in found.values()
            if (language is None or c["language"] == language) and (outcome is None or c["outcomes"][outcome])]
    rows.sort(key=lambda c: (-c["last_at"], c["conversation_id"]))
    page = [{**c, "outcomes": {o: c["outcomes"][o] for o in OUTCOMES}, "started_at": _iso(c["started_at"]),
             "last_at": _iso(c["last_at"])} for c in rows[offset:offset + limit]]
    return len(rows), page


def conversation(tracker_db: Path, conversation_id: str) -> list[dict] | None:
    """The conversation's turns, or None when the tracker store has no such conversation."""
    if not Path(tracker_db).exists():
        return None
    with closing(sqlite3.connect(f"file:{tracker_db}?mode=ro", uri=True)) as db:
        rows = db.execute("SELECT data FROM events WHERE sender_id = ? ORDER BY id", (conversation_id,)).fetchall()
    return turns([json.loads(r[0]) for r in rows]) if rows else None


def export(tracker_db: Path, conversation_id: str) -> dict | None:
    """One conversation as a self-describing JSON document (redacted), for a file."""
    found = conversation(tracker_db, conversation_id)
    if found is None:
        return None
    return {"conversation_id": conversation_id, "exported_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "redacted": True, "turns": found}
