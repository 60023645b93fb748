"""The web server's API against a real running server (web only, no Rasa): the public
feedback endpoint (strict validation, redaction, per-address limit, body limits), the
handoff queue's paging, the console token on every other /api route, redaction in the
stores and the review export, and Schemathesis over the console's OpenAPI description.

Each test that posts feedback speaks from its own loopback address (127.0.x.y: all of
127.0.0.0/8 reaches the server on 127.0.0.1), so the per-address limit of one test does
not spill into another."""
from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
import schemathesis
from requests.adapters import HTTPAdapter
from tests_support import CONSOLE_TOKEN, early_in_a_rate_window

from knowledge.conversations.feedback import FeedbackStore
from knowledge.conversations.handoffs import HandoffStore
from knowledge.conversations.review import Item, collect, export
from web.openapi import OPENAPI

TOKEN = CONSOLE_TOKEN
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@dataclass
class Web:
    url: str
    var_dir: Path

    @property
    def db(self) -> Path:
        return self.var_dir / "dalil.sqlite3"


@pytest.fixture(scope="module")
def web(web_only) -> Iterator[Web]:
    yield Web(web_only.web_url, web_only.var_dir)
    log = web_only.var_dir / "logs" / "web.log"
    errors = [line for line in log.read_text("utf-8", "replace").splitlines()
              if "Traceback" in line or "unexpected error" in line]
    assert not errors, f"the web server logged errors: see {log}"


class _From(HTTPAdapter):
    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        return super().init_poolmanager(*args, **kwargs)


_addresses = (f"127.{a}.{b}.{c}" for a in range(1, 255) for b in range(256) for c in range(1, 255))


def client(address: str | None = None) -> requests.Session:
    """A session whose requests come from `address` (by default one no other call used)."""
    session = requests.Session()
    session.mount("http://", _From(address or next(_addresses)))
    return session


def post_feedback(web: Web, body, session: requests.Session | None = None) -> requests.Response:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return (session or client()).post(f"{web.url}/api/feedback", data=data, headers={"Content-Type": "application/json"},
                                      timeout=10)


# --- feedback: strict validation ---------------------------------------------------------

GOOD = {"conversation_id": "web-api-test", "rating": 1}
BAD_BODIES: list[tuple[str, bytes, str]] = [
    # (case, body, what the error must name)
    ("rating 1e999", b'{"conversation_id": "c1", "rating": 1e999}', "rating"),
    ("rating true", b'{"conversation_id": "c1", "rating": true}', "rating"),
    ("rating 1.0", b'{"conversation_id": "c1", "rating": 1.0}', "rating"),
    ("rating string", b'{"conversation_id": "c1", "rating": "1"}', "rating"),
    ("rating 0", b'{"conversation_id": "c1", "rating": 0}', "rating"),
    ("rating 2", b'{"conversation_id": "c1", "rating": 2}', "rating"),
    ("rating NaN", b'{"conversation_id": "c1", "rating": NaN}', "rating"),
    ("rating missing", b'{"conversation_id": "c1"}', "rating"),
    ("rating null", b'{"conversation_id": "c1", "rating": null}', "rating"),
    ("service_id object", b'{"conversation_id": "c1", "rating": 1, "service_id": {"$gt": ""}}', "service_id"),
    ("service_id list", b'{"conversation_id": "c1", "rating": 1, "service_id": ["moi-rp-renewal"]}', "service_id"),
    ("service_id number", b'{"conversation_id": "c1", "rating": 1, "service_id": 7}', "service_id"),
    ("service_id capitals", b'{"conversation_id": "c1", "rating": 1, "service_id": "MOI-RP"}', "service_id"),
    ("service_id empty", b'{"conversation_id": "c1", "rating": 1, "service_id": ""}', "service_id"),
    ("service_id too long", json.dumps({**GOOD, "service_id": "a" * 81}).encode(), "service_id"),
    ("service_id newline", json.dumps({**GOOD, "service_id": "moi-rp\n"}).encode(), "service_id"),
    ("conversation_id missing", b'{"rating": 1}', "conversation_id"),
    ("conversation_id empty", b'{"conversation_id": "", "rating": 1}', "conversation_id"),
    ("conversation_id space", b'{"conversation_id": "a b", "rating": 1}', "conversation_id"),
    ("conversation_id html", b'{"conversation_id": "<script>", "rating": 1}', "conversation_id"),
    ("conversation_id too long", json.dumps({**GOOD, "conversation_id": "a" * 129}).encode(), "conversation_id"),
    ("conversation_id number", b'{"conversation_id": 12, "rating": 1}', "conversation_id"),
    ("comment too long", json.dumps({**GOOD, "comment": "x" * 1001}).encode(), "comment"),
    ("comment number", json.dumps({**GOOD, "comment": 5}).encode(), "comment"),
    ("comment lone surrogate", b'{"conversation_id": "c1", "rating": 1, "comment": "\\ud800"}', "comment"),
    ("message object", json.dumps({**GOOD, "message": {"a": 1}}).encode(), "message"),
    ("message too long", json.dumps({**GOOD, "message": "x" * 4001}).encode(), "message"),
    ("unknown field", json.dumps({**GOOD, "admin": True}).encode(), "admin"),
    ("not JSON", b'{"conversation_id": ', "JSON"),
    ("empty body", b"", "JSON"),
    ("a list", b"[1, 2]", "JSON object"),
    ("a string", b'"hello"', "JSON object"),
    ("not UTF-8", b'{"conversation_id": "\xff\xfe", "rating": 1}', "JSON"),
    ("huge integer", b'{"conversation_id": "c1", "rating": ' + b"9" * 5000 + b"}", "JSON"),
    ("deep arrays", b"[" * 30000 + b"]" * 30000, "nested"),
    ("deep objects", b'{"a":' * 10000 + b"1" + b"}" * 10000, "nested"),
]


