from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import choose_payload, language, searcher
from knowledge.catalog.present import card_payload, card_values
from knowledge.text import is_blank

MAX_CHOICES = 3
FAILURES_BEFORE_HANDOFF = 2


class ActionSearchService(Action):
    """Find the service a free question is about; set `search_result` for the rules.

    found -> the service card; ambiguous -> up to three buttons; not_found -> the rules
    apologise; repeated_failure (second miss in a row) -> the rules hand over.
    """

    def name(self) -> str:
        return "action_search_service"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        text = tracker.latest_message.get("text") or ""
        lang = language(tracker)
        if is_blank(text):
            dispatcher.utter_message(response="utter_empty_message")
            return [SlotSet("search_result", "no_service")]
        result = searcher().search(text, k=MAX_CHOICES)
        if result.decision == "answer":
            service = result.hits[0].service
            dispatcher.utter_message(response="utter_service_card", json_message=card_payload(service, lang),
                                     **card_values(service, lang))
            return [SlotSet("service_id", service.id), SlotSet("search_result", "found"),
                    SlotSet("failed_searches", 0.0)]
        if result.decision == "clarify":  # only the candidates that are genuinely close
            buttons = [{"title": h.service.name(lang), "payload": choose_payload(h.service.id)}
                       for h in result.options[:MAX_CHOICES]]
            dispatcher.utter_message(response="utter_clarify", buttons=buttons)
            return [SlotSet("search_result", "ambiguous")]
        failures = float(tracker.get_slot("failed_searches") or 0) + 1
        if failures >= FAILURES_BEFORE_HANDOFF:
            return [SlotSet("search_result", "repeated_failure"), SlotSet("failed_searches", 0.0)]
        return [SlotSet("search_result", "not_found"), SlotSet("failed_searches", failures)]
