"""While SQLite imports stream, the GIL changes hands every 0.5 ms; afterwards as before."""

from __future__ import annotations

import sys

import pytest

from domain.imports.run import HANDOFF_SECONDS, _prompt_thread_handoff


def test_overlapping_imports_restore_the_interval_once_the_last_ends():
    before = sys.getswitchinterval()
    with _prompt_thread_handoff(True):
        assert sys.getswitchinterval() == HANDOFF_SECONDS
        with _prompt_thread_handoff(True):
            pass
        assert sys.getswitchinterval() == HANDOFF_SECONDS  # the other import still streams
    assert sys.getswitchinterval() == before


def test_an_import_that_fails_restores_it_and_postgresql_never_changes_it():
    before = sys.getswitchinterval()
    with pytest.raises(RuntimeError), _prompt_thread_handoff(True):
        raise RuntimeError("the file broke")
    assert sys.getswitchinterval() == before
    with _prompt_thread_handoff(False):
        assert sys.getswitchinterval() == before
