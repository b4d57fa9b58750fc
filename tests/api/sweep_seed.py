"""The isolation sweep's world: a victim brand whose every text holds a marker, and its neighbours.

Three brands with the same set of objects: the victim brand in the victim workspace, a
sibling brand in the same workspace (its member sees the workspace, never the victim
brand) and the attacker's brand in a workspace of its own. Every free-text column of every
victim row holds a unique marker (`zq…x`), so a response that shows any victim data is
found by a plain text search; `check_markers_planted` fails when a new column has none.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from piccolo.columns import JSON, Text, Varchar
from piccolo.table import Table

from api.graphql.ids import global_id
from domain.enums import (
    CampaignObjective,
    CampaignStatus,
    ChannelStatus,
    ConnectionStatus,
    ConversationKind,
    ConversationStatus,
    DeliveryStatus,
    MessageDirection,
    Platform,
    PostStatus,
    ReportFormat,
    ReportKind,
    ReportStatus,
    Role,
    SourceKind,
    SyncKind,
    SyncStatus,
    WorkspaceRole,
)
from domain.models import (
    ALL_TABLES,
    ApiToken,
    AuditLog,
    Brand,
    Campaign,
    CampaignChannel,
    Channel,
    ChannelConnection,
    ChannelMetric,
    Conversation,
    InternalNote,
    Invitation,
    Membership,
    Message,
    Post,
    PostMetric,
    PostTransition,
    RecipientConfirmation,
    Report,
    ReportDelivery,
    ReportSchedule,
    SavedReply,
    Strategy,
    SyncRun,
    User,
    Webhook,
    WebhookAttempt,
    WebhookDelivery,
    Workspace,
    WorkspaceMember,
)
from domain.services import rollups
from domain.services.secrets import encrypt_token
from domain.services.tokens import issue_token

TENANTS = ("victim", "sibling", "attacker")
# The brand roles the matrix speaks of, and the viewers holding each on the victim brand.
ROLE_VIEWERS = {"strategist": Role.STRATEGIST, "manager": Role.MANAGER,
                "community_manager": Role.COMMUNITY_MANAGER, "client": Role.CLIENT}
WORKSPACE_VIEWERS = {"owner": WorkspaceRole.OWNER, "admin": WorkspaceRole.ADMIN}
INSIDERS = (*WORKSPACE_VIEWERS, *ROLE_VIEWERS)
# Viewers outside the victim brand: no token, a user with no membership at all, the owner
# of another workspace, and a member (every role) of another brand of the victim workspace.
OUTSIDERS = ("anonymous", "nomember", "outsider", "sibling")
# What each outsider calls its own: the tenant whose objects fill the arguments they may use.
OWN_TENANT = {"outsider": "attacker", "sibling": "sibling"}

# Columns that hold no text a viewer could recognise (codes, hashes, formats), or whose
# value a validator constrains: they need no marker. A new free-text column is not here,
# so `check_markers_planted` names it until the seed writes a marker into it.
NO_MARKER = {
    "brand": {"locale", "timezone", "currency", "primary_color", "secondary_color",
              "business_hours"},
    "channel": {"access_token", "refresh_token"},
    "strategy": {"currency", "kpi_targets"},
    "campaign": {"currency", "kpi_targets"},
    "audit_log": {"action", "object_type"},
    "api_token": {"token_hash", "prefix"},
    "channel_metric": {"metric", "currency", "source_version"},
    "post_metric": {"metric", "currency", "source_version"},
    "metric_rollup": {"grain", "format", "pillar", "media_type", "level", "metric", "currency",
                      "source_kind_lo", "source_kind_hi", "source_version_lo",
                      "source_version_hi"},
    "report_schedule": {"locale"},
    "report": {"locale", "storage_key", "job_id"},
    "sync_run": {"job_id", "api_version", "error_code"},
    "post": {"publish_claim"},
    "invitation": {"roles", "token_hash"},
    "recipient_confirmation": {"token_hash"},
    "webhook": {"events", "secret"},
    "webhook_delivery": {"event_kind", "status"},
    "channel_connection": {"state_hash", "pick_hash", "code_verifier", "access_token",
                           "refresh_token", "connected"},
    "conversation": {"language"},
    "message": {"language", "reply_claim"},
}


@dataclass
class Seed:
    ids: dict[tuple[str, str], int] = field(default_factory=dict)
    """(tenant, key) → primary key; key is a type name, or `Type:variant` (`Post:in_review`)."""
    values: dict[tuple[str, str], str] = field(default_factory=dict)
    """(tenant, key) → a value a caller may know without seeing it here (a slug, a handle)."""
    users: dict[str, int] = field(default_factory=dict)
    tokens: dict[str, str | None] = field(default_factory=dict)
    markers: dict[str, str] = field(default_factory=dict)
    """marker → "workspace" (the sibling may see it) or "brand" (victim brand viewers only)."""
    labels: dict[str, str] = field(default_factory=dict)
    """marker → what it was planted in (`post draft`), for messages."""
    victim_gids: dict[str, str] = field(default_factory=dict)
    """global id → level, as for markers."""

    def forbidden_to(self, viewer: str) -> set[str]:
        """Strings that must never appear in what `viewer` gets back."""
        levels = {"brand"} if viewer == "sibling" else {"brand", "workspace"}
        return ({m for m, lvl in self.markers.items() if lvl in levels}
                | {g for g, lvl in self.victim_gids.items() if lvl in levels})


class _Marks:
    def __init__(self, seed: Seed, tenant: str) -> None:
        self.seed, self.tenant = seed, tenant

    def __call__(self, label: str, level: str = "brand") -> str:
        """A victim text holding a fresh marker; another tenant's text is plain."""
        if self.tenant != "victim":
            return f"{self.tenant}-{label}".lower()
        marker = f"zq{len(self.seed.markers) + 1:03d}x"
        self.seed.markers[marker] = level
        self.seed.labels[marker] = label.lower()
        return f"{label}-{marker}".lower()


