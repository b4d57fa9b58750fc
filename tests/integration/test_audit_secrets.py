"""No service writes a channel token (even encrypted) into the audit log."""

from __future__ import annotations

import orjson
import pytest

from domain.models import AuditLog
from domain.services.channels import delete_channel, update_channel
from tests.factories import make_channel, make_user

pytestmark = pytest.mark.storage

SECRET = "gAAAAAB-encrypted-access-token"
REFRESH = "gAAAAAB-encrypted-refresh-token"


async def test_channel_update_and_delete_log_only_whether_a_token_is_set():
    user = await make_user()
    channel = await make_channel(access_token=SECRET, refresh_token=REFRESH)

    await update_channel(user.id, channel.id, name="Renamed")
    await delete_channel(user.id, channel.id)

    rows = await AuditLog.select(AuditLog.action, AuditLog.before, AuditLog.after)
    assert {r["action"] for r in rows} == {"channel.update", "channel.delete"}
    dumped = orjson.dumps(rows).decode()
    assert SECRET not in dumped and REFRESH not in dumped
    update = next(r for r in rows if r["action"] == "channel.update")
    before = update["before"] if isinstance(update["before"], dict) else orjson.loads(
        update["before"])
    assert (before["access_token"], before["refresh_token"]) == (True, True)
