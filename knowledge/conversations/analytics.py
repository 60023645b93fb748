"""Figures for the agents' analytics page, from the stored conversations (Rasa's SQL tracker
store), the feedback, the handoffs and the audit log.

A *question* is a message a person typed (not a button's "/payload"), counted on the UTC day
of its timestamp, in its language (a message without letters keeps the conversation's). Its
*outcome* is what the bot did first, before the next typed message: handed it over
(action_handoff ran: this wins over anything before it), answered (a service was found),
clarified (it asked which of a few services; the person's choice by button does not change
that), declined (no confident service; or the NLU called it out of scope and search found
nothing), or other (greetings, thanks, chat). The service a question was about is the one
the bot answered with before the next typed message (after a clarification: the one chosen)."""
from __future__ import annotations

import datetime as dt
import json
import sqlite3
import statistics
from collections import Counter, defaultdict
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from knowledge.conversations.privacy import redact
from knowledge.text import detect_language

OUTCOMES = ("answered", "clarified", "declined", "handed_over", "other")
_RESULTS = {"found": "answered", "ambiguous": "clarified", "not_found": "declined", "repeated_failure": "declined"}
TOP = 10


@dataclass
class Question:
    conversation_id: str
    at: float
    text: str
    language: str
    intent: str | None
    outcome: str = "other"
    service_id: str | None = None

    @property
    def day(self) -> str:
        return dt.datetime.fromtimestamp(self.at, dt.timezone.utc).date().isoformat()


def questions(tracker_db: Path, since: dt.date, until: dt.date) -> list[Question]:
    """Every typed question from `since` to `until` (both included), with its outcome."""
    if not Path(tracker_db).exists():
        return []
    start = dt.datetime.combine(since, dt.time(), dt.timezone.utc).timestamp()
    end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), dt.timezone.utc).timestamp()
    with closing(sqlite3.connect(f"file:{tracker_db}?mode=ro", uri=True)) as db:
        rows = db.execute("SELECT sender_id, type_name, timestamp, data FROM events"
                          " WHERE timestamp >= ? AND timestamp < ? ORDER BY sender_id, id", (start, end)).fetchall()
    out: list[Question] = []
    current: dict[str, Question] = {}
    language: dict[str, str] = {}
    for sender, kind, timestamp, data in rows:
        event = json.loads(data)
        if kind == "user":
            text = event.get("text") or ""
            if text.startswith("/"):  # a button: part of the question before it
                continue
            lang = detect_language(text) or language.get(sender) or "ar"
            language[sender] = lang
            intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
            current[sender] = Question(sender, float(timestamp), redact(text), lang, intent)
            out.append(current[sender])
            continue
        q = current.get(sender)
        if q is None:
            continue
        if kind == "action" and event.get("name") == "action_handoff":
            q.outcome = "handed_over"
        elif kind == "slot" and event.get("name") == "search_result" and q.outcome == "other":
            q.outcome = _RESULTS.get(str(event.get("value")), "other")
        elif kind == "slot" and event.get("name") == "service_id" and event.get("value"):
            q.service_id = str(event["value"])
    for q in out:
        if q.outcome == "other" and q.intent == "out_of_scope":
            q.outcome = "declined"
    return out


def _in_range(stamp: str, since: dt.date, until: dt.date) -> bool:
    return since.isoformat() <= stamp[:10] <= until.isoformat()


def _seconds(later: str, earlier: str) -> float:
    return (dt.datetime.fromisoformat(later) - dt.datetime.fromisoformat(earlier)).total_seconds()


def figures(tracker_db: Path, store_db: Path, since: dt.date, until: dt.date) -> dict:
    """Everything the analytics page draws, for the days from `since` to `until`."""
    qs = questions(tracker_db, since, until)
    per_day: dict[str, Counter] = defaultdict(Counter)
    for q in qs:
        per_day[q.day][q.language] += 1
    outcomes = Counter(q.outcome for q in qs)
    asked = Counter(q.service_id for q in qs if q.service_id)
    feedback: dict[str, Counter] = defaultdict(Counter)
    waits: list[float] = []
    handoffs = waiting = 0
    if Path(store_db).exists():
        with closing(sqlite3.connect(f"file:{store_db}?mode=ro", uri=True)) as db:
            db.row_factory = sqlite3.Row
            tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if "feedback" in tables:
                for r in db.execute("SELECT service_id, rating, created_at FROM feedback WHERE service_id IS NOT NULL"):
                    if _in_range(r["created_at"], since, until):
                        feedback[r["service_id"]]["up" if r["rating"] == 1 else "down"] += 1
            if "handoffs" in tables:
                took: dict[str, str] = {}
                if "audit" in tables:
                    for r in db.execute("SELECT handoff_id, MIN(at) AS at FROM audit WHERE action = 'took'"
                                        " GROUP BY handoff_id"):
                        took[r["handoff_id"]] = r["at"]
                for r in db.execute("SELECT id, status, created_at FROM handoffs"):
                    if not _in_range(r["created_at"], since, until):
                        continue
                    handoffs += 1
                    if r["id"] in took:
                        waits.append(max(0.0, _seconds(took[r["id"]], r["created_at"])))
                    elif r["status"] == "open":
                        waiting += 1
    total = len(qs)
    return {
        "since": since.isoformat(), "until": until.isoformat(),
        "questions": total,
        "questions_per_day": [{"day": d, "ar": per_day[d]["ar"], "en": per_day[d]["en"]} for d in sorted(per_day)],
        "outcomes": {o: outcomes[o] for o in OUTCOMES},
        "shares": {o: round(outcomes[o] / total, 4) if total else 0.0 for o in OUTCOMES},
        "top_services": [{"service_id": s, "count": n} for s, n in sorted(asked.items(), key=lambda x: (-x[1], x[0]))[:TOP]],
        "feedback": [{"service_id": s, "up": c["up"], "down": c["down"]}
                     for s, c in sorted(feedback.items(), key=lambda x: (-(x[1]["up"] + x[1]["down"]), x[0]))],
        "handoff_wait": {"handoffs": handoffs, "taken": len(waits), "waiting": waiting,
                         "mean_seconds": round(statistics.fmean(waits), 1) if waits else None,
                         "median_seconds": round(statistics.median(waits), 1) if waits else None,
                         "max_seconds": round(max(waits), 1) if waits else None},
    }