async def _insert(row: Table) -> int:
    await row.save()
    return int(row.id)


async def _tenant(seed: Seed, tenant: str, workspace_id: int, users: dict[str, int]) -> None:
    """One brand with one of every object the API shows, its texts marked for the victim."""
    mark = _Marks(seed, tenant)
    ids = seed.ids

    def put(key: str, pk: int) -> int:
        ids[(tenant, key)] = pk
        return pk

    slug = mark("brand-slug")
    brand = put("Brand", await _insert(Brand(
        workspace=workspace_id, name=mark("Brand name"), slug=slug, locale="en_GB",
        timezone="Europe/London", currency="GBP", logo=f"brands/{mark('logo')}.png",
        font=mark("font"))))
    seed.values[(tenant, "brand_slug")] = slug
    handle = "@" + mark("handle")
    channel = put("Channel", await _insert(Channel(
        brand=brand, platform=Platform.INSTAGRAM, handle=handle, name=mark("Channel name"),
        external_id=mark("external"), status=ChannelStatus.CONNECTED,
        access_token=encrypt_token("sweep-token"), connected_at=datetime.now(UTC),
        last_error=mark("last error"), metrics_watermark=date(2026, 10, 31),
        backfilled_from=date(2026, 1, 1))))
    seed.values[(tenant, "channel_handle")] = handle
    seed.values[(tenant, "member_email")] = (await User.select(User.email).where(
        User.id == users[f"{tenant}:manager"]).first())["email"]
    put("Strategy", await _insert(Strategy(
        brand=brand, name=mark("Strategy name"), starts_on=date(2020, 1, 1),
        ends_on=date(2020, 6, 30), objectives=[mark("objective")],
        target_audience=mark("audience"),
        platforms=[{"platform": "instagram", "rationale": mark("rationale")}],
        competitors=[{"name": mark("competitor"), "handles": ["@" + mark("rival")]}],
        budget=Decimal("500.00"), currency="GBP",
        kpi_targets=[{"kpi": "engagement_rate", "target": 0.05}])))
    campaign_values = dict(
        brand=brand, objective=CampaignObjective.ENGAGEMENT, status=CampaignStatus.PLANNED,
        starts_on=date(2026, 10, 1), ends_on=date(2026, 12, 31), currency="GBP",
        utm_source=mark("utm source"), utm_medium=mark("utm medium"),
        utm_campaign=mark("utm campaign"), utm_term=mark("utm term"),
        utm_content=mark("utm content"), kpi_targets=[{"kpi": "reach", "target": 1000}])
    campaign = put("Campaign", await _insert(Campaign(
        name=mark("Campaign name"), description=mark("Campaign text"), ref=mark("cref"),
        **campaign_values)))
    # A campaign no post belongs to: the one deleteCampaign may delete.
    put("Campaign:empty", await _insert(Campaign(
        name=mark("Empty campaign"), description=mark("Empty text"), ref=mark("cref2"),
        **campaign_values)))
    await _insert(CampaignChannel(campaign=campaign, channel=channel))

    creator = users[f"{tenant}:manager"]
    soon = datetime.now(UTC) + timedelta(days=10)
    for status in (PostStatus.DRAFT, PostStatus.IN_REVIEW, PostStatus.APPROVED,
                   PostStatus.SCHEDULED, PostStatus.REJECTED, PostStatus.PUBLISHED):
        variant = status.lower()
        published = status is PostStatus.PUBLISHED
        post = put(f"Post:{variant}", await _insert(Post(
            brand=brand, channel=channel, campaign=campaign, status=status,
            text=mark(f"post {variant}"), media=[{"url": f"https://cdn.example/{mark('m')}.png",
                                                  "kind": "IMAGE", "alt": mark("alt")}],
            tags=[mark("tag")], rejection_reason=mark("reason"),
            external_id=mark(f"post ext {variant}"),
            permalink=f"https://instagram.example/{mark('link')}",
            failure_reason=mark("failure"), ref=mark(f"ref {variant}"),
            scheduled_at=soon if status is not PostStatus.PUBLISHED else soon - timedelta(
                days=40),
            published_at=soon - timedelta(days=40) if published else None,
            created_by=creator)))
        await _insert(PostTransition(post=post, from_status=PostStatus.DRAFT, to_status=status,
                                     actor=creator, reason=mark("transition")))
    ids[(tenant, "Post")] = ids[(tenant, "Post:draft")]
    published = ids[(tenant, "Post:published")]
    day = date(2026, 10, 15)
    observation = dict(day=day, source_kind=SourceKind.IMPORT, source_version="v1")
    await _insert(ChannelMetric(channel=channel, metric="reach", value=Decimal(1234),
                                source_name=mark("source"), raw_metric=mark("raw"),
                                note=mark("note"), **observation))
    await _insert(PostMetric(post=published, metric="reactions", value=Decimal(56),
                             source_name=mark("source"), raw_metric=mark("raw"),
                             note=mark("note"), **observation))
    sql = rollups.piccolo_sql()  # the rows written above, rolled up as their writers do
    await rollups.refresh(sql, rollups.merge(
        {channel: [day]}, await rollups.post_channel_days(sql, [(published, day)])))
    put("SyncRun", await _insert(SyncRun(
        channel=channel, kind=SyncKind.METRICS, status=SyncStatus.FAILED,
        window_from=date(2026, 10, 1), window_to=date(2026, 10, 31), job_id="job",
        error_code="AUTH", error=mark("sync error"), requested_by=creator)))
    await _inbox(mark, put, brand, channel, published, users[f"{tenant}:community_manager"])
    schedule = put("ReportSchedule", await _insert(ReportSchedule(
        brand=brand, kind=ReportKind.ROI, format=ReportFormat.PDF, day_of_month=3,
        recipients=[mark("recipient") + "@client.example"], created_by=creator)))
    report = put("Report", await _insert(Report(
        brand=brand, kind=ReportKind.ROI, format=ReportFormat.PDF, locale="en_GB",
        period_start=date(2026, 10, 1), period_end=date(2026, 10, 31),
        status=ReportStatus.READY, storage_key=f"reports/{brand}/none.pdf", size_bytes=10,
        error=mark("report error"), requested_by=creator, schedule=schedule)))
    await _insert(ReportDelivery(schedule=schedule, period_start=date(2026, 10, 1),
                                 report=report, status=DeliveryStatus.SENT,
                                 error=mark("delivery error"), message_id=mark("message")))
    await _insert(AuditLog(actor=creator, workspace=workspace_id, brand_id=brand,
                           action="post.create", object_type="Post", object_id=published,
                           before={"text": mark("audit before")},
                           after={"text": mark("audit after")}))
    for viewer, role in ROLE_VIEWERS.items():
        await _insert(Membership(user=users[f"{tenant}:{viewer}"], brand=brand, role=role))
    # A pending invitation of the tenant's client to one more role: theirs to answer.
    client = await User.select(User.email).where(User.id == users[f"{tenant}:client"]).first()
    week = datetime.now(UTC) + timedelta(days=7)
    put("Invitation", await _insert(Invitation(
        workspace=workspace_id, brand=brand, email=client["email"], roles=["STRATEGIST"],
        inviter=creator, token_hash=f"{tenant}-invitation".ljust(64, "0"), expires_at=week)))
    # A webhook of the workspace, with a delivery and its attempt; their texts are the brand
    # level's (the workspace's owners and admins only). The sibling shares the victim's
    # workspace, so its webhook is the victim's (and as out of its reach).
    if tenant == "sibling":
        put("Webhook", ids[("victim", "Webhook")])
    else:
        await _webhook(mark, put, workspace_id)
    # An authorization the tenant's manager started, back from the platform with one account.
    put("ChannelConnection", await _insert(ChannelConnection(
        brand=brand, user=creator, platform=Platform.FACEBOOK,
        status=ConnectionStatus.AUTHORIZED, state_hash=f"{tenant}-state".ljust(64, "0"),
        access_token=encrypt_token("sweep-user-token"), error=mark("connection error"),
        accounts=[{"id": "sweep-account", "name": mark("account name"),
                   "handle": "@" + mark("account handle"), "token": ""}],
        expires_at=week)))
    put("RecipientConfirmation", await _insert(RecipientConfirmation(
        brand=brand, email=mark("confirm") + "@client.example",
        token_hash=f"{tenant}-confirmation".ljust(64, "0"), expires_at=week)))


