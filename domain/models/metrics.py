"""Daily metric observations of posts and channels, each with its provenance."""

from __future__ import annotations

from piccolo.columns import Date, ForeignKey, Integer, Numeric, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow

from domain.enums import SourceKind
from domain.models.base import Table
from domain.models.brands import Brand, Channel
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


class MetricRollup(Table, tablename="metric_rollup"):
    """Sums of metric rows per day, ISO week or month: see domain.services.rollups.

    One row per (grain, period_start, channel, campaign, format, pillar, media_type,
    level, metric); campaign 0 and empty post attributes for account rows and posts
    without a campaign, so the key has no NULLs to compare."""

    grain = Varchar(length=5)  # DAY, WEEK, MONTH
    period_start = Date()
    brand = ForeignKey(Brand, null=False, on_delete=OnDelete.cascade)
    channel = ForeignKey(Channel, null=False, on_delete=OnDelete.cascade)
    campaign = Integer(default=0)
    format = Varchar(length=20, default="")
    pillar = Varchar(length=20, default="")
    media_type = Varchar(length=10, default="")
    level = Varchar(length=7)  # POST or ACCOUNT
    metric = Varchar(length=60)  # canonical, or paid:impressions, paid:spend/impressions…
    value = Numeric(digits=(24, 4))
    row_count = Integer(default=0)
    currency = Varchar(length=3, null=True, default=None)
    source_kind_lo = Varchar(length=20, default="")
    source_kind_hi = Varchar(length=20, default="")
    source_name_lo = Varchar(length=200, default="")
    source_name_hi = Varchar(length=200, default="")
    source_version_lo = Varchar(length=40, default="")
    source_version_hi = Varchar(length=40, default="")
    raw_metric_lo = Varchar(length=200, default="")
    raw_metric_hi = Varchar(length=200, default="")
    fetched_at = Timestamptz(null=True, default=None)
