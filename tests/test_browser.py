"""Browser tests: Playwright driving Debian's Chromium (headless) against the real stack.

Screenshots are saved to tests/artifacts/ (git-ignored) for people to look at.
"""
import json
import re
import shutil
import uuid
from pathlib import Path

import pytest
import requests

pytestmark = pytest.mark.e2e

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is not installed: `make setup` installs it (apt package chromium)")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture()
def page(browser):
    context = browser.new_context(viewport={"width": 1000, "height": 800})
    pg = context.new_page()
    yield pg
    context.close()


def open_widget(page, stack):
    page.goto(f"{stack.web_url}/demo")
    page.get_by_role("button", name="افتح المحادثة مع دليل").click()
    page.wait_for_selector(".dalil-panel:not([hidden])")


def ask(page, text, expect_bubbles):
    page.fill("#dalil-input", text)
    page.keyboard.press("Enter")
    page.wait_for_function(f"document.querySelectorAll('.dalil-bot').length >= {expect_bubbles}", timeout=60000)


def direction(locator):
    """The direction the browser lays the element out in (not just its `dir` attribute)."""
    return locator.evaluate("e => getComputedStyle(e).direction")


# The panel's own texts in each language, as the widget writes them (web/static/dalil-widget.js).
PANEL_TEXTS = {
    "ar": {"title": "دليل — الخدمات الحكومية", "send": "إرسال", "toggle": "English",
           "placeholder": "اكتب سؤالك عن أي خدمة حكومية"},
    "en": {"title": "Dalil — Government services", "send": "Send", "toggle": "عربي",
           "placeholder": "Type your question about any government service"},
}


def assert_panel_language(page, lang):
    panel = page.locator(".dalil-panel")
    shown = {"title": page.locator(".dalil-title").inner_text(), "send": page.locator(".dalil-send").inner_text(),
             "toggle": page.locator(".dalil-toggle").inner_text(),
             "placeholder": page.locator("#dalil-input").get_attribute("placeholder")}
    assert shown == PANEL_TEXTS[lang]
    assert page.locator(".dalil-root").get_attribute("lang") == lang
    assert direction(panel) == ("rtl" if lang == "ar" else "ltr")


def test_arabic_question_gets_rtl_service_card(page, stack):
    open_widget(page, stack)
    ask(page, "ابي اجدد اقامتي", 2)
    card = page.locator(".dalil-bot").last
    assert card.get_attribute("dir") == "rtl" and direction(card) == "rtl"
    assert direction(card.locator(".dalil-card-name")) == "rtl"
    assert card.locator(".dalil-card-name").inner_text() == "تجديد رخصة الإقامة"
    assert card.locator(".dalil-badge").first.inner_text() == "تطبيق مطراش2"
    link = card.locator("a.dalil-card-link")
    assert link.get_attribute("target") == "_blank" and link.get_attribute("href").startswith("https://")
    user = page.locator(".dalil-user").last
    assert user.get_attribute("dir") == "rtl" and direction(user) == "rtl"
    assert_panel_language(page, "ar")
    page.screenshot(path=str(ARTIFACTS / "widget-arabic-card.png"))


def test_english_question_is_ltr_and_button_click_answers(page, stack):
    open_widget(page, stack)
    ask(page, "how can I pay my traffic fines?", 2)  # "how do I pay a traffic fine?" now asks which service
    card = page.locator(".dalil-bot").last
    assert card.get_attribute("dir") == "ltr" and direction(card) == "ltr"
    assert direction(page.locator(".dalil-user").last) == "ltr"
    assert_panel_language(page, "en")  # an English question switches the panel to English, left to right
    assert card.locator(".dalil-card-name").inner_text() == "Traffic Violations Payment"
    card.get_by_role("button", name="Required documents").click()
    page.wait_for_function("document.querySelectorAll('.dalil-bot').length >= 3", timeout=60000)
    reply = page.locator(".dalil-bot").last.inner_text()
    assert reply.startswith("Documents needed for Traffic Violations Payment")
    assert page.locator(".dalil-user").last.inner_text() == "Required documents"
    page.screenshot(path=str(ARTIFACTS / "widget-english-button.png"))