async def _webhook(mark: _Marks, put: Any, workspace_id: int) -> None:
    hook = put("Webhook", await _insert(Webhook(
        workspace=workspace_id, url=f"https://hooks.example/{mark('webhook url')}",
        description=mark("webhook description"), events=["POST_PUBLISHED"],
        secret=encrypt_token("whsec_sweep"), disabled_reason=mark("webhook disabled"))))
    delivery = await _insert(WebhookDelivery(
        webhook=hook, event_id=mark("event id"), event_kind="POST_PUBLISHED",
        body=mark("webhook body"), status="FAILED", attempts=1, last_status_code=500,
        last_error=mark("delivery last error")))
    await _insert(WebhookAttempt(delivery=delivery, number=1, status_code=500,
                                 response_excerpt=mark("webhook response"),
                                 error=mark("attempt error")))


async def _inbox(mark: _Marks, put: Any, brand: int, channel: int, post: int, cm: int) -> None:
    """Two conversations (one open with a comment and a note, one resolved), a saved reply."""
    at = datetime.now(UTC) - timedelta(hours=2)
    for variant, status in (("", ConversationStatus.OPEN),
                            (":resolved", ConversationStatus.RESOLVED)):
        conversation = put(f"Conversation{variant}", await _insert(Conversation(
            brand=brand, channel=channel, kind=ConversationKind.COMMENT, post=post,
            external_id=mark(f"thread{variant}"), post_external_id=mark("thread post"),
            author_handle=mark("fan"), author_external_id=mark("fan id"), status=status,
            language="en", started_at=at, last_message_at=at, last_inbound_at=at)))
        if variant:
            continue  # the resolved one needs no message: reopenConversation only
        put("Message", await _insert(Message(
            conversation=conversation, external_id=mark(f"comment{variant}"),
            parent_external_id=mark("parent"), direction=MessageDirection.IN,
            author_handle=mark("fan"), text=mark("comment text"), language="en",
            created_at=at, reply_error=mark("reply error"),
            moderation_error=mark("moderation error"))))
        put("InternalNote", await _insert(InternalNote(
            conversation=conversation, author=cm, text=mark("internal note"))))
    put("SavedReply", await _insert(SavedReply(
        brand=brand, title=mark("saved title"), text=mark("saved text"), created_by=cm)))


