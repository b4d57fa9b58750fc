"""The one HTTP helper every connector uses: timeouts, rate-limit pacing, retries, masking."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
import orjson
from typing_extensions import TypeVar

from domain.connectors.base import SyncError
from domain.settings import Settings, get_settings

log = logging.getLogger("domain.connectors")

# What call() returns: the parser's result, or the JSON body (Any) when it has no parser.
T = TypeVar("T", default=Any)
Sleep = Callable[[float], Awaitable[None]]
Parse = Callable[[Any, httpx.Response], T]
# What a parser raises on a body without the documented shape: retried as malformed.
SHAPE_ERRORS = (KeyError, TypeError, ValueError, AttributeError, IndexError, ArithmeticError)
_SECRET_PARAMS = re.compile(r"((?:access_token|client_secret|refresh_token)=)[^&\s\"']+", re.I)
_BEARER = re.compile(r"(Bearer\s+)\S+", re.I)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How patient a connector is; tests shrink the waits, production reads settings."""

    max_retries: int = 5
    timeout: float = 10.0
    max_wait: float = 60.0
    """Longest single pause in-process; a platform asking for more fails the call as
    retryable with `retry_after`, so the job is re-queued instead of holding a worker."""
    backoff_base: float = 0.5
    slowdown_at: float = 0.8
    """Share of a rate-limit quota used from which calls are paced."""

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> RetryPolicy:
        s = settings or get_settings()
        return cls(max_retries=s.sync_max_retries, timeout=s.http_timeout,
                   max_wait=s.sync_max_wait)

    def backoff(self, attempt: int) -> float:
        """Exponential backoff with full jitter (attempt 0 is the first retry)."""
        return random.uniform(0, min(self.max_wait, self.backoff_base * 2 ** attempt))


@dataclass(frozen=True, slots=True)
class Failure:
    """Why one attempt failed, as the platform's dialect reads its answer."""

    code: str
    message: str
    retryable: bool = False
    retry_after: float | None = None


