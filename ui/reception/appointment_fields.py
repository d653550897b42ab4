"""The reception screen's appointment: computed from the procedure's time limit and the
working calendar as the clock moves, shown in words, and set later by hand only with a
reason. A part of ``ReceptionScreen``, kept apart because it is one job."""

from __future__ import annotations

from PySide6.QtCore import QDateTime

from counter_app.domain.working_calendar import WorkingCalendar
from ui.common.vn_format import WEEKDAYS, dt_to_qt, qt_to_dt


class AppointmentFields:
    """Mixed into ``ReceptionScreen``: uses its procedure, calendar, clock, due_label,
    due_edit, due_reason, _computed_due and _due_touched."""

    def set_calendar(self, calendar: WorkingCalendar) -> None:
        self.calendar = calendar
        self._refresh_due()

    def _refresh_due(self) -> None:
        if self.procedure is None:
            self._computed_due = None
            self.due_label.setText("Hẹn trả kết quả: chọn thủ tục để tính ngày hẹn.")
            self.due_edit.blockSignals(True)
            self.due_edit.setDateTime(self.due_edit.minimumDateTime())
            self.due_edit.blockSignals(False)
            self.due_edit.setEnabled(False)
            return
        now = self.clock()
        self._computed_due = self.calendar.due_at(now, self.procedure.unit, self.procedure.value)
        due = self._computed_due
        self.due_label.setText(
            f"Hẹn trả kết quả: {due:%H} giờ {due:%M}, {WEEKDAYS[due.weekday()]} "
            f"{due:%d/%m/%Y}  ({self.procedure.duration_text})")
        self.due_edit.setEnabled(True)
        if not self._due_touched:
            self.due_edit.blockSignals(True)
            self.due_edit.setDateTime(dt_to_qt(due))
            self.due_edit.blockSignals(False)
        self._due_edited()

    def _due_edited(self, _value: QDateTime | None = None) -> None:
        if self._computed_due is None:
            return
        chosen = qt_to_dt(self.due_edit.dateTime())
        self._due_touched = chosen != self._computed_due
        later = chosen > self._computed_due
        self.due_reason.setEnabled(later)
        if not later:
            self.due_reason.clear()