async def _user(seed: Seed, mark: _Marks, key: str) -> int:
    pk = await _insert(User(email=mark(f"{key.replace(':', '-')}-mail") + "@sweep.example",
                            name=mark(f"{key} name")))
    seed.users[key] = pk
    return pk


async def seed_world() -> Seed:
    """Every row of the sweep, in one fixed order (so a reseed after cleanup has the same ids)."""
    seed = Seed()
    victim, sibling, attacker = (_Marks(seed, t) for t in TENANTS)
    space = await _insert(Workspace(
        name=victim("Workspace name", "workspace"), slug=victim("ws-slug", "workspace"),
        agency_name=victim("Agency", "workspace"),
        agency_logo=f"workspaces/{victim('agency logo', 'workspace')}.png",
        report_footer=victim("footer", "workspace")))
    other_space = await _insert(Workspace(name="Attacker agency", slug="attacker-agency"))
    for tenant, space_id in (("victim", space), ("sibling", space), ("attacker", other_space)):
        seed.ids[(tenant, "Workspace")] = space_id
    seed.values[("victim", "workspace_slug")] = seed.values[("sibling", "workspace_slug")] = (
        (await Workspace.select(Workspace.slug).where(Workspace.id == space).first())["slug"])
    seed.values[("attacker", "workspace_slug")] = "attacker-agency"

    users: dict[str, int] = {}
    for viewer in INSIDERS:
        users[f"victim:{viewer}"] = await _user(seed, victim, f"victim:{viewer}")
    for tenant, mark in (("sibling", sibling), ("attacker", attacker)):
        for viewer in ROLE_VIEWERS:
            users[f"{tenant}:{viewer}"] = await _user(seed, mark, f"{tenant}:{viewer}")
    for viewer, role in WORKSPACE_VIEWERS.items():
        await _insert(WorkspaceMember(workspace=space, user=users[f"victim:{viewer}"],
                                      role=role))
    users["nomember"] = await _user(seed, attacker, "nomember")
    users["outsider"] = await _user(seed, attacker, "outsider")
    await _insert(WorkspaceMember(workspace=other_space, user=users["outsider"],
                                  role=WorkspaceRole.OWNER))

    await _tenant(seed, "victim", space, users)
    await _tenant(seed, "sibling", space, users)
    await _tenant(seed, "attacker", other_space, users)
    # The sibling viewer holds every role on the sibling brand; the victim workspace's
    # owner and admin are not members of it, so nothing there is theirs to show.
    users["sibling"] = users["sibling:manager"]
    for role in (Role.STRATEGIST, Role.COMMUNITY_MANAGER, Role.CLIENT):
        await _insert(Membership(user=users["sibling"], brand=seed.ids[("sibling", "Brand")],
                                 role=role))

    seed.tokens["anonymous"] = None
    for viewer in (*INSIDERS, "nomember", "outsider", "sibling"):
        key = viewer if viewer in ("nomember", "outsider", "sibling") else f"victim:{viewer}"
        name = victim("token") if key.startswith("victim:") else "sweep"
        seed.tokens[viewer] = await issue_token(users[key], name)
    seed.users.update(users)
    for tenant in TENANTS:
        for viewer in ROLE_VIEWERS:
            seed.ids[(tenant, f"User:{viewer}")] = users[f"{tenant}:{viewer}"]
        seed.ids[(tenant, "User")] = users[f"{tenant}:client"]
        # Whom removeWorkspaceAdmin removes: the victim's admin; elsewhere nobody's admin.
        seed.ids[(tenant, "User:admin")] = users.get(f"{tenant}:admin", users[f"{tenant}:client"])
    # A token of the victim owner that revokeApiToken may revoke (not the one it signs in with).
    await issue_token(users["victim:owner"], victim("spare token"))
    spare = await ApiToken.select(ApiToken.id).where(
        ApiToken.user == users["victim:owner"]).order_by(ApiToken.id, ascending=False).first()
    seed.ids[("victim", "ApiToken")] = spare["id"]
    seed.victim_gids = _victim_gids(seed)
    return seed


