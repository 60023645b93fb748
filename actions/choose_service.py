from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import language, searcher
from knowledge.catalog.present import card_payload, card_values


class ActionChooseService(Action):
    """The user picked a service from the clarifying buttons: show its card."""

    def name(self) -> str:
        return "action_choose_service"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        service_id = next(tracker.get_latest_entity_values("service_id"), None)
        service = searcher().catalog.get(service_id) if service_id else None
        if service is None:
            dispatcher.utter_message(response="utter_ask_which_service")
            return [SlotSet("search_result", "no_service")]
        lang = language(tracker)
        dispatcher.utter_message(response="utter_service_card", json_message=card_payload(service, lang),
                                 **card_values(service, lang))
        return [SlotSet("service_id", service.id), SlotSet("search_result", "found"), SlotSet("failed_searches", 0.0)]
