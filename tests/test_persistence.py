"""Conversations in a real PostgreSQL tracker store, and two Rasa processes sharing it
with a real Redis lock store behind a round-robin proxy (Debian's postgresql and
redis-server, started by the tests on loopback ports)."""
import json
import subprocess
import uuid

import pytest
import requests
from tests_support import early_in_a_rate_window

from ops.datastores import postgres_server, redis_server
from ops.servers import ROOT, ensure_model, start_stack

pytestmark = pytest.mark.e2e
INDEX = {"DALIL_INDEX_DIR": str(ROOT / "var" / "index")}


def say(stack, sender, text):
    r = requests.post(f"{stack.rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=60)
    r.raise_for_status()
    return [m["text"] for m in r.json() if m.get("text")]


def test_postgres_tracker_store_survives_a_rasa_restart(tmp_path):
    with postgres_server() as pg, \
            start_stack(ensure_model(quiet=True), tmp_path / "stack", env=INDEX, tracker=pg) as stack:
        s = "pg-" + uuid.uuid4().hex[:6]
        assert say(stack, s, "ابي اجدد اقامتي")[0].splitlines()[0] == "تجديد رخصة الإقامة"
        stack.restart("rasa")
        [fees] = say(stack, s, "كم الرسوم؟")
        assert fees.startswith("رسوم خدمة «تجديد رخصة الإقامة»")
        events = requests.get(f"{stack.rasa_url}/conversations/{s}/tracker", params={"token": stack.rasa_token}, timeout=30).json()["events"]
        assert [e["text"] for e in events if e["event"] == "user"] == ["ابي اجدد اقامتي", "كم الرسوم؟"]


def proxied(stack) -> list[str]:
    """The replica each connection through the proxy went to, in order."""
    log = (stack.var_dir / "logs" / "proxy.log").read_text()
    return [line.split("-> ")[1] for line in log.splitlines() if line.startswith("connection -> ")]


def test_two_rasa_processes_share_one_conversation(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    with postgres_server() as pg, redis_server(tmp_path) as redis, \
            start_stack(ensure_model(quiet=True), tmp_path / "stack", env=INDEX, tracker=pg, lock_store=redis,
                        rasa_replicas=2, limits={"rate_limit": 8}) as stack:
        s = "scale-" + uuid.uuid4().hex[:6]
        before = len(proxied(stack))  # readiness probes went through the proxy too
        assert say(stack, s, "how do I renew my driving licence?")[0].splitlines()[0] == "Driving Licence Renewal"
        assert say(stack, s, "what documents do I need?")[0].startswith("Documents needed for Driving Licence Renewal")
        turns = proxied(stack)[before:]
        assert len(turns) == 2 and turns[0] != turns[1]  # one turn each: both replicas hold the conversation
        # Two messages of one sender at the same moment, one on each replica: the Redis lock
        # makes the second turn wait for the first, so each is answered about the service and
        # the tracker holds them one after the other, never interleaved.
        with ThreadPoolExecutor(2) as pool:
            fees, steps = pool.map(lambda text: say(stack, s, text), ["how much does it cost?", "and the steps?"])
        assert fees[0].startswith("Fees for Driving Licence Renewal")
        assert steps[0].startswith("Steps for Driving Licence Renewal")
        events = requests.get(f"{stack.rasa_url}/conversations/{s}/tracker", params={"token": stack.rasa_token},
                              timeout=30).json()["events"]
        order = [e.get("text") if e["event"] == "user" else e.get("name") for e in events
                 if e["event"] == "user" or (e["event"] == "action" and e.get("name") == "action_listen")]
        last_two = [i for i, x in enumerate(order) if x in ("how much does it cost?", "and the steps?")]
        assert len(last_two) == 2 and order[last_two[0] + 1] == "action_listen" and last_two[1] > last_two[0] + 1
        # The per-sender limit (8 a minute here) is counted in Redis, across both processes:
        # nine quick messages of a new sender alternate between the replicas, so counted per
        # process each would have seen at most five and let all nine through.
        s2 = "scale-" + uuid.uuid4().hex[:6]
        early_in_a_rate_window(30)
        statuses = [requests.post(f"{stack.rasa_url}/webhooks/rest/webhook", json={"sender": s2, "message": ""},
                                  timeout=60).status_code for _ in range(9)]
        assert statuses == [200] * 8 + [429]


def test_one_conversations_tickets_are_issued_once_across_replicas(tmp_path):
    """Twenty lock stores on one Redis (twenty replicas) ask for a ticket for one conversation
    at the same moment: each gets its own (Rasa's RedisLockStore hands the same ticket to
    several, so two replicas process one sender's messages at once and a turn is lost)."""
    with redis_server(tmp_path) as redis:
        out = subprocess.run([str(ROOT / ".venv-rasa" / "bin" / "python"), str(ROOT / "tests" / "clients" / "lock_race.py"),
                              redis["host"], str(redis["port"]), "atomic", "20", uuid.uuid4().hex],
                             capture_output=True, text=True, timeout=120, cwd=ROOT, env={"PYTHONPATH": str(ROOT)})
        assert json.loads(out.stdout or "null") == list(range(20)), out.stderr