def _victim_gids(seed: Seed) -> dict[str, str]:
    gids: dict[str, str] = {}
    for (tenant, key), pk in seed.ids.items():
        if tenant != "victim":
            continue
        type_name = key.split(":")[0]
        level = "workspace" if type_name == "Workspace" else "brand"
        gids[str(global_id(type_name, pk))] = level
    for key, pk in seed.users.items():
        if key.startswith("victim:"):
            gids[str(global_id("User", pk))] = "brand"
    return gids


def victim_scope(seed: Seed) -> dict[type[Table], Any]:
    """Each table's `where` selecting the victim's rows: those of the victim brand, of the
    victim workspace itself, and of the victim brand's users."""
    space, brand = seed.ids[("victim", "Workspace")], seed.ids[("victim", "Brand")]
    victim_users = [pk for key, pk in seed.users.items() if key.startswith("victim:")]
    scope: dict[type[Table], Any] = {
        Workspace: Workspace.id == space,
        Brand: Brand.id == brand,
        User: User.id.is_in(victim_users),
        ApiToken: ApiToken.user.is_in(victim_users),
        AuditLog: AuditLog.brand_id == brand,
    }
    for table in ALL_TABLES:
        if table in scope:
            continue
        to_brand = _path_to(table, Brand)
        to_space = _path_to(table, Workspace)
        assert to_brand is not None or to_space is not None, (
            f"the sweep cannot tell {table.__name__}'s tenant: add it to victim_scope")
        scope[table] = to_brand == brand if to_brand is not None else to_space == space
    return scope


