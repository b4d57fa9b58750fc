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
from babel.numbers import list_currencies

from domain.db import write_transaction
from domain.enums import WorkspaceRole
from domain.errors import Problem, ValidationFailed
from domain.models import Brand, Campaign, Channel, Post, Workspace, WorkspaceMember
from domain.rules.content import storable
from domain.services.audit import record
from domain.services.usecase import insert_unique, must_exist, update_unique

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")
FOOTER_LIMIT = 2000


# -- shared checks (also used by the strategy and member use cases) -----------------------


class Checks:
    """Collects every problem of one input, so the caller hears about all of them at once."""

    def __init__(self, problems: list[Problem] | None = None) -> None:
        self.problems: list[Problem] = [] if problems is None else problems

    def add(self, field: str, code: str, message: str) -> None:
        self.problems.append(Problem(field, code, message))

    def text(self, field: str, value: str, *, limit: int, required: bool = False) -> None:
        if required and not value.strip():
            self.add(field, "REQUIRED", f"{field} must not be blank")
        elif not storable(value):
            self.add(field, "INVALID", f"{field} contains a NUL or an invalid character")
        elif len(value) > limit:
            self.add(field, "TOO_LONG", f"{field} is longer than {limit} characters")

    def slug(self, field: str, value: str) -> None:
        if not value:
            self.add(field, "REQUIRED", f"{field} must not be blank")
        elif len(value) > 80:
            self.add(field, "TOO_LONG", f"{field} is longer than 80 characters")
        elif not SLUG.match(value):
            self.add(field, "INVALID_SLUG",
                     f"{field} takes lowercase letters, digits and single hyphens, got {value!r}")

    def currency(self, field: str, value: str) -> None:
        if value not in known_currencies():
            self.add(field, "INVALID_CURRENCY",
                     f"{field} must be an ISO 4217 code like EUR, got {value!r}")

    def logo(self, field: str, value: str, current: str, route: str) -> None:
        """A logo is set only by uploading it (so reports get a checked image, never a URL
        they would have to fetch); here it can be kept or cleared."""
        if value not in ("", current):
            self.add(field, "LOGO_NOT_UPLOADED",
                     f"{field} is set by uploading the image with PUT {route}; "
                     "here it can only be cleared with \"\"")

    def raise_if_any(self) -> None:
        if self.problems:
            raise ValidationFailed(self.problems)


@cache
def known_currencies() -> frozenset[str]:
    return frozenset(list_currencies())


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


def _workspace_problems(values: WorkspaceValues) -> list[Problem]:
    checks = Checks()
    checks.text("name", values.name, limit=200, required=True)
    checks.slug("slug", values.slug)
    checks.text("whiteLabel.agencyName", values.agency_name, limit=200)
    checks.text("whiteLabel.reportFooter", values.report_footer, limit=FOOTER_LIMIT)
    return checks.problems


def _workspace_slug_taken() -> ValidationFailed:
    return ValidationFailed.one("slug", "SLUG_TAKEN", "another workspace uses this slug")


async def create_workspace(actor_id: int, *, name: str, slug: str) -> dict[str, Any]:
    """A new workspace owned by the actor."""
    values = WorkspaceValues(name=name.strip(), slug=slug.strip())
    checks = Checks()
    checks.problems.extend(_workspace_problems(values))
    slug_ok = not any(p.field == "slug" for p in checks.problems)
    if slug_ok and await Workspace.exists().where(Workspace.slug == values.slug):
        checks.problems.append(_workspace_slug_taken().problems[0])
    checks.raise_if_any()
    async with write_transaction():
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
        Checks(problems).logo("whiteLabel.agencyLogo", values.agency_logo,
                              before["agency_logo"], "/workspaces/{id}/logo")
        if problems:
            raise ValidationFailed(problems)
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
    checks = Checks()
    checks.text("name", values.name, limit=200, required=True)
    checks.slug("slug", values.slug)
    if normalize_locale(values.locale) is None:
        checks.add("locale", "INVALID_LOCALE",
                   f"locale must be a known locale like en_US or it_IT, got {values.locale!r}")
    if values.timezone not in known_timezones():
        checks.add("timezone", "INVALID_TIMEZONE",
                   f"timezone must be an IANA zone like Europe/Rome, got {values.timezone!r}")
    checks.currency("currency", values.currency)
    for field, color in (("kit.primaryColor", values.primary_color),
                         ("kit.secondaryColor", values.secondary_color)):
        if not COLOR.match(color):
            checks.add(field, "INVALID_COLOR", f"{field} must be #RRGGBB, got {color!r}")
    checks.text("kit.font", values.font, limit=100)
    return checks.problems


def _brand_slug_taken() -> ValidationFailed:
    return ValidationFailed.one("slug", "SLUG_TAKEN", "another brand of this workspace uses "
                                                      "this slug")


async def _check_brand(values: BrandValues, workspace_id: int, brand_id: int | None,
                       current_logo: str = "") -> None:
    problems = brand_problems(values)
    Checks(problems).logo("kit.logo", values.logo, current_logo, "/brands/{id}/logo")
    if not any(p.field == "slug" for p in problems):
        taken = Brand.exists().where(Brand.workspace == workspace_id, Brand.slug == values.slug)
        if brand_id is not None:
            taken = taken.where(Brand.id != brand_id)
        if await taken:
            problems.append(_brand_slug_taken().problems[0])
    if problems:
        raise ValidationFailed(problems)


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


async def delete_brand(actor_id: int, brand_id: int) -> None:
    """Delete a brand and, through the foreign keys, everything it holds; the audit log stays."""
    async with write_transaction():
        before = await must_exist(Brand, brand_id, "id")
        held = {
            "channels": await Channel.count().where(Channel.brand == brand_id),
            "campaigns": await Campaign.count().where(Campaign.brand == brand_id),
            "posts": await Post.count().where(Post.brand == brand_id),
        }
        await Brand.delete().where(Brand.id == brand_id)
        await record(actor_id=actor_id, action="brand.delete", object_type="Brand",
                     object_id=brand_id, workspace_id=before["workspace"], brand_id=brand_id,
                     before={**before, "deleted_with": held})
