"""`coso` as a new user meets it, in real processes: the default database found from any
folder, one line for a database Coso cannot use, one line from migrate, `export | head`."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import pytest

from domain.migrate import known

ROOT = Path(__file__).resolve().parents[2]


def _env(data_home: Path, **extra: str) -> dict[str, str]:
    """The environment of someone who set nothing: no DATABASE_URL, no Redis."""
    env = {k: v for k, v in os.environ.items()
           if k not in {"DATABASE_URL", "COSO_PLATFORM_BASE_URL", "REDIS_URL"}}
    env.update(XDG_DATA_HOME=str(data_home), PYTHONPATH=str(ROOT), COLUMNS="80",
               COSO_STORAGE_DIR=str(data_home / "files"), **extra)
    return env


def coso(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "api.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory) -> Path:
    """A data folder `coso demo` has seeded, as scripts/demo does (from another folder)."""
    home = tmp_path_factory.mktemp("data")
    seeded = coso("demo", cwd=tmp_path_factory.mktemp("repo"), env=_env(home))
    assert seeded.returncode == 0, seeded.stderr
    lines = seeded.stdout.splitlines()
    assert max(map(len, lines)) <= 80 and "COMMUNITY_MANAGER" in seeded.stdout
    return home


def test_migrate_says_what_it_did_in_one_line(tmp_path):
    env = _env(tmp_path / "data")
    database = tmp_path / "data" / "coso" / "coso.db"
    first = coso("migrate", cwd=tmp_path, env=env)
    count = len(known())
    assert (first.returncode, first.stdout, first.stderr) == (
        0, f"migrated {database}: applied {count} migrations\n", "")
    again = coso("migrate", cwd=tmp_path, env=env)
    assert (again.returncode, again.stdout, again.stderr) == (
        0, f"{database} is up to date: no migrations to apply\n", "")


def test_without_database_url_every_folder_finds_the_demo_data(demo_home, tmp_path):
    listed = coso("token", "list", "--user", "owner@coso.example", cwd=tmp_path,
                  env=_env(demo_home))
    assert listed.returncode == 0, listed.stderr
    assert "API tokens of owner@coso.example" in listed.stdout
    assert list(tmp_path.iterdir()) == []  # no stray coso.db where the command ran


def _refused(result: subprocess.CompletedProcess[str], code: int) -> str:
    assert result.returncode == code, result.stderr
    assert result.stdout == "" and "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1, result.stderr  # one line
    return result.stderr


def test_a_database_coso_cannot_use_is_one_line(tmp_path):
    missing = tmp_path / "data" / "coso" / "coso.db"
    for command in (("token", "list", "--user", "a@example.com"), ("serve", "--port", "9")):
        said = _refused(coso(*command, cwd=tmp_path, env=_env(tmp_path / "data")), 2)
        assert said == (f"error: no Coso database at {missing} (DATABASE_URL is unset): run "
                        "`coso migrate` to create it\n")
    assert not missing.exists() and list(tmp_path.iterdir()) == [tmp_path / "data"]

    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    said = _refused(coso("export", "campaigns", "--brand", "acme", cwd=tmp_path,
                         env=_env(tmp_path, DATABASE_URL=f"sqlite:///{empty}")), 2)
    assert said == f"error: database {empty} has no Coso tables: run `coso migrate`\n"

    behind = tmp_path / "behind.db"
    env = _env(tmp_path, DATABASE_URL=f"sqlite:///{behind}")
    assert coso("migrate", cwd=tmp_path, env=env).returncode == 0
    with sqlite3.connect(behind) as db:
        db.execute("DELETE FROM migration WHERE name = ?", (known()[-1],))
    said = _refused(coso("user", "create", "--email", "a@example.com", "--name", "A",
                         cwd=tmp_path, env=env), 2)
    assert said == f"error: database {behind} is 1 migration behind: run `coso migrate`\n"


def test_an_unreachable_postgresql_database_is_one_line(tmp_path):
    url = urlparse(os.environ["DATABASE_URL"])
    if not url.scheme.startswith("postgres"):
        pytest.skip("needs the PostgreSQL server of the suite")
    absent = urlunparse(url._replace(path="/coso_no_such_database"))
    said = _refused(coso("token", "list", "--user", "a@example.com", cwd=tmp_path,
                         env=_env(tmp_path, DATABASE_URL=absent)), 1)
    assert said.startswith("error: cannot use database postgresql://")
    assert 'database "coso_no_such_database" does not exist' in said


def test_export_into_a_closed_pipe_stops_quietly(demo_home, tmp_path):
    """`coso export … | head -n 1` in a shell: far more rows than a pipe holds, so coso is
    still writing when head exits."""
    today = date.today()
    command = (f"{sys.executable} -m api.cli export metrics --brand torrefazione-aurora "
               f"--from {today - timedelta(days=400)} --to {today} | head -n 1; "
               'exit "${PIPESTATUS[0]}"')
    result = subprocess.run(["bash", "-c", command], cwd=tmp_path, env=_env(demo_home),
                            capture_output=True, text=True, timeout=300)
    assert result.stdout.startswith("channel,platform,post,day,metric,value,")
    assert result.stdout.count("\n") == 1
    assert (result.returncode, result.stderr) == (141, "")
