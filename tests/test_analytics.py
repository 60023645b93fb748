"""Analytics: the figures for a seeded set of conversations with known counts, the API that
serves them, and the page that draws them (real Chromium).

The conversations are written into the real Rasa server's tracker store through its HTTP API
(`PUT /conversations/{id}/tracker/events`), dated May 2021 so nothing the other tests say
(today) falls in the range; feedback, handoffs and the audit log through their stores, then
dated the same way."""
from __future__ import annotations

import datetime as dt
import sqlite3
import uuid

import pytest
import requests
from test_browser import ARTIFACTS, browser, direction  # noqa: F401  (browser: the fixture)

from knowledge.conversations.analytics import figures
from knowledge.conversations.feedback import FeedbackStore
from knowledge.conversations.handoffs import HandoffStore
from knowledge.conversations.live import LiveStore

MAY1, MAY2 = dt.date(2021, 5, 1), dt.date(2021, 5, 2)


def _at(day: dt.date, hour: int, minute: int = 0) -> float:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=dt.timezone.utc).timestamp()


def user(t: float, text: str, intent: str = "ask_service") -> dict:
    return {"event": "user", "timestamp": t, "text": text,
            "parse_data": {"text": text, "intent": {"name": intent, "confidence": 1.0}, "entities": []}}


def action(t: float, name: str) -> dict:
    return {"event": "action", "timestamp": t, "name": name}


def slot(t: float, name: str, value) -> dict:
    return {"event": "slot", "timestamp": t, "name": name, "value": value}


def conversations() -> dict[str, list[dict]]:
    a, b = _at(MAY1, 10), _at(MAY2, 9)
    return {
        # May 1, Arabic: answered twice (a follow-up about the same service), a button in between.
        "ar-answered": [user(a, "ابي اجدد اقامتي"), action(a + 1, "action_search_service"),
                        slot(a + 1, "service_id", "moi-rp-renewal"), slot(a + 1, "search_result", "found"),
                        user(a + 60, '/ask_service{"aspect": "fees"}'), slot(a + 61, "search_result", "found"),
                        user(a + 120, "كم الرسوم"), slot(a + 121, "service_id", "moi-rp-renewal"),
                        slot(a + 121, "search_result", "found")],
        # May 1, English: clarified, then the person picks a service by button (still one question, clarified).
        "en-clarified": [user(a + 10, "health card"), slot(a + 11, "search_result", "ambiguous"),
                         user(a + 30, '/choose_service{"service_id": "moi-dl-renewal"}'),
                         slot(a + 31, "service_id", "moi-dl-renewal"), slot(a + 31, "search_result", "found"),
                         user(a + 50, "thanks", "thank")],
        # May 2, English: declined, then declined again and handed over.
        "en-handed-over": [user(b, "blorp flarn"), slot(b + 1, "search_result", "not_found"),
                           user(b + 60, "snurgle wurgle"), slot(b + 61, "search_result", "repeated_failure"),
                           action(b + 62, "action_handoff")],
        # May 2, Arabic: out of scope, then only digits (the conversation's language), then code-switched.
        "ar-declined": [user(b + 5, "ما هي عاصمة فرنسا", "out_of_scope"), action(b + 6, "utter_out_of_scope"),
                        user(b + 20, "12345", "nlu_fallback"),
                        user(b + 40, "ابي اجدد ال RP رقمي 55123456"), slot(b + 41, "service_id", "moi-rp-renewal"),
                        slot(b + 41, "search_result", "found")],
        # April 30 and May 3: outside the range.
        "outside": [user(_at(dt.date(2021, 4, 30), 23, 59), "renew my QID"), slot(_at(dt.date(2021, 4, 30), 23, 59) + 1,
                                                                                  "search_result", "found"),
                    user(_at(dt.date(2021, 5, 3), 0, 1), "renew my QID")],
    }


# Written by hand from the conversations above.
EXPECTED = {
    "since": "2021-05-01", "until": "2021-05-02",
    "questions": 9,
    "questions_per_day": [{"day": "2021-05-01", "ar": 2, "en": 2}, {"day": "2021-05-02", "ar": 3, "en": 2}],
    "outcomes": {"answered": 3, "clarified": 1, "declined": 2, "handed_over": 1, "other": 2},
    "shares": {"answered": 0.3333, "clarified": 0.1111, "declined": 0.2222, "handed_over": 0.1111, "other": 0.2222},
    "top_services": [{"service_id": "moi-rp-renewal", "count": 3}, {"service_id": "moi-dl-renewal", "count": 1}],
    "feedback": [{"service_id": "moi-rp-renewal", "up": 2, "down": 1}, {"service_id": "moi-dl-renewal", "up": 0, "down": 1}],
    "handoff_wait": {"handoffs": 3, "taken": 2, "waiting": 1, "mean_seconds": 360.0, "median_seconds": 360.0,
                     "max_seconds": 600.0},
}


