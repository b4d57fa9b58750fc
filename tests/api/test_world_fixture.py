"""The shared world fixture sees what each viewer should see."""

from __future__ import annotations

import pytest

from tests.api.client import gql
from tests.api.conftest import VIEWERS

BRANDS = "{ brands(first: 10) { totalCount edges { node { slug } } } }"


@pytest.mark.parametrize("viewer", VIEWERS)
async def test_brands_per_viewer(world, viewer):
    result = await gql(BRANDS, as_=world.user(viewer))
    if viewer == "anonymous":
        assert result.errors and "authentication required" in result.errors[0]
        return
    slugs = [e["node"]["slug"] for e in result["brands"]["edges"]]
    assert slugs == (["rival-brand"] if viewer == "outsider" else ["acme"])
