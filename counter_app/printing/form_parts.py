"""Pieces every official form shares: styles, the two-column header (NĐ 30/2020 style),
Vietnamese date phrases, the signature blocks, the dossier code with its barcode, the
applicant's contact lines and building (and atomically writing) the PDF."""

from __future__ import annotations

import datetime as dt
import io
import os
import tempfile
import unicodedata
from collections.abc import Callable
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.doctemplate import LayoutError

from counter_app.domain.agency import AgencySettings
from counter_app.domain.legal_forms import FormFamily, FormKind, Wording
from counter_app.errors import PrintFailed
from counter_app.printing import fonts
from counter_app.printing.barcode_flowable import BarcodeFlowable

DOTS = "……………………"
BLANK_MOMENT = "…… giờ …… phút, ngày …… tháng …… năm ……"
SIGN_HINT = "(Ký và ghi rõ họ tên)"


def text(value: object) -> str:
    """NFC-normalised, XML-escaped text for a Paragraph."""
    return escape(unicodedata.normalize("NFC", "" if value is None else str(value)))



#: A table row cannot split across pages; a very long reason or unit name in one cell
#: would make the whole table (and its form) unprintable. The full text is on its own form.
CELL_LIMIT = 200


def cell_text(value: object, limit: int = CELL_LIMIT) -> str:
    """``text()`` for a table cell, shortened with "…" beyond ``limit`` characters."""
    plain = str(value or "")
    if len(plain) > limit:
        plain = plain[:limit - 1].rstrip() + "…"
    return text(plain)

def styles() -> dict[str, ParagraphStyle]:
    family = fonts.register()
    base = ParagraphStyle("base", fontName=family, fontSize=12.5, leading=16, alignment=TA_JUSTIFY)
    return {
        "base": base,
        "center": ParagraphStyle("center", parent=base, alignment=TA_CENTER),
        "left": ParagraphStyle("left", parent=base, alignment=TA_LEFT),
        "small": ParagraphStyle("small", parent=base, fontSize=10.5, leading=13),
        "small_center": ParagraphStyle("small_center", parent=base, fontSize=10.5, leading=13,
                                       alignment=TA_CENTER),
        "title": ParagraphStyle("title", parent=base, fontName=fonts.BOLD, fontSize=14,
                                leading=18, alignment=TA_CENTER, spaceBefore=6),
        "cell": ParagraphStyle("cell", parent=base, fontSize=11.5, leading=14, alignment=TA_LEFT),
        "cell_center": ParagraphStyle("cell_center", parent=base, fontSize=11.5, leading=14,
                                      alignment=TA_CENTER),
    }


def vn_date_phrase(day: dt.date) -> str:
    return f"ngày {day.day:02d} tháng {day.month:02d} năm {day.year}"


def vn_datetime_phrase(moment: dt.datetime) -> str:
    return f"{moment.hour:02d} giờ {moment.minute:02d} phút, {vn_date_phrase(moment.date())}"


def issuer(agency: AgencySettings, words: Wording | None = None) -> tuple[str, str]:
    """The two lines naming who issues a form: (the body above, the issuing office).

    TT 03/2025 forms are issued by the commune's centre, under its UBND (the agency); the
    2018 forms by the agency under its parent body."""
    if words is not None and words.family is FormFamily.TT03_2025:
        return agency.agency_name, agency.centre
    return agency.parent_body, agency.agency_name


def number_line(agency: AgencySettings, words: Wording | None) -> str:
    """"Số: ……/TTPVHCC" for a family that numbers its forms so, else ""."""
    if words is None or not words.number_line:
        return ""
    return words.number_line.format(suffix=agency.number_suffix)


def sentence(words: Wording, kind: FormKind, key: str, **values: str) -> str:
    """A fixed sentence of the family's form, filled with ``values`` (already markup)."""
    return words.text(kind, key).format(**values)


def header(agency: AgencySettings, on: dt.date, width: float, number: str = "",
           words: Wording | None = None) -> Table:
    """Left: parent body and agency; right: the national motto and place, date."""
    place = agency.place_name or "……………"
    return header_table(agency, width, f"{place}, {vn_date_phrase(on)}",
                        number or number_line(agency, words), words)


def header_table(agency: AgencySettings, width: float, date_line: str | None,
                 number: str = "", words: Wording | None = None) -> Table:
    """The header with any (or no) place-and-date line under the motto."""
    s = styles()
    above, office = issuer(agency, words)
    left = []
    if above:
        left.append(Paragraph(text(above.upper()), s["small_center"]))
    left.append(Paragraph(f"<b>{text(office.upper())}</b>", s["small_center"]))
    left.append(Paragraph("<b>―――――</b>", s["small_center"]))
    if number:
        left.append(Paragraph(text(number), s["small_center"]))
    right = [
        Paragraph("<b>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</b>", s["small_center"]),
        Paragraph("<b><u>Độc lập - Tự do - Hạnh phúc</u></b>", s["center"]),
    ]
    if date_line is not None:
        right += [Paragraph("&nbsp;", s["small_center"]),
                  Paragraph(f"<i>{text(date_line)}</i>", s["center"])]
    table = Table([[left, right]], colWidths=[width * 0.42, width * 0.58])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LEFTPADDING", (0, 0), (-1, -1), 0),
                               ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    return table


