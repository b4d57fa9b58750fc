"""Analytics on brands, campaigns and channels, checked against figures computed here from
the raw rows with SQL of the test's own (not domain.services.analytics)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from api.app import context_for
from api.graphql.schema import schema
from domain.db import raw_rows
from domain.enums import (
    ChannelStatus,
    ContentPillar,
    MediaType,
    Platform,
    PostFormat,
    PostStatus,
    Role,
    SourceKind,
)
from domain.models import Post
from domain.services.metrics import Observation, upsert_channel_metrics, upsert_post_metrics
from tests.api.client import fewest_statements, gid, gql, token_for
from tests.factories import (
    make_brand,
    make_campaign,
    make_channel,
    make_membership,
    make_post,
    make_user,
)

D = Decimal
ROME = ZoneInfo("Europe/Rome")
FETCHED = datetime(2026, 11, 2, 6, 0, tzinfo=UTC)


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def obs(pk: int, metric: str, day: date, value: int | str, currency: str | None = None
        ) -> Observation:
    return Observation(subject_id=pk, metric=metric, day=day, value=D(value),
                       source_kind=SourceKind.PLATFORM_API, source_name="test",
                       raw_metric=metric, fetched_at=FETCHED, currency=currency)


# Data: September-October 2026 and October 2025. Facebook reports impressions, reach and
# followers per account (its posts' impressions are then ignored in the brand's figures);
# Instagram only per post. A LinkedIn channel has no data at all.
SPANS = ((date(2026, 9, 1), date(2026, 10, 31)), (date(2025, 10, 1), date(2025, 10, 31)))


async def seed() -> dict[str, Any]:
    brand = await make_brand(slug="torre", currency="EUR", timezone="Europe/Rome", locale="it")
    fb = await make_channel(brand, platform=Platform.FACEBOOK, status=ChannelStatus.CONNECTED)
    ig = await make_channel(brand, platform=Platform.INSTAGRAM, status=ChannelStatus.CONNECTED)
    li = await make_channel(brand, platform=Platform.LINKEDIN)
    launch = await make_campaign(brand, name="Launch", starts_on=date(2026, 9, 1),
                                 ends_on=date(2026, 10, 31), production_cost=D("610.00"),
                                 kpi_targets=[{"kpi": "impressions", "target": 400000},
                                              {"kpi": "engagement_rate", "target": 0.5},
                                              {"kpi": "cpc", "target": 1.0}])
    autumn = await make_campaign(brand, name="Autumn", starts_on=date(2025, 9, 1),
                                 ends_on=date(2025, 10, 31), production_cost=None)

    def at(y: int, m: int, d: int, h: int, mi: int = 0) -> datetime:
        return datetime(y, m, d, h, mi, tzinfo=ROME).astimezone(UTC)

    spec = [  # channel, format, pillar, media type, campaign, published (Rome)
        (fb, PostFormat.IMAGE, ContentPillar.INFORMATIVE, MediaType.OWNED, launch,
         at(2026, 10, 5, 9, 30)),
        (ig, PostFormat.VIDEO, ContentPillar.PROMOTIONAL, MediaType.PAID, launch,
         at(2026, 10, 12, 18, 10)),
        (ig, PostFormat.IMAGE, ContentPillar.OPINION, MediaType.OWNED, None,
         at(2026, 10, 5, 9, 5)),
        (ig, PostFormat.VIDEO, ContentPillar.INFORMATIVE, MediaType.EARNED, autumn,
         at(2025, 10, 6, 23, 30)),  # Monday 23:30 in Rome is Monday 21:30 UTC
        (ig, PostFormat.IMAGE, ContentPillar.INFORMATIVE, MediaType.OWNED, None,
         at(2026, 10, 19, 9, 45)),
    ]
    posts = []
    for channel, fmt, pillar, media, campaign, published in spec:
        posts.append(await make_post(brand, channel, format=fmt, pillar=pillar,
                                     media_type=media, status=PostStatus.PUBLISHED,
                                     campaign=campaign.id if campaign else None,
                                     published_at=published))
    account, rows = [], []
    for first, last in SPANS:
        for n, day in enumerate(days(first, last)):
            year = 1 if day.year == 2026 else 0
            account += [obs(fb.id, "impressions", day, 1000 + 7 * n + 100 * year),
                        obs(fb.id, "reach", day, 600 + n),
                        obs(fb.id, "followers", day, 5000 + 3 * n + 1000 * year)]
            for i, post in enumerate(posts):
                if (post.id == posts[3].id) != (day.year == 2025):
                    continue
                if i == 4 and day.month == 9:
                    continue  # published in October: no September rows
                rows += [obs(post.id, "impressions", day, 200 + 10 * i + n % 7),
                         obs(post.id, "reach", day, 150 + 5 * i + n % 3),
                         obs(post.id, "reactions", day, 10 + i * (n % 4) + year),
                         obs(post.id, "comments", day, (i + n) % 3)]
                if i == 1 and n % 2 == 0:  # the paid post: spend and clicks, even days
                    rows += [obs(post.id, "spend", day, "4.50", "EUR"),
                             obs(post.id, "clicks", day, 3 + n % 5)]
                if i == 2 and day.day % 3 == 0:
                    rows.append(obs(post.id, "shares", day, 2))
    await upsert_channel_metrics(account)
    await upsert_post_metrics(rows)
    users = {}
    for role in Role:
        users[role.value] = await make_user()
        await make_membership(users[role.value], brand, role)
    return {"brand": brand, "fb": fb, "ig": ig, "li": li, "posts": posts, "launch": launch,
            "autumn": autumn, "users": users, "user": users["STRATEGIST"]}


# --- the independent derivation ------------------------------------------------------------

def _d(value: Any) -> Decimal | None:
    return None if value is None else D(str(value)).quantize(D("0.0001"))


async def post_sum(metric: str, start: date, end: date, where: str = "TRUE",
                   *args: Any) -> Decimal | None:
    rows = await raw_rows(Post, f"""
        SELECT SUM(m."value") AS v FROM post_metric m JOIN post p ON p."id" = m."post"
        WHERE m."metric" = {{}} AND m."day" BETWEEN {{}} AND {{}} AND {where}""",
        metric, start, end, *args)
    return _d(rows[0]["v"])


async def account_sum(channel: int, metric: str, start: date, end: date) -> Decimal | None:
    rows = await raw_rows(Post, """
        SELECT SUM("value") AS v FROM channel_metric
        WHERE "channel" = {} AND "metric" = {} AND "day" BETWEEN {} AND {}""",
        channel, metric, start, end)
    return _d(rows[0]["v"])


async def brand_total(w: dict[str, Any], metric: str, start: date, end: date
                      ) -> Decimal | None:
    """Facebook's account rows for impressions and reach, else posts; Instagram's posts."""
    if metric in ("impressions", "reach"):
        fb = await account_sum(w["fb"].id, metric, start, end)
    else:
        fb = await post_sum(metric, start, end, 'p."channel" = {}', w["fb"].id)
    ig = await post_sum(metric, start, end, 'p."channel" = {}', w["ig"].id)
    parts = [v for v in (fb, ig) if v is not None]
    return sum(parts, D(0)) if parts else None


async def brand_engagement_rate(w: dict[str, Any], start: date, end: date) -> Decimal:
    engagement = sum([await brand_total(w, m, start, end) or D(0)
                      for m in ("reactions", "comments", "shares")], D(0))
    reach = await brand_total(w, "reach", start, end)
    assert reach
    return engagement / reach


def close(api: Any, expected: Decimal | None, places: str = "1e-8") -> bool:
    if api is None or expected is None:
        return api is None and expected is None
    return abs(D(str(api)) - expected) <= D(places)


async def run(query: str, user: Any, **variables: Any) -> tuple[dict[str, Any], list[Any]]:
    """The result's data and its errors with their extensions (code, field)."""
    context = await context_for(f"Bearer {await token_for(user)}")
    result = await schema.execute(query, variable_values=variables, context_value=context)
    return result.data or {}, list(result.errors or [])


