# shellcheck shell=bash
# Shared helpers for scripts/test, scripts/demo and .ci/run: the virtualenv and local services.
#
# Sourced by scripts that run under `set -euo pipefail`. Every function either leaves its
# thing working or stops the script with one clear `error:` line saying what to do.

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export REPO_ROOT

LOCAL_DATABASE_URL="postgresql://postgres@127.0.0.1:5432/postgres"
LOCAL_REDIS_URL="redis://127.0.0.1:6379/15"
SERVICE_WAIT_SECONDS="${SERVICE_WAIT_SECONDS:-30}"

say() { printf '==> %s\n' "$*" >&2; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() {
    printf 'error: %s\n' "$*" >&2
    exit 1
}
have() { command -v "$1" >/dev/null 2>&1; }

# Runs a command as root: directly when we are root, else through passwordless sudo.
as_root() {
    if [[ $(id -u) -eq 0 ]]; then
        "$@"
    elif have sudo && sudo -n true 2>/dev/null; then
        sudo -n "$@"
    else
        die "need root (or passwordless sudo) to run: $*"
    fi
}

# Installs Debian packages without asking anything; a held apt lock is waited for.
apt_install() {
    have apt-get || die "cannot install $*: apt-get not found (install it by hand)"
    say "installing $* with apt-get"
    local log
    log="$(mktemp)"
    if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 \
        update >"$log" 2>&1 ||
        ! as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 \
            install -y --no-install-recommends \
            -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
            "$@" >>"$log" 2>&1; then
        tail -n 40 "$log" >&2
        rm -f "$log"
        die "apt-get could not install $*"
    fi
    rm -f "$log"
}

# True when something accepts TCP connections on host:port (bash's /dev/tcp, 2 s limit).
tcp_open() {
    # shellcheck disable=SC2016 # $1 and $2 expand in the inner bash
    timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$1" "$2" 2>/dev/null
}

# Prints "host port" of a URL (postgresql://, redis://, ...), with a default port.
url_host_port() {
    local url="$1" default_port="$2" rest host port
    rest="${url#*://}"
    rest="${rest%%[/?#]*}"
    rest="${rest##*@}"
    if [[ $rest == \[* ]]; then # [::1]:5432
        host="${rest%%]*}"
        host="${host#[}"
        port="${rest#*]}"
        port="${port#:}"
    else
        host="${rest%%:*}"
        port="${rest#"$host"}"
        port="${port#:}"
    fi
    printf '%s %s\n' "${host:-127.0.0.1}" "${port:-$default_port}"
}

# A URL fit for logs: any password replaced by ***.
redact_url() {
    sed -E 's#^([a-z0-9+.-]+://[^/@:]*):[^/@]*@#\1:***@#' <<<"$1"
}

is_local_host() {
    [[ $1 == 127.0.0.1 || $1 == localhost || $1 == ::1 ]]
}

# Calls "$@" until it succeeds or SERVICE_WAIT_SECONDS pass; returns its last status.
wait_for() {
    local deadline=$((SECONDS + SERVICE_WAIT_SECONDS))
    until "$@"; do
        ((SECONDS < deadline)) || return 1
        sleep 0.5
    done
}

# --- Python ---------------------------------------------------------------------------

# Prints the first Python 3.11+ that can make a virtualenv: $PYTHON, python3 on PATH, then
# pyenv's (CI may run with a PATH that lacks pyenv's shims).
find_python() {
    local candidate
    for candidate in "${PYTHON:-}" python3 python3.13 python3.12 python3.11 \
        "${PYENV_ROOT:-$HOME/.pyenv}"/shims/python3 "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.1[1-9]*/bin/python3; do
        if [[ -z $candidate ]] || ! have "$candidate"; then
            continue
        fi
        if "$candidate" -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))' \
            >/dev/null 2>&1; then
            command -v "$candidate"
            return 0
        fi
    done
    return 1
}

# What the editable install depends on: pyproject.toml, and which top-level packages exist
# (setuptools' editable finder maps only the packages present at install time, so a pull
# that adds `reporting/` needs a reinstall even though pyproject.toml did not change).
install_fingerprint() {
    (
        cd "$REPO_ROOT" || exit
        cat pyproject.toml
        printf '%s\n' */__init__.py
    ) | sha256sum | cut -d' ' -f1
}

