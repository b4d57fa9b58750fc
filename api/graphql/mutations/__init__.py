"""Mutations, one module per area, merged into the root `Mutation` in `schema.py`."""

from __future__ import annotations

from api.graphql.mutations.brands import BrandMutations
from api.graphql.mutations.campaigns import CampaignMutations
from api.graphql.mutations.channels import ChannelMutations
from api.graphql.mutations.connections import ConnectionMutations
from api.graphql.mutations.imports import ImportMutations
from api.graphql.mutations.inbox import InboxMutations
from api.graphql.mutations.invitations import InvitationMutations
from api.graphql.mutations.members import MemberMutations
from api.graphql.mutations.metrics import MetricMutations
from api.graphql.mutations.posts import PostMutations
from api.graphql.mutations.reports import ReportMutations
from api.graphql.mutations.strategies import StrategyMutations
from api.graphql.mutations.sync import SyncMutations
from api.graphql.mutations.webhooks import WebhookMutations

MUTATION_CLASSES: tuple[type, ...] = (
    BrandMutations,
    ChannelMutations,
    ConnectionMutations,
    StrategyMutations,
    MemberMutations,
    InvitationMutations,
    MetricMutations,
    PostMutations,
    CampaignMutations,
    ImportMutations,
    ReportMutations,
    SyncMutations,
    WebhookMutations,
    InboxMutations,
)
