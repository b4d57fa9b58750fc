"""The ways into Coso: the ASGI app (GraphQL and HTTP routes), the CLI and the worker."""

import domain  # noqa: F401  - sets PICCOLO_CONF before anything touches Piccolo