BRAND = """query($slug: String!, $from: Date!, $to: Date!) {
  brand(slug: $slug) { analytics(from: $from, to: $to) { completeThrough isPartial %s } } }"""


async def brand_analytics(w: dict[str, Any], start: date, end: date, body: str,
                          user: Any = None) -> dict[str, Any]:
    data, errors = await run(BRAND % body, user or w["user"], slug="torre",
                             **{"from": start.isoformat(), "to": end.isoformat()})
    assert not errors, errors
    return data["brand"]["analytics"]


# --- series ---------------------------------------------------------------------------------

async def test_daily_weekly_and_monthly_series_match_the_raw_rows():
    w = await seed()
    start, end = date(2026, 10, 7), date(2026, 10, 31)  # a Wednesday: the first week is cut
    a = await brand_analytics(w, start, end, """
        day: series(metric: "impressions", granularity: DAY) { currency buckets {
          start end value isPartial } }
        week: series(metric: "impressions", granularity: WEEK) { buckets {
          start end first last label value isPartial } }
        month: series(metric: "reactions", granularity: MONTH) { buckets {
          start end first last label value isPartial } }
        rate: series(metric: "engagement_rate", granularity: WEEK) { buckets { value } }""")
    assert a["completeThrough"] == "2026-10-31" and a["isPartial"] is False
    assert len(a["day"]["buckets"]) == 25 and a["day"]["currency"] is None
    for bucket in a["day"]["buckets"]:
        day = date.fromisoformat(bucket["start"])
        assert close(bucket["value"], await brand_total(w, "impressions", day, day))
        assert bucket["isPartial"] is False
    weeks = a["week"]["buckets"]
    # Italian weeks start on Monday: 5-11 October (measured from the 7th) … 26 Oct-1 Nov.
    assert [(b["start"], b["end"]) for b in weeks] == [
        ("2026-10-05", "2026-10-11"), ("2026-10-12", "2026-10-18"),
        ("2026-10-19", "2026-10-25"), ("2026-10-26", "2026-11-01")]
    assert [b["isPartial"] for b in weeks] == [True, False, False, True]
    assert weeks[0]["first"] == "2026-10-07" and weeks[-1]["last"] == "2026-10-31"
    assert weeks[1]["label"] == "12–18 ott 2026"
    for bucket, rate in zip(weeks, a["rate"]["buckets"], strict=True):
        lo, hi = date.fromisoformat(bucket["first"]), date.fromisoformat(bucket["last"])
        assert close(bucket["value"], await brand_total(w, "impressions", lo, hi))
        assert close(rate["value"], await brand_engagement_rate(w, lo, hi), "1e-9")
    (october,) = a["month"]["buckets"]
    assert october["label"] == "ottobre 2026" and october["isPartial"] is True
    assert close(october["value"], await brand_total(w, "reactions", start, end))


