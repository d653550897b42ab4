"""First run (or a database from before accounts existed): create the administrator, who
then signs in and adds the other officers (Hệ thống › Tài khoản cán bộ)."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from counter_app.domain.roles import Role
from ui.accounts.officer_form import OfficerForm

INTRO = ("Chưa có tài khoản cán bộ nào trong dữ liệu này. Hãy tạo tài khoản của người quản "
         "trị. Sau khi đăng nhập, người quản trị tạo tài khoản cho các cán bộ khác "
         "(Hệ thống › Tài khoản cán bộ). Ở xã nhỏ, một người có thể giữ nhiều vai trò.")


class FirstAdminDialog(OfficerForm):
    """The account form with "Quản trị" ticked for good (the core requires it)."""

    def __init__(self, runner, parent: QWidget | None = None):
        super().__init__(runner, None, parent, title="Tạo tài khoản quản trị", intro=INTRO)
        admin = self.roles.boxes[Role.ADMIN]
        admin.setChecked(True)
        admin.setEnabled(False)
        admin.setToolTip("Tài khoản đầu tiên phải là người quản trị.")
