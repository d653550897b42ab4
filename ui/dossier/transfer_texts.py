"""What the dossier window says about a dossier received for another body (docs/law.md §14):
who received it, who decides it, and how far its electronic copy and its paper have gone.
Plain Python, no Qt."""

from __future__ import annotations

import datetime as dt

from counter_app.domain.forwarding import PAPER_MEANS_LABELS
from counter_app.store.dossier_store import DossierRow
from ui.dossier.texts import moment


def _at(value) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def agency(code: str, names: dict[str, str]) -> str:
    """"UBND xã Đông Sơn (000.16.22.H56)", or the code alone when its name is not known."""
    name = names.get(code, "")
    return f"{name} ({code})" if name else code


def agency_names(d: DossierRow, here_code: str, here_name: str,
                 units: dict[str, str]) -> dict[str, str]:
    """Code -> name of the two sides: this desk's own, the province's units, and the name
    the dossier was received with."""
    names = {**units, here_code: here_name}
    if d.data.get("competent_name"):
        names.setdefault(d.competent_agency, d["competent_name"])
    if d.data.get("receiving_name"):
        names.setdefault(d.receiving_agency, d["receiving_name"])
    return names


def forward_line(d: DossierRow, now: dt.datetime) -> tuple[str, bool]:
    """"hạn …, đã chuyển …" and whether it is late (not sent and past its time)."""
    due, done = _at(d.data.get("forward_due_at")), _at(d.data.get("forwarded_at"))
    parts = [f"hạn {moment(due)}"] if due else []
    parts.append(f"đã chuyển {moment(done)}" if done else "chưa chuyển")
    return ", ".join(parts), done is None and due is not None and now > due


def paper_line(d: DossierRow, now: dt.datetime) -> tuple[str, bool]:
    """"hạn gửi …, đã gửi … (cách gửi), đã nhận …" and whether it is late."""
    due = _at(d.data.get("paper_due_at"))
    sent, received = _at(d.data.get("paper_sent_at")), _at(d.data.get("paper_received_at"))
    parts = [f"hạn gửi {moment(due)}"] if due else []
    if sent:
        means = PAPER_MEANS_LABELS.get(d.data.get("paper_by") or "", "")
        parts.append(f"đã gửi {moment(sent)}" + (f" ({means.lower()})" if means else ""))
    elif not received:
        parts.append("chưa gửi")
    parts.append(f"đã nhận {moment(received)}" if received else "chưa nhận")
    return ", ".join(parts), sent is None and due is not None and now > due


def side_note(d: DossierRow, here: str, names: dict[str, str]) -> str:
    """What this desk does with the dossier, for the step box of the window."""
    if not d.is_transfer:
        return ""
    if here == d.receiving_agency:
        return (f"Hồ sơ do {names.get(d.competent_agency) or d.competent_agency} giải quyết: "
                "tại đây gửi hồ sơ giấy, nhận bổ sung và trả kết quả.")
    if here == d.competent_agency:
        return (f"Hồ sơ do {names.get(d.receiving_agency) or d.receiving_agency} tiếp nhận: "
                "tại đây xử lý; kết quả trả tại nơi tiếp nhận.")
    return ""
