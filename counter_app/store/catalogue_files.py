"""Reading procedure catalogues: the bundled JSON, and a province's list as CSV or XLSX.

A province's file has one procedure per row with these column headers (Vietnamese or English):
  ma_thu_tuc|code, linh_vuc|field, ten_thu_tuc|name, don_vi|unit, thoi_han|value,
  le_phi|fee_text, le_phi_dong|fee_vnd, giay_to|documents, can_cu|legal_basis,
  co_quan|authority (or "Cơ quan thực hiện": which body decides, domain/units.py),
  muc_tin_cay|confidence, ghi_chu|note, and the columns the provinces'
  published lists use: "Mức độ" or "Trực tuyến toàn trình/Một phần" (online), "Phi địa
  giới" / "Tiếp nhận không phụ thuộc địa giới hành chính" (boundary_free), "Nguồn"
``giay_to`` lists documents as "Tên|bản chính|1; Tên khác|bản sao|2".
Any bad row rejects the whole file (ImportRejected lists each row number and reason).
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

from counter_app.domain.procedures import Procedure, procedure_from_row
from counter_app.domain.text import clean, fold
from counter_app.errors import ImportRejected
from counter_app.resources import resource

COLUMNS = {
    "ma thu tuc": "code", "code": "code", "linh vuc": "field", "field": "field",
    "ten thu tuc": "name", "name": "name", "don vi": "unit", "unit": "unit",
    "thoi han": "value", "value": "value", "le phi": "fee_text", "fee text": "fee_text",
    "le phi dong": "fee_vnd", "fee vnd": "fee_vnd", "giay to": "documents",
    "documents": "documents", "can cu": "legal_basis", "legal basis": "legal_basis",
    "co quan": "authority", "authority": "authority", "co quan thuc hien": "authority",
    "co quan giai quyet": "authority", "muc tin cay": "confidence",
    "confidence": "confidence", "ghi chu": "note", "note": "note",
    # the columns of the provinces' published lists (e.g. QĐ 2806/QĐ-UBND Đồng Nai, 2025)
    "muc do": "online", "muc do dvc": "online", "muc do dvctt": "online", "online": "online",
    "truc tuyen": "online", "dich vu cong truc tuyen": "online",
    "truc tuyen toan trinh mot phan": "online", "dvc truc tuyen toan trinh mot phan": "online",
    "phi dia gioi": "boundary_free", "khong phu thuoc dia gioi hanh chinh": "boundary_free",
    "tiep nhan khong phu thuoc dia gioi hanh chinh": "boundary_free",
    "boundary free": "boundary_free", "nguon": "reference", "reference": "reference",
}
REQUIRED = ("code", "field", "name", "unit", "value")


def bundled() -> list[Procedure]:
    data = json.loads(resource("catalogue", "procedures.json").read_text(encoding="utf-8"))
    return [procedure_from_row({**row, "reference": row.get("source", "")})
            for row in data["procedures"]]


def header_key(name: object) -> str:
    """A column heading as COLUMNS knows it: folded, punctuation as spaces."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", fold(name)).split())


def _header_map(header: list[object]) -> dict[int, str]:
    mapping = {}
    for i, name in enumerate(header):
        key = COLUMNS.get(header_key(name))
        if key:
            mapping[i] = key
    missing = [c for c in REQUIRED if c not in mapping.values()]
    if missing:
        raise ImportRejected([(1, "thiếu cột: " + ", ".join(missing))])
    return mapping


def _rows_csv(path: Path) -> list[list[object]]:
    raw = path.read_bytes()
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRejected([(1, "tệp CSV phải mã hóa UTF-8")]) from None
    # The delimiter is the one the header row uses most (Excel in Vietnamese regional settings
    # writes ';'). csv.Sniffer fails on such files; splitlines() would break quoted cells.
    header = content.splitlines()[0] if content.strip() else ""
    delimiter = max(",;\t", key=header.count)
    return list(csv.reader(io.StringIO(content, newline=""), delimiter=delimiter))


def _rows_xlsx(path: Path) -> list[list[object]]:
    from openpyxl import load_workbook
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise ImportRejected([(1, f"không đọc được tệp Excel: {exc}")]) from None
    sheet = wb.worksheets[0]
    rows = [["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)]
    wb.close()
    return rows


def read_file(path: str | Path) -> list[Procedure]:
    """Parse every row; raise ImportRejected listing every bad row, or return them all."""
    path = Path(path)
    if not path.is_file():
        raise ImportRejected([(0, f"không tìm thấy tệp {path}")])
    suffix = path.suffix.lower()
    if suffix == ".csv":
        rows = _rows_csv(path)
    elif suffix in (".xlsx", ".xlsm"):
        rows = _rows_xlsx(path)
    else:
        raise ImportRejected([(0, "chỉ nhập được tệp .csv hoặc .xlsx")])
    if not rows:
        raise ImportRejected([(1, "tệp trống")])
    mapping = _header_map(rows[0])
    procedures, bad, seen = [], [], {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(clean(v) for v in row):
            continue
        data = {key: row[i] if i < len(row) else "" for i, key in mapping.items()}
        try:
            p = procedure_from_row(data)
        except ValueError as exc:
            bad.append((number, str(exc)))
            continue
        if p.code in seen:
            bad.append((number, f"mã thủ tục {p.code} trùng với dòng {seen[p.code]}"))
            continue
        seen[p.code] = number
        procedures.append(p)
    if bad:
        raise ImportRejected(bad)
    if not procedures:
        raise ImportRejected([(2, "không có dòng thủ tục nào")])
    return procedures
