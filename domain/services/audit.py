"""Writes the audit log row that every mutation leaves behind."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from domain.models import AuditLog
from domain.models.base import Table

# Columns whose values never reach the audit log, whichever service writes the row: the
# log records only whether they are set.
SECRET_COLUMNS = frozenset({"access_token", "refresh_token", "token_hash", "secret"})


def snapshot(row: Table | dict[str, Any] | None) -> dict[str, Any] | None:
    """A JSON-safe copy of a row's values for the before/after columns, secrets redacted."""
    if row is None:
        return None
    values = row if isinstance(row, dict) else row.to_dict()
    return {key: bool(value) if key in SECRET_COLUMNS else _json_safe(value)
            for key, value in values.items()}


def _json_safe(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    return value


async def record(
    *,
    actor_id: int | None,
    action: str,
    object_type: str,
    object_id: int | None,
    workspace_id: int | None = None,
    brand_id: int | None = None,
    before: Table | dict[str, Any] | None = None,
    after: Table | dict[str, Any] | None = None,
) -> None:
    """Append one audit row; call inside the mutation's transaction so both land or neither."""
    await AuditLog.insert(
        AuditLog(
            actor=actor_id,
            workspace=workspace_id,
            brand_id=brand_id,
            action=action,
            object_type=object_type,
            object_id=object_id,
            before=snapshot(before),
            after=snapshot(after),
        )
    )
