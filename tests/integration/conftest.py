"""The integration suite runs on a real database: the test database of tests/db.py."""

from tests.db import clean_tables, database  # noqa: F401 - fixtures, autouse
