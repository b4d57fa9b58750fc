"""The `coso` front door without a database: --help at 80 columns, the README's command
table against the real commands, the demo's token table at 80 columns."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import typer.main
from rich.console import Console
from typer.testing import CliRunner

import api.cli
from domain.enums import Role

README = Path(__file__).resolve().parents[2] / "README.md"
WIDTH = 80


def _commands(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from _commands(sub, (*path, name))


COMMANDS = dict(_commands(typer.main.get_command(api.cli.app)))
LEAVES = {path: cmd for path, cmd in COMMANDS.items() if not hasattr(cmd, "commands")}


def _help(path: tuple[str, ...]) -> str:
    result = CliRunner().invoke(api.cli.app, [*path, "--help"], env={"COLUMNS": str(WIDTH)},
                                prog_name="coso")
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("path", list(COMMANDS), ids=lambda p: " ".join(p) or "coso")
def test_help_reads_well_at_80_columns(path):
    text = _help(path)
    assert not re.search(r"<[a-z][^>]*>", text), text  # a type column: `--help <bool>`
    body = text.split("\n", 1)[1]  # the usage line's "[ARGS]..." is click's
    assert "..." not in body, text  # a sentence cut to fit the command list
    assert max(map(len, text.splitlines())) <= WIDTH, text
    options = [p for p in COMMANDS[path].params if p.param_type_name == "option"]
    assert all(p.help and p.help.endswith(".") for p in options), path


@pytest.mark.parametrize("path", [p for p in COMMANDS if p not in LEAVES],
                         ids=lambda p: " ".join(p) or "coso")
def test_command_lists_show_whole_sentences(path):
    listing = _help(path).split("Commands:\n", 1)[1]
    entries = re.split(r"\n(?=  \S)", listing.strip("\n"))
    assert len(entries) == len(COMMANDS[path].commands)
    for entry in entries:
        assert entry.rstrip().endswith(".") and not entry.rstrip().endswith("..."), entry


def _readme_commands() -> list[str]:
    """The code spans of the README's command table, `\\|` read as `|`."""
    section = README.read_text(encoding="utf-8").split("## Command line", 1)[1]
    rows = [line for line in section.split("\n## ", 1)[0].splitlines()
            if line.startswith("| `coso ")]
    return [span.replace("\\|", "|") for row in rows
            for span in re.findall(r"`(coso [^`]*)`", row.split(" | ")[0])]


def test_readme_command_table_lists_every_command_with_its_required_options():
    listed = _readme_commands()
    for path, command in LEAVES.items():
        name = "coso " + " ".join(path)
        rows = [r for r in listed if r == name or r.startswith(name + " ")]
        assert len(rows) == 1, f"README's command table should list `{name}` once"
        for param in command.params:
            if param.required:
                words = param.opts[0] if param.param_type_name == "option" else param.metavar
                assert words in rows[0], f"README: `{name}` needs {words}"
    known = {"coso " + " ".join(path) for path in LEAVES}
    for row in listed:
        assert any(row == k or row.startswith(k + " ") for k in known), f"no command {row}"


def test_demo_token_table_reads_at_80_columns():
    token = "coso_" + "x" * 43  # issue_token's length
    logins = [
        SimpleNamespace(name="Giulia Ferri", email="owner@coso.example", workspace_role="OWNER",
                        brand_roles={}, token=token.replace("x", "a")),
        SimpleNamespace(name="Sam Taylor", email="coso@coso.example", workspace_role=None,
                        brand_roles={"torrefazione-aurora": [r.value for r in Role]},
                        token=token.replace("x", "b")),
    ]
    out = io.StringIO()
    Console(file=out, width=WIDTH, color_system=None).print(api.cli.demo_logins_table(logins))
    lines = out.getvalue().splitlines()
    assert max(map(len, lines)) <= WIDTH
    cells = [re.split(r"[│┃]", line) for line in lines]
    words = {word.strip(",:") for row in cells for cell in row for word in cell.split()}
    for login in logins:
        assert login.token in words and f"<{login.email}>" in words  # whole, copyable
    assert {r.value for r in Role} <= words  # no "COMMUNITY_M" / "ANAGER"
