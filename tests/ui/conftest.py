import datetime as dt
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

from counter_app.counter import Counter  # noqa: E402
from counter_app.domain.reception import ReceptionRequest  # noqa: E402

# Friday 20/11/2026 09:15: a working day, before the 15:00 cut-off.
NOW = dt.datetime(2026, 11, 20, 9, 15)
AGENCY = dict(agency_code="000.17.22.H56", agency_name="UBND xã Quảng Phú",
              parent_body="UBND tỉnh Thanh Hóa", desk_number=1, place_name="Quảng Phú",
              officer_name="Lê Thị Hoa", hotline="0237 3852 111")


@pytest.fixture
def counter(tmp_path):
    c = Counter.open(tmp_path / "desk.db", clock=lambda: NOW)
    c.set_up(**AGENCY)
    # A citizen who came before: her details must fill in from the ID number.
    c.receive(ReceptionRequest("2.000815", {
        "full_name": "Nguyễn Thị Đặng", "id_number": "038190012345", "phone": "0912345678",
        "address": "Thôn 5, xã Quảng Phú"}, received_at=NOW - dt.timedelta(days=30)))
    yield c


@pytest.fixture
def window(qtbot, counter):
    from ui.main_window import MainWindow

    w = MainWindow(counter)
    qtbot.addWidget(w)
    with qtbot.waitActive(w):
        w.show()
        w.activateWindow()
    qtbot.waitUntil(lambda: w.worker.idle)
    yield w
    qtbot.waitUntil(lambda: w.worker.idle)
