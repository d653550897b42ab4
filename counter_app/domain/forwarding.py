"""The times a dossier received for another body must keep, and how its paper travels
(docs/law.md §14, §15).

The provincial rules under NĐ 118/2025 [confirmed: gov copies, Bắc Ninh QĐ 1490/1582,
Cao Bằng QĐ 1948]: the electronic dossier goes to the competent body **at once**, or **at
the start of the next working day** when it was received after 15:00; the paper **within
01 working day** of reception. How the program measures them [not law: its reading]:
- "at once" = by the close of the reception day; "the start of the next working day" = by
  the end of that day's morning session;
- "within 01 working day" = by the close of the next working day (the calendar's rule for
  a one-working-day time limit).

The appointment is the procedure's time limit counted from the reception, as for the
commune's own dossiers: the provinces' internal procedures (Bắc Ninh QĐ 1490, Cao Bằng
QĐ 1948, 2025) put the reception, the forwarding and the return inside the one time limit,
and the Tân Dân system keeps the first counter's appointment [confirmed: gov copies; code].
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from counter_app.domain.working_calendar import DurationUnit, WorkingCalendar


class PaperMeans(StrEnum):
    """How the paper dossier travels to the competent body."""
    POST = "post"
    COURIER = "courier"
    IN_PERSON = "in_person"

    @property
    def label(self) -> str:
        return PAPER_MEANS_LABELS[self]


PAPER_MEANS_LABELS = {
    PaperMeans.POST: "Qua dịch vụ bưu chính công ích",
    PaperMeans.COURIER: "Qua giao liên, chuyển phát",
    PaperMeans.IN_PERSON: "Cán bộ mang đến trực tiếp",
}


def after_cutoff(received_at: dt.datetime, calendar: WorkingCalendar) -> bool:
    """Received after 15:00, or outside a working day: it goes on the next working day."""
    day = received_at.date()
    return (not calendar.is_working_day(day)
            or received_at.time().replace(second=0, microsecond=0)
            > calendar.hours.same_day_cutoff)


def forward_due_at(received_at: dt.datetime, calendar: WorkingCalendar) -> dt.datetime:
    """By when the electronic dossier must have gone to the competent body."""
    if not after_cutoff(received_at, calendar):
        return calendar.closing(received_at.date())
    day = calendar.next_working_day(received_at.date())
    return dt.datetime.combine(day, calendar.hours.morning_end)


def paper_due_at(received_at: dt.datetime, calendar: WorkingCalendar) -> dt.datetime:
    """By when the paper dossier must have been sent: within one working day."""
    return calendar.due_at(received_at, DurationUnit.WORKING_DAYS, 1)


def _moment(value: object) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if isinstance(value, str) and value else None


def late_parts(row: dict, now: dt.datetime) -> list[str]:
    """What of a dossier received for another body is past its time and not done, as
    Vietnamese phrases ("chuyển điện tử", "gửi hồ sơ giấy"); [] when nothing is late."""
    late = []
    forward_due, paper_due = _moment(row.get("forward_due_at")), _moment(row.get("paper_due_at"))
    if forward_due and not row.get("forwarded_at") and now > forward_due:
        late.append(f"chuyển điện tử (hạn {forward_due:%H:%M %d/%m/%Y})")
    if paper_due and not row.get("paper_sent_at") and now > paper_due:
        late.append(f"gửi hồ sơ giấy (hạn {paper_due:%H:%M %d/%m/%Y})")
    return late