# .venv at the repo root with `pip install -e '.[test]'`, redone only when the install
# fingerprint changes (kept in .venv/.coso-installed), so reruns take no time.
ensure_venv() {
    local venv="$REPO_ROOT/.venv" stamp="$REPO_ROOT/.venv/.coso-installed"
    local lock want python log
    lock="${TMPDIR:-/tmp}/coso-venv-$(printf '%s' "$REPO_ROOT" | cksum | cut -d' ' -f1).lock"

    # Two runs in the same tree (CI and a developer, say) must not pip-install at once.
    exec 9>"$lock"
    if have flock; then
        flock -w 900 9 || die "timed out waiting for another run to finish installing .venv"
    fi

    if [[ -d $venv ]] && ! "$venv/bin/python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
        2>/dev/null; then
        say "recreating .venv (its python is missing, broken or older than 3.11)"
        rm -rf "$venv"
    fi
    if [[ ! -d $venv ]]; then
        python="$(find_python)" ||
            die "Python 3.11 or newer with venv is needed (python3 is $(python3 --version 2>&1 || echo 'missing')); install it (Debian: apt-get install python3 python3-venv) or set PYTHON=/path/to/python3.11"
        say "creating .venv with $("$python" --version 2>&1) ($python)"
        "$python" -m venv "$venv" ||
            die "could not create .venv with $python (on Debian: apt-get install python3-venv)"
    fi

    want="$(install_fingerprint)"
    if [[ -f $stamp && $(<"$stamp") == "$want" ]] &&
        "$venv/bin/python" -c 'import importlib.metadata as m; m.version("coso")' 2>/dev/null; then
        exec 9>&-
        return 0
    fi
    say "installing Coso and its test dependencies into .venv (pip install -e '.[test]')"
    log="$(mktemp)"
    if ! (cd "$REPO_ROOT" && PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 \
        "$venv/bin/python" -m pip install -e '.[test]' >"$log" 2>&1); then
        cat "$log" >&2
        rm -f "$log"
        die "pip install -e '.[test]' failed (output above)"
    fi
    rm -f "$log"
    printf '%s\n' "$want" >"$stamp"
    exec 9>&-
}

# --- PostgreSQL -----------------------------------------------------------------------

pg_ready() { # host port
    if have pg_isready; then
        pg_isready -q -h "$1" -p "$2" -t 2
    else
        tcp_open "$1" "$2"
    fi
}

# Prints the Debian cluster version to start: the first with a `main` cluster.
pg_cluster_version() {
    local dir
    [[ -d /etc/postgresql ]] || return 1
    for dir in /etc/postgresql/*/main; do
        [[ -d $dir ]] || continue
        basename "$(dirname "$dir")"
        return 0
    done
    return 1
}

# Local TCP as `postgres` with no password; on a fresh install, trust 127.0.0.1 and reload.
pg_ensure_trust() {
    local version="$1" hba
    have psql || return 0
    if psql -h 127.0.0.1 -p 5432 -U postgres -d postgres -w -Atqc 'select 1' >/dev/null 2>&1; then
        return 0
    fi
    hba="/etc/postgresql/$version/main/pg_hba.conf"
    [[ -f $hba ]] || die "cannot connect as postgres on 127.0.0.1:5432 and $hba is missing"
    say "allowing local TCP connections without a password (trust for 127.0.0.1 in $hba)"
    # pg_hba.conf is first match wins, so the trust lines go on top.
    as_root sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main reload
    wait_for psql -h 127.0.0.1 -p 5432 -U postgres -d postgres -w -Atqc 'select 1' \
        >/dev/null 2>&1 ||
        die "still cannot connect as postgres on 127.0.0.1:5432 after trusting it in $hba"
}

# Makes the Debian cluster answer on 127.0.0.1:5432, installing PostgreSQL if needed.
pg_start_local() {
    local version installed=""
    if ! have pg_ctlcluster || ! pg_cluster_version >/dev/null; then
        apt_install postgresql
        installed=1
    fi
    version="$(pg_cluster_version)" ||
        die "PostgreSQL is installed but has no cluster in /etc/postgresql/*/main (create one: pg_createcluster <version> main)"
    say "starting PostgreSQL $version (cluster main)"
    as_root install -d -o postgres -g postgres -m 2775 /var/run/postgresql 2>/dev/null || true
    # Installing may already have started it; "already running" is not an error then.
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start ||
        pg_ready 127.0.0.1 5432 ||
        die "could not start PostgreSQL $version (see /var/log/postgresql/postgresql-$version-main.log)"
    wait_for pg_ready 127.0.0.1 5432 ||
        die "PostgreSQL $version started but does not answer on 127.0.0.1:5432 after ${SERVICE_WAIT_SECONDS}s (see /var/log/postgresql/postgresql-$version-main.log)"
    if [[ -n $installed ]] || [[ $(id -u) -eq 0 ]]; then
        pg_ensure_trust "$version"
    fi
}

