"""Coso's one job path: the registry of every job, and the queues that take them by name."""
