"""The reports screen's charts, drawn with Qt Charts (PySide6-Addons): data in, QChartView out.

- ``on_time_chart``: the share of dossiers resolved early or on time in each of the last
  months (``counter_app.reports.trends.on_time_by_month``, II.06a's cols 8+9 over col 7 of
  each calendar month), a bar per month on a 0–100 % axis. A month with nothing resolved has
  no bar, and the chart says which months those are.
- ``fields_chart``: received (col 3) and resolved (col 7) per field in the period, two bars
  per field, from the II.06a rows.
- ``overdue_chart``: the open dossiers overdue today, by procedure (the ten with most).

No animation (old PCs), antialiasing on, numbers written the Vietnamese way (decimal comma),
titles and legends in Vietnamese; hovering a bar shows its exact figures.
"""

from __future__ import annotations

import datetime as dt
import html

from PySide6.QtCharts import (
    QAbstractBarSeries,
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QHorizontalBarSeries,
    QValueAxis,
)
from PySide6.QtCore import QLocale, QMargins, Qt
from PySide6.QtGui import QColor, QCursor, QFont, QPainter
from PySide6.QtWidgets import QToolTip

from counter_app.reports.ii06a import Report
from counter_app.reports.trends import MonthPoint, OverdueGroup
from ui.reports.tables import percent

ON_TIME_COLOR = "#66bb6a"  # light: the figure on a bar stays readable
RECEIVED_COLOR = "#1565c0"
RESOLVED_COLOR = "#43a047"
OVERDUE_COLOR = "#c62828"
TOP_OVERDUE = 10
LABEL_CHARS = 60
#: Axis labels: with localised numbers Qt Charts prints nothing for "%d" (and "%%" stays).
WHOLE = "%.0f"
VIETNAMESE = QLocale(QLocale.Language.Vietnamese, QLocale.Country.Vietnam)


