"""The emulator's admin endpoints refuse bad input clearly and count what happened."""

from __future__ import annotations

import httpx
import pytest

from api.emulator import token_for


@pytest.mark.parametrize(("body", "message"), [
    ({"kind": "teapot"}, "kind must be one of"),
    ({"kind": "500", "platform": "myspace"}, "platform must be one of"),
    ({"kind": "500", "count": 0}, "count must be a positive integer"),
    ({"kind": "500", "probability": 2}, "probability must be between 0 and 1"),
    ({"kind": "500", "colour": "red"}, "unknown fault fields: colour"),
    ([1], "a fault is a JSON object"),
    ({"kind": "429", "retry_after": "soon"}, "retry_after must be a number"),
    ({"kind": "slow", "delay": -1}, "delay must be a number"),
    ({"kind": "quota", "used": 3}, "between 0 and 1"),
    ({"kind": "500", "count": True}, "count must be a positive integer"),
    ({"kind": "500", "path": 5}, "path must be a string"),
])
def test_bad_faults_are_refused(emulator, body, message):
    answer = httpx.post(f"{emulator.url}/_emulator/faults", json=body)
    assert answer.status_code == 400 and message in answer.json()["error"]
    assert emulator.stats()["faults_pending"] == []


@pytest.mark.parametrize(("body", "message"), [
    ({"today": "yesterday"}, "bad config"),
    ({"rate_limits": {"x": {"limit": 0}}}, "limit >= 1"),
    ({"rate_limits": {"myspace": {"limit": 5}}}, "unknown platform"),
    ({"weather": "sunny"}, "unknown config fields"),
    ({"rate_limits": ["x"]}, "bad config"),
    ({"seed": "many"}, "bad config"),
    ([], "config is a JSON object"),
])
def test_bad_config_is_refused(emulator, body, message):
    answer = httpx.post(f"{emulator.url}/_emulator/config", json=body)
    assert answer.status_code == 400 and message in answer.json()["error"]


def test_faults_by_probability_stats_and_reset(emulator):
    emulator.fault("500", platform="x", probability=1.0, count=2)
    headers = {"Authorization": f"Bearer {token_for('x', '7')}"}
    codes = [httpx.get(f"{emulator.url}/x/2/users/7", headers=headers).status_code
             for _ in range(3)]
    assert codes == [500, 500, 200]
    stats = emulator.stats()
    assert stats["calls"] == {"x": {"user": 3}} and stats["total_calls"] == 3
    assert stats["faults_served"] == [{"platform": "x", "kind": "500", "count": 2}]
    emulator.fault("malformed")
    emulator.reset()
    assert emulator.stats()["total_calls"] == 0 and emulator.stats()["faults_pending"] == []


def test_an_unknown_path_is_a_json_404(emulator):
    answer = httpx.get(f"{emulator.url}/myspace/v1/profile")
    assert answer.status_code == 404 and "no endpoint" in answer.json()["error"]


def test_a_token_tied_to_another_account_is_refused(emulator):
    answer = httpx.get(f"{emulator.url}/x/2/users/7",
                       headers={"Authorization": f"Bearer {token_for('x', '8')}"})
    assert answer.status_code == 403


def test_missing_tokens_get_the_platforms_error_shape(emulator):
    meta = httpx.get(f"{emulator.url}/facebook/v23.0/1/insights?metric=page_follows")
    tiktok = httpx.get(f"{emulator.url}/tiktok/v2/user/info/?fields=follower_count")
    assert meta.json()["error"]["code"] == 104
    assert tiktok.status_code == 401 and tiktok.json()["error"]["code"] == "access_token_invalid"
