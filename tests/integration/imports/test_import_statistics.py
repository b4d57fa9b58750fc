"""A big import leaves PostgreSQL's planner statistics fresh for the tables it filled."""

from __future__ import annotations

from domain.enums import Platform
from domain.imports import Entity, import_rows
from domain.imports.run import ANALYZE_AFTER_ROWS
from domain.models import Post
from tests.factories import make_brand, make_channel


async def reltuples(table: str) -> float:
    rows = await Post.raw("SELECT reltuples FROM pg_class WHERE relname = {}", table)
    return rows[0]["reltuples"]


async def test_statistics_follow_a_big_import_not_a_small_one():
    brand = await make_brand()
    await make_channel(brand, handle="@acme", platform=Platform.INSTAGRAM)

    def posts(start: int, count: int):
        return [(i, {"ref": f"S-{i}", "channel": "@acme", "text": f"Post {i}"})
                for i in range(start, start + count)]

    small = await import_rows(Entity.POSTS, brand.id, posts(1, 10), actor_id=None,
                              source_name="small.csv")
    assert small.inserted == 10 and await reltuples("post") < ANALYZE_AFTER_ROWS
    big = await import_rows(Entity.POSTS, brand.id, posts(100, ANALYZE_AFTER_ROWS),
                            actor_id=None, source_name="big.csv")
    assert big.inserted == ANALYZE_AFTER_ROWS
    assert await reltuples("post") == ANALYZE_AFTER_ROWS + 10
