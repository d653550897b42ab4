"""Pieces every official form shares: styles, the two-column header (NĐ 30/2020 style),
Vietnamese date phrases and the signature block."""

from __future__ import annotations

import datetime as dt
import unicodedata
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Table, TableStyle

from counter_app.domain.agency import AgencySettings
from counter_app.printing import fonts


def text(value: object) -> str:
    """NFC-normalised, XML-escaped text for a Paragraph."""
    return escape(unicodedata.normalize("NFC", "" if value is None else str(value)))


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


def header(agency: AgencySettings, on: dt.date, width: float, number: str = "") -> Table:
    """Left: parent body and agency; right: the national motto and place, date."""
    s = styles()
    place = agency.place_name or "……………"
    left = []
    if agency.parent_body:
        left.append(Paragraph(text(agency.parent_body.upper()), s["small_center"]))
    left.append(Paragraph(f"<b>{text(agency.agency_name.upper())}</b>", s["small_center"]))
    left.append(Paragraph("<b>―――――</b>", s["small_center"]))
    if number:
        left.append(Paragraph(text(number), s["small_center"]))
    right = [
        Paragraph("<b>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</b>", s["small_center"]),
        Paragraph("<b><u>Độc lập - Tự do - Hạnh phúc</u></b>", s["center"]),
        Paragraph("&nbsp;", s["small_center"]),
        Paragraph(f"<i>{text(place)}, {vn_date_phrase(on)}</i>", s["center"]),
    ]
    table = Table([[left, right]], colWidths=[width * 0.42, width * 0.58])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LEFTPADDING", (0, 0), (-1, -1), 0),
                               ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    return table


def signature_block(width: float, boxes: list[tuple[str, str]]) -> Table:
    """Signature boxes side by side: (TITLE, name printed under the space to sign)."""
    s = styles()
    cells = []
    for title, name in boxes:
        cells.append([
            Paragraph(f"<b>{text(title)}</b>", s["center"]),
            Paragraph("<i>(Ký và ghi rõ họ tên)</i>", s["small_center"]),
            Paragraph("<br/><br/><br/><br/>", s["center"]),
            Paragraph(f"<b>{text(name)}</b>" if name else "&nbsp;", s["center"]),
        ])
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
