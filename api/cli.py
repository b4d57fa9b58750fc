"""The `coso` command: migrate, seed the demo, serve the API, manage users and tokens."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import os
import re
import warnings
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from piccolo.engine.sqlite import SQLiteEngine
from rich.console import Console
from rich.table import Table

import domain  # noqa: F401 - sets PICCOLO_CONF before Piccolo loads (typer, rich do not)
from api.emulator.cli import emulator
from domain.db import close_pool, engine, open_pool, write_transaction
from domain.enums import Role, WorkspaceRole
from domain.migrate import schema_problem
from domain.models import ApiToken, Brand, Membership, User, Workspace, WorkspaceMember
from domain.services.audit import record
from domain.services.tokens import hash_token, issue_token, revoke_token
from domain.settings import get_settings

T = TypeVar("T")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
GRAPHQL_URL = "http://127.0.0.1:8000/graphql"

# Plain (click-style) help: Typer's rich panels print a type column (`--help <bool>`) and
# keep docstrings' line breaks; plain help wraps whole sentences at the terminal's width.
PLAIN_HELP: dict[str, Any] = {"no_args_is_help": True, "rich_markup_mode": None}
app = typer.Typer(help="Coso: social media marketing, GraphQL-first.", add_completion=False,
                  **PLAIN_HELP)
user_app = typer.Typer(help="Manage users.", **PLAIN_HELP)
token_app = typer.Typer(help="Manage API tokens.", **PLAIN_HELP)
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")
app.command()(emulator)

console = Console()
errors = Console(stderr=True)


def fail(message: str, code: int = 2) -> NoReturn:
    """Stop with a one-line message (no traceback); 2 means the input was wrong."""
    # soft_wrap: one line for the terminal to wrap, not one cut at 80 columns when piped
    errors.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def run(work: Callable[[], Awaitable[T]], *, schema: bool = True) -> T:
    """Run one command's async work with a database pool open around it.

    With `schema`, a database Coso cannot use yet stops the command with one line saying
    what to do (not a traceback from the first query), and a missing SQLite file is not
    created empty on the way.
    """
    with _no_piccolo_warnings():  # building the engine already connects, to check versions
        db = engine()
    where = database_name(db)
    if schema and isinstance(db, SQLiteEngine) and not os.path.exists(db.path):
        unset = "" if os.environ.get("DATABASE_URL") else " (DATABASE_URL is unset)"
        fail(f"no Coso database at {where}{unset}: run `coso migrate` to create it")

    async def main() -> T:
        # A pool bound to another event loop (an embedding app, the test session) is
        # left alone; queries then use their own connections.
        own_pool = getattr(db, "pool", False) is None
        with _no_piccolo_warnings():
            try:
                if own_pool:
                    await open_pool(max_size=2)
            except Exception as error:
                _unreachable(where, error)
        try:
            # Also the first query, so it finds a server that is down or refuses us.
            with _no_piccolo_warnings():
                try:
                    problem = await schema_problem()
                except Exception as error:
                    _unreachable(where, error)
            if schema and problem:
                fail(f"database {where} {problem}: run `coso migrate`")
            return await work()
        finally:
            if own_pool:
                await close_pool()

    return asyncio.run(main())


@contextlib.contextmanager
def _no_piccolo_warnings() -> Iterator[None]:
    """Piccolo warns, in colour, of a failed connection before raising: say it once."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _unreachable(where: str, error: Exception) -> NoReturn:
    fail(f"cannot use database {where}: {str(error) or type(error).__name__}", code=1)


def database_name(db: Any) -> str:
    """The database a user would recognise: the SQLite file, or the URL without password."""
    if db.engine_type == "sqlite":
        return os.path.abspath(db.path)
    config = db.config
    return (f"postgresql://{config.get('user', 'postgres')}@{config.get('host', '127.0.0.1')}:"
            f"{config.get('port', 5432)}/{config.get('database', 'postgres')}")


# --- database -----------------------------------------------------------------------------


@app.command()
def migrate() -> None:
    """Apply pending migrations to DATABASE_URL's database.

    Without DATABASE_URL that is the SQLite file scripts/demo uses, created if missing.
    """
    from domain.migrate import MigrationFailed
    from domain.migrate import migrate as run_migrations

    try:
        done = run(run_migrations, schema=False)
    except MigrationFailed as error:
        fail(f"migration failed: {error}", code=1)
    where = database_name(engine())
    said = (f"migrated {where}: applied {len(done)} migration{'s' if len(done) != 1 else ''}"
            if done else f"{where} is up to date: no migrations to apply")
    console.print(said, highlight=False, soft_wrap=True)  # one line, however long the path