@pytest.mark.parametrize("case,body,field", BAD_BODIES, ids=[c[0] for c in BAD_BODIES])
def test_bad_feedback_is_400_naming_the_field_and_stores_nothing(web, case, body, field):
    before = FeedbackStore(web.db).list()
    r = post_feedback(web, body)
    assert r.status_code == 400, (case, r.status_code, r.text)
    assert r.headers["Content-Type"].startswith("application/json")
    assert field in r.json()["error"]
    assert r.headers["Access-Control-Allow-Origin"] == "*"  # the widget can read why
    assert FeedbackStore(web.db).list() == before


def test_body_over_64_kib_is_413(web):
    r = post_feedback(web, json.dumps({**GOOD, "comment": "x" * (65 * 1024)}).encode())
    assert r.status_code == 413 and "error" in r.json()


def test_good_feedback_is_stored_with_its_texts_redacted(web):
    sender = "web-api-" + uuid.uuid4().hex[:8]
    r = post_feedback(web, {"conversation_id": sender, "rating": -1, "service_id": "moi-rp-renewal",
                            "message": "Renew at the center, my QID is 28412345678", "comment": "call me 55123456"})
    assert r.status_code == 201 and r.headers["Access-Control-Allow-Origin"] == "*"
    [row] = FeedbackStore(web.db).list(sender)
    assert row["id"] == r.json()["id"]
    assert (row["rating"], row["service_id"], row["comment"], row["message"]) == (
        -1, "moi-rp-renewal", "call me [PHONE]", "Renew at the center, my QID is [QID]")
    # What the widget sends: no comment, a null service.
    r = post_feedback(web, {"conversation_id": sender, "rating": 1, "message": "Hello!", "service_id": None})
    assert r.status_code == 201
    assert [(f["rating"], f["service_id"], f["comment"]) for f in FeedbackStore(web.db).list(sender)] == [
        (-1, "moi-rp-renewal", "call me [PHONE]"), (1, None, None)]


def test_feedback_is_limited_to_20_a_minute_per_address(web):
    early_in_a_rate_window(10)
    session = client()
    assert [post_feedback(web, GOOD, session).status_code for _ in range(20)] == [201] * 20
    r = post_feedback(web, GOOD, session)
    assert r.status_code == 429
    assert "at most 20" in r.json()["error"] and 1 <= int(r.headers["Retry-After"]) <= 60
    assert post_feedback(web, b"not even JSON", session).status_code == 429  # counted before it is read
    assert post_feedback(web, GOOD).status_code == 201  # another address is not affected


# --- handoffs: paging, one open handoff per conversation, redaction -----------------------

@pytest.fixture(scope="module")
def seeded(web) -> dict[str, list[str]]:
    """7 open and 3 resolved handoffs, made through the store, in a known order."""
    store = HandoffStore(web.db)
    refs: dict[str, list[str]] = {"open": [], "resolved": [], "all": []}
    for i in range(10):
        ref = store.create(f"paging-{i}", "en", None, "user_request",
                           [{"role": "user", "text": f"question {i}", "timestamp": float(i)}])
        if i % 3 == 2:
            store.set_status(ref, "resolved")
        refs["resolved" if i % 3 == 2 else "open"].append(ref)
        refs["all"].append(ref)
    return refs


