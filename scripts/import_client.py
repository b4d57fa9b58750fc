#!/usr/bin/env python3
"""Example client: bulk-import a CSV or NDJSON file into Coso over GraphQL, in batches.

    COSO_TOKEN=coso_… python scripts/import_client.py posts plan.csv --brand acme
    python scripts/import_client.py metrics insights.csv --brand acme --token coso_… \\
        --url https://coso.example/graphql --skip-invalid

It needs only httpx and rich. The file's columns (an NDJSON file's keys) are the import
columns (`coso import`'s, see the README; `--map canale=channel` reads other names;
columns that are no import field, like an export's KPIs, are skipped and named). Rows go
in batches of up to 1,000 through importPosts / importCampaigns / importMetrics; each
batch is all or nothing. Without --skip-invalid the client stops at the first refused batch (earlier
batches stay written). Network errors, 429 and 5xx answers are retried with exponential
backoff: safe, because an import is idempotent (a batch sent twice is unchanged the
second time). Exit code 0: all rows imported; 1: rows refused or the import stopped;
2: bad invocation, authentication or brand.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import re
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import httpx
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

MUTATIONS = {"posts": ("importPosts", "PostImportItem"),
             "campaigns": ("importCampaigns", "CampaignImportItem"),
             "metrics": ("importMetrics", "MetricImportItem")}
MAX_BATCH = 1000
RETRYABLE_STATUS = {429, 500, 502, 503, 504}
BRAND_QUERY = ("query($slug: String!, $workspace: String) "
               "{ brand(slug: $slug, workspace: $workspace) { id name } }")
FIELDS_QUERY = "query($name: String!) { __type(name: $name) { inputFields { name } } }"
IMPORT_MUTATION = """
mutation($brand: ID!, $items: [{item}!]!, $skip: Boolean!, $source: String) {{
  {mutation}(brand: $brand, items: $items, skipInvalid: $skip, source: $source) {{
    items inserted updated unchanged rejected written userErrors {{ field code message }}
  }}
}}"""
ITEM_PATH = re.compile(r"^items\.(\d+)(?:\.(.+))?$")

console = Console(stderr=True, highlight=False)


class Stop(Exception):
    """End the run with a message and an exit code."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class Totals:
    items: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    problems: list[tuple[int, str, str, str]] = field(default_factory=list)
    """(CSV line, field, code, message)."""
    retries: int = 0


class Api:
    """POST GraphQL documents; transient failures are retried with exponential backoff."""

    def __init__(self, url: str, token: str, *, retries: int, timeout: float,
                 backoff: float) -> None:
        self.client = httpx.Client(headers={"Authorization": f"Bearer {token}"},
                                   timeout=timeout)
        self.url = url
        self.retries = retries
        self.backoff = backoff
        self.retried = 0

    def call(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        for attempt in range(self.retries + 1):
            try:
                response = self.client.post(self.url, json={"query": query,
                                                            "variables": variables})
            except httpx.TransportError as error:
                failure = f"{type(error).__name__}: {error}"
                wait = None
            else:
                if response.status_code not in RETRYABLE_STATUS:
                    return self._data(response)
                failure = f"HTTP {response.status_code}"
                wait = _retry_after(response)
            if attempt == self.retries:
                raise Stop(f"giving up after {self.retries + 1} attempts: {failure}", 1)
            delay = wait if wait is not None else self.backoff * 2 ** attempt * (
                0.5 + random.random())  # jitter, so clients do not retry in step
            console.print(f"[yellow]{failure}; retrying in {delay:.1f} s[/]")
            self.retried += 1
            time.sleep(delay)
        raise AssertionError("unreachable")

    def _data(self, response: httpx.Response) -> dict[str, Any]:
        try:
            body = response.json()
        except ValueError:
            raise Stop(f"HTTP {response.status_code} from {self.url}: not a GraphQL "
                       "answer", 2) from None
        errors = body.get("errors") or []
        if errors:
            raise Stop("; ".join(e.get("message", "?") for e in errors), 2)
        if response.status_code != 200 or body.get("data") is None:
            raise Stop(f"HTTP {response.status_code} from {self.url}", 2)
        return body["data"]

    def close(self) -> None:
        self.client.close()


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "")
    return float(value) if value.replace(".", "", 1).isdigit() else None


def _renames(pairs: list[str], known: dict[str, str]) -> dict[str, str]:
    """--map "file column=field" options as {normalised file column: GraphQL field}."""
    renames = {}
    for pair in pairs:
        column, equals, target = pair.partition("=")
        if not equals or _normalise(target) not in known:
            raise Stop(f"--map {pair!r}: write FILE_COLUMN=FIELD, FIELD one of "
                       f"{', '.join(sorted(known.values()))}", 2)
        renames[_normalise(column)] = known[_normalise(target)]
    return renames


def _normalise(name: str) -> str:
    return re.sub(r"[\s\-._]+", "", name.replace("\ufeff", "")).lower()


