"""A loader's shared result survives one awaiter being cancelled (graphql-core cancels the
siblings of a field that fails under a non-null parent)."""

from __future__ import annotations

import asyncio

import pytest
from strawberry.dataloader import DataLoader

from api.graphql.loaders.shielded import Loader


async def _two_awaiters_one_cancelled(loader_class: type[DataLoader]) -> object:
    async def load(keys: list[int]) -> list[str]:
        await asyncio.sleep(0.01)
        return [f"row {k}" for k in keys]

    loader = loader_class(load_fn=load)
    cancelled = asyncio.ensure_future(loader.load(1))
    survivor = asyncio.ensure_future(loader.load_many([1, 2]))
    await asyncio.sleep(0)
    cancelled.cancel()
    return await survivor


async def test_the_other_awaiter_still_gets_its_rows():
    assert await _two_awaiters_one_cancelled(Loader) == ["row 1", "row 2"]


async def test_a_plain_dataloader_would_cancel_it():
    """Why Loader exists: with strawberry's own, the CancelledError reaches the survivor."""
    with pytest.raises(asyncio.CancelledError):
        await _two_awaiters_one_cancelled(DataLoader)
