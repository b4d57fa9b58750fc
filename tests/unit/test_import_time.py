"""No module of api, domain or reporting reads the settings when it is imported."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Every module imported in a fresh interpreter whose get_settings() raises: one that reads
# a setting at import (a module-level constant, a class attribute) fails to import.
PROBE = """
import importlib, pathlib, sys
import domain.settings

def forbidden():
    raise RuntimeError("settings read at import")

domain.settings.get_settings = forbidden
failed = []
for package in ("api", "domain", "reporting"):
    for path in sorted(pathlib.Path(package).rglob("*.py")):
        name = ".".join(path.with_suffix("").parts).removesuffix(".__init__")
        try:
            importlib.import_module(name)
        except Exception as error:
            failed.append(f"{name}: {error!r}")
print("\\n".join(failed))
"""


def test_no_module_reads_settings_at_import():
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, check=True)
    assert done.stdout.strip() == "", done.stdout
