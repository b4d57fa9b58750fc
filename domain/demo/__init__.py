"""Demo data: an agency, two brands, campaigns, an editorial plan and 90 days of metrics.

The names other code imports live here; `seed_demo()` (in `seed`) writes it all.
"""

from __future__ import annotations

from domain.demo.access import TOKEN_NAME, DemoLogin
from domain.demo.agency import (
    BRANDS,
    EN,
    IT,
    METRIC_DAYS,
    OWNER,
    ROLES,
    SYNCED_DAYS_AGO,
    USERS,
    WORKSPACE_SLUG,
)
from domain.demo.seed import seed_demo

__all__ = ["BRANDS", "EN", "IT", "METRIC_DAYS", "OWNER", "ROLES", "SYNCED_DAYS_AGO",
           "TOKEN_NAME", "USERS", "WORKSPACE_SLUG", "DemoLogin", "seed_demo"]