@pytest.fixture(scope="module")
def seeded(stack) -> str:
    """The seeded set; returns the tag in its conversation ids (analytics-<name>-<tag>)."""
    tag = uuid.uuid4().hex[:6]
    for name, events in conversations().items():
        r = requests.put(f"{stack.rasa_url}/conversations/analytics-{name}-{tag}/tracker/events",
                         params={"token": stack.rasa_token}, json=events, timeout=30)
        assert r.status_code == 200, r.text
    db = stack.var_dir / "dalil.sqlite3"
    fb = FeedbackStore(db)
    dated = [("2021-05-01T12:00:00+00:00", "moi-rp-renewal", 1), ("2021-05-01T12:01:00+00:00", "moi-rp-renewal", 1),
             ("2021-05-02T08:00:00+00:00", "moi-rp-renewal", -1), ("2021-05-02T23:59:59+00:00", "moi-dl-renewal", -1),
             ("2021-04-30T23:59:59+00:00", "moi-dl-renewal", 1)]
    handoffs, live = HandoffStore(db), LiveStore(db)
    refs = [handoffs.create(f"analytics-h{i}-{tag}", "ar", None, "user_request", []) for i in range(4)]
    for ref in refs[:2]:
        live.take(ref, "Sara")
    ids = [fb.add(f"analytics-{tag}", "an answer", rating, service) for _, service, rating in dated]
    with sqlite3.connect(db) as c:
        for fid, (when, _, _) in zip(ids, dated):
            c.execute("UPDATE feedback SET created_at = ? WHERE id = ?", (when, fid))
        # waited 120 s and 600 s; the third still open; the fourth made before the range
        for ref, made, took in ((refs[0], "2021-05-02T10:00:00+00:00", "2021-05-02T10:02:00+00:00"),
                                (refs[1], "2021-05-02T11:00:00+00:00", "2021-05-02T11:10:00+00:00"),
                                (refs[2], "2021-05-01T09:00:00+00:00", None), (refs[3], "2021-04-01T09:00:00+00:00", None)):
            c.execute("UPDATE handoffs SET created_at = ? WHERE id = ?", (made, ref))
            if took:
                c.execute("UPDATE audit SET at = ? WHERE handoff_id = ? AND action = 'took'", (took, ref))
    return tag


def test_figures_of_a_seeded_set_are_exact(stack, seeded):
    got = figures(stack.var_dir / "tracker.sqlite3", stack.var_dir / "dalil.sqlite3", MAY1, MAY2)
    assert got == EXPECTED


def test_one_day_counts_only_that_day(stack, seeded):
    got = figures(stack.var_dir / "tracker.sqlite3", stack.var_dir / "dalil.sqlite3", MAY1, MAY1)
    assert (got["questions"], got["outcomes"]) == (
        4, {"answered": 2, "clarified": 1, "declined": 0, "handed_over": 0, "other": 1})
    assert got["handoff_wait"] == {"handoffs": 1, "taken": 0, "waiting": 1, "mean_seconds": None,
                                   "median_seconds": None, "max_seconds": None}


def test_the_api_serves_the_figures_with_the_services_names(stack, seeded, console_token):
    auth = {"Authorization": f"Bearer {console_token}"}
    r = requests.get(f"{stack.web_url}/api/analytics", params={"since": "2021-05-01", "until": "2021-05-02"},
                     headers=auth, timeout=60)
    assert r.status_code == 200, r.text
    body = r.json()
    assert [(s["service_id"], s["name_en"], s["name_ar"]) for s in body["top_services"]] == [
        ("moi-rp-renewal", "Residence Permit Renewal", "تجديد رخصة الإقامة"),
        ("moi-dl-renewal", "Driving Licence Renewal", "تجديد رخصة القيادة")]
    for key in ("top_services", "feedback"):
        body[key] = [{k: v for k, v in s.items() if k not in ("name_en", "name_ar")} for s in body[key]]
    assert body == EXPECTED
    for params in ({"since": "1 May"}, {"until": "2021-02-30"}, {"day": "2021-05-01"}, {"since": ["2021-05-01"] * 2}):
        assert requests.get(f"{stack.web_url}/api/analytics", params=params, headers=auth, timeout=10).status_code == 400
    # At most 366 days: a longer range starts 366 days before `until`, and the answer says so.
    long = requests.get(f"{stack.web_url}/api/analytics", params={"since": "2019-01-01", "until": "2021-05-02"},
                        headers=auth, timeout=60).json()
    assert (long["since"], long["until"], long["questions"]) == ("2020-05-02", "2021-05-02", 10)  # April 30 too
    empty = requests.get(f"{stack.web_url}/api/analytics", params={"since": "2021-05-03", "until": "2021-05-01"},
                         headers=auth, timeout=60).json()
    assert (empty["questions"], empty["questions_per_day"], empty["feedback"]) == (0, [], [])
    assert requests.get(f"{stack.web_url}/api/analytics", timeout=10).status_code == 401
    # The charting library is served by the web server itself (no CDN at run time), and only it.
    r = requests.get(f"{stack.web_url}/vendor/chart.umd.min.js", timeout=10)
    assert r.status_code == 200 and r.text.startswith("/*!\n * Chart.js v4.6.1")
    assert requests.get(f"{stack.web_url}/vendor/chart.js-LICENSE.md", timeout=10).status_code == 404


