"""Qt's own texts in Vietnamese: the context menus, the dialog buttons, message boxes, the
date picker (resources/i18n/qt_vi.ts, compiled to .qm by ./start.sh, ./test.sh and the
installer build; Qt ships no Vietnamese translation). The locale gives the calendar's month
and day names."""

from __future__ import annotations

from PySide6.QtCore import QLocale, QTranslator
from PySide6.QtWidgets import QApplication

from counter_app.resources import resource_dir

VIETNAMESE = QLocale(QLocale.Language.Vietnamese, QLocale.Country.Vietnam)


def install_vietnamese(app: QApplication) -> bool:
    """Install the translation on ``app``; False when the compiled file is missing (Qt's
    English texts then stay: the program still works)."""
    QLocale.setDefault(VIETNAMESE)
    qm = resource_dir() / "i18n" / "qt_vi.qm"
    translator = QTranslator(app)
    if not qm.exists() or not translator.load(str(qm)):
        return False
    app.installTranslator(translator)
    return True
