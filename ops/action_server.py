"""The action server: rasa-sdk's own app, closed by default.

rasa-sdk alone listens on every interface, takes any caller and inflates a `deflate` body
without limit; anyone who reaches it could run `action_handoff` with a forged tracker. Here:
- it listens on DALIL_ACTION_HOST (127.0.0.1 unless configured);
- /webhook and /actions need the shared token Rasa sends (`action_endpoint: token:` in
  endpoints.yml, as `?token=`); /health stays open and says only "ok";
- request bodies are limited to DALIL_MAX_BODY bytes, and compressed bodies are refused
  (Rasa sends plain JSON unless told to compress).
"""
from __future__ import annotations

import argparse
import hmac
import json
import sys

from sanic import Sanic, response
from sanic.exceptions import PayloadTooLarge
from sanic.request import Request

from knowledge.config import ensure_secret, settings

OPEN_PATHS = frozenset({"/health"})


def create_app(token: str, max_body: int, package: str = "actions") -> Sanic:
    from rasa_sdk.endpoint import create_app as sdk_app
    from rasa_sdk.executor import ActionExecutor

    if not token:
        raise ValueError("the action server needs a token")
    executor = ActionExecutor()
    executor.register_package(package)
    app = sdk_app(executor, cors_origins="")  # no browser has business here
    app.config.REQUEST_MAX_SIZE = max_body

    @app.on_request
    async def guard(request: Request) -> response.HTTPResponse | None:
        if request.path in OPEN_PATHS:
            return None
        given = request.args.get("token") or ""
        if not hmac.compare_digest(given.encode(), token.encode()):
            return response.json({"error": "a valid token is required"}, status=401)
        if request.headers.get("content-encoding", "identity").strip().lower() not in ("", "identity"):
            return response.json({"error": "compressed bodies are not accepted"}, status=415)
        if request.method == "POST":
            try:
                json.loads(request.body or b"null")
            except (ValueError, RecursionError):  # rasa-sdk would answer 500 with a traceback
                return response.json({"error": "the body is not valid JSON"}, status=400)
        return None

    @app.exception(PayloadTooLarge)
    async def too_large(request: Request, exc: Exception) -> response.HTTPResponse:
        # rasa-sdk's catch-all handler would turn Sanic's 413 into a 500.
        return response.json({"error": f"the body is larger than {max_body} bytes"}, status=413)

    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Dalil's action server (rasa-sdk, token, body limit)")
    parser.add_argument("--port", type=int, default=None)
    args = parser.parse_args(argv)
    cfg = settings()
    app = create_app(ensure_secret("DALIL_ACTION_TOKEN", cfg.var_dir), cfg.max_body)
    app.run(host=cfg.action_host, port=args.port or cfg.action_port, single_process=True, access_log=False,
            motd=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
