"""Numbers written the Vietnamese way, for the window, the dashboard and the printed forms:
a dot between thousands (1.234.567) and a decimal comma (87,5)."""

from __future__ import annotations


def thousands(n: int) -> str:
    """1234567 -> "1.234.567"."""
    return f"{n:,}".replace(",", ".")


def decimal(value: float, places: int = 1) -> str:
    """87.54 -> "87,5" (``places`` digits after the comma)."""
    return f"{value:.{places}f}".replace(".", ",")
