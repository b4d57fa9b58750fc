"""Mutations, one module per area, merged into the root `Mutation` in `schema.py`."""

from __future__ import annotations

MUTATION_CLASSES: tuple[type, ...] = ()
