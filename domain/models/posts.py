"""Posts of the editorial plan and the record of every workflow transition."""

from __future__ import annotations

from piccolo.columns import JSON, ForeignKey, OnDelete, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow

from domain.enums import ContentPillar, MediaType, PostFormat, PostStatus
from domain.models.accounts import User
from domain.models.base import Table
from domain.models.brands import Brand, Channel
from domain.models.campaigns import Campaign
from domain.models.columns import created_at


class Post(Table):
    brand = ForeignKey(Brand, null=False, index=True)
    campaign = ForeignKey(Campaign, null=True, index=True, on_delete=OnDelete.set_null)
    channel = ForeignKey(Channel, null=False, index=True)
    format = Varchar(length=20, choices=PostFormat, default=PostFormat.TEXT)
    pillar = Varchar(length=20, choices=ContentPillar, default=ContentPillar.INFORMATIVE)
    media_type = Varchar(length=10, choices=MediaType, default=MediaType.OWNED)
    text = Text(default="")
    media = JSON(default=[])  # [{url, kind, alt}]
    tags = JSON(default=[])  # [str]
    scheduled_at = Timestamptz(null=True, default=None, index=True)
    status = Varchar(length=20, choices=PostStatus, default=PostStatus.DRAFT, index=True)
    rejection_reason = Text(default="")
    external_id = Varchar(length=200, null=True, default=None)
    permalink = Text(default="")
    published_at = Timestamptz(null=True, default=None)
    failure_reason = Text(default="")  # the platform's words when publishing failed
    # Exactly-once publishing: a worker claims the post before calling the platform;
    # a later attempt that finds a claim reconciles with the platform instead of posting.
    publish_claim = Varchar(length=64, null=True, default=None)
    publish_claimed_at = Timestamptz(null=True, default=None)
    # The importer's own id for the post; (brand, ref) is unique.
    ref = Varchar(length=200, null=True, default=None)
    created_by = ForeignKey(User, null=True, on_delete=OnDelete.set_null)
    created_at = created_at()
    updated_at = Timestamptz(default=TimestamptzNow())


class PostTransition(Table):
    """Who moved a post from one status to another, when, and why."""

    post = ForeignKey(Post, null=False, index=True)
    from_status = Varchar(length=20, choices=PostStatus)
    to_status = Varchar(length=20, choices=PostStatus)
    actor = ForeignKey(User, null=True, on_delete=OnDelete.set_null)
    reason = Text(default="")
    at = created_at()
