"""The life of one synthetic dossier after reception, built with the program's own rules.

Every step goes through ``step_requests.decide`` (with the simulated moment as ``now``) and
``lifecycle.evolve``, exactly as ``Counter.step`` does, so each payload and the final
progress are what the program would have written. Steps that would fall after the
simulated present are not taken: recent dossiers stay open where they are.

Each step is taken by an officer whose role allows it (``roles.why_not_step``), as the
program now requires: the desk's receptionist for what happens at the counter (hand-over
to a unit, supplement brought in, fee paid, withdrawal, return), the officer the dossier
was handed to for its processing, the leader for an apology and for what nobody holds.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
from dataclasses import dataclass, field

from counter_app.domain import lifecycle
from counter_app.domain.lifecycle import Progress, Step
from counter_app.domain.procedures import Procedure
from counter_app.domain.statuses import Status
from counter_app.domain.step_requests import StepContext, decide
from counter_app.domain.text import fold
from counter_app.domain.working_calendar import DurationUnit, WorkingCalendar
from counter_app.synthetic.officers import LEADER_UNIT as LEADER
from counter_app.synthetic.officers import Account, Staff

UNITS = (  # (words of the procedure's field, the unit that handles it)
    (("ho tich", "chung thuc", "nuoi con", "ly lich", "phap luat"), "Công chức Tư pháp - Hộ tịch"),
    (("dat dai", "xay dung"), "Công chức Địa chính - Xây dựng"),
    (("bao tro", "tin nguong", "ton giao"), "Công chức Văn hóa - Xã hội"),
    (("cu tru",), "Công an xã"),
)
OTHER_UNIT = "Công chức Văn phòng - Thống kê"
SUPPLEMENT_REASONS = (
    "Thiếu giấy tờ theo quy định", "Giấy tờ đã nộp chưa hợp lệ, cần bổ sung bản chính",
    "Thông tin trong tờ khai chưa khớp với giấy tờ tùy thân", "Cần xác minh thêm thông tin")
REFUSE_AT_RECEPTION = (
    "Thiếu thành phần hồ sơ theo quy định", "Không thuộc thẩm quyền giải quyết của UBND xã",
    "Giấy tờ có dấu hiệu tẩy xóa, sửa chữa")
REFUSE_REASONS = (
    "Hồ sơ không đủ điều kiện giải quyết theo quy định",
    "Không thuộc thẩm quyền giải quyết của UBND xã", "Giấy tờ có dấu hiệu tẩy xóa, sửa chữa",
    "Người nộp không bổ sung hồ sơ theo yêu cầu")
WITHDRAW_REASONS = ("Theo đề nghị của người nộp hồ sơ", "Người nộp xin rút để hoàn thiện lại",
                    "Gia đình thay đổi nguyện vọng")
STOP_REASONS = ("Quá thời hạn bổ sung hồ sơ mà người nộp không bổ sung",
                "Có tranh chấp, khiếu nại liên quan đang được giải quyết",
                "Người yêu cầu đã chết hoặc không còn nhu cầu")
APOLOGY_REASONS = ("Cần xác minh thêm tại cơ quan khác", "Cán bộ phụ trách đi công tác",
                   "Hệ thống đăng ký trực tuyến bị gián đoạn", "Chờ ý kiến của cơ quan cấp trên")
RATINGS = ("", "very_satisfied", "satisfied", "not_satisfied")
RATING_WEIGHTS = (45, 35, 18, 2)
DESK, HOLDER, PROCESSING = "desk", "holder", "processing"  # who takes a step (Life.take)


@functools.cache
def unit_for(field: str) -> str:
    """The commune's unit that handles a procedure of this field (lĩnh vực)."""
    words = fold(field)
    for keys, unit in UNITS:
        if any(k in words for k in keys):
            return unit
    return OTHER_UNIT


@dataclass
class Visit:
    """What the simulation needs about one dossier just received."""
    procedure: Procedure
    received: dt.datetime          # the desk's clock at reception (seconds)
    progress: Progress             # lifecycle.initial(...)
    applicant_name: str
    applicant_id_number: str
    return_method: str
    sets: int
    desk: int                      # the desk that received it
    events: list[tuple[str, dict, dt.datetime, int, str]] = field(default_factory=list)
    # (kind, payload, the clock at the step, the desk that recorded it, the officer's username)