def shorten(text: str, limit: int = LABEL_CHARS) -> str:
    """A label that fits beside a bar: cut at a word with "…" when longer than ``limit``."""
    if len(text) <= limit:
        return text
    cut = text[:limit - 1]
    if " " in cut[limit // 2:]:
        cut = cut[:cut.rindex(" ")]
    return cut.rstrip(" ,;–-") + "…"


def unique_labels(names: list[str], codes: list[str]) -> list[str]:
    """Shortened labels, made unique with the procedure code where two would be the same
    (a category axis needs distinct labels)."""
    labels = [shorten(n) for n in names]
    seen: dict[str, int] = {}
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
    return [f"{shorten(n, LABEL_CHARS - 12)} ({c})" if seen[label] > 1 else label
            for n, c, label in zip(names, codes, labels, strict=True)]


def _chart(title: str, note: str = "") -> QChart:
    chart = QChart()
    chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
    chart.setLocalizeNumbers(True)
    chart.setLocale(VIETNAMESE)
    chart.setBackgroundRoundness(0)
    chart.setMargins(QMargins(4, 4, 4, 4))
    font = QFont(chart.titleFont())
    font.setPointSizeF(max(font.pointSizeF(), 9) + 1)
    font.setBold(True)
    chart.setTitleFont(font)
    text = f"<b>{html.escape(title)}</b>"
    if note:
        text += f"<br><span style='font-weight:normal; color:#616161'>{html.escape(note)}</span>"
    chart.setTitle(f"<div align='center'>{text}</div>")
    legend = chart.legend()
    legend.setAlignment(Qt.AlignmentFlag.AlignBottom)
    return chart


def _view(chart: QChart, name: str, height: int) -> QChartView:
    """Full width, ``height`` pixels high (the charts stand one under the other)."""
    view = QChartView(chart)
    view.setRenderHint(QPainter.RenderHint.Antialiasing)
    view.setAccessibleName(name)
    view.setMinimumHeight(height)
    return view


def _bars(label: str, color: str, values: list[float]) -> QBarSet:
    bars = QBarSet(label)
    bars.setColor(QColor(color))
    bars.setBorderColor(QColor(color))
    bars.setLabelColor(QColor("#212121"))
    bars.append(values)
    return bars


def _count_axis(largest: float, title: str = "Số hồ sơ") -> QValueAxis:
    """0..largest with whole-number ticks."""
    axis = QValueAxis()
    axis.setLabelFormat(WHOLE)
    axis.setTitleText(title)
    top = max(1, int(largest))
    if top <= 10:
        axis.setRange(0, top + 1 if top < 10 else top)
        axis.setTickCount(int(axis.max()) + 1)
    else:
        axis.setRange(0, top * 1.1)
        axis.applyNiceNumbers()
    return axis


def _hover(bars: QBarSet, texts: list[str]) -> None:
    def show(status: bool, index: int) -> None:
        if status and 0 <= index < len(texts):
            QToolTip.showText(QCursor.pos(), texts[index])
        else:
            QToolTip.hideText()

    bars.hovered.connect(show)


def _attach(chart: QChart, series, categories: list[str], values: QValueAxis,
            horizontal: bool) -> None:
    chart.addSeries(series)
    axis = QBarCategoryAxis()
    axis.append(categories)
    chart.addAxis(axis, Qt.AlignmentFlag.AlignLeft if horizontal else Qt.AlignmentFlag.AlignBottom)
    chart.addAxis(values, Qt.AlignmentFlag.AlignBottom if horizontal else Qt.AlignmentFlag.AlignLeft)
    series.attachAxis(axis)
    series.attachAxis(values)


def on_time_chart(points: list[MonthPoint]) -> QChartView:
    """The on-time rate of each month (oldest first), 0–100 %."""
    empty = [p.label for p in points if not p.resolved]
    title = "Tỉ lệ hồ sơ giải quyết đúng hạn (trước hạn và đúng hạn) theo tháng"
    note = ""
    if len(empty) == len(points):
        note = "Chưa có hồ sơ nào giải quyết xong trong các tháng này"
    elif empty:
        shown = ", ".join(empty) if len(empty) <= 6 else f"{len(empty)} tháng"
        note = f"Không có hồ sơ giải quyết xong (để trống): {shown}"
    chart = _chart(title, note)
    rates = [round(p.rate * 100, 1) if p.rate is not None else 0.0 for p in points]
    bars = _bars("Tỉ lệ đúng hạn (%)", ON_TIME_COLOR, rates)
    _hover(bars, [f"Tháng {p.label}: {p.early + p.on_time}/{p.resolved} hồ sơ đúng hạn "
                  f"({percent(p.rate, '–')})" if p.resolved else
                  f"Tháng {p.label}: không có hồ sơ giải quyết xong" for p in points])
    series = QBarSeries()
    series.append(bars)
    series.setBarWidth(0.6)
    series.setLabelsVisible(True)
    series.setLabelsFormat("@value %")
    series.setLabelsPrecision(3)
    series.setLabelsPosition(QAbstractBarSeries.LabelsPosition.LabelsOutsideEnd)
    axis = QValueAxis()
    axis.setRange(0, 100)
    axis.setTickCount(6)
    axis.setLabelFormat(WHOLE)
    axis.setTitleText("Tỉ lệ (%)")
    _attach(chart, series, [p.label for p in points], axis, horizontal=False)
    return _view(chart, "Biểu đồ tỉ lệ đúng hạn theo tháng", 340)


def fields_chart(report: Report) -> QChartView:
    """Received (col 3) and resolved (col 7) of each field; the first field on top."""
    rows = list(reversed(report.rows))  # a horizontal bar chart draws its first category low
    chart = _chart(f"Tiếp nhận và giải quyết theo lĩnh vực – {report.period.label}",
                   "" if rows else "Không có hồ sơ nào trong kỳ")
    received = _bars("Hồ sơ nhận giải quyết (cột 3)", RECEIVED_COLOR,
                     [r.received_total for r in rows])
    resolved = _bars("Đã giải quyết (cột 7)", RESOLVED_COLOR, [r.resolved_total for r in rows])
    _hover(received, [f"{r.label}: nhận giải quyết {r.received_total} hồ sơ" for r in rows])
    _hover(resolved, [f"{r.label}: đã giải quyết {r.resolved_total} hồ sơ" for r in rows])
    series = QHorizontalBarSeries()
    series.append(resolved)  # drawn under "received" in each field (the first set is lowest)
    series.append(received)
    chart.legend().setReverseMarkers(True)  # the legend in reading order
    series.setLabelsVisible(True)
    series.setLabelsPosition(QAbstractBarSeries.LabelsPosition.LabelsOutsideEnd)
    largest = max([r.received_total for r in rows] or [0])
    _attach(chart, series, [shorten(r.label) for r in rows], _count_axis(largest), True)
    return _view(chart, "Biểu đồ tiếp nhận và giải quyết theo lĩnh vực",
                 150 + 44 * max(len(rows), 2))


def overdue_chart(groups: list[OverdueGroup], today: dt.date) -> QChartView:
    """Open dossiers overdue at the end of ``today`` by procedure, most first (on top)."""
    total = sum(g.count for g in groups)
    top = groups[:TOP_OVERDUE]
    title = f"Hồ sơ đang giải quyết đã quá hạn theo thủ tục – ngày {today:%d/%m/%Y}"
    if not groups:
        note = "Không có hồ sơ nào quá hạn"
    elif len(groups) > TOP_OVERDUE:
        note = f"{TOP_OVERDUE} thủ tục có nhiều hồ sơ quá hạn nhất; tất cả: {total} hồ sơ " \
               f"của {len(groups)} thủ tục"
    else:
        note = f"Tất cả: {total} hồ sơ"
    chart = _chart(title, note)
    rows = list(reversed(top))
    bars = _bars("Hồ sơ quá hạn", OVERDUE_COLOR, [g.count for g in rows])
    _hover(bars, [f"{g.name} ({g.procedure_code}): {g.count} hồ sơ quá hạn, hạn sớm nhất "
                  f"{g.oldest_due:%d/%m/%Y}" for g in rows])
    series = QHorizontalBarSeries()
    series.append(bars)
    series.setBarWidth(0.6)
    series.setLabelsVisible(True)
    series.setLabelsPosition(QAbstractBarSeries.LabelsPosition.LabelsOutsideEnd)
    labels = unique_labels([g.name for g in rows], [g.procedure_code for g in rows])
    _attach(chart, series, labels, _count_axis(max([g.count for g in rows] or [0])), True)
    return _view(chart, "Biểu đồ hồ sơ quá hạn theo thủ tục", 160 + 34 * max(len(rows), 3))

