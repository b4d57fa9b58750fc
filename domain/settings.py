"""Coso's configuration, read from environment variables in this one place."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache

DEFAULT_SECRET_KEY = "coso-dev-secret-change-me"


@dataclass(frozen=True, slots=True)
class Settings:
    """Every setting Coso reads, with its documented default."""

    database_url: str
    """`DATABASE_URL`: `postgresql://user@host:5432/db` or `sqlite:///path/to/file.db`;
    unset, the SQLite file `default_database_url()` names (scripts/demo's too)."""
    redis_url: str | None
    """`REDIS_URL`: arq's queue; unset means jobs run in-process."""
    secret_key: str
    """`COSO_SECRET_KEY`: derives the keys that encrypt channel tokens."""
    host: str
    """`COSO_HOST`: address `coso serve` binds."""
    port: int
    """`COSO_PORT`: port `coso serve` binds."""
    db_pool_size: int
    """`COSO_DB_POOL_SIZE`: PostgreSQL connections per process."""
    max_query_depth: int
    """`COSO_MAX_QUERY_DEPTH`: deepest GraphQL selection accepted."""
    max_query_tokens: int
    """`COSO_MAX_QUERY_TOKENS`: longest GraphQL document accepted, in tokens."""
    max_aliases: int
    """`COSO_MAX_ALIASES`: most aliases accepted in one GraphQL document."""
    max_query_nodes: int
    """`COSO_MAX_QUERY_NODES`: most objects one GraphQL operation may ask for, counted
    before it runs as GitHub does: each connection's `first` (20 without it) times the
    sizes of the lists above it; 0 turns the check off."""
    cost_budget_per_minute: int
    """`COSO_COST_BUDGET_PER_MINUTE`: GraphQL cost points a token (or an anonymous client
    address) may spend, refilled continuously over a minute; one operation may cost at most
    this much. 0 turns the budget off."""
    graphql_timeout: float
    """`COSO_GRAPHQL_TIMEOUT`: seconds one GraphQL request may run before it is stopped
    with a TIMEOUT error; 0 for no limit."""
    rate_limit_per_minute: int
    """`COSO_RATE_LIMIT_PER_MINUTE`: HTTP requests one bearer token may make a minute
    (bursts up to this many); over it, 429 with Retry-After. 0 turns it off."""
    rate_limit_per_address_per_minute: int
    """`COSO_RATE_LIMIT_PER_ADDRESS_PER_MINUTE`: HTTP requests one client address may make a
    minute, whatever its tokens; 0 turns it off."""
    max_body_bytes: int
    """`COSO_MAX_BODY_BYTES`: largest request body accepted (GraphQL and uploads alike; a
    logo has its own, smaller limit); larger ones get 413 before they are read whole."""
    anonymous_introspection: bool
    """`COSO_ANONYMOUS_INTROSPECTION`: let callers without a token introspect the schema
    and see "Did you mean …" suggestions (signed-in callers always may)."""
    debug: bool
    """`COSO_DEBUG`: show internal error messages (never in production)."""
    platform_base_url: str | None
    """`COSO_PLATFORM_BASE_URL`: send every platform call here (the emulator) instead of
    the platforms' own hosts; unset in production."""
    http_timeout: float
    """`COSO_HTTP_TIMEOUT`: seconds before a platform call times out."""
    sync_max_retries: int
    """`COSO_SYNC_MAX_RETRIES`: retries of one platform call (429, 5xx, timeout)
    before the sync run fails."""
    sync_max_wait: float
    """`COSO_SYNC_MAX_WAIT`: longest pause, in seconds, a connector makes in-process (a
    platform's retry-after or reset, a backoff, a rate-limit slowdown); a platform asking
    for longer fails the call as retryable, so the job is re-queued that late instead."""
    sync_window_days: int
    """`COSO_SYNC_WINDOW_DAYS`: days of metrics re-read by each scheduled sync
    (platforms revise recent days)."""
    backfill_days: int
    """`COSO_BACKFILL_DAYS`: history fetched when a channel is connected."""
    job_timeout: float
    """`COSO_JOB_TIMEOUT`: seconds one background job may run; a job whose worker died is
    picked up again by another worker this long (plus 10 s) after it started."""
    storage_dir: str
    """`COSO_STORAGE_DIR`: where rendered reports and uploaded brand files are kept."""
    template_dir: str | None
    """`COSO_TEMPLATE_DIR`: report template overrides, one folder per workspace slug."""
    smtp_host: str
    """`COSO_SMTP_HOST`: mail server for scheduled reports."""
    smtp_port: int
    """`COSO_SMTP_PORT`: its port."""
    smtp_tls: str
    """`COSO_SMTP_TLS`: `none`, `starttls` or `tls`."""
    smtp_username: str
    """`COSO_SMTP_USERNAME`: login, empty for none."""
    smtp_password: str
    """`COSO_SMTP_PASSWORD`: password."""
    mail_from: str
    """`COSO_MAIL_FROM`: sender address of report e-mails."""
    report_time_limit: float
    """`COSO_REPORT_TIME_LIMIT`: seconds one report may take to render before it is killed."""
    report_memory_mb: int
    """`COSO_REPORT_MEMORY_MB`: address space, in MiB, of the process rendering one report."""
    public_url: str
    """`COSO_PUBLIC_URL`: the address users reach this server at, for links in e-mails."""
    invitation_days: int
    """`COSO_INVITATION_DAYS`: days an invitation or a recipient confirmation link is valid."""
    max_workspaces_per_user: int
    """`COSO_MAX_WORKSPACES_PER_USER`: workspaces one user may own."""
    max_schedules_per_brand: int
    """`COSO_MAX_SCHEDULES_PER_BRAND`: report schedules of one brand."""
    max_recipients_per_schedule: int
    """`COSO_MAX_RECIPIENTS_PER_SCHEDULE`: recipients of one report schedule."""
    max_upload_bytes: int
    """`COSO_MAX_UPLOAD_BYTES`: largest uploaded file (a logo), in bytes."""
    max_pending_invitations: int
    best_time_min_posts: int
    """`COSO_BEST_TIME_MIN_POSTS`: measured posts a weekday-hour slot needs before
    `bestTimes` advises it."""
    """`COSO_MAX_PENDING_INVITATIONS`: pending invitations of one brand (or to one
    workspace's administration) at once."""
    log_format: str
    """`COSO_LOG_FORMAT`: `json` (one object a line) or `console` (for a person); unset,
    console when stderr is a terminal, else JSON."""
    log_level: str
    """`COSO_LOG_LEVEL`: the least severe level logged (`DEBUG`, `INFO`, `WARNING`, ...)."""
    metrics_token: str | None
    """`COSO_METRICS_TOKEN`: set, `/metrics` answers whoever sends `Authorization: Bearer
    <it>`; unset, only callers on the loopback address."""
    worker_metrics_port: int
    """`COSO_WORKER_METRICS_PORT`: port of `coso worker`'s `/metrics` (0: none)."""
    worker_metrics_host: str
    """`COSO_WORKER_METRICS_HOST`: address that `/metrics` binds."""
    oauth_clients: dict[str, tuple[str, str]]
    """`COSO_<PLATFORM>_CLIENT_ID` / `COSO_<PLATFORM>_CLIENT_SECRET` (FACEBOOK, INSTAGRAM,
    LINKEDIN, X, YOUTUBE, TIKTOK): Coso's app on each platform, platform → (id, secret).
    With COSO_PLATFORM_BASE_URL set (the emulator), a platform left out uses the
    emulator's app `coso-emulator`."""
    oauth_state_minutes: int
    """`COSO_OAUTH_STATE_MINUTES`: minutes an authorization (its `state`) may take."""
    token_refresh_ahead: float
    """`COSO_TOKEN_REFRESH_AHEAD`: seconds before an access token expires that it is
    refreshed (more than the planner's period, 10 minutes)."""
    sentiment_model: str
    """`COSO_SENTIMENT_MODEL`: which sentiment model `domain.sentiment` uses: a name in
    `domain.sentiment.MODELS` (`lexicon`, the default) or `package.module:factory`, a
    callable returning a `SentimentModel`."""
    max_subscriptions_per_connection: int
    """`COSO_MAX_SUBSCRIPTIONS_PER_CONNECTION`: live subscriptions one WebSocket may hold."""
    max_subscriptions_per_viewer: int
    """`COSO_MAX_SUBSCRIPTIONS_PER_VIEWER`: live subscriptions one user may hold on one API
    process, over all their connections and tokens."""
    webhook_allow_private: bool
    """`COSO_WEBHOOK_ALLOW_PRIVATE`: let webhook URLs be `http://` and resolve to private,
    loopback, link-local or reserved addresses (tests, a receiver on the same host); never
    in production."""
    webhook_timeout: float
    """`COSO_WEBHOOK_TIMEOUT`: seconds one webhook delivery attempt may take."""
    webhook_max_attempts: int
    """`COSO_WEBHOOK_MAX_ATTEMPTS`: attempts of one delivery before it is given up."""
    webhook_retry_base: float
    """`COSO_WEBHOOK_RETRY_BASE`: seconds before the first retry; each later one waits
    `COSO_WEBHOOK_RETRY_FACTOR` times longer."""
    webhook_retry_factor: float
    """`COSO_WEBHOOK_RETRY_FACTOR`: growth of the pause between attempts."""
    webhook_disable_after: int
    """`COSO_WEBHOOK_DISABLE_AFTER`: consecutive failed deliveries (each after all its
    attempts) after which an endpoint is disabled."""
    max_webhooks_per_workspace: int
    """`COSO_MAX_WEBHOOKS_PER_WORKSPACE`: endpoints one workspace may register."""

    @property
    def uses_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def secret_key_is_default(self) -> bool:
        return self.secret_key == DEFAULT_SECRET_KEY


def default_database_url() -> str:
    """SQLite in the user's data folder, not the current one: scripts/demo seeds this file,
    so `coso` commands run from any folder afterwards find the demo's data."""
    data = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local",
                                                           "share")
    return "sqlite:///" + os.path.join(os.path.abspath(data), "coso", "coso.db")


