"""Live takeover: an agent takes a handed-over conversation, talks with the citizen, inserts
service cards, hands it back to the bot or closes it.

- The console's side (behind the agent's token): take, read the conversation (the tracker,
  through Rasa's API), send a text or a card, hand back, close. One agent per conversation:
  anyone else gets 409 naming who holds it.
- The widget's side (public): POST /api/live with the conversation id the widget already
  has (its sender id, 128 random bits: the id is the secret, so only such random ids are
  served) answers whether a person is on the conversation and the agent's messages since
  the last one the widget has.
Pausing and resuming are Rasa's own events appended to the tracker, so while an agent holds
a conversation the citizen's messages reach the tracker (and the agent) and the bot is quiet."""
from __future__ import annotations

import asyncio
import json
import re
from typing import Any

from sanic import Blueprint, Request, response

from knowledge.catalog.present import card_payload
from knowledge.conversations.live import MAX_TEXT, LiveError, TakenByOther
from knowledge.conversations.privacy import redact
from knowledge.ratelimit import RateLimiter
from web import rasa_api
from web.agent_api import HANDOFF_REF, SERVICE_ID, BadRequest, _args, _error, _int_arg, _refuse_args, _searcher
from web.stores import live_store, stores

live = Blueprint("live")
CORS = {"Access-Control-Allow-Origin": "*"}
# The widget's conversation ids that may poll: the widget's 32 hex digits, or a socket.io
# session id the server signed (32 hex, a dot, 32 hex). Short or chosen ids are refused:
# anyone could guess them.
SECRET_ID = re.compile(r"[0-9a-f]{32}(?:\.[0-9a-f]{32})?")
POLL_LIMIT = 150  # widget polls per client address a minute (one a second, and some to spare)
AGENT_WRITES = 60  # messages, cards, takes per agent a minute
MAX_AFTER = 2 ** 53

poll_limiter = RateLimiter(POLL_LIMIT, 60.0)
write_limiter = RateLimiter(AGENT_WRITES, 60.0)


def _agent(request: Request) -> str:
    return str(request.ctx.agent)  # set by the token check (web/server.py)


def _conflict(exc: LiveError):
    body: dict[str, Any] = {"error": str(exc)}
    if isinstance(exc, TakenByOther):
        body["agent"] = exc.agent
    return response.json(body, status=exc.status, ensure_ascii=False)


def _json_body(request: Request) -> Any:
    try:
        return json.loads(request.body)
    except RecursionError:
        raise BadRequest("the body is nested too deeply") from None
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("the body must be a JSON object") from None


def _checked(request: Request, ref: str):
    """400 / 404 / 429 for a request on handoff `ref`, or None when it may go on."""
    if (problem := _refuse_args(request)) is not None:
        return problem
    if not HANDOFF_REF.fullmatch(ref):
        return _error(f"no handoff {ref!r}", 404)
    if request.method == "POST" and not write_limiter.allow(_agent(request)):
        return _error(f"too many changes: at most {AGENT_WRITES} a minute", 429)
    return None


@live.get("/api/me")
async def me(request: Request):
    if (problem := _refuse_args(request)) is not None:
        return problem
    return response.json({"name": _agent(request)}, ensure_ascii=False)


@live.post("/api/handoffs/<ref:str>/take")
async def take(request: Request, ref: str):
    if (problem := _checked(request, ref)) is not None:
        return problem
    agent, store = _agent(request), live_store()
    try:
        handoff = await asyncio.to_thread(store.take, ref, agent)
    except LiveError as exc:
        return _conflict(exc)
    try:
        await rasa_api.pause(handoff["conversation_id"])
    except rasa_api.RasaUnavailable as exc:
        await asyncio.to_thread(store.untake, ref, agent)  # the bot still answers: the take did not happen
        return _error(f"could not pause the bot: {exc}", 502)
    return response.json(await asyncio.to_thread(stores()[0].get, ref), ensure_ascii=False)


@live.get("/api/handoffs/<ref:str>/conversation")
async def conversation(request: Request, ref: str):
    """The handoff and the whole conversation from the tracker (redacted), for the console."""
    if (problem := _checked(request, ref)) is not None:
        return problem
    handoff = await asyncio.to_thread(stores()[0].get, ref)
    if handoff is None:
        return _error(f"no handoff {ref!r}", 404)
    try:
        turns = await rasa_api.transcript(handoff["conversation_id"])
    except rasa_api.RasaUnavailable as exc:
        return _error(f"could not read the conversation: {exc}", 502)
    return response.json({"handoff": handoff, "turns": turns}, ensure_ascii=False)