def _path_to(table: type[Table], target: type[Table], depth: int = 0) -> Any:
    """The column chain from `table` to `target` (Post.channel.brand), by foreign keys."""
    if depth > 4:
        return None
    for column in table._meta.foreign_key_columns:
        referenced = column._foreign_key_meta.resolved_references
        if referenced is target:
            return column
        if referenced is User:
            continue
        inner = _path_to(referenced, target, depth + 1)
        if inner is not None:
            return _chain(column, inner)
    return None


def _chain(column: Any, inner: Any) -> Any:
    """`column` followed by the chain `inner` (both Piccolo column chains)."""
    names = [c._meta.name for c in (*inner._meta.call_chain, inner)]
    out = column
    for name in names:
        out = getattr(out, name)
    return out


# Columns whose values change as a side effect of merely calling the API.
VOLATILE = {"api_token": {"last_used_at"}}


def _victim_rows(seed: Seed) -> dict[str, Any]:
    """Each table's query of the victim's rows, volatile columns left out."""
    out = {}
    for table, where in victim_scope(seed).items():
        name = table._meta.tablename
        skip = VOLATILE.get(name, set())
        columns = [c for c in table._meta.columns if c._meta.name not in skip]
        out[name] = table.select(*columns).where(where).order_by(table.id)
    return out


async def snapshot(seed: Seed) -> dict[str, list[dict[str, Any]]]:
    """The victim's rows of every table, volatile columns left out."""
    return {name: await query for name, query in _victim_rows(seed).items()}


async def fingerprint(seed: Seed) -> str:
    """A hash of `snapshot`'s rows in one round trip (PostgreSQL): cheap to take per call."""
    from domain.db import engine

    # Piccolo prints a query with its values inline; ours are only integers.
    parts = [f"SELECT '{name}' AS t, md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), "
             f"'')) AS h FROM ({query}) x" for name, query in _victim_rows(seed).items()]
    sql = "SELECT string_agg(t || ':' || h, ',' ORDER BY t) FROM (" + (
        " UNION ALL ".join(parts)) + ") parts"
    async with engine().pool.acquire() as connection:
        value: str = await connection.fetchval(sql)
    return value


def diff(before: dict[str, list[dict[str, Any]]],
         after: dict[str, list[dict[str, Any]]]) -> list[str]:
    """What changed, table by table, briefly."""
    changes = []
    for name, rows in before.items():
        if rows != after[name]:
            old = {r["id"]: r for r in rows}
            new = {r["id"]: r for r in after[name]}
            changes.append(f"{name}: removed {sorted(set(old) - set(new))}, added "
                           f"{sorted(set(new) - set(old))}, changed "
                           f"{sorted(k for k in old.keys() & new.keys() if old[k] != new[k])}")
    return changes


async def missing_markers(seed: Seed) -> list[str]:
    """Victim rows' free-text columns holding no marker: `table.column`, one per column."""
    markers = tuple(seed.markers)
    missing = set()
    for table, where in victim_scope(seed).items():
        name = table._meta.tablename
        texts = [c for c in table._meta.columns
                 if isinstance(c, Varchar | Text | JSON) and not c._meta.choices
                 and c._meta.name not in NO_MARKER.get(name, set())]
        if not texts:
            continue
        for row in await table.select(*texts).where(where):
            for column in texts:
                value = str(row[column._meta.name] or "")
                if not any(m in value for m in markers):
                    missing.add(f"{name}.{column._meta.name}")
    return sorted(missing)


def _paths_to(table: type[Table], target: type[Table], depth: int = 0) -> list[Any]:
    """Every foreign-key chain from `table` to `target` (not through users)."""
    if depth > 3:
        return []
    out = []
    for column in table._meta.foreign_key_columns:
        referenced = column._foreign_key_meta.resolved_references
        if referenced is target:
            out.append(column)
        elif referenced is not User:
            out += [_chain(column, inner) for inner in _paths_to(referenced, target, depth + 1)]
    return out


async def cross_tenant_rows() -> list[str]:
    """Rows whose foreign keys lead to two different brands (a post of one brand on another
    brand's channel, say): what a mutation mixing tenants' ids must never make."""
    found = []
    for table in ALL_TABLES:
        paths = _paths_to(table, Brand)
        if len(paths) < 2:
            continue
        columns = [p.as_alias(f"p{i}") for i, p in enumerate(paths)]
        for row in await table.select(table.id, *columns):
            brands = {row[f"p{i}"] for i in range(len(paths))} - {None}
            if len(brands) > 1:
                found.append(f"{table._meta.tablename} {row['id']}: brands {sorted(brands)}")
    return found
