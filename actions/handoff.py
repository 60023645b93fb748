from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import language
from knowledge.config import settings
from knowledge.conversations.handoffs import HandoffStore


def transcript(tracker: Tracker) -> list[dict]:
    """What the user and the bot said, in order, for the agent who takes over."""
    out = []
    for e in tracker.events:
        if e.get("event") in ("user", "bot") and e.get("text"):
            out.append({"role": e["event"], "text": e["text"], "timestamp": e.get("timestamp")})
    return out


class ActionHandoff(Action):
    """Record the conversation for Contact Center agents and tell the user what happens next."""

    def name(self) -> str:
        return "action_handoff"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        reason = "user_request" if intent == "request_human" else "repeated_failure"
        ref = HandoffStore(settings().db_path).create(
            conversation_id=tracker.sender_id, language=language(tracker),
            service_id=tracker.get_slot("service_id"), reason=reason, transcript=transcript(tracker))
        # The custom part tells the web widget to start asking whether an agent has joined.
        dispatcher.utter_message(response="utter_handoff", reference=ref,
                                 json_message={"type": "handoff", "reference": ref})
        return [SlotSet("failed_searches", 0.0)]
