"""Sync mutations: requestSync, a channel's metrics for a window of days.

It checks in one transaction, then, once that committed, hands its job to the queue
(`checked_then_queued`): arq with REDIS_URL, else the job runs here before answering.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

import strawberry

from api.graphql.context import Info
from api.graphql.mutations.base import Payload, checked_then_queued, decode, forget, load_for
from api.graphql.permissions import IsAuthenticated
from api.graphql.types.sync_run import SyncRun
from domain.enums import ChannelStatus, SyncKind
from domain.errors import ValidationFailed
from domain.jobs import JobQueue
from domain.rules.permissions import Action
from domain.sync.jobs import request_window
from domain.sync.windows import Window, window_problems


@strawberry.type
class RequestSyncPayload(Payload):
    sync_run: SyncRun | None = strawberry.field(
        default=None, description="QUEUED (a worker will run it), or finished when Coso runs "
                                  "without a worker. Asking again while it is queued or running "
                                  "returns the same run.")


@strawberry.type
class SyncMutations:
    @strawberry.mutation(permission_classes=[IsAuthenticated],
                         description="Sync a channel's metrics for from..to (whole days, up to "
                                     "yesterday, within what the platform keeps). Managers.")
    async def request_sync(
        self, info: Info, channel: strawberry.ID,
        from_: Annotated[date, strawberry.argument(name="from")], to: date,
    ) -> RequestSyncPayload:
        user_id = info.context.user_id

        async def check() -> int:
            pk = decode(channel, "Channel", field="channel", label="Channel")
            row = await load_for(info, info.context.loaders.channel, pk, Action.REQUEST_SYNC,
                                 field="channel", type_name="Channel")
            problems = window_problems(row["platform"], from_, to, datetime.now(UTC).date())
            if row["status"] != ChannelStatus.CONNECTED:
                raise ValidationFailed.one("channel", "CHANNEL_NOT_CONNECTED",
                                           f"the channel is {row['status']}: connect it first")
            if problems:
                raise ValidationFailed(problems)
            return pk

        async def queue(pk: int, q: JobQueue) -> RequestSyncPayload:
            row = await request_window(q, pk, Window(SyncKind.METRICS, from_, to),
                                       requested_by=user_id)
            forget(info.context.loaders.channel, pk)  # an in-process run moved it on
            return RequestSyncPayload(sync_run=SyncRun.from_row(row))

        return await checked_then_queued(RequestSyncPayload, check, queue)
