"""Importing posts: upsert on ref, idempotent, all-or-nothing or skip-invalid, review respected."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest

from domain.enums import Platform, PostStatus
from domain.imports import Entity, import_rows
from domain.imports.readers import csv_rows
from domain.models import AuditLog, Post
from tests.factories import make_brand, make_campaign, make_channel, make_post, make_user

pytestmark = pytest.mark.storage

PLAN = (
    "ref,channel,campaign,text,format,pillar,tags,scheduled_at\n"
    "P-1,@acme,C-1,Nuova miscela in arrivo,IMAGE,promotional,\"caffè, autunno\","
    "2026-11-02T09:00:00+01:00\n"
    "P-2,@acme,,\"Due righe\ndi testo\",text,informative,,2026-11-03T09:00:00Z\n"
    "P-3,instagram:@acme,,=SUM(A1:A3),,,,\n"
)


@pytest.fixture
async def brand():
    brand = await make_brand(locale="it_IT", timezone="Europe/Rome", currency="EUR")
    channel = await make_channel(brand, handle="@acme", platform=Platform.INSTAGRAM)
    campaign = await make_campaign(brand, ref="C-1")
    user = await make_user()
    return {"brand": brand, "channel": channel, "campaign": campaign, "user": user}


async def run(world, text: str, **options):
    reader = csv_rows(io.BytesIO(text.encode("utf-8")))
    rejects = []
    summary = await import_rows(
        Entity.POSTS, world["brand"].id, reader, actor_id=world["user"].id,
        source_name="plan.csv", on_reject=lambda row, problems: rejects.append((row, problems)),
        **options)
    return summary, rejects


async def posts_by_ref() -> dict[str, dict]:
    rows = await Post.select().output(load_json=True)
    return {r["ref"]: r for r in rows}


async def test_import_inserts_then_second_run_changes_nothing(brand):
    summary, rejects = await run(brand, PLAN)
    assert summary.problems == [] and rejects == []
    assert (summary.rows, summary.inserted, summary.updated, summary.unchanged) == (3, 3, 0, 0)
    assert summary.written
    posts = await posts_by_ref()
    assert posts["P-1"]["campaign"] == brand["campaign"].id
    assert posts["P-1"]["tags"] == ["caffè", "autunno"]
    assert posts["P-1"]["format"] == "IMAGE" and posts["P-1"]["pillar"] == "PROMOTIONAL"
    assert posts["P-1"]["scheduled_at"] == datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
    assert posts["P-2"]["text"] == "Due righe\ndi testo"
    assert posts["P-3"]["text"] == "=SUM(A1:A3)"  # a formula-looking cell is text
    assert all(p["status"] == PostStatus.DRAFT and p["created_by"] == brand["user"].id
               for p in posts.values())

    again, _ = await run(brand, PLAN)
    assert (again.inserted, again.updated, again.unchanged, again.rejected) == (0, 0, 3, 0)
    assert await posts_by_ref() == posts
    audits = await AuditLog.select(AuditLog.action, AuditLog.after).where(
        AuditLog.action == "import.posts").output(load_json=True)
    assert [a["after"]["inserted"] for a in audits] == [3, 0]
    assert audits[0]["after"]["source"] == "plan.csv"


async def test_changed_row_updates_only_that_post(brand):
    await run(brand, PLAN)
    summary, _ = await run(brand, PLAN.replace("Nuova miscela", "Nuovissima miscela"))
    assert (summary.inserted, summary.updated, summary.unchanged) == (0, 1, 2)
    assert (await posts_by_ref())["P-1"]["text"].startswith("Nuovissima")


async def test_one_bad_row_writes_nothing_and_reports_every_problem(brand):
    bad = PLAN + "P-4,@nobody,,ok,,,,\nP-5,@acme,,x,SOUND,,,tomorrow\nP-1,@acme,,dup,,,,\n"
    summary, rejects = await run(brand, bad)
    assert not summary.written and await Post.count() == 0
    found = {(p.line, p.field, p.code) for p in summary.problems}
    # P-2's quoted text spans lines 3 and 4: lines are the file's own.
    assert found == {(6, "channel", "UNKNOWN_CHANNEL"), (7, "format", "INVALID"),
                     (7, "scheduled_at", "INVALID"), (8, "ref", "DUPLICATE")}
    assert summary.rejected == 3 and [r.line for r, _ in rejects] == [6, 7, 8]

    skipped, _ = await run(brand, bad, skip_invalid=True)
    assert skipped.written and (skipped.inserted, skipped.rejected) == (3, 3)
    assert set(await posts_by_ref()) == {"P-1", "P-2", "P-3"}


async def test_a_repeated_ref_is_reported_beside_the_rows_other_problems(brand):
    # Line 6 repeats P-1 (line 2, an earlier chunk) and has an unknown channel too. Line 8
    # repeats the ref of line 7, which was refused: the first good row of a ref is the one.
    bad = (PLAN + "P-1,@nobody,,dup,,,,\nP-9,@nobody,,x,,,,\nP-9,@acme,,x,,,,\n"
           "P-1,@acme,,again,TEXT,,,\n")
    summary, rejects = await run(brand, bad, chunk_size=2)
    found = [(p.line, p.field, p.code) for p in summary.problems]
    assert sorted(found) == [(6, "channel", "UNKNOWN_CHANNEL"), (6, "ref", "DUPLICATE"),
                             (7, "channel", "UNKNOWN_CHANNEL"), (9, "ref", "DUPLICATE")]
    assert next(p.message for p in summary.problems if p.line == 6 and p.code == "DUPLICATE"
                ) == "ref P-1 is also on line 2: a file names each row once"
    assert [r.line for r, _ in rejects] == [6, 7, 9]

    skipped, _ = await run(brand, bad, chunk_size=2, skip_invalid=True)
    assert (skipped.inserted, skipped.rejected) == (4, 3)
    assert (await posts_by_ref())["P-1"]["text"] == "Nuova miscela in arrivo"


async def test_post_past_review_is_not_changed_by_an_import(brand):
    await make_post(brand["brand"], brand["channel"], ref="P-1", text="Approvato",
                    status=PostStatus.APPROVED)
    summary, _ = await run(brand, PLAN)
    assert {(p.line, p.code) for p in summary.problems} == {(2, "NOT_EDITABLE")}
    assert not summary.written
    same = PLAN.replace("P-1,@acme,C-1,Nuova miscela in arrivo,IMAGE,promotional,"
                        "\"caffè, autunno\",2026-11-02T09:00:00+01:00", "P-1,@acme,,Approvato,,,,")
    summary, _ = await run(brand, same)
    assert summary.problems == [] and (summary.inserted, summary.unchanged) == (2, 1)


async def test_unknown_campaign_status_rules_and_platform_ids(brand):
    other = await make_post(brand["brand"], brand["channel"], ref=None, external_id="1789")
    await make_post(brand["brand"], brand["channel"], ref="P-9", status=PostStatus.IN_REVIEW)
    text = ("ref,channel,campaign,text,status,platform_id,published_at\n"
            "P-1,@acme,C-404,a,,,\n"
            "P-2,@acme,,b,APPROVED,,\n"
            "P-3,@acme,,c,PUBLISHED,1789,2026-10-01T10:00:00Z\n"
            "P-9,@acme,,d,DRAFT,,\n"
            "P-5,@acme,,e,PUBLISHED,1790,2026-10-01T10:00:00Z\n"
            "P-6,@acme,,f,PUBLISHED,1790,2026-10-01T11:00:00Z\n")
    summary, _ = await run(brand, text)
    assert [(p.line, p.field, p.code) for p in summary.problems] == [
        (2, "campaign", "UNKNOWN_CAMPAIGN"), (3, "status", "STATUS"),
        (4, "platform_id", "PLATFORM_ID_TAKEN"), (5, "status", "STATUS_CHANGE"),
        (7, "platform_id", "DUPLICATE")]
    summary, _ = await run(brand, text, skip_invalid=True)
    assert (summary.inserted, summary.rejected) == (1, 5)
    published = (await posts_by_ref())["P-5"]
    assert published["status"] == PostStatus.PUBLISHED and published["external_id"] == "1790"
    assert published["published_at"] == datetime(2026, 10, 1, 10, 0, tzinfo=UTC)
    assert (await Post.select(Post.ref).where(Post.id == other.id).first()) == {"ref": None}


async def test_coso_ref_updates_the_brands_post_in_place_without_giving_it_a_ref(brand):
    made = await make_post(brand["brand"], brand["channel"], text="Fatto in Coso",
                           scheduled_at=datetime(2026, 11, 2, 9, tzinfo=UTC))
    other_brand = await make_brand()
    foreign = await make_post(other_brand, text="Di un altro brand")
    text = ("ref,channel,text,scheduled_at\n"
            f"coso:{made.id},@acme,Testo nuovo,2026-11-02T09:00:00Z\n"
            "P-new,@acme,Un post nuovo,\n")
    summary, _ = await run(brand, text)
    assert summary.problems == []
    assert (summary.inserted, summary.updated, summary.unchanged) == (1, 1, 0)
    stored = await Post.select(Post.ref, Post.text, Post.brand).where(Post.id == made.id).first()
    assert stored == {"ref": None, "text": "Testo nuovo", "brand": brand["brand"].id}
    assert await Post.count().where(Post.brand == brand["brand"].id) == 2

    again, _ = await run(brand, text)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 2)

    # Another brand's post, a missing id, a ref in Coso's namespace, a post that has a ref,
    # the same post twice: each a row problem, and nothing is written.
    refd = await make_post(brand["brand"], brand["channel"], ref="P-9", text="Con ref")
    bad = ("ref,channel,text\n"
           f"coso:{foreign.id},@acme,Rubato\n"
           "coso:999999,@acme,Inesistente\n"
           "coso:abc,@acme,Riservato\n"
           f"coso:{refd.id},@acme,Doppio nome\n"
           f"coso:{made.id},@acme,Uno\n"
           f"COSO:{made.id},@acme,Due\n")
    summary, rejects = await run(brand, bad, skip_invalid=True)
    codes = {(p.line, p.field, p.code) for p in summary.problems}
    assert codes == {(2, "ref", "UNKNOWN_POST"), (3, "ref", "UNKNOWN_POST"),
                     (4, "ref", "INVALID"), (5, "ref", "UNKNOWN_POST"), (7, "ref", "DUPLICATE")}
    assert len(rejects) == 5 and (summary.updated, summary.inserted) == (1, 0)
    assert (await Post.select(Post.text, Post.ref).where(Post.id == foreign.id).first()
            ) == {"text": "Di un altro brand", "ref": None}
    assert (await Post.select(Post.text).where(Post.id == refd.id).first())["text"] == "Con ref"
    assert await Post.count().where(Post.ref.like("coso:%")) == 0


async def test_coso_ref_respects_review_and_platform_ids(brand):
    approved = await make_post(brand["brand"], brand["channel"], text="Approvato",
                               status=PostStatus.APPROVED)
    draft = await make_post(brand["brand"], brand["channel"], text="Bozza")
    await make_post(brand["brand"], brand["channel"], text="Pubblicato", external_id="42",
                    status=PostStatus.PUBLISHED)
    text = ("ref,channel,text,status,platform_id\n"
            f"coso:{approved.id},@acme,Approvato,APPROVED,\n"
            f"coso:{draft.id},@acme,Bozza,PUBLISHED,42\n")
    summary, _ = await run(brand, text, skip_invalid=True)
    assert {(p.line, p.field, p.code) for p in summary.problems} == {
        (3, "status", "STATUS_CHANGE"), (3, "platform_id", "PLATFORM_ID_TAKEN")}
    assert summary.unchanged == 1  # the approved post, re-imported as it is

    changed = f"ref,channel,text\ncoso:{approved.id},@acme,Cambiato\n"
    summary, _ = await run(brand, changed)
    assert [(p.field, p.code) for p in summary.problems] == [("ref", "NOT_EDITABLE")]
