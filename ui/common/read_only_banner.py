"""The red line across the top of the window when the database could only be opened for
reading (a write-protected USB stick, a CD, a file without write permission, a full disk):
the officer can still find and look at dossiers, and knows before trying why every change
will be refused."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QLabel

from counter_app.store.medium import Medium, refusal

STYLE = ("background: #fde8e8; color: #8a1c1c; border: 1px solid #e0a0a0; "
         "padding: 4px 8px; font-weight: bold;")


def read_only_banner(medium: Medium | None, db_path: Path | None) -> QLabel | None:
    """None when the database can be written."""
    if medium is None or medium is Medium.WRITABLE:
        return None
    head = ("Ổ ĐĨA ĐÃ ĐẦY – CHỈ XEM ĐƯỢC, CHƯA LƯU ĐƯỢC GÌ. " if medium is Medium.FULL
            else "DỮ LIỆU CHỈ ĐỌC – CHỈ XEM ĐƯỢC, KHÔNG LƯU ĐƯỢC. ")
    label = QLabel(head + str(refusal(medium, db_path)))
    label.setObjectName("read_only_banner")
    label.setWordWrap(True)
    label.setStyleSheet(STYLE)
    return label
