"""GraphiQL served by Coso itself: the page, titled Coso, and its pinned assets, no CDN."""

from __future__ import annotations

import hashlib
import re
from functools import cache
from pathlib import Path

from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route, request_response

ASSETS = Path(__file__).parent / "static" / "graphiql"
MEDIA_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}
# Scripts, styles and the queries (and a subscription's WebSocket) go to this server only;
# GraphiQL's stylesheet carries its fonts and icons as data: URIs. The one inline style
# this refuses is the <style> react-remove-scroll-bar adds while a dialog is open, to hide
# a scroll bar this page (body overflow: hidden) never shows.
PAGE_POLICY = "; ".join([
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
])
IMMUTABLE = "public, max-age=31536000, immutable"


@cache
def asset_versions() -> dict[str, str]:
    """Each servable file's name and a digest of its bytes, the `?v=` of its URL."""
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest()[:16]
            for path in sorted(ASSETS.iterdir()) if path.suffix in MEDIA_TYPES}


@cache
def page_html() -> str:
    """index.html with every `graphiql/<file>` URL made `graphiql/<file>?v=<digest>`: a
    new Coso version changes the URL of what changed, so assets can be cached for good."""
    versions = asset_versions()

    def versioned(match: re.Match[str]) -> str:
        attribute, name = match.groups()
        return f'{attribute}="graphiql/{name}?v={versions[name]}"'

    html = (ASSETS / "index.html").read_text(encoding="utf-8")
    return re.sub(r'\b(src|href)="graphiql/([^"?#]+)"', versioned, html)


def page() -> HTMLResponse:
    return HTMLResponse(page_html(), headers={
        "Content-Security-Policy": PAGE_POLICY,
        "Cache-Control": "no-cache",
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
    })


async def asset(request: Request) -> Response:
    name = request.path_params["name"]
    version = asset_versions().get(name)
    if version is None:
        return PlainTextResponse("not found", status_code=404)
    # Cached for good only at the URL of these bytes; any other `?v=` is revalidated.
    cache_control = IMMUTABLE if request.query_params.get("v") == version else "no-cache"
    return FileResponse(ASSETS / name, media_type=MEDIA_TYPES[Path(name).suffix], headers={
        "Cache-Control": cache_control,
        "X-Content-Type-Options": "nosniff",
    })


# Beside /graphql, so the page's relative `graphiql/…` URLs work under any path prefix.
# Compressed, as the CDN served them: GraphiQL's script is 3.5 MB raw, under 1 MB gzipped.
route = Route("/graphiql/{name}", GZipMiddleware(request_response(asset)), methods=["GET"])