@app.command()
def demo() -> None:
    """Seed the demo agency and print a fresh token per demo user.

    Migrates first; seeding again keeps the data and replaces the demo users' tokens.
    """
    from domain.demo import seed_demo
    from domain.migrate import migrate as run_migrations

    emulated = bool(get_settings().platform_base_url)

    async def work() -> list[Any]:
        await run_migrations()
        logins = await seed_demo(synced=emulated)
        if emulated:
            # Through each platform's OAuth flow, the consent answered on the emulator.
            from api.demo_connect import connect_demo_channels

            for channel in await connect_demo_channels():
                console.print(f"connected {channel} through OAuth", highlight=False)
        return logins

    logins = run(work, schema=False)
    console.print(demo_logins_table(logins))
    console.print(
        f"Open [bold]{GRAPHQL_URL}[/] (after [bold]coso serve[/]) and set the header\n"
        f'  {{"Authorization": "Bearer {logins[0].token}"}}', highlight=False, soft_wrap=True)


def demo_logins_table(logins: list[Any]) -> Table:
    """One row per demo user: who, and their token on a line of its own (never wrapped,
    so it copies whole); roles wrap between words in the other column, so the table
    reads at 80 columns, the width Rich assumes when output is not a terminal."""
    table = Table(title="Demo users (tokens replace those of earlier runs)", show_lines=True)
    table.add_column("user and token", no_wrap=True)
    table.add_column("roles", overflow="fold", min_width=len("COMMUNITY_MANAGER"))
    for login in logins:
        roles = [f"workspace {login.workspace_role}"] if login.workspace_role else []
        roles += [f"{slug}: {', '.join(held)}" for slug, held in login.brand_roles.items()]
        table.add_row(f"{login.name} <{login.email}>\n{login.token}", "\n".join(roles))
    return table


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(
        metavar="HOST", help="Address to bind (default: COSO_HOST, else 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(
        metavar="PORT", help="Port to bind (default: COSO_PORT, else 8000).")] = None,
    workers: Annotated[int, typer.Option(metavar="N", help="Worker processes.")] = 1,
    reload: Annotated[bool, typer.Option("--reload", help="Restart on code changes "
                                                          "(development).")] = False,
) -> None:
    """Serve the GraphQL API (and GraphiQL) with uvicorn."""
    import uvicorn

    settings = get_settings()
    host = host or settings.host
    port = port or settings.port
    if workers < 1:
        fail("--workers must be 1 or more")
    if workers > 1 and settings.uses_sqlite:
        fail("SQLite serves one process: use --workers 1, or set DATABASE_URL to PostgreSQL "
             "for several workers")
    if workers > 1 and reload:
        fail("--reload runs a single process: drop --workers or --reload")
    run(_nothing)  # a database Coso cannot use: one line now, not an error per request
    if settings.secret_key_is_default and not _is_loopback(host):
        errors.print(f"[bold yellow]warning:[/] serving on {host} with the development "
                     "COSO_SECRET_KEY: set a secret of your own before exposing Coso",
                     highlight=False)
    from domain.logs import dict_config, resolve_format

    try:
        log_format = resolve_format(settings.log_format)
    except ValueError as error:
        fail(str(error))
    if workers > 1:
        _multiprocess_metrics()
    uvicorn.run("api.app:app", host=host, port=port, workers=workers, reload=reload,
                proxy_headers=True, access_log=False,  # our `request` line has the id
                log_config=dict_config(log_format, settings.log_level))


def _multiprocess_metrics() -> None:
    """Several processes answer on one socket, so a scrape reaches any one of them: they
    share their samples through files (prometheus_client's multiprocess mode) in
    PROMETHEUS_MULTIPROC_DIR, emptied first (old files would count old processes), or a
    new temporary folder."""
    import glob
    import tempfile

    from domain.metrics import MULTIPROC_ENV

    folder = os.environ.get(MULTIPROC_ENV)
    if folder:
        os.makedirs(folder, exist_ok=True)
        for stale in glob.glob(os.path.join(folder, "*.db")):
            os.remove(stale)
    else:
        os.environ[MULTIPROC_ENV] = tempfile.mkdtemp(prefix="coso-metrics-")


