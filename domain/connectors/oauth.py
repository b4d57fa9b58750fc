"""Each platform's OAuth 2.0 as it documents it, as data: endpoints, scopes, PKCE, lifetimes.

One generic authorization-code flow (`domain.connectors.oauth_flow`) reads these; the README
table "Connecting a channel through OAuth" is written from them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlsplit

from domain.connectors.facebook import API_VERSION as FACEBOOK_VERSION
from domain.enums import Platform
from domain.settings import get_settings

FEATURES = ("connect", "sync", "publish", "comments")
"""What a scope is asked for: listing the accounts, reading metrics and posts, publishing,
reading and answering comments."""


@dataclass(frozen=True, slots=True)
class OAuthSpec:
    platform: Platform
    authorize_url: str
    token_url: str
    revoke_url: str
    scopes: Mapping[str, tuple[str, ...]]
    """Feature (FEATURES) → the scopes it needs; a connection asks for all of them."""
    scope_separator: str = " "
    pkce_required: bool = False
    """The platform refuses an authorization without PKCE (S256)."""
    pkce: bool = True
    """Coso sends PKCE (always where the platform accepts it)."""
    client_id_param: str = "client_id"
    client_auth: str = "body"
    """How the client authenticates at the token endpoint: "body" or "basic" (HTTP Basic)."""
    token_method: str = "POST"
    authorize_params: Mapping[str, str] = field(default_factory=dict)
    access_lifetime: timedelta | None = None
    """The documented lifetime of an access token, when the answer has no expires_in."""
    refresh_lifetime: timedelta | None = None
    """The documented lifetime of a refresh token; None: no refresh token, or no expiry."""
    refresh_tokens: bool = True
    """The platform hands out refresh tokens (Meta does not: it has long-lived tokens)."""
    rotates_refresh_token: bool = False
    """A refresh answers a new refresh token and the old one stops working."""
    long_lived_exchange: bool = False
    """Meta: a short-lived user token is exchanged for a ~60-day one (fb_exchange_token)."""
    accounts: str = ""
    """How the accounts a user may connect are listed (domain.connectors.oauth_accounts)."""
    multi_account: bool = False
    """One consent may give several accounts to pick from (Pages, organizations)."""

    def all_scopes(self) -> list[str]:
        seen: list[str] = []
        for feature in FEATURES:
            for scope in self.scopes.get(feature, ()):
                if scope not in seen:
                    seen.append(scope)
        return seen

    def url(self, which: str) -> str:
        """An endpoint's URL: the platform's own, or the emulator's when
        COSO_PLATFORM_BASE_URL is set (its path under /<platform>)."""
        real = {"authorize": self.authorize_url, "token": self.token_url,
                "revoke": self.revoke_url}[which]
        emulator = get_settings().platform_base_url
        if not emulator:
            return real
        return f"{emulator.rstrip('/')}/{self.platform.value}{urlsplit(real).path}"


GRAPH = FACEBOOK_VERSION  # the Graph version the connectors speak
_META = dict(
    authorize_url=f"https://www.facebook.com/{GRAPH}/dialog/oauth",
    token_url=f"https://graph.facebook.com/{GRAPH}/oauth/access_token",
    revoke_url=f"https://graph.facebook.com/{GRAPH}/me/permissions",
    scope_separator=",", pkce=False, token_method="GET", refresh_tokens=False,
    long_lived_exchange=True, access_lifetime=timedelta(hours=1), multi_account=True)
_GOOGLE = "https://www.googleapis.com/auth/"

SPECS: dict[Platform, OAuthSpec] = {spec.platform: spec for spec in (
    OAuthSpec(Platform.FACEBOOK, scopes={
        "connect": ("pages_show_list",),
        "sync": ("pages_read_engagement", "read_insights"),
        "publish": ("pages_manage_posts",),
        "comments": ("pages_read_user_content", "pages_manage_engagement")},
        accounts="facebook_pages", **_META),  # type: ignore[arg-type]
    OAuthSpec(Platform.INSTAGRAM, scopes={
        "connect": ("pages_show_list", "instagram_basic"),
        "sync": ("instagram_manage_insights", "pages_read_engagement"),
        "publish": ("instagram_content_publish",),
        "comments": ("instagram_manage_comments",)},
        accounts="instagram_accounts", **_META),  # type: ignore[arg-type]
    OAuthSpec(
        Platform.LINKEDIN,
        authorize_url="https://www.linkedin.com/oauth/v2/authorization",
        token_url="https://www.linkedin.com/oauth/v2/accessToken",
        revoke_url="https://www.linkedin.com/oauth/v2/revoke",
        scopes={"connect": ("rw_organization_admin",), "sync": ("rw_organization_admin",),
                "publish": ("w_organization_social",), "comments": ("r_organization_social",)},
        pkce=False,  # PKCE only for native apps, on request
        access_lifetime=timedelta(days=60), refresh_lifetime=timedelta(days=365),
        accounts="linkedin_organizations", multi_account=True),
    OAuthSpec(
        Platform.X,
        authorize_url="https://x.com/i/oauth2/authorize",
        token_url="https://api.x.com/2/oauth2/token",
        revoke_url="https://api.x.com/2/oauth2/revoke",
        scopes={"connect": ("users.read", "offline.access"), "sync": ("tweet.read", "users.read"),
                "publish": ("tweet.write",), "comments": ("tweet.read",)},
        pkce_required=True, client_auth="basic", access_lifetime=timedelta(hours=2),
        rotates_refresh_token=True, accounts="x_user"),
    OAuthSpec(
        Platform.YOUTUBE,
        authorize_url="https://accounts.google.com/o/oauth2/v2/auth",
        token_url="https://oauth2.googleapis.com/token",
        revoke_url="https://oauth2.googleapis.com/revoke",
        scopes={"connect": (_GOOGLE + "youtube.readonly",),
                "sync": (_GOOGLE + "yt-analytics.readonly", _GOOGLE + "youtube.readonly"),
                "publish": (_GOOGLE + "youtube.upload",),
                "comments": (_GOOGLE + "youtube.force-ssl",)},
        # offline: a refresh token; consent: one every time (Google sends it only then).
        authorize_params={"access_type": "offline", "prompt": "consent",
                          "include_granted_scopes": "true"},
        access_lifetime=timedelta(hours=1), accounts="youtube_channels"),
    OAuthSpec(
        Platform.TIKTOK,
        authorize_url="https://www.tiktok.com/v2/auth/authorize/",
        token_url="https://open.tiktokapis.com/v2/oauth/token/",
        revoke_url="https://open.tiktokapis.com/v2/oauth/revoke/",
        scopes={"connect": ("user.info.basic",), "sync": ("user.info.stats", "video.list"),
                "publish": ("video.publish", "video.upload"), "comments": ()},
        scope_separator=",", pkce=False,  # PKCE for mobile and desktop apps only
        client_id_param="client_key", access_lifetime=timedelta(hours=24),
        refresh_lifetime=timedelta(days=365), rotates_refresh_token=True,
        accounts="tiktok_user"),
)}


@dataclass(frozen=True, slots=True)
class Client:
    """Coso's app on one platform: COSO_<PLATFORM>_CLIENT_ID / _CLIENT_SECRET."""

    client_id: str
    client_secret: str


def client_for(platform: Platform) -> Client | None:
    """The app registered on this platform, None when its settings are missing."""
    found = get_settings().oauth_clients.get(platform.value)
    return Client(*found) if found else None


def redirect_uri(platform: Platform) -> str:
    """Where the platform sends the user back: register exactly this URL with the app."""
    return f"{get_settings().public_url}/oauth/callback/{platform.value}"