async def test_a_partial_period_is_flagged_and_buckets_stop_at_the_last_complete_day():
    w = await seed()
    await type(w["fb"]).update({"metrics_watermark": date(2026, 10, 20)}).where(
        type(w["fb"]).id == w["fb"].id)
    a = await brand_analytics(w, date(2026, 10, 1), date(2026, 10, 31), """
        series(metric: "reach", granularity: MONTH) { buckets { first last value isPartial } }
        comparison(metrics: ["reach"]) { current { start end } previous { start end }
          yearEarlier { start end } figures { current previous yearEarlier } }""")
    assert a["completeThrough"] == "2026-10-20" and a["isPartial"] is True
    (bucket,) = a["series"]["buckets"]
    assert (bucket["first"], bucket["last"], bucket["isPartial"]) == (
        "2026-10-01", "2026-10-20", True)
    assert close(bucket["value"], await brand_total(w, "reach", date(2026, 10, 1),
                                                    date(2026, 10, 20)))
    c = a["comparison"]
    # Equal days: 1-20 October against 1-20 September and 1-20 October 2025.
    assert c["current"] == {"start": "2026-10-01", "end": "2026-10-20"}
    assert c["previous"] == {"start": "2026-09-01", "end": "2026-09-20"}
    assert c["yearEarlier"] == {"start": "2025-10-01", "end": "2025-10-20"}
    (f,) = c["figures"]
    assert close(f["previous"], await brand_total(w, "reach", date(2026, 9, 1),
                                                  date(2026, 9, 20)))
    assert close(f["yearEarlier"], await brand_total(w, "reach", date(2025, 10, 1),
                                                     date(2025, 10, 20)))


# --- comparisons ----------------------------------------------------------------------------

async def test_comparison_with_the_previous_month_and_a_year_earlier():
    w = await seed()
    oct1, oct31 = date(2026, 10, 1), date(2026, 10, 31)
    a = await brand_analytics(w, oct1, oct31, """
        comparison(metrics: ["impressions", "engagement_rate", "spend", "roi"]) {
          previous { start end } yearEarlier { start end }
          figures { metric currency current previous yearEarlier changeVsPrevious
                    relativeVsPrevious changeVsYearEarlier relativeVsYearEarlier } }""")
    c = a["comparison"]
    assert c["previous"] == {"start": "2026-09-01", "end": "2026-09-30"}
    assert c["yearEarlier"] == {"start": "2025-10-01", "end": "2025-10-31"}
    figures = {f["metric"]: f for f in c["figures"]}
    imp = figures["impressions"]
    now = await brand_total(w, "impressions", oct1, oct31)
    prev = await brand_total(w, "impressions", date(2026, 9, 1), date(2026, 9, 30))
    year = await brand_total(w, "impressions", date(2025, 10, 1), date(2025, 10, 31))
    assert now is not None and prev is not None and year is not None
    assert close(imp["current"], now) and close(imp["previous"], prev)
    assert close(imp["yearEarlier"], year)
    assert close(imp["changeVsPrevious"], now - prev)
    assert close(imp["relativeVsYearEarlier"], (now - year) / year)
    rate = figures["engagement_rate"]
    assert close(rate["current"], await brand_engagement_rate(w, oct1, oct31), "1e-9")
    assert close(rate["yearEarlier"], await brand_engagement_rate(
        w, date(2025, 10, 1), date(2025, 10, 31)), "1e-9")
    spend = figures["spend"]
    assert spend["currency"] == "EUR"
    assert close(spend["current"], await post_sum("spend", oct1, oct31))
    # No spend a year earlier: missing, so no change either; never 0.
    assert spend["yearEarlier"] is None and spend["changeVsYearEarlier"] is None
    # ROI a year earlier: the campaign then had no production cost recorded, so unknown.
    assert figures["roi"]["yearEarlier"] is None