async def _nothing() -> None:
    return None


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# --- users --------------------------------------------------------------------------------


def _email(value: str) -> str:
    email = value.strip().lower()
    if len(email) > 254 or not EMAIL.match(email):
        fail(f"{value!r} is not an e-mail address")
    return email


def _choice(kind: str, value: str, allowed: type[WorkspaceRole] | type[Role]) -> Any:
    try:
        return allowed(value.strip().upper())
    except ValueError:
        fail(f"unknown {kind} {value!r}: use one of {', '.join(allowed)}")


@user_app.command("create")
def user_create(
    email: Annotated[str, typer.Option(metavar="EMAIL",
                                       help="The user's e-mail (their login name).")],
    name: Annotated[str, typer.Option(metavar="NAME", help="Display name.")],
    workspace: Annotated[str | None, typer.Option(metavar="SLUG", help="Workspace slug.")
                         ] = None,
    workspace_role: Annotated[str | None, typer.Option(
        metavar="OWNER|ADMIN", help="Make the user OWNER or ADMIN of --workspace.")] = None,
    brand: Annotated[str | None, typer.Option(metavar="SLUG",
                                              help="Brand slug to give roles on.")] = None,
    role: Annotated[list[str] | None, typer.Option(
        metavar="ROLE",
        help="A role on --brand: STRATEGIST, MANAGER, COMMUNITY_MANAGER or CLIENT; repeatable.")
    ] = None,
) -> None:
    """Create a user, or give an existing one more roles.

    Roles are given on a workspace (--workspace-role) and on a brand (--role, repeatable).
    """
    address = _email(email)
    name = name.strip()
    if not name or len(name) > 200:
        fail("--name must be 1 to 200 characters")
    ws_role = _choice("workspace role", workspace_role, WorkspaceRole) if workspace_role else None
    roles = sorted({_choice("role", r, Role) for r in role or []})
    if ws_role and not workspace:
        fail("--workspace-role needs --workspace SLUG")
    if roles and not brand:
        fail("--role needs --brand SLUG")
    if brand and not roles:
        fail("--brand needs at least one --role")

    async def work() -> tuple[bool, dict[str, Any] | None, dict[str, Any] | None]:
        ws_row = brand_row = None
        if workspace:
            ws_row = await Workspace.select(Workspace.id).where(
                Workspace.slug == workspace).first()
            if ws_row is None:
                fail(f"no workspace with slug {workspace!r}")
        if brand:
            query = Brand.select(Brand.id, Brand.workspace, Brand.name).where(Brand.slug == brand)
            if ws_row:
                query = query.where(Brand.workspace == ws_row["id"])
            found = await query
            if not found:
                fail(f"no brand with slug {brand!r}" + (f" in {workspace!r}" if ws_row else ""))
            if len(found) > 1:
                fail(f"several workspaces have a brand {brand!r}: add --workspace SLUG")
            brand_row = found[0]
        async with write_transaction():
            user = await User.select(User.id).where(User.email == address).first()
            created = user is None
            if user is None:
                user = (await User.insert(User(email=address, name=name)))[0]
                await record(actor_id=None, action="user.create", object_type="User",
                             object_id=user["id"], after={"email": address, "name": name})
            if ws_role and ws_row:
                await WorkspaceMember.insert(
                    WorkspaceMember(workspace=ws_row["id"], user=user["id"], role=ws_role)
                ).on_conflict(target=(WorkspaceMember.workspace, WorkspaceMember.user),
                              action="DO UPDATE", values=[WorkspaceMember.role])
                await record(actor_id=None, action="workspace_admin.set", object_type="User",
                             object_id=user["id"], workspace_id=ws_row["id"],
                             after={"email": address, "role": ws_role})
            if brand_row:
                await Membership.insert(*[
                    Membership(user=user["id"], brand=brand_row["id"], role=r) for r in roles
                ]).on_conflict(target=(Membership.user, Membership.brand, Membership.role),
                               action="DO NOTHING")
                await record(actor_id=None, action="member.add", object_type="User",
                             object_id=user["id"], workspace_id=brand_row["workspace"],
                             brand_id=brand_row["id"],
                             after={"email": address, "roles": [r.value for r in roles]})
        return created, ws_row, brand_row

    created, ws_row, brand_row = run(work)
    console.print(f"{'created' if created else 'existing'} user [bold]{address}[/]",
                  highlight=False)
    if ws_row:
        console.print(f"  workspace {workspace}: {ws_role or 'no workspace role'}")
    if brand_row:
        console.print(f"  brand {brand}: {', '.join(roles)}")
    if created:
        console.print(f"Issue a token with: coso token create --user {address}", highlight=False)


