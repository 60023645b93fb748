"""The agent console's API (behind the console token): search, service details, handoffs."""
from __future__ import annotations

import asyncio
import json
import re

from sanic import Blueprint, Request, response

from knowledge.catalog.present import service_detail
from knowledge.conversations.handoffs import MAX_PAGE, STATUSES
from web.openapi import OPENAPI
from web.stores import stores

agent_api = Blueprint("agent_api")
MAX_QUERY = 500
DEFAULT_PAGE = 50
MAX_OFFSET = 1_000_000_000
SERVICE_ID = re.compile(r"[a-z0-9-]{1,80}")
HANDOFF_REF = re.compile(r"[0-9A-F]{8}")
_DIGITS = re.compile(r"[0-9]{1,10}")


class BadRequest(ValueError):
    pass


def _error(message: str, status: int = 400):
    return response.json({"error": message}, status=status)


def _int_arg(args, name: str, default: int, low: int, high: int) -> int:
    """An integer query parameter written in ASCII digits, from `low` to `high`."""
    values = args.getlist(name) if name in args else []
    if not values:
        return default
    if len(values) > 1 or not _DIGITS.fullmatch(values[0]) or not low <= int(values[0]) <= high:
        raise BadRequest(f"{name} must be one integer from {low} to {high}")
    return int(values[0])


def _args(request: Request, *allowed: str):
    """The query parameters, blank ones kept; BadRequest naming the first one not in `allowed`."""
    args = request.get_args(keep_blank_values=True)
    unknown = sorted(set(args) - set(allowed))
    if unknown:
        expected = f"expected only {', '.join(allowed)}" if allowed else "this path takes none"
        raise BadRequest(f"unknown query parameter {unknown[0]!r}: {expected}")
    return args


def _refuse_args(request: Request):
    """The 400 for a path that takes no query parameters but got some, else None."""
    try:
        _args(request)
    except BadRequest as exc:
        return _error(str(exc))
    return None


def _status_arg(args) -> str | None:
    values = args.getlist("status") if "status" in args else []
    if not values:
        return None
    if len(values) > 1 or values[0] not in STATUSES:
        raise BadRequest(f"status must be one of {', '.join(STATUSES)}")
    return values[0]


def _searcher():
    from knowledge.search import default_searcher  # loaded on first use, not at import

    return default_searcher()


@agent_api.get("/api/openapi.json")
async def openapi(request: Request):
    if (problem := _refuse_args(request)) is not None:
        return problem
    return response.json(OPENAPI)


@agent_api.get("/api/search")
async def search(request: Request):
    try:
        args = _args(request, "q", "k")
    except BadRequest as exc:
        return _error(str(exc))
    qs = args.getlist("q") if "q" in args else []
    # The length is checked as sent, before stripping, so a padded query is refused too.
    if len(qs) != 1 or not 1 <= len(qs[0]) <= MAX_QUERY or not qs[0].strip():
        return _error(f"q must be 1-{MAX_QUERY} characters, not all spaces")
    try:
        qs[0].encode("utf-8")
        k = _int_arg(args, "k", 10, 1, 50)
    except BadRequest as exc:
        return _error(str(exc))
    except UnicodeEncodeError:
        return _error("q must be valid Unicode text")
    q = qs[0].strip()
    # Embedding and ranking are CPU-bound: off the event loop, so other requests keep moving.
    result = await asyncio.to_thread(lambda: _searcher().search(q, k=k))
    return response.json(result.to_dict(), ensure_ascii=False)


@agent_api.get("/api/services/<service_id:str>")
async def service(request: Request, service_id: str):
    if (problem := _refuse_args(request)) is not None:
        return problem
    if not SERVICE_ID.fullmatch(service_id):
        return _error("service_id must be a catalog id: 1 to 80 characters from a-z 0-9 -")
    svc = (await asyncio.to_thread(_searcher)).catalog.get(service_id)
    if svc is None:
        return _error(f"no service {service_id!r}", 404)
    return response.json(service_detail(svc), ensure_ascii=False)


@agent_api.get("/api/handoffs")
async def handoffs(request: Request):
    """The queue, oldest first, a page at a time: `limit` (1-200, 50 by default) from `offset`."""
    try:
        args = _args(request, "status", "limit", "offset")
        status = _status_arg(args)
        limit = _int_arg(args, "limit", DEFAULT_PAGE, 1, MAX_PAGE)
        offset = _int_arg(args, "offset", 0, 0, MAX_OFFSET)
    except BadRequest as exc:
        return _error(str(exc))
    store = stores()[0]

    def page() -> tuple[int, list[dict]]:
        return store.count(status), store.list(status, limit=limit, offset=offset)

    total, items = await asyncio.to_thread(page)
    return response.json({"handoffs": items, "total": total, "limit": limit, "offset": offset}, ensure_ascii=False)


@agent_api.post("/api/handoffs/<ref:str>/status")
async def handoff_status(request: Request, ref: str):
    try:
        _args(request)
        body = json.loads(request.body)
    except BadRequest as exc:
        return _error(str(exc))
    except RecursionError:
        return _error("the body is nested too deeply")
    except (ValueError, UnicodeDecodeError):
        return _error("the body must be a JSON object")
    status = body.get("status") if isinstance(body, dict) else None
    if not isinstance(body, dict) or set(body) != {"status"} or not isinstance(status, str) or status not in STATUSES:
        return _error(f"the body must be {{\"status\": one of {', '.join(STATUSES)}}}")
    if not HANDOFF_REF.fullmatch(ref):
        return _error(f"no handoff {ref!r}", 404)
    store = stores()[0]
    current = await asyncio.to_thread(store.get, ref)
    if current is None:
        return _error(f"no handoff {ref!r}", 404)
    if current["status"] == "taken" and current["agent"]:
        # The bot is paused for it: only handing back or closing resumes it.
        return response.json({"error": f"{current['agent']} holds this conversation live: hand it back or close it",
                              "agent": current["agent"]}, status=409, ensure_ascii=False)
    if not await asyncio.to_thread(store.set_status, ref, status):
        return _error(f"no handoff {ref!r}", 404)
    return response.json(await asyncio.to_thread(store.get, ref), ensure_ascii=False)
