"""The dossier's legal forms, Mẫu 01 to 05 (TT 01/2018/TT-VPCP, docs/law.md §1.3): their
titles, and the step each of Mẫu 02-04 is made from. One list for the printing, the window
and the command line."""

from __future__ import annotations

from collections.abc import Iterable

from counter_app.errors import ValidationError

FORMS = {
    "01": "Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
    "02": "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ",
    "03": "Phiếu từ chối tiếp nhận giải quyết hồ sơ",
    "04": "Phiếu xin lỗi và hẹn lại ngày trả kết quả",
    "05": "Phiếu kiểm soát quá trình giải quyết hồ sơ",
}
#: Form -> the event kind it is made from (Mẫu 01 and 05 exist from reception on).
SOURCE_EVENT = {"02": "request_supplement", "03": "refuse", "04": "apologize"}


def normalise(form: object) -> str:
    """"2", "02" or "Mẫu 02" -> "02"; anything else raises ValidationError."""
    value = str(form or "").strip().lower().removeprefix("mẫu").strip()
    if value.isdigit() and value.zfill(2) in FORMS:
        return value.zfill(2)
    raise ValidationError({"form": f"Không có mẫu “{form}”; chỉ in được Mẫu 01 đến Mẫu 05."})


def available(event_kinds: Iterable[str]) -> list[str]:
    """The forms that can be printed for a dossier whose events are of these kinds."""
    kinds = set(event_kinds)
    return [f for f in FORMS if f not in SOURCE_EVENT or SOURCE_EVENT[f] in kinds]
