"""What every object inside a brand shares: the way back to its brand."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from api.graphql.context import Info

if TYPE_CHECKING:
    from api.graphql.types.brand import Brand


@strawberry.type
class InBrand:
    """Base of channels, campaigns and posts; their row's `brand` column names the brand."""

    _row: strawberry.Private[dict[str, Any]]

    @strawberry.field
    async def brand(
        self, info: Info
    ) -> Annotated[Brand, strawberry.lazy("api.graphql.types.brand")]:
        from api.graphql.types.brand import Brand

        return Brand.from_row(await info.context.loaders.brand.load(self._row["brand"]))
