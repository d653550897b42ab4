"""What the dossier window says about a dossier, in Vietnamese: dates, durations, money and
a short human summary of each event (never its raw payload). Plain Python, no Qt."""

from __future__ import annotations

import datetime as dt

from counter_app.domain.forwarding import PAPER_MEANS_LABELS
from counter_app.domain.legal_forms import FormKind
from counter_app.domain.lifecycle import Verdict
from counter_app.domain.lifecycle import event_label as lifecycle_event_label
from counter_app.domain.step_requests import METHOD_LABELS, RECIPIENT_LABELS, Rating
from counter_app.domain.vn_numbers import thousands

#: Short names for buttons and lists (the full title is in the tooltip and the preview).
FORM_SHORT = {FormKind.RECEIPT: "Giấy tiếp nhận, hẹn trả",
              FormKind.SUPPLEMENT: "Phiếu yêu cầu bổ sung",
              FormKind.REFUSAL: "Phiếu từ chối tiếp nhận",
              FormKind.APOLOGY: "Xin lỗi, hẹn lại ngày trả",
              FormKind.STOP: "Thông báo dừng giải quyết",
              FormKind.CONTROL: "Phiếu kiểm soát"}
#: Step buttons' short texts (the full name is the tooltip and the form's title): a row of
#: them must fit a 1024-pixel screen.
STEP_SHORT = {
    "refuse_on_merits": "Không giải quyết (có văn bản)",
    "stop": "Dừng theo đề nghị",
    "request_payment": "Yêu cầu nghĩa vụ tài chính",
    "payment_received": "Đã nộp nghĩa vụ tài chính",
    "resume": "Nhận bổ sung",
    "finish": "Đã xử lý xong",
    "send_paper": "Gửi hồ sơ giấy…",
    "receive_paper": "Đã nhận hồ sơ giấy…",
}
DEADLINE_LABELS = {"overdue": "quá hạn", "warning": "sắp đến hạn"}


def moment(value: dt.datetime | str | None) -> str:
    """dd/mm/yyyy HH:MM; ISO text (with or without an offset) is read as local time."""
    if not value:
        return ""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return f"{value:%d/%m/%Y %H:%M}"


def money(amount: int | None) -> str:
    return thousands(int(amount or 0)) + " đồng"


def working_time(minutes: int) -> str:
    """Office-hour minutes as '2 giờ 30 phút' (a working day has 8 office hours)."""
    hours, rest = divmod(int(minutes), 60)
    if not hours:
        return f"{rest} phút"
    return f"{hours} giờ {rest} phút" if rest else f"{hours} giờ"


def verdict_label(value: str | Verdict | None) -> str:
    return Verdict(value).label if value else ""


def rating_label(value: str | None) -> str:
    return Rating(value).label if value else "Không đánh giá"


def _join(*parts: str) -> str:
    return "; ".join(p for p in parts if p)


def _if(prefix: str, value: object) -> str:
    return f"{prefix}{value}" if value else ""


def summary(kind: str, p: dict) -> str:
    """One line a commune officer reads at a glance."""
    if kind == "received":
        return _join(p.get("procedure_name", ""), _if("hẹn trả ", moment(p.get("due_at"))),
                     _if("hẹn muộn vì: ", p.get("due_change_reason")))
    if kind == "handover":
        to = p.get("to_unit", "") + _if(" – ", p.get("to_person"))
        return _join(f"Từ {p.get('from_unit', '')} đến {to}",
                     _if("hạn xử lý ", moment(p.get("step_due_at"))),
                     _if("ghi chú: ", p.get("note")))
    if kind == "request_supplement":
        return _join("Cần bổ sung: " + ", ".join(p.get("items", [])),
                     _if("lý do: ", p.get("reason")))
    if kind == "resume":
        return _join(f"Chờ bổ sung {working_time(p.get('waited_minutes', 0))} làm việc",
                     f"hẹn trả mới {moment(p.get('new_due_at'))} "
                     f"(trước: {moment(p.get('old_due_at'))})", _if("ghi chú: ", p.get("note")))
    if kind == "request_payment":
        return _join(money(p.get("amount_vnd")), p.get("note", ""))
    if kind == "payment_received":
        return _if("Biên lai số ", p.get("receipt_no"))
    if kind == "refuse":
        return _join("Từ chối ngay khi kiểm tra, không tiếp nhận" if p.get("at_reception")
                     else "", _if("lý do: ", p.get("reason")))
    if kind == "stop":
        return _join(_if("Theo đề nghị của ", p.get("requested_by")),
                     _if("lý do: ", p.get("reason")))
    if kind == "withdraw":
        return _if("Lý do: ", p.get("reason"))
    if kind == "refuse_on_merits":
        return _join(_if("Văn bản số ", p.get("decision_no")),
                     _if("ngày ", moment(p.get("decided_at"))[:10]),
                     _if("người ký: ", p.get("decided_by")), verdict_label(p.get("verdict")),
                     _if("lý do: ", p.get("reason")))
    if kind == "apologize":
        return _join(f"Hẹn lại {moment(p.get('new_due_at'))} "
                     f"(trước: {moment(p.get('old_due_at'))})", _if("lý do: ", p.get("reason")))
    if kind == "finish":
        return _join(f"Xong lúc {moment(p.get('finished_at'))}", verdict_label(p.get("verdict")),
                     _if("kết quả: ", p.get("result")))
    if kind == "attach":
        return _join(f"{p.get('name', '')}: {p.get('pages', 0)} trang",
                     _if("dùng lại bản số hóa từ hồ sơ ", p.get("reused_from")))
    if kind == "send_paper":
        return _join(PAPER_MEANS_LABELS.get(p.get("by"), ""), _if("ghi chú: ", p.get("note")))
    if kind == "receive_paper":
        return _if("Ghi chú: ", p.get("note"))
    if kind == "return":
        who = p.get("recipient_name", "") + _if(", giấy tờ ", p.get("recipient_id_number"))
        fee = money(p["fee_vnd"]) + _if(", biên lai ", p.get("fee_receipt_no")) \
            if p.get("fee_vnd") else ""
        return _join(f"{RECIPIENT_LABELS.get(p.get('recipient_kind'), 'Người nhận')}: {who}",
                     METHOD_LABELS.get(p.get("method"), "") + _if(" ", p.get("postal_ref")),
                     _if("phí, lệ phí ", fee), "đánh giá: " + rating_label(p.get("rating")),
                     _if("ý kiến: ", p.get("comment")))
    return ""


def event_label(kind: str, payload: dict | None = None) -> str:
    return lifecycle_event_label(kind, payload)
