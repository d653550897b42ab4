"""Periodic statistics the commune sends upward (docs/law.md §5): form II.06a for now."""

from counter_app.reports.ii06a import Report, Row, compute
from counter_app.reports.periods import Period, between, parse_period

__all__ = ["Period", "Report", "Row", "between", "compute", "parse_period"]
