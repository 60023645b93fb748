"""Sanic app: widget files and demo page (public, web/pages.py), feedback (public,
web/feedback.py), agent console API (token, web/agent_api.py). `python -m web.server --port 8080`."""
from __future__ import annotations

import argparse
import hmac
import logging

from sanic import Request, Sanic, response
from sanic.exceptions import SanicException

from knowledge.config import settings
from web.agent_api import agent_api
from web.feedback import feedback
from web.pages import pages

PUBLIC_API = ("/api/feedback",)
MAX_BODY = 64 * 1024  # feedback and API bodies are small
logger = logging.getLogger("dalil.web")


def authorized(request: Request) -> bool:
    token = settings().console_token
    if not token:
        return False  # no token configured: the API refuses every request
    header = request.headers.get("authorization", "")
    given = header[7:] if header.lower().startswith("bearer ") else ""
    return hmac.compare_digest(given.encode(), token.encode())


async def require_token(request: Request):
    if request.path.startswith("/api/") and request.path not in PUBLIC_API and not authorized(request):
        return response.json({"error": "unauthorized: send the console token as 'Authorization: Bearer <token>'"},
                             status=401, headers={"WWW-Authenticate": "Bearer"})


async def security_headers(request: Request, resp):
    resp.headers.setdefault("X-Content-Type-Options", "nosniff")
    resp.headers.setdefault("Referrer-Policy", "no-referrer")
    if request.path in ("/console", "/demo"):
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
    for bp in (pages, feedback, agent_api):
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