# --- breakdowns -----------------------------------------------------------------------------

async def test_breakdowns_with_shares_and_missing_members():
    w = await seed()
    oct1, oct31 = date(2026, 10, 1), date(2026, 10, 31)
    a = await brand_analytics(w, oct1, oct31, """
        byChannel: breakdown(metric: "impressions", by: CHANNEL) { total members {
          key value share channel { platform } } }
        byFormat: breakdown(metric: "reactions", by: FORMAT) { total members { key value share } }
        byCampaign: breakdown(metric: "spend", by: CAMPAIGN) { currency total members {
          key value share campaign { name } } }
        byPillar: breakdown(metric: "engagement_rate", by: PILLAR) { total members {
          key value share } }
        growth: breakdown(metric: "follower_growth", by: CHANNEL) { members {
          key value } }""")
    channels = {m["channel"]["platform"]: m for m in a["byChannel"]["members"]}
    fb = await account_sum(w["fb"].id, "impressions", oct1, oct31)
    ig = await post_sum("impressions", oct1, oct31, 'p."channel" = {}', w["ig"].id)
    assert fb is not None and ig is not None
    assert close(channels["FACEBOOK"]["value"], fb) and close(channels["INSTAGRAM"]["value"], ig)
    assert close(a["byChannel"]["total"], fb + ig)
    assert close(channels["FACEBOOK"]["share"], fb / (fb + ig))
    # LinkedIn has no data: listed, with no value and no share, never 0.
    assert channels["LINKEDIN"]["value"] is None and channels["LINKEDIN"]["share"] is None
    assert channels["LINKEDIN"]["key"] == gid("Channel", w["li"].id)
    # A stock per channel: followers on 31 October less those on 30 September.
    growth = {m["key"]: m["value"] for m in a["growth"]["members"]}
    followers = {r["day"] if isinstance(r["day"], date) else date.fromisoformat(r["day"]):
                 D(str(r["value"])) for r in await raw_rows(Post, """
        SELECT "day", "value" FROM channel_metric WHERE "channel" = {} AND "metric" =
        'followers'""", w["fb"].id)}
    assert close(growth[gid("Channel", w["fb"].id)],
                 followers[oct31] - followers[date(2026, 9, 30)])
    assert growth[gid("Channel", w["ig"].id)] is None
    formats = {m["key"]: m for m in a["byFormat"]["members"]}
    assert set(formats) == {"IMAGE", "VIDEO"}
    for fmt, member in formats.items():
        expected = await post_sum("reactions", oct1, oct31, 'p."format" = {}', fmt)
        assert close(member["value"], expected)
    assert close(sum(D(m["share"]) for m in formats.values()), D(1))
    assert close(a["byFormat"]["total"], await post_sum("reactions", oct1, oct31))
    campaigns = a["byCampaign"]
    assert campaigns["currency"] == "EUR"
    by_key = {m["key"]: m for m in campaigns["members"]}
    launch = by_key[gid("Campaign", w["launch"].id)]
    assert launch["campaign"]["name"] == "Launch" and close(launch["share"], D(1))
    # Posts without a campaign have no spend: listed under a null key, with a null value.
    assert by_key[None]["value"] is None and by_key[None]["campaign"] is None
    for member in a["byPillar"]["members"]:
        assert member["share"] is None  # a share of a rate means nothing
        engagement = sum([await post_sum(m, oct1, oct31, 'p."pillar" = {}', member["key"])
                          or D(0) for m in ("reactions", "comments", "shares")], D(0))
        reach = await post_sum("reach", oct1, oct31, 'p."pillar" = {}', member["key"])
        assert reach and close(member["value"], engagement / reach, "1e-9")


