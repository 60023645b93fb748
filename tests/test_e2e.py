"""End to end: the real action server and the real Rasa server, on free ports, from the
trained model; messages go through the REST channel exactly as a website would send them."""
import json
import uuid

import psutil
import pytest
import requests
from tests_support import early_in_a_rate_window

from knowledge.cli import main
from knowledge.text import detect_language

pytestmark = pytest.mark.e2e


def say(stack, sender, text):
    r = requests.post(f"{stack.rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=60)
    r.raise_for_status()
    return r.json()


def tracker(stack, sender):
    return requests.get(f"{stack.rasa_url}/conversations/{sender}/tracker", params={"token": stack.rasa_token}, timeout=30).json()


def new_sender():
    return f"test-{uuid.uuid4().hex[:8]}"


def test_arabic_greeting_gets_arabic_reply(stack):
    [reply] = say(stack, new_sender(), "السلام عليكم")
    assert reply["text"].startswith("أهلاً وسهلاً! أنا «دليل»")


def test_english_greeting_gets_english_reply(stack):
    [reply] = say(stack, new_sender(), "hello")
    assert reply["text"].startswith("Hello! I'm Dalil")


@pytest.mark.parametrize("text, service_name, lang", [
    ("ابي اجدد اقامتي", "تجديد رخصة الإقامة", "ar"),                      # Gulf dialect
    ("كيف أدفع المخالفات المرورية؟", "سداد المخالفات المرورية", "ar"),        # MSA
    ("how do I renew my driving licence?", "Driving Licence Renewal", "en"),
    # what issue #11 found failing, as a new user types it
    ("كيف اجدد رخصة الاقامة", "تجديد رخصة الإقامة", "ar"),
    ("ابي اجدد ال RP", "تجديد رخصة الإقامة", "ar"),                       # code-switched: Arabic reply
    ("tajdeed jawaz", "تجديد جواز السفر القطري", "ar"),                    # Arabizi: Arabic reply
])
def test_service_question_gets_service_card_through_action_server(stack, catalog, text, service_name, lang):
    sender = new_sender()
    replies = say(stack, sender, text)
    card = replies[0]
    assert card["text"].splitlines()[0] == service_name
    assert detect_language(card["text"]) == lang
    titles = [b["title"] for b in card["buttons"]]
    assert titles == (["المستندات المطلوبة", "الخطوات", "الرسوم"] if lang == "ar" else ["Required documents", "Steps", "Fees"])
    slots = tracker(stack, sender)["slots"]
    assert slots["language"] == lang and catalog.get(slots["service_id"]).name(lang) == service_name


def test_a_qid_renewal_asks_resident_or_citizen(stack):
    """Residents' and citizens' ID cards are both "the QID" and are renewed by different
    services: the reply offers both, the residence permit first (most QID holders are residents)."""
    [reply] = say(stack, new_sender(), "how can I renew my QID")
    titles = [b["title"] for b in reply["buttons"]]
    assert titles[0] == "Residence Permit Renewal" and "Qatari ID Card Renewal for Citizens" in titles


def test_follow_up_remembers_the_service(stack, catalog):
    sender = new_sender()
    say(stack, sender, "ابي اجدد اقامتي")
    [docs] = say(stack, sender, "وش الاوراق المطلوبة؟")
    svc = catalog.get("moi-rp-renewal")
    assert docs["text"].startswith("المستندات المطلوبة لخدمة «تجديد رخصة الإقامة»")
    assert all(d in docs["text"] for d in svc.documents_ar)
    [fees] = say(stack, sender, "كم الرسوم؟")
    assert fees["text"].startswith("رسوم خدمة «تجديد رخصة الإقامة»")


def test_abbreviated_question_then_a_cost_follow_up_in_english(stack):
    sender = new_sender()
    card = say(stack, sender, "how do i renew my RP")[0]
    assert card["text"].splitlines()[0] == "Residence Permit Renewal"
    [fees] = say(stack, sender, "how much does it cost?")
    assert fees["text"].startswith("Fees for Residence Permit Renewal")
    assert tracker(stack, sender)["slots"]["service_id"] == "moi-rp-renewal"


def test_language_follows_the_message(stack):
    sender = new_sender()
    say(stack, sender, "hello")
    [reply] = say(stack, sender, "مرحبا")
    assert detect_language(reply["text"]) == "ar"


def test_out_of_scope_is_declined_politely(stack):
    [reply] = say(stack, new_sender(), "tell me a joke")
    assert reply["text"].startswith("Sorry, that's outside what I can help with.")


def test_dalil_ask_json_contract(stack, capsys, monkeypatch):
    monkeypatch.setenv("DALIL_RASA_TOKEN", stack.rasa_token)  # `dalil ask` reads the tracker through the API
    assert main(["ask", "how do I pay a traffic fine", "--json", "--url", stack.rasa_url, "--sender", new_sender()]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"language", "intent", "service", "replies"}
    assert out["language"] == "en" and out["intent"] == "ask_service"
    assert out["service"] == {"id": "moi-traffic-fine-payment", "name_en": "Traffic Violations Payment",
                              "name_ar": "سداد المخالفات المرورية"}
    assert out["replies"][0]["text"].startswith("Traffic Violations Payment")
    assert [b["payload"] for b in out["replies"][0]["buttons"]] == [
        '/ask_service{"aspect":"documents"}', '/ask_service{"aspect":"steps"}', '/ask_service{"aspect":"fees"}']


def test_dalil_ask_reports_unreachable_bot(capsys):
    assert main(["ask", "hello", "--json", "--url", "http://127.0.0.1:9"]) == 1
    assert "make run" in capsys.readouterr().err


def test_dalil_ask_passes_on_the_servers_rate_limit_reply(stack, capsys, monkeypatch):
    monkeypatch.setenv("DALIL_RASA_TOKEN", stack.rasa_token)
    sender = new_sender()
    early_in_a_rate_window(30)
    for _ in range(30):  # the per-sender limit: 30 a minute
        requests.post(f"{stack.rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": "/greet"}, timeout=30)
    assert main(["ask", "hello", "--url", stack.rasa_url, "--sender", sender]) == 1
    err = capsys.readouterr().err
    assert "too many messages (429)" in err
    assert "That's a lot of messages in a short time. Please wait a minute and try again." in err
    assert "make run" not in err  # the bot is running; starting it is not the advice