def _flag(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


OAUTH_PLATFORMS = ("facebook", "instagram", "linkedin", "x", "youtube", "tiktok")
EMULATOR_CLIENT = ("coso-emulator", "coso-emulator-secret")


def _oauth_clients(env: os._Environ[str] | dict[str, str]) -> dict[str, tuple[str, str]]:
    found = {}
    for platform in OAUTH_PLATFORMS:
        client_id = env.get(f"COSO_{platform.upper()}_CLIENT_ID", "").strip()
        secret = env.get(f"COSO_{platform.upper()}_CLIENT_SECRET", "").strip()
        if client_id:
            found[platform] = (client_id, secret)
        elif env.get("COSO_PLATFORM_BASE_URL"):
            found[platform] = EMULATOR_CLIENT
    return found


@cache
def get_settings() -> Settings:
    """Read the environment once per process."""
    env = os.environ
    return Settings(
        database_url=env.get("DATABASE_URL") or default_database_url(),
        redis_url=env.get("REDIS_URL") or None,
        secret_key=env.get("COSO_SECRET_KEY", DEFAULT_SECRET_KEY),
        host=env.get("COSO_HOST", "127.0.0.1"),
        port=int(env.get("COSO_PORT", "8000")),
        db_pool_size=int(env.get("COSO_DB_POOL_SIZE", "10")),
        max_query_depth=int(env.get("COSO_MAX_QUERY_DEPTH", "15")),
        max_query_tokens=int(env.get("COSO_MAX_QUERY_TOKENS", "2000")),
        max_aliases=int(env.get("COSO_MAX_ALIASES", "30")),
        max_query_nodes=int(env.get("COSO_MAX_QUERY_NODES", "10000")),
        cost_budget_per_minute=int(env.get("COSO_COST_BUDGET_PER_MINUTE", "50000")),
        graphql_timeout=float(env.get("COSO_GRAPHQL_TIMEOUT", "30")),
        rate_limit_per_minute=int(env.get("COSO_RATE_LIMIT_PER_MINUTE", "600")),
        rate_limit_per_address_per_minute=int(
            env.get("COSO_RATE_LIMIT_PER_ADDRESS_PER_MINUTE", "3000")),
        max_body_bytes=int(env.get("COSO_MAX_BODY_BYTES", str(10 * 1024 * 1024))),
        anonymous_introspection=_flag(env.get("COSO_ANONYMOUS_INTROSPECTION", "")),
        debug=_flag(env.get("COSO_DEBUG", "")),
        platform_base_url=env.get("COSO_PLATFORM_BASE_URL") or None,
        http_timeout=float(env.get("COSO_HTTP_TIMEOUT", "10")),
        sync_max_retries=int(env.get("COSO_SYNC_MAX_RETRIES", "5")),
        sync_max_wait=float(env.get("COSO_SYNC_MAX_WAIT", "60")),
        sync_window_days=int(env.get("COSO_SYNC_WINDOW_DAYS", "7")),
        backfill_days=int(env.get("COSO_BACKFILL_DAYS", "90")),
        job_timeout=float(env.get("COSO_JOB_TIMEOUT", "600")),
        storage_dir=env.get("COSO_STORAGE_DIR", "var/files"),
        template_dir=env.get("COSO_TEMPLATE_DIR") or None,
        smtp_host=env.get("COSO_SMTP_HOST", "127.0.0.1"),
        smtp_port=int(env.get("COSO_SMTP_PORT", "25")),
        smtp_tls=env.get("COSO_SMTP_TLS", "none"),
        smtp_username=env.get("COSO_SMTP_USERNAME", ""),
        smtp_password=env.get("COSO_SMTP_PASSWORD", ""),
        mail_from=env.get("COSO_MAIL_FROM", "reports@coso.example"),
        report_time_limit=float(env.get("COSO_REPORT_TIME_LIMIT", "120")),
        report_memory_mb=int(env.get("COSO_REPORT_MEMORY_MB", "1536")),
        public_url=(env.get("COSO_PUBLIC_URL") or "http://{}:{}".format(
            env.get("COSO_HOST", "127.0.0.1"), env.get("COSO_PORT", "8000"))).rstrip("/"),
        invitation_days=int(env.get("COSO_INVITATION_DAYS", "7")),
        max_workspaces_per_user=int(env.get("COSO_MAX_WORKSPACES_PER_USER", "10")),
        max_schedules_per_brand=int(env.get("COSO_MAX_SCHEDULES_PER_BRAND", "10")),
        max_recipients_per_schedule=int(env.get("COSO_MAX_RECIPIENTS_PER_SCHEDULE", "20")),
        max_upload_bytes=int(env.get("COSO_MAX_UPLOAD_BYTES", str(2 * 1024 * 1024))),
        max_pending_invitations=int(env.get("COSO_MAX_PENDING_INVITATIONS", "50")),
        best_time_min_posts=int(env.get("COSO_BEST_TIME_MIN_POSTS", "3")),
        log_format=env.get("COSO_LOG_FORMAT", "").strip().lower(),
        log_level=env.get("COSO_LOG_LEVEL", "INFO").strip().upper() or "INFO",
        metrics_token=env.get("COSO_METRICS_TOKEN") or None,
        worker_metrics_port=int(env.get("COSO_WORKER_METRICS_PORT", "9464")),
        worker_metrics_host=env.get("COSO_WORKER_METRICS_HOST", "127.0.0.1"),
        sentiment_model=env.get("COSO_SENTIMENT_MODEL", "").strip() or "lexicon",
        max_subscriptions_per_connection=int(
            env.get("COSO_MAX_SUBSCRIPTIONS_PER_CONNECTION", "10")),
        max_subscriptions_per_viewer=int(env.get("COSO_MAX_SUBSCRIPTIONS_PER_VIEWER", "50")),
        webhook_allow_private=_flag(env.get("COSO_WEBHOOK_ALLOW_PRIVATE", "")),
        webhook_timeout=float(env.get("COSO_WEBHOOK_TIMEOUT", "10")),
        webhook_max_attempts=int(env.get("COSO_WEBHOOK_MAX_ATTEMPTS", "6")),
        webhook_retry_base=float(env.get("COSO_WEBHOOK_RETRY_BASE", "30")),
        webhook_retry_factor=float(env.get("COSO_WEBHOOK_RETRY_FACTOR", "4")),
        webhook_disable_after=int(env.get("COSO_WEBHOOK_DISABLE_AFTER", "5")),
        max_webhooks_per_workspace=int(env.get("COSO_MAX_WEBHOOKS_PER_WORKSPACE", "20")),
        oauth_clients=_oauth_clients(env),
        oauth_state_minutes=int(env.get("COSO_OAUTH_STATE_MINUTES", "15")),
        token_refresh_ahead=float(env.get("COSO_TOKEN_REFRESH_AHEAD", "1800")),
    )
