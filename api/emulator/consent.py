"""Answering the emulator's consent page by HTTP, as a browser would: approve or deny."""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit, urlunsplit

import httpx

_INPUT = re.compile(r"<input type='hidden' name='([^']*)' value='([^']*)'>")


async def consent(authorization_url: str, *, approve: bool = True,
                  accounts: list[str] | None = None, user: str | None = None,
                  client: httpx.AsyncClient | None = None) -> str:
    """Open the consent page the authorization URL shows, submit it; the URL the platform
    redirects the browser to (the callback with `code` and `state`, or `error`)."""
    own = client is None
    http = client or httpx.AsyncClient(timeout=10)
    try:
        page = await http.get(authorization_url)
        if page.status_code != 200:
            raise ValueError(f"the consent page answered {page.status_code}: {page.text[:200]}")
        form = {html.unescape(k): html.unescape(v) for k, v in _INPUT.findall(page.text)}
        form["decision"] = "approve" if approve else "deny"
        if accounts is not None:
            form["accounts"] = ",".join(accounts)
        if user is not None:
            form["user"] = user
        action = urlunsplit(urlsplit(authorization_url)._replace(query=""))
        answer = await http.post(action, data=form)
        if answer.status_code != 302:
            raise ValueError(f"the consent form answered {answer.status_code}: "
                             f"{answer.text[:200]}")
        return answer.headers["location"]
    finally:
        if own:
            await http.aclose()
