"""Closed by default (issue #12): every probe of the review, against the real servers.

Each test names the finding it covers; each fails on the code before the fix (the action
server on 0.0.0.0 without a token, Rasa's API open, "/" text skipping redaction, no
per-address limit, 500 on deep JSON, socket.io rooms open to anyone...)."""
from __future__ import annotations

import json
import subprocess
import uuid
import zlib
from pathlib import Path

import pytest
import requests
from tests_support import early_in_a_rate_window

from knowledge.config import ROOT

pytestmark = pytest.mark.e2e
SOCKETIO_CLIENT = [str(ROOT / ".venv-rasa" / "bin" / "python"), str(ROOT / "tests" / "clients" / "socketio_chat.py")]


def webhook(stack) -> str:
    return f"{stack.rasa_url}/webhooks/rest/webhook"


def sender() -> str:
    return "sec-" + uuid.uuid4().hex[:10]


def user_texts(stack, s) -> list[str]:
    r = requests.get(f"{stack.rasa_url}/conversations/{s}/tracker", params={"token": stack.rasa_token}, timeout=30)
    r.raise_for_status()
    return [e["text"] for e in r.json()["events"] if e["event"] == "user"]


def action_token(stack) -> str:
    return (Path(stack.var_dir) / "secrets" / "dalil_action_token").read_text().strip()


def listening_addresses(port: int) -> set[str]:
    """Local addresses with a listening TCP socket on `port` (from /proc, like `ss -ltn`)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, port_hex = local.split(":")
            if state == "0A" and int(port_hex, 16) == port:  # 0A = LISTEN
                found.add(address)
    return found


# --- the action server -------------------------------------------------------------------

def test_action_server_listens_on_loopback_only(stack):
    port = int(stack.action_url.rsplit(":", 1)[1])
    assert listening_addresses(port) == {"0100007F"}  # 127.0.0.1, not 00000000 (every interface)


FORGED = {"next_action": "action_handoff", "sender_id": "forged", "version": "3.6.21",
          "tracker": {"sender_id": "forged", "slots": {}, "latest_message": {"text": "forged transcript"},
                      "events": [], "paused": False, "latest_event_time": None, "followup_action": None,
                      "active_loop": {}, "latest_action_name": None},
          "domain": {}}


@pytest.mark.parametrize("params", [{}, {"token": "wrong"}])
def test_action_server_refuses_a_forged_tracker_without_the_token(stack, params):
    r = requests.post(f"{stack.action_url}/webhook", json=FORGED, params=params, timeout=30)
    assert r.status_code == 401 and r.json() == {"error": "a valid token is required"}
    r = requests.get(f"{stack.action_url}/actions", params=params, timeout=30)
    assert r.status_code == 401
    assert requests.get(f"{stack.action_url}/health", timeout=30).json() == {"status": "ok"}


def test_action_server_refuses_compressed_and_oversized_bodies(stack):
    token = {"token": action_token(stack)}
    bomb = zlib.compress(b"[" + b" " * 50_000_000 + b"]")  # 50 MB once inflated
    r = requests.post(f"{stack.action_url}/webhook", data=bomb, params=token, timeout=30,
                      headers={"Content-Encoding": "deflate", "Content-Type": "application/json"})
    assert r.status_code == 415
    r = requests.post(f"{stack.action_url}/webhook", data=b" " * (2 * 1024 * 1024), params=token, timeout=30,
                      headers={"Content-Type": "application/json"})
    assert r.status_code == 413
    # With the token, Rasa's own calls work: the actions are listed.
    names = {a["name"] for a in requests.get(f"{stack.action_url}/actions", params=token, timeout=30).json()}
    assert "action_handoff" in names


# --- Rasa's HTTP API -----------------------------------------------------------------------

def test_rasa_api_needs_the_token(stack):
    s = sender()
    requests.post(webhook(stack), json={"sender": s, "message": "hello"}, timeout=60).raise_for_status()
    assert requests.get(f"{stack.rasa_url}/conversations/{s}/tracker", timeout=30).status_code == 401
    assert requests.post(f"{stack.rasa_url}/conversations/{s}/tracker/events", timeout=30,
                         json={"event": "slot", "name": "service_id", "value": "x"}).status_code == 401
    assert requests.delete(f"{stack.rasa_url}/model", timeout=30).status_code == 401
    # A cross-site "simple" request (text/plain, no token) is refused too.
    assert requests.post(f"{stack.rasa_url}/conversations/{s}/trigger_intent", data='{"name": "greet"}',
                         headers={"Content-Type": "text/plain"}, timeout=30).status_code == 401
    assert user_texts(stack, s) == ["hello"]  # with the token the conversation is readable


# --- "/" payloads ---------------------------------------------------------------------------

def test_slash_text_is_cleaned_and_redacted_like_any_message(stack):
    s = sender()
    r = requests.post(webhook(stack), json={"sender": s, "message": "/request_human@1 QID 28412345678"}, timeout=60)
    assert r.status_code == 200
    [stored] = user_texts(stack, s)
    assert stored == "request_human@1 QID [QID]"


def test_payload_with_unknown_entities_is_text_and_redacted(stack):
    s = sender()
    requests.post(webhook(stack), json={"sender": s, "message": '/choose_service{"phone":"55123456"}'},
                  timeout=60).raise_for_status()
    [stored] = user_texts(stack, s)
    assert "55123456" not in stored and "[PHONE]" in stored


def test_the_bots_own_button_payload_still_works(stack):
    s = sender()
    requests.post(webhook(stack), json={"sender": s, "message": "hello"}, timeout=60).raise_for_status()
    r = requests.post(webhook(stack), json={"sender": s, "message": '/choose_service{"service_id":"moi-rp-renewal"}'},
                      timeout=60)
    assert r.json()[0]["text"].splitlines()[0] == "Residence Permit Renewal"


# --- request limits ---------------------------------------------------------------------------

@pytest.mark.parametrize("body, status, error", [
    (b"[" * 5000, 400, "the body is nested too deeply"),
    (json.dumps({"sender": "a\u0000b", "message": "hi"}).encode(), 400, "'sender' must be 1 to 128 characters"),
    (json.dumps({"sender": "a\nb", "message": "hi"}).encode(), 400, "'sender' must be 1 to 128 characters"),
    (json.dumps({"sender": "x" * 129, "message": "hi"}).encode(), 400, "'sender' must be 1 to 128 characters"),
])
def test_hostile_bodies_get_a_clear_400(stack, body, status, error):
    r = requests.post(webhook(stack), data=body, headers={"Content-Type": "application/json"}, timeout=30)
    assert r.status_code == status and r.json()["error"].startswith(error)


def test_a_body_over_the_limit_is_refused_by_rasa(stack):
    big = json.dumps({"sender": sender(), "message": "x" * (2 * 1024 * 1024)}).encode()
    r = requests.post(webhook(stack), data=big, headers={"Content-Type": "application/json"}, timeout=30)
    assert r.status_code == 413


def test_rotating_senders_meet_the_per_address_limit(limited_stack):
    """The limited stack allows 5 messages a minute per address: a sixth sender from the same
    address is refused, politely and in the message's language."""
    early_in_a_rate_window(30)
    codes = []
    for _ in range(6):
        r = requests.post(webhook(limited_stack), json={"sender": sender(), "message": "hello"}, timeout=60)
        codes.append(r.status_code)
    assert codes == [200] * 5 + [429]
    assert r.json()[0]["text"].startswith("That's a lot of messages in a short time")


