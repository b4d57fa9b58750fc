"""The columnar path (Arrow blocks, certified rows staged from Arrow) against the row path.

The same file goes into two brands with the same channels, campaigns and posts: once read
in Arrow blocks (small ones, so that a file makes several), once as plain rows, which
take the row-by-row path only. Summaries, problems and stored rows must be the same.
"""

from __future__ import annotations

import io

import pytest

from domain.enums import Platform
from domain.imports import Entity, import_rows
from domain.imports.columnar import Block
from domain.imports.readers import csv_rows, python_csv_rows
from domain.models import AuditLog, Campaign, Channel, Post, PostMetric
from tests.factories import make_brand, make_campaign, make_channel, make_post

pytestmark = pytest.mark.storage


@pytest.fixture(autouse=True)
def small_blocks(monkeypatch):
    monkeypatch.setattr("domain.imports.columnar.BATCH_BYTES", 400)


async def twin() -> int:
    brand = await make_brand(locale="it_IT", timezone="Europe/Rome", currency="EUR")
    for platform, handle in ((Platform.INSTAGRAM, "@acme"), (Platform.X, "@acme_x"),
                             (Platform.FACEBOOK, "@acme")):
        await make_channel(brand, handle=handle, platform=platform)
    await make_campaign(brand, ref="C-1", name="Autunno")
    ig = await Channel.select(Channel.id).where(
        (Channel.brand == brand.id) & (Channel.platform == Platform.X)).first()
    channel = await Channel.objects().get(Channel.id == ig["id"])
    await make_post(brand, channel, ref="OLD-1", text="Stored")
    return brand.id


async def both(entity: Entity, text: str, **options):
    """(columnar summary, row summary, their brands); the columnar path must read blocks."""
    data = text.encode()
    columnar_brand, rows_brand = await twin(), await twin()
    reader = csv_rows(io.BytesIO(data))
    assert any(isinstance(i, Block) for i in csv_rows(io.BytesIO(data)).items())
    columnar = await import_rows(entity, columnar_brand, reader, actor_id=None,
                                 source_name="f.csv", **options)
    plain, _ = python_csv_rows(io.BytesIO(data))
    rows = list(plain)
    by_rows = await import_rows(entity, rows_brand, rows, actor_id=None, source_name="f.csv",
                                columns=plain.columns, **options)
    assert _view(columnar) == _view(by_rows)
    return columnar, by_rows, columnar_brand, rows_brand


def _view(summary):
    return (summary.rows, summary.inserted, summary.updated, summary.unchanged,
            summary.rejected, summary.written, summary.problems)


async def stored_posts(brand_id: int) -> list[tuple]:
    handles = {c["id"]: (c["platform"], c["handle"]) for c in await Channel.select()}
    campaigns = {c["id"]: c["ref"] for c in await Campaign.select(Campaign.id, Campaign.ref)}
    rows = await Post.select().where(Post.brand == brand_id).order_by(Post.id).output(
        load_json=True)
    return [(r["ref"], handles[r["channel"]], campaigns.get(r["campaign"]), r["text"],
             r["format"], r["pillar"], r["media_type"], r["media"], r["tags"],
             r["scheduled_at"], r["status"], r["published_at"], r["external_id"],
             r["permalink"]) for r in rows]


async def stored_metrics(brand_id: int) -> list[tuple]:
    refs = {p["id"]: p["ref"] for p in await Post.select(Post.id, Post.ref).where(
        Post.brand == brand_id)}
    rows = await PostMetric.select().where(PostMetric.post.is_in(list(refs)) if refs else
                                           PostMetric.id < 0).order_by(PostMetric.id)
    return [(refs[r["post"]], r["metric"], r["day"], r["value"], r["currency"], r["note"])
            for r in rows]


def posts_file(count: int, extra: str = "") -> str:
    lines = ["ref,channel,platform,campaign,text,format,tags,scheduled_at,status"]
    for i in range(count):
        lines.append(f'P-{i},@acme,instagram,{"C-1" if i % 3 else ""},"Testo {i}, caffè",'
                     f'image,"a, b",2026-10-{1 + i % 28:02d}T09:00:00+02:00,draft')
    return "\n".join(lines) + "\n" + extra


async def test_clean_posts_go_straight_in_and_match_the_row_path():
    columnar, _, a, b = await both(Entity.POSTS, posts_file(40))
    assert columnar.inserted == 40 and columnar.written
    assert columnar.seconds["certify"] > 0
    assert await stored_posts(a) == await stored_posts(b)
    again, by_rows, _, _ = await both(Entity.POSTS, posts_file(40))
    assert again.inserted == 40  # fresh twins again


