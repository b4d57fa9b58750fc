"""Member: a user and the roles they hold on one brand."""

from __future__ import annotations

from collections import defaultdict

import strawberry

from api.graphql.context import Info
from api.graphql.types.enums import Role
from api.graphql.types.user import User


@strawberry.type
class Member:
    user: User
    roles: list[Role]


async def load_members(info: Info, brand_id: int) -> list[Member]:
    rows = await info.context.loaders.members_of_brand.load(brand_id)
    roles: dict[int, list[str]] = defaultdict(list)
    for row in rows:
        roles[row["user"]].append(row["role"])
    users = await info.context.loaders.user.load_many(list(roles))
    return [
        Member(user=User.from_row(user), roles=sorted(roles[user["id"]]))
        for user in users if user is not None
    ]
