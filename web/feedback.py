"""Public feedback from the widget (thumbs up/down per answer)."""
from __future__ import annotations

import asyncio

from sanic import Blueprint, Request, response

from web.stores import stores

feedback = Blueprint("feedback")
CORS = {"Access-Control-Allow-Origin": "*"}


@feedback.post("/api/feedback")
async def add_feedback(request: Request):
    body = request.json if isinstance(request.json, dict) else None
    if body is None:
        return response.json({"error": "expected a JSON object"}, status=400)
    try:
        # SQLite writes block: off the event loop.
        fid = await asyncio.to_thread(stores()[1].add, str(body.get("conversation_id", "")), str(body.get("message", "")),
                                      int(body.get("rating", 0)), body.get("service_id") or None)
    except (TypeError, ValueError) as exc:
        return response.json({"error": str(exc)}, status=400)
    return response.json({"id": fid}, status=201, headers=CORS)


@feedback.options("/api/feedback")
async def feedback_preflight(request: Request):
    return response.empty(headers={**CORS, "Access-Control-Allow-Methods": "POST",
                                   "Access-Control-Allow-Headers": "Content-Type"})
