"""Publishing posts exactly once (domain.sync.once): claim, call, record; reconcile after a crash.

A job claims the post (publish_claim, publish_claimed_at) in a committed transaction
before it calls the platform. A later attempt that finds a claim does not post again: it
asks the platform (connector.find_published) whether the post is there. Only when it is
not, and the claim is older than any request still in flight could be, does it post.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from typing import Any

from domain.connectors import connector_for
from domain.connectors.base import ChannelAuth, Connector, OutgoingPost, Published, SyncError
from domain.connectors.oauth_flow import OAuthError
from domain.db import write_transaction
from domain.enums import ChannelStatus, PostFormat, PostStatus, SyncKind
from domain.events import EventKind, publish_for_brand
from domain.jobs import JobQueue, RetryLater
from domain.models import Channel, Post, PostMetric
from domain.rules.workflow import Transition, WorkflowError
from domain.services import rollups
from domain.services.channels import mark_token_expired
from domain.services.posts import transition_post
from domain.services.secrets import TokenUnreadable
from domain.services.usecase import locked
from domain.sync import runs
from domain.sync.base import (
    MAX_TRIES,
    TRANSIENT_DB_ERRORS,
    attempt_of,
    describe,
    is_transient,
    retry_delay,
)
from domain.sync.jobs import enqueue_run, failed, recorded
from domain.sync.once import CLOCK_SLACK, claim_grace, exactly_once
from domain.sync.tokens import TokenRefused, call_with_token

PUBLISHABLE = (PostStatus.SCHEDULED, PostStatus.APPROVED)


async def request_publish(queue: JobQueue, post: dict[str, Any], *,
                          requested_by: int | None = None) -> dict[str, Any]:
    """Open (or find) the post's PUBLISH run and make sure its job is queued; the run."""
    opened = await runs.open_run(post["channel"], SyncKind.PUBLISH,
                                 runs.publish_job_id(post["id"]), requested_by=requested_by)
    await enqueue_run(queue, opened.run)
    return await runs.get_run(opened.run["id"]) or opened.run


async def publish_due_posts(ctx: dict[str, Any], channel_ids: list[int] | None = None) -> int:
    """Queue a publish job for every SCHEDULED post whose time has come (cron, every minute)."""
    query = Post.select(Post.id, Post.channel).where(
        Post.status == PostStatus.SCHEDULED, Post.scheduled_at <= datetime.now(UTC))
    if channel_ids is not None:
        query = query.where(Post.channel.is_in(channel_ids or [0]))
    due = await query.order_by(Post.scheduled_at, Post.id)
    for post in due:
        await request_publish(ctx["queue"], post)
    return len(due)


@recorded
async def publish_post(ctx: dict[str, Any], run_id: int, post_id: int) -> str:
    """Publish one post now (it is SCHEDULED and due, or APPROVED and asked for)."""
    attempt = attempt_of(ctx)
    try:
        run = await runs.start_run(run_id, attempt)
        if run is None:
            return "already finished"
        post = await Post.select().where(Post.id == post_id).output(load_json=True).first()
        channel = await Channel.select().where(Channel.id == run["channel"]).first()
    except TRANSIENT_DB_ERRORS as error:
        raise RetryLater(retry_delay(attempt), describe(error)) from error
    assert channel is not None, "runs cascade with their channel"
    if post is None or post["status"] == PostStatus.PUBLISHED:
        await runs.succeed_run(run_id, items_in=0)
        return "nothing to publish"
    if post["status"] not in PUBLISHABLE or (run["requested_by"] is None and not _due(post)):
        # Unscheduled or moved to a later time since the cron queued it; publishNow
        # (requested by someone) publishes an APPROVED post too.
        await runs.fail_run(run_id, "NOT_PUBLISHABLE", f"the post is {post['status']} and not "
                                                      "due: nothing was published")
        return "not publishable"
    if channel["status"] != ChannelStatus.CONNECTED:
        return await _refused(run_id, post, "CHANNEL_NOT_CONNECTED",
                              f"the channel is {channel['status']}: connect it to publish")
    api_version = ""
    auth: ChannelAuth | None = None
    try:
        connector = connector_for(channel["platform"], ctx["http"])
        api_version = connector.api_version

        async def attempt_publish(token: ChannelAuth) -> Published | None:
            nonlocal auth
            auth = token
            return await _publish_once(connector, token, post)

        async def release() -> None:
            # The platform refused the token: nothing was published, the claim goes.
            await Post.update({Post.publish_claim: None, Post.publish_claimed_at: None}).where(
                Post.id == post["id"])

        published, channel = await call_with_token(ctx, channel, attempt_publish, release)
        if published is None:
            await failed(run_id, attempt, "PUBLISH_IN_FLIGHT", "an earlier attempt may still "
                         "be publishing this post: waiting before looking again",
                         transient=True, defer=claim_grace().total_seconds())
            return "in flight"
        await _record_published(run_id, post, published, api_version)
        return f"published {published.external_id}"
    except TokenRefused as refused:
        return await _refused(run_id, post, "NEEDS_RECONNECT", refused.message, api_version)
    except OAuthError as error:
        await failed(run_id, attempt, "TOKEN_REFRESH_FAILED", error.message, transient=True,
                     api_version=api_version)
        return "token refresh failed"
    except TokenUnreadable as error:
        await mark_token_expired(channel["id"], str(error))
        return await _refused(run_id, post, "TOKEN_UNREADABLE", str(error))
    except SyncError as error:
        if error.code == "TOKEN_EXPIRED":
            await mark_token_expired(channel["id"], error.message)
        if is_transient(error) and auth is not None:
            return await _uncertain(ctx, run_id, post, auth, error, api_version)
        return await _refused(run_id, post, error.code, error.message, api_version)
    except TRANSIENT_DB_ERRORS as error:
        await failed(run_id, attempt, "DATABASE_UNAVAILABLE", describe(error), transient=True,
                     api_version=api_version)
        return "database unavailable"


