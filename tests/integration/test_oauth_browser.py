"""Issue 17: a manager connects Facebook Pages in a real headless Chromium: Coso's API
gives the authorization URL, the emulator's consent page is clicked, the browser comes
back to Coso's callback, the pick page is ticked."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from api.emulator.server import EmulatorServer
from domain.enums import ChannelStatus, Role
from domain.models import Channel
from domain.services.tokens import issue_token
from tests.factories import make_brand, make_membership, make_user
from tests.integration.live_server import free_port, live_app

playwright = pytest.importorskip("playwright.async_api")

CHROMIUM = Path("/usr/bin/chromium")  # Debian's, as test_graphiql_browser.py
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
START = """mutation($brand: ID!) { startChannelConnection(brand: $brand, platform: FACEBOOK) {
  authorizationUrl userErrors { code message } } }"""


@pytest.fixture
def servers() -> Iterator[tuple[str, EmulatorServer]]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium (scripts/test does)")
    port = free_port()
    public = f"http://127.0.0.1:{port}"
    with EmulatorServer() as emulator, live_app(
            port, COSO_PUBLIC_URL=public, COSO_PLATFORM_BASE_URL=emulator.url,
            REDIS_URL="") as url:
        yield url, emulator


async def test_a_manager_connects_a_page_in_chromium(servers):
    from api.graphql.ids import global_id

    coso, _ = servers
    brand = await make_brand()
    manager = await make_user()
    await make_membership(manager, brand, Role.MANAGER)
    token = await issue_token(manager.id, "browser")
    async with httpx.AsyncClient() as client:
        answer = await client.post(f"{coso}/graphql", headers={
            "Authorization": f"Bearer {token}"}, json={
            "query": START, "variables": {"brand": str(global_id("Brand", brand.id))}})
    started = answer.json()["data"]["startChannelConnection"]
    assert started["userErrors"] == [], started

    async with playwright.async_playwright() as p:
        browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page()
            await page.goto(started["authorizationUrl"])
            assert "Authorize on facebook" in await page.title()
            await page.get_by_role("button", name="Allow").click()
            await page.wait_for_url(f"{coso}/oauth/callback/facebook?*")
            assert "Pick the accounts" in await page.content()
            boxes = page.get_by_role("checkbox")
            assert await boxes.count() == 2
            picked = await boxes.nth(1).get_attribute("value")
            await boxes.nth(1).check()
            await page.get_by_role("button", name="Connect").click()
            await page.get_by_text("Channels connected").wait_for()
        finally:
            await browser.close()

    [channel] = await Channel.select().where(Channel.brand == brand.id)
    assert channel["external_id"] == picked and channel["status"] == ChannelStatus.CONNECTED
