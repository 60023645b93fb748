"""Live takeover and agents as people: the stores (tokens hashed, one agent per conversation,
the audit log), the `dalil agents` command, and the whole takeover through the real stack's
APIs (Rasa's tracker records the pause, the agent's messages and the resume; the bot is quiet
while paused and answers again after). The browser side is in tests/test_browser_takeover.py."""
from __future__ import annotations

import os
import secrets
import sqlite3
import subprocess
import uuid

import pytest
import requests
from tests_support import early_in_a_rate_window

from knowledge.config import ROOT
from knowledge.conversations.agents import ADMIN, AgentExists, AgentStore, add_agent, audit_log
from knowledge.conversations.handoffs import HandoffStore
from knowledge.conversations.live import LiveStore, NotHeld, TakenByOther

# --- agents: tokens, hashes ---------------------------------------------------------------


def test_agent_tokens_are_stored_only_as_salted_hashes(tmp_path):
    db = tmp_path / "dalil.sqlite3"
    store = AgentStore(db)
    sara, omar = store.add("سارة"), store.add("Omar")
    assert (store.verify(sara), store.verify(omar)) == ("سارة", "Omar")
    sara_id, sara_secret = sara.split(".")
    omar_id, omar_secret = omar.split(".")
    assert store.verify(f"{omar_id}.{sara_secret}") is None  # one agent's secret under another's id
    assert store.verify(f"{sara_id}.{'0' * 48}") is None and store.verify("") is None and store.verify(sara + "0") is None
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("dalil.sqlite3*"))  # the database and its WAL
    assert sara_secret.encode() not in raw and omar_secret.encode() not in raw  # only hashes are kept
    with sqlite3.connect(db) as c:
        salts = [r[0] for r in c.execute("SELECT salt FROM agents")]
    assert len(set(salts)) == 2 and all(len(s) == 16 for s in salts)  # a salt of its own each
    assert store.list() == [{"name": "سارة", "created_at": store.list()[0]["created_at"], "disabled": False},
                            {"name": "Omar", "created_at": store.list()[1]["created_at"], "disabled": False}]
    with pytest.raises(AgentExists):
        store.add("omar")  # names are unique whatever their case
    for bad in ("", "   ", "admin", "Admin", "<b>x</b>", "x" * 41, "-dash"):
        with pytest.raises(ValueError):
            store.add(bad)
    assert store.disable("Omar") and store.verify(omar) is None  # at once in this process
    assert AgentStore(db).verify(sara) == "سارة"  # another process (its own cache) checks the hash