def signature_cell(title: str, name: str, hint: str = SIGN_HINT) -> list:
    """One signature box: TITLE, the hint, space to sign, the name in bold."""
    s = styles()
    return [
        Paragraph(f"<b>{text(title)}</b>", s["center"]),
        Paragraph(f"<i>{text(hint)}</i>", s["small_center"]),
        Paragraph("<br/><br/><br/><br/>", s["center"]),
        Paragraph(f"<b>{text(name)}</b>" if name else "&nbsp;", s["center"]),
    ]


def signature_block(width: float, boxes: list[tuple[str, str]]) -> Table:
    """Signature boxes side by side: (TITLE, name printed under the space to sign)."""
    cells = [signature_cell(title, name) for title, name in boxes]
    table = Table([cells], colWidths=[width / len(boxes)] * len(boxes))
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return table


def grid_style(header_rows: int = 1) -> TableStyle:
    return TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("FONTNAME", (0, 0), (-1, header_rows - 1), fonts.BOLD),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ])


PAGE_MARGINS = dict(leftMargin=25 * mm, rightMargin=15 * mm, topMargin=15 * mm,
                    bottomMargin=15 * mm)


def signature_right(width: float, title: str, name: str = "", hint: str = SIGN_HINT,
                    left: list | None = None) -> Table:
    """One signature on the right half; ``left`` (e.g. "Nơi nhận") beside it."""
    table = Table([[left or "", signature_cell(title, name, hint)]],
                  colWidths=[width * 0.45, width * 0.55])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LEFTPADDING", (0, 0), (0, -1), 0)]))
    return table


def code_block(code: str) -> list:
    """"Mã hồ sơ: …" centred, with the code as a Code128 barcode under it."""
    s = styles()
    return [Paragraph(f"Mã hồ sơ: <b>{text(code)}</b>", s["center"]), Spacer(1, 1 * mm),
            BarcodeFlowable(code), Spacer(1, 2 * mm)]


def form_top(agency: AgencySettings, on: dt.date, width: float, title: str,
             code: str | None = None, number: str = "", words: Wording | None = None) -> list:
    """What every form opens with: the official header, its title and, given ``code``,
    the dossier code with its barcode."""
    story = [header(agency, on, width, number=number, words=words),
             Paragraph(title, styles()["title"])]
    return story + (code_block(code) if code else [])


def is_organisation(dossier) -> bool:
    return dossier["applicant_kind"] == "organisation"


def you(dossier) -> str:
    """How the form addresses the applicant: "Ông/Bà" or "Tổ chức"."""
    return "Tổ chức" if is_organisation(dossier) else "Ông/Bà"


def applicant(dossier) -> str:
    """"Ông/Bà <b>name</b>" or "tổ chức <b>name</b>" (markup for a Paragraph)."""
    kind = "tổ chức" if is_organisation(dossier) else "Ông/Bà"
    return f"{kind} <b>{text(dossier['applicant_name'])}</b>"


def contact_lines(dossier) -> list[str]:
    """"Địa chỉ: …" and "Số điện thoại: … Email: …", dotted where unknown."""
    return [
        f"Địa chỉ: {text(dossier['applicant_address'] or DOTS)}",
        f"Số điện thoại: {text(dossier['applicant_phone'] or DOTS)}"
        f"&nbsp;&nbsp;&nbsp;&nbsp;Email: {text(dossier['applicant_email'] or DOTS)}",
    ]


def numbered_table(heading: str, items: list[str], width: float) -> Table:
    """TT | heading, one numbered row per item."""
    s = styles()
    rows = [[Paragraph("<b>TT</b>", s["cell_center"]),
             Paragraph(f"<b>{text(heading)}</b>", s["cell_center"])]]
    rows += [[Paragraph(str(i), s["cell_center"]), Paragraph(text(item), s["cell"])]
             for i, item in enumerate(items, 1)]
    table = Table(rows, colWidths=[width * 0.08, width * 0.92], repeatRows=1)
    table.setStyle(grid_style())
    return table


def moment(value: str | None) -> dt.datetime | None:
    """A stored ISO timestamp as a naive local datetime (None stays None)."""
    return dt.datetime.fromisoformat(value).replace(tzinfo=None) if value else None


def write_atomically(path: str | Path, write: Callable[[Path], None]) -> None:
    """``write`` fills a temporary file beside ``path``, which then replaces it in one step,
    so a failure never leaves half a file."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def dossier_pdf(title: str, dossier, agency: AgencySettings,
                story_for: Callable[[float], list], out: str | Path | None = None) -> bytes:
    """One dossier's form as PDF bytes (also written to ``out``), titled with its code."""
    return build_pdf(story_for, title=f"{title} {dossier.code}", agency=agency,
                     subject=dossier.code, out=out)


def build_pdf(story_for: Callable[[float], list], *, title: str, agency: AgencySettings,
              subject: str, out: str | Path | None = None, pagesize=A4,
              margins: dict | None = None, on_page=None) -> bytes:
    """Lay out ``story_for(frame width)`` as PDF bytes; also written (atomically) to ``out``."""
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=pagesize, title=title, author=agency.agency_name,
                            subject=subject, **(margins or PAGE_MARGINS))
    hooks = {"onFirstPage": on_page, "onLaterPages": on_page} if on_page else {}
    try:
        doc.build(story_for(doc.width), **hooks)
    except LayoutError as exc:  # a cell taller than a page: say so, never a traceback
        raise PrintFailed(f"Không dàn trang được “{title}”: có nội dung quá dài ({exc}).") \
            from None
    data = buffer.getvalue()
    if out is not None:
        write_atomically(out, lambda tmp: tmp.write_bytes(data))
    return data

