"""A local stand-in for the social platforms' APIs, speaking real HTTP over deterministic data."""

from __future__ import annotations

from api.emulator.core import token_for
from api.emulator.data import Config

__all__ = ["Config", "token_for"]
