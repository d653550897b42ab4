"""Asks for the reason a dossier is refused at the reception check (Mẫu 03). The refusal is
recorded without receiving the dossier; the window then prints the refusal slip."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

REASONS = ("Thiếu thành phần hồ sơ theo quy định", "Không thuộc thẩm quyền giải quyết",
           "Giấy tờ có dấu hiệu tẩy xóa, sửa chữa")


class RefusalDialog(QDialog):
    def __init__(self, applicant: str, procedure: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Từ chối tiếp nhận hồ sơ (Mẫu 03)")
        self.setMinimumWidth(520)
        intro = QLabel(
            f"Từ chối tiếp nhận hồ sơ của <b>{applicant or '(chưa nhập tên)'}</b>"
            f"{' – ' + procedure if procedure else ''}.<br>Hồ sơ <b>không được tiếp nhận</b>: "
            "chương trình ghi lại việc từ chối (vào sổ và thống kê) và in Phiếu từ chối "
            "tiếp nhận để giao người nộp.", wordWrap=True)
        self.reason = QPlainTextEdit(placeholderText="Lý do cụ thể (in trên phiếu), vd: "
                                                     + REASONS[0])
        self.reason.setTabChangesFocus(True)
        self.reason.setFixedHeight(90)
        self.error = QLabel(objectName="errors", wordWrap=True)
        self.error.setStyleSheet("color: #b71c1c; font-weight: bold;")
        self.error.hide()
        buttons = QDialogButtonBox()
        self.ok = buttons.addButton("Từ chối và in phiếu", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton("Quay lại", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(QLabel("&Lý do từ chối:", buddy=self.reason))
        layout.addWidget(self.reason)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def text(self) -> str:
        return self.reason.toPlainText().strip()

    def _accept(self) -> None:
        if not self.text():
            self.error.setText("Chưa nhập lý do từ chối tiếp nhận.")
            self.error.show()
            self.reason.setFocus()
            return
        self.accept()
