"""The agent console's API (behind the console token): search, service details, handoffs."""
from __future__ import annotations

import asyncio

from sanic import Blueprint, Request, response

from knowledge.catalog.present import service_detail
from knowledge.conversations.handoffs import STATUSES
from web.openapi import OPENAPI
from web.stores import stores

agent_api = Blueprint("agent_api")
MAX_QUERY = 500


def _searcher():
    from knowledge.search import default_searcher  # loaded on first use, not at import

    return default_searcher()


@agent_api.get("/api/openapi.json")
async def openapi(request: Request):
    return response.json(OPENAPI)


@agent_api.get("/api/search")
async def search(request: Request):
    q = (request.args.get("q") or "").strip()
    if not q or len(q) > MAX_QUERY:
        return response.json({"error": f"q must be 1-{MAX_QUERY} characters"}, status=400)
    try:
        k = int(request.args.get("k", "10"))
    except ValueError:
        k = 0
    if not 1 <= k <= 50:
        return response.json({"error": "k must be an integer from 1 to 50"}, status=400)
    # Embedding and ranking are CPU-bound: off the event loop, so other requests keep moving.
    result = await asyncio.to_thread(lambda: _searcher().search(q, k=k))
    return response.json(result.to_dict(), ensure_ascii=False)


@agent_api.get("/api/services/<service_id:str>")
async def service(request: Request, service_id: str):
    svc = (await asyncio.to_thread(_searcher)).catalog.get(service_id)
    if svc is None:
        return response.json({"error": f"no service {service_id!r}"}, status=404)
    return response.json(service_detail(svc), ensure_ascii=False)


@agent_api.get("/api/handoffs")
async def handoffs(request: Request):
    status = request.args.get("status")
    if status and status not in STATUSES:
        return response.json({"error": f"status must be one of {', '.join(STATUSES)}"}, status=400)
    return response.json({"handoffs": await asyncio.to_thread(stores()[0].list, status)}, ensure_ascii=False)


@agent_api.post("/api/handoffs/<ref:str>/status")
async def handoff_status(request: Request, ref: str):
    body = request.json if isinstance(request.json, dict) else {}
    status = body.get("status")
    if status not in STATUSES:
        return response.json({"error": f"status must be one of {', '.join(STATUSES)}"}, status=400)
    store = stores()[0]
    if not await asyncio.to_thread(store.set_status, ref, status):
        return response.json({"error": f"no handoff {ref!r}"}, status=404)
    return response.json(await asyncio.to_thread(store.get, ref), ensure_ascii=False)