class Life:
    """Plays the steps of dossiers on one calendar up to the simulated present."""

    def __init__(self, rng: random.Random, calendar: WorkingCalendar, present: dt.datetime,
                 staff: Staff, hotline: str, desks: list[int], people):
        self.rng, self.cal, self.present = rng, calendar, present
        self.staff, self.hotline, self.desks, self.people = staff, hotline, desks, people
        h, day = calendar.hours, dt.date(2000, 1, 1)
        self.day_minutes = sum(
            (dt.datetime.combine(day, b) - dt.datetime.combine(day, a)).total_seconds() / 60
            for a, b in ((h.morning_start, h.morning_end), (h.afternoon_start, h.afternoon_end)))
        self.unit_staff = staff.units
        self.refusals = 0  # numbers the written refusals

    # -- helpers -------------------------------------------------------------------------
    def after(self, moment: dt.datetime, minutes: float) -> dt.datetime:
        return self.cal.add_working_minutes(moment, max(1, int(minutes)))

    def left(self, v: Visit, moment: dt.datetime) -> int:
        return self.cal.working_minutes_between(moment, v.progress.due_at)

    def take(self, v: Visit, step: Step, now: dt.datetime, fields: dict | None = None,
             desk: int | None = None, by: Account | str = DESK) -> bool:
        """Record a step at ``now`` if that is not after the present; False if it is.
        ``by``: the officer taking it, or DESK (the desk's receptionist that day), HOLDER
        (the officer the dossier was handed to, else the receptionist) or PROCESSING (the
        officer it was handed to, else the leader)."""
        if now > self.present:
            return False
        desk = v.desk if desk is None else desk
        if not isinstance(by, Account):
            holder = None if by == DESK else self.staff.holding(v.progress.holder_person)
            by = holder or (self.staff.leader if by == PROCESSING
                            else self.staff.at_desk(desk, now.date()))
        ctx = StepContext(now=now, calendar=self.cal, applicant_name=v.applicant_name,
                          applicant_id_number=v.applicant_id_number,
                          return_method=v.return_method, officer=by.full_name,
                          hotline=self.hotline)
        payload = decide(step, v.progress, fields or {}, ctx)
        v.progress = lifecycle.evolve(v.progress, step.value, payload)
        v.events.append((step.value, payload, now, desk, by.username))
        return True

    # -- the life ------------------------------------------------------------------------
    def live(self, v: Visit) -> None:
        r, p = self.rng, v.procedure
        t = v.received
        if r.random() < 0.008:  # refused at the reception check: never received (Mẫu 03)
            self.take(v, Step.REFUSE, t, {"reason": r.choice(REFUSE_AT_RECEPTION)})
            return
        same_day = p.unit is DurationUnit.SAME_DAY
        direct = same_day and p.code.startswith("2.") and r.random() < 0.5
        if not direct:
            t = self.after(t, min(r.uniform(5, 150), self.left(v, t) / 2))
            unit = unit_for(p.field)
            fields = {"to_unit": unit, "to_person": r.choice(self.unit_staff[unit]).full_name}
            if not same_day and r.random() < 0.4:  # the unit must be done a day early
                day = v.progress.due_at.date() - dt.timedelta(days=1)
                while not self.cal.is_working_day(day):
                    day -= dt.timedelta(days=1)
                if self.cal.closing(day) > t:
                    fields["step_due_at"] = self.cal.closing(day)
            if not self.take(v, Step.HANDOVER, t, fields):
                return
        if r.random() < 0.0002:  # forgotten in a drawer: overdue for ever
            return
        t = self.supplements(v, t, rounds=0)
        if t is None:
            return
        if not same_day and p.fee_vnd is None and r.random() < 0.25:
            t = self.payment(v, t)
            if t is None:
                return
        end = r.random()
        if end < 0.012 + 0.005 + 0.002 and v.progress.status is Status.PROCESSING:
            at = self.after(t, r.uniform(0.1, 0.9) * max(self.left(v, t), 60))
            if end < 0.012:  # the competent body refuses in writing: that is the result
                if self.take(v, Step.REFUSE_ON_MERITS, at, self.refusal(at), by=PROCESSING):
                    self.give_back(v, at, same_day)
                return
            step, reasons = ((Step.WITHDRAW, WITHDRAW_REASONS) if end < 0.017 else
                             (Step.STOP, STOP_REASONS))
            self.take(v, step, at, {"reason": r.choice(reasons)}, by=DESK)
            return
        if not same_day and not direct and r.random() < 0.6 and self.left(v, t) > 30:
            t = self.after(t, self.left(v, t) * r.uniform(0.3, 0.8))
            if not self.take(v, Step.HANDOVER, t, {"to_unit": LEADER, "to_person": r.choice(
                    self.unit_staff[LEADER]).full_name}, by=PROCESSING):
                return
        t = self.finish(v, t, late=r.random() < (0.03 if same_day else 0.05))
        if t is not None:
            self.give_back(v, t, same_day)

    def supplements(self, v: Visit, t: dt.datetime, rounds: int) -> dt.datetime | None:
        r = self.rng
        chance = 0.07 if v.procedure.unit is not DurationUnit.SAME_DAY else 0.015
        if rounds > 0:
            chance = 0.08
        if v.progress.status not in (Status.RECEIVED, Status.PROCESSING) or r.random() >= chance:
            return t
        t = self.after(t, r.uniform(0.05, 0.6) * max(self.left(v, t), 30))
        docs = [d.name for d in v.procedure.documents] or ["Giấy tờ chứng minh"]
        items = r.sample(docs, k=min(len(docs), r.choice((1, 1, 2))))
        if not self.take(v, Step.REQUEST_SUPPLEMENT, t,
                         {"items": items, "reason": r.choice(SUPPLEMENT_REASONS)}, by=HOLDER):
            return None
        fate = r.random()
        days = self.day_minutes
        if fate < 0.80:
            t = self.after(t, r.uniform(0.2, 8) * days)
            if not self.take(v, Step.RESUME, t):
                return None
            return self.supplements(v, t, rounds + 1)
        if fate < 0.87:
            self.take(v, Step.WITHDRAW, self.after(t, r.uniform(1, 20) * days),
                      {"reason": r.choice(WITHDRAW_REASONS)})
        elif fate < 0.93:
            self.take(v, Step.STOP, self.after(t, r.uniform(30, 60) * days),
                      {"reason": STOP_REASONS[0]})
        elif fate < 0.99:
            at = self.after(t, r.uniform(10, 30) * days)
            if self.take(v, Step.REFUSE_ON_MERITS, at,
                         self.refusal(at, REFUSE_REASONS[3]), by=PROCESSING):
                self.give_back(v, at, v.procedure.unit is DurationUnit.SAME_DAY)
        return None  # closed, or still waiting for ever (the last 1%)

    def refusal(self, at: dt.datetime, reason: str | None = None) -> dict:
        """The fields of a written refusal by the commune's chairman, dated ``at``."""
        self.refusals += 1
        return {"decision_no": f"{self.refusals}/TB-UBND", "decided_at": at,
                "decided_by": "Chủ tịch UBND xã",
                "reason": reason or self.rng.choice(REFUSE_REASONS)}

    def payment(self, v: Visit, t: dt.datetime) -> dt.datetime | None:
        r = self.rng
        t = self.after(t, r.uniform(0.1, 0.5) * max(self.left(v, t), 30))
        amount = r.choice((50_000, 100_000, 200_000, 500_000, 1_200_000))
        if not self.take(v, Step.REQUEST_PAYMENT, t, {
                "amount_vnd": amount, "note": "Nộp lệ phí, nghĩa vụ tài chính theo thông báo"},
                by=PROCESSING):
            return None
        t = self.after(t, r.uniform(0.3, 5) * self.day_minutes)
        if r.random() < 0.05:
            self.take(v, Step.WITHDRAW, t, {"reason": WITHDRAW_REASONS[0]})
            return None
        if not self.take(v, Step.PAYMENT_RECEIVED, t,
                         {"receipt_no": f"{t.year % 100:02d}{r.randrange(100_000):05d}"}):
            return None
        return t

    def finish(self, v: Visit, t: dt.datetime, late: bool) -> dt.datetime | None:
        r, cal = self.rng, self.cal
        if late and r.random() < 0.35:
            # Apologise at least one working day before the deadline and promise a new
            # working day (Mẫu 04); the dossier is late all the same (docs/law.md §15).
            due = v.progress.due_at
            cut_off = cal.last_apology_at(due, 1)
            ta = max(self.after(t, 1), cut_off - dt.timedelta(minutes=r.randint(30, 180)))
            if ta < cut_off:
                new_due = cal.closing(cal.add_working_days(due.date(), r.randint(1, 5)))
                if not self.take(v, Step.APOLOGIZE, ta, {
                        "reason": r.choice(APOLOGY_REASONS), "new_due_at": new_due},
                        by=self.staff.leader):
                    return None
                t = ta
        if late:
            tf = self.after(max(t, v.progress.due_at), r.uniform(30, 4 * self.day_minutes))
        else:
            left = self.left(v, t)
            tf = self.after(t, left * r.betavariate(2, 3)) if left > 1 else self.after(t, 5)
        if not self.take(v, Step.FINISH, tf, {"result": "Đã giải quyết, có kết quả"},
                         by=PROCESSING):
            return None
        return tf

    def give_back(self, v: Visit, t: dt.datetime, same_day: bool) -> None:
        r = self.rng
        wait = r.random()
        if wait < 0.0015:
            return  # the citizen never came back for the result
        if same_day and wait < 0.75:
            minutes = r.uniform(5, 90)
        elif wait < 0.97:
            minutes = r.expovariate(1 / (2.5 * self.day_minutes))
        else:
            minutes = r.uniform(10, 60) * self.day_minutes
        fields: dict = {"rating": r.choices(RATINGS, RATING_WEIGHTS)[0]}
        if r.random() < 0.08:
            proxy = self.people.pick()
            if proxy.kind == "citizen" and proxy.id_number != v.applicant_id_number:
                fields.update(recipient_kind="authorised", recipient_name=proxy.full_name,
                              recipient_id_number=proxy.id_number,
                              authorisation=f"Giấy ủy quyền ngày {t:%d/%m/%Y}")
        if v.return_method == "post":
            fields["postal_ref"] = f"EB{r.randrange(10**9):09d}VN"
        fee = (v.procedure.fee_vnd or 0) * (r.randint(1, 10) if v.procedure.fee_vnd == 2000
                                            else v.sets)
        if fee:
            fields.update(fee_vnd=fee, fee_receipt_no=f"{r.randrange(10**7):07d}")
        desk = v.desk
        if len(self.desks) > 1 and r.random() < 0.25:
            desk = r.choice(self.desks)
        self.take(v, Step.RETURN, self.after(t, minutes), fields, desk)
