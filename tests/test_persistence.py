"""Conversations in a real PostgreSQL tracker store, and two Rasa processes sharing it
with a real Redis lock store behind a round-robin proxy (Debian's postgresql and
redis-server, started by the tests on loopback ports)."""
import uuid

import pytest
import requests

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


def test_two_rasa_processes_share_one_conversation(tmp_path):
    with postgres_server() as pg, redis_server(tmp_path) as redis, \
            start_stack(ensure_model(quiet=True), tmp_path / "stack", env=INDEX, tracker=pg, lock_store=redis,
                        rasa_replicas=2, limits={"rate_limit": 6}) as stack:
        s = "scale-" + uuid.uuid4().hex[:6]
        assert say(stack, s, "how do I renew my driving licence?")[0].splitlines()[0] == "Driving Licence Renewal"
        assert say(stack, s, "what documents do I need?")[0].startswith("Documents needed for Driving Licence Renewal")
        assert say(stack, s, "how much does it cost?")[0].startswith("Fees for Driving Licence Renewal")
        assert say(stack, s, "and the steps?")[0].startswith("Steps for Driving Licence Renewal")
        log = (stack.var_dir / "logs" / "proxy.log").read_text()
        backends = {line.split("-> ")[1] for line in log.splitlines() if "-> " in line}
        assert len(backends) == 2  # both replicas served turns of this conversation
        # The per-sender limit (6 a minute here) is counted in Redis, across both processes:
        # counted per process, each would have seen only 3 of the 7 messages.
        statuses = [requests.post(f"{stack.rasa_url}/webhooks/rest/webhook", json={"sender": s, "message": ""},
                                  timeout=60).status_code for _ in range(3)]
        assert statuses == [200, 200, 429]
