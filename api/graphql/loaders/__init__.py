"""DataLoaders, built fresh per request: every query runs once per batch, not per row."""