def test_an_ambiguous_question_asks_which_then_a_button_shows_that_card(page, stack):
    open_widget(page, stack)
    ask(page, "health card", 2)
    question = page.locator(".dalil-bot").last
    assert question.locator(".dalil-card-name").count() == 0
    assert question.inner_text().startswith("I found several services close to your question. Which one do you mean?")
    buttons = question.locator(".dalil-buttons button")
    assert sorted(buttons.all_inner_texts()) == ["Health Card Renewal", "New Health Card Issuance"]
    question.get_by_role("button", name="Health Card Renewal").click()
    page.wait_for_function("document.querySelectorAll('.dalil-bot').length >= 3", timeout=60000)
    card = page.locator(".dalil-bot").last
    assert card.locator(".dalil-card-name").inner_text() == "Health Card Renewal"
    assert page.locator(".dalil-user").last.inner_text() == "Health Card Renewal"  # the choice, as the user reads it
    page.screenshot(path=str(ARTIFACTS / "widget-clarify.png"))


def test_reload_keeps_the_conversation(page, stack):
    open_widget(page, stack)
    ask(page, "hello", 2)
    before = page.locator(".dalil-msg").all_inner_texts()
    sender = page.evaluate("window.DalilWidget.state().sender")
    page.reload()
    page.wait_for_selector(".dalil-panel:not([hidden])")
    assert page.locator(".dalil-msg").all_inner_texts() == before
    assert page.evaluate("window.DalilWidget.state().sender") == sender
    ask(page, "ابي اجدد اقامتي", 3)  # the same conversation goes on after the reload
    page.screenshot(path=str(ARTIFACTS / "widget-after-reload.png"))


def test_script_input_is_shown_as_text(page, stack):
    open_widget(page, stack)
    evil = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'
    ask(page, evil, 2)
    user = page.locator(".dalil-user").last
    assert user.inner_text() == evil
    assert user.locator("script, img").count() == 0
    assert page.evaluate("window.__pwned === undefined")
    page.screenshot(path=str(ARTIFACTS / "widget-script-as-text.png"))


def test_thumbs_feedback_is_stored(page, stack):
    """Rating a service card down stores the rating -1 against that card's service id."""
    from knowledge.conversations.feedback import FeedbackStore

    open_widget(page, stack)
    ask(page, "ابي اجدد اقامتي", 2)
    card = page.locator(".dalil-bot").last
    assert card.locator(".dalil-card-name").inner_text() == "تجديد رخصة الإقامة"
    card.get_by_role("button", name="إجابة غير مفيدة").click()
    sender = page.evaluate("window.DalilWidget.state().sender")
    store = FeedbackStore(stack.var_dir / "dalil.sqlite3")
    rows: list = []
    for _ in range(50):  # the widget posts without waiting; poll the real store
        rows = store.list(sender)
        if rows:
            break
        page.wait_for_timeout(100)
    assert [(r["rating"], r["service_id"]) for r in rows] == [(-1, "moi-rp-renewal")]


def test_widget_fits_360px_and_is_keyboard_usable(browser, stack):
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto(f"{stack.web_url}/demo")
    page.keyboard.press("Tab")  # the launcher is the first focusable element
    assert page.evaluate("document.activeElement.className") == "dalil-launcher"
    page.keyboard.press("Enter")
    page.wait_for_selector(".dalil-panel:not([hidden])")
    assert page.evaluate("document.activeElement.id") == "dalil-input"
    box = page.locator(".dalil-panel").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360
    page.keyboard.press("Escape")
    assert page.locator(".dalil-panel").is_hidden()
    page.screenshot(path=str(ARTIFACTS / "widget-360px.png"))
    context.close()


def test_console_rejects_without_token(page, stack):
    assert requests.get(f"{stack.web_url}/api/search", params={"q": "QID"}, timeout=10).status_code == 401
    assert requests.get(f"{stack.web_url}/api/handoffs", headers={"Authorization": "Bearer wrong"},
                        timeout=10).status_code == 401
    page.goto(f"{stack.web_url}/console")
    page.fill("#token", "wrong")
    page.click("#login button")
    page.wait_for_function("document.getElementById('status').textContent.startsWith('Access denied')")
    assert page.locator("#app").is_hidden()
    page.screenshot(path=str(ARTIFACTS / "console-denied.png"))


