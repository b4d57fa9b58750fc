"""Global IDs: base64 "Type:pk" (Relay), decoded with a check of the expected type."""

from __future__ import annotations

from strawberry import relay

from api.graphql.errors import not_found
from domain.errors import ValidationFailed

MAX_PK = 2**31 - 1  # SERIAL: a larger key cannot exist, and must not reach the database


def valid_pk(pk: int) -> bool:
    return 0 < pk <= MAX_PK


def global_id(type_name: str, pk: int) -> relay.GlobalID:
    return relay.GlobalID(type_name=type_name, node_id=str(pk))


def decode_id(value: relay.GlobalID | str, type_name: str, *, field: str = "id") -> int:
    """The primary key inside a global id of `type_name`, else a ValidationFailed on `field`."""
    try:
        gid = value if isinstance(value, relay.GlobalID) else relay.GlobalID.from_id(value)
        pk = int(gid.node_id)
    except (ValueError, TypeError):
        raise ValidationFailed.one(field, "INVALID_ID", f"{field} is not a valid id") from None
    if gid.type_name != type_name:
        raise ValidationFailed.one(
            field, "WRONG_TYPE", f"{field} must be a {type_name} id, got a {gid.type_name} id"
        )
    if not valid_pk(pk):
        raise not_found(field, type_name)
    return pk
