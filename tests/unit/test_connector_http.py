"""The connectors' shared pieces without a network: masking, retry timing, dialects, dates."""

from __future__ import annotations

import itertools
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from email.utils import format_datetime

import httpx
import orjson
import pytest

from domain.connectors.base import OutgoingPost, SyncError
from domain.connectors.common import current_point, lifetime_point, media_url, same_text
from domain.connectors.http import (
    PlatformHttp,
    RetryPolicy,
    mask,
    retry_after_header,
    without_secrets,
)
from domain.connectors.linkedin import LinkedInDialect
from domain.connectors.meta import MetaDialect, insight_day, number, usage
from domain.connectors.tiktok import TikTokDialect
from domain.connectors.windows import parse_instant, split
from domain.connectors.x import XDialect
from domain.connectors.youtube import GoogleDialect
from domain.enums import Platform, PostFormat
from domain.settings import get_settings

POLICY = RetryPolicy(max_retries=3, timeout=1, max_wait=40, slowdown_at=0.8)


def response(status: int, body: object = None, **headers: str) -> httpx.Response:
    content = orjson.dumps(body) if body is not None else b""
    return httpx.Response(status, content=content,
                          headers={k.replace("_", "-"): v for k, v in headers.items()})


def test_mask_hides_the_token_and_anything_that_looks_like_one():
    text = ("GET /v1?access_token=abc123&x=1 failed for tok-secret-99; "
            "Authorization: Bearer zzz-top")
    masked = mask(text, "tok-secret-99")
    assert "tok-secret-99" not in masked and "abc123" not in masked and "zzz-top" not in masked
    assert "access_token=***" in masked and "Bearer ***" in masked and "x=1" in masked
    assert mask("short ab", "ab") == "short ab"  # no blanket replacement of tiny strings


def test_paging_links_lose_their_access_token():
    url = "https://graph.facebook.com/v23.0/1/posts?limit=5&access_token=SECRET&after=QVFI"
    cleaned = without_secrets(url)
    assert "SECRET" not in cleaned and "after=QVFI" in cleaned and "limit=5" in cleaned


def test_paging_links_to_another_host_are_not_followed():
    http = PlatformHttp(httpx.AsyncClient(), "facebook", "https://graph.facebook.com",
                        MetaDialect(), policy=POLICY)
    assert http.follow("https://graph.facebook.com/v23.0/1/feed?after=x&access_token=t") == (
        "https://graph.facebook.com/v23.0/1/feed?after=x")
    with pytest.raises(SyncError) as refused:
        http.follow("https://evil.example/v23.0/1/feed?after=x")
    assert refused.value.code == "MALFORMED_RESPONSE"


def test_retry_after_reads_seconds_and_http_dates():
    assert retry_after_header(response(429, retry_after="3")) == 3
    assert retry_after_header(response(429, retry_after="0.25")) == 0.25
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert 25 < retry_after_header(response(503, retry_after=later)) <= 30
    assert retry_after_header(response(429, retry_after="soon")) is None
    assert retry_after_header(response(429)) is None


def test_backoff_is_full_jitter_capped_by_the_longest_wait():
    policy = RetryPolicy(backoff_base=0.5, max_wait=3)
    for attempt, ceiling in ((0, 0.5), (1, 1.0), (2, 2.0), (3, 3.0), (10, 3.0)):
        waits = [policy.backoff(attempt) for _ in range(200)]
        assert all(0 <= w <= ceiling for w in waits)
        assert max(waits) > ceiling / 2  # jittered across the range, not fixed


def test_the_policy_comes_from_settings():
    settings = get_settings()
    policy = RetryPolicy.from_settings(settings)
    assert (policy.max_retries, policy.timeout, policy.max_wait) == (
        settings.sync_max_retries, settings.http_timeout, settings.sync_max_wait)


