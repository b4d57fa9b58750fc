"""Channel use cases: create, edit, delete, connect (tokens encrypted), all audited.

Permission checks are the caller's. Tokens never leave this module in clear except as the
`ChannelAuth` a sync job hands to a connector; audit rows show only whether a token is set.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any

from domain.connectors import API_VERSIONS
from domain.connectors.base import ChannelAuth
from domain.db import write_transaction
from domain.enums import ChannelStatus, Platform
from domain.errors import Problem, ValidationFailed
from domain.models import Brand, Channel, Post
from domain.services.audit import record
from domain.services.secrets import (
    TokenUnreadable,
    decrypt_token,
    encrypt_token,
    reencrypt_token,
)
from domain.services.usecase import (
    Problems,
    insert_unique,
    locked,
    must_exist,
    update_unique,
    utcnow,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelValues:
    platform: str
    handle: str
    name: str = ""
    external_id: str = ""


CHANNEL_FIELDS = ("handle", "name", "external_id")


def channel_problems(values: ChannelValues) -> list[Problem]:
    problems = Problems()
    if values.platform not in {p.value for p in Platform}:
        problems.add("platform", "INVALID_PLATFORM", f"unknown platform {values.platform!r}")
    problems.text("handle", values.handle, max_length=200, required=True)
    problems.text("name", values.name, max_length=200)
    problems.text("externalId", values.external_id, max_length=200)
    return problems.items


def _handle_taken() -> ValidationFailed:
    return ValidationFailed.one("handle", "HANDLE_TAKEN",
                                "this brand already has a channel with this handle on this "
                                "platform")


async def _check_channel(values: ChannelValues, brand_id: int, channel_id: int | None) -> None:
    problems = channel_problems(values)
    if not problems:
        taken = Channel.exists().where(Channel.brand == brand_id,
                                       Channel.platform == values.platform,
                                       Channel.handle == values.handle)
        if channel_id is not None:
            taken = taken.where(Channel.id != channel_id)
        if await taken:
            problems.append(_handle_taken().problems[0])
    if problems:
        raise ValidationFailed(problems)


def _clean_channel(values: ChannelValues) -> ChannelValues:
    return replace(values, platform=str(values.platform), handle=values.handle.strip(),
                   name=values.name.strip(), external_id=values.external_id.strip())


async def create_channel(actor_id: int, brand_id: int, values: ChannelValues) -> dict[str, Any]:
    values = _clean_channel(values)
    async with write_transaction():
        brand = await must_exist(Brand, brand_id, "brand")
        await _check_channel(values, brand_id, None)
        row = await insert_unique(Channel, {"brand": brand_id, **asdict(values)}, _handle_taken)
        await record(actor_id=actor_id, action="channel.create", object_type="Channel",
                     object_id=row["id"], workspace_id=brand["workspace"], brand_id=brand_id,
                     after=row)
    return row


async def update_channel(actor_id: int, channel_id: int, **changes: str) -> dict[str, Any]:
    """Change a channel's handle, name or external id; its platform is what it is."""
    async with write_transaction():
        before = await must_exist(Channel, channel_id, "id")
        brand = await must_exist(Brand, before["brand"], "id")
        current = ChannelValues(platform=before["platform"],
                                **{k: before[k] for k in CHANNEL_FIELDS})
        values = _clean_channel(replace(current, **changes))
        await _check_channel(values, before["brand"], channel_id)
        changed = {k: v for k, v in asdict(values).items() if before[k] != v}
        after = await update_unique(Channel, channel_id, changed, _handle_taken)
        if changed:
            await record(actor_id=actor_id, action="channel.update", object_type="Channel",
                         object_id=channel_id, workspace_id=brand["workspace"],
                         brand_id=before["brand"], before=before, after=after)
    return after


async def delete_channel(actor_id: int, channel_id: int) -> None:
    """Delete a channel with its posts and metrics (foreign keys cascade)."""
    async with write_transaction():
        before = await must_exist(Channel, channel_id, "id")
        brand = await must_exist(Brand, before["brand"], "id")
        posts = await Post.count().where(Post.channel == channel_id)
        await Channel.delete().where(Channel.id == channel_id)
        await record(actor_id=actor_id, action="channel.delete", object_type="Channel",
                     object_id=channel_id, workspace_id=brand["workspace"],
                     brand_id=before["brand"], before={**before, "deleted_with": {
                         "posts": posts}})


MAX_TOKEN_LENGTH = 4096
# A token travels in an Authorization header or a query string: printable, no spaces.
_TOKEN = re.compile(r"^[\x21-\x7e]+$")


