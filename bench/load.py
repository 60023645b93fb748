"""Load benchmark on loopback: simulated users holding multi-turn bilingual conversations
through the REST channel, against one Rasa process (SQLite tracker store) and against two
(PostgreSQL tracker store + Redis lock store behind a round-robin proxy).

    python -m bench.load [--users 10,50,100] [--replicas 1,2] [--time-limit 300]

Every user sends the same four turns (greeting, a service question, two follow-ups) in
Arabic or English; each run is bounded by its number of users and by --time-limit.
"Lost" counts user messages that are not in the stored conversation afterwards.
Writes bench/results/load.json and load.md.
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import numpy as np
import psutil
import requests

from bench.results_file import table, write
from ops.datastores import postgres_server, redis_server
from ops.servers import ROOT, ensure_model, start_stack

TURNS = {
    "ar": ["السلام عليكم", "ابي اجدد اقامتي", "وش الاوراق المطلوبة؟", "كم الرسوم؟"],
    "en": ["hello", "how do I renew my driving licence?", "what documents do I need?", "how much does it cost?"],
}


def user(stack, index: int, deadline: float) -> dict:
    lang = "ar" if index % 2 == 0 else "en"
    sender = f"load-{index}-{uuid.uuid4().hex[:6]}"
    latencies, errors, sent = [], 0, 0
    for text in TURNS[lang]:
        if time.time() > deadline:
            break
        t0 = time.perf_counter()
        try:
            # A new connection per message, as independent browsers would (and so the
            # proxy spreads turns of one conversation over both replicas).
            r = requests.post(f"{stack.rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": text},
                              timeout=60, headers={"Connection": "close"})
            ok = r.status_code == 200 and any(m.get("text") for m in r.json())
        except requests.RequestException:
            ok = False
        latencies.append((time.perf_counter() - t0) * 1000)
        sent += 1
        errors += 0 if ok else 1
    return {"sender": sender, "latencies": latencies, "errors": errors, "sent": sent}


def stored_user_messages(stack, sender: str) -> int:
    events = requests.get(f"{stack.rasa_url}/conversations/{sender}/tracker", params={"token": stack.rasa_token}, timeout=60).json()["events"]
    return sum(1 for e in events if e["event"] == "user")


# The simulated users all come from this machine: no per-address limit.
ONE_MACHINE = {"ip_rate_limit": 1_000_000}


def run(stack, users: int, time_limit: float) -> dict:
    deadline = time.time() + time_limit
    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=users) as pool:
        results = list(pool.map(lambda i: user(stack, i, deadline), range(users)))
    wall = time.perf_counter() - t0
    lat = [x for r in results for x in r["latencies"]]
    sent = sum(r["sent"] for r in results)
    lost = sum(max(0, r["sent"] - stored_user_messages(stack, r["sender"])) for r in results)
    memory = {}
    for name, service in stack.services.items():
        if service.proc and service.proc.poll() is None:
            p = psutil.Process(service.proc.pid)
            memory[name] = round(sum(x.memory_info().rss for x in [p, *p.children(recursive=True)]) / 2**20, 1)
    return {"users": users, "messages": sent, "errors": sum(r["errors"] for r in results), "lost": lost,
            "wall_s": round(wall, 2), "throughput_msg_s": round(sent / wall, 2),
            "p50_ms": round(float(np.percentile(lat, 50)), 1), "p95_ms": round(float(np.percentile(lat, 95)), 1),
            "p99_ms": round(float(np.percentile(lat, 99)), 1), "mean_ms": round(statistics.mean(lat), 1),
            "memory_mb": memory}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", default="10,50,100")
    ap.add_argument("--replicas", default="1,2")
    ap.add_argument("--time-limit", type=float, default=300.0)
    args = ap.parse_args()
    model = ensure_model(quiet=True)
    env = {"DALIL_INDEX_DIR": str(ROOT / "var" / "index")}
    out = []
    for replicas in map(int, args.replicas.split(",")):
        with ExitStack() as stack_ctx, tempfile.TemporaryDirectory() as tmp:
            kwargs = {}
            if replicas > 1:
                kwargs["tracker"] = stack_ctx.enter_context(postgres_server())
                kwargs["lock_store"] = stack_ctx.enter_context(redis_server(Path(tmp)))
            stack = stack_ctx.enter_context(start_stack(model, Path(tmp) / "stack", env=env, rasa_replicas=replicas,
                                                        limits=ONE_MACHINE, **kwargs))
            user(stack, 0, time.time() + 60)  # warm-up: first search loads the index
            for users in map(int, args.users.split(",")):
                print(f"{replicas} Rasa process(es), {users} users ...", flush=True)
                row = {"rasa_processes": replicas, **run(stack, users, args.time_limit)}
                print(row, flush=True)
                out.append(row)
    columns = ["Rasa processes", "users", "messages", "errors", "lost", "throughput msg/s", "p50 ms", "p95 ms", "p99 ms",
               "memory MB"]
    rows = [[r["rasa_processes"], r["users"], r["messages"], r["errors"], r["lost"], r["throughput_msg_s"], r["p50_ms"],
             r["p95_ms"], r["p99_ms"], ", ".join(f"{k} {v}" for k, v in r["memory_mb"].items())] for r in out]
    write("load", {"cores": psutil.cpu_count(), "rows": out}, "Load benchmark (loopback)", table(columns, rows))


if __name__ == "__main__":
    main()
