"""Branded strategy and ROI reports: `build_report` reads (async), `render` draws (sync, CPU).

    data = await build_report(brand_id, ReportKind.ROI, start, end)
    rendered = render(data, ReportFormat.PDF, storage_dir="var/files")  # process or thread

`ReportData` is plain and picklable, so the render can run in a process pool.
"""

from __future__ import annotations

from reporting.gather import build_report
from reporting.model import ReportData
from reporting.periods import default_period, previous_period
from reporting.render import RenderedReport, render

__all__ = ["RenderedReport", "ReportData", "build_report", "default_period", "previous_period",
           "render"]