@live.post("/api/handoffs/<ref:str>/messages")
async def send(request: Request, ref: str):
    """The holding agent's text ({"text"}) or a service card ({"service_id"}) to the citizen."""
    if (problem := _checked(request, ref)) is not None:
        return problem
    try:
        body = _json_body(request)
    except BadRequest as exc:
        return _error(str(exc))
    ok_text = isinstance(body, dict) and set(body) == {"text"} and isinstance(body["text"], str) \
        and 1 <= len(body["text"]) <= MAX_TEXT and body["text"].strip()
    ok_card = isinstance(body, dict) and set(body) == {"service_id"} and isinstance(body["service_id"], str) \
        and SERVICE_ID.fullmatch(body["service_id"])
    if not ok_text and not ok_card:
        return _error(f'the body must be {{"text": 1-{MAX_TEXT} characters}} or {{"service_id": a catalog id}}')
    try:
        body["text" if ok_text else "service_id"].encode("utf-8")
    except UnicodeEncodeError:
        return _error("the text must be valid Unicode text")
    agent, store = _agent(request), live_store()
    try:
        handoff = await asyncio.to_thread(store.check_holder, ref, agent)
    except LiveError as exc:
        return _conflict(exc)
    if ok_card:
        svc = (await asyncio.to_thread(_searcher)).catalog.get(body["service_id"])
        if svc is None:
            return _error(f"no service {body['service_id']!r}", 404)
        # Both languages: the widget shows the one the citizen reads now.
        card: dict | None = {"type": "service_card", "id": svc.id, "ar": card_payload(svc, "ar"),
                             "en": card_payload(svc, "en")}
        lang = "en" if handoff["language"] == "en" else "ar"
        said, record = None, card_payload(svc, lang)
        text = svc.name(lang)
    else:
        card, record = None, None
        said = text = redact(body["text"].strip())
    try:
        await rasa_api.agent_said(handoff["conversation_id"], agent, text, record)
    except rasa_api.RasaUnavailable as exc:
        return _error(f"could not record the message: {exc}", 502)
    try:
        sent = await asyncio.to_thread(store.say, ref, agent, said, card)
    except LiveError as exc:
        return _conflict(exc)
    return response.json(sent, status=201, ensure_ascii=False)


async def _finish(request: Request, ref: str, how: str):
    if (problem := _checked(request, ref)) is not None:
        return problem
    agent, store = _agent(request), live_store()
    try:
        handoff = await asyncio.to_thread(store.check_holder, ref, agent)
        await rasa_api.resume(handoff["conversation_id"])
        await asyncio.to_thread(store.finish, ref, agent, how)
    except LiveError as exc:
        return _conflict(exc)
    except rasa_api.RasaUnavailable as exc:
        return _error(f"could not resume the bot: {exc}", 502)
    return response.json(await asyncio.to_thread(stores()[0].get, ref), ensure_ascii=False)


@live.post("/api/handoffs/<ref:str>/handback")
async def handback(request: Request, ref: str):
    """The bot answers the conversation again; the citizen's widget says so."""
    return await _finish(request, ref, "handed_back")


@live.post("/api/handoffs/<ref:str>/close")
async def close(request: Request, ref: str):
    """The agent ends the conversation; the bot answers any new question."""
    return await _finish(request, ref, "closed")


@live.get("/api/audit")
async def audit(request: Request):
    """Who took, answered, handed back and closed which conversation, when (oldest first)."""
    from knowledge.config import settings
    from knowledge.conversations.agents import audit_log

    try:
        args = _args(request, "handoff", "limit", "offset")
        limit = _int_arg(args, "limit", 50, 1, 200)
        offset = _int_arg(args, "offset", 0, 0, 1_000_000_000)
        refs = args.getlist("handoff") if "handoff" in args else []
        if len(refs) > 1 or (refs and not HANDOFF_REF.fullmatch(refs[0])):
            raise BadRequest("handoff must be one handoff reference (8 characters 0-9 A-F)")
    except BadRequest as exc:
        return _error(str(exc))
    rows = await asyncio.to_thread(audit_log, settings().db_path, refs[0] if refs else None, limit, offset)
    return response.json({"audit": rows, "limit": limit, "offset": offset}, ensure_ascii=False)


# --- the widget's side (public) -------------------------------------------------------------

def _public_error(message: str, status: int, headers: dict | None = None):
    return response.json({"error": message}, status=status, headers={**CORS, **(headers or {})})


@live.post("/api/live")
async def poll(request: Request):
    """{"conversation_id", "after"} -> whether a person is on the conversation, and the agent's
    messages with an id above `after`."""
    if not poll_limiter.allow(str(request.remote_addr or request.ip)):
        return _public_error(f"too many requests: at most {POLL_LIMIT} a minute", 429,
                             {"Retry-After": str(poll_limiter.retry_after())})
    if request.query_string:
        return _public_error("/api/live takes no query parameters: send a JSON body", 400)
    try:
        body = _json_body(request)
    except BadRequest as exc:
        return _public_error(str(exc), 400)
    if not isinstance(body, dict) or set(body) - {"conversation_id", "after"}:
        return _public_error('the body must be {"conversation_id": ..., "after": a message id}', 400)
    cid, after = body.get("conversation_id"), body.get("after", 0)
    if not isinstance(cid, str) or not SECRET_ID.fullmatch(cid):
        return _public_error("'conversation_id' must be the widget's conversation id (32 hex digits)", 400)
    if type(after) is not int or not 0 <= after <= MAX_AFTER:
        return _public_error(f"'after' must be an integer from 0 to {MAX_AFTER}", 400)
    store = live_store()

    def read() -> tuple[tuple[str, str | None], list[dict]]:
        return store.state(cid), store.messages(cid, after)

    (state, agent), messages = await asyncio.to_thread(read)
    return response.json({"state": state, "agent": agent, "messages": messages}, headers=CORS, ensure_ascii=False)


@live.options("/api/live")
async def poll_preflight(request: Request):
    # Max-Age: the widget polls every second; the browser asks once every ten minutes.
    return response.empty(headers={**CORS, "Access-Control-Allow-Methods": "POST",
                                   "Access-Control-Allow-Headers": "Content-Type", "Access-Control-Max-Age": "600"})
