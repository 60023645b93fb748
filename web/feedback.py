"""Public feedback from the widget (thumbs up/down per answer, an optional comment).

Public means closed by default in every other way: at most RATE_LIMIT bodies per client
address a minute (429), the body read by us (400 for anything that is not a small JSON
object, however deep or odd), each field checked strictly (400 naming it), unknown fields
refused, and the texts stored redacted (the store redacts)."""
from __future__ import annotations

import asyncio
import json
import re
from typing import Any

from sanic import Blueprint, Request, response

from knowledge.conversations.feedback import MAX_COMMENT, MAX_MESSAGE
from knowledge.ratelimit import RateLimiter
from web.stores import stores

feedback = Blueprint("feedback")
CORS = {"Access-Control-Allow-Origin": "*"}

RATE_LIMIT = 20  # feedback bodies per client address ...
RATE_WINDOW = 60.0  # ... per minute
SERVICE_ID = re.compile(r"[a-z0-9-]{1,80}")  # the catalog's ids
CONVERSATION_ID = re.compile(r"[A-Za-z0-9_.:@-]{1,128}")  # the chat channel's sender ids
FIELDS = ("conversation_id", "rating", "message", "comment", "service_id")


limiter = RateLimiter(RATE_LIMIT, RATE_WINDOW)


class Invalid(ValueError):
    pass


def _text(body: dict, name: str, limit: int) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise Invalid(f"'{name}' must be text of at most {limit} characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise Invalid(f"'{name}' must be valid Unicode text (no lone surrogates)") from None
    return value


def validate(raw: bytes) -> dict[str, Any]:
    """The feedback in `raw`, checked; Invalid (its message names the field) otherwise."""
    try:
        body = json.loads(raw)
    except RecursionError:
        raise Invalid("the body is nested too deeply") from None
    except (ValueError, UnicodeDecodeError):  # not JSON, not UTF-8, an integer of 4300+ digits
        raise Invalid("the body must be a JSON object") from None
    if not isinstance(body, dict):
        raise Invalid("the body must be a JSON object")
    unknown = sorted(k for k in body if k not in FIELDS)
    if unknown:
        raise Invalid(f"unknown field {unknown[0]!r}: expected {', '.join(FIELDS)}")
    conversation_id = body.get("conversation_id")
    if not isinstance(conversation_id, str) or not CONVERSATION_ID.fullmatch(conversation_id):
        raise Invalid("'conversation_id' must be 1 to 128 characters from A-Z a-z 0-9 _ . : @ -")
    rating = body.get("rating")
    if type(rating) is not int or rating not in (-1, 1):  # not True, not 1.0, not "1", not 1e999
        raise Invalid("'rating' must be the integer 1 (helpful) or -1 (not helpful)")
    service_id = body.get("service_id")
    if service_id is not None and (not isinstance(service_id, str) or not SERVICE_ID.fullmatch(service_id)):
        raise Invalid("'service_id' must be null or a catalog id: 1 to 80 characters from a-z 0-9 -")
    return {"conversation_id": conversation_id, "rating": rating, "service_id": service_id,
            "message": _text(body, "message", MAX_MESSAGE) or "", "comment": _text(body, "comment", MAX_COMMENT) or None}


def _error(message: str, status: int, headers: dict | None = None):
    return response.json({"error": message}, status=status, headers={**CORS, **(headers or {})})


@feedback.post("/api/feedback")
async def add_feedback(request: Request):
    if not limiter.allow(str(request.remote_addr or request.ip)):
        return _error(f"too many feedback requests: at most {RATE_LIMIT} a minute", 429,
                      {"Retry-After": str(limiter.retry_after())})
    if request.query_string:
        return _error("/api/feedback takes no query parameters: send the feedback as a JSON body", 400)
    try:
        fb = validate(request.body)
    except Invalid as exc:
        return _error(str(exc), 400)
    # SQLite writes block: off the event loop.
    fid = await asyncio.to_thread(stores()[1].add, **fb)
    return response.json({"id": fid}, status=201, headers=CORS)


@feedback.options("/api/feedback")
async def feedback_preflight(request: Request):
    return response.empty(headers={**CORS, "Access-Control-Allow-Methods": "POST",
                                   "Access-Control-Allow-Headers": "Content-Type"})
