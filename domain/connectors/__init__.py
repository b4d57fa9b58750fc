"""Platform connectors: which one speaks for a platform, at which API version and host."""

from __future__ import annotations

from typing import cast

import httpx

from domain.connectors.base import Connector, SyncError
from domain.connectors.common import HttpConnector
from domain.connectors.facebook import FacebookConnector
from domain.connectors.http import RetryPolicy, Sleep
from domain.connectors.instagram import InstagramConnector
from domain.connectors.linkedin import LinkedInConnector
from domain.connectors.tiktok import TikTokConnector
from domain.connectors.x import XConnector
from domain.connectors.youtube import YouTubeConnector
from domain.enums import Platform
from domain.settings import get_settings

CONNECTORS: dict[Platform, type[HttpConnector]] = {
    c.platform: c for c in (FacebookConnector, InstagramConnector, LinkedInConnector, XConnector,
                  YouTubeConnector, TikTokConnector)
}
API_VERSIONS: dict[Platform, str] = {p: c.api_version for p, c in CONNECTORS.items()}


def _unsupported(platform: Platform | str) -> SyncError:
    return SyncError("UNSUPPORTED_PLATFORM", f"Coso has no connector for {platform}")


def base_url(platform: Platform | str, service: str = "") -> str:
    """Where a platform's API answers: COSO_PLATFORM_BASE_URL/<platform> (the emulator)
    when set, else the platform's own host."""
    platform = Platform(platform)
    emulator = get_settings().platform_base_url
    if emulator:
        return f"{emulator.rstrip('/')}/{platform.value}"
    try:
        return CONNECTORS[platform].hosts[service]
    except KeyError:
        raise _unsupported(platform) from None


def connector_for(platform: Platform | str, client: httpx.AsyncClient, *,
                  base: str | None = None, policy: RetryPolicy | None = None,
                  sleep: Sleep | None = None) -> Connector:
    """The connector of a platform over a shared httpx client; SyncError
    UNSUPPORTED_PLATFORM for a platform Coso cannot sync (Pinterest)."""
    try:
        cls = CONNECTORS[Platform(platform)]
    except (KeyError, ValueError):
        raise _unsupported(platform) from None
    # Each registered subclass implements Connector; the HttpConnector base only brings
    # the HTTP plumbing, so mypy cannot see that from CONNECTORS' type.
    return cast(Connector, cls.build(client, base or base_url(platform), policy=policy,
                                     sleep=sleep))

__all__ = ["API_VERSIONS", "Connector", "RetryPolicy", "SyncError", "base_url",
           "connector_for"]