def test_console_search_shows_the_expected_service(page, stack, console_token):
    page.goto(f"{stack.web_url}/console")
    page.fill("#token", console_token)
    page.click("#login button")
    page.wait_for_selector("#app:not([hidden])")
    page.fill("#q", "ابي اجدد رخصة السواقة")
    page.click("#search button")
    page.wait_for_selector("#results tbody tr")
    first = page.locator("#results tbody tr").first
    assert first.get_attribute("data-id") == "moi-dl-renewal"
    first.locator("button.svc").click()
    page.wait_for_selector("#detail h3")
    assert page.locator("#detail h3").all_inner_texts() == ["Driving Licence Renewal", "تجديد رخصة القيادة"]
    page.screenshot(path=str(ARTIFACTS / "console-search.png"), full_page=True)


def all_handoffs(web_url: str, token: str, status: str) -> list[dict]:
    """Every handoff with `status`, page by page (the queue comes 50 at a time)."""
    out: list[dict] = []
    while True:
        page = requests.get(f"{web_url}/api/handoffs", params={"status": status, "offset": str(len(out))},
                            headers={"Authorization": f"Bearer {token}"}, timeout=10).json()
        out += page["handoffs"]
        if not page["handoffs"] or len(out) >= page["total"]:
            return out


def test_console_api_handoff_queue(stack, console_token):
    """A handoff made through the bot appears in the queue and can be taken and resolved."""
    sender = "browser-" + uuid.uuid4().hex[:6]
    requests.post(f"{stack.rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": "ابي اكلم موظف"},
                  timeout=60).raise_for_status()
    auth = {"Authorization": f"Bearer {console_token}"}
    [h] = [h for h in all_handoffs(stack.web_url, console_token, "open") if h["conversation_id"] == sender]
    assert h["language"] == "ar" and h["transcript"][0] == {**h["transcript"][0], "role": "user", "text": "ابي اكلم موظف"}
    for status in ("taken", "resolved"):
        r = requests.post(f"{stack.web_url}/api/handoffs/{h['id']}/status", json={"status": status}, headers=auth, timeout=10)
        assert r.status_code == 200 and r.json()["status"] == status
        listed = all_handoffs(stack.web_url, console_token, status)
        assert [x["status"] for x in listed if x["id"] == h["id"]] == [status]  # read back, not echoed
    bad = requests.post(f"{stack.web_url}/api/handoffs/{h['id']}/status", json={"status": "gone"}, headers=auth, timeout=10)
    assert bad.status_code == 400
    spec = requests.get(f"{stack.web_url}/api/openapi.json", headers=auth, timeout=10).json()
    assert spec["openapi"].startswith("3.") and "/api/handoffs/{ref}/status" in spec["paths"]


def test_console_pages_through_the_queue(page, stack, console_token):
    """25 more open handoffs: the console shows 20 at a time and says which of how many. (The
    shared stack's store: web_only's belongs to the API tests, which count what is in it.)"""
    from knowledge.conversations.handoffs import HandoffStore

    store = HandoffStore(stack.var_dir / "dalil.sqlite3")
    tag = "paged-" + uuid.uuid4().hex[:6]
    for i in range(25):
        store.create(f"{tag}-{i}", "en", None, "user_request", [{"role": "user", "text": f"q{i}", "timestamp": 1.0}])
    total = len(all_handoffs(stack.web_url, console_token, "open"))
    page.goto(f"{stack.web_url}/console")
    page.fill("#token", console_token)
    page.click("#login button")
    page.wait_for_selector("#app:not([hidden])")
    page.select_option("#filter", "open")
    page.wait_for_function(f"document.getElementById('page').textContent === '1–20 of {total}'")
    assert page.locator("#handoffs article").count() == 20 and page.locator("#prev").is_disabled()
    page.click("#next")
    page.wait_for_function(f"document.getElementById('page').textContent === '21–{min(40, total)} of {total}'")
    assert page.locator("#handoffs article").count() == min(20, total - 20)
    assert page.locator("#prev").is_enabled() and page.locator("#next").is_disabled() == (total <= 40)
    page.click("#prev")
    page.wait_for_function(f"document.getElementById('page').textContent === '1–20 of {total}'")


