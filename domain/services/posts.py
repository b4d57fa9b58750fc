"""Post use cases: create and edit drafts, move posts through the workflow; each one audited.

There is no delete: ARCHIVE is how a post leaves the plan, and it keeps its history.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domain.db import write_transaction
from domain.enums import ContentPillar, MediaType, PostFormat, PostStatus
from domain.errors import ValidationFailed
from domain.events import Event, EventKind, publish
from domain.models import Brand, Campaign, Channel, Post, PostTransition
from domain.rules.content import MediaItem, clean_tags, media_problems, text_problems
from domain.rules.workflow import Transition, is_editable, next_status, with_article
from domain.services import rollups
from domain.services.audit import record
from domain.services.usecase import KEEP, Keep, Problems, changed, locked, utcnow

MAX_REASON_LENGTH = 2000


@dataclass(kw_only=True)
class NewPost:
    brand_id: int
    channel_id: int
    campaign_id: int | None = None
    text: str = ""
    format: PostFormat = PostFormat.TEXT
    pillar: ContentPillar = ContentPillar.INFORMATIVE
    media_type: MediaType = MediaType.OWNED
    media: Sequence[MediaItem] = field(default_factory=list)
    tags: Sequence[str] = field(default_factory=list)
    scheduled_at: datetime | None = None


@dataclass(kw_only=True)
class PostChanges:
    """What to change; KEEP leaves a field alone, None clears it (where it may be empty)."""

    channel_id: int | None | Keep = KEEP
    campaign_id: int | None | Keep = KEEP
    text: str | None | Keep = KEEP
    format: PostFormat | None | Keep = KEEP
    pillar: ContentPillar | None | Keep = KEEP
    media_type: MediaType | None | Keep = KEEP
    media: Sequence[MediaItem] | None | Keep = KEEP
    tags: Sequence[str] | None | Keep = KEEP
    scheduled_at: datetime | None | Keep = KEEP


async def create_post(new: NewPost, actor_id: int | None, *,
                      now: datetime | None = None) -> dict[str, Any]:
    """A DRAFT post on one of the brand's channels; ValidationFailed lists every problem."""
    now = utcnow(now)
    async with write_transaction():
        brand = await Brand.select(Brand.id, Brand.workspace).where(
            Brand.id == new.brand_id).first()
        if brand is None:
            raise ValidationFailed.one("brand", "NOT_FOUND", "no Brand with this id")
        problems = Problems()
        channel = await _channel_of(problems, new.brand_id, new.channel_id)
        if new.campaign_id is not None:
            await _campaign_of(problems, new.brand_id, new.campaign_id)
        values = check_content(problems, text=new.text, media=new.media, tags=new.tags,
                          platform=channel["platform"] if channel else None)
        scheduled_at = problems.aware("scheduledAt", new.scheduled_at)
        problems.check()
        row = Post(
            brand=new.brand_id, channel=new.channel_id, campaign=new.campaign_id,
            format=new.format, pillar=new.pillar, media_type=new.media_type,
            scheduled_at=scheduled_at, status=PostStatus.DRAFT, created_by=actor_id,
            created_at=now, updated_at=now, **values,
        )
        await row.save()
        after = await _load(row.id)
        assert after is not None
        await _audit("post.create", actor_id, brand, None, after)
        return after


async def update_post(post_id: int, changes: PostChanges, actor_id: int | None, *,
                      now: datetime | None = None) -> dict[str, Any]:
    """Change a DRAFT or REJECTED post's content; a reviewed post must be reopened first."""
    now = utcnow(now)
    async with write_transaction():
        before = await _load(post_id, lock=True)
        if before is None:
            raise ValidationFailed.one("id", "NOT_FOUND", "no Post with this id")
        brand_id = before["brand"]
        problems = Problems()
        if not is_editable(PostStatus(before["status"])):
            problems.add("id", "NOT_EDITABLE",
                         f"{with_article(before['status'])} post cannot be edited; reopen it first")
        updates: dict[str, Any] = {}
        platform: str | None = None
        if changes.channel_id is KEEP:
            current = await Channel.select(Channel.platform).where(
                Channel.id == before["channel"]).first()
            platform = current["platform"] if current else None
        elif changes.channel_id is None:
            problems.add("channel", "REQUIRED", "a post needs a channel")
        else:
            channel = await _channel_of(problems, brand_id, changes.channel_id)
            platform = channel["platform"] if channel else None
            updates["channel"] = changes.channel_id
        if changes.campaign_id is not KEEP:
            if changes.campaign_id is not None:
                await _campaign_of(problems, brand_id, changes.campaign_id)
            updates["campaign"] = changes.campaign_id
        for name, api_name in (("format", "format"), ("pillar", "pillar"),
                               ("media_type", "mediaType")):
            value = getattr(changes, name)
            if value is None:
                problems.add(api_name, "REQUIRED", f"{api_name} cannot be null")
            elif value is not KEEP:
                updates[name] = value
        text = before["text"] if changes.text is KEEP else changes.text or ""
        media = (_media_of(before["media"]) if changes.media is KEEP
                 else list(changes.media or []))
        tags = before["tags"] if changes.tags is KEEP else list(changes.tags or [])
        content = check_content(problems, text=text, media=media, tags=tags, platform=platform)
        for name in ("text", "media", "tags"):
            if getattr(changes, name) is not KEEP:
                updates[name] = content[name]
        if changes.scheduled_at is not KEEP:
            updates["scheduled_at"] = problems.aware("scheduledAt", changes.scheduled_at)
        problems.check()
        if changed(before, updates):
            updates["updated_at"] = now
            # Its metrics move between rollup rows when it changes any of these.
            regroup = any(updates.get(k, before[k]) != before[k] for k in (
                "channel", "campaign", "format", "pillar", "media_type"))
            sql = rollups.piccolo_sql()
            was = await rollups.channel_days_of_posts(sql, [post_id]) if regroup else {}
            await Post.update({getattr(Post, k): v for k, v in updates.items()}).where(
                Post.id == post_id)
            if regroup:
                await rollups.refresh_posts(sql, [post_id], was)
        after = await _load(post_id)
        assert after is not None
        await _audit("post.update", actor_id, await _brand(brand_id), before, after)
        return after


