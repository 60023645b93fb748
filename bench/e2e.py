"""End to end through the REST channel: a sample of each slice of the held-out test questions,
one message per fresh conversation, against the real Rasa, action and web servers.

    python -m bench.e2e [--per-slice 25]

For each question: what the bot did (answered a service / offered buttons / declined) read
from its reply and the tracker, whether that was right, and the time of the single request.
Writes bench/results/e2e.json and e2e.md.
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
import uuid
from collections import defaultdict
from pathlib import Path

import requests

from bench.results_file import RESULTS
from knowledge.config import ROOT
from knowledge.search.evaluation import load_questions
from ops.servers import ensure_model, start_stack


def ask(stack, text: str) -> tuple[str, str | None, float]:
    sender = f"bench-{uuid.uuid4().hex[:10]}"
    t0 = time.perf_counter()
    r = requests.post(f"{stack.rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=60)
    ms = (time.perf_counter() - t0) * 1000
    r.raise_for_status()
    tracker = requests.get(f"{stack.rasa_url}/conversations/{sender}/tracker", params={"token": stack.rasa_token}, timeout=30).json()
    slots = tracker.get("slots", {})
    if slots.get("search_result") == "ambiguous":  # (a service card has buttons too: read the slot)
        return "clarify", None, ms
    if slots.get("search_result") == "found" and slots.get("service_id"):
        return "answer", slots["service_id"], ms
    return "decline", None, ms


def run(per_slice: int, seed: int = 7) -> dict:
    test = [q for q in load_questions() if q.split == "test"]
    by_slice = defaultdict(list)
    for q in test:
        by_slice[q.variety if q.service else "out_of_scope"].append(q)
    rng = random.Random(seed)
    sample = {s: rng.sample(qs, min(per_slice, len(qs))) for s, qs in sorted(by_slice.items())}
    out: dict = {"per_slice": per_slice, "slices": {}}
    times = []
    with tempfile.TemporaryDirectory() as tmp, \
            start_stack(ensure_model(quiet=True), Path(tmp), env={"DALIL_INDEX_DIR": str(ROOT / "var" / "index")},
                        limits={"ip_rate_limit": 1_000_000}) as stack:  # every message from this machine
        ask(stack, "hello")  # the first message loads the searcher in the action server
        for name, qs in sample.items():
            counts: dict = defaultdict(int)
            for q in qs:
                action, sid, ms = ask(stack, q.text)
                times.append(ms)
                if q.service is None:
                    counts["declined" if action == "decline" else "answered_oos"] += 1
                elif action == "answer":
                    counts["right" if sid == q.service else "wrong"] += 1
                else:
                    counts["clarified" if action == "clarify" else "declined"] += 1
            out["slices"][name] = {"n": len(qs), **{k: round(v / len(qs), 3) for k, v in counts.items()}}
    times.sort()
    out["latency_ms"] = {"n": len(times), "p50": round(statistics.median(times), 1),
                         "p95": round(times[int(0.95 * (len(times) - 1))], 1)}
    return out


def markdown(r: dict) -> str:
    lines = ["# End to end through REST (held-out test questions, a sample per slice)", "",
             f"Single-message latency over {r['latency_ms']['n']} requests, one at a time: "
             f"p50 {r['latency_ms']['p50']} ms, p95 {r['latency_ms']['p95']} ms.", "",
             "| slice | n | right | wrong | clarified | declined | OOS answered |", "|---|---|---|---|---|---|---|"]
    for name, s in r["slices"].items():
        lines.append(f"| {name} | {s['n']} | {s.get('right', 0)} | {s.get('wrong', 0)} | {s.get('clarified', 0)} | "
                     f"{s.get('declined', 0)} | {s.get('answered_oos', '-')} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--per-slice", type=int, default=25)
    args = ap.parse_args()
    r = run(args.per_slice)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "e2e.json").write_text(json.dumps(r, indent=2) + "\n", "utf-8")
    md = markdown(r)
    (RESULTS / "e2e.md").write_text(md, "utf-8")
    print(md)


if __name__ == "__main__":
    main()