# --- past conversations ------------------------------------------------------------------


def test_past_conversations_by_date_language_and_outcome(stack, seeded):
    from knowledge.conversations.history import find

    tracker = stack.var_dir / "tracker.sqlite3"

    def ids(**kw) -> tuple[int, list[str]]:
        total, page = find(tracker, MAY1, MAY2, **kw)
        return total, [c["conversation_id"].split("-", 1)[1].rsplit("-", 1)[0] for c in page]

    assert ids() == (4, ["en-handed-over", "ar-declined", "ar-answered", "en-clarified"])  # newest first
    assert ids(language="ar") == (2, ["ar-declined", "ar-answered"])
    assert ids(outcome="handed_over") == (1, ["en-handed-over"])
    assert ids(outcome="declined") == (2, ["en-handed-over", "ar-declined"])
    assert ids(language="en", outcome="clarified") == (1, ["en-clarified"])
    assert ids(limit=2, offset=1) == (4, ["ar-declined", "ar-answered"])
    assert ids(limit=2, offset=4) == (4, [])
    total, [first] = find(tracker, MAY2, MAY2, language="ar")
    assert first == {"conversation_id": f"analytics-ar-declined-{seeded}", "language": "ar",
                     "started_at": "2021-05-02T09:00:05+00:00", "last_at": "2021-05-02T09:00:40+00:00", "questions": 3,
                     "outcomes": {"answered": 1, "clarified": 0, "declined": 1, "handed_over": 0, "other": 1},
                     "first_question": "ما هي عاصمة فرنسا"}


def test_a_past_conversation_is_read_and_exported_redacted(stack, seeded, console_token):
    auth = {"Authorization": f"Bearer {console_token}"}
    web, cid = stack.web_url, f"analytics-ar-declined-{seeded}"
    r = requests.get(f"{web}/api/conversations", params={"since": "2021-05-02", "until": "2021-05-02",
                                                         "outcome": "declined", "language": "ar"}, headers=auth, timeout=30)
    assert r.status_code == 200 and [c["conversation_id"] for c in r.json()["conversations"]] == [cid]
    turns = requests.get(f"{web}/api/conversations/{cid}", headers=auth, timeout=30).json()["turns"]
    assert [(t["role"], t["text"]) for t in turns] == [
        ("user", "ما هي عاصمة فرنسا"), ("user", "12345"), ("user", "ابي اجدد ال RP رقمي [PHONE]")]
    r = requests.get(f"{web}/api/conversations/{cid}/export", headers=auth, timeout=30)
    assert r.status_code == 200 and r.headers["Content-Disposition"] == f'attachment; filename="conversation-{cid}.json"'
    assert r.json()["redacted"] is True and r.json()["turns"] == turns and "55123456" not in r.text
    assert requests.get(f"{web}/api/conversations/nobody-{seeded}", headers=auth, timeout=30).status_code == 404
    assert requests.get(f"{web}/api/conversations/{cid}/export", timeout=30).status_code == 401
    for params in ({"language": "fr"}, {"outcome": "won"}, {"limit": "101"}, {"until": "yesterday"}):
        assert requests.get(f"{web}/api/conversations", params=params, headers=auth, timeout=30).status_code == 400
    r = requests.get(f"{web}/api/conversations", params={"since": "2021-05-03", "until": "2021-05-02"}, headers=auth,
                     timeout=30)
    assert r.json()["total"] == 0  # an empty range
    # An id with the characters a sender id may have, sent %-encoded as a browser would.
    assert requests.get(f"{web}/api/conversations/no%40body%3A{seeded}", headers=auth, timeout=30).status_code == 404


