"""The forms of one dossier, by number in the dossier's form family (docs/law.md §21).

The supplement request, the refusal, the apology and the stop notice are made from the
event they record (the latest of its kind); asking for one the dossier has no event for
raises FormUnavailable. The slip and the control slip can always be printed, except for a
dossier refused at reception: it was never received, so its only form is the refusal.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from counter_app.domain.agency import AgencySettings
from counter_app.domain.legal_forms import SOURCE_EVENT, FormKind, available, normalise
from counter_app.errors import FormUnavailable
from counter_app.printing import (
    apology_letter,
    control_slip,
    receipt_slip,
    refusal_notice,
    stop_notice,
    supplement_request,
)
from counter_app.store.dossier_store import DossierRow

#: Form -> (its renderer, why it is missing); the event it is made from is SOURCE_EVENT.
_FROM_EVENT = {
    FormKind.SUPPLEMENT: (supplement_request, "Hồ sơ chưa có yêu cầu bổ sung nên chưa có "
                                              "phiếu yêu cầu bổ sung."),
    FormKind.REFUSAL: (refusal_notice, "Hồ sơ không bị từ chối tiếp nhận nên không có "
                                       "phiếu từ chối."),
    FormKind.APOLOGY: (apology_letter, "Hồ sơ chưa có văn bản xin lỗi, hẹn lại ngày trả."),
    FormKind.STOP: (stop_notice, "Hồ sơ chưa được dừng giải quyết nên chưa có thông báo dừng."),
}
NOT_RECEIVED = "Hồ sơ bị từ chối tiếp nhận (chưa được tiếp nhận) nên chỉ có phiếu từ chối."


def printable(dossier: DossierRow, events: Sequence) -> list[str]:
    """The form numbers (in the dossier's family) that can be printed for it now."""
    if refused_at_reception(events):
        return [dossier.words.number(FormKind.REFUSAL)]
    return available(dossier.family, (e.kind for e in events))


def refused_at_reception(events: Sequence) -> bool:
    return any(e.kind == "refuse" and e.payload.get("at_reception") for e in events)


def render(form: str, dossier: DossierRow, events: Sequence, agency: AgencySettings,
           out: str | Path | None = None) -> bytes:
    """Form ``form`` of ``dossier`` as PDF bytes; also written to ``out`` when given."""
    words = dossier.words
    number = normalise(form, dossier.family)
    kind = words.kind(number)
    if kind is not FormKind.REFUSAL and refused_at_reception(events):
        raise FormUnavailable(NOT_RECEIVED)
    if kind is FormKind.RECEIPT:
        return receipt_slip.render(dossier, agency, out)
    if kind is FormKind.CONTROL:
        return control_slip.render(dossier, events, agency, out)
    module, missing = _FROM_EVENT[kind]
    found = [e for e in events if e.kind == SOURCE_EVENT[kind]]
    if not found:
        raise FormUnavailable(missing)
    return module.render(dossier, found[-1], agency, out)