async def test_campaign_and_channel_analytics_use_the_same_implementation():
    w = await seed()
    query = """query($id: ID!) { node(id: $id) { ... on Campaign { analytics(from: "2026-10-01",
      to: "2026-10-31") { series(metric: "clicks", granularity: MONTH) { buckets { value } }
      breakdown(metric: "impressions", by: CHANNEL) { members { key value } } } }
      ... on Channel { analytics(from: "2026-10-01", to: "2026-10-31") {
      breakdown(metric: "reactions", by: MEDIA_TYPE) { members { key value } } } } } }"""
    result = await gql(query, as_=w["user"], variables={"id": gid("Campaign", w["launch"].id)})
    assert not result.errors, result.errors
    a = result["node"]["analytics"]
    oct1, oct31 = date(2026, 10, 1), date(2026, 10, 31)
    assert close(a["series"]["buckets"][0]["value"],
                 await post_sum("clicks", oct1, oct31, 'p."campaign" = {}', w["launch"].id))
    # A campaign's channels add up its posts only (Facebook's account rows are the page's).
    members = {m["key"]: m["value"] for m in a["breakdown"]["members"]}
    assert close(members[gid("Channel", w["fb"].id)], await post_sum(
        "impressions", oct1, oct31, 'p."campaign" = {} AND p."channel" = {}', w["launch"].id,
        w["fb"].id))
    result = await gql(query, as_=w["user"], variables={"id": gid("Channel", w["ig"].id)})
    members = {m["key"]: m["value"] for m in result["node"]["analytics"]["breakdown"]["members"]}
    assert set(members) == {"OWNED", "PAID"}
    assert close(members["PAID"], await post_sum(
        "reactions", oct1, oct31, 'p."channel" = {} AND p."media_type" = {}', w["ig"].id,
        "PAID"))


# --- permissions and bad input --------------------------------------------------------------

@pytest.mark.parametrize("role", [r.value for r in Role])
async def test_every_role_on_the_brand_reads_its_analytics(role):
    w = await seed()
    a = await brand_analytics(w, date(2026, 10, 1), date(2026, 10, 31),
                              'series(metric: "reach", granularity: MONTH) { buckets { value } }',
                              user=w["users"][role])
    assert a["series"]["buckets"][0]["value"] is not None


async def test_an_outsider_sees_no_analytics():
    w = await seed()
    stranger = await make_user()
    data, errors = await run(BRAND % "isPartial", stranger, slug="torre", **{
        "from": "2026-10-01", "to": "2026-10-31"})
    assert data.get("brand") is None
    query = """query($id: ID!) { node(id: $id) { ... on Campaign { analytics(from: "2026-10-01",
      to: "2026-10-31") { isPartial } } } }"""
    result = await gql(query, as_=stranger, variables={"id": gid("Campaign", w["launch"].id)})
    assert result["node"] is None


@pytest.mark.parametrize(("body", "start", "end", "code", "field"), [
    ('series(metric: "likes", granularity: DAY) { metric }', "2026-10-01", "2026-10-31",
     "UNKNOWN_METRIC", "metric"),
    ('series(metric: "reach", granularity: DAY) { metric }', "2026-10-31", "2026-10-01",
     "BAD_RANGE", "to"),
    ('series(metric: "reach", granularity: DAY) { metric }', "2024-01-01", "2026-10-31",
     "RANGE_TOO_LONG", "to"),
    ('topPosts(metric: "reach", n: 51) { rank }', "2026-10-01", "2026-10-31",
     "OUT_OF_RANGE", "n"),
    ('comparison(metrics: ["reach", "nope"]) { figures { metric } }', "2026-10-01",
     "2026-10-31", "UNKNOWN_METRIC", "metrics.1"),
    ('breakdown(metric: "", by: FORMAT) { total }', "2026-10-01", "2026-10-31",
     "UNKNOWN_METRIC", "metric"),
])
async def test_bad_input_is_a_clear_error_never_a_500(body, start, end, code, field):
    w = await seed()
    data, errors = await run(BRAND % body, w["user"], slug="torre", **{"from": start,
                                                                       "to": end})
    assert len(errors) == 1
    assert errors[0].extensions == {"code": code, "field": field}, errors[0].message
    assert "Internal" not in errors[0].message


# --- targets, rankings, heatmap, attribution -------------------------------------------------

CAMPAIGN = """query($id: ID!, $from: Date!, $to: Date!) { node(id: $id) { ... on Campaign {
  analytics(from: $from, to: $to) { completeThrough %s } } } }"""


def status_of(kpi: str, target: Decimal, actual: Decimal, done: int, total: int,
              ceiling: bool = False, cumulative: bool = False) -> str:
    """The README's rule, written out again here."""
    expected = target * done / total if cumulative else target
    if ceiling:
        return ("ON_TRACK" if actual <= expected else
                "AT_RISK" if actual <= expected * D("1.1") else "OFF_TRACK")
    return ("ON_TRACK" if actual >= expected else
            "AT_RISK" if actual >= expected * D("0.9") else "OFF_TRACK")


