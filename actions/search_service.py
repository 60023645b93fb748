from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import choose_payload, language, searcher
from actions.service_detail import response_for
from knowledge.aspects import ASPECTS, detect_aspect, service_words
from knowledge.catalog import Service
from knowledge.catalog.present import card_payload, card_values
from knowledge.text import is_blank

MAX_CHOICES = 3
FAILURES_BEFORE_HANDOFF = 2


class ActionSearchService(Action):
    """Answer a question about a service, or a follow-up about an aspect of the current one.

    The NLU has one question intent; the `aspect` entity (or knowledge.aspects on the text)
    says what is asked. A question that names a service is searched: answer -> the card,
    or the asked aspect of it; clarify -> the close candidates as buttons; decline -> the
    rules apologise (not_found), and hand over on a second miss (repeated_failure). A
    follow-up that names no service ("how much does it cost?") is about the service in
    the `service_id` slot, or asks which service when there is none. When the NLU calls the
    message out of scope, only a confident search answer overrides it.
    """

    def name(self) -> str:
        return "action_search_service"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        text = tracker.latest_message.get("text") or ""
        lang = language(tracker)
        if is_blank(text):
            dispatcher.utter_message(response="utter_empty_message")
            return [SlotSet("search_result", "no_service")]
        aspect = next((v for v in tracker.get_latest_entity_values("aspect") if v in ASPECTS), None) \
            or detect_aspect(text)
        s = searcher()
        current = s.catalog.get(tracker.get_slot("service_id") or "")
        # A button payload ('/ask_service{"aspect":"fees"}') names no service: it asks about the current one.
        names_a_service = not text.startswith("/") and bool(service_words(text))
        if aspect and not names_a_service:
            if current is None:
                dispatcher.utter_message(response="utter_ask_which_service")
                return [SlotSet("search_result", "no_service")]
            return self.answer(dispatcher, current, aspect, lang)
        switched = self.other_body(tracker, text, current, s) if current is not None else None
        if switched is not None:  # "and what about the Kahramaa one?": the same kind, that body's
            return self.answer(dispatcher, switched, aspect, lang)
        result = s.search(text, k=MAX_CHOICES)
        if (tracker.latest_message.get("intent") or {}).get("name") == "out_of_scope" and result.decision != "answer":
            # The NLU and search both doubt it is ours: decline, without a clarification.
            dispatcher.utter_message(response="utter_out_of_scope")
            return [SlotSet("search_result", "no_service")]
        if result.decision == "answer":  # "how do I renew my RP" asks for the card, which leads with the steps
            return self.answer(dispatcher, result.hits[0].service, None if aspect == "steps" else aspect, lang)
        if result.decision == "clarify":  # only the candidates that are genuinely close
            buttons = [{"title": h.service.name(lang), "payload": choose_payload(h.service.id)}
                       for h in result.options[:MAX_CHOICES]]
            dispatcher.utter_message(response="utter_clarify", buttons=buttons)
            return [SlotSet("search_result", "ambiguous")]
        if aspect and current is not None:  # "and the fees for my wife?": still the current service
            return self.answer(dispatcher, current, aspect, lang)
        failures = float(tracker.get_slot("failed_searches") or 0) + 1
        if failures >= FAILURES_BEFORE_HANDOFF:
            return [SlotSet("search_result", "repeated_failure"), SlotSet("failed_searches", 0.0)]
        return [SlotSet("search_result", "not_found"), SlotSet("failed_searches", failures)]

    @staticmethod
    def other_body(tracker: Tracker, text: str, current: Service, s) -> Service | None:
        """A follow-up that names only a body or department (the NLU's `body` entity, or
        search's own reading of the text) asks for that body's service like the current one."""
        bodies = [(e.get("value"), e.get("start"), e.get("end")) for e in tracker.latest_message.get("entities") or []
                  if e.get("entity") == "body"] or [(f.id, f.start, f.end) for f in s.entities(text) if f.type == "body"]
        if len(bodies) != 1 or not isinstance(bodies[0][1], int) or not isinstance(bodies[0][2], int):
            return None
        body, start, end = bodies[0]
        if service_words(text[:start] + " " + text[end:]):
            return None  # the message names a service of its own: search it
        return s.same_kind(current, str(body))

    @staticmethod
    def answer(dispatcher: CollectingDispatcher, service: Service, aspect: str | None, lang: str) -> list[dict]:
        response = response_for(aspect, service)
        extra = {"json_message": card_payload(service, lang)} if response == "utter_service_card" else {}
        dispatcher.utter_message(response=response, **extra, **card_values(service, lang))
        return [SlotSet("service_id", service.id), SlotSet("search_result", "found"), SlotSet("failed_searches", 0.0)]