def test_windows_split_at_the_limit_without_gaps_or_overlaps():
    start, end = date(2026, 1, 1), date(2026, 7, 1)
    windows = split(start, end, 90)
    assert windows[0][0] == start and windows[-1][1] == end
    assert all((b - a).days + 1 <= 90 for a, b in windows)
    assert all(n[0] == p[1] + timedelta(days=1) for p, n in itertools.pairwise(windows))
    assert split(end, start, 90) == [] and split(start, start, 90) == [(start, start)]


def test_instants_in_the_platforms_formats():
    expected = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
    for value in ("2026-11-01T08:00:00+0000", "2026-11-01T08:00:00Z",
                  "2026-11-01T08:00:00.000Z", "2026-11-01T09:00:00+01:00", 1793520000):
        assert parse_instant(value) == expected


def test_meta_daily_values_end_at_midnight_pacific():
    assert insight_day("2026-01-02T08:00:00+0000") == date(2026, 1, 1)  # PST
    assert insight_day("2026-07-02T07:00:00+0000") == date(2026, 7, 1)  # PDT


def test_meta_values_broken_down_are_summed_and_absent_stays_absent():
    assert number(12) == Decimal(12) and number("3.5") == Decimal("3.5")
    assert number({"paid": 2, "organic": 5}) == Decimal(7)
    assert number({"like": 3, "love": {"a": 1, "b": None}}) == Decimal(4)
    assert number(None) is None
    with pytest.raises(TypeError):
        number(True)


def test_meta_usage_headers_pace_before_the_quota_runs_out():
    dialect = MetaDialect()
    app = orjson.dumps({"call_count": 90, "total_cputime": 20, "total_time": 10}).decode()
    buc = orjson.dumps({"123": [{"type": "pages", "call_count": 40, "total_cputime": 5,
                                 "total_time": 5, "estimated_time_to_regain_access": 0}]})
    assert usage(response(200, x_app_usage=app).headers) == (90, 0)
    assert dialect.pause(response(200, x_app_usage=app), POLICY) == pytest.approx(20)
    assert dialect.pause(response(200, x_business_use_case_usage=buc.decode()), POLICY) == 0
    over = orjson.dumps({"1": [{"call_count": 100, "estimated_time_to_regain_access": 3}]})
    assert dialect.pause(response(200, x_business_use_case_usage=over.decode()), POLICY) == 180
    assert usage(response(200, x_app_usage="{not json").headers) == (0, 0)
    assert dialect.pause(response(200), POLICY) == 0


@pytest.mark.parametrize(("status", "error", "code", "retryable"), [
    (400, {"code": 190, "error_subcode": 463, "message": "Session has expired"},
     "TOKEN_EXPIRED", False),
    (400, {"code": 80001, "message": "too many calls"}, "RATE_LIMITED", True),
    (400, {"code": 4, "message": "Application request limit reached"}, "RATE_LIMITED", True),
    (500, {"code": 2, "is_transient": True, "message": "retry"}, "PLATFORM_ERROR", True),
    (403, {"code": 200, "message": "(#200) Missing permissions"}, "PERMISSION_DENIED", False),
    (400, {"code": 100, "message": "(#100) bad"}, "PLATFORM_ERROR", False),
])
def test_meta_errors_are_read_by_their_code(status, error, code, retryable):
    failure = MetaDialect().failure(response(status, {"error": error}), {"error": error},
                                    publishing=False)
    assert (failure.code, failure.retryable) == (code, retryable)
    assert error["message"] in failure.message


def test_meta_refusing_a_post_is_rejected():
    body = {"error": {"code": 368, "message": "(#368) deemed abusive"}}
    failure = MetaDialect().failure(response(400, body), body, publishing=True)
    assert failure.code == "REJECTED" and "abusive" in failure.message


