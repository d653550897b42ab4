"""Starting the desktop program: the database, the first-run setup, the first administrator,
signing in, the main window."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

from counter_app import log_privacy
from counter_app.errors import CounterError
from counter_app.paths import default_db_path, user_data_dir
from counter_app.service.counter import Counter

DEMO_SUFFIX = " – DỮ LIỆU THỬ"


def _setup_logging() -> None:
    from logging.handlers import RotatingFileHandler

    folder = user_data_dir() / "logs"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = RotatingFileHandler(folder / "counter-app.log",
                                                       maxBytes=1_000_000, backupCount=5,
                                                       encoding="utf-8")
    except OSError:
        handler = logging.NullHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    log_privacy.install(handler)  # no ID number, phone or e-mail ever reaches the file
    logging.basicConfig(level=logging.INFO, handlers=[handler])


def run_gui(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    if args.self_check:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    _setup_logging()
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    from ui.common.translation import install_vietnamese
    from ui.main_window import MainWindow
    from ui.system.first_screens import sign_in_at_start

    app = QApplication.instance() or QApplication(sys.argv[:1])
    install_vietnamese(app)
    app.setApplicationName("counter-app")
    app.setApplicationDisplayName("Bộ phận Một cửa")

    try:
        if args.demo or args.self_check:
            from counter_app.synthetic.demo import create_demo, demo_path

            db_path = demo_path()
            counter = create_demo(db_path)
        else:
            from ui.system.damaged_database_dialog import check_before_opening

            db_path = default_db_path(args.db)
            if not check_before_opening(db_path):  # damaged, and no backup restored
                return 1
            counter = Counter.open(db_path)
    except (CounterError, OSError) as exc:
        QMessageBox.critical(None, "Không mở được dữ liệu", str(exc))
        return 1

    hint = ""
    if args.demo or args.self_check:
        from counter_app.synthetic.demo import sign_in_hint

        hint = sign_in_hint()
    if args.self_check:
        from counter_app.synthetic.demo import DEMO_PASSWORD, DEMO_RECEPTION

        counter.sign_in(DEMO_RECEPTION, DEMO_PASSWORD)
    else:
        if getattr(args, "quit_when_ready", False):
            # The first screen (sign-in, or the first administrator) is what "ready" means
            # now: leave as soon as it is up.
            QTimer.singleShot(0, lambda: app.exit(0))  # quit() ignores a dialog's exec()
        if not sign_in_at_start(counter, hint):
            counter.close()
            if getattr(args, "quit_when_ready", False):
                print(f"ready after {time.perf_counter() - started:.3f} s")
            return 0

    window = MainWindow(counter, DEMO_SUFFIX if args.demo else "", hint,
                        db_path=None if args.self_check else db_path)
    window.showMaximized()  # an old 1024×768 or 1366×768 screen: all of it
    if args.self_check:
        return _self_check(window, started)
    code = app.exec()
    return code


def _self_check(window, started: float) -> int:
    """Prove that the bundle works: window, catalogue, PDF slip, PDF viewer."""
    from PySide6.QtPrintSupport import QPrinter

    from ui.common.slip_printing import load_pdf
    from ui.common.vector_printing import paint_to_printer

    dossier = window.worker.call(lambda c: c.received_today()[0])
    procedures = window.worker.call(lambda c: c.procedures())
    pdf = window.worker.call(lambda c: c.slip_pdf(dossier.code))
    document = load_pdf(pdf, window)
    with tempfile.TemporaryDirectory() as folder:  # the printer gets text and vectors
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(Path(folder) / "printed.pdf"))
        printed = paint_to_printer(pdf, printer)
        job = (Path(folder) / "printed.pdf").stat().st_size
    ok = (document.pageCount() == 2 == printed
          and len(window.reception.picker.matching("khai sinh")) > 0)
    print(f"self-check {'OK' if ok else 'FAILED'}: {len(procedures)} procedures, "
          f"slip {len(pdf)} bytes, {document.pageCount()} pages, print job {job} bytes, "
          f"{time.perf_counter() - started:.2f} s")
    window.close()
    return 0 if ok else 1
