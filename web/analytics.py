"""Analytics for agents (behind the token): the figures of knowledge/conversations/analytics.py
for a range of days, with the services' names in both languages. The page that draws them is
/analytics (web/static/analytics.html, Chart.js vendored under web/static/vendor/)."""
from __future__ import annotations

import asyncio
import datetime as dt
import re
from functools import lru_cache

from sanic import Blueprint, Request, response

from knowledge.catalog import Catalog, load_catalog
from knowledge.config import settings
from knowledge.conversations.analytics import figures
from web.agent_api import BadRequest, _args, _error

analytics = Blueprint("analytics")
DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
MAX_DAYS = 366
DEFAULT_DAYS = 30


@lru_cache(maxsize=1)
def _catalog() -> Catalog:
    return load_catalog(strict=False)  # names only: a catalog with errors still names its services


def date_range(args) -> tuple[dt.date, dt.date]:
    """(since, until) from the query: the last DEFAULT_DAYS days by default; a range longer than
    MAX_DAYS starts MAX_DAYS days before `until` (answers say which range they cover); a
    `since` after `until` is an empty range."""
    today = dt.datetime.now(dt.timezone.utc).date()
    until = _date(args, "until", today)
    since = _date(args, "since", until - dt.timedelta(days=DEFAULT_DAYS - 1))
    return max(since, until - dt.timedelta(days=MAX_DAYS - 1)), until


def _date(args, name: str, default: dt.date) -> dt.date:
    values = args.getlist(name) if name in args else []
    if not values:
        return default
    try:
        if len(values) > 1 or not DATE.fullmatch(values[0]):
            raise ValueError
        return dt.date.fromisoformat(values[0])
    except ValueError:
        raise BadRequest(f"{name} must be one date written YYYY-MM-DD") from None


def _named(rows: list[dict]) -> list[dict]:
    catalog = _catalog()
    out = []
    for row in rows:
        svc = catalog.get(row["service_id"])
        out.append({**row, "name_en": svc.name_en if svc else None, "name_ar": svc.name_ar if svc else None})
    return out


@analytics.get("/api/analytics")
async def analytics_figures(request: Request):
    """`since`..`until` (UTC days, both included; the last 30 days by default, at most 366)."""
    try:
        since, until = date_range(_args(request, "since", "until"))
    except BadRequest as exc:
        return _error(str(exc))
    cfg = settings()

    def compute() -> dict:
        out = figures(cfg.var_dir / "tracker.sqlite3", cfg.db_path, since, until)
        out["top_services"] = _named(out["top_services"])
        out["feedback"] = _named(out["feedback"])
        return out

    return response.json(await asyncio.to_thread(compute), ensure_ascii=False)
