"""The emulator's authorization memory: consents (grants), codes and the tokens they issued."""

from __future__ import annotations

import time
from dataclasses import dataclass, field


@dataclass(slots=True)
class Grant:
    """One consent: who, to which app, for which accounts; its tokens share `family`."""

    platform: str
    client_id: str
    redirect_uri: str
    scope: str
    user: str
    accounts: tuple[str, ...]
    challenge: str = ""
    method: str = ""
    family: str = ""
    created: float = 0.0
    used: bool = False


@dataclass(slots=True)
class Issued:
    family: str
    platform: str
    expires: float | None
    kind: str  # "access", "refresh"
    revoked: bool = False
    expires_refresh_at: float | None = None


@dataclass(slots=True)
class OAuthState:
    codes: dict[str, Grant] = field(default_factory=dict)
    grants: dict[str, Grant] = field(default_factory=dict)  # family → grant
    tokens: dict[str, Issued] = field(default_factory=dict)
    offset: float = 0.0  # seconds the token clock is ahead of real time
    refreshes: int = 0  # refresh grants served (tests count them)

    def now(self) -> float:
        return time.time() + self.offset

    def check(self, platform: str, token: str) -> str | None:
        """Why an issued access token is refused now, None when it is good (or not ours)."""
        issued = self.tokens.get(token)
        if issued is None:
            return None
        if issued.revoked or issued.kind != "access":
            return "The access token was revoked"
        if issued.expires is not None and issued.expires <= self.now():
            return "The access token has expired"
        return None

    def revoke_family(self, family: str) -> None:
        for issued in self.tokens.values():
            if issued.family == family:
                issued.revoked = True

    def clear(self) -> None:
        self.codes.clear()
        self.grants.clear()
        self.tokens.clear()
        self.offset = 0.0
        self.refreshes = 0
