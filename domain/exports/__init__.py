"""Exports of posts (with their KPIs) and daily metrics as CSV, NDJSON or XLSX, streamed."""
