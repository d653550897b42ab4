"""Mẫu 01: GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ (TT 01/2018/TT-VPCP, docs/law.md §1.3).

Two copies (liên), one A4 page each: Liên 1 stays with the dossier, Liên 2 goes to the
person who submitted it. Each carries the dossier code as a Code128 barcode.
"""

from __future__ import annotations

import io
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import (
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
)

from counter_app.domain.agency import AgencySettings
from counter_app.domain.procedures import DocForm
from counter_app.domain.reception import ApplicantKind, ReturnMethod
from counter_app.domain.working_calendar import DurationUnit, describe_duration
from counter_app.printing.barcode_flowable import BarcodeFlowable
from counter_app.printing.form_parts import (
    PAGE_MARGINS,
    grid_style,
    header,
    signature_block,
    styles,
    text,
    vn_datetime_phrase,
)
from counter_app.store.dossier_store import DossierRow

TITLE = "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ"
COPIES = ("Liên 1: Lưu tại Bộ phận Một cửa", "Liên 2: Giao người nộp hồ sơ")


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


def _copy_story(dossier: DossierRow, agency: AgencySettings, copy_label: str, width: float) -> list:
    s = styles()
    received_at, due_at = dossier.received_at, dossier.due_at
    procedure = dossier.procedure
    is_org = dossier["applicant_kind"] == ApplicantKind.ORGANISATION.value
    unit = DurationUnit(procedure["unit"])
    story = [
        Paragraph(f"<i>{text(copy_label)}</i>", s["small"]),
        header(agency, received_at.date(), width),
        Paragraph(TITLE, s["title"]),
        Paragraph(f"Mã hồ sơ: <b>{text(dossier.code)}</b>", s["center"]),
        Spacer(1, 1 * mm),
        BarcodeFlowable(dossier.code),
        Spacer(1, 2 * mm),
    ]
    lines = [
        f"Bộ phận tiếp nhận và trả kết quả: <b>{text(agency.agency_name)}</b>",
        ("Tiếp nhận hồ sơ của tổ chức: " if is_org else "Tiếp nhận hồ sơ của: Ông/Bà ")
        + f"<b>{text(dossier['applicant_name'])}</b>",
        ("Mã số thuế: " if is_org else "Số định danh cá nhân: ")
        + text(dossier["applicant_id_number"]),
        f"Địa chỉ: {text(dossier['applicant_address'] or '……………………………………')}",
        f"Số điện thoại: {text(dossier['applicant_phone'] or '…………………')}"
        f"&nbsp;&nbsp;&nbsp;&nbsp;Email: {text(dossier['applicant_email'] or '…………………')}",
        f"Nội dung yêu cầu giải quyết: <b>{text(dossier['procedure_name'])}</b>",
        "1. Thành phần hồ sơ nộp gồm:",
    ]
    story += [Paragraph(line, s["base"]) for line in lines]
    story.append(_documents_table(dossier, width))
    if dossier["return_method"] == ReturnMethod.POST.value:
        where = f"Qua dịch vụ bưu chính, gửi đến địa chỉ: {text(dossier['return_address'])}"
    else:
        where = f"Bộ phận tiếp nhận và trả kết quả – {text(agency.agency_name)}"
    fee = procedure.get("fee_text") or "Không"
    tail = [
        f"2. Số lượng hồ sơ: {dossier['sets']:02d} (bộ)",
        f"3. Thời gian giải quyết hồ sơ theo quy định là: "
        f"{text(describe_duration(unit, procedure['value']))}",
        f"4. Thời gian nhận hồ sơ: {vn_datetime_phrase(received_at)}",
        f"5. Thời gian trả kết quả giải quyết hồ sơ: <b>{vn_datetime_phrase(due_at)}</b>",
        f"6. Đăng ký nhận kết quả tại: {where}",
        f"Phí, lệ phí: {text(fee)}",
        f"Vào Sổ theo dõi hồ sơ, Quyển số: {text(dossier['register_book'])}, "
        f"Số thứ tự: {dossier['register_no']}",
    ]
    story += [Paragraph(line, s["base"]) for line in tail]
    story.append(Spacer(1, 3 * mm))
    story.append(KeepTogether(signature_block(width, [
        ("NGƯỜI NỘP HỒ SƠ", dossier["applicant_name"] if not is_org else ""),
        ("NGƯỜI TIẾP NHẬN HỒ SƠ", dossier["officer"]),
    ])))
    note = ("<i>Ghi chú: Khi đến nhận kết quả, ông/bà mang theo Giấy tiếp nhận này và giấy tờ "
            "tùy thân. Kết quả có thể được trả sớm hơn ngày hẹn.")
    if agency.hotline:
        note += f" Phản ánh, kiến nghị xin liên hệ đường dây nóng: {text(agency.hotline)}."
    if agency.address:
        note += f" Địa chỉ: {text(agency.address)}."
    story.append(Spacer(1, 2 * mm))
    story.append(Paragraph(note + "</i>", s["small"]))
    return story


def render(dossier: DossierRow, agency: AgencySettings, out: str | Path | None = None) -> bytes:
    """The slip as PDF bytes; also written to ``out`` when given."""
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, title=f"{TITLE} {dossier.code}",
                            author=agency.agency_name, subject=dossier.code, **PAGE_MARGINS)
    story: list = []
    for i, label in enumerate(COPIES):
        if i:
            story.append(PageBreak())
        story += _copy_story(dossier, agency, label, doc.width)
    doc.build(story)
    data = buffer.getvalue()
    if out is not None:
        Path(out).write_bytes(data)
    return data