def handoffs(web: Web, **params) -> requests.Response:
    return requests.get(f"{web.url}/api/handoffs", params=params, headers=AUTH, timeout=10)


@pytest.mark.parametrize("params,start,stop", [
    ({}, 0, None), ({"limit": 3}, 0, 3), ({"limit": 3, "offset": 3}, 3, 6), ({"limit": 3, "offset": 6}, 6, 9),
    ({"limit": 3, "offset": 9}, 9, 10), ({"offset": 10}, 10, 10), ({"offset": 500}, 10, 10),
    ({"limit": 200}, 0, None), ({"limit": 1, "offset": 0}, 0, 1)])
def test_handoffs_come_a_page_at_a_time(web, seeded, params, start, stop):
    r = handoffs(web, **params)
    assert r.status_code == 200, r.text
    page = r.json()
    assert [h["id"] for h in page["handoffs"]] == seeded["all"][start:stop]
    assert (page["total"], page["limit"], page["offset"]) == (10, params.get("limit", 50), params.get("offset", 0))


def test_handoff_pages_by_status(web, seeded):
    page = handoffs(web, status="open", limit=4, offset=4).json()
    assert [h["id"] for h in page["handoffs"]] == seeded["open"][4:7] and page["total"] == 7
    page = handoffs(web, status="resolved", limit=2).json()
    assert [h["id"] for h in page["handoffs"]] == seeded["resolved"][:2] and page["total"] == 3
    assert handoffs(web, status="taken").json() == {"handoffs": [], "total": 0, "limit": 50, "offset": 0}


@pytest.mark.parametrize("query,name", [
    ("limit=0", "limit"), ("limit=201", "limit"), ("limit=-1", "limit"), ("limit=abc", "limit"), ("limit=1.5", "limit"),
    ("limit=", "limit"), ("limit=%D9%A3", "limit"), ("limit=1&limit=2", "limit"), ("limit=%2B5", "limit"),
    ("limit=99999999999999999999999", "limit"), ("offset=-1", "offset"), ("offset=1e3", "offset"),
    ("offset=1000000001", "offset"), ("offset=", "offset"), ("status=gone", "status"), ("status=", "status"),
    ("status=open&status=taken", "status")])
def test_bad_paging_is_400(web, query, name):
    r = requests.get(f"{web.url}/api/handoffs?{query}", headers=AUTH, timeout=10)
    assert r.status_code == 400 and name in r.json()["error"]


def test_one_open_handoff_per_conversation_with_the_user_text_redacted(web):
    store = HandoffStore(web.db)
    sender = "again-" + uuid.uuid4().hex[:6]
    turns = [{"role": "user", "text": "my number is 55123456", "timestamp": 1.0},
             {"role": "bot", "text": "Call 44069999 or visit a center.", "timestamp": 2.0},
             {"role": "user", "text": "ابي اكلم موظف", "timestamp": 3.0}]
    first = store.create(sender, "en", None, "user_request", turns[:2])
    again = store.create(sender, "ar", "moi-rp-renewal", "repeated_failure", turns)
    assert again == first  # asking again updates the open handoff, it does not add one
    stored = store.get(first)
    assert (stored["language"], stored["service_id"], stored["reason"]) == ("ar", "moi-rp-renewal", "repeated_failure")
    assert [t["text"] for t in stored["transcript"]] == [
        "my number is [PHONE]", "Call 44069999 or visit a center.", "ابي اكلم موظف"]  # the bot's text as it was
    store.set_status(first, "resolved")
    later = store.create(sender, "ar", None, "user_request", turns)
    assert later != first  # once resolved, a new request is a new handoff
    assert sorted(h["status"] for h in store.list() if h["conversation_id"] == sender) == ["open", "resolved"]


def test_handoff_status_changes_are_checked(web, seeded):
    ref = seeded["open"][0]
    url = f"{web.url}/api/handoffs/{ref}/status"
    for body in (b'{"status": "gone"}', b'{"status": ["taken"]}', b'{"status": "taken", "x": 1}', b"[]", b"{",
                 b"[" * 30000):
        r = requests.post(url, data=body, headers=AUTH, timeout=10)
        assert r.status_code == 400 and "error" in r.json(), body[:40]
    assert requests.post(f"{web.url}/api/handoffs/NOPE/status", json={"status": "taken"}, headers=AUTH,
                         timeout=10).status_code == 404
    r = requests.post(url, json={"status": "taken"}, headers=AUTH, timeout=10)
    assert r.status_code == 200 and r.json()["status"] == "taken"
    assert requests.post(url, json={"status": "open"}, headers=AUTH, timeout=10).json()["status"] == "open"


