"""Fixtures of the export tests: `coso` runs the command line as a user would."""

from tests.integration.test_cli import coso  # noqa: F401 - re-exported fixture