def test_dalil_ask_with_a_wrong_token_names_the_token(stack, capsys, monkeypatch):
    monkeypatch.setenv("DALIL_RASA_TOKEN", "wrong")
    assert main(["ask", "hello", "--url", stack.rasa_url, "--sender", new_sender()]) == 1
    err = capsys.readouterr().err
    assert "(401)" in err and "DALIL_RASA_TOKEN" in err and "make run" not in err


def test_review_finds_the_low_confidence_turns_of_a_conversation(stack):
    from knowledge.conversations.review import collect, group
    from knowledge.search.embeddings import get_embedder

    sender = new_sender()
    say(stack, sender, "ابي اجدد اقامتي")          # answered
    say(stack, sender, "qwerty zxcvb asdfg")       # not confident
    say(stack, sender, "blorp flarn snurgle")      # not confident again: handed over
    items = [i for i in collect(stack.var_dir / "tracker.sqlite3", stack.var_dir / "dalil.sqlite3")
             if i.conversation_id == sender]
    reasons = {i.text: set(i.reason.split("+")) for i in items}
    assert set(reasons) == {"qwerty zxcvb asdfg", "blorp flarn snurgle"}  # not the answered question
    assert "not_confident" in reasons["qwerty zxcvb asdfg"]
    assert {"not_confident", "handoff"} <= reasons["blorp flarn snurgle"]
    groups = group(items, get_embedder())
    assert sum(len(g) for g in groups) == 2


def test_dalil_chat_in_the_terminal(stack):
    import os
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "knowledge.cli", "chat", "--url", stack.rasa_url],
                         input="hello\nhow do I pay a traffic fine\n\n", capture_output=True, text=True, timeout=120,
                         env={**os.environ, "DALIL_RASA_TOKEN": stack.rasa_token})
    assert out.returncode == 0, out.stderr
    assert "Hello! I'm Dalil" in out.stdout and "Traffic Violations Payment" in out.stdout


def test_stop_leaves_no_process_behind(fresh_stack):
    """Stopping ends every server and its children."""
    procs = [psutil.Process(p.pid) for p in fresh_stack.processes]
    family = procs + [c for p in procs for c in p.children(recursive=True)]
    assert len(procs) == 3 and all(p.is_running() for p in procs)
    fresh_stack.stop()
    gone, alive = psutil.wait_procs(family, timeout=10)
    assert alive == []


def test_the_nlu_names_bodies_documents_and_apps_by_their_ids(stack):
    # Rasa's SpacyNLP loads the pipeline dalil train saved; the catalog extractor reports ids.
    r = requests.post(f"{stack.rasa_url}/model/parse", params={"token": stack.rasa_token},
                      json={"text": "ابي اجدد اقامتي من مطراش عند الداخلية"}, timeout=30)
    r.raise_for_status()
    found = [(e["entity"], e["value"], e["extractor"]) for e in r.json()["entities"]
             if e["entity"] in ("body", "document", "app")]
    assert found == [("document", "residence_permit", "CatalogEntityExtractor"),
                     ("app", "metrash2", "CatalogEntityExtractor"), ("body", "moi", "CatalogEntityExtractor")]
    # A phrase where a form means something else names nothing: "visa card" is no visa.
    r = requests.post(f"{stack.rasa_url}/model/parse", params={"token": stack.rasa_token},
                      json={"text": "my visa card was declined in Metrash2"}, timeout=30)
    r.raise_for_status()
    assert [(e["entity"], e["value"]) for e in r.json()["entities"]
            if e["entity"] in ("body", "document", "app")] == [("app", "metrash2")]


def test_a_body_named_in_a_follow_up_changes_the_answer(stack, catalog):
    sender = new_sender()
    first = say(stack, sender, "ابي اجدد الرخصة التجارية")[0]
    assert first["text"].splitlines()[0] == catalog.get("moci-commercial-licence-renewal").name_ar
    switched = say(stack, sender, "وبالنسبة للمرور؟")[0]  # the card, then its JSON twin
    assert switched["text"].splitlines()[0] == catalog.get("moi-dl-renewal").name_ar
    assert tracker(stack, sender)["slots"]["service_id"] == "moi-dl-renewal"
