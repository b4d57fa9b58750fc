"""Use cases for workspaces, brands and channels: validated all at once, written with an audit row.

Permission checks are the caller's (the API knows the viewer); these functions trust the
actor id they are given and check only what the data itself forbids.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace
from functools import cache
from typing import Any
from zoneinfo import available_timezones

from babel import Locale, UnknownLocaleError

from domain.db import write_transaction
from domain.enums import WorkspaceRole
from domain.errors import Problem, ValidationFailed
from domain.models import (
    Brand,
    Campaign,
    Channel,
    Post,
    Report,
    User,
    Workspace,
    WorkspaceMember,
)
from domain.services.audit import record
from domain.services.usecase import (
    Problems,
    insert_unique,
    lock_row,
    must_exist,
    update_unique,
)
from domain.settings import get_settings

COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")
FOOTER_LIMIT = 2000


@cache
def known_timezones() -> frozenset[str]:
    return frozenset(available_timezones() | {"UTC"})


def normalize_locale(value: str) -> str | None:
    """Babel's canonical spelling (`en-us` → `en_US`), or None for an unknown locale."""
    try:
        return str(Locale.parse(value.strip().replace("-", "_")))
    except (ValueError, TypeError, UnknownLocaleError):
        return None


# -- workspaces ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkspaceValues:
    name: str
    slug: str = ""
    agency_name: str = ""
    agency_logo: str = ""
    report_footer: str = ""


def _workspace_problems(values: WorkspaceValues) -> Problems:
    problems = Problems()
    problems.text("name", values.name, max_length=200, required=True)
    problems.slug("slug", values.slug)
    problems.text("whiteLabel.agencyName", values.agency_name, max_length=200)
    problems.text("whiteLabel.reportFooter", values.report_footer, max_length=FOOTER_LIMIT)
    return problems


def _workspace_slug_taken() -> ValidationFailed:
    return ValidationFailed.one("slug", "SLUG_TAKEN", "another workspace uses this slug")


async def create_workspace(actor_id: int, *, name: str, slug: str) -> dict[str, Any]:
    """A new workspace owned by the actor."""
    values = WorkspaceValues(name=name.strip(), slug=slug.strip())
    problems = _workspace_problems(values)
    if not problems.has("slug") and await Workspace.exists().where(
            Workspace.slug == values.slug):
        problems.extend(_workspace_slug_taken().problems)
    problems.check()
    async with write_transaction():
        await lock_row(User, actor_id)  # workspaces owned are counted: one at a time
        limit = get_settings().max_workspaces_per_user
        owned = await WorkspaceMember.count().where(
            (WorkspaceMember.user == actor_id) & (WorkspaceMember.role == WorkspaceRole.OWNER))
        if owned >= limit:
            problems.limit(None, "max_workspaces_per_user", limit, "workspaces owned per user")
            problems.check()
        row = await insert_unique(Workspace, asdict(values), _workspace_slug_taken)
        await WorkspaceMember.insert(WorkspaceMember(
            workspace=row["id"], user=actor_id, role=WorkspaceRole.OWNER))
        await record(actor_id=actor_id, action="workspace.create", object_type="Workspace",
                     object_id=row["id"], workspace_id=row["id"], after=row)
    return row


async def update_workspace(actor_id: int, workspace_id: int, **changes: str) -> dict[str, Any]:
    """Rename a workspace or change its white-label (agency_name, agency_logo, report_footer)."""
    async with write_transaction():
        before = await must_exist(Workspace, workspace_id, "id")
        current = WorkspaceValues(**{k: before[k] for k in (
            "name", "slug", "agency_name", "agency_logo", "report_footer")})
        cleaned = {k: v.strip() for k, v in changes.items()}
        values = replace(current, **cleaned)
        problems = _workspace_problems(values)
        problems.logo("whiteLabel.agencyLogo", values.agency_logo, before["agency_logo"],
                      "/workspaces/{id}/logo")
        problems.check()
        changed = {k: v for k, v in cleaned.items() if before[k] != v}
        after = await update_unique(Workspace, workspace_id, changed, _workspace_slug_taken)
        if changed:
            await record(actor_id=actor_id, action="workspace.update", object_type="Workspace",
                         object_id=workspace_id, workspace_id=workspace_id, before=before,
                         after=after)
    return after


# -- brands --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class BrandValues:
    name: str
    slug: str
    locale: str = "en_US"
    timezone: str = "UTC"
    currency: str = "EUR"
    logo: str = ""
    primary_color: str = "#1F2937"
    secondary_color: str = "#3B82F6"
    font: str = ""


BRAND_FIELDS = tuple(BrandValues.__dataclass_fields__)


def _clean_brand(values: BrandValues) -> BrandValues:
    locale = normalize_locale(values.locale)
    return replace(
        values, name=values.name.strip(), slug=values.slug.strip(),
        locale=locale or values.locale, timezone=values.timezone.strip(),
        currency=values.currency.strip().upper(), logo=values.logo.strip(),
        primary_color=values.primary_color.strip().upper(),
        secondary_color=values.secondary_color.strip().upper(), font=values.font.strip(),
    )


