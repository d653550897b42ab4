import datetime as dt
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

from counter_app.domain.reception import ReceptionRequest  # noqa: E402
from counter_app.service.counter import Counter  # noqa: E402
from tests.settable_clock import Clock

# Friday 20/11/2026 09:15: a working day, before the 15:00 cut-off.
NOW = dt.datetime(2026, 11, 20, 9, 15)
AGENCY = dict(agency_code="000.17.22.H56", agency_name="UBND xã Quảng Phú",
              parent_body="UBND tỉnh Thanh Hóa", desk_number=1, place_name="Quảng Phú",
              hotline="0237 3852 111")
#: The officer the GUI tests sign in as: every role, so the screens show everything (the
#: printed forms carry her full name); tests/ui/test_sign_in_lock_switch.py covers roles.
OFFICER = {"username": "hoa", "full_name": "Lê Thị Hoa", "title": "Công chức Văn phòng",
           "roles": ["reception", "processing", "leader", "admin"]}
PASSWORD = "mat-khau-hoa"


def signed_in(counter: Counter) -> Counter:
    """The desk with the test officer's account (added if missing) signed in."""
    if not counter.has_officers():
        counter.add_officer(**OFFICER, password=PASSWORD)
    counter.sign_in(OFFICER["username"], PASSWORD)
    return counter


@pytest.fixture(autouse=True)
def desk_settings_folder(tmp_path_factory):
    """QSettings (last username, idle lock) in a folder of the test's own, never the
    user's; the idle lock off unless a test sets it."""
    from PySide6.QtCore import QSettings

    from ui.common.desk_settings import set_idle_lock_seconds

    folder = tmp_path_factory.mktemp("settings")
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    set_idle_lock_seconds(0)
    return folder


@pytest.fixture
def counter(tmp_path):
    c = signed_in(Counter.open(tmp_path / "desk.db", clock=lambda: NOW))
    c.set_up(**AGENCY)
    # A citizen who came before: her details must fill in from the ID number.
    c.receive(ReceptionRequest("2.000815", {
        "full_name": "Nguyễn Thị Đặng", "id_number": "038190012345", "phone": "0912345678",
        "address": "Thôn 5, xã Quảng Phú"}, received_at=NOW - dt.timedelta(days=30)))
    yield c


def _shown_window(qtbot, counter):
    from ui.main_window import MainWindow

    w = MainWindow(counter)
    qtbot.addWidget(w)
    with qtbot.waitActive(w):
        w.show()
        w.activateWindow()
    qtbot.waitUntil(lambda: w.worker.idle)
    return w


@pytest.fixture
def window(qtbot, counter):
    """The main window on the reception tab (it starts on the work lists)."""
    w = _shown_window(qtbot, counter)
    w.show_reception()
    yield w
    qtbot.waitUntil(lambda: w.worker.idle)


@pytest.fixture
def home_window(qtbot, counter):
    """The main window as the officer first sees it: on the work lists."""
    w = _shown_window(qtbot, counter)
    yield w
    qtbot.waitUntil(lambda: w.worker.idle)


def _receive(counter, clock, at, procedure, name, id_number):
    clock.now = at
    return counter.receive(ReceptionRequest(procedure, {"full_name": name,
                                                        "id_number": id_number},
                                            received_at=at)).code


def _step(counter, clock, at, code, step, fields=None):
    clock.now = at
    counter.step(code, step, fields or {})


@pytest.fixture
def states(counter):
    """Dossiers in every work list at NOW (Friday 20/11/2026 09:15), by role.

    Built with a moving clock before the window opens; the clock then stays at NOW.
    """
    clock = Clock(NOW)
    counter.clock = clock
    d = dt.datetime
    s = {"old_overdue": counter.find("Nguyễn Thị Đặng").rows[0].code}
    # 3 working days from Monday 16/11: due Thursday 19/11 17:00, handed over: overdue.
    s["overdue"] = _receive(counter, clock, d(2026, 11, 16, 8, 0), "1.004873",
                            "Lê Văn Quá", "038090100001")
    _step(counter, clock, d(2026, 11, 16, 10, 0), s["overdue"], "handover",
          {"to_unit": "Công chức Tư pháp – Hộ tịch"})
    # Same-day procedure received this morning: due today 17:00.
    s["due_today"] = _receive(counter, clock, d(2026, 11, 20, 8, 0), "1.001193",
                              "Phạm Thị Hà", "038190100002")
    # 3 working days from Wednesday 18/11: due Monday 23/11 17:00, in the 1-day window.
    s["due_soon"] = _receive(counter, clock, d(2026, 11, 18, 10, 0), "1.004873",
                             "Hoàng Văn Sắp", "038090100003")
    s["waiting"] = _receive(counter, clock, d(2026, 11, 19, 9, 0), "1.004222",
                            "Đỗ Thị Bổ", "038190100004")
    _step(counter, clock, d(2026, 11, 19, 10, 0), s["waiting"], "request_supplement",
          {"items": ["Bản sao sổ hộ khẩu"], "reason": "Thiếu giấy tờ chứng minh chỗ ở"})
    s["ready"] = _receive(counter, clock, d(2026, 11, 20, 8, 10), "1.000894",
                          "Vũ Văn Xong", "038090100005")
    _step(counter, clock, d(2026, 11, 20, 8, 30), s["ready"], "finish")
    s["returned"] = _receive(counter, clock, d(2026, 11, 19, 14, 0), "2.000815",
                             "Trần Thị Trả", "038190100006")
    _step(counter, clock, d(2026, 11, 19, 15, 0), s["returned"], "finish")
    _step(counter, clock, d(2026, 11, 20, 8, 45), s["returned"], "return")
    # 7 working days: far from its deadline, in no list.
    s["calm"] = _receive(counter, clock, d(2026, 11, 20, 8, 20), "1.004222",
                         "Ngô Văn Xa", "038090100007")
    clock.now = NOW
    return s


@pytest.fixture
def opened(monkeypatch):
    """The dossier dialogs the main window opens, as (code, ready); none really shows.

    A stand-in with DossierDialog's constructor and ``changed`` signal whose exec() returns
    at once (``on_exec``, if set, runs first: e.g. record a step and emit ``changed``)."""
    from PySide6.QtCore import Signal
    from PySide6.QtWidgets import QDialog

    class Opened(list):
        dialog_class: type | None = None

    seen = Opened()

    class InstantDossierDialog(QDialog):
        changed = Signal(str)
        on_exec = None

        def __init__(self, worker, code, printer, parent=None, ready=False, scan_folder=None):
            super().__init__(parent)
            self.worker, self.code, self.printer, self.ready = worker, code, printer, ready

        def exec(self):
            seen.append((self.code, self.ready))
            if InstantDossierDialog.on_exec is not None:
                InstantDossierDialog.on_exec(self)
            return 0

    monkeypatch.setattr("ui.dossier.opening.DossierDialog", InstantDossierDialog)
    seen.dialog_class = InstantDossierDialog
    return seen


@pytest.fixture(autouse=True, scope="session")
def vietnamese_qt(qapp):
    """Qt's own texts in Vietnamese, as the program installs them at start (ui.app)."""
    from ui.common.translation import install_vietnamese

    assert install_vietnamese(qapp), "resources/i18n/qt_vi.qm is missing: run ./test.sh"