def test_dalil_agents_add_prints_the_token_once(tmp_path):
    env = {**os.environ, "DALIL_VAR_DIR": str(tmp_path)}
    dalil = str(ROOT / ".venv" / "bin" / "dalil")
    out = subprocess.run([dalil, "agents", "add", "Mariam"], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    token = out.stdout.strip().splitlines()[-1]
    assert AgentStore(tmp_path / "dalil.sqlite3").verify(token) == "Mariam"
    again = subprocess.run([dalil, "agents", "add", "mariam"], env=env, capture_output=True, text=True, timeout=60)
    assert again.returncode == 1 and "already an agent named" in again.stderr
    listed = subprocess.run([dalil, "agents", "list"], env=env, capture_output=True, text=True, timeout=60)
    assert listed.stdout.split("\t")[0] == "Mariam" and token.split(".")[1] not in listed.stdout


# --- one agent per conversation, the audit log ----------------------------------------------


def test_one_agent_holds_a_conversation_and_every_step_is_audited(tmp_path):
    db = tmp_path / "dalil.sqlite3"
    ref = HandoffStore(db).create("c" * 32, "ar", None, "user_request", [{"role": "user", "text": "ابي موظف"}])
    live = LiveStore(db)
    assert live.state("c" * 32) == ("waiting", None)
    with pytest.raises(NotHeld):
        live.say(ref, "Omar", "hello")  # not taken yet
    assert live.take(ref, "Sara")["agent"] == "Sara"
    assert live.take(ref, "Sara")["agent"] == "Sara"  # again (a console reload): nothing changes
    with pytest.raises(TakenByOther) as taken:
        live.take(ref, "Omar")
    assert taken.value.agent == "Sara"
    with pytest.raises(TakenByOther):
        live.say(ref, "Omar", "I can help")
    with pytest.raises(TakenByOther):
        live.finish(ref, "Omar", "closed")
    assert live.state("c" * 32) == ("agent", "Sara")
    live.say(ref, "Sara", "  call me back on 55123456  ")
    live.say(ref, "Sara", card={"type": "service_card", "id": "moi-rp-renewal"})
    assert HandoffStore(db).get(ref)["status"] == "taken"
    live.finish(ref, "Sara", "handed_back")
    assert live.state("c" * 32) == ("bot", None)
    with pytest.raises(NotHeld):
        live.say(ref, "Sara", "too late")
    messages = live.messages("c" * 32)
    assert [(m["kind"], m["agent"], m["text"]) for m in messages] == [
        ("joined", "Sara", None), ("text", "Sara", "call me back on [PHONE]"), ("card", "Sara", None),
        ("handed_back", "Sara", None)]
    assert messages[2]["card"] == {"type": "service_card", "id": "moi-rp-renewal"}
    assert [m["id"] for m in live.messages("c" * 32, after=messages[1]["id"])] == [m["id"] for m in messages[2:]]
    assert live.messages("d" * 32) == []  # another conversation sees none of them
    assert [(a["agent"], a["action"], a["handoff_id"]) for a in audit_log(db)] == [
        ("Sara", "took", ref), ("Sara", "answered", ref), ("Sara", "sent_card", ref), ("Sara", "handed_back", ref)]


def test_an_undone_take_leaves_no_trace(tmp_path):
    """When Rasa cannot be paused the take is undone: open again, no 'joined' for the citizen."""
    db = tmp_path / "dalil.sqlite3"
    ref = HandoffStore(db).create("e" * 32, "en", None, "user_request", [])
    live = LiveStore(db)
    live.take(ref, "Sara")
    live.untake(ref, "Sara")
    assert (HandoffStore(db).get(ref)["status"], HandoffStore(db).get(ref)["agent"]) == ("open", None)
    assert live.messages("e" * 32) == [] and audit_log(db) == []
    live.take(ref, "Omar")  # and anyone may take it now
    assert live.state("e" * 32) == ("agent", "Omar")


# --- the whole takeover through the real stack -------------------------------------------------


def _tracker_events(stack, sender: str) -> list[dict]:
    r = requests.get(f"{stack.rasa_url}/conversations/{sender}/tracker", params={"token": stack.rasa_token},
                     timeout=30)
    r.raise_for_status()
    return r.json()["events"]


def _say(stack, sender: str, text: str) -> list[dict]:
    r = requests.post(f"{stack.rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=60)
    r.raise_for_status()
    return r.json()


def _poll(stack, sender: str, after: int = 0) -> dict:
    r = requests.post(f"{stack.web_url}/api/live", json={"conversation_id": sender, "after": after}, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()


@pytest.fixture()
def agents(stack) -> dict[str, dict[str, str]]:
    """Two agents of the shared stack, with names of their own (the stack's store is shared)."""
    tag = uuid.uuid4().hex[:6]
    names = {"a": f"Sara {tag}", "b": f"Omar {tag}"}
    return {k: {"Authorization": f"Bearer {add_agent(stack.var_dir / 'dalil.sqlite3', n)}", "name": n}
            for k, n in names.items()}


def _auth(agent: dict[str, str]) -> dict[str, str]:
    return {"Authorization": agent["Authorization"]}


def test_takeover_pauses_the_bot_and_both_sides_talk_through_the_api(stack, agents):
    sender = secrets.token_hex(16)
    web, a, b = stack.web_url, agents["a"], agents["b"]
    replies = _say(stack, sender, "ابي اكلم موظف")
    [handoff] = [m["custom"] for m in replies if m.get("custom", {}).get("type") == "handoff"]  # the widget's cue
    ref = handoff["reference"]
    assert _poll(stack, sender) == {"state": "waiting", "agent": None, "messages": []}

    r = requests.post(f"{web}/api/handoffs/{ref}/take", headers=_auth(a), timeout=30)
    assert r.status_code == 200 and (r.json()["status"], r.json()["agent"]) == ("taken", a["name"])
    assert _tracker_events(stack, sender)[-1]["event"] == "pause"  # Rasa's own event, in the record
    r = requests.post(f"{web}/api/handoffs/{ref}/take", headers=_auth(b), timeout=30)
    assert r.status_code == 409 and r.json()["agent"] == a["name"]  # one agent per conversation
    live = _poll(stack, sender)
    assert (live["state"], live["agent"]) == ("agent", a["name"])
    assert [(m["kind"], m["agent"]) for m in live["messages"]] == [("joined", a["name"])]

    # Paused: the citizen's message reaches the tracker (redacted) and the agent; the bot is quiet.
    assert _say(stack, sender, "رقمي 55123456 ابي اجدد اقامتي") == []
    turns = requests.get(f"{web}/api/handoffs/{ref}/conversation", headers=_auth(b), timeout=30).json()["turns"]
    assert turns[-2:] == [{"role": "event", "text": "paused", "at": turns[-2]["at"]},
                          {"role": "user", "text": "رقمي [PHONE] ابي اجدد اقامتي", "at": turns[-1]["at"]}]

    r = requests.post(f"{web}/api/handoffs/{ref}/messages", json={"text": "Hello, I'm here to help you."},
                      headers=_auth(a), timeout=30)
    assert r.status_code == 201
    r = requests.post(f"{web}/api/handoffs/{ref}/messages", json={"service_id": "moi-rp-renewal"}, headers=_auth(a),
                      timeout=60)
    assert r.status_code == 201
    for body in ({"text": "let me take over"}, {"service_id": "moi-rp-renewal"}):
        r = requests.post(f"{web}/api/handoffs/{ref}/messages", json=body, headers=_auth(b), timeout=30)
        assert r.status_code == 409 and r.json()["agent"] == a["name"]
    after = live["messages"][-1]["id"]
    new = _poll(stack, sender, after)["messages"]
    assert [(m["kind"], m["text"]) for m in new] == [("text", "Hello, I'm here to help you."), ("card", None)]
    assert (new[1]["card"]["ar"]["name"], new[1]["card"]["en"]["name"]) == ("تجديد رخصة الإقامة", "Residence Permit Renewal")
    bot_events = [e for e in _tracker_events(stack, sender) if e["event"] == "bot"]
    assert [(e["text"], e["metadata"].get("agent")) for e in bot_events[-2:]] == [
        ("Hello, I'm here to help you.", a["name"]), ("تجديد رخصة الإقامة", a["name"])]  # the card in the handoff's language

    for path in ("handback", "close"):
        assert requests.post(f"{web}/api/handoffs/{ref}/{path}", headers=_auth(b), timeout=30).status_code == 409
    r = requests.post(f"{web}/api/handoffs/{ref}/handback", headers=_auth(a), timeout=30)
    assert r.status_code == 200 and r.json()["status"] == "resolved"
    assert _tracker_events(stack, sender)[-1]["event"] == "resume"
    back = _poll(stack, sender, new[-1]["id"])
    assert (back["state"], [m["kind"] for m in back["messages"]]) == ("bot", ["handed_back"])
    answer = _say(stack, sender, "ابي اجدد اقامتي")  # the bot answers again
    assert any((m.get("custom") or {}).get("id") == "moi-rp-renewal" for m in answer), answer

    log = requests.get(f"{web}/api/audit", params={"handoff": ref}, headers=_auth(b), timeout=10).json()["audit"]
    assert [(x["agent"], x["action"], x["conversation_id"]) for x in log] == [
        (a["name"], action, sender) for action in ("took", "answered", "sent_card", "handed_back")]


def test_a_closed_conversation_is_answered_by_the_bot_again(stack, agents):
    sender = secrets.token_hex(16)
    [ref] = [m["custom"]["reference"] for m in _say(stack, sender, "I want to speak to a person")
             if (m.get("custom") or {}).get("type") == "handoff"]
    a = agents["a"]
    assert requests.post(f"{stack.web_url}/api/handoffs/{ref}/take", headers=_auth(a), timeout=30).status_code == 200
    assert _say(stack, sender, "hello?") == []
    # The old status route cannot end a live takeover behind the agent's back (the bot would stay paused).
    r = requests.post(f"{stack.web_url}/api/handoffs/{ref}/status", json={"status": "resolved"}, headers=_auth(agents["b"]),
                      timeout=10)
    assert r.status_code == 409 and r.json()["agent"] == a["name"]
    assert requests.post(f"{stack.web_url}/api/handoffs/{ref}/close", headers=_auth(a), timeout=30).status_code == 200
    assert [m["kind"] for m in _poll(stack, sender)["messages"]][-1] == "closed"
    assert _say(stack, sender, "how can I pay my traffic fines?") != []


def test_the_shared_console_token_is_the_admin(stack, console_token):
    r = requests.get(f"{stack.web_url}/api/me", headers={"Authorization": f"Bearer {console_token}"}, timeout=10)
    assert r.json() == {"name": ADMIN}
    r = requests.get(f"{stack.web_url}/api/me", headers={"Authorization": "Bearer 1." + "0" * 48}, timeout=10)
    assert r.status_code == 401


@pytest.mark.parametrize("body, field", [
    ({"conversation_id": "me", "after": 0}, "conversation_id"),  # a chosen id: anyone could guess it
    ({"conversation_id": "A" * 32}, "conversation_id"),
    ({"conversation_id": "a" * 32, "after": -1}, "after"),
    ({"conversation_id": "a" * 32, "after": 1.5}, "after"),
    ({"conversation_id": "a" * 32, "after": True}, "after"),
    ({"conversation_id": "a" * 32, "agent": "x"}, "body"),
    ([], "body")])
def test_the_widget_poll_refuses_what_it_does_not_expect(stack, body, field):
    r = requests.post(f"{stack.web_url}/api/live", json=body, timeout=10)
    assert r.status_code == 400 and field in r.json()["error"] and r.headers["Access-Control-Allow-Origin"] == "*"


def _keys(value) -> set[str]:
    """Every object key anywhere in a parsed JSON document."""
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def test_no_route_shows_a_token_or_a_hash(stack, agents):
    """An agent reads every page of the API an agent can read: none holds another agent's
    secret, a stored hash or salt, or the words for them."""
    import json as _json

    db = stack.var_dir / "dalil.sqlite3"
    with sqlite3.connect(db) as c:
        stored = [(bytes(s).hex(), bytes(h).hex()) for s, h in c.execute("SELECT salt, hash FROM agents")]
    other_secret = agents["b"]["Authorization"].rsplit(".", 1)[1]
    sender = secrets.token_hex(16)
    [ref] = [m["custom"]["reference"] for m in _say(stack, sender, "I want to speak to a person")
             if (m.get("custom") or {}).get("type") == "handoff"]
    requests.post(f"{stack.web_url}/api/handoffs/{ref}/take", headers=_auth(agents["a"]), timeout=30).raise_for_status()
    paths = ["/api/me", "/api/handoffs?limit=200", f"/api/audit?handoff={ref}", f"/api/handoffs/{ref}/conversation",
             f"/api/conversations/{sender}", f"/api/conversations/{sender}/export", "/api/analytics", "/api/openapi.json",
             "/api/conversations?limit=100"]
    for path in paths:
        r = requests.get(f"{stack.web_url}{path}", headers=_auth(agents["a"]), timeout=60)
        assert r.status_code == 200, (path, r.text)
        text = r.text
        assert other_secret not in text and agents["a"]["Authorization"].rsplit(".", 1)[1] not in text, path
        assert not any(salt in text or digest in text for salt, digest in stored), path
        secret_words = {"salt", "hash", "token", "password"}
        assert not _keys(_json.loads(text)) & secret_words, path
    requests.post(f"{stack.web_url}/api/handoffs/{ref}/close", headers=_auth(agents["a"]), timeout=30).raise_for_status()


def test_made_up_agent_tokens_are_limited_per_address(web_only):
    """Each fresh check of an agent token costs a scrypt: past 120 a minute from one address the
    server refuses (429) before checking; another address is not affected."""

    from test_web_api import client

    early_in_a_rate_window(20)
    session, url = client(), f"{web_only.web_url}/api/me"
    codes = [session.get(url, headers={"Authorization": f"Bearer {i}.{secrets.token_hex(24)}"}, timeout=10).status_code
             for i in range(1, 122)]
    assert codes == [401] * 120 + [429]
    assert client().get(url, headers={"Authorization": f"Bearer 1.{'a' * 48}"}, timeout=10).status_code == 401


def test_a_socketio_client_gets_the_agents_messages_pushed(stack, agents, tmp_path):
    """Over socket.io the agent's messages are pushed: Rasa sends the appended utterances to the
    channel the person last wrote through (a real python-socketio client in the Rasa env)."""
    import json as _json

    client = [str(ROOT / ".venv-rasa" / "bin" / "python"), str(ROOT / "tests" / "clients" / "socketio_listen.py"),
              stack.rasa_url, stack.web_url, "I want to speak to a person", "Hello from the Contact Center"]
    # stderr goes to a file: an unread pipe could fill and block the client
    err = tmp_path / "client.err"
    with err.open("w") as err_file, subprocess.Popen(client, stdout=subprocess.PIPE, stderr=err_file, text=True) as proc:
        assert proc.stdout is not None
        first = _json.loads(proc.stdout.readline() or "{}")
        assert "reference" in first, err.read_text()
        ref, a = first["reference"], agents["a"]
        assert requests.post(f"{stack.web_url}/api/handoffs/{ref}/take", headers=_auth(a), timeout=30).status_code == 200
        for body in ({"service_id": "moi-rp-renewal"}, {"text": "Hello from the Contact Center"}):
            r = requests.post(f"{stack.web_url}/api/handoffs/{ref}/messages", json=body, headers=_auth(a), timeout=60)
            assert r.status_code == 201
        received = _json.loads(proc.stdout.readline() or "{}").get("received")
        assert proc.wait(timeout=30) == 0, err.read_text()
    assert received is not None
    pushed = received[[i for i, m in enumerate(received) if (m.get("custom") or {}).get("type") == "handoff"][0] + 1:]
    assert [(m.get("text"), (m.get("custom") or {}).get("id")) for m in pushed] == [
        ("Residence Permit Renewal", None), (None, "moi-rp-renewal"), ("Hello from the Contact Center", None)]
    requests.post(f"{stack.web_url}/api/handoffs/{ref}/handback", headers=_auth(a), timeout=30).raise_for_status()