@dataclass(kw_only=True)
class Connection:
    platform: str
    handle: str
    external_id: str
    access_token: str
    refresh_token: str = ""
    expires_at: datetime | None = None
    name: str = ""


@dataclass(frozen=True, slots=True)
class Connected:
    channel: dict[str, Any]
    first_time: bool
    """Never synced before: the caller should backfill its history."""


def _token_checks(problems: Problems, *, access_token: str, refresh_token: str,
                  expires_at: datetime | None, now: datetime) -> tuple[str, str, datetime | None]:
    cleaned = []
    for field, value, required in (("accessToken", access_token, True),
                                   ("refreshToken", refresh_token, False)):
        value = (value or "").strip()
        if not value:
            if required:
                problems.required(field)
        elif len(value) > MAX_TOKEN_LENGTH:
            problems.too_long(field, MAX_TOKEN_LENGTH)
        elif not _TOKEN.match(value):
            problems.add(field, "INVALID", f"{field} must be printable ASCII without spaces")
        cleaned.append(value)
    when = problems.aware("expiresAt", expires_at)
    if when is not None and when <= now:
        problems.add("expiresAt", "EXPIRED", "this token has already expired")
    return cleaned[0], cleaned[1], when


def _supported(problems: Problems, platform: str) -> None:
    if platform in {p.value for p in Platform} and Platform(platform) not in API_VERSIONS:
        problems.add("platform", "UNSUPPORTED_PLATFORM",
                     f"Coso cannot sync {platform} channels yet")


def _connected_values(access: str, refresh: str, expires: datetime | None,
                      now: datetime) -> dict[Any, Any]:
    return {
        Channel.status: ChannelStatus.CONNECTED, Channel.access_token: encrypt_token(access),
        Channel.refresh_token: encrypt_token(refresh), Channel.token_expires_at: expires,
        Channel.connected_at: now, Channel.last_error: "",
        Channel.token_version: Channel.token_version + 1,
    }


async def connect_channel(actor_id: int | None, brand_id: int, conn: Connection, *,
                          now: datetime | None = None,
                          by_external_id: bool = False) -> Connected:
    """Connect the brand's channel (platform, handle), creating it when it does not exist.

    `by_external_id` (an account picked after OAuth): the brand's channel with this id on
    the platform is the one, whatever its handle; it keeps its handle and name."""
    now = utcnow(now)
    problems = Problems()
    values = ChannelValues(platform=str(conn.platform), handle=(conn.handle or "").strip(),
                                  name=(conn.name or "").strip(),
                                  external_id=(conn.external_id or "").strip())
    problems.extend(channel_problems(values))
    _supported(problems, values.platform)
    if not values.external_id:
        problems.add("externalId", "REQUIRED", "externalId (the channel's id on the platform) "
                                               "is needed to sync it")
    access, refresh, expires = _token_checks(
        problems, access_token=conn.access_token, refresh_token=conn.refresh_token,
        expires_at=conn.expires_at, now=now)
    problems.check()
    async with write_transaction():
        brand = await must_exist(Brand, brand_id, "brand")
        before = None
        if by_external_id:
            before = await locked(Channel.select().where(
                Channel.brand == brand_id, Channel.platform == values.platform,
                Channel.external_id == values.external_id).order_by(Channel.id)).first()
            if before is not None:
                values = replace(values, handle=before["handle"],
                                 name=before["name"] or values.name)
        if before is None:
            before = await locked(Channel.select().where(
                Channel.brand == brand_id, Channel.platform == values.platform,
                Channel.handle == values.handle)).first()
        if before is None:
            # The audit log accepts no actor (the CLI, the demo): None is passed through.
            before = await create_channel(actor_id, brand_id, values)  # type: ignore[arg-type]
            channel_id = before["id"]
        else:
            channel_id = before["id"]
            updates = {Channel.external_id: values.external_id}
            if values.name:
                updates[Channel.name] = values.name
            await Channel.update(updates).where(Channel.id == channel_id)
        await Channel.update(_connected_values(access, refresh, expires, now)).where(
            Channel.id == channel_id)
        after = await _written(channel_id)
        await record(actor_id=actor_id, action="channel.connect", object_type="Channel",
                     object_id=channel_id, workspace_id=brand["workspace"], brand_id=brand_id,
                     before=before, after=after)
    return Connected(after, first_time=after["metrics_watermark"] is None)


