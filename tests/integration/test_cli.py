"""The `coso` command line against the test database: users, tokens, serve's guards."""

from __future__ import annotations

import asyncio
import re
from dataclasses import replace
from typing import Any

import pytest
from click.testing import Result
from typer.testing import CliRunner

import api.cli
from domain.enums import Role
from domain.models import ApiToken, AuditLog, Membership, User, WorkspaceMember
from domain.services.tokens import authenticate
from domain.settings import get_settings
from tests.factories import make_brand, make_user, make_workspace

pytestmark = pytest.mark.storage

TOKEN = re.compile(r"coso_[A-Za-z0-9_-]{40,}")


@pytest.fixture
def coso(database):
    """Run `coso …` as a user would: in its own thread and event loop.

    The session's PostgreSQL pool belongs to the test loop, so it is set aside while the
    command runs (the command opens and closes a pool of its own).
    """
    runner = CliRunner()
    pool = getattr(database, "pool", None)

    async def invoke(*args: str) -> Result:
        if pool is not None:
            database.pool = None
        try:
            return await asyncio.to_thread(runner.invoke, api.cli.app, list(args))
        finally:
            if pool is not None:
                database.pool = pool

    return invoke


def refused(result: Result, message: str) -> bool:
    return (result.exit_code == 2 and message in result.output
            and "Traceback" not in result.output)


async def test_user_create_with_workspace_and_brand_roles(coso):
    workspace = await make_workspace(slug="agency")
    brand = await make_brand(workspace, slug="acme")
    result = await coso("user", "create", "--email", " Ada@Example.COM ", "--name", "Ada",
                        "--workspace", "agency", "--workspace-role", "admin",
                        "--brand", "acme", "--role", "manager", "--role", "STRATEGIST")
    assert result.exit_code == 0, result.output
    assert "created user ada@example.com" in result.output
    user = await User.objects().get(User.email == "ada@example.com")
    assert user is not None and user.name == "Ada"
    roles = await Membership.select(Membership.role).where(
        Membership.user == user.id, Membership.brand == brand.id)
    assert sorted(r["role"] for r in roles) == [Role.MANAGER, Role.STRATEGIST]
    member = await WorkspaceMember.select(WorkspaceMember.role).where(
        WorkspaceMember.user == user.id).first()
    assert member == {"role": "ADMIN"}
    actions = {r["action"] for r in await AuditLog.select(AuditLog.action)}
    assert actions == {"user.create", "workspace_admin.set", "member.add"}

    again = await coso("user", "create", "--email", "ada@example.com", "--name", "Ada",
                       "--brand", "acme", "--role", "CLIENT")
    assert again.exit_code == 0 and "existing user" in again.output
    assert await User.count() == 1
    assert await Membership.count().where(Membership.user == user.id) == 3


async def test_token_create_authenticates_and_revoke_stops_it(coso):
    user = await make_user("bo@example.com")
    created = await coso("token", "create", "--user", "bo@example.com", "--name", "laptop")
    assert created.exit_code == 0, created.output
    token = created.stdout.strip()
    assert TOKEN.fullmatch(token)
    authenticated = await authenticate(token)
    assert authenticated is not None and authenticated.id == user.id

    listed = await coso("token", "list", "--user", "bo@example.com")
    assert listed.exit_code == 0 and token[:12] in listed.output and "laptop" in listed.output
    row: Any = await ApiToken.select(ApiToken.id).first()
    revoked = await coso("token", "revoke", "--id", str(row["id"]))
    assert revoked.exit_code == 0, revoked.output
    assert await authenticate(token) is None
    assert refused(await coso("token", "revoke", "--id", str(row["id"])), "already revoked")


async def test_bad_input_exits_2_with_a_message(coso):
    await make_brand(await make_workspace(slug="agency"), slug="acme")
    cases = [
        (("user", "create", "--email", "not-an-email", "--name", "X"), "not an e-mail"),
        (("user", "create", "--email", "x@example.com", "--name", "X", "--brand", "acme",
          "--role", "BOSS"), "unknown role 'BOSS'"),
        (("user", "create", "--email", "x@example.com", "--name", "X", "--role", "MANAGER"),
         "--role needs --brand"),
        (("user", "create", "--email", "x@example.com", "--name", "X", "--brand", "acme"),
         "--brand needs at least one --role"),
        (("user", "create", "--email", "x@example.com", "--name", "X",
          "--workspace-role", "OWNER"), "--workspace-role needs --workspace"),
        (("user", "create", "--email", "x@example.com", "--name", "X", "--brand", "nope",
          "--role", "CLIENT"), "no brand with slug 'nope'"),
        (("user", "create", "--email", "x@example.com", "--name", "X", "--workspace", "nope",
          "--workspace-role", "ADMIN"), "no workspace with slug 'nope'"),
        (("token", "create", "--user", "ghost@example.com"), "no user with e-mail"),
        (("token", "revoke", "--id", "424242"), "no token with id 424242"),
    ]
    for args, message in cases:
        result = await coso(*args)
        assert refused(result, message), (args, result.exit_code, result.output)
    assert await User.count() == 0


async def test_serve_guards(coso, monkeypatch, tmp_path):
    import uvicorn

    calls: list[tuple[Any, ...]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: calls.append((a, kw)))
    sqlite = replace(get_settings(), database_url="sqlite:///coso.db")
    monkeypatch.setattr(api.cli, "get_settings", lambda: sqlite)

    assert refused(await coso("serve", "--workers", "2"), "SQLite serves one process")
    assert calls == []

    result = await coso("serve", "--host", "0.0.0.0", "--port", "8123")
    assert result.exit_code == 0, result.output
    assert "COSO_SECRET_KEY" in result.output  # the development key on a public address
    assert len(calls) == 1 and calls[0][0] == ("api.app:app",)
    kwargs = calls[0][1]
    assert {k: kwargs[k] for k in ("host", "port", "workers", "reload", "proxy_headers",
                                   "access_log")} == {
        "host": "0.0.0.0", "port": 8123, "workers": 1, "reload": False,
        "proxy_headers": True, "access_log": False}
    # Our structured logs in every process uvicorn starts (JSON: not a terminal).
    assert kwargs["log_config"]["formatters"]["coso"] == {"()": "domain.logs.formatter",
                                                          "fmt": "json"}

    postgres = replace(sqlite, database_url="postgresql://db/coso", secret_key="s3cret")
    monkeypatch.setattr(api.cli, "get_settings", lambda: postgres)
    # Several processes share their metrics through PROMETHEUS_MULTIPROC_DIR, emptied of
    # an earlier run's files (set here so that monkeypatch restores the environment).
    stale = tmp_path / "counter_123.db"
    stale.write_bytes(b"old")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    result = await coso("serve", "--workers", "4")
    assert result.exit_code == 0 and "COSO_SECRET_KEY" not in result.output
    assert not stale.exists()
    assert calls[-1][1]["workers"] == 4 and calls[-1][1]["host"] == "127.0.0.1"


async def test_migrate_is_a_no_op_on_a_migrated_database(coso):
    result = await coso("migrate")
    assert result.exit_code == 0, result.output
    assert result.output.endswith(" is up to date: no migrations to apply\n")
    assert result.output.count("\n") == 1  # not Piccolo's "already complete" report