async def test_posts_with_problems_duplicates_and_rows_for_the_row_path():
    extra = ("P-3,@acme,instagram,,Repeated ref,,,,\n"  # a ref of an earlier block
             "Q-1,@nobody,instagram,,Unknown channel,,,,\n"
             "Q-2,@acme_x,x,," + "x" * 281 + ",,,,\n"  # over X's limit
             "Q-3,@acme,instagram,,'=SUM(A1),,,,\n"  # a formula kept as text: row path
             "Q-4,@acme,instagram,C-404,Unknown campaign,,,,\n"
             "Q-5,@acme,instagram,,Approved?,,,,approved\n"  # a new post is not approved
             "OLD-1,@acme_x,x,,Changed,,,,\n"  # a stored post, updated
             "Q-6,@acme,instagram,,Last one,,,01/11/2026 10:00,\n")
    columnar, _, a, b = await both(Entity.POSTS, posts_file(30, extra))
    assert not columnar.written and columnar.rejected == 5
    codes = {(p.line, p.code) for p in columnar.problems}
    assert (32, "DUPLICATE") in codes and (33, "UNKNOWN_CHANNEL") in codes
    assert await Post.count().where(Post.brand == a) == 1  # only the stored one
    skipped, _, a, b = await both(Entity.POSTS, posts_file(30, extra), skip_invalid=True)
    assert skipped.written and (skipped.inserted, skipped.updated) == (32, 1)
    assert await stored_posts(a) == await stored_posts(b)
    audits = await AuditLog.select(AuditLog.action).where(AuditLog.brand_id == a)
    assert [r["action"] for r in audits] == ["import.posts"]


async def test_a_bad_last_row_writes_nothing():
    columnar, _, a, _ = await both(Entity.POSTS, posts_file(40, "Z-1,@nobody,,,x,,,,\n"))
    assert not columnar.written and columnar.rejected == 1

    assert await Post.count().where(Post.brand == a) == 1
    audits = await AuditLog.select(AuditLog.after).where(AuditLog.brand_id == a).output(
        load_json=True)
    assert [r["after"]["written"] for r in audits] == [False]


async def test_reimporting_the_same_posts_changes_nothing():
    brand = await twin()
    for expected in ("inserted", "unchanged"):
        summary = await import_rows(Entity.POSTS, brand, csv_rows(io.BytesIO(
            posts_file(40).encode())), actor_id=None, source_name="f.csv")
        assert summary.ok and getattr(summary, expected) == 40, summary


def metrics_file(posts: int, extra: str = "") -> str:
    lines = ["channel,platform,post,day,metric,value,note"]
    for i in range(posts):
        for day in (1, 2, 3):
            lines.append(f"@acme,instagram,P-{i},2026-10-0{day},impressions,{i * day},")
    return "\n".join(lines) + "\n" + extra


async def test_metrics_match_the_row_path():
    extra = ("@acme,instagram,P-2,2026-10-01,impressions,5,\n"  # repeated key
             "@acme,instagram,P-404,2026-10-01,reach,1,\n"  # unknown post
             "@acme_x,x,P-1,2026-10-01,reach,1,\n"  # post on another channel
             "@acme,instagram,P-1,2026-10-05,reach,1.234,\n"  # Italian thousands: row path
             "@acme,instagram,,2026-10-05,followers,7,nota\n")  # a channel metric
    nothing, _, _, _ = await both(Entity.METRICS, metrics_file(20, extra))
    assert not nothing.written  # no posts yet: every post row is UNKNOWN_POST
    # Now with the posts there, in both twins.
    data = posts_file(20).encode()
    a, b = await twin(), await twin()
    for brand in (a, b):
        summary = await import_rows(Entity.POSTS, brand, csv_rows(io.BytesIO(data)),
                                    actor_id=None, source_name="p.csv")
        assert summary.ok
    for skip in (False, True):
        file = metrics_file(20, extra).encode()
        one = await import_rows(Entity.METRICS, a, csv_rows(io.BytesIO(file)), actor_id=None,
                                source_name="m.csv", skip_invalid=skip)
        plain, _ = python_csv_rows(io.BytesIO(file))
        two = await import_rows(Entity.METRICS, b, list(plain), actor_id=None,
                                source_name="m.csv", columns=plain.columns,
                                skip_invalid=skip)
        # A repeated key's message names the post's id, one per twin.
        assert _view(one)[:-1] == _view(two)[:-1]
        assert [p._replace(message="") for p in one.problems] == [
            p._replace(message="") for p in two.problems]
        assert {(p.line, p.code) for p in one.problems} == {
            (62, "DUPLICATE"), (63, "UNKNOWN_POST"), (64, "CHANNEL_MISMATCH")}
        assert one.written is skip
        assert await stored_metrics(a) == await stored_metrics(b)