class Dialect:
    """How one platform authenticates, says it failed and reports its quota.

    The defaults follow HTTP: 401 expired token, 403 forbidden, 429 and 5xx retried
    (honouring Retry-After). Platforms override what they do differently.
    """

    def auth_headers(self, token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    def failure(self, response: httpx.Response, body: Any, *, publishing: bool) -> Failure | None:
        status = response.status_code
        if status < 400:
            return None
        detail = self.error_message(body) or response.reason_phrase or f"HTTP {status}"
        message = f"HTTP {status}: {detail}"
        if status == 401:
            return Failure("TOKEN_EXPIRED", message)
        if status == 429:
            return Failure("RATE_LIMITED", message, True, retry_after_header(response))
        if status >= 500:
            return Failure("PLATFORM_ERROR", message, True, retry_after_header(response))
        if status == 403 and not publishing:
            return Failure("PERMISSION_DENIED", message)
        return Failure("REJECTED" if publishing else "PLATFORM_ERROR", message)

    def error_message(self, body: Any) -> str:
        return ""

    def pause(self, response: httpx.Response, policy: RetryPolicy) -> float:
        """Seconds to wait before the next call so the quota is not exhausted."""
        return 0.0


def retry_after_header(response: httpx.Response) -> float | None:
    """Retry-After in seconds (a number or an HTTP date), None when absent or unreadable."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def mask(text: str, *secrets: str) -> str:
    """The text with tokens replaced by ***, whatever the platform echoed back."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return _BEARER.sub(r"\1***", _SECRET_PARAMS.sub(r"\1***", text))


def without_secrets(url: str) -> str:
    """A paging URL with any access_token parameter removed (we send it as a header)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if k.lower() not in {"access_token", "client_secret", "refresh_token"}]
    return urlunsplit(parts._replace(query=urlencode(query)))


class PlatformHttp:
    """Calls one platform: paced by its quota headers, retried within the policy's budget."""

    def __init__(self, client: httpx.AsyncClient, platform: str, base: str, dialect: Dialect,
                 *, policy: RetryPolicy | None = None, sleep: Sleep | None = None) -> None:
        self.client = client
        self.platform = platform
        self.base = base.rstrip("/")
        self.dialect = dialect
        self.policy = policy or RetryPolicy.from_settings()
        self.sleep = sleep or asyncio.sleep
        self._pause = 0.0
        self.platform_day: date | None = None
        """The platform's own date (its last Date header): the day current values belong to."""

    def url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else f"{self.base}{path}"

    def follow(self, next_url: str, also: frozenset[str] = frozenset()) -> str:
        """A link the platform gave (next page, upload URL) to call with the channel's token:
        the base's origin or one of the `also` https hosts only, never the token elsewhere."""
        base, target = urlsplit(self.base), urlsplit(next_url)
        known = (target.scheme, target.netloc) == (base.scheme, base.netloc) or (
            target.scheme == "https" and target.netloc in also)
        if not known:
            raise SyncError("MALFORMED_RESPONSE",
                            f"{self.platform}: a link points at another host "
                            f"({target.netloc}); not calling it with the channel's token")
        return without_secrets(next_url)

    async def call(self, method: str, path: str, *, token: str, params: Mapping[str, Any] |
                   None = None, json: Any = None, data: Mapping[str, Any] | None = None,
                   headers: Mapping[str, str] | None = None, parse: Parse[T] | None = None,
                   publishing: bool = False, content: bytes | None = None,
                   files: Mapping[str, tuple[str, bytes, str]] | None = None) -> T:
        """One platform call: parsed JSON (or `parse(body, response)`), or SyncError.

        `publishing` marks a call that creates something visible: a 4xx is the platform
        refusing the content (REJECTED) and only rate-limit refusals are retried.
        """
        url = self.url(path)
        where = f"{self.platform} {method} {urlsplit(url).path}"
        sent = {**self.dialect.auth_headers(token), **(headers or {})}
        attempt = 0
        while True:
            await self._wait_for_quota(where, token)
            failure, result = await self._attempt(method, url, sent, params, json, data, content,
                                                  files, parse, publishing)
            if failure is None:
                return result
            message = mask(f"{where}: {failure.message}", token)
            # A publishing call that timed out or failed may still have created the post:
            # only a refusal to even start (rate limited) is retried here; the job checks
            # find_published() before trying again.
            if not failure.retryable or (publishing and failure.code != "RATE_LIMITED"):
                raise SyncError(failure.code, message, retryable=failure.retryable,
                                retry_after=failure.retry_after)
            if attempt >= self.policy.max_retries:
                raise SyncError("RETRY_BUDGET_EXHAUSTED",
                                f"{message} (gave up after {attempt + 1} attempts, "
                                f"last failure {failure.code})", retryable=True)
            wait = (failure.retry_after if failure.retry_after is not None
                    else self.policy.backoff(attempt))
            # A quota pause noted from the failed answer is covered by this wait.
            wait, self._pause = max(wait, self._pause), 0.0
            if wait > self.policy.max_wait:
                raise SyncError(failure.code, f"{message} (asked to wait {wait:.0f}s)",
                                retryable=True, retry_after=wait)
            attempt += 1
            log.warning("%s; retry %d/%d in %.2fs", message, attempt, self.policy.max_retries,
                        wait)
            await self.sleep(wait)

    async def _attempt(self, method: str, url: str, headers: dict[str, str],
                       params: Mapping[str, Any] | None, json: Any,
                       data: Mapping[str, Any] | None, content: bytes | None,
                       files: Mapping[str, tuple[str, bytes, str]] | None,
                       parse: Parse[Any] | None, publishing: bool) -> tuple[Failure | None, Any]:
        timeout = self.policy.timeout
        try:
            response = await self.client.request(
                method, url, params=params, json=json, data=data, content=content,
                files=files, headers=headers, timeout=timeout)
        except httpx.TimeoutException:
            return Failure("TIMEOUT", f"no answer within {timeout:g}s", True), None
        except httpx.TransportError as exc:
            return Failure("PLATFORM_ERROR", f"connection failed ({type(exc).__name__})",
                           True), None
        self._note(response)
        body: Any = None
        malformed = False
        if response.content:
            try:
                body = orjson.loads(response.content)
            except orjson.JSONDecodeError:
                malformed = True
        failure = self.dialect.failure(response, body, publishing=publishing)
        if failure is not None:
            return failure, None
        if malformed:
            return Failure("MALFORMED_RESPONSE",
                           f"HTTP {response.status_code} with a body that is not JSON", True), None
        try:
            return None, parse(body, response) if parse else body
        except SHAPE_ERRORS as exc:
            return Failure("MALFORMED_RESPONSE",
                           f"answer without the documented shape ({type(exc).__name__}: "
                           f"{str(exc)[:120]})", True), None

    def _note(self, response: httpx.Response) -> None:
        date_header = response.headers.get("date")
        if date_header:
            with contextlib.suppress(TypeError, ValueError):
                self.platform_day = parsedate_to_datetime(date_header).astimezone(UTC).date()
        self._pause = max(self._pause, self.dialect.pause(response, self.policy))

    async def _wait_for_quota(self, where: str, token: str) -> None:
        pause, self._pause = self._pause, 0.0
        if pause <= 0:
            return
        if pause > self.policy.max_wait:
            raise SyncError("RATE_LIMITED", mask(f"{where}: the platform's quota is nearly "
                                                 f"used up for {pause:.0f}s", token),
                            retryable=True, retry_after=pause)
        log.info("%s: pacing %.2fs before the quota runs out", where, pause)
        await self.sleep(pause)

    async def download(self, url: str, max_bytes: int = 512 * 1024 * 1024) -> tuple[bytes, str]:
        """A media file to upload, fetched WITHOUT the channel's token: (bytes, type)."""
        shown = urlunsplit(urlsplit(url)._replace(query="", fragment=""))  # no signed query
        try:
            response = await self.client.get(url, timeout=self.policy.timeout,
                                             follow_redirects=True)
        except httpx.HTTPError as exc:
            raise SyncError("PLATFORM_ERROR", f"{self.platform}: the media at {shown} could not "
                            f"be fetched ({type(exc).__name__})", retryable=True) from None
        if response.status_code >= 400:
            raise SyncError("REJECTED", f"{self.platform}: the media at {shown} answered HTTP "
                                        f"{response.status_code}")
        if len(response.content) > max_bytes:
            raise SyncError("REJECTED", f"{self.platform}: the media at {shown} is larger than "
                                        f"{max_bytes} bytes")
        kind = response.headers.get("content-type", "application/octet-stream")
        return response.content, kind.split(";")[0]

    def today(self) -> date:
        """The platform's date if it told us, else ours (UTC)."""
        return self.platform_day or datetime.now(UTC).date()
