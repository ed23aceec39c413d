"""The staff pages: plain HTML, CSS and JavaScript modules from gateway/web/static, no build step.

Each is served with a Content-Security-Policy that allows only our own scripts and styles and
no inline code, so customer text that slipped into markup could still not run.
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

STATIC = Path(__file__).resolve().parent.parent / "web" / "static"
CSP = (
    "default-src 'self'; connect-src 'self' ws: wss:; script-src 'self'; style-src 'self'; "
    "img-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-cache",
}
ASSETS = {
    "staff.js": "text/javascript",
    "staff.css": "text/css",
    "desk.js": "text/javascript",
    "desk.css": "text/css",
    "console.js": "text/javascript",
    "console.css": "text/css",
}


def _file(name: str, content_type: str) -> web.Response:
    return web.Response(
        body=(STATIC / name).read_bytes(),
        content_type=content_type,
        charset="utf-8",
        headers=SECURITY_HEADERS,
    )


async def desk(_request: web.Request) -> web.Response:
    return _file("desk.html", "text/html")


async def console(_request: web.Request) -> web.Response:
    return _file("console.html", "text/html")


async def asset(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    if name not in ASSETS:
        raise web.HTTPNotFound()
    return _file(name, ASSETS[name])


def routes() -> list[web.RouteDef]:
    return [
        web.get("/desk", desk),
        web.get("/console", console),
        web.get("/staff/{name}", asset),
    ]
