"""Small helpers shared by the actions: the conversation language and the searcher."""
from __future__ import annotations

from rasa_sdk import Tracker

from knowledge.search import Searcher, default_searcher

LANGUAGES = ("ar", "en")


def language(tracker: Tracker) -> str:
    lang = tracker.get_slot("language")
    return lang if lang in LANGUAGES else "ar"


def searcher() -> Searcher:
    """The process-wide searcher; loaded on first use so the server starts fast."""
    return default_searcher()


def choose_payload(service_id: str) -> str:
    return '/choose_service{"service_id":"%s"}' % service_id
