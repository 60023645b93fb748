from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import language, searcher
from knowledge.present import card_values

# A follow-up that names another service clearly ("and the fees for a driving licence?")
# switches to it; a bare "how much?" keeps the service in the slot. "Clearly" means
# this far above the confidence threshold.
SWITCH_MARGIN = 0.1


class ActionServiceDetail(Action):
    """Answer a follow-up (documents, fees, steps, channel, time, eligibility) about the
    service in the `service_id` slot, or about a service the question itself names."""

    def name(self) -> str:
        return "action_service_detail"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        lang = language(tracker)
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        s = searcher()
        service = s.catalog.get(tracker.get_slot("service_id") or "")
        text = tracker.latest_message.get("text") or ""
        if text and not text.startswith("/"):
            result = s.search(text, k=1)
            threshold = s.params["hybrid"]["threshold"]
            if result.hits and result.confident and (service is None or result.hits[0].score >= threshold + SWITCH_MARGIN):
                service = result.hits[0].service
        if service is None:
            dispatcher.utter_message(response="utter_ask_which_service")
            return [SlotSet("search_result", "no_service")]
        values = card_values(service, lang)
        dispatcher.utter_message(response=self.response_for(intent, service), **values)
        return [SlotSet("service_id", service.id), SlotSet("search_result", "found")]

    @staticmethod
    def response_for(intent: str | None, service) -> str:
        if intent == "ask_documents":
            return "utter_service_documents" if service.documents_en else "utter_service_no_documents"
        if intent == "ask_processing_time":
            return "utter_service_processing_time" if service.processing_time_en else "utter_processing_time_unknown"
        return {
            "ask_fees": "utter_service_fees",
            "ask_steps": "utter_service_steps",
            "ask_channel": "utter_service_channels",
            "ask_eligibility": "utter_service_eligibility",
        }.get(intent or "", "utter_service_card")
