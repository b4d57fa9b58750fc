"""Issue 14's "done when": the ROI report's headline figures re-derived from the raw rows with
SQL written here, independently of domain.rules.kpis and domain.services.analytics, for a
brand with a partial period (one channel synced only to 3 October), an unknown production
cost (October's campaign has none recorded) and a channel with only post-level rows; then
compared with the report's data (reporting.gather) and with the API."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from domain.db import raw_rows
from domain.enums import MediaType, Platform, ReportFormat, ReportKind, Role, SourceKind
from domain.models import Post
from domain.services.analytics import Subject, load_series
from domain.services.metrics import Observation, upsert_channel_metrics, upsert_post_metrics
from reporting import build_report, render
from reporting.model import Period
from tests.api.client import gql
from tests.factories import (
    make_brand,
    make_campaign,
    make_channel,
    make_membership,
    make_post,
    make_user,
)

D = Decimal
TODAY = date(2026, 12, 5)
OCT_1, OCT_3, OCT_10, OCT_31 = (date(2026, 10, d) for d in (1, 3, 10, 31))
SEP_1, SEP_3 = date(2026, 9, 1), date(2026, 9, 3)
FETCHED = datetime(2026, 10, 11, 6, 0, tzinfo=UTC)

KPIS = """
query($slug: String!, $from: Date!, $to: Date!, $kpi: String!, $after: String) {
  brand(slug: $slug) {
    kpis(from: $from, to: $to) {
      start end completeThrough isPartial
      totals { metric value }
      engagement engagementRate ctr roi roas
      cpm { amount } cpc { amount } mediaSpend { amount } productionCost { amount }
      totalCost { amount } revenue { amount }
      sources(kpi: $kpi, first: 1, after: $after) {
        totalCount pageInfo { hasNextPage endCursor }
        nodes { metric level channelId sourceKind sourceName sourceVersion rawMetric rows
                firstDay lastDay fetchedFrom fetchedTo }
      }
    }
    metrics(from: $from, to: $to, names: ["impressions"]) {
      metric points { day value rows sourceKind sourceName sourceVersion rawMetric fetchedAt }
    }
  }
}
"""


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def obs(pk: int, metric: str, day: date, value: int | str, platform: str, raw: str,
        currency: str | None = None) -> Observation:
    return Observation(subject_id=pk, metric=metric, day=day, value=D(value),
                       source_kind=SourceKind.PLATFORM_API, source_name=platform,
                       source_version="v23.0" if platform == "facebook" else "v22.0",
                       raw_metric=raw, fetched_at=FETCHED, currency=currency)


async def seed() -> dict:
    brand = await make_brand(slug="indie", currency="EUR", timezone="UTC")
    # Facebook: account-level rows (which win over its posts'), synced only to 3 October.
    fb = await make_channel(brand, platform=Platform.FACEBOOK, metrics_watermark=OCT_3)
    # Instagram: no account-level rows at all, only its posts'; data through 10 October.
    ig = await make_channel(brand, platform=Platform.INSTAGRAM)
    fb_post = await make_post(brand, fb, media_type=MediaType.OWNED)
    organic = await make_post(brand, ig, media_type=MediaType.OWNED)
    paid = await make_post(brand, ig, media_type=MediaType.PAID)
    await make_campaign(brand, starts_on=date(2026, 9, 1), ends_on=date(2026, 9, 30),
                        production_cost=D("300.00"))
    await make_campaign(brand, starts_on=OCT_1, ends_on=OCT_31, production_cost=None)
    account, posts = [], []
    for n, day in enumerate(days(date(2026, 8, 31), OCT_3)):
        account += [
            obs(fb.id, "impressions", day, 1000 + n, "facebook", "page_media_view"),
            obs(fb.id, "reach", day, 600 + n, "facebook", "page_total_media_view_unique"),
            obs(fb.id, "reactions", day, 40 + n % 5, "facebook", "page_post_reactions"),
            obs(fb.id, "clicks", day, 9 + n % 3, "facebook", "page_total_actions"),
            obs(fb.id, "followers", day, 5000 + 3 * n, "facebook", "page_follows")]
        # Ignored in the brand total: Facebook reports these per account.
        posts += [obs(fb_post.id, "impressions", day, 77, "facebook", "post_media_view")]
    for n, day in enumerate(days(date(2026, 8, 31), OCT_10)):
        posts += [obs(organic.id, "impressions", day, 300 + n, "instagram", "views"),
                  obs(organic.id, "reach", day, 200 + n, "instagram", "reach"),
                  obs(organic.id, "reactions", day, 12 + n % 4, "instagram", "likes"),
                  obs(organic.id, "saves", day, 2, "instagram", "saved"),
                  obs(paid.id, "impressions", day, 900 + 2 * n, "instagram", "views"),
                  obs(paid.id, "reach", day, 500, "instagram", "reach"),
                  obs(paid.id, "reactions", day, 20, "instagram", "likes")]
        if day.day % 2:  # the ads API reports spend and revenue on odd days only
            posts += [obs(paid.id, "spend", day, "12.50", "instagram", "spend", "EUR"),
                      obs(paid.id, "revenue", day, "40.00", "instagram", "action_values",
                          "EUR")]
    await upsert_channel_metrics(account)
    await upsert_post_metrics(posts)
    user = await make_user()
    await make_membership(user, brand, Role.CLIENT)
    return {"brand": brand, "fb": fb, "ig": ig, "user": user}


# --- the independent derivation: plain SQL over the stored rows ------------------------------

async def sql_total(brand_id: int, metric: str, start: date, end: date) -> Decimal | None:
    """Per channel: its account rows of `metric` when it has any in the window, else its
    posts' rows; summed over the brand's channels. None when no row at all."""
    rows = await raw_rows(Post, """
        SELECT SUM(CASE WHEN EXISTS (SELECT 1 FROM channel_metric a WHERE a."channel" = c."id"
                       AND a."metric" = {} AND a."day" BETWEEN {} AND {})
               THEN (SELECT SUM(a."value") FROM channel_metric a WHERE a."channel" = c."id"
                     AND a."metric" = {} AND a."day" BETWEEN {} AND {})
               ELSE (SELECT SUM(m."value") FROM post_metric m JOIN post p ON p."id" = m."post"
                     WHERE p."channel" = c."id" AND m."metric" = {}
                     AND m."day" BETWEEN {} AND {}) END) AS total
        FROM channel c WHERE c."brand" = {}""",
        metric, start, end, metric, start, end, metric, start, end, brand_id)
    value = rows[0]["total"]
    return None if value is None else D(str(value)).quantize(D("0.0001"))


async def sql_last_data_day(brand_id: int) -> date:
    rows = await raw_rows(Post, """
        SELECT MIN(COALESCE(c."metrics_watermark",
            (SELECT MAX(m."day") FROM post_metric m JOIN post p ON p."id" = m."post"
             WHERE p."channel" = c."id"))) AS through
        FROM channel c WHERE c."brand" = {}""", brand_id)
    through = rows[0]["through"]
    return through if isinstance(through, date) else date.fromisoformat(str(through))


async def sql_paid(brand_id: int, metric: str, start: date, end: date) -> tuple[Decimal, Decimal]:
    """Spend and `metric` over the post-days that report both."""
    rows = await raw_rows(Post, """
        SELECT SUM(s."value") AS spend, SUM(x."value") AS n
        FROM post_metric s JOIN post_metric x ON x."post" = s."post" AND x."day" = s."day"
        JOIN post p ON p."id" = s."post"
        WHERE p."brand" = {} AND s."metric" = 'spend' AND x."metric" = {}
        AND s."day" BETWEEN {} AND {}""", brand_id, metric, start, end)
    return D(str(rows[0]["spend"])), D(str(rows[0]["n"]))


async def sql_production_cost(brand_id: int, start: date, end: date) -> Decimal | None:
    rows = await raw_rows(Post, """
        SELECT "production_cost" AS cost, "starts_on" AS s, "ends_on" AS e FROM campaign
        WHERE "brand" = {} AND "starts_on" <= {} AND "ends_on" >= {}""", brand_id, end, start)
    if not rows or any(r["cost"] is None for r in rows):
        return None
    total = D(0)
    for r in rows:
        s, e = (v if isinstance(v, date) else date.fromisoformat(str(v))
                for v in (r["s"], r["e"]))
        overlap = (min(e, end) - max(s, start)).days + 1
        total += (D(str(r["cost"])) * overlap / ((e - s).days + 1)).quantize(D("0.01"))
    return total


async def headline(brand_id: int, start: date, end: date) -> dict[str, Decimal | None]:
    t = {m: await sql_total(brand_id, m, start, end)
         for m in ("impressions", "reach", "reactions", "saves", "clicks", "spend", "revenue")}
    engagement = (t["reactions"] or 0) + (t["saves"] or 0)
    spend_i, paid_impressions = await sql_paid(brand_id, "impressions", start, end)
    cost = await sql_production_cost(brand_id, start, end)
    total_cost = None if cost is None else cost + (t["spend"] or 0)
    return {
        **t, "engagement": engagement,
        "engagement_rate": engagement / t["reach"] if t["reach"] else None,
        "ctr": t["clicks"] / t["impressions"] if t["impressions"] else None,
        "cpm": spend_i * 1000 / paid_impressions,
        "roas": t["revenue"] / t["spend"] if t["spend"] else None,
        "production_cost": cost, "total_cost": total_cost,
        "roi": None if total_cost is None or t["revenue"] is None
        else (t["revenue"] - total_cost) / total_cost,
    }


def close(a: Decimal | float | str | None, b: Decimal | None, places: str = "0.0001") -> bool:
    if a is None or b is None:
        return a is None and b is None
    return D(str(a)).quantize(D(places)) == D(b).quantize(D(places))


# --- the test --------------------------------------------------------------------------------

async def test_report_and_api_figures_match_an_independent_sql_derivation():
    w = await seed()
    brand = w["brand"]
    through = await sql_last_data_day(brand.id)
    assert through == OCT_3  # Facebook's watermark holds the brand back, not Instagram's data
    cur = await headline(brand.id, OCT_1, OCT_3)
    prev = await headline(brand.id, SEP_1, SEP_3)  # the same number of days
    assert cur["production_cost"] is None and cur["roi"] is None  # unknown, not free
    assert prev["production_cost"] == D("30.00") and prev["roi"] is not None
    # The channel with only post rows counts: brand impressions = Facebook's account rows
    # + Instagram's posts (Facebook's own post rows, 77 a day, are not added on top).
    assert cur["impressions"] == D(3 * 1000 + 31 + 32 + 33) + D(3 * 300 + 31 + 32 + 33) \
        + D(3 * 900 + 2 * (31 + 32 + 33))

    # The report's data.
    data = await build_report(brand.id, ReportKind.ROI, OCT_1, OCT_31, locale="en_GB",
                              today=TODAY)
    assert data.partial_through == OCT_3 and data.period == Period(OCT_1, OCT_31)
    assert data.measured == Period(OCT_1, OCT_3) and data.previous == Period(SEP_1, SEP_3)
    assert data.roi is not None
    for period, expected in ((data.roi.kpis.current, cur), (data.roi.kpis.previous, prev)):
        for name in ("impressions", "reach", "clicks", "spend", "revenue"):
            assert close(period.total(name), expected[name]), name
        k = period.kpis
        for name in ("engagement", "engagement_rate", "ctr", "cpm", "roas", "total_cost",
                     "roi"):
            assert close(getattr(k, name), expected[name]), (name, getattr(k, name))
        assert close(period.production_cost, expected["production_cost"])

    # The page says so: partial, compared with 1–3 September, ROI unknown, not 0.
    html = render(data, ReportFormat.HTML, storage_dir="/nonexistent").content.decode()
    assert "Partial: data through" in html and "ROI unknown" in html

    # The API: the same figures, and where they came from.
    result = await gql(KPIS, as_=w["user"], variables={
        "slug": "indie", "from": str(OCT_1), "to": str(OCT_31), "kpi": "impressions"})
    assert result.errors == []
    api = result["brand"]["kpis"]
    assert api["completeThrough"] == str(OCT_3) and api["isPartial"] is True
    totals = {t["metric"]: t["value"] for t in api["totals"]}
    for name in ("impressions", "reach", "clicks", "spend", "revenue"):
        assert close(totals.get(name), cur[name]), name
    for name in ("engagement", "engagementRate", "ctr", "roas", "roi"):
        snake = "".join("_" + c.lower() if c.isupper() else c for c in name)
        assert close(api[name], cur[snake], "0.000001"), name
    assert api["roi"] is None and api["totalCost"] is None and api["productionCost"] is None
    assert close(api["cpm"]["amount"], cur["cpm"], "0.01")

    sources = api["sources"]
    assert sources["totalCount"] == 2 and sources["pageInfo"]["hasNextPage"] is True
    more = await gql(KPIS, as_=w["user"], variables={
        "slug": "indie", "from": str(OCT_1), "to": str(OCT_31), "kpi": "impressions",
        "after": sources["pageInfo"]["endCursor"]})
    groups = sources["nodes"] + more["brand"]["kpis"]["sources"]["nodes"]
    by_level = {(g["level"], g["rawMetric"]): g for g in groups}
    assert set(by_level) == {("ACCOUNT", "page_media_view"), ("POST", "views")}
    facebook = by_level[("ACCOUNT", "page_media_view")]
    assert facebook["rows"] == 3 and facebook["sourceVersion"] == "v23.0"
    assert facebook["firstDay"] == str(OCT_1) and facebook["lastDay"] == str(OCT_3)
    assert sum(g["rows"] for g in groups if g["level"] == "POST") == 6  # two IG posts × 3 days
    assert all(g["fetchedFrom"].startswith("2026-10-11T06:00") for g in groups)

    # A point of the brand's series adds up rows from two platforms: provenance says so.
    points = result["brand"]["metrics"][0]["points"]
    first = points[0]
    assert first["rows"] == 3 and first["sourceKind"] == "PLATFORM_API"
    assert first["sourceName"] is None  # facebook and instagram: see sources for the split


async def test_a_period_synced_to_its_end_is_complete_and_its_cost_prorated_over_it():
    w = await seed()
    result = await gql(KPIS, as_=w["user"], variables={
        "slug": "indie", "from": str(SEP_1), "to": "2026-09-30", "kpi": "roi"})
    api = result["brand"]["kpis"]
    assert api["completeThrough"] == "2026-09-30" and api["isPartial"] is False
    assert api["productionCost"] == {"amount": "300.00"}
    expected = await headline(w["brand"].id, SEP_1, date(2026, 9, 30))
    assert close(api["roi"], expected["roi"], "0.000001")
    kinds = {(g["metric"], g["level"]) for g in api["sources"]["nodes"]}
    assert kinds <= {("revenue", "POST"), ("spend", "POST")}


async def test_a_brand_takes_each_channel_s_account_rows_else_its_posts_rows():
    """Issue 14.5: Facebook has account-level impressions, Instagram only post-level ones;
    the brand's day is Facebook's account row plus Instagram's posts (Facebook's own post
    rows are not added on top, and Instagram does not drop out)."""
    w = await seed()
    brand = w["brand"].id
    series = (await load_series(Subject.BRAND, [brand], OCT_1, OCT_1))[brand]
    assert series["impressions"].points == [(OCT_1, D(1000 + 31) + D(300 + 31) + D(900 + 62))]
    assert series["impressions"].sources[OCT_1].rows == 3
    assert series["saves"].points == [(OCT_1, D(2))]  # Instagram posts only: still counted
    fb = (await load_series(Subject.CHANNEL, [w["fb"].id], OCT_1, OCT_1))[w["fb"].id]
    assert fb["impressions"].points == [(OCT_1, D(1031))]


async def test_an_outsider_cannot_ask_where_a_brand_figure_came_from():
    await seed()
    outsider = await make_user()
    result = await gql(KPIS, as_=outsider, variables={
        "slug": "indie", "from": str(OCT_1), "to": str(OCT_31), "kpi": "cpm"})
    assert result.errors == [] and result["brand"] is None


async def test_sources_refuse_an_unknown_kpi():
    w = await seed()
    result = await gql(KPIS, as_=w["user"], variables={
        "slug": "indie", "from": str(OCT_1), "to": str(OCT_31), "kpi": "vanity"})
    assert result.errors and "unknown KPI 'vanity'" in str(result.errors[0])
