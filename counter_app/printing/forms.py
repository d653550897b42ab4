"""The forms of one dossier, Mẫu 01 to 05 (TT 01/2018/TT-VPCP), by number.

Mẫu 02, 03 and 04 are made from the event they record (the latest supplement request, the
refusal, the apology); asking for one the dossier has no event for raises FormUnavailable.
Mẫu 01 and 05 can always be printed.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from counter_app.domain.agency import AgencySettings
from counter_app.domain.legal_forms import SOURCE_EVENT, normalise
from counter_app.errors import FormUnavailable
from counter_app.printing import (
    apology_letter,
    control_slip,
    receipt_slip,
    refusal_notice,
    supplement_request,
)
from counter_app.store.dossier_store import DossierRow

#: Form -> (its renderer, why it is missing); the event it is made from is SOURCE_EVENT.
_FROM_EVENT = {
    "02": (supplement_request, "Hồ sơ chưa có yêu cầu bổ sung nên chưa có Mẫu 02."),
    "03": (refusal_notice, "Hồ sơ không bị từ chối tiếp nhận nên không có Mẫu 03."),
    "04": (apology_letter, "Hồ sơ chưa có phiếu xin lỗi, hẹn lại ngày trả nên chưa có Mẫu 04."),
}


def render(form: str, dossier: DossierRow, events: Sequence, agency: AgencySettings,
           out: str | Path | None = None) -> bytes:
    """Form ``form`` of ``dossier`` as PDF bytes; also written to ``out`` when given."""
    form = normalise(form)
    if form == "01":
        return receipt_slip.render(dossier, agency, out)
    if form == "05":
        return control_slip.render(dossier, events, agency, out)
    module, missing = _FROM_EVENT[form]
    found = [e for e in events if e.kind == SOURCE_EVENT[form]]
    if not found:
        raise FormUnavailable(missing)
    return module.render(dossier, found[-1], agency, out)