async def test_campaign_targets_against_actuals_account_for_the_elapsed_share():
    w = await seed()
    sep1, oct31 = date(2026, 9, 1), date(2026, 10, 31)
    await type(w["fb"]).update({"metrics_watermark": date(2026, 10, 20)}).where(
        type(w["fb"]).id == w["fb"].id)
    through = date(2026, 10, 20)
    campaign = 'p."campaign" = {}'
    impressions = await post_sum("impressions", sep1, through, campaign, w["launch"].id)
    assert impressions is not None
    # A target the campaign is 5% behind on, for the days measured (50 of 61): AT_RISK.
    target = (impressions / D("0.95") * 61 / 50).quantize(D(1))
    launch = type(w["launch"])
    await launch.update({"kpi_targets": [
        {"kpi": "impressions", "target": float(target)},
        {"kpi": "engagement_rate", "target": 0.05}, {"kpi": "cpc", "target": 1.0},
        {"kpi": "saves", "target": 10}]}).where(launch.id == w["launch"].id)
    data, errors = await run(CAMPAIGN % """targets { kpi target actual expected daysMeasured
        daysTotal lowerIsBetter status }""", w["user"], id=gid("Campaign", w["launch"].id),
        **{"from": sep1.isoformat(), "to": oct31.isoformat()})
    assert not errors, errors
    a = data["node"]["analytics"]
    assert a["completeThrough"] == "2026-10-20"
    targets = {t["kpi"]: t for t in a["targets"]}
    imp = targets["impressions"]
    assert (imp["daysMeasured"], imp["daysTotal"]) == (50, 61)
    assert close(imp["actual"], impressions) and close(imp["expected"], target * 50 / 61)
    assert imp["status"] == status_of("impressions", target, impressions, 50, 61,
                                      cumulative=True) == "AT_RISK"
    engagement = sum([await post_sum(m, sep1, through, campaign, w["launch"].id) or D(0)
                      for m in ("reactions", "comments", "shares")], D(0))
    reach = await post_sum("reach", sep1, through, campaign, w["launch"].id)
    assert reach
    rate = targets["engagement_rate"]
    assert close(rate["actual"], engagement / reach) and close(rate["expected"], D("0.05"))
    assert rate["status"] == status_of("engagement_rate", D("0.05"), engagement / reach, 50, 61)
    spend = await post_sum("spend", sep1, through, campaign, w["launch"].id)
    clicks = await post_sum("clicks", sep1, through, campaign, w["launch"].id)
    assert spend and clicks
    cpc = targets["cpc"]
    assert cpc["lowerIsBetter"] is True and close(cpc["actual"], spend / clicks)
    assert cpc["status"] == status_of("cpc", D(1), spend / clicks, 50, 61, ceiling=True)
    # No saves were ever reported: no data, not "0 saves, off track".
    assert targets["saves"]["actual"] is None and targets["saves"]["status"] == "NO_DATA"


async def test_top_and_bottom_posts_by_a_metric_or_a_kpi():
    w = await seed()
    oct1, oct31 = date(2026, 10, 1), date(2026, 10, 31)
    a = await brand_analytics(w, oct1, oct31, """
        top: topPosts(metric: "reactions", n: 2) { rank value post { id } }
        bottom: bottomPosts(metric: "reactions", n: 2) { rank value post { id } }
        cheapest: topPosts(metric: "cpc", n: 3) { value post { id } }
        dearest: bottomPosts(metric: "cpc", n: 3) { value }""")
    totals = {}
    for post in w["posts"]:
        value = await post_sum("reactions", oct1, oct31, 'p."id" = {}', post.id)
        if value is not None:
            totals[gid("Post", post.id)] = value
    ordered = sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))
    assert len(ordered) == 4  # the 2025 post has no October rows
    assert [(m["post"]["id"], D(m["value"])) for m in a["top"]] == ordered[:2]
    assert [m["rank"] for m in a["top"]] == [1, 2]
    assert [(m["post"]["id"], D(m["value"])) for m in a["bottom"]] == ordered[:1:-1]
    (paid,) = a["cheapest"]  # only the paid post has clicks and spend
    assert paid["post"]["id"] == gid("Post", w["posts"][1].id)
    assert a["dearest"] == []  # on one list only