def test_x_paces_the_last_calls_of_its_window():
    dialect, reset = XDialect(), str(int(time.time()) + 2)
    plenty = response(200, x_rate_limit_limit="100", x_rate_limit_remaining="90",
                      x_rate_limit_reset=reset)
    last = response(200, x_rate_limit_limit="10", x_rate_limit_remaining="1",
                    x_rate_limit_reset=reset)
    two = response(200, x_rate_limit_limit="10", x_rate_limit_remaining="2",
                   x_rate_limit_reset=reset)
    assert dialect.pause(plenty, POLICY) == 0
    assert 1 <= dialect.pause(last, POLICY) <= 2.2
    assert dialect.pause(two, POLICY) == pytest.approx(dialect.pause(last, POLICY) / 2, rel=0.1)
    body = {"title": "Too Many Requests", "errors": [{"code": 88, "message": "Rate limit"}]}
    failure = dialect.failure(response(429, body, x_rate_limit_limit="10",
                                       x_rate_limit_remaining="0", x_rate_limit_reset=reset),
                              body, publishing=False)
    assert failure.code == "RATE_LIMITED" and 1 <= failure.retry_after <= 2.2
    assert "code 88" in failure.message


def test_tiktok_reads_its_error_object_even_on_200():
    dialect = TikTokDialect()
    ok = {"data": {}, "error": {"code": "ok", "message": ""}}
    bad = {"data": {}, "error": {"code": "access_token_invalid", "message": "expired"}}
    assert dialect.failure(response(200, ok), ok, publishing=False) is None
    assert dialect.failure(response(200, bad), bad, publishing=False).code == "TOKEN_EXPIRED"
    limited = {"error": {"code": "rate_limit_exceeded", "message": "slow down"}}
    assert dialect.failure(response(429, limited), limited, publishing=False).retryable


def test_google_quota_exhaustion_waits_for_midnight_pacific():
    dialect = GoogleDialect()
    quota = {"error": {"code": 403, "message": "quota", "errors": [{"reason": "quotaExceeded"}]}}
    failure = dialect.failure(response(403, quota), quota, publishing=False)
    assert failure.code == "RATE_LIMITED" and 0 < failure.retry_after <= 25 * 3600
    forbidden = {"error": {"code": 403, "message": "no", "errors": [{"reason": "forbidden"}]}}
    assert dialect.failure(response(403, forbidden), forbidden,
                           publishing=False).code == "PERMISSION_DENIED"


def test_linkedin_names_its_version_on_every_call():
    headers = LinkedInDialect().auth_headers("t")
    assert headers["LinkedIn-Version"].isdigit() and len(headers["LinkedIn-Version"]) == 6
    assert headers["X-Restli-Protocol-Version"] == "2.0.0"


def test_points_for_current_and_lifetime_values():
    today = date(2026, 11, 20)
    assert current_point("followers", today, today - timedelta(7), today, 12, "f") != []
    assert current_point("followers", today, today - timedelta(7), today - timedelta(1), 12,
                         "f") == []
    assert current_point("followers", today, today, today, None, "f") == []
    point = lifetime_point("reactions", today, 5, "like_count")
    assert (point.raw_metric, point.value, point.day) == ("like_count:lifetime", 5, today)


def test_texts_match_across_platform_normalisation():
    assert same_text("Caffe\u0300  e lavoro\n", "Caffè e lavoro")
    assert not same_text("Caffè e lavoro", "Caffè e lavoro!")


def test_media_url_refuses_what_the_platform_cannot_post():
    video = OutgoingPost("v", [{"url": "https://cdn.example/v.mp4"}], PostFormat.VIDEO)
    assert media_url(video, Platform.TIKTOK, PostFormat.VIDEO) == "https://cdn.example/v.mp4"
    with pytest.raises(SyncError, match="cannot publish a TEXT post"):
        media_url(OutgoingPost("t", [], PostFormat.TEXT), Platform.TIKTOK, PostFormat.VIDEO)
    with pytest.raises(SyncError, match="needs a media URL"):
        media_url(OutgoingPost("v", [{"alt": "x"}], PostFormat.VIDEO), Platform.TIKTOK,
                  PostFormat.VIDEO)