async def update_channel_token(actor_id: int | None, channel_id: int, *, access_token: str,
                               refresh_token: str = "", expires_at: datetime | None = None,
                               now: datetime | None = None) -> dict[str, Any]:
    """A fresh token for a channel (expired, disconnected or rotated): it is CONNECTED again."""
    now = utcnow(now)
    problems = Problems()
    access, refresh, expires = _token_checks(
        problems, access_token=access_token, refresh_token=refresh_token,
        expires_at=expires_at, now=now)
    problems.check()
    async with write_transaction():
        before = await _row(channel_id, lock=True)
        if before is None:
            raise ValidationFailed.one("id", "NOT_FOUND", "no Channel with this id")
        _supported(problems, before["platform"])
        if not before["external_id"]:
            problems.add("id", "EXTERNAL_ID_REQUIRED", "set the channel's externalId first "
                                                       "(updateChannel)")
        problems.check()
        await Channel.update(_connected_values(access, refresh, expires, now)).where(
            Channel.id == channel_id)
        after = await _written(channel_id)
        await _audit("channel.update_token", actor_id, before, after)
    return after


async def disconnect_channel(actor_id: int | None, channel_id: int) -> dict[str, Any]:
    """Forget the channel's tokens; its posts, metrics and sync history stay."""
    async with write_transaction():
        before = await _row(channel_id, lock=True)
        if before is None:
            raise ValidationFailed.one("id", "NOT_FOUND", "no Channel with this id")
        await Channel.update({
            Channel.status: ChannelStatus.DISCONNECTED, Channel.access_token: "",
            Channel.refresh_token: "", Channel.token_expires_at: None,
        }).where(Channel.id == channel_id)
        after = await _written(channel_id)
        await _audit("channel.disconnect", actor_id, before, after)
    return after


async def revoke_tokens(row: dict[str, Any]) -> bool:
    """Ask the platform to forget a channel's tokens (a disconnected channel's row as it
    was); best effort: False when it could not. Meta's Page tokens are left alone: revoking
    one removes the app from the user's every Page."""
    from domain.connectors.oauth import SPECS
    from domain.connectors.oauth_flow import revoke
    from domain.sync.base import http_client

    spec = SPECS.get(Platform(row["platform"]))
    if spec is None or spec.long_lived_exchange:
        return False
    try:
        tokens = [decrypt_token(row["refresh_token"]), decrypt_token(row["access_token"])]
    except TokenUnreadable:
        return False
    done = False
    async with http_client() as http:
        for token in tokens:
            if token:
                done = await revoke(spec.platform, http, token) or done
    return done


def channel_auth(row: dict[str, Any]) -> ChannelAuth:
    """What a connector needs to call the platform for this channel; TokenUnreadable if the
    stored token cannot be decrypted."""
    return ChannelAuth(platform=Platform(row["platform"]), external_id=row["external_id"],
                       access_token=decrypt_token(row["access_token"]))


async def mark_token_expired(channel_id: int, message: str) -> None:
    """The platform refused the token: the channel waits for a new one (updateChannelToken)."""
    await Channel.update({Channel.status: ChannelStatus.TOKEN_EXPIRED,
                          Channel.last_error: message[:2000]}).where(
        Channel.id == channel_id, Channel.status == ChannelStatus.CONNECTED)


async def rekey_tokens() -> tuple[int, list[int]]:
    """Encrypt every stored token again with the current key: (channels done, unreadable ids)."""
    done, unreadable = 0, []
    rows = await Channel.select(Channel.id, Channel.access_token, Channel.refresh_token).where(
        (Channel.access_token != "") | (Channel.refresh_token != ""))
    for row in rows:
        try:
            values = {Channel.access_token: reencrypt_token(row["access_token"]),
                      Channel.refresh_token: reencrypt_token(row["refresh_token"])}
        except TokenUnreadable:
            unreadable.append(row["id"])
            continue
        await Channel.update(values).where(Channel.id == row["id"])
        done += 1
    return done, unreadable


async def _row(channel_id: int, *, lock: bool = False) -> dict[str, Any] | None:
    query = Channel.select().where(Channel.id == channel_id)
    return await (locked(query) if lock else query).first()


async def _written(channel_id: int) -> dict[str, Any]:
    """The row this transaction has just written (so it exists)."""
    row = await _row(channel_id)
    assert row is not None, channel_id
    return row


async def _audit(action: str, actor_id: int | None, before: dict[str, Any],
                 after: dict[str, Any]) -> None:
    brand = await Brand.select(Brand.workspace).where(Brand.id == after["brand"]).first()
    assert brand is not None, "a channel's brand outlives it"
    await record(actor_id=actor_id, action=action, object_type="Channel", object_id=after["id"],
                 workspace_id=brand["workspace"], brand_id=after["brand"],
                 before=before, after=after)
