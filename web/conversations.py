"""Past conversations for agents (behind the token): search and page through them by date,
language and outcome, read one, export one (redacted JSON). knowledge/conversations/history.py
does the reading."""
from __future__ import annotations

import asyncio
import json
import re
from urllib.parse import unquote

from sanic import Blueprint, Request, response

from knowledge.config import settings
from knowledge.conversations import history
from knowledge.conversations.analytics import OUTCOMES
from web.agent_api import MAX_OFFSET, BadRequest, _args, _error, _int_arg, _refuse_args
from web.analytics import date_range

conversations = Blueprint("conversations")
CONVERSATION_ID = re.compile(r"[A-Za-z0-9_.:@-]{1,128}")  # the channels' sender ids
PAGE, MAX_PAGE = 20, 100


def _one_of(args, name: str, allowed: tuple[str, ...]) -> str | None:
    values = args.getlist(name) if name in args else []
    if not values:
        return None
    if len(values) > 1 or values[0] not in allowed:
        raise BadRequest(f"{name} must be one of {', '.join(allowed)}")
    return str(values[0])


@conversations.get("/api/conversations")
async def find(request: Request):
    try:
        args = _args(request, "since", "until", "language", "outcome", "limit", "offset")
        since, until = date_range(args)
        language = _one_of(args, "language", ("ar", "en"))
        outcome = _one_of(args, "outcome", OUTCOMES)
        limit = _int_arg(args, "limit", PAGE, 1, MAX_PAGE)
        offset = _int_arg(args, "offset", 0, 0, MAX_OFFSET)
    except BadRequest as exc:
        return _error(str(exc))
    tracker = settings().var_dir / "tracker.sqlite3"
    total, page = await asyncio.to_thread(history.find, tracker, since, until, language, outcome, limit, offset)
    return response.json({"conversations": page, "total": total, "limit": limit, "offset": offset,
                          "since": since.isoformat(), "until": until.isoformat()}, ensure_ascii=False)


def _checked(request: Request, conversation_id: str):
    if (problem := _refuse_args(request)) is not None:
        return problem
    if not CONVERSATION_ID.fullmatch(conversation_id):  # (already %-decoded: see _id)
        return _error("conversation_id must be 1 to 128 characters from A-Z a-z 0-9 _ . : @ -")
    return None


@conversations.get("/api/conversations/<conversation_id:str>")
async def read(request: Request, conversation_id: str):
    conversation_id = unquote(conversation_id)  # Sanic leaves %40 and %3A in a path parameter
    if (problem := _checked(request, conversation_id)) is not None:
        return problem
    found = await asyncio.to_thread(history.conversation, settings().var_dir / "tracker.sqlite3", conversation_id)
    if found is None:
        return _error(f"no conversation {conversation_id!r}", 404)
    return response.json({"conversation_id": conversation_id, "turns": found}, ensure_ascii=False)


@conversations.get("/api/conversations/<conversation_id:str>/export")
async def export(request: Request, conversation_id: str):
    """The conversation, redacted, as a JSON file to keep (Content-Disposition: attachment)."""
    conversation_id = unquote(conversation_id)
    if (problem := _checked(request, conversation_id)) is not None:
        return problem
    doc = await asyncio.to_thread(history.export, settings().var_dir / "tracker.sqlite3", conversation_id)
    if doc is None:
        return _error(f"no conversation {conversation_id!r}", 404)
    name = re.sub(r"[^A-Za-z0-9_-]", "_", conversation_id)
    return response.raw(json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8"),
                        content_type="application/json; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="conversation-{name}.json"'})
