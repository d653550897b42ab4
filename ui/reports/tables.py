"""The reports screen's tables: form II.06a as it reads on paper, and the citizens' evaluation.

``II06aTable``: "Tổng cộng" first, then each field (bold) with its procedures (indented) in a
report by procedure, as the XLSX and PDF exports lay them out (``counter_app/printing``).
Its header has two levels: a band with the form's three column groups over headings that
carry the column numbers "(3)"…"(13)"; each heading's tooltip gives the column's full
meaning. The short headings are the program's wording of docs/law.md §5.1's columns, not the
official template's text.

``EvaluationView``: the returned dossiers by rating (overall, by procedure, by the officer
who returned them) and the QĐ 766 inputs the program has, never a score (docs/law.md §5.3 does
not give the formulas): a share with its parts ("2/3") and how it is counted, among them the
digitisation rates (reports/digitisation.py); "Chưa ghi nhận" for an input the program does
not record, "Chưa có dữ liệu" for one with nothing to count in the period.
"""

from __future__ import annotations

from itertools import groupby

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHeaderView,
    QLabel,
    QScrollArea,
    QStyle,
    QStyleOptionHeader,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from counter_app.domain.vn_numbers import decimal, thousands
from counter_app.printing.ii06a_xlsx import GROUPS, LABEL
from counter_app.reports.evaluation import QD766_GROUPS, Evaluation, RatingCounts
from counter_app.reports.ii06a import Report, Row
from ui.lists.dossier_table import OVERDUE_COLOR

#: Column number (3..13) -> the short heading under the column number.
SHORT = {3: "Tổng số", 4: "Trực\ntuyến", 5: "Trực tiếp,\nbưu chính", 6: "Từ kỳ\ntrước",
         7: "Tổng số", 8: "Trước\nhạn", 9: "Đúng\nhạn", 10: "Quá hạn", 11: "Tổng số",
         12: "Trong\nhạn", 13: "Quá hạn"}
MEANING = {
    3: "Số hồ sơ nhận giải quyết trong kỳ – tổng số: cột (4) + (5) + (6), cũng bằng "
       "cột (7) + (11).",
    4: "Trong đó: số hồ sơ mới tiếp nhận trong kỳ qua kênh trực tuyến.",
    5: "Trong đó: số hồ sơ mới tiếp nhận trong kỳ trực tiếp tại Bộ phận một cửa hoặc qua "
       "dịch vụ bưu chính.",
    6: "Trong đó: số hồ sơ từ kỳ trước chuyển sang (tiếp nhận trước kỳ, chưa giải quyết xong "
       "khi kỳ bắt đầu).",
    7: "Số hồ sơ đã giải quyết trong kỳ – tổng số: cột (8) + (9) + (10).",
    8: "Đã giải quyết trước hạn (xong trước ngày hẹn trả).",
    9: "Đã giải quyết đúng hạn (xong đúng ngày hẹn trả); gồm cả hồ sơ rút hoặc dừng "
       "giải quyết.",
    10: "Đã giải quyết quá hạn (xong sau ngày hẹn trả).",
    11: "Số hồ sơ đang giải quyết ở ngày cuối kỳ – tổng số: cột (12) + (13).",
    12: "Đang giải quyết, còn trong hạn ở ngày cuối kỳ.",
    13: "Đang giải quyết, đã quá hạn ở ngày cuối kỳ.",
}
LATE_COLUMNS = (10, 13)
TOTAL_BACKGROUND = "#e8eef6"
GREY = "#9e9e9e"
NUMBER = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
KIND = Qt.ItemDataRole.UserRole  # on column 0: "total", "field" or "procedure"


def count_text(n: int) -> str:
    """1234 -> "1.234" (Vietnamese thousands separator)."""
    return thousands(n)


def percent(share: float | None, missing: str = "Chưa có dữ liệu") -> str:
    """0.85 -> "85,0 %" (decimal comma); ``missing`` when there is nothing to divide."""
    if share is None:
        return missing
    return decimal(share * 100) + " %"


def _item(text: str, *, bold: bool = False, align=None, color: str | None = None,
          tooltip: str = "") -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
    if bold:
        font = QFont()
        font.setBold(True)
        item.setFont(font)
    if align is not None:
        item.setTextAlignment(align)
    if color:
        item.setForeground(QBrush(QColor(color)))
    if tooltip:
        item.setToolTip(tooltip)
    return item


