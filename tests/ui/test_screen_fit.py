"""Every main screen and dialog at 1024×768 and 1366×768, less a Windows taskbar: the window
fits, no label or button is cut, no table heading is cut. Screenshots of each are saved
(set LAYOUT_SHOTS=folder to keep them) to be looked at."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtWidgets import (
    QAbstractButton,
    QHeaderView,
    QLabel,
    QTableView,
    QWidget,
)

from ui.common.elided_label import ElidedLabel

TASKBAR = 40
SIZES = [(1024, 768 - TASKBAR), (1366, 768 - TASKBAR)]


def _shots(tmp_path) -> Path:
    folder = Path(os.environ.get("LAYOUT_SHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def cut_texts(root: QWidget) -> list[str]:
    """The visible labels, buttons and table headings of ``root`` whose text does not fit."""
    cut = []
    for label in root.findChildren(QLabel):
        if (label.isVisible() and label.text() and not label.wordWrap()
                and not isinstance(label, ElidedLabel)
                and label.sizeHint().width() > label.width() + 1):
            cut.append(f"label {label.text()[:40]!r}: {label.sizeHint().width()} > "
                       f"{label.width()}")
    for button in root.findChildren(QAbstractButton):
        if (button.isVisible() and button.text()
                and button.sizeHint().width() > button.width() + 1):
            cut.append(f"button {button.text()[:40]!r}: {button.sizeHint().width()} > "
                       f"{button.width()}")
    for table in root.findChildren(QTableView):
        if not table.isVisible():
            continue
        header: QHeaderView = table.horizontalHeader()
        model = table.model()
        for i in range(header.count()):
            if header.isSectionHidden(i):
                continue
            title = str(model.headerData(i, header.orientation()) or "")
            needed = header.fontMetrics().horizontalAdvance(title.split("\n")[0]) + 8
            if needed > header.sectionSize(i) + 1:
                cut.append(f"column {title!r}: {needed} > {header.sectionSize(i)}")
    return cut


@pytest.mark.parametrize(("width", "height"), SIZES, ids=["1024", "1366"])
def test_every_main_screen_fits(qtbot, window, width, height, tmp_path):
    window.resize(width, height)
    folder = _shots(tmp_path)
    for i in range(window.tabs.count()):
        window.tabs.setCurrentIndex(i)
        qtbot.waitUntil(lambda: window.worker.idle)
        qtbot.wait(30)  # the layouts settle after texts set by the worker's answers
        assert window.minimumSizeHint().width() <= width, window.tabs.tabText(i)
        assert window.minimumSizeHint().height() <= height, window.tabs.tabText(i)
        assert window.width() <= width and window.height() <= height
        window.grab().save(str(folder / f"{width}-tab{i}.png"))
        assert cut_texts(window) == [], window.tabs.tabText(i)


@pytest.mark.parametrize(("width", "height"), SIZES, ids=["1024", "1366"])
def test_the_reception_form_with_a_same_day_procedure_fits(qtbot, window, width, height,
                                                          tmp_path):
    """The most common case that broke it: a same-day procedure's long appointment line."""
    window.resize(width, height)
    screen = window.reception
    screen.picker.select(next(p for p in screen.picker.matching("chung thuc ban sao")))
    screen.proxy_check.setChecked(True)
    qtbot.waitUntil(lambda: window.worker.idle)
    qtbot.wait(30)
    assert window.minimumSizeHint().width() <= width
    window.grab().save(str(_shots(tmp_path) / f"{width}-reception-same-day.png"))
    assert cut_texts(window) == []


def test_the_dialogs_fit_768_pixels(qtbot, window, counter):
    """The dossier window, the slip preview, the setup, the favourite procedures and the
    step forms need no more than a 1024×768 screen less its taskbar and a title bar, and cut
    no text."""
    from ui.common.slip_printing import SlipPreview
    from ui.dossier.dialog import DossierDialog
    from ui.system.favourites_dialog import FavouritesDialog
    from ui.system.setup_dialog import SetupDialog

    code = counter.received_today()[0].code if counter.received_today() else None
    if code is None:
        from counter_app.domain.reception import ReceptionRequest
        code = counter.receive(ReceptionRequest("1.004873", {
            "full_name": "Lê Văn Tám", "id_number": "038090012399"})).code
    dossier = DossierDialog(window.worker, code, window.printer, window)
    qtbot.addWidget(dossier)
    dossier.resize(1024, 768 - TASKBAR - 30)
    dossier.show()
    qtbot.waitUntil(lambda: window.worker.idle)
    qtbot.wait(30)
    setup = SetupDialog(counter.agency)
    qtbot.addWidget(setup)
    setup.show()
    preview = SlipPreview(counter.slip_pdf(code), "Xem trước", window.printer, window)
    qtbot.addWidget(preview)
    favourites = FavouritesDialog(window.reception.picker.procedures(), ["1.004873"], window)
    qtbot.addWidget(favourites)
    favourites.show()
    for dialog in (dossier, setup, preview, favourites):
        hint = dialog.minimumSizeHint()
        assert hint.width() <= 1024 and hint.height() <= 768 - TASKBAR - 30, (
            type(dialog).__name__, hint)
    assert cut_texts(dossier) == [] and cut_texts(favourites) == []
    form = dossier.start_step(next(iter(dossier.step_buttons)))
    assert form.minimumSizeHint().height() <= 768 - TASKBAR - 30
    form.reject()
