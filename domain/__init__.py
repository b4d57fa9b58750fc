"""Coso's business core: tables, pure rules, use cases and platform connectors."""

import os

# Piccolo finds its engine through this module; set once here so every entry point
# (CLI, ASGI app, worker, tests) agrees without anyone exporting it by hand.
os.environ.setdefault("PICCOLO_CONF", "domain.piccolo_conf")
