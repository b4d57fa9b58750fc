"""The plan's statuses, and the workflow transitions that led to each post's status."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from domain.demo.plan import PostSpec
from domain.enums import Platform, PostStatus
from domain.rules.workflow import Transition, next_status

S = PostStatus
T = Transition
PATHS = {
    S.DRAFT: (),
    S.IN_REVIEW: (T.SUBMIT,),
    S.APPROVED: (T.SUBMIT, T.APPROVE),
    S.SCHEDULED: (T.SUBMIT, T.APPROVE, T.SCHEDULE),
    S.PUBLISHED: (T.SUBMIT, T.APPROVE, T.SCHEDULE, T.PUBLISH),
    S.FAILED: (T.SUBMIT, T.APPROVE, T.SCHEDULE, T.FAIL),
    S.REJECTED: (T.SUBMIT, T.REJECT),
    S.ARCHIVED: (T.ARCHIVE,),
}


def assign_statuses(specs: list[PostSpec], today: date) -> None:
    """Past slots were published (a few failed or were dropped); the future is in the works.

    Today's slots (after midnight UTC) are left out of `specs`: nothing should look overdue.
    """
    now_ref = datetime.combine(today, time.min, UTC)
    past = sorted((s for s in specs if s.scheduled_at < now_ref),
                  key=lambda s: s.scheduled_at, reverse=True)
    future = sorted((s for s in specs if s.scheduled_at >= now_ref + timedelta(days=1)),
                    key=lambda s: s.scheduled_at)
    for i, spec in enumerate(past):
        spec.status = {2: S.FAILED, 5: S.ARCHIVED}.get(i, S.PUBLISHED)
    for j, spec in enumerate(future):
        ahead = (spec.scheduled_at - now_ref).days
        spec.status = {1: S.REJECTED, 6: S.REJECTED, 9: S.ARCHIVED}.get(j) or (
            S.SCHEDULED if ahead <= 6 else S.APPROVED if ahead <= 12
            else S.IN_REVIEW if ahead <= 20 else S.DRAFT)
    specs[:] = past + future
    tiktok = [s for s in past if s.status is S.PUBLISHED and s.channel.platform is Platform.TIKTOK
              and (now_ref - s.scheduled_at).days >= 12]
    if tiktok:
        tiktok[0].viral = True
    for spec in specs:
        walk(spec, now_ref)


def walk(spec: PostSpec, now_ref: datetime) -> None:
    """The transitions that led to the post's status, checked against the workflow rules."""
    brand, at = spec.brand, spec.scheduled_at
    start = min(at - timedelta(days=9), now_ref - timedelta(days=5)) + timedelta(
        minutes=spec.rng.randrange(0, 600))
    spec.values["created_at"] = start
    status, when = S.DRAFT, start
    for step, transition in enumerate(PATHS[spec.status]):
        actor: str | None = brand.maker
        reason = ""
        when = start + timedelta(days=step + 1, minutes=spec.rng.randrange(0, 240))
        if transition in (T.APPROVE, T.REJECT):
            actor = brand.approver
        if transition is T.REJECT:
            reason = brand.rejection
        if transition is T.ARCHIVE:
            reason = brand.archived
        if transition in (T.PUBLISH, T.FAIL):
            actor = None  # the scheduler
            when = at + timedelta(seconds=spec.rng.randrange(5, 90))
            reason = brand.failure if transition is T.FAIL else ""
        new = next_status(status, transition, reason=reason, scheduled_at=at)
        spec.path.append((status, new, actor, when, reason))
        status = new
    assert status is spec.status
    spec.values["updated_at"] = when
    published = spec.status is S.PUBLISHED
    spec.values.update(
        status=spec.status,
        scheduled_at=at,
        rejection_reason=brand.rejection if spec.status is S.REJECTED else "",
        published_at=when if published else None,
        external_id=external_id(spec) if published else None,
        permalink=permalink(spec) if published else "",
    )


def external_id(spec: PostSpec) -> str:
    """The id the platform gave the published post (stable per slot)."""
    r = random.Random(f"id|{spec.seed}")
    digits = "".join(str(r.randrange(10)) for _ in range(16))
    return {
        Platform.FACEBOOK: f"{spec.channel.external_id}_{digits}",
        Platform.INSTAGRAM: f"179{digits}",
        Platform.LINKEDIN: f"urn:li:share:7{digits[:18]}",
        Platform.X: f"18{digits}0",
        Platform.TIKTOK: f"73{digits}1",
        Platform.YOUTUBE: "".join(
            r.choice("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0123456789_-")
            for _ in range(11)),
    }[spec.channel.platform]


def permalink(spec: PostSpec) -> str:
    ext, handle = external_id(spec), spec.channel.handle.lstrip("@")
    return {
        Platform.FACEBOOK: f"https://www.facebook.com/{handle}/posts/{ext.partition('_')[2]}",
        Platform.INSTAGRAM: f"https://www.instagram.com/p/{ext[-11:]}/",
        Platform.LINKEDIN: f"https://www.linkedin.com/feed/update/{ext}/",
        Platform.X: f"https://x.com/{handle}/status/{ext}",
        Platform.TIKTOK: f"https://www.tiktok.com/@{handle}/video/{ext}",
        Platform.YOUTUBE: f"https://www.youtube.com/watch?v={ext}",
    }[spec.channel.platform]