# --- socket.io ----------------------------------------------------------------------------------

def chat(stack, *messages: str, session: str = "", origin: str | None = None, metadata: dict | None = None) -> dict:
    args = [stack.rasa_url, session]
    if origin is not None:
        args += ["--origin", origin]
    if metadata is not None:
        args += ["--metadata", json.dumps(metadata)]
    out = subprocess.run(SOCKETIO_CLIENT + args + list(messages), capture_output=True, text=True, timeout=240)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout)


def first_lines(reply: list[dict]) -> str:
    return reply[0]["text"].splitlines()[0]


def test_socketio_follow_ups_in_arabic_and_english(stack):
    ar = chat(stack, "ابي اجدد اقامتي", "وش الرسوم؟")
    assert first_lines(ar["replies"][0]) == "تجديد رخصة الإقامة"
    assert ar["replies"][1][0]["text"].startswith("رسوم خدمة «تجديد رخصة الإقامة»")
    en = chat(stack, "how do I renew my driving licence?", "how much does it cost?")
    assert first_lines(en["replies"][0]) == "Driving Licence Renewal"
    assert en["replies"][1][0]["text"].startswith("Fees for Driving Licence Renewal")


def test_socketio_session_resumes_only_with_the_id_the_server_issued(stack):
    first = chat(stack, "ابي اجدد اقامتي")
    issued = first["session_id"]
    resumed = chat(stack, "وش الرسوم؟", session=issued)  # a reload: the same conversation
    assert resumed["session_id"] == issued
    assert resumed["replies"][0][0]["text"].startswith("رسوم خدمة «تجديد رخصة الإقامة»")
    # Naming someone else's id without its signature gives a new, separate conversation.
    bare = issued.split(".")[0]
    other = chat(stack, "وش الرسوم؟", session=bare)
    assert other["session_id"] != issued and other["session_id"] != bare
    assert not other["replies"][0][0]["text"].startswith("رسوم خدمة")
    assert user_texts(stack, issued) == ["ابي اجدد اقامتي", "وش الرسوم؟"]


def test_socketio_refuses_a_foreign_origin_and_accepts_the_widgets(stack):
    assert "refused" in chat(stack, "hello", origin="http://evil.example")
    ok = chat(stack, "hello", origin=stack.web_url)
    assert ok["replies"][0][0]["text"]


def test_socketio_metadata_is_redacted_and_size_limited(stack):
    small = chat(stack, "hello", metadata={"note": "QID 28412345678", "page": "/services"})
    r = requests.get(f"{stack.rasa_url}/conversations/{small['session_id']}/tracker",
                     params={"token": stack.rasa_token}, timeout=30).json()
    [user] = [e for e in r["events"] if e["event"] == "user"]
    assert user["metadata"]["note"] == "QID [QID]" and user["metadata"]["page"] == "/services"
    big = chat(stack, "hello", metadata={"blob": "x" * 5000})
    r = requests.get(f"{stack.rasa_url}/conversations/{big['session_id']}/tracker",
                     params={"token": stack.rasa_token}, timeout=30).json()
    [user] = [e for e in r["events"] if e["event"] == "user"]
    assert "blob" not in user.get("metadata", {})
