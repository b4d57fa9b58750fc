"""The emulator as one Starlette app: every platform under its own path prefix, plus admin."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response

from api.emulator import admin, oauth
from api.emulator.core import JSON, PlatformApi
from api.emulator.data import Config
from api.emulator.facebook import FacebookApi
from api.emulator.instagram import InstagramApi
from api.emulator.linkedin import LinkedInApi
from api.emulator.state import Fault, State
from api.emulator.tiktok import TikTokApi
from api.emulator.x import XApi
from api.emulator.youtube import YouTubeApi

PLATFORM_APIS: tuple[PlatformApi, ...] = (FacebookApi(), InstagramApi(), LinkedInApi(),
                                              XApi(), YouTubeApi(), TikTokApi())


async def _not_found(request: Request, exc: Exception) -> Response:
    return JSON({"error": f"the emulator has no endpoint {request.method} {request.url.path}"},
                status_code=404)


def create_app(config: Config | None = None, faults: list[Fault] | None = None,
               limits: dict[str, tuple[int, float]] | None = None) -> Starlette:
    """An emulator serving every platform; its State is `app.state.emulator`."""
    routes = list(admin.ROUTES)
    for api in PLATFORM_APIS:
        routes += oauth.routes(api) + api.routes()
    app = Starlette(routes=routes, exception_handlers={404: _not_found, 405: _not_found})
    state = State(config or Config())
    for fault in faults or []:
        state.add_fault(fault)
    state.limits.update(limits or {})
    app.state.emulator = state
    return app