class CountingLines:
    """A binary file's lines as text, counting bytes read for the progress bar."""

    def __init__(self, stream: BinaryIO, encoding: str) -> None:
        self.stream = stream
        self.encoding = encoding
        self.read = 0

    def __iter__(self) -> Iterator[str]:
        for raw in self.stream:
            self.read += len(raw)
            yield raw.decode(self.encoding)


def read_rows(lines: CountingLines, delimiter: str | None
              ) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """The header and (line, cells) per row; `;`, `,` or tab sniffed from the header."""
    iterator = iter(lines)
    first = next(iterator, "")
    if not first.strip():
        raise Stop("the file is empty: it needs a header row", 2)
    if delimiter is None:
        delimiter = max((",", ";", "\t"), key=first.count)

    def chained() -> Iterator[str]:
        yield first
        yield from iterator

    reader = csv.reader(chained(), delimiter=delimiter, strict=True)
    header = next(reader)

    def rows() -> Iterator[tuple[int, list[str]]]:
        start = reader.line_num + 1
        for cells in reader:
            if any(c.strip() for c in cells):
                yield start, cells
            start = reader.line_num + 1

    return header, rows()


def read_ndjson(lines: CountingLines, path: Path
                ) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """The header (every key any line has, as `coso import` reads NDJSON: the file is read
    once more for it) and (line, cells) per object; a value that is not text goes as the
    JSON it is (a list of tags stays a list), a key a line lacks as an empty cell."""
    keys: dict[str, None] = {}
    with path.open("rb") as again:
        for number, text in enumerate(CountingLines(again, lines.encoding), start=1):
            if text.strip():
                keys.update(dict.fromkeys(_object(text, number)))
    header = list(keys)

    def rows() -> Iterator[tuple[int, list[str]]]:
        for number, text in enumerate(lines, start=1):
            if text.strip():
                item = _object(text, number)
                yield number, [_cell(item.get(key)) for key in header]

    return header, rows()


def _object(text: str, line: int) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError as error:
        raise Stop(f"line {line} is not valid JSON: {error}", 2) from None
    if not isinstance(value, dict):
        raise Stop(f"line {line} is not a JSON object {{...}}", 2)
    return value


def _cell(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def batches(rows: Iterator[tuple[int, list[str]]], columns: list[tuple[int, str]],
            size: int) -> Iterator[tuple[list[int], list[dict[str, str]]]]:
    """(CSV lines, items) of up to `size` rows. Every column goes in every item, an empty
    cell as "": as in `coso import`, an empty cell empties the field."""
    lines: list[int] = []
    items: list[dict[str, str]] = []
    for line, cells in rows:
        lines.append(line)
        items.append({name: cells[i] if i < len(cells) else "" for i, name in columns})
        if len(items) == size:
            yield lines, items
            lines, items = [], []
    if items:
        yield lines, items


def run(args: argparse.Namespace) -> int:
    token = args.token or os.environ.get("COSO_TOKEN", "")
    if not token:
        raise Stop("give --token or set COSO_TOKEN", 2)
    if not 1 <= args.batch_size <= MAX_BATCH:
        raise Stop(f"--batch-size is 1 to {MAX_BATCH}", 2)
    path = Path(args.file)
    if not path.is_file():
        raise Stop(f"no file {path}", 2)
    mutation, item_type = MUTATIONS[args.entity]
    api = Api(args.url, token, retries=args.retries, timeout=args.timeout,
              backoff=args.backoff)
    try:
        brand = api.call(BRAND_QUERY, {"slug": args.brand,
                                       "workspace": args.workspace})["brand"]
        if brand is None:
            raise Stop(f"no brand {args.brand!r} that this token can see", 2)
        known = {_normalise(f["name"]): f["name"] for f in api.call(
            FIELDS_QUERY, {"name": item_type})["__type"]["inputFields"]}
        totals = Totals()
        with path.open("rb") as stream:
            lines = CountingLines(stream, args.encoding)
            header, rows = (read_ndjson(lines, path) if _is_ndjson(path, args.format)
                            else read_rows(lines, args.delimiter))
            renames = _renames(args.map, known)
            names = [renames.get(_normalise(h), known.get(_normalise(h))) for h in header]
            columns = [(i, name) for i, name in enumerate(names) if name]
            skipped = [h for h, name in zip(header, names, strict=True) if h.strip() and not name]
            if skipped:
                console.print(f"skipping columns that are not {args.entity} fields: "
                              f"{', '.join(skipped)}")
            document = IMPORT_MUTATION.format(mutation=mutation, item=item_type)
            stopped = _send(api, document, mutation, brand["id"], rows, columns, lines,
                            path, args, totals)
        totals.retries = api.retried
    except UnicodeDecodeError as error:
        raise Stop(f"{path} is not {args.encoding} (byte offset {error.start} of a line): "
                   "give --encoding", 2) from None
    except csv.Error as error:
        raise Stop(f"{path} is not a well-formed CSV: {error}", 2) from None
    finally:
        api.close()
    _summary(totals, brand["name"], stopped)
    return 1 if stopped or totals.rejected else 0


def _send(api: Api, document: str, mutation: str, brand_id: str,
          rows: Iterator[tuple[int, list[str]]], columns: list[tuple[int, str]],
          lines: CountingLines, path: Path, args: argparse.Namespace, totals: Totals) -> bool:
    """Send every batch; True when a refused batch stopped the import."""
    size = path.stat().st_size
    with Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
                  TextColumn("{task.fields[rows]:,} rows · {task.fields[speed]} rows/s"),
                  TimeRemainingColumn(), console=console) as bar:
        task = bar.add_task(f"{args.entity} → {path.name}", total=size, rows=0, speed="–")
        started = time.monotonic()
        for batch_lines, items in batches(rows, columns, args.batch_size):
            result = api.call(document, {"brand": brand_id, "items": items,
                                         "skip": args.skip_invalid,
                                         "source": args.source or path.name})[mutation]
            _add(totals, result, batch_lines)
            elapsed = max(time.monotonic() - started, 1e-9)
            bar.update(task, completed=lines.read, rows=totals.items,
                       speed=f"{totals.items / elapsed:,.0f}")
            if result["userErrors"] and not result["written"]:
                return True
    return False


