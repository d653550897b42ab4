"""The person who submits a dossier for the applicant (người được ủy quyền): a check box
(Alt+Q) that opens four fields, printed on the TT 03/2025 slip."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QGridLayout, QLineEdit, QWidget


class ProxyFields:
    """The check box and the box of fields; the screen lays them out in its form."""

    def __init__(self) -> None:
        self.check = QCheckBox("Người khác nộp thay (được ủy &quyền)")
        # Alt+Q or a click: Tab goes from the applicant straight to the procedure.
        self.check.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.name = QLineEdit(placeholderText="Họ tên người nộp thay")
        self.id_number = QLineEdit(placeholderText="CCCD người nộp thay")
        self.id_number.setMaxLength(16)
        self.phone = QLineEdit(placeholderText="Điện thoại")
        self.authorisation = QLineEdit(placeholderText="Giấy ủy quyền số, ngày")
        self.box = QWidget()
        grid = QGridLayout(self.box)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(self.name, 0, 0)
        grid.addWidget(self.id_number, 0, 1)
        grid.addWidget(self.phone, 1, 0)
        grid.addWidget(self.authorisation, 1, 1)
        self.check.toggled.connect(self._toggled)

    @property
    def fields(self) -> tuple[QLineEdit, ...]:
        return self.name, self.id_number, self.phone, self.authorisation

    def values(self) -> dict | None:
        """What the core validates as ``ReceptionRequest.proxy``; None when unticked."""
        if not self.check.isChecked():
            return None
        return {"name": self.name.text(), "id_number": self.id_number.text(),
                "phone": self.phone.text(), "authorisation": self.authorisation.text()}

    def clear(self) -> None:
        for field in self.fields:
            field.clear()
        self.check.setChecked(False)
        self.box.hide()

    def _toggled(self, on: bool) -> None:
        self.box.setVisible(on)
        if on:
            self.name.setFocus()
