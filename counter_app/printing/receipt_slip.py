"""Mẫu 01: GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ, in the dossier's form family
(TT 01/2018 or TT 03/2025, docs/law.md §1.3, §21); the wording is the family's resource.

Two copies (liên), one A4 page each: Liên 1 stays with the dossier, Liên 2 goes to the
person who submitted it. Each carries the dossier code as a Code128 barcode. The TT 03
slip adds the "Số: …/TTPVHCC" line and, when someone submits for the applicant, that
person's details.
"""

from __future__ import annotations

import functools
from pathlib import Path

from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, PageBreak, Paragraph, Spacer, Table

from counter_app.domain.agency import AgencySettings
from counter_app.domain.legal_forms import FormKind
from counter_app.domain.procedures import DocForm
from counter_app.domain.reception import ApplicantKind, ReturnMethod
from counter_app.domain.working_calendar import DurationUnit, describe_duration
from counter_app.printing.barcode_flowable import BarcodeFlowable
from counter_app.printing.form_parts import (
    dossier_pdf,
    grid_style,
    header,
    issuer,
    sentence,
    signature_block,
    styles,
    text,
    vn_datetime_phrase,
)
from counter_app.store.dossier_store import DossierRow


def _documents_table(dossier: DossierRow, width: float) -> Table:
    s = styles()
    rows = [[Paragraph("<b>TT</b>", s["cell_center"]), Paragraph("<b>Tên giấy tờ</b>", s["cell_center"]),
             Paragraph("<b>Bản chính</b>", s["cell_center"]),
             Paragraph("<b>Bản sao</b>", s["cell_center"]), Paragraph("<b>Ghi chú</b>", s["cell_center"])]]
    received = [d for d in dossier.documents if d.get("received", True)]
    for i, d in enumerate(received, 1):
        form = DocForm(d["form"])
        original = copy = ""
        note = ""
        if form is DocForm.ORIGINAL:
            original = f"{d['count']:02d}"
        elif form is DocForm.PRESENT:
            note = "Xuất trình bản chính"
        else:
            copy = f"{d['count']:02d}"
            note = "Bản sao có chứng thực" if form is DocForm.CERTIFIED_COPY else ""
        rows.append([Paragraph(str(i), s["cell_center"]), Paragraph(text(d["name"]), s["cell"]),
                     Paragraph(original, s["cell_center"]), Paragraph(copy, s["cell_center"]),
                     Paragraph(text(note), s["cell"])])
    table = Table(rows, colWidths=[width * f for f in (0.07, 0.53, 0.11, 0.11, 0.18)],
                  repeatRows=1)
    table.setStyle(grid_style())
    return table


def _transfer_lines(dossier: DossierRow, office: str) -> list[str]:
    """For a dossier received for another body: where it goes, and that the result comes
    back here to be returned (docs/law.md §14)."""
    if not dossier.is_transfer:
        return []
    body = dossier.data.get("competent_name") or dossier.competent_agency
    return [f"Hồ sơ được tiếp nhận không phụ thuộc địa giới hành chính và chuyển đến "
            f"<b>{text(body)}</b> để giải quyết; kết quả được chuyển về {office}, nơi đã "
            "tiếp nhận hồ sơ, để trả cho người nộp."]


def _copy_story(dossier: DossierRow, agency: AgencySettings, copy_label: str, width: float) -> list:
    s = styles()
    words = dossier.words
    say = functools.partial(sentence, words, FormKind.RECEIPT)
    received_at, due_at = dossier.received_at, dossier.due_at
    procedure = dossier.procedure
    is_org = dossier["applicant_kind"] == ApplicantKind.ORGANISATION.value
    unit = DurationUnit(procedure["unit"])
    office = text(issuer(agency, words)[1])
    story = [
        Paragraph(f"<i>{text(copy_label)}</i>", s["small"]),
        header(agency, received_at.date(), width, words=words),
        Paragraph(text(words.title(FormKind.RECEIPT)), s["title"]),
        Paragraph(f"Mã hồ sơ: <b>{text(dossier.code)}</b>", s["center"]),
        Spacer(1, 1 * mm),
        BarcodeFlowable(dossier.code),
        Spacer(1, 2 * mm),
    ]
    lines = [
        say("counter_line", agency=office, centre=office),
        say("from_organisation" if is_org else "from_person")
        + f"<b>{text(dossier['applicant_name'])}</b>",
        say("id_organisation" if is_org else "id_person") + text(dossier["applicant_id_number"]),
        f"Địa chỉ: {text(dossier['applicant_address'] or '……………………………………')}",
        f"Số điện thoại: {text(dossier['applicant_phone'] or '…………………')}"
        f"&nbsp;&nbsp;&nbsp;&nbsp;Email: {text(dossier['applicant_email'] or '…………………')}",
    ]
    proxy = dossier.proxy
    if proxy and words.text(FormKind.RECEIPT, "proxy"):
        lines.append(say("proxy", name=text(proxy["name"]), id_number=text(proxy["id_number"]),
                         phone=text(proxy.get("phone") or "…………"),
                         authorisation=text(proxy.get("authorisation") or "…………")))
    lines += [say("request", procedure=text(dossier["procedure_name"])), say("documents")]
    story += [Paragraph(line, s["base"]) for line in lines]
    story.append(_documents_table(dossier, width))
    if dossier["return_method"] == ReturnMethod.POST.value:
        where = say("where_post", address=text(dossier["return_address"]))
    else:
        where = say("where_counter", agency=office, centre=office)
    fee = procedure.get("fee_text") or "Không"
    tail = [
        say("sets", sets=f"{dossier['sets']:02d}"),
        say("duration", duration=text(describe_duration(unit, procedure["value"]))),
        say("received", received=vn_datetime_phrase(received_at)),
        say("due", due=vn_datetime_phrase(due_at)),
        say("where", where=where),
        *_transfer_lines(dossier, office),
        say("fee", fee=text(fee)),
        say("register", book=text(dossier["register_book"]), number=str(dossier["register_no"])),
    ]
    story += [Paragraph(line, s["base"]) for line in tail]
    story.append(Spacer(1, 3 * mm))
    submitter, receiver = words.text(FormKind.RECEIPT, "signers")
    signer = proxy["name"] if proxy else (dossier["applicant_name"] if not is_org else "")
    story.append(KeepTogether(signature_block(width, [
        (submitter, signer), (receiver, dossier["officer"])])))
    note = f"<i>{text(say('note'))}"
    if agency.hotline:
        note += f" Phản ánh, kiến nghị xin liên hệ đường dây nóng: {text(agency.hotline)}."
    if agency.address:
        note += f" Địa chỉ: {text(agency.address)}."
    story.append(Spacer(1, 2 * mm))
    story.append(Paragraph(note + "</i>", s["small"]))
    return story


def render(dossier: DossierRow, agency: AgencySettings, out: str | Path | None = None) -> bytes:
    """The slip as PDF bytes; also written (atomically) to ``out`` when given."""
    words = dossier.words

    def story_for(width: float) -> list:
        story: list = []
        for i, label in enumerate(words.text(FormKind.RECEIPT, "copies")):
            if i:
                story.append(PageBreak())
            story += _copy_story(dossier, agency, label, width)
        return story
    return dossier_pdf(words.title(FormKind.RECEIPT), dossier, agency, story_for, out)
