"""Public pages: the demo page with the citizen widget, the console page, the widget files."""
from __future__ import annotations

from pathlib import Path

from sanic import Blueprint, Request, response
from sanic.exceptions import NotFound

from knowledge.config import settings

STATIC = Path(__file__).resolve().parent / "static"
WIDGET_FILES = ("dalil-widget.js", "dalil-widget.css", "console.js", "analytics.js")
VENDOR_FILES = ("chart.umd.min.js",)  # Chart.js 4.6.1 from the npm registry (MIT; its licence beside it)

pages = Blueprint("pages")


@pages.get("/")
async def index(request: Request):
    return response.redirect("/demo")


@pages.get("/demo")
async def demo(request: Request):
    html = (STATIC / "demo.html").read_text("utf-8").replace("{{RASA_URL}}", settings().public_rasa_url)
    return response.html(html)


@pages.get("/console")
async def console(request: Request):
    return await response.file(STATIC / "console.html", mime_type="text/html; charset=utf-8")


@pages.get("/analytics")
async def analytics_page(request: Request):
    return await response.file(STATIC / "analytics.html", mime_type="text/html; charset=utf-8")


@pages.get("/vendor/<name:str>")
async def vendor_file(request: Request, name: str):
    if name not in VENDOR_FILES:
        raise NotFound("no such file")
    return await response.file(STATIC / "vendor" / name, mime_type="text/javascript; charset=utf-8")


@pages.get("/widget/<name:str>")
async def widget_file(request: Request, name: str):
    if name not in WIDGET_FILES:
        raise NotFound("no such file")
    mime = "text/javascript" if name.endswith(".js") else "text/css"
    return await response.file(STATIC / name, mime_type=f"{mime}; charset=utf-8",
                               headers={"Access-Control-Allow-Origin": "*"})


@pages.get("/health")
async def health(request: Request):
    return response.json({"status": "ok"})
