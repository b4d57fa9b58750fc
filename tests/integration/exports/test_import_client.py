"""scripts/import_client.py against a live uvicorn server of the app, through a flaky proxy."""

from __future__ import annotations

import asyncio
import csv
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from domain.enums import Platform
from domain.exports.service import ExportEntity, export
from domain.exports.writers import ExportFormat
from domain.models import AuditLog, Brand, Channel, Post
from domain.services.tokens import issue_token
from tests.factories import make_brand, make_channel, make_membership, make_post, make_user
from tests.integration.live_server import free_port, live_app

pytestmark = pytest.mark.storage

ROOT = Path(__file__).resolve().parents[3]
CLIENT = ROOT / "scripts" / "import_client.py"


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """`uvicorn api.app:app` on a free port, on the test database."""
    with live_app() as url:
        yield f"{url}/graphql"


class FlakyProxy:
    """Forwards POSTs to the server, failing the requests numbered in `failures`:
    "503" and "429" answer without forwarding; "lost" forwards, then hangs up without
    answering (the import happened, the client cannot know)."""

    def __init__(self, upstream: str, failures: dict[int, str]) -> None:
        self.upstream = upstream
        self.failures = failures
        self.requests = 0
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers["Content-Length"]))
                proxy.requests += 1
                failure = proxy.failures.get(proxy.requests)
                if failure in ("503", "429"):
                    self.send_response(int(failure))
                    self.send_header("Retry-After", "0")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                answer = httpx.post(proxy.upstream, content=body, timeout=60, headers={
                    "Authorization": self.headers["Authorization"],
                    "Content-Type": "application/json"})
                if failure == "lost":
                    self.close_connection = True
                    return
                self.send_response(answer.status_code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

            def log_message(self, *args: object) -> None:
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}/graphql"
        self.thread = threading.Thread(target=self.http.serve_forever, daemon=True)

    def __enter__(self) -> FlakyProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.http.shutdown()
        self.http.server_close()


