"""What the officer enters for each step, validated into the payload of its event.

``decide`` checks the status machine first, then every field (all problems at once, in
Vietnamese, keyed by field name), and returns the payload that ``lifecycle.evolve`` applies.
Nothing here writes; the store records the payload in one transaction.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum

from counter_app.domain.citizen_id import normalise_id
from counter_app.domain.forwarding import PAPER_MEANS_LABELS, PaperMeans
from counter_app.domain.lifecycle import Progress, Step, check_allowed, timeliness
from counter_app.domain.text import clean
from counter_app.domain.working_calendar import WorkingCalendar
from counter_app.errors import ValidationError

MAX_TEXT = 1000
#: A deadline typed further ahead than this is a typing mistake (e.g. the wrong year).
MAX_AHEAD = dt.timedelta(days=366)


class Rating(StrEnum):
    """The citizen's rating at return (docs/law.md §5.2, the three levels used at counters)."""
    VERY_SATISFIED = "very_satisfied"
    SATISFIED = "satisfied"
    NOT_SATISFIED = "not_satisfied"

    @property
    def label(self) -> str:
        return {"very_satisfied": "Rất hài lòng", "satisfied": "Hài lòng",
                "not_satisfied": "Không hài lòng"}[self.value]


RECIPIENT_LABELS = {"applicant": "Người nộp hồ sơ", "authorised": "Người được ủy quyền"}
METHOD_LABELS = {"counter": "Tại Bộ phận một cửa", "post": "Qua dịch vụ bưu chính"}


@dataclass(frozen=True)
class StepContext:
    """What a step needs to know besides the officer's input."""
    now: dt.datetime
    calendar: WorkingCalendar
    applicant_name: str
    applicant_id_number: str
    return_method: str
    officer: str
    hotline: str = ""
    #: An apology is made at least this many working days before the slip's deadline.
    apology_days_before: int = 1
    received_at: dt.datetime | None = None


def _iso(value: dt.datetime | None, spec: str = "minutes") -> str | None:
    return value.isoformat(timespec=spec) if value else None


_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:\s+(\d{1,2})[:hg](\d{2}))?$")


def parse_moment(value: object, calendar: WorkingCalendar) -> dt.datetime:
    """A datetime from a datetime, a date (its closing time), ISO text or dd/mm/yyyy [HH:MM]."""
    if isinstance(value, dt.datetime):
        return value.replace(second=0, microsecond=0, tzinfo=None)
    if isinstance(value, dt.date):
        return calendar.closing(value)
    text = clean(value)
    m = _DMY.match(text)
    if m:
        day = dt.date(int(m[3]), int(m[2]), int(m[1]))
        if m[4] is None:
            return calendar.closing(day)
        return dt.datetime.combine(day, dt.time(int(m[4]), int(m[5])))
    if len(text) == 10:
        return calendar.closing(dt.date.fromisoformat(text))
    return dt.datetime.fromisoformat(text).replace(second=0, microsecond=0, tzinfo=None)


def _default_step_due(calendar: WorkingCalendar, due: dt.datetime,
                      now: dt.datetime) -> dt.datetime:
    """The appointment; for a dossier already late, the end of the current working day."""
    if due > now:
        return due
    today = calendar.closing(calendar.working_day_on_or_after(now.date()))
    return today if today > now else calendar.closing(calendar.next_working_day(now.date()))


class _Fields:
    """Reads the officer's fields and collects every problem before raising."""

    def __init__(self, data: dict, calendar: WorkingCalendar):
        self.data, self.calendar, self.errors = data, calendar, {}

    def text(self, key: str, label: str, required: bool = False, default: str = "") -> str:
        value = clean(self.data.get(key)) or default
        if required and not value:
            self.errors[key] = f"Chưa nhập {label}."
        elif len(value) > MAX_TEXT:
            self.errors[key] = f"{label.capitalize()} quá dài (tối đa {MAX_TEXT} ký tự)."
        return value

    def lines(self, key: str, label: str) -> list[str]:
        raw = self.data.get(key) or []
        items = raw.splitlines() if isinstance(raw, str) else list(raw)
        items = [clean(i) for i in items if clean(i)]
        if not items:
            self.errors[key] = f"Chưa nhập {label}."
        return items

    def moment(self, key: str, label: str, required: bool = False) -> dt.datetime | None:
        value = self.data.get(key)
        if value in (None, ""):
            if required:
                self.errors[key] = f"Chưa nhập {label}."
            return None
        try:
            return parse_moment(value, self.calendar)
        except (ValueError, TypeError):
            self.errors[key] = f"{label.capitalize()} không hợp lệ (ví dụ: 25/11/2026 16:30)."
            return None

    def money(self, key: str, label: str) -> int:
        value = self.data.get(key)
        if value in (None, ""):
            return 0
        try:
            amount = int(str(value).replace(".", "").replace(",", "").replace(" ", ""))
        except ValueError:
            self.errors[key] = f"{label.capitalize()} phải là số tiền (đồng), ví dụ 8000."
            return 0
        if amount < 0:
            self.errors[key] = f"{label.capitalize()} không được âm."
        return amount

    def choice(self, key: str, label: str, options: dict, default: str) -> str:
        value = clean(self.data.get(key)) or default
        if value not in options:
            self.errors[key] = f"{label.capitalize()} không hợp lệ: “{value}”."
        return value

    def done(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)