async def test_heatmap_in_the_brand_timezone_and_best_times_need_enough_posts(settings_env):
    w = await seed()
    oct1, oct31 = date(2026, 10, 1), date(2026, 10, 31)
    body = """heatmap { weekday hour posts measuredPosts engagement averageEngagement }
        bestTimes { minPosts channel { platform } slots { weekday hour measuredPosts
          averageEngagement } }"""
    a = await brand_analytics(w, oct1, oct31, body)

    async def engagement(post: Any) -> Decimal:
        return sum([await post_sum(m, oct1, oct31, 'p."id" = {}', post.id) or D(0)
                    for m in ("reactions", "comments", "shares")], D(0))

    # Monday 9:xx in Rome: posts 0 (Facebook), 2 and 4; Monday 18:10: post 1.
    nine = [await engagement(w["posts"][i]) for i in (0, 2, 4)]
    slots = {(s["weekday"], s["hour"]): s for s in a["heatmap"]}
    assert set(slots) == {(0, 9), (0, 18)}
    assert slots[(0, 9)]["posts"] == 3 == slots[(0, 9)]["measuredPosts"]
    assert close(slots[(0, 9)]["engagement"], sum(nine, D(0)))
    assert close(slots[(0, 9)]["averageEngagement"], sum(nine, D(0)) / 3)
    assert close(slots[(0, 18)]["engagement"], await engagement(w["posts"][1]))
    # Three posts a slot are needed for advice (COSO_BEST_TIME_MIN_POSTS): none has that
    # many on one channel.
    assert {b["channel"]["platform"]: b["slots"] for b in a["bestTimes"]} == {
        "FACEBOOK": [], "INSTAGRAM": []}
    assert a["bestTimes"][0]["minPosts"] == 3
    settings_env(COSO_BEST_TIME_MIN_POSTS="2")
    a = await brand_analytics(w, oct1, oct31, body)
    best = {b["channel"]["platform"]: b["slots"] for b in a["bestTimes"]}
    assert best["FACEBOOK"] == []
    (slot,) = best["INSTAGRAM"]
    assert (slot["weekday"], slot["hour"], slot["measuredPosts"]) == (0, 9, 2)
    assert close(slot["averageEngagement"], (nine[1] + nine[2]) / 2)
    # 23:30 on Monday 6 October 2025 in Rome is 21:30 UTC: the slot is Rome's.
    a = await brand_analytics(w, date(2025, 10, 1), date(2025, 10, 31), "heatmap { weekday hour }")
    assert a["heatmap"] == [{"weekday": 0, "hour": 23}]


async def test_change_attribution_sums_to_the_change():
    w = await seed()
    oct1, oct31 = date(2026, 10, 1), date(2026, 10, 31)
    sep1, sep30 = date(2026, 9, 1), date(2026, 9, 30)
    a = await brand_analytics(w, oct1, oct31, """
        channels: attribution(metric: "impressions", by: CHANNEL) { base { start end }
          before after change totalMembers members { key before after contribution
          channel { platform } } }
        posts: attribution(metric: "engagement_rate", by: POST, first: 50) { before after change
          totalMembers members { key before after contribution rateEffect mixEffect } }
        year: attribution(metric: "spend", by: CAMPAIGN, against: YEAR_EARLIER) {
          base { start end } before after change members { key } }""")
    channels = a["channels"]
    assert channels["base"] == {"start": "2026-09-01", "end": "2026-09-30"}
    now = await brand_total(w, "impressions", oct1, oct31)
    then = await brand_total(w, "impressions", sep1, sep30)
    assert now is not None and then is not None
    assert close(channels["change"], now - then) and close(channels["before"], then)
    assert channels["totalMembers"] == 2  # LinkedIn, without data in either, is none
    by_platform = {m["channel"]["platform"]: m for m in channels["members"]}
    fb = (await account_sum(w["fb"].id, "impressions", oct1, oct31) or D(0)) - (
        await account_sum(w["fb"].id, "impressions", sep1, sep30) or D(0))
    assert close(by_platform["FACEBOOK"]["contribution"], fb)
    assert close(sum(D(m["contribution"]) for m in channels["members"]), now - then)
    # Engagement rate over posts: before and after are the posts' own totals.
    posts = a["posts"]

    async def posts_rate(start: date, end: date) -> Decimal:
        engagement = sum([await post_sum(m, start, end) or D(0)
                          for m in ("reactions", "comments", "shares")], D(0))
        reach = await post_sum("reach", start, end)
        assert reach
        return engagement / reach

    assert close(posts["before"], await posts_rate(sep1, sep30), "1e-9")
    assert close(posts["after"], await posts_rate(oct1, oct31), "1e-9")
    assert posts["totalMembers"] == len(posts["members"]) == 4
    assert close(sum(D(m["contribution"]) for m in posts["members"]), D(posts["change"]),
                 "1e-9")
    for m in posts["members"]:
        assert close(D(m["rateEffect"]) + D(m["mixEffect"]), D(m["contribution"]), "1e-9")
    sizes = [abs(D(m["contribution"])) for m in posts["members"]]
    assert sizes == sorted(sizes, reverse=True)
    # Post 4 was published in October: no rate in September, all of its part is mix.
    new = next(m for m in posts["members"] if m["key"] == gid("Post", w["posts"][4].id))
    assert new["before"] is None and D(new["rateEffect"]) == 0
    # No spend a year earlier: the change is unknown and nothing is attributed.
    year = a["year"]
    assert year["base"] == {"start": "2025-10-01", "end": "2025-10-31"}
    assert year["before"] is None and year["change"] is None and year["members"] == []