# --- the console token ---------------------------------------------------------------------

def _routes() -> list[tuple[str, str]]:
    sample = {"{service_id}": "moi-rp-renewal", "{ref}": "ABCDEF12"}
    out = []
    for path, ops in OPENAPI["paths"].items():
        for method, op in ops.items():
            if op.get("security") != []:
                for key, value in sample.items():
                    path = path.replace(key, value)
                out.append((method.upper(), path))
    return out + [("GET", "/api/no-such-route"), ("DELETE", "/api/handoffs")]


def test_every_api_route_but_feedback_needs_the_token(web):
    routes = _routes()
    assert {p for _, p in routes} >= {"/api/search", "/api/handoffs", "/api/openapi.json",
                                      "/api/services/moi-rp-renewal", "/api/handoffs/ABCDEF12/status"}
    for method, path in routes:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}, {"Authorization": "Basic " + TOKEN}):
            r = requests.request(method, f"{web.url}{path}", params={"q": "QID"}, json={"status": "taken"},
                                 headers=headers, timeout=10)
            assert r.status_code == 401, (method, path, headers, r.status_code)
            assert r.headers["WWW-Authenticate"] == "Bearer" and "error" in r.json()
    assert requests.get(f"{web.url}/api/handoffs", headers=AUTH, timeout=10).status_code == 200
    assert post_feedback(web, GOOD).status_code == 201  # public: no token


@pytest.mark.parametrize("params, error", [
    ({}, "q must be 1-"), ({"q": "   "}, "q must be 1-"), ({"q": "QID", "k": "0"}, "k must be one integer from 1 to 50"),
    ({"q": "QID", "k": "x"}, "k must be one integer"), ({"q": "QID", "lang": "ar"}, "unknown query parameter 'lang'"),
])
def test_search_refuses_bad_queries_naming_the_parameter(web, params, error):
    r = requests.get(f"{web.url}/api/search", params=params, headers=AUTH, timeout=30)
    assert r.status_code == 400 and r.json()["error"].startswith(error)


def test_service_details_and_their_errors(web):
    r = requests.get(f"{web.url}/api/services/moi-rp-renewal", headers=AUTH, timeout=60)
    assert r.status_code == 200 and r.json()["ar"]["name"] == "تجديد رخصة الإقامة" and r.json()["en"]["name"] == \
        "Residence Permit Renewal"
    r = requests.get(f"{web.url}/api/services/no-such-service", headers=AUTH, timeout=30)
    assert r.status_code == 404 and r.json() == {"error": "no service 'no-such-service'"}
    r = requests.get(f"{web.url}/api/services/BAD_ID", headers=AUTH, timeout=30)
    assert r.status_code == 400 and r.json()["error"].startswith("service_id must be a catalog id")


def test_feedback_preflight_allows_a_cross_site_json_post(web):
    r = requests.options(f"{web.url}/api/feedback", headers={"Origin": "https://example.org",
                                                             "Access-Control-Request-Method": "POST"}, timeout=10)
    assert r.status_code == 204
    assert r.headers["Access-Control-Allow-Methods"] == "POST" and r.headers["Access-Control-Allow-Headers"] == "Content-Type"
    assert r.headers["Access-Control-Allow-Origin"] == "*"


def test_with_no_console_token_configured_the_api_refuses_everything(tmp_path):
    """A deployment that forgot DALIL_CONSOLE_TOKEN is closed, not open (an empty token
    must not match an empty Authorization header)."""
    from ops.servers import start_web

    with start_web(tmp_path / "var", env={"DALIL_CONSOLE_TOKEN": ""}) as bare:
        for headers in ({}, {"Authorization": "Bearer "}, {"Authorization": f"Bearer {TOKEN}"}):
            r = requests.get(f"{bare.web_url}/api/handoffs", headers=headers, timeout=10)
            assert r.status_code == 401, headers
        r = requests.post(f"{bare.web_url}/api/feedback", json=GOOD, timeout=10)
        assert r.status_code == 201  # the citizen's thumbs still work


