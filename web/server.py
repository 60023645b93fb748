"""Sanic app: widget files and demo page (public, web/pages.py), feedback (public,
web/feedback.py), agent console API (token, web/agent_api.py), live takeover (web/live.py:
the console's side behind a token, the widget's poll public). `python -m web.server --port 8080`."""
from __future__ import annotations

import argparse
import asyncio
import hmac
import logging

from sanic import Request, Sanic, response
from sanic.exceptions import SanicException

from knowledge.config import settings
from knowledge.conversations.agents import ADMIN, TOKEN
from knowledge.ratelimit import RateLimiter
from web.agent_api import agent_api
from web.analytics import analytics
from web.conversations import conversations
from web.feedback import feedback
from web.live import live
from web.pages import pages
from web.stores import agent_store

PUBLIC_API = ("/api/feedback", "/api/live")
MAX_BODY = 64 * 1024  # feedback and API bodies are small
# Agent tokens checked afresh (not from the minute's cache), per address a minute: each
# check costs a scrypt, so a flood of made-up tokens is refused before it costs anything.
# A whole call center behind one address checks each agent's token once a minute.
TOKEN_CHECKS = 120
logger = logging.getLogger("dalil.web")
token_checks = RateLimiter(TOKEN_CHECKS, 60.0)


class TooManyChecks(Exception):
    pass


def _admin(given: str) -> bool:
    token = settings().console_token
    # No console token configured: it matches nothing (an empty header must not match it).
    return bool(token) and hmac.compare_digest(given.encode(), str(token).encode())


async def who(request: Request) -> str | None:
    """Who the bearer token speaks for: an agent's name, ADMIN for the shared console token,
    or None. TooManyChecks when this address has made too many fresh checks this minute."""
    header = request.headers.get("authorization", "")
    given = header[7:] if header.lower().startswith("bearer ") else ""
    if not given:
        return None
    if _admin(given):
        return ADMIN
    if not TOKEN.fullmatch(given):
        return None
    store = agent_store()
    name = store.cached(given)
    if name is not None:
        return name
    if not token_checks.allow(str(request.remote_addr or request.ip)):
        raise TooManyChecks
    return await asyncio.to_thread(store.verify, given)  # scrypt: off the event loop


async def require_token(request: Request):
    if not request.path.startswith("/api/") or request.path in PUBLIC_API:
        return None
    try:
        request.ctx.agent = await who(request)
    except TooManyChecks:
        return response.json({"error": f"too many token checks from this address: at most {TOKEN_CHECKS} a minute"},
                             status=429, headers={"Retry-After": str(token_checks.retry_after())})
    if request.ctx.agent is None:
        return response.json({"error": "unauthorized: send your agent token (or the console token) as "
                                       "'Authorization: Bearer <token>'"},
                             status=401, headers={"WWW-Authenticate": "Bearer"})
    return None


async def security_headers(request: Request, resp):
    resp.headers.setdefault("X-Content-Type-Options", "nosniff")
    resp.headers.setdefault("Referrer-Policy", "no-referrer")
    if request.path in ("/console", "/demo", "/analytics"):
        resp.headers.setdefault("X-Frame-Options", "DENY")
    if request.path.startswith("/api/"):
        resp.headers.setdefault("Cache-Control", "no-store")  # handoffs hold conversations


async def api_errors(request: Request, exc: Exception):
    """Errors Sanic raises itself (413, 405, 404 of an unknown route, a body it cannot read)
    answer like every API error, {"error": ...}; anything unexpected is a 500 without details."""
    if isinstance(exc, SanicException):
        status = exc.status_code
        message = str(exc) or "error"
    else:
        logger.exception("unexpected error on %s %s", request.method, request.path)
        status, message = 500, "internal error"
    headers = {"Access-Control-Allow-Origin": "*"} if request.path in PUBLIC_API else {}
    if isinstance(exc, SanicException) and exc.headers:
        headers.update(exc.headers)  # Allow on a 405
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return response.json({"error": message}, status=status, headers=headers)


async def default_errors(request: Request, exc: Exception):
    if request.path.startswith("/api/"):
        return await api_errors(request, exc)
    return request.app.error_handler.default(request, exc)


def create_app(name: str = "dalil-web") -> Sanic:
    app = Sanic(name)
    app.config.REQUEST_MAX_SIZE = MAX_BODY
    app.error_handler.add(Exception, default_errors)
    app.on_request(require_token)
    app.on_response(security_headers)
    for bp in (pages, feedback, agent_api, live, analytics, conversations):
        app.blueprint(bp)
    return app


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8080)
    args = ap.parse_args()
    create_app().run(host=args.host, port=args.port, single_process=True, access_log=False, motd=False)


if __name__ == "__main__":
    main()