# PostgreSQL for the tests: DATABASE_URL's server if it names a remote one, else the local
# one on 127.0.0.1:5432 (started or installed when needed). Exports DATABASE_URL.
ensure_postgres() {
    local host port
    if [[ -n ${DATABASE_URL:-} && ! $DATABASE_URL =~ ^postgres(ql)?:// ]]; then
        warn "DATABASE_URL=$DATABASE_URL is not PostgreSQL; using $LOCAL_DATABASE_URL"
        DATABASE_URL=""
    fi
    if [[ -n ${DATABASE_URL:-} ]]; then
        read -r host port < <(url_host_port "$DATABASE_URL" 5432)
        if ! is_local_host "$host" || [[ $port != 5432 ]]; then
            if ! pg_ready "$host" "$port"; then
                say "waiting for PostgreSQL at $host:$port"
                wait_for pg_ready "$host" "$port" ||
                    die "PostgreSQL at $host:$port (DATABASE_URL) does not accept connections after ${SERVICE_WAIT_SECONDS}s"
            fi
            export DATABASE_URL
            return 0
        fi
    fi
    if ! pg_ready 127.0.0.1 5432; then
        # Accepting TCP but not yet ready (starting up, recovering): give it a moment first.
        if tcp_open 127.0.0.1 5432; then
            say "waiting for PostgreSQL on 127.0.0.1:5432"
            wait_for pg_ready 127.0.0.1 5432 ||
                die "something listens on 127.0.0.1:5432 but PostgreSQL does not become ready"
        else
            pg_start_local
        fi
    fi
    export DATABASE_URL="${DATABASE_URL:-$LOCAL_DATABASE_URL}"
}

# --- Redis ----------------------------------------------------------------------------

redis_ready() { # host port
    if have redis-cli; then
        [[ $(redis-cli -h "$1" -p "$2" ping 2>/dev/null) == PONG ]]
    else
        tcp_open "$1" "$2"
    fi
}

redis_start_local() {
    have redis-server || apt_install redis-server
    # The package's own service may have come up with the install.
    redis_ready 127.0.0.1 6379 && return 0
    say "starting Redis on 127.0.0.1:6379"
    as_root mkdir -p /var/lib/redis /var/log/redis
    as_root redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" \
        --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log ||
        die "could not start redis-server (see /var/log/redis/ci.log)"
    wait_for redis_ready 127.0.0.1 6379 ||
        die "Redis does not answer on 127.0.0.1:6379 after ${SERVICE_WAIT_SECONDS}s (see /var/log/redis/ci.log)"
}

# Redis for the tests: REDIS_URL's server if it names a remote one, else the local one on
# 127.0.0.1:6379 (started or installed when needed). Exports REDIS_URL.
ensure_redis() {
    local host port
    if [[ -n ${REDIS_URL:-} ]]; then
        read -r host port < <(url_host_port "$REDIS_URL" 6379)
        if ! is_local_host "$host" || [[ $port != 6379 ]]; then
            # Only TCP: a remote server may want a password or TLS that redis-cli lacks here.
            if ! tcp_open "$host" "$port"; then
                say "waiting for Redis at $host:$port"
                wait_for tcp_open "$host" "$port" ||
                    die "Redis at $host:$port (REDIS_URL) does not answer after ${SERVICE_WAIT_SECONDS}s"
            fi
            export REDIS_URL
            return 0
        fi
    fi
    redis_ready 127.0.0.1 6379 || redis_start_local
    export REDIS_URL="${REDIS_URL:-$LOCAL_REDIS_URL}"
}

# --- Report rendering -------------------------------------------------------------------

have_lib() { ldconfig -p 2>/dev/null | grep -q "$1"; }

# WeasyPrint's system libraries: Pango to lay out text (required), HarfBuzz's subsetter to
# embed fonts quickly and without a warning (PDFs still render without it, several times
# slower). Installed with apt when missing.
ensure_report_libs() {
    have_lib libpangoft2-1.0.so.0 || apt_install libpango-1.0-0 libpangoft2-1.0-0
    have_lib libharfbuzz-subset.so.0 || (apt_install libharfbuzz-subset0) ||
        warn "libharfbuzz-subset0 is missing: reports render, but slowly"
    # pdftoppm rasterises report pages for the visual regression test.
    have pdftoppm || (apt_install poppler-utils) ||
        warn "poppler-utils is missing: the visual regression test is skipped"
}

# --- Browser tests ----------------------------------------------------------------------

# Debian's Chromium, which the Playwright tests launch as /usr/bin/chromium (Playwright's
# own browser download is not used).
ensure_chromium() {
    [[ -x /usr/bin/chromium ]] || apt_install chromium
}
