"""Writing the demo: upserts on natural keys, so seeding again updates rows in place."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from piccolo.columns import Column
from piccolo.query.mixins import OnConflictAction

from domain.demo import briefs
from domain.demo.agency import BRANDS, BY_SLUG, OWNER, ROLES, USERS, WORKSPACE, WORKSPACE_SLUG
from domain.demo.plan import PostSpec
from domain.demo.simulation import Day
from domain.demo.sources import API_VERSION, PAID_RAW
from domain.enums import Platform, SourceKind, WorkspaceRole
from domain.models import (
    Brand,
    Campaign,
    CampaignChannel,
    Channel,
    Membership,
    Post,
    PostMetric,
    PostTransition,
    Strategy,
    User,
    Workspace,
    WorkspaceMember,
)
from domain.models.base import Table
from domain.services import rollups
from domain.services.metrics import Observation

CHUNK = 500


async def upsert(table: type[Table], row: Table, target: tuple[Column, ...],
                 update: list[Column]) -> int:
    """Insert `row` or update `update` of the row with the same `target`; returns its id."""
    query = table.insert(row)
    if update:
        query = query.on_conflict(target=target, action=OnConflictAction.do_update, values=update)
    else:
        query = query.on_conflict(target=target, action=OnConflictAction.do_nothing)
    rows = await query
    if rows:
        return rows[0]["id"]
    where = [col == getattr(row, col._meta.name) for col in target]
    found = await table.select(table._meta.primary_key.as_alias("id")).where(*where).first()
    assert found is not None
    return found["id"]


async def insert_many(rows: list[Table]) -> None:
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start:start + CHUNK]
        await type(chunk[0]).insert(*chunk)


async def seed_workspace() -> int:
    return await upsert(Workspace, Workspace(slug=WORKSPACE_SLUG, **WORKSPACE), (Workspace.slug,),
                        [Workspace.name, Workspace.agency_name, Workspace.agency_logo,
                         Workspace.report_footer])


async def seed_brands(workspace_id: int, today: date
                      ) -> tuple[dict[str, int], dict[str, dict[str, int]]]:
    """Brands, their channels and strategies; returns brand ids and channel ids by handle."""
    brand_ids: dict[str, int] = {}
    channel_ids: dict[str, dict[str, int]] = {}
    for b in BRANDS:
        brand_ids[b.slug] = await upsert(
            Brand,
            Brand(workspace=workspace_id, slug=b.slug, name=b.name, locale=b.locale,
                  timezone=b.timezone, currency=b.currency, primary_color=b.colors[0],
                  secondary_color=b.colors[1], font=b.font, logo=""),
            (Brand.workspace, Brand.slug),
            [Brand.name, Brand.locale, Brand.timezone, Brand.currency, Brand.primary_color,
             Brand.secondary_color, Brand.font, Brand.logo])
        channel_ids[b.slug] = {
            ch.handle: await upsert(
                Channel,
                Channel(brand=brand_ids[b.slug], platform=ch.platform, handle=ch.handle,
                        name=ch.name, external_id=ch.external_id),
                (Channel.brand, Channel.platform, Channel.handle),
                [Channel.name, Channel.external_id])
            for ch in b.channels
        }
        strategy = Strategy(brand=brand_ids[b.slug], **briefs.strategy(b.slug, today))
        await upsert(Strategy, strategy, (Strategy.brand, Strategy.starts_on), [
            Strategy.name, Strategy.ends_on, Strategy.objectives, Strategy.target_audience,
            Strategy.platforms, Strategy.competitors, Strategy.budget, Strategy.currency,
            Strategy.kpi_targets])
    return brand_ids, channel_ids


async def seed_people(brand_ids: dict[str, int], workspace_id: int) -> dict[str, int]:
    """The users, the workspace owner and brand roles; returns user ids by e-mail."""
    users = {}
    for email, name in USERS.items():
        users[email] = await upsert(User, User(email=email, name=name, is_active=True),
                                    (User.email,), [User.name, User.is_active])
    await upsert(WorkspaceMember, WorkspaceMember(workspace=workspace_id, user=users[OWNER],
                                                  role=WorkspaceRole.OWNER),
                 (WorkspaceMember.workspace, WorkspaceMember.user), [WorkspaceMember.role])
    await Membership.insert(*[
        Membership(user=users[email], brand=brand_ids[slug], role=role)
        for (email, slug), roles in ROLES.items() for role in roles
    ]).on_conflict(target=(Membership.user, Membership.brand, Membership.role),
                   action=OnConflictAction.do_nothing)
    return users


async def seed_campaigns(today: date, brand_ids: dict[str, int],
                         channel_ids: dict[str, dict[str, int]]) -> list[dict[str, Any]]:
    """The campaigns and their channels; returns them with their `id` and `channel_ids`."""
    planned = briefs.campaigns(today)
    for c in planned:
        brand = BY_SLUG[c["brand"]]
        values = {
            "description": c["description"], "objective": c["objective"],
            "status": c["status"], "starts_on": c["starts_on"], "ends_on": c["ends_on"],
            "planned_budget": c["planned_budget"], "production_cost": c["production_cost"],
            "currency": brand.currency, "utm_source": "social", "utm_medium": c["utm_medium"],
            "utm_campaign": c["utm_campaign"], "utm_content": "", "utm_term": "",
            "kpi_targets": c["kpi_targets"],
        }
        brand_id = brand_ids[c["brand"]]
        row = await Campaign.objects().where(
            Campaign.brand == brand_id, Campaign.name == c["name"]).first()
        if row is None:
            row = Campaign(brand=brand_id, name=c["name"], **values)
            await row.save()
        else:
            await Campaign.update(values).where(Campaign.id == row.id)
        c["id"] = row.id
        c["channel_ids"] = {channel_ids[c["brand"]][ch.handle] for ch in brand.channels
                            if ch.platform in c["platforms"]}
        if c["channel_ids"]:
            await CampaignChannel.insert(*[
                CampaignChannel(campaign=row.id, channel=ch) for ch in sorted(c["channel_ids"])
            ]).on_conflict(target=(CampaignChannel.campaign, CampaignChannel.channel),
                           action=OnConflictAction.do_nothing)
    return planned


_POST_FIELDS = ("format", "pillar", "media_type", "text", "tags", "media", "campaign", "status",
                "rejection_reason", "external_id", "permalink", "published_at", "created_by",
                "created_at", "updated_at")


async def seed_posts(specs: list[PostSpec], users: dict[str, int]) -> dict[int, PostSpec]:
    """Insert new slots and refresh changed ones; returns post id → spec.

    A changed post (a later `today` moved it along the workflow, or into or out of a
    campaign) gets its transitions rewritten and its metrics dropped, to be upserted anew.
    """
    channel_ids = sorted({s.channel_id for s in specs})
    existing = await Post.select(Post.id, Post.channel, Post.scheduled_at,
                                 *[getattr(Post, f) for f in _POST_FIELDS]
                                 ).where(Post.channel.is_in(channel_ids),
                                         # posts a sync brought in are not slots of the plan
                                         Post.scheduled_at.is_not_null()
                                         ).output(load_json=True)
    by_slot = {(r["channel"], r["scheduled_at"].astimezone(UTC)): r for r in existing}
    new: list[tuple[Post, PostSpec]] = []
    changed_ids: list[int] = []
    result: dict[int, PostSpec] = {}
    for spec in specs:
        values = {**spec.values, "created_by": users[spec.brand.maker]}
        row = by_slot.get((spec.channel_id, spec.scheduled_at))
        if row is None:
            new.append((Post(brand=spec.brand_id, channel=spec.channel_id, **values), spec))
            continue
        result[row["id"]] = spec
        changed = {f: values[f] for f in _POST_FIELDS if row[f] != values[f]}
        if changed:
            await Post.update({getattr(Post, f): v for f, v in changed.items()}
                              ).where(Post.id == row["id"])
            changed_ids.append(row["id"])
    await insert_many([p for p, _ in new])
    result.update({post.id: spec for post, spec in new})
    for start in range(0, len(changed_ids), CHUNK):
        chunk = changed_ids[start:start + CHUNK]
        await PostTransition.delete().where(PostTransition.post.is_in(chunk))
        sql = rollups.piccolo_sql()
        was = await rollups.channel_days_of_posts(sql, chunk)
        await PostMetric.delete().where(PostMetric.post.is_in(chunk))
        await rollups.refresh(sql, was)
    await insert_many([
        PostTransition(post=post_id, from_status=a, to_status=b,
                       actor=users[actor] if actor else None, reason=reason, at=at)
        for post_id in [p.id for p, _ in new] + changed_ids
        for a, b, actor, at, reason in result[post_id].path
    ])
    return result


def _obs(subject: int, platform: Platform, metric: str, day: date, value: int | Decimal,
         raw: str, now_ref: datetime, currency: str | None = None) -> Observation:
    return Observation(
        subject_id=subject, metric=metric, day=day, value=Decimal(value),
        currency=currency, source_kind=SourceKind.PLATFORM_API, source_name=platform.value,
        source_version=API_VERSION[platform], raw_metric=raw,
        fetched_at=min(datetime.combine(day + timedelta(days=1), time(3), UTC), now_ref),
    )


def observations(subject: int, platform: Platform, days: list[Day], raw: dict[str, str],
                 now_ref: datetime, currency: str) -> list[Observation]:
    """Simulated days as metric rows with the platform's provenance (raw name, version)."""
    rows = []
    for d in days:
        rows += [_obs(subject, platform, name, d.day, count, raw[name], now_ref)
                 for name, count in d.counts.items()]
        if d.paid is not None:
            spend, conversions, revenue = PAID_RAW[platform]
            rows += [
                _obs(subject, platform, "spend", d.day, d.paid.spend, spend, now_ref, currency),
                _obs(subject, platform, "conversions", d.day, d.paid.conversions, conversions,
                     now_ref),
                _obs(subject, platform, "revenue", d.day, d.paid.revenue, revenue, now_ref,
                     currency),
            ]
    return rows