async def transition_post(
    post_id: int, transition: Transition, actor_id: int | None, *, reason: str = "",
    scheduled_at: datetime | None = None, now: datetime | None = None,
) -> dict[str, Any]:
    """Move a post along the workflow under a row lock, recording who, when and why.

    SCHEDULE uses `scheduled_at` when given, else the time the post already has.
    Raises WorkflowError for an illegal move, ValidationFailed for bad input.
    """
    now = utcnow(now)
    async with write_transaction():
        before = await _load(post_id, lock=True)
        if before is None:
            raise ValidationFailed.one("id", "NOT_FOUND", "no Post with this id")
        problems = Problems()
        reason = problems.text("reason", reason, max_length=MAX_REASON_LENGTH)
        when = problems.aware("scheduledAt", scheduled_at) if scheduled_at else None
        problems.check()
        when = when or before["scheduled_at"]
        current = PostStatus(before["status"])
        target = next_status(current, transition, reason=reason, scheduled_at=when, now=now)
        updates: dict[Any, Any] = {Post.status: target, Post.updated_at: now}
        if transition is Transition.REJECT:
            updates[Post.rejection_reason] = reason
        elif transition is Transition.SUBMIT:
            updates[Post.rejection_reason] = ""
        elif transition is Transition.SCHEDULE:
            updates[Post.scheduled_at] = when
        elif transition is Transition.PUBLISH:
            updates[Post.published_at] = now
        await Post.update(updates).where(Post.id == post_id)
        await PostTransition.insert(PostTransition(
            post=post_id, from_status=current, to_status=target, actor=actor_id,
            reason=reason, at=now))
        after = await _load(post_id)
        assert after is not None
        brand = await _brand(before["brand"])
        await _audit(f"post.{transition.lower()}", actor_id, brand, before, after)
        await publish(Event(
            EventKind.POST_STATUS_CHANGED, brand["workspace"], brand["id"], "Post", post_id,
            {"fromStatus": current.value, "toStatus": target.value,
             "transition": transition.value, "reason": reason}))
        return after


async def _load(post_id: int, *, lock: bool = False) -> dict[str, Any] | None:
    query = Post.select().where(Post.id == post_id).output(load_json=True)
    return await (locked(query) if lock else query).first()


async def _brand(brand_id: int) -> dict[str, Any]:
    row = await Brand.select(Brand.id, Brand.workspace).where(Brand.id == brand_id).first()
    assert row is not None, "a post's brand outlives it"
    return row


async def _channel_of(problems: Problems, brand_id: int, channel_id: int) -> dict | None:
    # Looked up inside the brand: another brand's channel is as absent as a missing one.
    # KEY SHARE keeps it from being deleted before this transaction commits.
    row = await locked(Channel.select(Channel.id, Channel.platform).where(
        (Channel.id == channel_id) & (Channel.brand == brand_id)), "KEY SHARE").first()
    if row is None:
        problems.add("channel", "NOT_FOUND", "no Channel with this id in the post's brand")
    return row


async def _campaign_of(problems: Problems, brand_id: int, campaign_id: int) -> dict | None:
    row = await locked(Campaign.select(Campaign.id).where(
        (Campaign.id == campaign_id) & (Campaign.brand == brand_id)), "KEY SHARE").first()
    if row is None:
        problems.add("campaign", "NOT_FOUND", "no Campaign with this id in the post's brand")
    return row


def _media_of(stored: Any) -> list[MediaItem]:
    return [MediaItem(url=m.get("url", ""), kind=m.get("kind", ""), alt=m.get("alt", ""))
            for m in stored or []]


def check_content(problems: Problems, *, text: str, media: Sequence[MediaItem],
             tags: Sequence[str], platform: str | None) -> dict[str, Any]:
    """Text, media and tags checked together (the text limit depends on the channel)."""
    items = [MediaItem(url=m.url.strip(), kind=m.kind.strip().upper(), alt=m.alt.strip())
             for m in media]
    problems.extend(text_problems(text, platform, has_media=bool(items)))
    problems.extend(media_problems(items))
    cleaned_tags, tag_problems = clean_tags(tags)
    problems.extend(tag_problems)
    return {"text": text, "media": [m.as_json() for m in items], "tags": cleaned_tags}


async def _audit(action: str, actor_id: int | None, brand: dict[str, Any],
                 before: dict[str, Any] | None, after: dict[str, Any]) -> None:
    await record(actor_id=actor_id, action=action, object_type="post", object_id=after["id"],
                 workspace_id=brand["workspace"], brand_id=brand["id"],
                 before=before, after=after)