def _add(totals: Totals, result: dict[str, Any], lines: list[int]) -> None:
    for name in ("items", "inserted", "updated", "unchanged", "rejected"):
        setattr(totals, name, getattr(totals, name) + (result[name] or 0))
    if not result["items"]:  # refused as a whole (e.g. permission): count what was sent
        totals.items += len(lines)
    for error in result["userErrors"]:
        match = ITEM_PATH.match(error["field"] or "")
        line = lines[int(match[1])] if match and int(match[1]) < len(lines) else 0
        column = (match[2] or "") if match else (error["field"] or "")
        totals.problems.append((line, column, error["code"], error["message"]))


def _is_ndjson(path: Path, given: str | None) -> bool:
    if given:
        return given == "ndjson"
    return path.suffix.lower() in {".ndjson", ".jsonl", ".json"}


def _summary(totals: Totals, brand: str, stopped: bool) -> None:
    table = Table(title=f"Import into {brand}")
    for name in ("rows sent", "inserted", "updated", "unchanged", "rejected", "retries"):
        table.add_column(name, justify="right")
    table.add_row(*(f"{n:,}" for n in (totals.items, totals.inserted, totals.updated,
                                       totals.unchanged, totals.rejected, totals.retries)))
    console.print(table)
    for line, column, code, message in totals.problems[:50]:
        where = f"line {line}" if line else "batch"
        console.print(f"  {where}{', ' + column if column else ''}: [red]{code}[/] {message}")
    if len(totals.problems) > 50:
        console.print(f"  … and {len(totals.problems) - 50} more")
    if stopped:
        console.print("[red]stopped at a refused batch: nothing of it was written; fix the "
                      "rows and run again (rows already imported come back unchanged)[/]")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("entity", choices=sorted(MUTATIONS))
    parser.add_argument("file", help="the CSV (UTF-8, with or without BOM) or NDJSON file")
    parser.add_argument("--format", choices=("csv", "ndjson"),
                        help="the file's format (default: from its extension)")
    parser.add_argument("--brand", required=True, help="the brand's slug")
    parser.add_argument("--workspace", help="the workspace's slug, when the token sees two "
                                            "brands with this slug")
    parser.add_argument("--url", default=os.environ.get("COSO_URL",
                                                        "http://127.0.0.1:8000/graphql"),
                        help="the GraphQL endpoint [COSO_URL]")
    parser.add_argument("--token", help="an API token (default: COSO_TOKEN)")
    parser.add_argument("--batch-size", type=int, default=MAX_BATCH)
    parser.add_argument("--skip-invalid", action="store_true",
                        help="write the valid rows of each batch, report the others")
    parser.add_argument("--source", help="what to record the import as (default: the "
                                         "file's name)")
    parser.add_argument("--map", action="append", default=[], metavar="COLUMN=FIELD",
                        help="read a CSV column as an import field, e.g. --map "
                             "canale=channel; repeatable")
    parser.add_argument("--delimiter", help="CSV separator (default: sniffed)")
    parser.add_argument("--encoding", default="utf-8-sig")
    parser.add_argument("--retries", type=int, default=5)
    parser.add_argument("--backoff", type=float, default=0.5,
                        help="first retry delay in seconds, doubled each time")
    parser.add_argument("--timeout", type=float, default=60.0)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    try:
        return run(parse_args(argv))
    except Stop as stop:
        console.print(f"[bold red]error:[/] {stop}")
        return stop.code
    except KeyboardInterrupt:
        console.print("interrupted: batches already sent are written")
        return 1


if __name__ == "__main__":
    sys.exit(main())
