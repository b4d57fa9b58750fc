"""GraphiQL in a real headless Chromium: it loads from Coso alone, is titled Coso, runs a query."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.integration.live_server import ROOT, live_app

playwright = pytest.importorskip("playwright.async_api")

CHROMIUM = Path("/usr/bin/chromium")  # Debian's; Playwright's own download is not used
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
SCREENSHOT = ROOT / "var" / "test-artifacts" / "graphiql.png"
TYPENAME_QUERY = "{ __typename }"


@pytest.fixture
def server() -> Iterator[str]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium (scripts/test does)")
    with live_app() as url:
        yield url


async def test_graphiql_runs_offline_in_chromium(server):
    coso = urlsplit(server).netloc
    elsewhere: list[str] = []  # requests to any host but Coso's, all refused
    problems: list[str] = []  # console errors (CSP refusals among them) and page errors

    async def only_coso(route):
        if urlsplit(route.request.url).netloc == coso:
            await route.continue_()
        else:
            elsewhere.append(route.request.url)
            await route.abort("blockedbyclient")

    async with playwright.async_playwright() as p:
        browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = await browser.new_context(viewport={"width": 1280, "height": 800})
            await context.route("**/*", only_coso)
            page = await context.new_page()
            page.on("console", lambda m: m.type == "error" and problems.append(m.text))
            page.on("pageerror", lambda e: problems.append(str(e)))

            await page.goto(f"{server}/graphql")
            editor = page.locator(".graphiql-query-editor .CodeMirror")
            try:
                await editor.wait_for(state="visible", timeout=20_000)
            except playwright.Error:
                pytest.fail(f"no editor; refused elsewhere: {elsewhere}; errors: {problems}")
            assert await page.title() == "Coso"
            assert "Bearer" in await page.locator(".graphiql-editor-tool").inner_text()

            await editor.click()
            await page.keyboard.press("Control+A")
            await page.keyboard.press("Delete")
            await page.keyboard.insert_text(TYPENAME_QUERY)
            await page.locator("button.graphiql-execute-button").click()
            result = page.locator(".graphiql-response .CodeMirror")
            await result.filter(has_text='"__typename": "Query"').wait_for()

            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            await page.screenshot(path=SCREENSHOT)
        finally:
            await browser.close()

    assert elsewhere == []
    assert problems == []
