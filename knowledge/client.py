"""A client for the running Rasa server: send a message, read what the bot understood."""
from __future__ import annotations

from functools import lru_cache

import requests

from knowledge.catalog import Catalog, load_catalog
from knowledge.config import settings


@lru_cache(maxsize=1)
def _catalog() -> Catalog:
    # Loaded once per process: `dalil chat` asks many times and validation is not free.
    return load_catalog(strict=False)


class BotUnavailable(Exception):
    pass


def _refusal(r: requests.Response, base: str) -> str | None:
    """What to tell the person when the bot answered but refused: the server's own words for
    a rate limit, the token to set for a 401. None for anything else."""
    if r.status_code == 429:
        try:
            said = " ".join(m.get("text") or "" for m in r.json()).strip()
        except (ValueError, AttributeError):
            said = ""
        return f"the bot at {base} refused the message: too many messages (429). {said}".strip()
    if r.status_code in (401, 403):
        return (f"the bot at {base} refused the request ({r.status_code}): its API needs the token; "
                "set DALIL_RASA_TOKEN (the stack keeps it in $DALIL_VAR_DIR/secrets/dalil_rasa_token)")
    return None


def _params() -> dict:
    token = settings().rasa_token
    return {"token": token} if token else {}


def ask(text: str, sender: str = "dalil-cli", url: str | None = None, timeout: float = 30.0) -> dict:
    """Send `text` through the REST channel; return the DESIGN.md `dalil ask --json` object."""
    base = (url or settings().rasa_url).rstrip("/")
    try:
        r = requests.post(f"{base}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=timeout)
        if (refused := _refusal(r, base)) is not None:
            raise BotUnavailable(refused)
        r.raise_for_status()
        replies = r.json()
        t = requests.get(f"{base}/conversations/{sender}/tracker", params=_params(), timeout=timeout)
        if (refused := _refusal(t, base)) is not None:
            raise BotUnavailable(refused)
        t.raise_for_status()
        tracker = t.json()
    except requests.RequestException as exc:
        raise BotUnavailable(f"the bot at {base} did not answer ({exc}); start it with `make run`") from exc
    slots = tracker.get("slots", {})
    intent = (tracker.get("latest_message") or {}).get("intent", {}).get("name")
    service = None
    sid = slots.get("service_id")
    if sid:
        s = _catalog().get(sid)
        service = {"id": sid, "name_en": s.name_en if s else None, "name_ar": s.name_ar if s else None}
    return {
        "language": slots.get("language"),
        "intent": intent,
        "service": service,
        "replies": [{"text": m.get("text"), "buttons": m.get("buttons", [])} for m in replies],
    }
