from __future__ import annotations

from collections import Counter
from functools import lru_cache
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import language, searcher
from knowledge.catalog.present import card_values
from knowledge.config import settings
from knowledge.maintain.nlu_data import nlu_examples
from knowledge.text import tokenize

FOLLOW_UP_INTENTS = {"ask_documents", "ask_fees", "ask_steps", "ask_channel", "ask_processing_time", "ask_eligibility"}


@lru_cache(maxsize=1)
def follow_up_words() -> frozenset[str]:
    """Words of generic follow-ups ("what documents do I need", "كم الرسوم"), learned from
    the NLU examples of the follow-up intents: a word in 3+ of them names no service."""
    counts = Counter(t for text in nlu_examples(settings().nlu_dir, FOLLOW_UP_INTENTS) for t in set(tokenize(text)))
    return frozenset(t for t, n in counts.items() if n >= 3)


def service_words(text: str) -> str:
    """What is left of a follow-up once its generic words are removed."""
    generic = follow_up_words()
    return " ".join(t for t in tokenize(text) if t not in generic)


class ActionServiceDetail(Action):
    """Answer a follow-up (documents, fees, steps, channel, time, eligibility) about the
    service in the `service_id` slot, or about another service the question names."""

    def name(self) -> str:
        return "action_service_detail"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        lang = language(tracker)
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        s = searcher()
        service = s.catalog.get(tracker.get_slot("service_id") or "")
        text = tracker.latest_message.get("text") or ""
        rest = service_words(text) if not text.startswith("/") else ""
        if rest:
            result = s.search(rest, k=1)
            if result.confident:
                service = result.hits[0].service
        if service is None:
            dispatcher.utter_message(response="utter_ask_which_service")
            return [SlotSet("search_result", "no_service")]
        dispatcher.utter_message(response=self.response_for(intent, service), **card_values(service, lang))
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
