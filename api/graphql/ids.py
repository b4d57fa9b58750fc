"""Global IDs: base64 "Type:pk" (Relay), decoded with a check of the expected type.

One object has one spelling: the key is ASCII digits without sign, leading zero or space
(`int()` would also read "１", "+1", " 01"), and the base64 is exactly what `global_id`
writes (`b64decode` would also read other paddings, stray characters and trailing bits).
"""

from __future__ import annotations

import base64
import binascii
import re

from strawberry import relay

from api.graphql.errors import not_found
from domain.errors import ValidationFailed

MAX_PK = 2**31 - 1  # SERIAL: a larger key cannot exist, and must not reach the database
_CANONICAL_PK = re.compile(r"[1-9][0-9]*")  # re's [0-9] is ASCII only, unlike \d or isdigit()


def valid_pk(pk: int) -> bool:
    return 0 < pk <= MAX_PK


def parse_pk(text: str) -> int | None:
    """The key a canonical decimal spelling names, or None (no row can have any other)."""
    if not _CANONICAL_PK.fullmatch(text) or len(text) > len(str(MAX_PK)):
        return None
    pk = int(text)
    return pk if valid_pk(pk) else None


def global_id(type_name: str, pk: int) -> relay.GlobalID:
    return relay.GlobalID(type_name=type_name, node_id=str(pk))


def split_global_id(value: str) -> tuple[str, str] | None:
    """(type name, node id) of a global id spelt exactly as this API writes them, else None."""
    try:
        text = base64.b64decode(value.encode("ascii"), validate=True).decode("utf-8")
    except (UnicodeError, binascii.Error, ValueError):
        return None
    type_name, sep, node_id = text.partition(":")
    if not sep or base64.b64encode(text.encode()).decode() != value:
        return None
    return type_name, node_id


def decode_id(value: relay.GlobalID | str, type_name: str, *, field: str = "id") -> int:
    """The primary key inside a global id of `type_name`, else a ValidationFailed on `field`."""
    if isinstance(value, relay.GlobalID):
        parts: tuple[str, str] | None = (value.type_name, value.node_id)
    else:
        parts = split_global_id(value) if isinstance(value, str) else None
    if parts is None:
        raise ValidationFailed.one(field, "INVALID_ID", f"{field} is not a valid id")
    if parts[0] != type_name:
        raise ValidationFailed.one(
            field, "WRONG_TYPE", f"{field} must be a {type_name} id, got a {parts[0]} id"
        )
    if not _CANONICAL_PK.fullmatch(parts[1]):  # "Post:abc", "Post:-1", "Post:１", "Post:01"
        raise ValidationFailed.one(field, "INVALID_ID", f"{field} is not a valid id")
    pk = parse_pk(parts[1])
    if pk is None:  # a key beyond any row's reads like a missing row
        raise not_found(field, type_name)
    return pk