# --- the widget's storage, sender id, error replies and language toggle -------------------

STORE = "dalil-widget:v1"  # the widget's localStorage key
MASK = "•••"
DIGIT_RUN = re.compile(r"\d(?:[\s./-]*\d){5,}")  # Python's \d also matches ٠-٩ and ۰-۹
UNREACHABLE = {  # the widget's own message when the server cannot be reached (UI.*.error)
    "ar": "عذراً، تعذر الاتصال بالخدمة الآن. حاول بعد قليل أو اتصل على 109.",
    "en": "Sorry, the service can't be reached right now. Please try again shortly or call 109.",
}
RATE_LIMITED = "That's a lot of messages in a short time. Please wait a minute and try again."
WEBHOOK = "**/webhooks/rest/webhook"


def stored(page):
    return page.evaluate(f"localStorage.getItem('{STORE}')")


def wait_for_widget(page):
    page.wait_for_function("window.DalilWidget !== undefined")


def say(page, text):
    """Send `text` and wait until the widget has shown the whole answer."""
    before = page.locator(".dalil-bot").count()
    page.fill("#dalil-input", text)
    page.keyboard.press("Enter")
    page.wait_for_function(f"document.querySelectorAll('.dalil-bot').length > {before}"
                           " && document.querySelector('.dalil-typing').hidden", timeout=60000)


def test_storage_keeps_only_redacted_user_text(page, stack):
    open_widget(page, stack)
    typed = ["my QID is 28412345678 and phone 55123456", "رقم جوازي P1234567 وجوالي ٥٥١٢ ٣٤٥٦ وايميلي ali@example.qa"]
    for text in typed:
        say(page, text)
    # This page shows what the user typed ...
    assert page.locator(".dalil-user").all_inner_texts() == typed
    # ... but the browser keeps, and shows to scripts, only the redacted text.
    redacted = [f"my QID is {MASK} and phone {MASK}", f"رقم جوازي {MASK} وجوالي {MASK} وايميلي {MASK}"]
    for blob in (stored(page), page.evaluate("JSON.stringify(window.DalilWidget.state())")):
        history = json.loads(blob)["history"]
        assert [e["text"] for e in history if e["role"] == "user"] == redacted
        assert not DIGIT_RUN.search(json.dumps(history, ensure_ascii=False))
        assert MASK in blob
        for secret in ("28412345678", "55123456", "1234567", "٥٥١٢", "ali@example.qa"):
            assert secret not in blob
    page.reload()
    page.wait_for_selector(".dalil-panel:not([hidden])")
    assert page.locator(".dalil-user").all_inner_texts() == redacted  # restored from storage


def test_storage_older_than_a_day_is_dropped(page, stack):
    page.goto(f"{stack.web_url}/demo")
    old_sender = "0123456789abcdef" * 2

    def plant(age_hours):
        """Store an 80-message conversation whose last message is `age_hours` old, reload."""
        page.evaluate("""([key, sender, age]) => localStorage.setItem(key, JSON.stringify({
            sender, lang: "en", open: true, updated: Date.now() - age * 3600 * 1000,
            history: Array.from({length: 80}, (_, i) => ({role: "user", text: "old question " + i}))}))""",
                      [STORE, old_sender, age_hours])
        page.reload()
        wait_for_widget(page)
        return page.evaluate("window.DalilWidget.state()")

    kept = plant(23)  # the control: younger than a day, restored (its last 50 messages)
    assert kept["sender"] == old_sender
    assert [e["text"] for e in kept["history"]] == [f"old question {i}" for i in range(30, 80)]
    assert page.locator(".dalil-user").count() == 50
    dropped = plant(25)
    assert dropped["sender"] != old_sender
    assert [e["role"] for e in dropped["history"]] == ["bot"]  # only the welcome of a new conversation
    assert "old question" not in stored(page)
    assert page.locator(".dalil-user").count() == 0


