"""Sanic app: widget files and demo page (public), feedback (public), agent console and
its API (token). `python -m web.server --port 8080`."""
from __future__ import annotations

import argparse
import hmac
from functools import lru_cache
from pathlib import Path

from sanic import Request, Sanic, response
from sanic.exceptions import NotFound

from knowledge.catalog.present import service_detail
from knowledge.config import settings
from knowledge.conversations.feedback import FeedbackStore
from knowledge.conversations.handoffs import STATUSES, HandoffStore
from web.openapi import OPENAPI

STATIC = Path(__file__).resolve().parent / "static"
MAX_QUERY = 500


def create_app(name: str = "dalil-web") -> Sanic:
    app = Sanic(name)
    app.config.REQUEST_MAX_SIZE = 64 * 1024  # feedback and API bodies are small

    @lru_cache(maxsize=1)
    def stores():
        # Opened once per process: each store runs its CREATE TABLE IF NOT EXISTS on open.
        cfg = settings()
        return HandoffStore(cfg.db_path), FeedbackStore(cfg.db_path)

    def authorized(request: Request) -> bool:
        token = settings().console_token
        if not token:
            return False
        header = request.headers.get("authorization", "")
        given = header[7:] if header.lower().startswith("bearer ") else ""
        return hmac.compare_digest(given.encode(), token.encode())

    @app.on_request
    async def require_token(request: Request):
        if request.path.startswith("/api/") and request.path != "/api/feedback" and not authorized(request):
            return response.json({"error": "unauthorized: send the console token as 'Authorization: Bearer <token>'"},
                                 status=401, headers={"WWW-Authenticate": "Bearer"})

    @app.on_response
    async def security_headers(request: Request, resp):
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("Referrer-Policy", "no-referrer")
        if request.path in ("/console", "/demo"):
            resp.headers.setdefault("X-Frame-Options", "DENY")

    # --- public pages -----------------------------------------------------------------

    @app.get("/")
    async def index(request: Request):
        return response.redirect("/demo")

    @app.get("/demo")
    async def demo(request: Request):
        html = (STATIC / "demo.html").read_text("utf-8").replace("{{RASA_URL}}", settings().public_rasa_url)
        return response.html(html)

    @app.get("/console")
    async def console(request: Request):
        return await response.file(STATIC / "console.html", mime_type="text/html; charset=utf-8")

    @app.get("/widget/<name:str>")
    async def widget_file(request: Request, name: str):
        if name not in ("dalil-widget.js", "dalil-widget.css", "console.js"):
            raise NotFound("no such file")
        mime = "text/javascript" if name.endswith(".js") else "text/css"
        return await response.file(STATIC / name, mime_type=f"{mime}; charset=utf-8",
                                   headers={"Access-Control-Allow-Origin": "*"})

    @app.get("/health")
    async def health(request: Request):
        return response.json({"status": "ok"})

    @app.post("/api/feedback")
    async def feedback(request: Request):
        body = request.json if isinstance(request.json, dict) else None
        if body is None:
            return response.json({"error": "expected a JSON object"}, status=400)
        try:
            fid = stores()[1].add(str(body.get("conversation_id", "")), str(body.get("message", "")),
                                  int(body.get("rating", 0)), body.get("service_id") or None)
        except (TypeError, ValueError) as exc:
            return response.json({"error": str(exc)}, status=400)
        return response.json({"id": fid}, status=201, headers={"Access-Control-Allow-Origin": "*"})

    @app.options("/api/feedback")
    async def feedback_preflight(request: Request):
        return response.empty(headers={"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "POST",
                                       "Access-Control-Allow-Headers": "Content-Type"})

    # --- agent API (token) -------------------------------------------------------------

    @app.get("/api/openapi.json")
    async def openapi(request: Request):
        return response.json(OPENAPI)

    @app.get("/api/search")
    async def search(request: Request):
        from knowledge.search import default_searcher

        q = (request.args.get("q") or "").strip()
        if not q or len(q) > MAX_QUERY:
            return response.json({"error": f"q must be 1-{MAX_QUERY} characters"}, status=400)
        try:
            k = int(request.args.get("k", "10"))
        except ValueError:
            k = 0
        if not 1 <= k <= 50:
            return response.json({"error": "k must be an integer from 1 to 50"}, status=400)
        result = default_searcher().search(q, k=k)
        return response.json(result.to_dict(), ensure_ascii=False)

    @app.get("/api/services/<service_id:str>")
    async def service(request: Request, service_id: str):
        from knowledge.search import default_searcher

        svc = default_searcher().catalog.get(service_id)
        if svc is None:
            return response.json({"error": f"no service {service_id!r}"}, status=404)
        return response.json(service_detail(svc), ensure_ascii=False)

    @app.get("/api/handoffs")
    async def handoffs(request: Request):
        status = request.args.get("status")
        if status and status not in STATUSES:
            return response.json({"error": f"status must be one of {', '.join(STATUSES)}"}, status=400)
        return response.json({"handoffs": stores()[0].list(status)}, ensure_ascii=False)

    @app.post("/api/handoffs/<ref:str>/status")
    async def handoff_status(request: Request, ref: str):
        body = request.json if isinstance(request.json, dict) else {}
        status = body.get("status")
        if status not in STATUSES:
            return response.json({"error": f"status must be one of {', '.join(STATUSES)}"}, status=400)
        handoffs = stores()[0]
        if not handoffs.set_status(ref, status):
            return response.json({"error": f"no handoff {ref!r}"}, status=404)
        return response.json(handoffs.get(ref), ensure_ascii=False)

    return app


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8080)
    args = ap.parse_args()
    create_app().run(host=args.host, port=args.port, single_process=True, access_log=False, motd=False)


if __name__ == "__main__":
    main()