async def test_attribution_refuses_a_kpi_it_cannot_split():
    w = await seed()
    data, errors = await run(BRAND % 'attribution(metric: "roi", by: CHANNEL) { change }',
                             w["user"], slug="torre", **{"from": "2026-10-01",
                                                         "to": "2026-10-31"})
    assert errors[0].extensions == {"code": "UNSUPPORTED_METRIC", "field": "metric"}


async def test_campaign_dashboards_in_one_query_do_not_multiply_the_sql():
    w = await seed()
    query = """{ brand(slug: "torre") { campaigns(first: 10) { nodes { analytics(
      from: "2026-10-01", to: "2026-10-31") {
        series(metric: "reach", granularity: WEEK) { buckets { value } }
        breakdown(metric: "reach", by: CHANNEL) { members { value channel { handle } } }
        comparison(metrics: ["reach"]) { figures { previous } }
        targets { status }
        topPosts(metric: "reach", n: 3) { post { text } }
        heatmap { posts }
        attribution(metric: "reach", by: POST) { members { post { text } } } } } } } }"""

    few, _ = await fewest_statements(query, w["user"])
    for n in range(4):
        await make_campaign(w["brand"], name=f"More {n}", starts_on=date(2026, 10, 1),
                            ends_on=date(2026, 10, 31),
                            kpi_targets=[{"kpi": "reach", "target": 100}])
        await make_post(w["brand"], w["ig"], campaign=None)
    assert (await fewest_statements(query, w["user"]))[0] == few


def test_analytics_fields_are_priced_by_what_they_may_return():
    from graphql import parse

    from api.graphql.cost import estimate

    def cost(body: str, start: str = "2026-10-01", end: str = "2026-10-31") -> int:
        query = (f'{{ brand(slug: "a") {{ analytics(from: "{start}", to: "{end}") '
                 f'{{ {body} }} }} }}')
        return estimate(schema._schema, parse(query), None, None).nodes

    base = cost("isPartial")
    assert base == 31  # a read a day of the period
    # A bucket a day at most; the heatmap's 7 × 24 slots; n posts; `first` members.
    assert cost('series(metric: "reach", granularity: DAY) { buckets { value } }') == \
        base + 31
    assert cost("heatmap { posts }") == base + 168
    assert cost('topPosts(metric: "reach", n: 40) { post { id } }') == base + 40
    assert cost('attribution(metric: "reach", by: POST, first: 30) { members { key } }') == \
        base + 30
    assert cost('series(metric: "reach", granularity: DAY) { buckets { value } }',
                "2025-01-01", "2026-12-31") > cost(
        'series(metric: "reach", granularity: DAY) { buckets { value } }')


@pytest.mark.parametrize(("start", "end", "body"), [
    ("9999-12-01", "9999-12-31", 'series(metric: "reach", granularity: MONTH) { metric }'),
    ("9999-12-27", "9999-12-31", 'series(metric: "reach", granularity: WEEK) { metric }'),
    ("0001-01-01", "0001-01-31", 'comparison(metrics: ["reach"]) { figures { previous } }'),
    ("0001-01-01", "0001-01-31", 'attribution(metric: "reach", by: CHANNEL) { change }'),
    ("9999-12-01", "9999-12-31", "heatmap { posts } targets { status }"),
    ("2026-10-01", "2026-10-31", 'topPosts(metric: "reach\\u0000\'; --", n: -1) { rank }'),
    ("2026-10-01", "2026-10-31", 'bestTimes(slots: 1000000) { minPosts }'),
])
async def test_hostile_analytics_arguments_never_fail_inside(start, end, body):
    w = await seed()
    data, errors = await run(BRAND % body, w["user"], slug="torre", **{"from": start,
                                                                       "to": end})
    assert all("Internal" not in e.message for e in errors), [e.message for e in errors]
