"""Property-based fuzz of the chat channels (issue #12), against the real Rasa, action and
web servers: malformed, huge, deep, binary, wrongly typed and odd-Unicode bodies on the REST
webhook and odd `user_uttered` payloads on socket.io. Never a 5xx, a clear JSON error for
what is refused, and never a lost message: every well-formed message is answered and is in
the tracker, and a socket.io connection answers every payload, however odd.

Hypothesis runs derandomized (the same examples every run) with no example database, so
the suite stays reproducible and writes nothing to the repository."""
from __future__ import annotations

import json
import re
import subprocess
import uuid

import pytest
import requests
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from knowledge.config import ROOT

pytestmark = pytest.mark.e2e
FUZZ_CLIENT = [str(ROOT / ".venv-rasa" / "bin" / "python"), str(ROOT / "tests" / "clients" / "socketio_fuzz.py")]
SENDER_RE = re.compile(r"[A-Za-z0-9_.:@\-]{1,128}")  # the channels' documented sender ids (docs/security.md)
# No shrinking: against live servers it can take many minutes; the failing example is printed whole.
FUZZ = settings(max_examples=40, deadline=None, derandomize=True, database=None, phases=[Phase.generate],
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large])

# Unicode the channels must survive: RTL marks, zero-width joiners, combining marks, emoji,
# Arabic-Indic digits, NUL and other controls, lone surrogates (JSON-escaped), the BOM.
ODD = st.sampled_from(["\u200f", "\u200d", "\u0651", "🇶🇦", "٣", "\x00", "\x1b", "\ud800", "\ufeff", "\u202e", "ـ", "\r\n"])
TEXT = st.one_of(st.text(max_size=60), st.lists(st.one_of(ODD, st.text(max_size=5)), max_size=12).map("".join),
                 st.sampled_from(["ابي اجدد اقامتي", "how do I renew my QID", "/", "/request_human", "  ", "",
                                  '/choose_service{"service_id": "x"}', "QID 28412345678"]))
JSON_VALUE = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), TEXT),
                          lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                  st.dictionaries(st.text(max_size=8), inner, max_size=4)),
                          max_leaves=12)
SENDERS = st.one_of(st.builds(lambda: "fuzz-" + uuid.uuid4().hex[:10]), TEXT, st.integers(), st.none())


def _body(draw_value) -> bytes:
    return json.dumps(draw_value).encode()


BODIES = st.one_of(
    st.builds(lambda s, m: _body({"sender": s, "message": m}), SENDERS, st.one_of(TEXT, JSON_VALUE)),
    st.builds(lambda s, m, extra: _body({"sender": s, "message": m, **extra}), SENDERS, TEXT,
              st.dictionaries(st.text(max_size=8), JSON_VALUE, max_size=3)),
    JSON_VALUE.map(_body),  # any JSON at all
    st.binary(max_size=300),  # not JSON, not UTF-8
    st.integers(1, 20000).map(lambda n: b"[" * n + b"]" * n),  # deep
    st.integers(1, 20000).map(lambda n: b'{"a":' * n + b"1" + b"}" * n),
    st.integers(3000, 300_000).map(lambda n: _body({"sender": "fuzz-" + uuid.uuid4().hex[:10], "message": "x" * n})),
)


def well_formed(body: bytes) -> dict | None:
    """The body as a message the channel must answer (a JSON object with a valid sender and a
    string message, within the 64 KiB default body limit), or None."""
    if len(body) > 64 * 1024:
        return None
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("sender"), str) or not SENDER_RE.fullmatch(data["sender"]):
        return None
    return data if isinstance(data.get("message", ""), str) or data.get("message") is None else None


@FUZZ
@given(body=BODIES)
def test_rest_channel_never_fails_and_never_loses_a_message(stack, body):
    url = f"{stack.rasa_url}/webhooks/rest/webhook"
    r = requests.post(url, data=body, headers={"Content-Type": "application/json"}, timeout=120)
    assert r.status_code < 500, (body[:200], r.status_code, r.text[:300])
    message = well_formed(body)
    if message is None:
        assert r.status_code in (400, 413), (body[:200], r.status_code)
        assert isinstance(r.json()["error"], str) and r.json()["error"]
        return
    assert r.status_code == 200, (body[:200], r.status_code, r.text[:300])
    replies = r.json()
    assert replies and all(isinstance(m.get("text"), str) or "buttons" in m or "custom" in m for m in replies)
    tracker = requests.get(f"{stack.rasa_url}/conversations/{message['sender']}/tracker",
                           params={"token": stack.rasa_token}, timeout=30).json()
    assert any(e["event"] == "user" for e in tracker["events"]), "the message is not in the tracker"


@settings(max_examples=3, deadline=None, derandomize=True, database=None, phases=[Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(payloads=st.lists(st.one_of(
    JSON_VALUE,
    st.builds(lambda m, md: {"message": m, "metadata": md}, st.one_of(TEXT, JSON_VALUE), JSON_VALUE),
    st.builds(lambda m, sid: {"message": m, "session_id": sid}, TEXT, st.one_of(TEXT, st.integers())),
    st.builds(lambda n: {"message": "x" * n}, st.integers(2000, 40_000)),
), min_size=6, max_size=8))
def test_socketio_answers_every_payload_however_odd(stack, payloads):
    payloads = payloads + [{"message": "how do I renew my QID"}]  # and still answers a plain question after them
    out = subprocess.run(FUZZ_CLIENT + [stack.rasa_url], input=json.dumps(payloads), capture_output=True, text=True,
                         timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout)
    assert result["connected"]
    assert all(n >= 1 for n in result["replies"]), list(zip(result["replies"], [json.dumps(p)[:80] for p in payloads]))
