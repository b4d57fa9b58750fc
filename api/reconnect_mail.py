"""The e-mail telling a brand's managers that a channel must be reconnected (a job)."""

from __future__ import annotations

from typing import Any

from api.reports.mailer import send_link_mail
from domain.enums import ChannelStatus, Role
from domain.models import Brand, Channel, Membership, WorkspaceMember
from domain.settings import get_settings


async def manager_emails(brand_id: int) -> list[str]:
    """Who may reconnect it: the brand's managers and its workspace's owners and admins."""
    brand = await Brand.select(Brand.workspace).where(Brand.id == brand_id).first()
    if brand is None:
        return []
    managers = await Membership.select(Membership.user.email).where(
        Membership.brand == brand_id, Membership.role == Role.MANAGER,
        Membership.user.is_active == True)  # noqa: E712 - a SQL comparison
    admins = await WorkspaceMember.select(WorkspaceMember.user.email).where(
        WorkspaceMember.workspace == brand["workspace"],
        WorkspaceMember.user.is_active == True)  # noqa: E712
    return sorted({r["user.email"].lower() for r in [*managers, *admins]})


async def mail_reconnect_needed(ctx: dict[str, Any], channel_id: int) -> str:
    """Mail each manager once per refusal (the job id carries the channel's token version);
    nothing when the channel was reconnected meanwhile."""
    channel = await Channel.select(Channel.brand, Channel.platform, Channel.handle,
                                   Channel.status, Channel.last_error,
                                   Channel.brand.name.as_alias("brand_name")).where(
        Channel.id == channel_id).first()
    if channel is None or channel["status"] != ChannelStatus.NEEDS_RECONNECT:
        return "nothing to say"
    where = f"{channel['platform']} {channel['handle']}"
    body = (f"Hello,\n\nCoso can no longer read or publish on the {where} channel of "
            f"{channel['brand_name']}: {channel['last_error']}\n\nReconnect it (the API's "
            f"startChannelConnection, brand {channel['brand_name']}, platform "
            f"{channel['platform']}) from {get_settings().public_url}/graphql. Until then "
            f"its metrics are not synced and its scheduled posts are not published.\n")
    sent = 0
    for address in await manager_emails(channel["brand"]):
        sent += await send_link_mail(address, f"Reconnect {where} ({channel['brand_name']})",
                                     body)
    return f"mailed {sent}"
