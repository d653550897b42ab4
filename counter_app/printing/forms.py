"""The forms of one dossier, Mẫu 01 to 05 (TT 01/2018/TT-VPCP), by number.

Mẫu 02, 03 and 04 are made from the event they record (the latest supplement request, the
refusal, the apology); asking for one the dossier has no event for raises FormUnavailable.
Mẫu 01 and 05 can always be printed.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from counter_app.domain.agency import AgencySettings
from counter_app.errors import FormUnavailable, ValidationError
from counter_app.printing import (
    apology_letter,
    control_slip,
    receipt_slip,
    refusal_notice,
    supplement_request,
)
from counter_app.store.dossier_store import DossierRow

FORMS = {
    "01": "Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
    "02": "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ",
    "03": "Phiếu từ chối tiếp nhận giải quyết hồ sơ",
    "04": "Phiếu xin lỗi và hẹn lại ngày trả kết quả",
    "05": "Phiếu kiểm soát quá trình giải quyết hồ sơ",
}
#: Form -> (the event kind it is made from, its renderer, why it is missing).
_FROM_EVENT = {
    "02": ("request_supplement", supplement_request,
           "Hồ sơ chưa có yêu cầu bổ sung nên chưa có Mẫu 02."),
    "03": ("refuse", refusal_notice, "Hồ sơ không bị từ chối tiếp nhận nên không có Mẫu 03."),
    "04": ("apologize", apology_letter,
           "Hồ sơ chưa có phiếu xin lỗi, hẹn lại ngày trả nên chưa có Mẫu 04."),
}


def normalise(form: object) -> str:
    """"2", "02" or "Mẫu 02" -> "02"; anything else raises ValidationError."""
    value = str(form or "").strip().lower().removeprefix("mẫu").strip()
    if value.isdigit() and value.zfill(2) in FORMS:
        return value.zfill(2)
    raise ValidationError({"form": f"Không có mẫu “{form}”; chỉ in được Mẫu 01 đến Mẫu 05."})


def available(events: Sequence) -> list[str]:
    """The forms that can be printed for a dossier with these events."""
    kinds = {e.kind for e in events}
    return [f for f in FORMS if f not in _FROM_EVENT or _FROM_EVENT[f][0] in kinds]


def render(form: str, dossier: DossierRow, events: Sequence, agency: AgencySettings,
           out: str | Path | None = None) -> bytes:
    """Form ``form`` of ``dossier`` as PDF bytes; also written to ``out`` when given."""
    form = normalise(form)
    if form == "01":
        return receipt_slip.render(dossier, agency, out)
    if form == "05":
        return control_slip.render(dossier, events, agency, out)
    kind, module, missing = _FROM_EVENT[form]
    found = [e for e in events if e.kind == kind]
    if not found:
        raise FormUnavailable(missing)
    return module.render(dossier, found[-1], agency, out)
