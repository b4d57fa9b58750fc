"""Which connector speaks for a platform, at which version, and where it sends its calls."""

from __future__ import annotations

import httpx
import pytest

from domain.connectors import API_VERSIONS, base_url, connector_for
from domain.connectors.base import SyncError
from domain.enums import Platform
from domain.settings import get_settings

SUPPORTED = [p for p in Platform if p is not Platform.PINTEREST]


@pytest.fixture
def settings_env(monkeypatch):
    """Set environment variables for get_settings(), and read them afresh."""

    def setenv(name: str, value: str | None) -> None:
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()

    yield setenv
    get_settings.cache_clear()


@pytest.mark.parametrize("platform", SUPPORTED)
def test_every_platform_but_pinterest_has_a_connector(platform):
    connector = connector_for(platform.value, httpx.AsyncClient(), base="http://emu/x")
    assert connector.platform is platform
    assert connector.api_version == API_VERSIONS[platform]
    assert connector.history_days > 0


@pytest.mark.parametrize("platform", ["pinterest", "myspace"])
def test_an_unsupported_platform_is_a_clear_sync_error(platform):
    with pytest.raises(SyncError) as refused:
        connector_for(platform, httpx.AsyncClient())
    assert refused.value.code == "UNSUPPORTED_PLATFORM" and platform in refused.value.message
    if platform == "pinterest":
        with pytest.raises(SyncError):
            base_url(platform)


def test_calls_go_to_the_platforms_own_hosts_by_default(settings_env):
    settings_env("COSO_PLATFORM_BASE_URL", None)
    assert base_url("facebook") == "https://graph.facebook.com"
    assert base_url(Platform.X) == "https://api.x.com"
    assert base_url("youtube", "analytics") == "https://youtubeanalytics.googleapis.com"
    youtube = connector_for("youtube", httpx.AsyncClient())
    assert youtube.analytics.base == "https://youtubeanalytics.googleapis.com"


def test_the_emulator_setting_sends_every_call_there(settings_env):
    settings_env("COSO_PLATFORM_BASE_URL", "http://127.0.0.1:8765/")
    assert base_url("linkedin") == "http://127.0.0.1:8765/linkedin"
    assert base_url("youtube", "analytics") == "http://127.0.0.1:8765/youtube"
    youtube = connector_for("youtube", httpx.AsyncClient())
    assert youtube.http.base == youtube.analytics.base == "http://127.0.0.1:8765/youtube"


def test_the_retry_policy_follows_the_settings(settings_env):
    settings_env("COSO_SYNC_MAX_RETRIES", "2")
    settings_env("COSO_SYNC_MAX_WAIT", "7.5")
    settings_env("COSO_HTTP_TIMEOUT", "3")
    policy = connector_for("x", httpx.AsyncClient(), base="http://emu/x").http.policy
    assert (policy.max_retries, policy.max_wait, policy.timeout) == (2, 7.5, 3)


@pytest.mark.parametrize("platform", SUPPORTED)
def test_every_interface_method_turns_unreadable_answers_into_sync_errors(platform):
    connector = connector_for(platform.value, httpx.AsyncClient(), base="http://emu/x")
    for name in ("channel_metrics", "posts", "publish", "find_published", "comments"):
        assert getattr(getattr(connector, name), "guarded", False), name
