"""The demo's channels connected through their platforms' OAuth flows, on the emulator.

As the demo owner: startChannelConnection's use case, the emulator's consent page answered
by HTTP (granting the channel's own account), then Coso's callback route, as a browser
would follow the redirect. Each channel comes back CONNECTED with the tokens the emulator
issued, refresh tokens included.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
from starlette.applications import Starlette

from api.emulator.consent import consent
from api.oauth import ROUTES
from domain.connectors import API_VERSIONS
from domain.connectors.oauth import SPECS
from domain.demo import BRANDS, OWNER, WORKSPACE_SLUG
from domain.models import Brand, User, Workspace
from domain.services.connections import start_connection
from domain.settings import get_settings


class DemoConnectFailed(RuntimeError):
    pass


async def connect_demo_channels() -> list[str]:
    """Connect every demo channel Coso can sync; the channels connected ("platform handle")."""
    app = Starlette(routes=ROUTES)  # Coso's OAuth routes, without a server
    owner = await User.select(User.id).where(User.email == OWNER).first()
    space = await Workspace.select(Workspace.id).where(Workspace.slug == WORKSPACE_SLUG).first()
    if owner is None or space is None:
        raise DemoConnectFailed("seed the demo first (coso demo)")
    public = get_settings().public_url
    done = []
    async with httpx.AsyncClient(timeout=30) as platform, httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=public, timeout=120) as coso:
        for spec in BRANDS:
            brand = await Brand.select(Brand.id).where(Brand.workspace == space["id"],
                                                       Brand.slug == spec.slug).first()
            if brand is None:
                raise DemoConnectFailed(f"the demo brand {spec.slug} is missing")
            for channel in spec.channels:
                if channel.platform not in API_VERSIONS or channel.platform not in SPECS:
                    continue
                started = await start_connection(owner["id"], brand["id"],
                                                 channel.platform.value)
                location = await consent(started.authorization_url,
                                         accounts=[channel.external_id], client=platform)
                back = urlsplit(location)
                page = await coso.get(f"{back.path}?{back.query}")
                if page.status_code != 200 or "Channel connected" not in page.text:
                    raise DemoConnectFailed(
                        f"{channel.platform} {channel.handle}: the callback answered "
                        f"{page.status_code} {page.headers.get('x-coso-error', '')}")
                done.append(f"{channel.platform.value} {channel.handle}")
    return done