class GroupedHeader(QHeaderView):
    """Horizontal headers under a band naming groups of columns (``groups``: first and last
    column index, text); columns outside every group use the full height."""

    def __init__(self, groups: tuple[tuple[int, int, str], ...], parent=None):
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.groups = groups
        self.setDefaultAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setSectionsClickable(False)
        self.setHighlightSections(False)
        # A group's text spans several sections: repaint them all when one changes width.
        self.sectionResized.connect(lambda *_: self.viewport().update())

    def band_height(self) -> int:
        return self.fontMetrics().height() + 10

    def sizeHint(self):  # noqa: N802
        size = super().sizeHint()
        size.setHeight(size.height() + self.band_height())
        return size

    def group_of(self, logical: int) -> tuple[int, int, str] | None:
        return next((g for g in self.groups if g[0] <= logical <= g[1]), None)

    def paintSection(self, painter, rect, logical):  # noqa: N802
        group = self.group_of(logical)
        if group is None:
            super().paintSection(painter, rect, logical)
            return
        band = self.band_height()
        painter.save()
        super().paintSection(painter, rect.adjusted(0, band, 0, 0), logical)
        painter.restore()
        first, last, text = group
        left = self.sectionViewportPosition(first)
        right = self.sectionViewportPosition(last) + self.sectionSize(last)
        option = QStyleOptionHeader()
        self.initStyleOption(option)
        option.rect = QRect(left, rect.top(), right - left, band)
        option.text = text
        option.textAlignment = Qt.AlignmentFlag.AlignCenter
        option.position = QStyleOptionHeader.SectionPosition.OnlyOneSection
        painter.save()
        painter.setClipRect(QRect(rect.left(), rect.top(), rect.width(), band))
        self.style().drawControl(QStyle.ControlElement.CE_Header, option, painter, self)
        painter.setPen(self.palette().color(QPalette.ColorRole.Mid))  # the group's borders
        painter.drawLine(rect.left(), rect.top() + band - 1, rect.right(), rect.top() + band - 1)
        if logical == last:
            painter.drawLine(rect.right(), rect.top(), rect.right(), rect.top() + band)
        painter.restore()


class II06aTable(QTableWidget):
    """Form II.06a's rows: "Tổng cộng", the fields and (by procedure) their procedures."""

    def __init__(self, parent=None):
        super().__init__(0, 13, parent)
        header = GroupedHeader(tuple((a - 1, b - 1, text) for a, b, text in GROUPS), self)
        self.setHorizontalHeader(header)
        headings = [("(1)\nSTT", "Số thứ tự"), (f"(2)\n{LABEL}", "Lĩnh vực (in đậm) và thủ tục")]
        headings += [(f"({n})\n{SHORT[n]}", f"Cột ({n}): {MEANING[n]}") for n in range(3, 14)]
        for column, (text, tip) in enumerate(headings):
            item = QTableWidgetItem(text)
            item.setToolTip(tip)
            self.setHorizontalHeaderItem(column, item)
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        # Wide enough for each group's text over its columns.
        metrics = header.fontMetrics()
        header.setMinimumSectionSize(max(
            (metrics.horizontalAdvance(text) + 24) // (last - first + 1) + 1
            for first, last, text in GROUPS))
        self.verticalHeader().hide()
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setAccessibleName("Biểu II.06a")

    @staticmethod
    def lines(report: Report) -> list[tuple[Row, str]]:
        out = [(report.total, "total")]
        for row in report.rows:
            out.append((row, "field"))
            out.extend((proc, "procedure") for proc in row.procedures)
        return out

    def show_report(self, report: Report) -> None:
        lines = self.lines(report)
        self.setRowCount(len(lines))
        for r, (line, kind) in enumerate(lines):
            bold = kind != "procedure"
            stt = _item(line.stt, bold=bold, align=Qt.AlignmentFlag.AlignCenter)
            stt.setData(KIND, kind)
            self.setItem(r, 0, stt)
            label = line.label if kind != "procedure" else "    " + line.label
            tip = f"{line.label} (mã {line.procedure_code})" if kind == "procedure" else ""
            self.setItem(r, 1, _item(label, bold=bold, tooltip=tip))
            for n, value in enumerate(line.columns(), 3):
                color = GREY if value == 0 else (OVERDUE_COLOR if n in LATE_COLUMNS else None)
                self.setItem(r, n - 1, _item(count_text(value), bold=bold, align=NUMBER,
                                             color=color))
            if kind == "total":
                for c in range(self.columnCount()):
                    self.item(r, c).setBackground(QBrush(QColor(TOTAL_BACKGROUND)))

    def row_texts(self, row: int) -> list[str]:
        return [self.item(row, c).text() for c in range(self.columnCount())]


