"""The `world` fixture: one agency with every role, and a second agency that must not leak."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from domain.enums import PostStatus, Role, WorkspaceRole
from domain.models import Brand, Campaign, Channel, Post, User, Workspace
from tests.db import clean_tables, database  # noqa: F401 - fixtures, autouse
from tests.factories import (
    make_brand,
    make_campaign,
    make_channel,
    make_membership,
    make_post,
    make_user,
    make_workspace,
    make_workspace_member,
)

# Every kind of viewer the permission tests walk through.
VIEWERS = ("owner", "admin", "strategist", "manager", "community_manager", "client",
           "outsider", "anonymous")


@dataclass
class World:
    workspace: Workspace
    brand: Brand
    channel: Channel
    campaign: Campaign
    post: Post
    other_workspace: Workspace
    other_brand: Brand
    other_channel: Channel
    other_post: Post
    users: dict[str, User | None]

    def user(self, viewer: str) -> User | None:
        return self.users[viewer]


@pytest.fixture
async def world() -> World:
    workspace = await make_workspace(slug="agency")
    brand = await make_brand(workspace, slug="acme", name="Acme")
    channel = await make_channel(brand)
    campaign = await make_campaign(brand)
    post = await make_post(brand, channel, campaign=campaign.id, status=PostStatus.DRAFT,
                           scheduled_at=datetime.now(UTC) + timedelta(days=3))
    users: dict[str, User | None] = {"anonymous": None}
    users["owner"] = await make_user("owner@agency.example")
    await make_workspace_member(workspace, users["owner"], WorkspaceRole.OWNER)
    users["admin"] = await make_user("admin@agency.example")
    await make_workspace_member(workspace, users["admin"], WorkspaceRole.ADMIN)
    for name, role in (("strategist", Role.STRATEGIST), ("manager", Role.MANAGER),
                       ("community_manager", Role.COMMUNITY_MANAGER), ("client", Role.CLIENT)):
        users[name] = await make_user(f"{name}@agency.example")
        await make_membership(users[name], brand, role)

    other_workspace = await make_workspace(slug="rival")
    other_brand = await make_brand(other_workspace, slug="rival-brand")
    other_channel = await make_channel(other_brand)
    other_post = await make_post(other_brand, other_channel)
    users["outsider"] = await make_user("boss@rival.example")
    await make_workspace_member(other_workspace, users["outsider"], WorkspaceRole.OWNER)
    return World(workspace, brand, channel, campaign, post, other_workspace, other_brand,
                 other_channel, other_post, users)


@pytest.fixture(autouse=True)
async def fresh_limits() -> None:
    """Every test starts with full rate-limit and cost buckets (api/limits.py)."""
    from api import limits

    await limits.reset()


@pytest.fixture
def settings_env(monkeypatch):
    """`settings_env(COSO_X="1")`: settings read from these variables for this test."""
    from domain.settings import get_settings

    def apply(**env: str) -> None:
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()

    yield apply
    monkeypatch.undo()
    get_settings.cache_clear()
