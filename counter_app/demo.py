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


def create_demo(path: str | Path, now: dt.datetime | None = None) -> Counter:
    """A fresh demo database with today's sample dossiers received in the morning."""
    now = now or dt.datetime.now().replace(second=0, microsecond=0)
    counter = Counter.open(path, clock=lambda: now)
    counter.set_up(**DEMO_AGENCY)
    day = now.date()
    for name, id_number, phone, code, hour, minute in SAMPLES:
        at = dt.datetime.combine(day, dt.time(hour, minute))
        if at > now:
            at = now
        counter.receive(ReceptionRequest(
            procedure_code=code, received_at=at,
            applicant={"full_name": name, "id_number": id_number, "phone": phone,
                       "address": "Thôn Phú Thượng, xã Quảng Phú"}))
    counter.clock = local_now
    return counter