async def _client(*args: str, token: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COSO_TOKEN": token, "COLUMNS": "200"}
    return await asyncio.to_thread(
        subprocess.run, [sys.executable, str(CLIENT), *args, "--backoff", "0.01"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=100)


@dataclass
class Acme:
    brand: Brand
    channel: Channel
    token: str


@pytest.fixture
async def acme() -> Acme:
    brand = await make_brand(slug="acme", timezone="Europe/Rome", locale="it_IT",
                             currency="EUR")
    channel = await make_channel(brand, handle="@acme", platform=Platform.INSTAGRAM)
    manager = await make_user("manager@acme.example")
    await make_membership(manager, brand)
    return Acme(brand, channel, await issue_token(manager.id, "client test"))


def _plan(path: Path, rows: int, bad: dict[int, dict[str, str]] | None = None) -> None:
    """A posts CSV the way an Italian spreadsheet writes it: BOM, `;`, local dates, a
    column named in Italian (read with --map)."""
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["ref", "canale", "text", "scheduled at", "tags"])
        for n in range(rows):
            row = {"ref": f"P-{n:05}", "channel": "@acme",
                   "text": f"Post {n}\nsu due righe; con \"virgolette\"",
                   "scheduled_at": f"{1 + n % 28:02}/12/2026 09:30", "tags": "caffè, natale"}
            row.update((bad or {}).get(n, {}))
            writer.writerow(row.values())


async def test_batches_survive_503_429_and_a_lost_answer(server, acme, tmp_path):
    plan = tmp_path / "piano.csv"
    _plan(plan, 2500)
    # Requests: 1 brand, 2 input fields, then batches; batch 1 is sent three times
    # (503, then written but its answer lost, then unchanged), batch 2 twice (429).
    with FlakyProxy(server, {3: "503", 4: "lost", 6: "429"}) as proxy:
        done = await _client("posts", str(plan), "--brand", "acme", "--url", proxy.url,
                             "--map", "Canale=channel", token=acme.token)
    assert done.returncode == 0, done.stderr
    assert proxy.requests == 8
    assert await Post.count().where(Post.brand == acme.brand.id) == 2500  # none twice
    first = await Post.select(Post.text, Post.scheduled_at).where(Post.ref == "P-00000").first()
    assert first["text"] == 'Post 0\nsu due righe; con "virgolette"'
    assert first["scheduled_at"].isoformat() == "2026-12-01T08:30:00+00:00"
    summary = done.stderr.split("Import into")[1]
    # rows sent, inserted, updated, unchanged, rejected, retries
    assert "│     2,500 │    1,500 │       0 │     1,000 │        0 │       3 │" in summary
    assert done.stderr.count("retrying in") == 3
    audits = await AuditLog.select(AuditLog.after).where(
        AuditLog.action == "import.posts").output(load_json=True)
    assert {a["after"]["source"] for a in audits} == {"piano.csv"}


async def test_a_refused_batch_stops_with_csv_line_numbers(server, acme, tmp_path):
    token = acme.token
    plan = tmp_path / "piano.csv"
    # Each row takes two physical lines (the header is line 1): row n starts on 2 + 2n.
    _plan(plan, 30, bad={3: {"scheduled_at": "31/13/2026"}, 25: {"channel": "@nessuno"}})
    stopped = await _client("posts", str(plan), "--brand", "acme", "--url", server,
                            "--batch-size", "20", "--map", "canale=channel", token=token)
    assert stopped.returncode == 1, stopped.stderr
    assert "line 8, scheduledAt: INVALID" in stopped.stderr
    assert "stopped at a refused batch" in stopped.stderr
    assert await Post.count() == 0  # the first batch was refused: the second never sent

    skipped = await _client("posts", str(plan), "--brand", "acme", "--url", server,
                            "--batch-size", "20", "--skip-invalid", "--map", "canale=channel",
                            token=token)
    assert skipped.returncode == 1, skipped.stderr
    assert "line 8, scheduledAt: INVALID" in skipped.stderr
    assert "line 52, channel: UNKNOWN_CHANNEL" in skipped.stderr
    assert await Post.count() == 28


async def test_an_export_goes_back_through_the_client_unchanged(server, acme, tmp_path):
    await make_channel(await make_brand(), handle="@acme")  # another brand's: not matched
    first = datetime(2026, 11, 2, 9, tzinfo=UTC)
    for n, text in enumerate(["=1+1", "@tutti", "-10%", "normale"]):
        await make_post(acme.brand, acme.channel, ref=f"E-{n}", text=text,
                        scheduled_at=first + timedelta(days=n))
    exported = tmp_path / "export.csv"
    brand = {"id": acme.brand.id, "timezone": "Europe/Rome", "currency": "EUR"}
    with exported.open("wb") as out:
        await export(ExportEntity.POSTS, brand, date(2026, 11, 1), date(2026, 11, 30),
                     ExportFormat.CSV, out, bom=True, delimiter=";")
    before = await Post.select().order_by(Post.id)
    back = await _client("posts", str(exported), "--brand", "acme", "--url", server,
                         token=acme.token)
    assert back.returncode == 0, back.stderr
    assert "skipping columns that are not posts fields: engagement" in back.stderr
    assert "│         4 │        0 │       0 │         4 │        0 │       0 │" in back.stderr
    assert await Post.select().order_by(Post.id) == before


async def test_refusals_are_plain(server, acme, tmp_path):
    token = acme.token
    plan = tmp_path / "piano.csv"
    _plan(plan, 1)
    nobody = await _client("posts", str(plan), "--brand", "nope", "--url", server,
                           token=token)
    assert nobody.returncode == 2 and "no brand 'nope' that this token can see" in \
        nobody.stderr
    bad_token = await _client("posts", str(plan), "--brand", "acme", "--url", server,
                              token="coso_not-a-token")
    assert bad_token.returncode == 2 and "token is unknown, revoked" in bad_token.stderr
    missing = await _client("posts", str(tmp_path / "none.csv"), "--brand", "acme",
                            "--url", server, token=token)
    assert missing.returncode == 2 and "no file" in missing.stderr
    down = await _client("posts", str(plan), "--brand", "acme", "--retries", "1",
                         "--url", f"http://127.0.0.1:{free_port()}/graphql", token=token)
    assert down.returncode == 1 and "giving up after 2 attempts" in down.stderr
    assert "Traceback" not in nobody.stderr + bad_token.stderr + missing.stderr + down.stderr


async def test_ndjson_goes_through_the_client_as_coso_import_reads_it(server, acme, tmp_path):
    plan = tmp_path / "piano.ndjson"
    plan.write_text("\n".join(json.dumps(item, ensure_ascii=False) for item in (
        {"ref": "J-1", "channel": "@acme", "text": "Primo", "tags": ["caffè", "natale"]},
        {"ref": "J-2", "channel": "@acme", "text": "Secondo", "pillar": "opinion"},
    )) + "\n", encoding="utf-8")
    done = await _client("posts", str(plan), "--brand", "acme", "--url", server,
                         token=acme.token)
    assert done.returncode == 0, done.stderr
    posts = {p["ref"]: p for p in await Post.select().output(load_json=True)}
    assert posts["J-1"]["tags"] == ["caffè", "natale"]
    assert posts["J-1"]["pillar"] == "INFORMATIVE"
    assert posts["J-2"]["pillar"] == "OPINION" and posts["J-2"]["tags"] == []
    broken = tmp_path / "rotto.jsonl"
    broken.write_text('{"ref": "J-3", "channel": "@acme", "text": "ok"}\n{"ref": \n')
    refused = await _client("posts", str(broken), "--brand", "acme", "--url", server,
                            token=acme.token)
    assert refused.returncode == 2 and "line 2 is not valid JSON" in refused.stderr
    assert "Traceback" not in refused.stderr