def test_sender_id_is_random_hex_per_browser(browser, stack):
    senders = []
    for _ in range(2):
        context = browser.new_context()
        context.add_init_script("Math.random = () => 0.5")  # the id must not come from Math.random
        pg = context.new_page()
        pg.goto(f"{stack.web_url}/demo")
        wait_for_widget(pg)
        senders.append(pg.evaluate("window.DalilWidget.state().sender"))
        pg.get_by_role("button", name="افتح المحادثة مع دليل").click()
        with pg.expect_request(WEBHOOK) as sent:
            pg.fill("#dalil-input", "hello")
            pg.keyboard.press("Enter")
        assert json.loads(sent.value.post_data or "")["sender"] == senders[-1]  # the id the server sees
        context.close()
    assert all(re.fullmatch(r"[0-9a-f]{32}", s) for s in senders), senders
    assert senders[0] != senders[1]


def test_429_shows_the_servers_polite_reply(page, stack):
    # A fake at the network boundary: Playwright answers the browser's request to Rasa's
    # webhook the way bot/channels.py answers a sender over its limit (429, a normal reply list).
    page.route(WEBHOOK, lambda route: route.fulfill(
        status=429, content_type="application/json", headers={"Access-Control-Allow-Origin": "*"},
        body=json.dumps([{"recipient_id": "x", "text": RATE_LIMITED}])))
    open_widget(page, stack)
    say(page, "how do I renew my residence permit?")
    reply = page.locator(".dalil-bot").last
    assert reply.inner_text() == RATE_LIMITED
    assert reply.locator(".dalil-thumb").count() == 0  # a refusal is not rated
    assert UNREACHABLE["en"] not in page.locator(".dalil-log").inner_text()


@pytest.mark.parametrize(("status", "body", "shown"), [
    (503, json.dumps([{"recipient_id": "x", "text": "Back soon."}]), "Back soon."),
    (500, json.dumps({"error": "boom"}), UNREACHABLE["en"]),
    (502, "<html>Bad gateway</html>", UNREACHABLE["en"]),
    (200, "<html>not Rasa</html>", UNREACHABLE["en"]),
], ids=["503-reply-list", "500-json-object", "502-html", "200-not-json"])
def test_widget_error_answers_show_a_reply_list_or_unreachable(page, stack, status, body, shown):
    # A fake at the network boundary: the answer a proxy or the server could give.
    page.route(WEBHOOK, lambda route: route.fulfill(status=status, body=body,
                                                    headers={"Access-Control-Allow-Origin": "*"}))
    open_widget(page, stack)
    say(page, "how do I renew my residence permit?")
    assert page.locator(".dalil-bot").last.inner_text() == shown


def test_server_down_says_so_in_the_users_language(page, stack):
    # A fake at the network boundary: the request to Rasa fails as when the server is down.
    page.route(WEBHOOK, lambda route: route.abort())
    open_widget(page, stack)
    say(page, "ابي اجدد اقامتي")
    assert page.locator(".dalil-bot").last.inner_text() == UNREACHABLE["ar"]
    say(page, "how do I renew my residence permit?")
    assert page.locator(".dalil-bot").last.inner_text() == UNREACHABLE["en"]
    page.screenshot(path=str(ARTIFACTS / "widget-server-down.png"))


def test_language_toggle_switches_texts_and_direction(page, stack):
    open_widget(page, stack)
    assert_panel_language(page, "ar")
    page.get_by_role("button", name="Switch to English").click()
    assert_panel_language(page, "en")
    page.wait_for_function("document.querySelector('.dalil-typing').hidden", timeout=60000)
    page.screenshot(path=str(ARTIFACTS / "widget-toggled-english.png"))
    page.reload()  # the chosen language is kept
    page.wait_for_selector(".dalil-panel:not([hidden])")
    assert_panel_language(page, "en")
    page.get_by_role("button", name="التحويل إلى العربية").click()
    assert_panel_language(page, "ar")
    page.wait_for_function("document.querySelector('.dalil-typing').hidden", timeout=60000)
