#!/usr/bin/env python3
"""Vendors GraphiQL's browser assets from the npm registry: pinned versions, checked bytes.

    python3 scripts/graphiql_assets.py                # download the pinned versions again
    python3 scripts/graphiql_assets.py --check        # offline: the files match their pins
    python3 scripts/graphiql_assets.py --pin graphiql@3.8.4 [react@18.3.1 ...]   # update

The pins are api/static/graphiql/vendor.json: for each npm package its version, the
registry's integrity of its tarball (sha512) and the sha256 of every file Coso takes from
it. A download is written only when the registry still reports the pinned integrity, the
tarball's bytes match it, and each file matches its sha256. `--pin` moves a package to
another version: it records the registry's integrity and the new files' sha256 (review the
diff, then run the browser test, tests/integration/test_graphiql_browser.py).
Standard library only; NPM_CONFIG_REGISTRY names a mirror of registry.npmjs.org.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import os
import sys
import tarfile
import urllib.parse
import urllib.request
from pathlib import Path

ASSETS = Path(__file__).resolve().parents[1] / "api" / "static" / "graphiql"
PINS = ASSETS / "vendor.json"
REGISTRY = os.environ.get("NPM_CONFIG_REGISTRY", "https://registry.npmjs.org").rstrip("/")


class PinMismatch(Exception):
    """Bytes from the registry are not the ones pinned."""


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sri_sha512(data: bytes) -> str:
    """npm's `integrity` form of a tarball's digest."""
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 - https registry
        return response.read()


def fetch_package(name: str, pin: dict) -> dict[str, bytes]:
    """The pinned files of one package, checked; fills in `pin`'s missing digests."""
    version = pin["version"]
    meta = json.loads(get(f"{REGISTRY}/{urllib.parse.quote(name, safe='@')}/{version}"))
    integrity = meta["dist"]["integrity"]
    if pin.get("integrity") not in (None, integrity):
        raise PinMismatch(f"{name}@{version}: the registry now reports integrity "
                          f"{integrity}, the pin is {pin['integrity']}")
    tarball = get(meta["dist"]["tarball"])
    if sri_sha512(tarball) != integrity:
        raise PinMismatch(f"{name}@{version}: the tarball does not match its integrity")
    pin["integrity"] = integrity
    files: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
        for source, target in pin["files"].items():
            member = archive.extractfile(f"package/{source}")
            if member is None:
                raise PinMismatch(f"{name}@{version}: {source} is not a file")
            data = member.read()
            if target.get("sha256") not in (None, sha256(data)):
                raise PinMismatch(f"{name}@{version}: {source} has sha256 {sha256(data)}, "
                                  f"the pin is {target['sha256']}")
            target["sha256"] = sha256(data)
            files[target["to"]] = data
    return files


def check(pins: dict) -> list[str]:
    """What differs between the files on disk and their pins (empty: all match)."""
    problems = []
    for name, pin in pins.items():
        for target in pin["files"].values():
            path = ASSETS / target["to"]
            if not path.is_file():
                problems.append(f"{target['to']} ({name}@{pin['version']}) is missing")
            elif sha256(path.read_bytes()) != target["sha256"]:
                problems.append(f"{target['to']} differs from {name}@{pin['version']}'s")
    return problems


def repin(pins: dict, specs: list[str]) -> None:
    """Points packages at new versions, forgetting the digests the download will record."""
    for spec in specs:
        name, at, version = spec.rpartition("@")
        if not at or not name or name not in pins:
            raise SystemExit(f"--pin {spec}: expected NAME@VERSION, NAME one of {sorted(pins)}")
        pins[name]["version"] = version
        pins[name]["integrity"] = None
        for target in pins[name]["files"].values():
            target["sha256"] = None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true",
                      help="only compare the vendored files with their pins (no network)")
    mode.add_argument("--pin", nargs="+", metavar="NAME@VERSION",
                      help="move these packages to other versions and record their digests")
    args = parser.parse_args(argv)
    pins = json.loads(PINS.read_text())

    if args.check:
        problems = check(pins)
        for problem in problems:
            print(f"error: {problem}", file=sys.stderr)
        if not problems:
            print(f"{sum(len(p['files']) for p in pins.values())} files match their pins")
        return 1 if problems else 0

    if args.pin:
        repin(pins, args.pin)
    downloads: dict[str, bytes] = {}
    try:
        for name, pin in pins.items():
            downloads.update(fetch_package(name, pin))
            print(f"{name}@{pin['version']}: {', '.join(t['to'] for t in pin['files'].values())}")
    except PinMismatch as exc:
        print(f"error: {exc}; nothing written", file=sys.stderr)
        return 1
    # Written only once every package checked out, so a failure leaves the old set whole.
    for target, data in downloads.items():
        (ASSETS / target).write_bytes(data)
    PINS.write_text(json.dumps(pins, indent=2) + "\n")
    print(f"wrote {len(downloads)} files into {ASSETS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
