"""A demo commune with sample dossiers, for a newcomer to see the program working at once.

Names and numbers are made up; the ID numbers only have a valid shape.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from counter_app.counter import Counter, local_now
from counter_app.domain.reception import ReceptionRequest

DEMO_AGENCY = dict(
    agency_code="000.17.22.H56", agency_name="UBND xã Quảng Phú (DỮ LIỆU THỬ)",
    parent_body="UBND tỉnh Thanh Hóa", desk_number=1, place_name="Quảng Phú",
    address="Thôn Phú Thượng, xã Quảng Phú, tỉnh Thanh Hóa", hotline="0237 3 999 999",
    officer_name="Lê Thị Hoa",
)

SAMPLES = [
    ("Nguyễn Văn An", "038090001234", "0912345001", "1.001193", 7, 45),
    ("Trần Thị Bích Ngọc", "038190002345", "0912345002", "2.000815", 8, 5),
    ("Lê Đức Đặng", "038085003456", "0987654003", "1.000894", 8, 40),
    ("Phạm Thị Ánh", "038195004567", "0987654004", "1.004873", 9, 10),
    ("Hoàng Văn Dũng", "038070005678", "", "2.001016", 9, 35),
    ("Đỗ Thị Hương", "038199006789", "0345678006", "1.004222", 10, 0),
]


def demo_path() -> Path:
    return Path(tempfile.mkdtemp(prefix="counter-demo-")) / "demo.db"


# Earlier dossiers, so every work list has something: (name, ID, phone, procedure,
# working days ago received, steps as (working days ago, hour, step, fields)).
HISTORY = [
    ("Vũ Minh Khang", "038092007890", "0905111222", "1.004873", 6,
     [(6, 14, "handover", {"to_unit": "Công chức Tư pháp – Hộ tịch", "to_person": "Ngô Văn Tư"})]),
    ("Bùi Thị Lan", "038188008901", "0905111333", "1.004194", 3,
     [(3, 10, "handover", {"to_unit": "Công an xã", "to_person": "Đinh Văn Hải"})]),
    ("Ngô Quang Huy", "038079009012", "0977222333", "1.004222", 4,
     [(4, 15, "handover", {"to_unit": "Công an xã"}),
      (2, 9, "request_supplement", {"items": ["Giấy tờ chứng minh chỗ ở hợp pháp"],
                                    "reason": "Hợp đồng thuê nhà chưa có công chứng"})]),
    ("Dương Thị Mai", "038193000123", "0912999888", "1.004873", 2,
     [(2, 9, "handover", {"to_unit": "Công chức Tư pháp – Hộ tịch"}),
      (1, 16, "finish", {"result": "Giấy xác nhận tình trạng hôn nhân"})]),
    ("Lý Văn Phúc", "038071001234", "0388777666", "2.001035", 5,
     [(5, 10, "handover", {"to_unit": "Công chức Tư pháp – Hộ tịch"}),
      (3, 15, "finish", {"result": "Hợp đồng đã chứng thực"}),
      (0, 8, "return", {"rating": "very_satisfied", "fee_vnd": "50000",
                        "fee_receipt_no": "0000123"})]),
    ("Hồ Thị Thu", "038196002345", "0356444555", "1.004222", 2,
     [(2, 14, "handover", {"to_unit": "Công an xã"})]),
]


def _working_days_back(counter: Counter, day: dt.date, count: int) -> dt.date:
    for _ in range(count):
        day -= dt.timedelta(days=1)
        while not counter.calendar.is_working_day(day):
            day -= dt.timedelta(days=1)
    return day


def create_demo(path: str | Path, now: dt.datetime | None = None) -> Counter:
    """A fresh demo database: today's dossiers received this morning, and earlier ones in
    every state (overdue, waiting for a supplement, ready to return, returned today)."""
    now = now or dt.datetime.now().replace(second=0, microsecond=0)
    moment = [now]
    counter = Counter.open(path, clock=lambda: moment[0])
    counter.set_up(**DEMO_AGENCY)
    address = "Thôn Phú Thượng, xã Quảng Phú"
    for name, id_number, phone, code, ago, steps in HISTORY:
        day = _working_days_back(counter, now.date(), ago)
        moment[0] = dt.datetime.combine(day, dt.time(8, 30))
        dossier = counter.receive(ReceptionRequest(
            procedure_code=code, applicant={"full_name": name, "id_number": id_number,
                                            "phone": phone, "address": address}))
        for step_ago, hour, step, fields in steps:
            step_day = _working_days_back(counter, now.date(), step_ago)
            moment[0] = min(now, dt.datetime.combine(step_day, dt.time(hour, 0)))
            counter.step(dossier.code, step, fields)
    moment[0] = now
    day = now.date()
    for name, id_number, phone, code, hour, minute in SAMPLES:
        at = min(now, dt.datetime.combine(day, dt.time(hour, minute)))
        counter.receive(ReceptionRequest(
            procedure_code=code, received_at=at,
            applicant={"full_name": name, "id_number": id_number, "phone": phone,
                       "address": address}))
    counter.clock = local_now
    return counter