def problems(report: Report) -> list[str]:
    """The form's invariants broken by any row (should never happen), as sentences."""
    out = []
    for line, _kind in II06aTable.lines(report):
        for problem in line.problems():
            out.append(f"{line.stt or line.label} {line.label}: {problem}".strip())
    return out


# -- the citizens' evaluation ------------------------------------------------------------------
RATING_COLUMNS = ("Đã trả", "Rất hài lòng", "Hài lòng", "Không hài lòng", "Chưa đánh giá",
                  "Tỉ lệ hài lòng", "Tỉ lệ đúng hạn")
RATING_TIPS = {
    "Tỉ lệ hài lòng": "(Rất hài lòng + Hài lòng) trên số hồ sơ được đánh giá",
    "Tỉ lệ đúng hạn": "Hồ sơ đã trả được giải quyết trước hạn hoặc đúng hạn, trên số hồ sơ "
                      "đã trả",
}
INDEX_COLUMNS = ("Nhóm chỉ số", "Chỉ tiêu", "Giá trị", "Số liệu", "Cách tính, ghi chú")


def _table(columns: tuple[str, ...], name: str, stretch: int = 0,
           wrap: bool = False) -> QTableWidget:
    """A read-only table; column ``stretch`` takes the spare width; ``wrap``: long texts
    go on several lines (else they are cut with "…", the tooltip tells the rest)."""
    table = QTableWidget(0, len(columns))
    table.setWordWrap(wrap)
    table.setTextElideMode(Qt.TextElideMode.ElideRight)
    for c, text in enumerate(columns):
        item = QTableWidgetItem(text)
        if text in RATING_TIPS:
            item.setToolTip(RATING_TIPS[text])
        table.setHorizontalHeaderItem(c, item)
    table.verticalHeader().hide()
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setAccessibleName(name)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return table


def _fit(table: QTableWidget, most_rows: int = 12) -> None:
    """As tall as its rows (up to ``most_rows``; it scrolls beyond), inside a scroll area."""
    if table.wordWrap():
        table.resizeRowsToContents()
    rows = sum(table.rowHeight(r) for r in range(min(table.rowCount(), most_rows)))
    height = table.horizontalHeader().sizeHint().height() + rows + 2 * table.frameWidth() + 2
    table.setFixedHeight(max(height, 60))


def _rating_cells(counts: RatingCounts) -> list[tuple[str, object]]:
    return [(count_text(counts.returned), NUMBER), (count_text(counts.very_satisfied), NUMBER),
            (count_text(counts.satisfied), NUMBER), (count_text(counts.not_satisfied), NUMBER),
            (count_text(counts.not_rated), NUMBER),
            (percent(counts.satisfied_share, "–"), NUMBER),
            (percent(counts.on_time_share, "–"), NUMBER)]


def _title(text: str) -> QLabel:
    label = QLabel(text)
    label.setStyleSheet("font-weight: bold; font-size: 14px; margin-top: 8px;")
    return label


def _hint(text: str) -> QLabel:
    label = QLabel(text, wordWrap=True)
    label.setStyleSheet("color: #616161;")
    return label


