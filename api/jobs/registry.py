"""Every background job and cron by name: what runs, on which queue, how often, how long.

Both queues read it: arq's workers (api.worker builds their WorkerSettings from it) and
the in-process InlineQueue (api.jobs.queues). A job is queued by its name, the same call
either way: `await queue.enqueue("generate_report", report_id, job_id="report:12")`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from arq.constants import default_queue_name

from api.reconnect_mail import mail_reconnect_needed
from api.reports.jobs import JOB_MARGIN, generate_report, requeue_stalled_reports
from api.reports.schedules import send_scheduled_reports_job
from domain.jobs import JobSpec
from domain.settings import Settings
from domain.sync.base import MAX_TRIES
from domain.sync.inbox import plan_inbox_syncs, sync_inbox
from domain.sync.jobs import plan_syncs, sync_channel
from domain.sync.moderation import moderate_message, requeue_moderations
from domain.sync.publish import publish_due_posts, publish_post
from domain.sync.replies import requeue_replies, send_reply
from domain.sync.tokens import MAIL_JOB, plan_token_refreshes, refresh_token_job
from domain.webhooks.deliver import MAX_ATTEMPTS_CAP, deliver_webhook
from domain.webhooks.dispatch import requeue_stalled_deliveries

SYNC_QUEUE = "coso:sync"
"""Syncs and publishing (minutes)."""
REPORT_QUEUE = default_queue_name
"""Report renders and e-mails: arq's default queue, so a long render never delays a post."""
PLAN_EVERY_MINUTES = 10
INBOX_EVERY_MINUTES = 5  # the community expects answers in minutes, not hours
# One try more than the sync jobs make: their last attempt records the failure itself,
# and a worker that died mid-job costs arq a try.
SYNC_TRIES = MAX_TRIES + 2

JOBS: dict[str, JobSpec] = {spec.name: spec for spec in (
    JobSpec("sync_channel", sync_channel, SYNC_QUEUE, max_tries=SYNC_TRIES),
    JobSpec("publish_post", publish_post, SYNC_QUEUE, max_tries=SYNC_TRIES),
    JobSpec("sync_inbox", sync_inbox, SYNC_QUEUE, max_tries=SYNC_TRIES),
    JobSpec("send_reply", send_reply, SYNC_QUEUE, max_tries=SYNC_TRIES),
    JobSpec("moderate_message", moderate_message, SYNC_QUEUE, max_tries=SYNC_TRIES),
    JobSpec("generate_report", generate_report, REPORT_QUEUE, max_tries=3, background=True),
    # Short HTTP calls: with the syncs. Each try is one attempt; the job gives up by itself
    # after COSO_WEBHOOK_MAX_ATTEMPTS (at most the cap), hours later, so it runs apart.
    JobSpec("deliver_webhook", deliver_webhook, SYNC_QUEUE, max_tries=MAX_ATTEMPTS_CAP,
            background=True),
    JobSpec("refresh_channel_token", refresh_token_job, SYNC_QUEUE, max_tries=SYNC_TRIES),
    JobSpec(MAIL_JOB, mail_reconnect_needed, REPORT_QUEUE, max_tries=3),
)}
"""The jobs a queue takes by name."""


@dataclass(frozen=True, slots=True)
class Cron:
    """A job each worker of its queue starts on a schedule (arq's `cron`: unique, so two
    workers do not start the same run)."""

    name: str
    function: Callable[..., Awaitable[Any]]
    queue: str
    minute: set[int] | None = None
    """Minutes of the hour it runs at; None: every minute (at second 0)."""
    hour: set[int] | None = None
    run_at_startup: bool = False
    timeout: float | None = None
    """Seconds it may run; None: its queue's (job_timeout)."""


CRONS: tuple[Cron, ...] = (
    Cron("plan_syncs", plan_syncs, SYNC_QUEUE,
         minute=set(range(0, 60, PLAN_EVERY_MINUTES)), run_at_startup=True),
    Cron("publish_due_posts", publish_due_posts, SYNC_QUEUE, run_at_startup=True),
    # Tokens expiring within COSO_TOKEN_REFRESH_AHEAD (more than this period) are refreshed.
    Cron("plan_token_refreshes", plan_token_refreshes, SYNC_QUEUE,
         minute=set(range(5, 60, PLAN_EVERY_MINUTES)), run_at_startup=True),
    Cron("plan_inbox_syncs", plan_inbox_syncs, SYNC_QUEUE,
         minute=set(range(0, 60, INBOX_EVERY_MINUTES))),
    Cron("requeue_replies", requeue_replies, SYNC_QUEUE, minute={3, 33}),
    Cron("requeue_moderations", requeue_moderations, SYNC_QUEUE, minute={4, 34}),
    Cron("requeue_stalled_deliveries", requeue_stalled_deliveries, SYNC_QUEUE,
         minute={9, 19, 29, 39, 49, 59}),
    # Daily at 06:00 UTC: due-ness is judged on the brand's local date, and in every
    # timezone (UTC-12 to UTC+14) that hour still falls on the local day it is due. The
    # delivery claim makes even a second start harmless.
    Cron("send_scheduled_reports", send_scheduled_reports_job, REPORT_QUEUE,
         hour={6}, minute={0}, timeout=6 * 3600),
    Cron("requeue_stalled_reports", requeue_stalled_reports, REPORT_QUEUE,
         minute={7, 27, 47}),
)


def job_timeout(queue: str, settings: Settings) -> float:
    """Seconds one job of `queue` may run; past it arq gives the job to another worker."""
    if queue == REPORT_QUEUE:
        # Gathering and storing on top of the render.
        return settings.report_time_limit + JOB_MARGIN.total_seconds()
    return settings.job_timeout
