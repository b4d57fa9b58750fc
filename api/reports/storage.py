"""Where rendered reports are kept: files under one directory, by key, written atomically."""

from __future__ import annotations

import calendar
import os
import re
import shutil
import tempfile
from collections.abc import Iterable
from contextlib import suppress
from datetime import date
from pathlib import Path

from domain.db import after_commit
from domain.settings import get_settings

# A key is a relative path of plain segments, so it can never climb out of the root.
_KEY = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}(/[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}){0,7}$")


class StorageError(ValueError):
    """A key that is not one of ours, or a file that is not there."""


class Storage:
    """Files under `root`, named by keys like `reports/12/345.pdf`.

    A write goes to a temporary file in the same directory, is flushed to disk, then
    renamed over the key: a reader sees the old file or the whole new one, never half.
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).resolve()

    @classmethod
    def default(cls) -> Storage:
        return cls(get_settings().storage_dir)

    def path(self, key: str) -> Path:
        if not _KEY.fullmatch(key) or any(part in {".", ".."} for part in key.split("/")):
            raise StorageError(f"not a storage key: {key[:120]!r}")
        return self.root / key

    def write(self, key: str, content: bytes) -> int:
        """Store `content` under `key` (replacing any earlier file); returns its size."""
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=target.suffix)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, target)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        return len(content)

    def read(self, key: str) -> bytes:
        try:
            return self.path(key).read_bytes()
        except FileNotFoundError:
            raise StorageError(f"no stored file {key!r}") from None

    def exists(self, key: str) -> bool:
        try:
            return self.path(key).is_file()
        except StorageError:
            return False

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def delete_tree(self, prefix: str) -> None:
        """Every file under the folder `prefix` (e.g. `reports/12`), and the folder."""
        shutil.rmtree(self.path(prefix), ignore_errors=True)


def remove_after_commit(*, keys: Iterable[str] = (), folders: Iterable[str] = ()) -> None:
    """Remove these files and folders once the current transaction commits: a rollback
    keeps them, so a row never points at a file already gone. A key that is not one of
    ours (an old logo URL) is skipped."""
    keys, folders = [k for k in keys if k], list(folders)
    if not keys and not folders:
        return

    def remove() -> None:
        storage = Storage.default()
        for key in keys:
            with suppress(StorageError):
                storage.delete(key)
        for folder in folders:
            with suppress(StorageError):
                storage.delete_tree(folder)

    after_commit(remove)


def brand_folders(brand_id: int) -> list[str]:
    """Where a brand's files live: its reports and its uploaded logos."""
    return [f"reports/{brand_id}", f"brands/{brand_id}"]


def report_key(brand_id: int, report_id: int, fmt: str) -> str:
    return f"reports/{brand_id}/{report_id}.{fmt.lower()}"


def report_filename(brand_slug: str, kind: str, start: date, end: date, fmt: str) -> str:
    """An ASCII file name safe in any header or file system: `acme-roi-2026-10.pdf`."""
    slug = re.sub(r"[^a-z0-9]+", "-", brand_slug.lower()).strip("-")[:60] or "brand"
    whole_month = start.day == 1 and end == _month_end(start)
    period = f"{start:%Y-%m}" if whole_month else f"{start:%Y%m%d}-{end:%Y%m%d}"
    return f"{slug}-{str(kind).lower()}-{period}.{str(fmt).lower()}"


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])