def brand_problems(values: BrandValues) -> list[Problem]:
    """Everything wrong with a brand's fields, before looking at the database."""
    problems = Problems()
    problems.text("name", values.name, max_length=200, required=True)
    problems.slug("slug", values.slug)
    if normalize_locale(values.locale) is None:
        problems.add("locale", "INVALID_LOCALE",
                     f"locale must be a known locale like en_US or it_IT, got {values.locale!r}")
    if values.timezone not in known_timezones():
        problems.add("timezone", "INVALID_TIMEZONE",
                     f"timezone must be an IANA zone like Europe/Rome, got {values.timezone!r}")
    problems.currency("currency", values.currency)
    for field, color in (("kit.primaryColor", values.primary_color),
                         ("kit.secondaryColor", values.secondary_color)):
        if not COLOR.match(color):
            problems.add(field, "INVALID_COLOR", f"{field} must be #RRGGBB, got {color!r}")
    problems.text("kit.font", values.font, max_length=100)
    return problems.items


def _brand_slug_taken() -> ValidationFailed:
    return ValidationFailed.one("slug", "SLUG_TAKEN", "another brand of this workspace uses "
                                                      "this slug")


async def _check_brand(values: BrandValues, workspace_id: int, brand_id: int | None,
                       current_logo: str = "") -> None:
    problems = Problems(brand_problems(values))
    problems.logo("kit.logo", values.logo, current_logo, "/brands/{id}/logo")
    if not problems.has("slug"):
        taken = Brand.exists().where(Brand.workspace == workspace_id, Brand.slug == values.slug)
        if brand_id is not None:
            taken = taken.where(Brand.id != brand_id)
        if await taken:
            problems.extend(_brand_slug_taken().problems)
    problems.check()


async def create_brand(actor_id: int, workspace_id: int, values: BrandValues) -> dict[str, Any]:
    values = _clean_brand(values)
    async with write_transaction():
        await must_exist(Workspace, workspace_id, "workspace")
        await _check_brand(values, workspace_id, None)
        row = await insert_unique(Brand, {"workspace": workspace_id, **asdict(values)},
                                  _brand_slug_taken)
        await record(actor_id=actor_id, action="brand.create", object_type="Brand",
                     object_id=row["id"], workspace_id=workspace_id, brand_id=row["id"],
                     after=row)
    return row


async def update_brand(actor_id: int, brand_id: int, **changes: str) -> dict[str, Any]:
    """Change any of `BRAND_FIELDS`; the others keep their value."""
    async with write_transaction():
        before = await must_exist(Brand, brand_id, "id")
        current = BrandValues(**{k: before[k] for k in BRAND_FIELDS})
        values = _clean_brand(replace(current, **changes))
        await _check_brand(values, before["workspace"], brand_id, before["logo"])
        changed = {k: v for k, v in asdict(values).items() if before[k] != v}
        after = await update_unique(Brand, brand_id, changed, _brand_slug_taken)
        if changed:
            await record(actor_id=actor_id, action="brand.update", object_type="Brand",
                         object_id=brand_id, workspace_id=before["workspace"],
                         brand_id=brand_id, before=before, after=after)
    return after


async def delete_brand(actor_id: int, brand_id: int) -> list[str]:
    """Delete a brand and, through the foreign keys, everything it holds; the audit log stays.

    Returns the storage keys of its files (reports, logo) for the caller to remove once
    this commits.
    """
    async with write_transaction():
        before = await must_exist(Brand, brand_id, "id")
        held = {
            "channels": await Channel.count().where(Channel.brand == brand_id),
            "campaigns": await Campaign.count().where(Campaign.brand == brand_id),
            "posts": await Post.count().where(Post.brand == brand_id),
        }
        files = await _files_of([brand_id])
        await Brand.delete().where(Brand.id == brand_id)
        await record(actor_id=actor_id, action="brand.delete", object_type="Brand",
                     object_id=brand_id, workspace_id=before["workspace"], brand_id=brand_id,
                     before={**before, "deleted_with": held})
    return files


async def delete_workspace(actor_id: int, workspace_id: int) -> tuple[list[int], list[str]]:
    """Delete a workspace with all its brands; returns the brands' ids and every file key
    (reports, brand logos, the agency logo) for the caller to remove once this commits."""
    async with write_transaction():
        await lock_row(Workspace, workspace_id)
        before = await must_exist(Workspace, workspace_id, "id")
        brands = [r["id"] for r in await Brand.select(Brand.id).where(
            Brand.workspace == workspace_id)]
        files = [*await _files_of(brands), before["agency_logo"]]
        await Workspace.delete().where(Workspace.id == workspace_id)
        # Recorded with no workspace: the log row outlives it (its key would be nulled).
        await record(actor_id=actor_id, action="workspace.delete", object_type="Workspace",
                     object_id=workspace_id, before={**before, "deleted_brands": brands})
    return brands, [f for f in files if f]


async def _files_of(brand_ids: list[int]) -> list[str]:
    if not brand_ids:
        return []
    reports = await Report.select(Report.storage_key).where(Report.brand.is_in(brand_ids))
    logos = await Brand.select(Brand.logo).where(Brand.id.is_in(brand_ids))
    return [r["storage_key"] for r in reports if r["storage_key"]] + [
        r["logo"] for r in logos if r["logo"]]