def _due(post: dict[str, Any]) -> bool:
    return post["status"] == PostStatus.SCHEDULED and post["scheduled_at"] is not None \
        and post["scheduled_at"] <= datetime.now(UTC)


async def _publish_once(connector: Connector, auth: ChannelAuth,
                        post: dict[str, Any]) -> Published | None:
    """The platform's record of the post: found after an earlier claim, or published now
    under a fresh claim. None when an earlier attempt may still be in flight."""
    outgoing = OutgoingPost(text=post["text"], media=list(post["media"] or []),
                            format=PostFormat(post["format"]))
    return await exactly_once(
        Post, post["id"], Post.publish_claim, Post.publish_claimed_at,
        lambda since: connector.find_published(auth, post["text"], since),
        lambda: connector.publish(auth, outgoing),
        claimable=[Post.status.is_in(list(PUBLISHABLE))])


async def _record_published(run_id: int, post: dict[str, Any], published: Published,
                            api_version: str) -> None:
    async with write_transaction():
        await _absorb_synced_twin(post, published.external_id)
        # Moved meanwhile (archived)? It is on the platform all the same.
        with contextlib.suppress(WorkflowError):
            await transition_post(post["id"], Transition.PUBLISH, None)
        await Post.update({
            Post.status: PostStatus.PUBLISHED, Post.external_id: published.external_id,
            Post.permalink: published.permalink, Post.published_at: published.published_at,
            Post.failure_reason: "",
        }).where(Post.id == post["id"])
        await runs.succeed_run(run_id, api_version=api_version, items_in=1, inserted=1)
        await publish_for_brand(EventKind.POST_PUBLISHED, post["brand"], "Post", post["id"], {
            "externalId": published.external_id, "permalink": published.permalink,
            "publishedAt": published.published_at})


async def _absorb_synced_twin(post: dict[str, Any], external_id: str) -> None:
    """A metrics sync that ran between the platform call and this record created the same
    post from the platform's side: keep ours, with the twin's metrics."""
    twin = await locked(Post.select(Post.id).where(
        Post.channel == post["channel"], Post.external_id == external_id,
        Post.id != post["id"], Post.publish_claim.is_null())).first()
    if twin is None:
        return
    sql = rollups.piccolo_sql()
    was = await rollups.channel_days_of_posts(sql, [twin["id"]])
    await PostMetric.update({PostMetric.post: post["id"]}).where(PostMetric.post == twin["id"])
    await Post.delete().where(Post.id == twin["id"])
    await rollups.refresh_posts(sql, [post["id"]], was)


async def _refused(run_id: int, post: dict[str, Any], code: str, message: str,
                   api_version: str = "") -> str:
    """The platform will not take the post: FAILED with its reason, claim released so the
    post can be fixed and scheduled again."""
    async with write_transaction():
        current = await locked(Post.select(Post.status).where(Post.id == post["id"])).first()
        if current is not None and current["status"] in PUBLISHABLE:
            await transition_post(post["id"], Transition.FAIL, None, reason=message[:2000])
            await Post.update({Post.failure_reason: message[:2000], Post.publish_claim: None,
                               Post.publish_claimed_at: None}).where(Post.id == post["id"])
            await publish_for_brand(EventKind.POST_FAILED, post["brand"], "Post", post["id"],
                                    {"code": code, "message": message[:2000]})
        await runs.fail_run(run_id, code, message, api_version=api_version)
    return code


async def _uncertain(ctx: dict[str, Any], run_id: int, post: dict[str, Any], auth: ChannelAuth,
                     error: SyncError, api_version: str) -> str:
    """A transient failure: the platform may or may not have the post. Keep the claim and
    try again (the next attempt reconciles); after the last attempt look once more, then fail."""
    attempt = attempt_of(ctx)
    if attempt < MAX_TRIES:
        await failed(run_id, attempt, error.code, error.message, transient=True,
                     defer=error.retry_after)
    connector = connector_for(auth.platform, ctx["http"])
    claimed = await Post.select(Post.publish_claimed_at).where(Post.id == post["id"]).first()
    since = (claimed or {}).get("publish_claimed_at") or datetime.now(UTC)
    try:
        found = await connector.find_published(auth, post["text"], since - CLOCK_SLACK)
    except SyncError:
        found = None
    if found is not None:
        await _record_published(run_id, post, found, api_version)
        return f"published {found.external_id}"
    return await _refused(run_id, post, error.code, error.message, api_version)