def decide(step: Step, p: Progress, data: dict, ctx: StepContext) -> dict:
    """Validate a step for a dossier in state ``p``; return its event payload."""
    check_allowed(step, p)
    f = _Fields(data, ctx.calendar)
    now = ctx.now.replace(microsecond=0)
    payload: dict = {"at": _iso(now, "seconds")}
    if step is Step.HANDOVER:
        payload["from_unit"] = p.holder
        payload["to_unit"] = f.text("to_unit", "nơi nhận hồ sơ", required=True)
        payload["to_person"] = f.text("to_person", "người nhận")
        step_due = f.moment("step_due_at", "hạn của bước này")
        if step_due is None:
            step_due = _default_step_due(ctx.calendar, p.due_at, now)
        elif step_due <= now:
            f.errors["step_due_at"] = "Hạn của bước xử lý phải sau thời điểm bàn giao."
        elif step_due > now + MAX_AHEAD:
            f.errors["step_due_at"] = "Hạn của bước xử lý quá xa (hơn một năm); kiểm tra lại năm."
        if payload["to_unit"] and payload["to_unit"] == p.holder:
            f.errors["to_unit"] = f"Hồ sơ đang ở “{p.holder}”; hãy chọn nơi nhận khác."
        payload["step_due_at"] = _iso(step_due)
        payload["note"] = f.text("note", "ghi chú")
    elif step is Step.REQUEST_SUPPLEMENT:
        payload["items"] = f.lines("items", "nội dung cần bổ sung")
        payload["reason"] = f.text("reason", "lý do", required=True)
        payload["contact"] = f.text("contact", "người liên hệ", default=ctx.officer)
        payload["contact_phone"] = f.text("contact_phone", "số điện thoại liên hệ",
                                          default=ctx.hotline)
    elif step is Step.RESUME:
        waited = ctx.calendar.working_minutes_between(p.paused_at or now, now)
        payload["waited_minutes"] = waited
        payload["paused_at"] = _iso(p.paused_at, "seconds")
        payload["old_due_at"] = _iso(p.due_at)
        payload["new_due_at"] = _iso(ctx.calendar.shift_deadline(p.due_at, waited))
        # Always written, None when no apology is known here: it marks the event as one
        # that moves the slip's deadline and the apology's date each on its own.
        payload["new_extended_due_at"] = _iso(
            ctx.calendar.shift_deadline(p.extended_due_at, waited) if p.extended_due_at
            else None)
        if p.step_due_at:
            payload["new_step_due_at"] = _iso(ctx.calendar.shift_deadline(p.step_due_at, waited))
        payload["note"] = f.text("note", "ghi chú")
    elif step is Step.REQUEST_PAYMENT:
        payload["amount_vnd"] = f.money("amount_vnd", "số tiền")
        payload["note"] = f.text("note", "nội dung nghĩa vụ tài chính", required=True)
    elif step is Step.PAYMENT_RECEIVED:
        payload["receipt_no"] = f.text("receipt_no", "số biên lai", required=True)
    elif step is Step.REFUSE:  # only at reception, before the dossier is received
        payload["reason"] = f.text("reason", "lý do", required=True)
        payload["at_reception"] = True
    elif step is Step.STOP:  # NĐ 118/2025 Đ21: at the citizen's request, before a decision
        payload["reason"] = f.text("reason", "lý do người nộp đề nghị dừng", required=True)
        asked = (f.moment("requested_at", "thời điểm người nộp đề nghị dừng")
                 or now.replace(second=0))
        if asked > now:
            f.errors["requested_at"] = "Thời điểm đề nghị dừng không thể ở tương lai."
        elif ctx.received_at is not None and asked < ctx.received_at.replace(second=0):
            f.errors["requested_at"] = ("Thời điểm đề nghị dừng phải sau khi tiếp nhận hồ sơ "
                                        f"({ctx.received_at:%H:%M %d/%m/%Y}).")
        payload["requested_at"] = _iso(asked, "seconds")
        payload["requested_by"] = f.text("requested_by", "người đề nghị",
                                         default=ctx.applicant_name)
    elif step is Step.REFUSE_ON_MERITS:
        payload["decision_no"] = f.text("decision_no", "số văn bản, quyết định", required=True)
        decided = f.moment("decided_at", "ngày ban hành văn bản", required=True)
        if decided is not None and decided > now and decided.date() == now.date():
            decided = now  # a date alone means its closing time; today means now
        if decided is not None and decided > now:
            f.errors["decided_at"] = "Ngày ban hành văn bản không thể ở tương lai."
        elif (decided is not None and ctx.received_at is not None
              and decided.date() < ctx.received_at.date()):
            f.errors["decided_at"] = "Ngày ban hành văn bản phải từ ngày tiếp nhận hồ sơ trở đi."
        payload["decided_at"] = _iso(decided or now, "seconds")
        payload["decided_by"] = f.text("decided_by", "cơ quan, người ký văn bản",
                                       required=True)
        payload["reason"] = f.text("reason", "lý do không giải quyết", required=True)
        payload["due_at"] = _iso(p.due_at)
        if decided is not None:
            payload["verdict"] = timeliness(decided, p.due_at).value
    elif step is Step.WITHDRAW:
        payload["reason"] = f.text("reason", "lý do",
                                   default="Theo đề nghị của người nộp hồ sơ")
    elif step is Step.APOLOGIZE:
        payload["reason"] = f.text("reason", "lý do chậm trả kết quả", required=True)
        new_due = f.moment("new_due_at", "ngày hẹn trả mới", required=True)
        last = ctx.calendar.last_apology_at(p.due_at, ctx.apology_days_before)
        if now > last:
            f.errors["apology"] = (
                f"Đã quá hạn xin lỗi và đề nghị gia hạn: phải làm chậm nhất "
                f"{ctx.apology_days_before} ngày làm việc trước hạn trả "
                f"({p.due_at:%H:%M %d/%m/%Y}), tức là đến {last:%H:%M %d/%m/%Y}. Hồ sơ "
                "trả sau hạn vẫn tính là trễ hạn.")
        elif new_due is not None:
            if new_due <= p.due_at:
                f.errors["new_due_at"] = (
                    f"Ngày hẹn mới phải sau ngày hẹn hiện tại ({p.due_at:%H:%M %d/%m/%Y}).")
            elif new_due <= now:
                f.errors["new_due_at"] = "Ngày hẹn mới phải ở tương lai."
            elif new_due > now + MAX_AHEAD:
                f.errors["new_due_at"] = "Ngày hẹn mới quá xa (hơn một năm); kiểm tra lại năm."
            elif not ctx.calendar.is_working_day(new_due.date()):
                f.errors["new_due_at"] = f"Ngày {new_due:%d/%m/%Y} là ngày nghỉ."
        payload["old_due_at"] = _iso(p.due_at)
        payload["new_due_at"] = _iso(new_due)
    elif step is Step.FINISH:
        finished = f.moment("finished_at", "thời điểm xử lý xong") or now
        if finished > now:
            f.errors["finished_at"] = "Thời điểm xử lý xong không thể ở tương lai."
        elif p.step_started_at and finished < p.step_started_at.replace(second=0):
            f.errors["finished_at"] = (
                f"Thời điểm xử lý xong phải sau lần bàn giao gần nhất "
                f"({p.step_started_at:%H:%M %d/%m/%Y}).")
        payload["finished_at"] = _iso(finished, "seconds")
        payload["from_unit"] = p.holder
        payload["due_at"] = _iso(p.due_at)
        payload["verdict"] = timeliness(finished, p.due_at).value
        if p.step_due_at:
            payload["step_verdict"] = timeliness(finished, p.step_due_at).value
        payload["result"] = f.text("result", "kết quả giải quyết")
    elif step is Step.RETURN:
        _return_fields(f, payload, ctx)
    elif step is Step.SEND_PAPER:
        payload["by"] = f.choice("by", "cách gửi hồ sơ giấy", PAPER_MEANS_LABELS,
                                 PaperMeans.POST.value)
        payload["note"] = f.text("note", "ghi chú (số vận đơn, người mang)")
    elif step is Step.RECEIVE_PAPER:
        payload["note"] = f.text("note", "ghi chú")
    f.done()
    return payload


