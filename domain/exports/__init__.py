"""Exports of posts (with KPIs), daily metrics and campaigns as CSV, NDJSON or XLSX, streamed."""
