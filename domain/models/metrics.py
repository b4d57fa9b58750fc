"""Daily metric observations of posts and channels, each with its provenance."""

from __future__ import annotations

from piccolo.columns import Date, ForeignKey, Numeric, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow

from domain.enums import SourceKind
from domain.models.base import Table
from domain.models.brands import Channel
from domain.models.posts import Post


class Observation(Table):
    """Columns every observation has: (subject, metric, day) is its natural key."""

    metric = Varchar(length=40)
    day = Date()
    # Exact decimal: counts and money alike; None never stored (missing = no row).
    value = Numeric(digits=(20, 4))
    currency = Varchar(length=3, null=True, default=None)  # money metrics only
    source_kind = Varchar(length=20, choices=SourceKind)
    source_name = Varchar(length=200, default="")  # platform, import file, or user email
    source_version = Varchar(length=40, default="")  # platform API version
    raw_metric = Varchar(length=200, default="")  # the platform's own metric name
    fetched_at = Timestamptz(default=TimestamptzNow())
    note = Text(default="")


class ChannelMetric(Observation, tablename="channel_metric"):
    channel = ForeignKey(Channel, null=False, index=True)


class PostMetric(Observation, tablename="post_metric"):
    post = ForeignKey(Post, null=False, index=True)