def _return_fields(f: _Fields, payload: dict, ctx: StepContext) -> None:
    kind = f.choice("recipient_kind", "người nhận kết quả", RECIPIENT_LABELS, "applicant")
    payload["recipient_kind"] = kind
    if kind == "authorised":
        payload["recipient_name"] = f.text("recipient_name", "họ tên người được ủy quyền",
                                           required=True)
        payload["recipient_id_number"] = normalise_id(
            f.text("recipient_id_number", "số giấy tờ của người được ủy quyền", required=True))
        payload["authorisation"] = f.text("authorisation", "giấy ủy quyền")
    else:
        payload["recipient_name"] = f.text("recipient_name", "người nhận",
                                           default=ctx.applicant_name)
        payload["recipient_id_number"] = normalise_id(
            f.text("recipient_id_number", "số giấy tờ", default=ctx.applicant_id_number))
    method = f.choice("method", "hình thức trả", METHOD_LABELS, ctx.return_method or "counter")
    payload["method"] = method
    payload["postal_ref"] = f.text("postal_ref", "mã bưu gửi", required=method == "post")
    fee = f.money("fee_vnd", "phí, lệ phí đã thu")
    payload["fee_vnd"] = fee
    payload["fee_receipt_no"] = f.text("fee_receipt_no", "số biên lai thu phí, lệ phí",
                                       required=fee > 0)
    rating = clean(f.data.get("rating"))
    if rating and rating not in {r.value for r in Rating}:
        f.errors["rating"] = "Mức đánh giá phải là: Rất hài lòng, Hài lòng hoặc Không hài lòng."
    payload["rating"] = rating
    payload["comment"] = f.text("comment", "ý kiến của người dân")