# --- tokens -------------------------------------------------------------------------------


async def _user_id(address: str) -> int:
    user = await User.select(User.id, User.is_active).where(User.email == address).first()
    if user is None:
        fail(f"no user with e-mail {address!r}")
    if not user["is_active"]:
        fail(f"user {address!r} is deactivated")
    return user["id"]


@token_app.command("create")
def token_create(
    user: Annotated[str, typer.Option(metavar="EMAIL", help="The token owner's e-mail.")],
    name: Annotated[str, typer.Option(metavar="NAME", help="What the token is for.")] = "cli",
) -> None:
    """Issue an API token; it is printed once and cannot be shown again."""
    address = _email(user)
    if len(name) > 100:
        fail("--name takes at most 100 characters")

    async def work() -> str:
        async with write_transaction():
            user_id = await _user_id(address)
            token = await issue_token(user_id, name)
            row = await ApiToken.select(ApiToken.id, ApiToken.prefix).where(
                ApiToken.token_hash == hash_token(token)).first()
            assert row is not None
            await record(actor_id=None, action="api_token.create", object_type="ApiToken",
                         object_id=row["id"], after={"user": address, "name": name,
                                                     "prefix": row["prefix"]})
        return token

    token = run(work)
    errors.print(f"API token for {address} (shown only now, store it safely):",
                 highlight=False)
    typer.echo(token)  # alone on stdout, so `$(coso token create ...)` captures just it


@token_app.command("revoke")
def token_revoke(id: Annotated[int, typer.Option(
        metavar="ID", help="The token's id (see `coso token list`).")]) -> None:
    """Revoke a token: requests using it are refused from now on."""

    async def work() -> dict[str, Any]:
        async with write_transaction():
            row = await ApiToken.select(ApiToken.id, ApiToken.user, ApiToken.prefix,
                                        ApiToken.revoked_at, ApiToken.user.email).where(
                ApiToken.id == id).first()
            if row is None:
                fail(f"no token with id {id}")
            if row["revoked_at"] is not None:
                fail(f"token {id} ({row['prefix']}…) is already revoked")
            await revoke_token(id, row["user"])
            await record(actor_id=None, action="api_token.revoke", object_type="ApiToken",
                         object_id=id, after={"user": row["user.email"],
                                              "prefix": row["prefix"]})
        return row

    row = run(work)
    console.print(f"revoked token {id} ({row['prefix']}…) of {row['user.email']}",
                  highlight=False)


@token_app.command("list")
def token_list(user: Annotated[str, typer.Option(
        metavar="EMAIL", help="The tokens' owner's e-mail.")]) -> None:
    """List a user's tokens: id, prefix, name, created, last used, revoked."""
    address = _email(user)

    async def work() -> list[dict[str, Any]]:
        user_id = await _user_id(address)
        return await ApiToken.select(
            ApiToken.id, ApiToken.prefix, ApiToken.name, ApiToken.created_at,
            ApiToken.last_used_at, ApiToken.revoked_at,
        ).where(ApiToken.user == user_id).order_by(ApiToken.id)

    rows = run(work)
    table = Table(title=f"API tokens of {address}")
    for column in ("id", "prefix", "name", "created", "last used", "revoked"):
        table.add_column(column, no_wrap=column in ("id", "prefix"))
    for r in rows:
        table.add_row(str(r["id"]), r["prefix"] + "…", r["name"], _when(r["created_at"]),
                      _when(r["last_used_at"]), _when(r["revoked_at"]))
    console.print(table if rows else f"{address} has no tokens", highlight=False)


def _when(value: Any) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if value else "—"


from api.cli_reports import report as report_command  # noqa: E402 - its module needs `app`'s helpers

app.command("report")(report_command)

from api.cli_sync import register as register_sync  # noqa: E402 - it uses `app`'s helpers

register_sync(app)

from api.cli_export import register as register_export  # noqa: E402 - uses `app`'s helpers

register_export(app)

from api.cli_import import register as register_import  # noqa: E402 - uses `app`'s helpers

register_import(app)

from api.cli_rollups import register as register_rollups  # noqa: E402 - uses `app`'s helpers

register_rollups(app)

if __name__ == "__main__":
    app()