@pytest.mark.e2e
def test_the_page_draws_the_charts_in_english_and_arabic(browser, stack, seeded, console_token):  # noqa: F811
    page = browser.new_page(viewport={"width": 1200, "height": 1000})
    try:
        page.goto(f"{stack.web_url}/analytics")
        page.fill("#token", console_token)
        page.press("#token", "Enter")
        page.wait_for_selector("#app:not([hidden])")
        page.fill("#since", "2021-05-01")
        page.fill("#until", "2021-05-02")
        page.press("#until", "Enter")
        page.wait_for_function("document.getElementById('total').textContent === '9 questions'")
        rows = page.locator("#outcomes tbody tr").all_inner_texts()
        assert [r.split("\t") for r in rows] == [["answered", "3", "33.3%"], ["clarified", "1", "11.1%"],
                                                 ["declined", "2", "22.2%"], ["handed over", "1", "11.1%"],
                                                 ["other", "2", "22.2%"]]
        # Chart.js drew a chart on each canvas (from the vendored file: no network beyond the server).
        assert page.evaluate("[...document.querySelectorAll('canvas')].map(c => !!Chart.getChart(c))") == [True] * 4
        assert page.evaluate("Chart.getChart(document.getElementById('per-day-chart')).data.datasets"
                             ".map(d => d.data)") == [[2, 3], [2, 2]]
        page.screenshot(path=str(ARTIFACTS / "analytics-en.png"), full_page=True)
        page.focus("#lang")
        page.keyboard.press("Enter")  # the language toggle, from the keyboard
        assert page.evaluate("[document.documentElement.lang, document.documentElement.dir]") == ["ar", "rtl"]
        assert page.locator("#outcomes-h").inner_text() == "ماذا فعل المساعد"
        assert page.locator("#top tbody tr").first.inner_text().split("\t") == ["تجديد رخصة الإقامة", "3"]
        assert page.locator("#total").inner_text() == "عدد الأسئلة: 9"
        page.screenshot(path=str(ARTIFACTS / "analytics-ar.png"), full_page=True)
    finally:
        page.close()


@pytest.mark.e2e
def test_the_console_finds_opens_and_exports_a_past_conversation_in_arabic_by_keyboard(browser, stack, seeded,  # noqa: F811
                                                                                        console_token):
    import json

    page = browser.new_page(viewport={"width": 1200, "height": 1000}, accept_downloads=True)
    try:
        page.goto(f"{stack.web_url}/console")
        page.focus("#token")
        page.keyboard.type(console_token)
        page.keyboard.press("Enter")
        page.wait_for_selector("#app:not([hidden])")
        page.focus("#lang")
        page.keyboard.press("Enter")  # Arabic
        assert page.evaluate("[document.documentElement.lang, document.documentElement.dir]") == ["ar", "rtl"]
        assert page.locator("#past-h").inner_text() == "المحادثات السابقة"
        assert page.locator("#me").inner_text() == "دخلت باسم admin"
        page.fill("#past-since", "2021-05-01")
        page.fill("#past-until", "2021-05-02")
        page.select_option("#past-outcome", "declined")
        page.focus("#past-outcome")
        page.keyboard.press("Tab")  # to "Find"
        assert page.evaluate("document.activeElement.textContent") == "ابحث"
        page.keyboard.press("Enter")
        page.wait_for_selector("#past-list tbody tr")
        rows = page.locator("#past-list tbody tr")
        assert [r.get_attribute("data-id") for r in rows.all()] == [
            f"analytics-en-handed-over-{seeded}", f"analytics-ar-declined-{seeded}"]
        assert page.locator("#past-page").inner_text() == "1–2 من 2"
        assert rows.nth(1).locator("td").nth(1).inner_text() == "العربية"
        rows.nth(1).locator("button.open-past").focus()
        page.keyboard.press("Enter")
        page.wait_for_selector("#turns p.user")
        bubbles = page.locator("#turns p.user")
        assert bubbles.count() == 3 and direction(bubbles.first) == "rtl"
        assert bubbles.last.inner_text().endswith("ابي اجدد ال RP رقمي [PHONE]")
        assert page.locator("#take").is_hidden() and page.locator("#reply-form").is_hidden()  # past: read only
        with page.expect_download() as download:
            page.click("#export")
        exported = json.loads(open(download.value.path(), encoding="utf-8").read())
        assert exported["conversation_id"] == f"analytics-ar-declined-{seeded}" and exported["redacted"] is True
        assert "55123456" not in json.dumps(exported) and len(exported["turns"]) == 3
        page.screenshot(path=str(ARTIFACTS / "console-past-ar.png"), full_page=True)
    finally:
        page.close()
