"""Row factories for tests: each saves one row with sensible defaults; keywords override."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from domain.enums import (
    CampaignObjective,
    CampaignStatus,
    ConversationKind,
    MessageDirection,
    Platform,
    PostStatus,
    Role,
    WorkspaceRole,
)
from domain.models import (
    Brand,
    Campaign,
    Channel,
    Conversation,
    Membership,
    Message,
    Post,
    User,
    Workspace,
    WorkspaceMember,
)

_seq = itertools.count(1)


def _n() -> int:
    return next(_seq)


async def make_workspace(**values: Any) -> Workspace:
    n = _n()
    row = Workspace(**{"name": f"Workspace {n}", "slug": f"workspace-{n}", **values})
    await row.save()
    return row


async def make_user(email: str | None = None, **values: Any) -> User:
    n = _n()
    row = User(**{"email": email or f"user{n}@example.com", "name": f"User {n}", **values})
    await row.save()
    return row


async def make_workspace_member(
    workspace: Workspace, user: User, role: WorkspaceRole = WorkspaceRole.OWNER
) -> WorkspaceMember:
    row = WorkspaceMember(workspace=workspace.id, user=user.id, role=role)
    await row.save()
    return row


async def make_brand(workspace: Workspace | None = None, **values: Any) -> Brand:
    workspace = workspace or await make_workspace()
    n = _n()
    row = Brand(**{
        "workspace": workspace.id, "name": f"Brand {n}", "slug": f"brand-{n}",
        "locale": "en_GB", "timezone": "Europe/London", "currency": "GBP", **values,
    })
    await row.save()
    return row


async def make_membership(user: User, brand: Brand, *roles: Role) -> list[Membership]:
    """The user's roles on the brand (MANAGER when none is named)."""
    rows = [Membership(user=user.id, brand=brand.id, role=r) for r in roles or (Role.MANAGER,)]
    await Membership.insert(*rows)
    return rows


async def make_channel(brand: Brand | None = None, **values: Any) -> Channel:
    brand = brand or await make_brand()
    n = _n()
    row = Channel(**{
        "brand": brand.id, "platform": Platform.INSTAGRAM, "handle": f"@channel{n}",
        "name": f"Channel {n}", "external_id": str(17_840_000_000 + n), **values,
    })
    await row.save()
    return row


async def make_campaign(brand: Brand | None = None, **values: Any) -> Campaign:
    brand = brand or await make_brand()
    n = _n()
    starts = date.today()
    row = Campaign(**{
        "brand": brand.id, "name": f"Campaign {n}",
        "objective": CampaignObjective.BRAND_AWARENESS, "status": CampaignStatus.PLANNED,
        "starts_on": starts, "ends_on": starts + timedelta(days=30),
        "planned_budget": Decimal("1000.00"), "production_cost": Decimal("250.00"),
        "currency": brand.currency, **values,
    })
    await row.save()
    return row


async def make_post(
    brand: Brand | None = None, channel: Channel | None = None, **values: Any
) -> Post:
    brand = brand or await make_brand()
    channel = channel or await make_channel(brand)
    n = _n()
    row = Post(**{
        "brand": brand.id, "channel": channel.id, "text": f"Post {n}",
        "status": PostStatus.DRAFT, **values,
    })
    await row.save()
    return row


async def make_conversation(channel: Channel, text: str = "Where can I buy it?",
                            at: datetime | None = None, **values: Any) -> Conversation:
    """A thread of the channel with one inbound message (its first), `at` (default now)."""
    n = _n()
    at = at or datetime.now(UTC)
    row = Conversation(**{
        "brand": channel.brand, "channel": channel.id, "kind": ConversationKind.COMMENT,
        "external_id": f"thread{n}", "author_handle": f"fan{n}",
        "author_external_id": str(10**15 + n), "started_at": at, "last_message_at": at,
        "last_inbound_at": at, **values,
    })
    await row.save()
    await make_message(row, text, at=at, external_id=row.external_id)
    return row


async def make_message(conversation: Conversation, text: str = "Thanks!",
                       at: datetime | None = None, **values: Any) -> Message:
    n = _n()
    row = Message(**{
        "conversation": conversation.id, "external_id": f"m{n}",
        "direction": MessageDirection.IN, "author_handle": conversation.author_handle,
        "text": text, "created_at": at or datetime.now(UTC), **values,
    })
    await row.save()
    return row