class EvaluationView(QScrollArea):
    """Overall counts and shares, then one table by procedure, by officer, and QĐ 766."""

    SUMMARY = (("returned", "Hồ sơ đã trả kết quả trong kỳ"), ("very_satisfied", "Rất hài lòng"),
               ("satisfied", "Hài lòng"), ("not_satisfied", "Không hài lòng"),
               ("not_rated", "Chưa đánh giá"), ("satisfied_share", "Tỉ lệ hài lòng"),
               ("on_time_share", "Tỉ lệ trả đúng hạn"))

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWidgetResizable(True)
        body = QWidget()
        layout = QVBoxLayout(body)
        self.heading = _title("")
        layout.addWidget(self.heading)
        grid = QGridLayout()
        grid.setHorizontalSpacing(16)
        self.values: dict[str, QLabel] = {}
        for i, (key, text) in enumerate(self.SUMMARY):
            value = QLabel(objectName=key)
            value.setStyleSheet("font-weight: bold;")
            grid.addWidget(QLabel(text + ":"), i % 4, 2 * (i // 4))
            grid.addWidget(value, i % 4, 2 * (i // 4) + 1)
            self.values[key] = value
        grid.setColumnStretch(4, 1)
        layout.addLayout(grid)
        layout.addWidget(_hint("Tính trên các hồ sơ đã trả kết quả trong kỳ, theo đánh giá "
                               "người dân chọn khi nhận kết quả. Tỉ lệ hài lòng = (Rất hài lòng"
                               " + Hài lòng) trên số hồ sơ có đánh giá."))
        self.procedures = _table(("Thủ tục", *RATING_COLUMNS), "Đánh giá theo thủ tục")
        self.officers = _table(("Cán bộ trả kết quả", *RATING_COLUMNS), "Đánh giá theo cán bộ")
        self.index = _table(INDEX_COLUMNS, "Số liệu cho Bộ chỉ số QĐ 766", stretch=4, wrap=True)
        self.index.horizontalHeader().sectionResized.connect(lambda *_: _fit(self.index, 20))
        layout.addWidget(_title("Theo thủ tục"))
        layout.addWidget(self.procedures)
        layout.addWidget(_title("Theo cán bộ trả kết quả"))
        layout.addWidget(self.officers)
        layout.addWidget(_title("Số liệu cho Bộ chỉ số phục vụ người dân, doanh nghiệp "
                                "(QĐ 766/QĐ-TTg)"))
        layout.addWidget(_hint(
            "Chương trình chỉ đưa ra các số liệu nó ghi nhận được để đối chiếu; không tính "
            "điểm Bộ chỉ số (cách tính điểm từng chỉ tiêu chưa được đối chiếu văn bản). Bộ "
            "chỉ số chính thức được tính trên Cổng Dịch vụ công quốc gia."))
        layout.addWidget(self.index)
        layout.addStretch(1)
        self.setWidget(body)

    def show_evaluation(self, evaluation: Evaluation) -> None:
        overall = evaluation.overall
        self.heading.setText(f"Đánh giá của người dân – {evaluation.period.label} "
                             f"({evaluation.period.range_text})")
        whole = overall.returned
        for key, label in self.values.items():
            if key == "returned":
                label.setText(count_text(whole))
            elif key.endswith("_share"):
                label.setText(percent(getattr(overall, key)))
            else:
                n = getattr(overall, key)
                share = f" ({percent(n / whole)})" if whole else ""
                label.setText(count_text(n) + share)
        rated = overall.rated
        self.values["satisfied_share"].setToolTip(f"Trên {count_text(rated)} hồ sơ có đánh giá")
        self._fill(self.procedures, [(p.name, f"{p.name} (mã {p.code})", p.counts)
                                     for p in evaluation.by_procedure])
        self._fill(self.officers, [(o.name, f"{o.name} ({o.username})", o.counts)
                                   for o in evaluation.by_officer])
        self._fill_index(evaluation)

    def _fill(self, table: QTableWidget, rows: list[tuple[str, str, RatingCounts]]) -> None:
        table.setRowCount(len(rows))
        for r, (name, tip, counts) in enumerate(rows):
            table.setItem(r, 0, _item(name, tooltip=tip))
            for c, (text, align) in enumerate(_rating_cells(counts), 1):
                table.setItem(r, c, _item(text, align=align))
        _fit(table)

    def _fill_index(self, evaluation: Evaluation) -> None:
        points = dict(QD766_GROUPS)
        inputs = evaluation.service_index
        self.index.clearSpans()
        self.index.setRowCount(len(inputs))
        for r, line in enumerate(inputs):
            group = f"{line.group} (tối đa {points[line.group]} điểm)" \
                if line.group in points else line.group
            parts = "" if line.numerator is None else \
                f"{count_text(line.numerator)}/{count_text(line.denominator or 0)}"
            top = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop
            self.index.setItem(r, 0, _item(group, align=top))
            self.index.setItem(r, 1, _item(line.name, bold=True, align=top))
            value = "Chưa ghi nhận" if line.numerator is None else percent(line.value)
            self.index.setItem(r, 2, _item(value, align=top,
                                           color=GREY if line.value is None else None))
            self.index.setItem(r, 3, _item(parts, align=top))
            self.index.setItem(r, 4, _item(line.note, align=top))
        rows = [list(run) for _, run in groupby(range(len(inputs)), lambda r: inputs[r].group)]
        for run in rows:
            if len(run) > 1:  # one cell for the group's lines
                self.index.setSpan(run[0], 0, len(run), 1)
        _fit(self.index, 20)
