"""Where a webhook may be sent: the URL's form, and the addresses its host resolves to.

Checked when an endpoint is registered and again before every attempt (a host may resolve
elsewhere by then: DNS rebinding); the attempt then connects to the very address checked.
Only public unicast addresses pass, unless COSO_WEBHOOK_ALLOW_PRIVATE allows the others
(and plain http) for tests and a receiver on the same host.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from domain.settings import get_settings

MAX_URL_LENGTH = 2000
RESOLVE_TIMEOUT = 5.0  # seconds a DNS lookup may take

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class AddressRefused(Exception):  # noqa: N818 - reads as what happened
    """The URL may not be used; `code` and the message say why, for userErrors and attempts."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class Target:
    """A checked URL: where to connect (`address`) and what to ask for there."""

    url: str
    scheme: str
    host: str
    port: int
    address: str


def check_form(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of a URL fit for a webhook; AddressRefused otherwise."""
    allow_private = get_settings().webhook_allow_private
    if len(url) > MAX_URL_LENGTH:
        raise AddressRefused("TOO_LONG", f"url takes at most {MAX_URL_LENGTH} characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise AddressRefused("INVALID_URL", f"url is not a valid URL: {error}") from None
    schemes = {"https", "http"} if allow_private else {"https"}
    if parts.scheme not in schemes:
        raise AddressRefused("INSECURE_URL" if parts.scheme == "http" else "INVALID_URL",
                             "url must start with https://")
    if not parts.hostname:
        raise AddressRefused("INVALID_URL", "url has no host")
    if parts.username or parts.password:
        raise AddressRefused("INVALID_URL", "url may not carry a user name or password")
    if parts.fragment:
        raise AddressRefused("INVALID_URL", "url may not have a #fragment")
    if any(c.isspace() or ord(c) < 32 for c in url):
        raise AddressRefused("INVALID_URL", "url may not contain spaces or control characters")
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80)


def refusal(address: IPAddress) -> str | None:
    """Why an address is not a public one a webhook may reach, or None."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    # The narrow categories first: is_private also covers loopback, link-local and more.
    for reason, flag in (("loopback", address.is_loopback),
                         ("link-local", address.is_link_local),
                         ("multicast", address.is_multicast),
                         ("unspecified", address.is_unspecified),
                         ("reserved", address.is_reserved),
                         ("private", address.is_private)):
        if flag:
            return reason
    if not address.is_global:  # shared (100.64/10), benchmarking and other special ranges
        return "not public"
    return None


async def resolve(host: str, port: int) -> list[IPAddress]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    try:
        infos = await asyncio.wait_for(
            loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), RESOLVE_TIMEOUT)
    except (OSError, TimeoutError, UnicodeError):
        raise AddressRefused("UNRESOLVABLE", f"the host {host} does not resolve") from None
    found: list[IPAddress] = []
    for info in infos:
        text = str(info[4][0]).split("%")[0]  # an IPv6 scope id is not part of the address
        address = ipaddress.ip_address(text)
        if address not in found:
            found.append(address)
    if not found:
        raise AddressRefused("UNRESOLVABLE", f"the host {host} does not resolve")
    return found


async def check(url: str) -> Target:
    """The URL checked in form and every address its host resolves to now."""
    scheme, host, port = check_form(url)
    addresses = await resolve(host, port)
    if not get_settings().webhook_allow_private:
        for address in addresses:
            reason = refusal(address)
            if reason is not None:
                raise AddressRefused("ADDRESS_NOT_ALLOWED",
                                     f"the host {host} resolves to a {reason} address "
                                     f"({address}); webhooks go to public addresses only")
    return Target(url=url, scheme=scheme, host=host, port=port, address=str(addresses[0]))
