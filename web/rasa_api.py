"""The web server's calls to Rasa's HTTP API (behind the Rasa token): read a conversation's
tracker, append events to it (pause, an agent's message, resume). The tracker is the record
of the conversation; these calls are how a takeover is written into it."""
from __future__ import annotations

import asyncio
import time
from typing import Any
from urllib.parse import quote

import requests

from knowledge.config import settings
from knowledge.conversations.history import turns

TIMEOUT = 10.0


class RasaUnavailable(Exception):
    pass


def _call(method: str, conversation_id: str, path: str, **kwargs: Any) -> Any:
    cfg = settings()
    url = f"{cfg.rasa_url.rstrip('/')}/conversations/{quote(conversation_id, safe='')}/{path}"
    params = {**kwargs.pop("params", {}), **({"token": cfg.rasa_token} if cfg.rasa_token else {})}
    try:
        r = requests.request(method, url, params=params, timeout=TIMEOUT, **kwargs)
    except requests.RequestException as exc:
        raise RasaUnavailable(f"the bot server did not answer ({type(exc).__name__})") from None
    if r.status_code != 200:
        raise RasaUnavailable(f"the bot server answered {r.status_code}")
    return r.json()


async def append(conversation_id: str, events: list[dict], deliver: bool = False) -> None:
    """Append `events` to the conversation's tracker (Rasa answers the tracker: none of it is
    needed). `deliver`: Rasa also sends the bot utterances among them to the channel the person
    last wrote through; a socket.io client gets them pushed (for the REST widget this sends
    nothing: it fetches them from /api/live)."""
    params = {"include_events": "NONE", **({"output_channel": "latest", "execute_side_effects": "true"} if deliver else {})}
    await asyncio.to_thread(_call, "POST", conversation_id, "tracker/events", params=params, json=events)


async def pause(conversation_id: str) -> None:
    await append(conversation_id, [{"event": "pause", "timestamp": time.time()}])


async def resume(conversation_id: str) -> None:
    await append(conversation_id, [{"event": "resume", "timestamp": time.time()}])


async def agent_said(conversation_id: str, agent: str, text: str, card: dict | None = None) -> None:
    """An agent's message, as a bot utterance the tracker keeps with the agent's name."""
    data = {"custom": card} if card is not None else {}
    await append(conversation_id, [{"event": "bot", "text": text, "data": data, "metadata": {"agent": agent},
                                    "timestamp": time.time()}], deliver=True)


async def transcript(conversation_id: str) -> list[dict]:
    tracker = await asyncio.to_thread(_call, "GET", conversation_id, "tracker", params={"include_events": "ALL"})
    return turns(tracker.get("events") or [])
