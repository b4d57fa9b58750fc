"""The per-request set of DataLoaders, so a request never sees another's cache."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from piccolo.table import Table
from strawberry.dataloader import DataLoader

from api.graphql.loaders.inbox import InboxLoaders
from api.graphql.loaders.metrics import (
    CompleteKey,
    GroupKey,
    Published,
    PublishedKey,
    SeriesKey,
    SubjectSeries,
    complete_loader,
    group_loader,
    published_loader,
    series_loader,
)
from api.graphql.loaders.reports import ReportLoaders
from api.graphql.loaders.rows import (
    ChildrenLoader,
    CountLoader,
    PageLoader,
    RowLoader,
    count_loader,
    page_loader,
    row_loader,
)
from api.graphql.loaders.shielded import Loader
from api.graphql.loaders.sql import Cond, fetch, where
from api.graphql.loaders.sync_runs import SyncLoaders
from domain.models import (
    Brand,
    Campaign,
    CampaignChannel,
    Channel,
    Membership,
    Post,
    PostTransition,
    Strategy,
    User,
    Webhook,
    Workspace,
)


def children_loader(table: type[Table], parent: str) -> ChildrenLoader:
    """Every child row per parent (short lists: channels, members, transitions), in id order."""
    name = table._meta.tablename

    async def load(parents: Sequence[int]) -> list[list[dict[str, Any]]]:
        sql, args = where([Cond(parent, "IN", tuple(parents))])
        rows = await fetch(table, f'SELECT * FROM "{name}" WHERE {sql} ORDER BY "id"', args)
        grouped: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for row in rows:
            grouped[row[parent]].append(row)
        return [grouped.get(pk, []) for pk in parents]

    return Loader(load_fn=load)


_POST_PARENTS = ("brand", "campaign", "channel")


@dataclass(slots=True)
class Loaders:
    workspace: RowLoader = field(default_factory=lambda: row_loader(Workspace))
    user: RowLoader = field(default_factory=lambda: row_loader(User))
    brand: RowLoader = field(default_factory=lambda: row_loader(Brand))
    channel: RowLoader = field(default_factory=lambda: row_loader(Channel))
    strategy: RowLoader = field(default_factory=lambda: row_loader(Strategy))
    campaign: RowLoader = field(default_factory=lambda: row_loader(Campaign))
    post: RowLoader = field(default_factory=lambda: row_loader(Post))
    webhook: RowLoader = field(default_factory=lambda: row_loader(Webhook))

    channels_of_brand: ChildrenLoader = field(
        default_factory=lambda: children_loader(Channel, "brand"))
    strategies_of_brand: ChildrenLoader = field(
        default_factory=lambda: children_loader(Strategy, "brand"))
    members_of_brand: ChildrenLoader = field(
        default_factory=lambda: children_loader(Membership, "brand"))
    channels_of_campaign: ChildrenLoader = field(
        default_factory=lambda: children_loader(CampaignChannel, "campaign"))
    transitions_of_post: ChildrenLoader = field(
        default_factory=lambda: children_loader(PostTransition, "post"))
    campaigns_of_brand: ChildrenLoader = field(
        default_factory=lambda: children_loader(Campaign, "brand"))
    webhooks_of_workspace: ChildrenLoader = field(
        default_factory=lambda: children_loader(Webhook, "workspace"))

    campaign_page: PageLoader = field(default_factory=lambda: page_loader(Campaign, "brand"))
    campaign_count: CountLoader = field(default_factory=lambda: count_loader(Campaign, "brand"))
    post_page: dict[str, PageLoader] = field(
        default_factory=lambda: {p: page_loader(Post, p) for p in _POST_PARENTS})
    """Pages of posts per parent kind: "brand", "campaign" or "channel"."""
    post_count: dict[str, CountLoader] = field(
        default_factory=lambda: {p: count_loader(Post, p) for p in _POST_PARENTS})

    series: DataLoader[SeriesKey, SubjectSeries] = field(default_factory=series_loader)
    complete: DataLoader[CompleteKey, date] = field(default_factory=complete_loader)
    groups: DataLoader[GroupKey, dict[Any, SubjectSeries]] = field(
        default_factory=group_loader)
    published: DataLoader[PublishedKey, list[Published]] = field(
        default_factory=published_loader)
    sync: SyncLoaders = field(default_factory=SyncLoaders)
    reports: ReportLoaders = field(default_factory=ReportLoaders)
    inbox: InboxLoaders = field(default_factory=InboxLoaders)
