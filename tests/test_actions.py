"""Custom actions with CollectingDispatcher and tracker fixtures: exact events and responses.

They run against the real searcher and catalog; only the tracker is built by hand."""
import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.choose_service import ActionChooseService
from actions.handoff import ActionHandoff
from actions.search_service import ActionSearchService
from knowledge.config import ROOT
from knowledge.conversations.handoffs import HandoffStore


def make_tracker(text, intent="ask_service", language="ar", service_id=None, failed=0.0, entities=(), events=()):
    slots = {"language": language, "service_id": service_id, "failed_searches": failed, "search_result": None}
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.99}, "entities": list(entities)}
    return Tracker("user-1", slots, latest, list(events), False, None, {}, "action_listen")


@pytest.fixture()
def dispatcher():
    return CollectingDispatcher()


@pytest.fixture(autouse=True)
def isolated_var(tmp_path, monkeypatch, searcher):
    # The searcher fixture (real index) is built first; handoffs go to a temporary DB.
    monkeypatch.setenv("DALIL_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("DALIL_INDEX_DIR", str(ROOT / "var" / "index"))


def run(action, tracker, dispatcher):
    return action.run(dispatcher, tracker, {})


def test_search_found_sends_card_in_arabic_and_sets_slots(dispatcher):
    events = run(ActionSearchService(), make_tracker("ابي اجدد اقامتي"), dispatcher)
    assert events == [SlotSet("service_id", "moi-rp-renewal"), SlotSet("search_result", "found"),
                      SlotSet("failed_searches", 0.0)]
    [msg] = dispatcher.messages
    assert msg["response"] == "utter_service_card"
    # The literal facts of knowledge/catalog/moi.yaml, as the card must show them.
    assert msg["name"] == "تجديد رخصة الإقامة" and msg["body"] == "وزارة الداخلية"
    assert msg["channels"] == "تطبيق مطراش2، الموقع الرسمي، مراكز الخدمة"
    assert msg["fees"] == ("تختلف حسب الحالة (عن كل سنة وحسب الفئة؛ المنشور عادة 500 ريال لأفراد الأسرة و1000 ريال"
                           " لموظفي المنشآت و300 ريال للعمالة على الكفالة الشخصية، والتوصيل برسوم إضافية)")
    assert msg["steps"].splitlines()[0] == "1. سجّل الدخول إلى تطبيق مطراش2 أو بوابة الخدمات الإلكترونية لوزارة الداخلية"
    assert len(msg["steps"].splitlines()) == 5
    assert msg["documents"].splitlines() == ["• جواز سفر سارٍ للمقيم", "• تأمين صحي سارٍ عند الاشتراط",
                                             "• البطاقة الشخصية للكفيل أو بطاقة المنشأة"]
    assert msg["custom"] == {"type": "service_card", "lang": "ar", "id": "moi-rp-renewal", "name": "تجديد رخصة الإقامة",
                             "body": "وزارة الداخلية", "description": msg["description"],
                             "channels": ["تطبيق مطراش2", "الموقع الرسمي", "مراكز الخدمة"], "fees": msg["fees"],
                             "url": "https://portal.moi.gov.qa"}
    assert msg["description"].startswith("تجديد رخصة الإقامة والبطاقة الشخصية القائمة للوافد")


# One service per fee status, with the wording a user reads (catalog facts + FEE_WORDS).
@pytest.mark.parametrize("service_id, lang, fees, channels", [
    ("ashghal-road-complaint", "en", "Free of charge", "phone, the official website"),
    # The health card's fee depends on who holds it (hamad.qa): "varies", with both amounts.
    ("hmc-health-card-renewal", "en", "Vary by case (QAR 100 for expatriate residents; QAR 50 for Qatari and GCC"
     " nationals and for domestic workers)", "Hukoomi portal, the official website, service centers"),
    ("hmc-health-card-renewal", "ar", "تختلف حسب الحالة (100 ريال للمقيمين الوافدين، و50 ريالاً للقطريين ومواطني دول"
     " مجلس التعاون والعمالة المنزلية)", "بوابة حكومي، الموقع الرسمي، مراكز الخدمة"),
    ("cgb-government-training", "en", "Not confirmed in our guide; please check the official page", "the official website"),
    ("customs-broker-licence", "ar", "غير مؤكدة في دليلنا؛ يرجى مراجعة الصفحة الرسمية", "مراكز الخدمة، الموقع الرسمي"),
    ("ashghal-drainage-connection", "ar", "تختلف حسب الحالة (مجاناً للمنزل الأول للمواطن القطري؛ 6000 ريال للمنزل الأول"
     " لغير القطري؛ 12000 ريال للمنزل الثاني فأكثر وللجهات والمؤسسات (رسوم أُعلنت في يناير 2020))", "الموقع الرسمي"),
    ("hmc-pharmacy-home-delivery", "en", "QAR 30 (Delivery fee, as reported by The Peninsula in January 2025)", "phone"),
])
def test_fee_and_channel_wording_per_fee_status(dispatcher, service_id, lang, fees, channels):
    text = "كم الرسوم؟" if lang == "ar" else "how much does it cost?"
    run(ActionSearchService(), make_tracker(text, language=lang, service_id=service_id), dispatcher)
    [msg] = dispatcher.messages
    assert msg["response"] == "utter_service_fees"
    assert (msg["fees"], msg["channels"]) == (fees, channels)


def test_a_service_without_documents_says_so(dispatcher):
    # ashghal-road-complaint lists no documents (a call to 188 needs none).
    run(ActionSearchService(), make_tracker("what documents do I need?", language="en",
                                            service_id="ashghal-road-complaint"), dispatcher)
    [msg] = dispatcher.messages
    assert msg["response"] == "utter_service_no_documents" and msg["name"] == "Report a Road or Drainage Problem (Ashghal 188)"


def test_search_found_in_english(dispatcher):
    events = run(ActionSearchService(), make_tracker("how do I pay traffic fines", language="en"), dispatcher)
    assert events[0] == SlotSet("service_id", "moi-traffic-fine-payment")
    assert dispatcher.messages[0]["name"] == "Traffic Violations Payment"
    assert dispatcher.messages[0]["body"] == "Ministry of Interior"


def test_first_miss_is_not_found_second_is_repeated_failure(dispatcher):
    events = run(ActionSearchService(), make_tracker("asdkjh qwe zxcv", language="en"), dispatcher)
    assert events == [SlotSet("search_result", "not_found"), SlotSet("failed_searches", 1.0)]
    assert dispatcher.messages == []  # the rules send utter_not_confident
    events = run(ActionSearchService(), make_tracker("qqq zzz www", language="en", failed=1.0), dispatcher)
    assert events == [SlotSet("search_result", "repeated_failure"), SlotSet("failed_searches", 0.0)]


def test_blank_message_gets_the_empty_message_reply(dispatcher):
    events = run(ActionSearchService(), make_tracker("   "), dispatcher)
    assert events == [SlotSet("search_result", "no_service")]
    assert [m["response"] for m in dispatcher.messages] == ["utter_empty_message"]


@pytest.mark.parametrize("text, language, titles", [
    # genuinely ambiguous: which health card service, which card to renew
    ("health card", "en", ["New Health Card Issuance", "Health Card Renewal"]),
    ("تجديد البطاقة", "ar", ["تجديد البطاقة الصحية", "تجديد البطاقة الشخصية للمواطنين"]),
])
def test_an_ambiguous_question_offers_the_close_candidates_as_buttons(dispatcher, text, language, titles):
    events = run(ActionSearchService(), make_tracker(text, language=language), dispatcher)
    assert events == [SlotSet("search_result", "ambiguous")]
    [msg] = dispatcher.messages
    assert msg["response"] == "utter_clarify"
    # those two among at most three ("البطاقة" alone is a noun many services share: three are offered)
    assert set(titles) <= {b["title"] for b in msg["buttons"]} and len(msg["buttons"]) <= 3
    assert all(b["payload"].startswith('/choose_service{"service_id":"') for b in msg["buttons"])


def test_a_clear_question_is_answered_not_clarified(dispatcher):
    events = run(ActionSearchService(), make_tracker("ابي اجدد رخصة القيادة", language="ar"), dispatcher)
    assert events[0] == SlotSet("service_id", "moi-dl-renewal")
    assert dispatcher.messages[0]["response"] == "utter_service_card"


@pytest.mark.parametrize("text, response", [
    ("وش الاوراق المطلوبة", "utter_service_documents"), ("كم الرسوم؟", "utter_service_fees"),
    ("وش الخطوات", "utter_service_steps"), ("اقدر اسويها اونلاين؟", "utter_service_channels"),
    ("مين يقدر يقدم", "utter_service_eligibility"), ("كم ياخذ وقت", "utter_service_processing_time"),
])
def test_follow_up_answers_the_aspect_of_the_service_in_the_slot(dispatcher, text, response):
    # One question intent: the aspect comes from the text (or the NLU's `aspect` entity).
    events = run(ActionSearchService(), make_tracker(text, service_id="moi-rp-renewal"), dispatcher)
    assert events == [SlotSet("service_id", "moi-rp-renewal"), SlotSet("search_result", "found"),
                      SlotSet("failed_searches", 0.0)]
    [msg] = dispatcher.messages
    assert msg["response"] == response
    assert msg["name"] == "تجديد رخصة الإقامة"


def test_the_aspect_entity_from_the_nlu_wins(dispatcher):
    tracker = make_tracker("طيب؟", service_id="moi-rp-renewal", entities=[{"entity": "aspect", "value": "fees"}])
    run(ActionSearchService(), tracker, dispatcher)
    assert dispatcher.messages[0]["response"] == "utter_service_fees"


def test_processing_time_unknown_has_its_own_response(dispatcher, catalog):
    sid = next(s.id for s in catalog.services if not s.processing_time_en)
    run(ActionSearchService(), make_tracker("how long does it take?", language="en", service_id=sid), dispatcher)
    assert dispatcher.messages[0]["response"] == "utter_processing_time_unknown"


def test_follow_up_naming_another_service_switches_to_it(dispatcher):
    tracker = make_tracker("what documents do I need to renew my driving licence", language="en",
                           service_id="moi-rp-renewal")
    events = run(ActionSearchService(), tracker, dispatcher)
    assert events[0] == SlotSet("service_id", "moi-dl-renewal")
    assert dispatcher.messages[0]["response"] == "utter_service_documents"
    assert dispatcher.messages[0]["name"] == "Driving Licence Renewal"


def test_follow_up_without_a_service_asks_which(dispatcher):
    events = run(ActionSearchService(), make_tracker("how much?", language="en"), dispatcher)
    assert events == [SlotSet("search_result", "no_service")]
    assert [m["response"] for m in dispatcher.messages] == ["utter_ask_which_service"]


def test_abbreviation_question_then_cost_follow_up(dispatcher):
    events = run(ActionSearchService(), make_tracker("how do i renew my RP", language="en"), dispatcher)
    assert events[0] == SlotSet("service_id", "moi-rp-renewal")
    assert dispatcher.messages[0]["response"] == "utter_service_card"
    dispatcher.messages.clear()
    run(ActionSearchService(), make_tracker("how much does it cost?", language="en", service_id="moi-rp-renewal"), dispatcher)
    [msg] = dispatcher.messages
    assert msg["response"] == "utter_service_fees" and msg["name"] == "Residence Permit Renewal"


def test_arabizi_question_is_answered_in_arabic(dispatcher):
    events = run(ActionSearchService(), make_tracker("tajdeed jawaz"), dispatcher)
    assert events[0] == SlotSet("service_id", "moi-passport-renewal")
    assert dispatcher.messages[0]["name"] == "تجديد جواز السفر القطري"


def test_arabizi_driving_licence_question_is_answered(dispatcher):
    events = run(ActionSearchService(), make_tracker("abi ajadid rukhsat el siyaqa"), dispatcher)
    assert events[0] == SlotSet("service_id", "moi-dl-renewal")


def test_choose_service_from_button(dispatcher):
    tracker = make_tracker('/choose_service{"service_id":"moi-dl-renewal"}', intent="choose_service", language="en",
                           entities=[{"entity": "service_id", "value": "moi-dl-renewal"}])
    events = run(ActionChooseService(), tracker, dispatcher)
    assert events == [SlotSet("service_id", "moi-dl-renewal"), SlotSet("search_result", "found"),
                      SlotSet("failed_searches", 0.0)]
    assert dispatcher.messages[0]["name"] == "Driving Licence Renewal"


def test_choose_unknown_service_asks_which(dispatcher):
    tracker = make_tracker("/choose_service", intent="choose_service", entities=[{"entity": "service_id", "value": "nope"}])
    assert run(ActionChooseService(), tracker, dispatcher) == [SlotSet("search_result", "no_service")]


def test_handoff_records_transcript_language_and_service(dispatcher, tmp_path):
    events = [{"event": "user", "text": "ابي اجدد اقامتي", "timestamp": 1.0},
              {"event": "bot", "text": "تجديد رخصة الإقامة", "timestamp": 2.0},
              {"event": "slot", "name": "x", "value": 1},
              {"event": "user", "text": "ابي اكلم موظف", "timestamp": 3.0}]
    tracker = make_tracker("ابي اكلم موظف", intent="request_human", service_id="moi-rp-renewal", events=events)
    result = run(ActionHandoff(), tracker, dispatcher)
    assert result == [SlotSet("failed_searches", 0.0)]
    [msg] = dispatcher.messages
    assert msg["response"] == "utter_handoff"
    assert msg["custom"] == {"type": "handoff", "reference": msg["reference"]}  # the widget starts polling on it
    stored = HandoffStore(tmp_path / "dalil.sqlite3").get(msg["reference"])
    assert stored["conversation_id"] == "user-1" and stored["language"] == "ar"
    assert stored["service_id"] == "moi-rp-renewal" and stored["reason"] == "user_request"
    assert stored["status"] == "open"
    assert [(t["role"], t["text"]) for t in stored["transcript"]] == [
        ("user", "ابي اجدد اقامتي"), ("bot", "تجديد رخصة الإقامة"), ("user", "ابي اكلم موظف")]



def test_card_button_payload_asks_about_the_current_service(dispatcher):
    tracker = make_tracker('/ask_service{"aspect":"documents"}', language="en", service_id="moi-dl-renewal",
                           entities=[{"entity": "aspect", "value": "documents"}])
    events = run(ActionSearchService(), tracker, dispatcher)
    assert events[0] == SlotSet("service_id", "moi-dl-renewal")
    assert dispatcher.messages[0]["response"] == "utter_service_documents"


def test_out_of_scope_intent_is_declined_when_search_doubts_too(dispatcher):
    events = run(ActionSearchService(), make_tracker("tell me a joke", intent="out_of_scope", language="en"), dispatcher)
    assert events == [SlotSet("search_result", "no_service")]
    assert [m["response"] for m in dispatcher.messages] == ["utter_out_of_scope"]


def test_out_of_scope_intent_is_overridden_by_a_confident_search(dispatcher):
    # "tajdeed jawaz" (Arabizi: passport renewal) is one the NLU can take for out of scope.
    events = run(ActionSearchService(), make_tracker("tajdeed jawaz", intent="out_of_scope"), dispatcher)
    assert events[0] == SlotSet("service_id", "moi-passport-renewal")
    assert dispatcher.messages[0]["response"] == "utter_service_card"


def _body(text, surface, value):
    start = text.index(surface)
    return {"entity": "body", "value": value, "start": start, "end": start + len(surface)}


@pytest.mark.parametrize("current, text, entities, expected", [
    # Issue #15: a follow-up naming only a body switches to that body's service of the same kind.
    ("moci-commercial-licence-renewal", "وبالنسبة للمرور؟", [_body("وبالنسبة للمرور؟", "للمرور", "traffic")],
     "moi-dl-renewal"),
    ("moi-dl-renewal", "and what about the commerce ministry one?",
     [_body("and what about the commerce ministry one?", "commerce ministry", "moci")], "moci-commercial-licence-renewal"),
    # Without the NLU's entity (a payload, a test client), search's own reading of the text.
    ("phcc-appointment-booking", "and what about the Hamad hospital one?", [], "hmc-outpatient-appointments"),
])
def test_a_follow_up_naming_another_body_switches_to_its_service_of_the_same_kind(dispatcher, current, text,
                                                                                  entities, expected):
    lang = "ar" if "ال" in text else "en"
    events = run(ActionSearchService(), make_tracker(text, language=lang, service_id=current, entities=entities),
                 dispatcher)
    assert events[0] == SlotSet("service_id", expected)
    assert dispatcher.messages[0]["response"] == "utter_service_card"


def test_a_body_with_no_service_of_that_kind_is_not_forced(dispatcher):
    # A residence permit has no counterpart at the Ministry of Justice: no MOJ card.
    text = "and what about the Ministry of Justice?"
    events = run(ActionSearchService(), make_tracker(text, language="en", service_id="moi-rp-renewal",
                                                     entities=[_body(text, "Ministry of Justice", "moj")]), dispatcher)
    assert not any(e.get("name") == "service_id" and str(e.get("value")).startswith("moj-") for e in events)