@pytest.mark.parametrize("path, frame", [("/console", "DENY"), ("/demo", "DENY"), ("/widget/dalil-widget.js", None),
                                         ("/api/handoffs", None)])
def test_security_headers(web, path, frame):
    r = requests.get(f"{web.url}{path}", headers=AUTH, timeout=10)
    assert r.status_code == 200
    assert r.headers["X-Content-Type-Options"] == "nosniff" and r.headers["Referrer-Policy"] == "no-referrer"
    assert r.headers.get("X-Frame-Options") == frame  # the widget is embedded in other sites' pages; the console never
    assert (r.headers.get("Cache-Control") == "no-store") == path.startswith("/api/")


@pytest.mark.parametrize("name, status", [("dalil-widget.js", 200), ("dalil-widget.css", 200), ("console.js", 200),
                                          ("console.html", 404), ("..%2Fserver.py", 404), ("%2E%2E%2F%2E%2E%2FREADME.md", 404),
                                          ("nope.js", 404)])
def test_only_the_widget_files_are_served_from_widget(web, name, status):
    r = requests.get(f"{web.url}/widget/{name}", timeout=10)
    assert r.status_code == status, name
    if status == 200:
        assert r.headers["Content-Type"].startswith("text/javascript" if name.endswith(".js") else "text/css")
        assert r.headers["Access-Control-Allow-Origin"] == "*"


# --- redaction in the review export --------------------------------------------------------

def test_review_collects_and_exports_redacted_text(tmp_path):
    db = tmp_path / "dalil.sqlite3"
    FeedbackStore(db)
    import sqlite3

    with sqlite3.connect(db) as raw:  # a row stored before feedback was redacted
        raw.execute("INSERT INTO feedback (conversation_id, message, rating, created_at) VALUES (?, ?, ?, ?)",
                    ("old", "my phone 55123456", -1, "2024-01-01T00:00:00+00:00"))
    items = collect(tmp_path / "no-tracker.sqlite3", db)
    assert [i.text for i in items] == ["my phone [PHONE]"]
    out = tmp_path / "review.csv"
    export([[Item("mail me at someone@example.com", "en", "handoff", "c1"), Item("=HYPERLINK(1)", "en", "handoff", "c2")]], out)
    text = out.read_text("utf-8-sig")
    assert "someone@example.com" not in text and "mail me at [EMAIL]" in text
    assert ",'=HYPERLINK(1)," in text  # a spreadsheet shows it as text, not a formula


# --- Schemathesis over the console's OpenAPI description -----------------------------------

# The description the server serves (a test checks they are the same); loaded here rather
# than from the server because Schemathesis' lazy `from_fixture` needs pytest's private
# `_nodeid`, which pytest 9 no longer has.
schema = schemathesis.openapi.from_dict(OPENAPI, config=schemathesis.Config.from_dict({
    "seed": 20240501,  # the same requests every run
    "generation": {"max-examples": 100, "database": "none"},
    "auth": {"openapi": {"bearer": {"bearer": TOKEN}}},  # where the description asks for it, so it can leave it out
}))


@pytest.fixture(scope="module")
def warm(web) -> Web:
    """The server with its searcher loaded (the first search loads it), so the fuzzing does not
    pay for that in its first example; and the description it serves is the one fuzzed."""
    requests.get(f"{web.url}/api/search", params={"q": "QID"}, headers=AUTH, timeout=120).raise_for_status()
    assert requests.get(f"{web.url}/api/openapi.json", headers=AUTH, timeout=10).json() == json.loads(json.dumps(OPENAPI))
    return web


@schema.parametrize()
def test_api_conforms_to_its_openapi_description(case, warm):
    """Generated valid and invalid requests, with the token: no 5xx, every answer as documented
    (status, content type, body schema), invalid data refused, the token required. Each call
    comes from a fresh address, so the feedback limit does not hide the validation."""
    case.call_and_validate(base_url=warm.url, session=client(), timeout=30)


def test_the_openapi_description_names_every_api_route_the_app_has():
    """Routes and description cannot drift: every /api route of the app (but the CORS
    preflight) is described, with its method, and nothing described is missing."""
    import re

    from web.server import create_app

    served = {(re.sub(r"<(\w+):\w+>", r"{\1}", "/" + r.path), m.lower())
              for r in create_app("routes-vs-description").router.routes if r.path.startswith("api/")
              for m in r.methods if m != "OPTIONS"}
    described = {(path, method) for path, ops in OPENAPI["paths"].items() for method in ops}
    assert served == described
