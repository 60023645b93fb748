"""Browser tests: Playwright driving Debian's Chromium (headless) against the real stack.

Screenshots are saved to tests/artifacts/ (git-ignored) for people to look at.
"""
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


def test_arabic_question_gets_rtl_service_card(page, stack):
    open_widget(page, stack)
    ask(page, "ابي اجدد اقامتي", 2)
    card = page.locator(".dalil-bot").last
    assert card.get_attribute("dir") == "rtl"
    assert card.locator(".dalil-card-name").inner_text() == "تجديد رخصة الإقامة"
    assert card.locator(".dalil-badge").first.inner_text() == "تطبيق مطراش2"
    link = card.locator("a.dalil-card-link")
    assert link.get_attribute("target") == "_blank" and link.get_attribute("href").startswith("https://")
    user = page.locator(".dalil-user").last
    assert user.get_attribute("dir") == "rtl"
    page.screenshot(path=str(ARTIFACTS / "widget-arabic-card.png"))


def test_english_question_is_ltr_and_button_click_answers(page, stack):
    open_widget(page, stack)
    ask(page, "how do I pay a traffic fine?", 2)
    card = page.locator(".dalil-bot").last
    assert card.get_attribute("dir") == "ltr"
    assert card.locator(".dalil-card-name").inner_text() == "Traffic Violations Payment"
    card.get_by_role("button", name="Required documents").click()
    page.wait_for_function("document.querySelectorAll('.dalil-bot').length >= 3", timeout=60000)
    reply = page.locator(".dalil-bot").last.inner_text()
    assert reply.startswith("Documents needed for Traffic Violations Payment")
    assert page.locator(".dalil-user").last.inner_text() == "Required documents"
    page.screenshot(path=str(ARTIFACTS / "widget-english-button.png"))


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
    open_widget(page, stack)
    ask(page, "hello", 2)
    page.locator(".dalil-bot").last.get_by_role("button", name="Helpful answer").click()
    sender = page.evaluate("window.DalilWidget.state().sender")
    from knowledge.conversations.feedback import FeedbackStore

    store = FeedbackStore(stack.var_dir / "dalil.sqlite3")
    page.wait_for_function("true")
    for _ in range(50):
        rows = store.list(sender)
        if rows:
            break
        page.wait_for_timeout(100)
    assert [(r["rating"], r["message"].startswith("Hello! I'm Dalil")) for r in rows] == [(1, True)]


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


def test_console_api_handoff_queue(stack, console_token):
    """A handoff made through the bot appears in the queue and can be taken and resolved."""
    sender = "browser-" + uuid.uuid4().hex[:6]
    requests.post(f"{stack.rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": "ابي اكلم موظف"},
                  timeout=60).raise_for_status()
    auth = {"Authorization": f"Bearer {console_token}"}
    queue = requests.get(f"{stack.web_url}/api/handoffs", params={"status": "open"}, headers=auth, timeout=10).json()
    [h] = [h for h in queue["handoffs"] if h["conversation_id"] == sender]
    assert h["language"] == "ar" and h["transcript"][0] == {**h["transcript"][0], "role": "user", "text": "ابي اكلم موظف"}
    for status in ("taken", "resolved"):
        r = requests.post(f"{stack.web_url}/api/handoffs/{h['id']}/status", json={"status": status}, headers=auth, timeout=10)
        assert r.status_code == 200 and r.json()["status"] == status
        listed = requests.get(f"{stack.web_url}/api/handoffs", params={"status": status}, headers=auth, timeout=10).json()
        assert [x["status"] for x in listed["handoffs"] if x["id"] == h["id"]] == [status]  # read back, not echoed
    bad = requests.post(f"{stack.web_url}/api/handoffs/{h['id']}/status", json={"status": "gone"}, headers=auth, timeout=10)
    assert bad.status_code == 400
    spec = requests.get(f"{stack.web_url}/api/openapi.json", headers=auth, timeout=10).json()
    assert spec["openapi"].startswith("3.") and "/api/handoffs/{ref}/status" in spec["paths"]
