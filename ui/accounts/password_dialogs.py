"""Passwords: the administrator sets a new one for an officer who forgot theirs; every
officer changes their own (the current one first). Typed twice; the core checks the rules."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QWidget

from counter_app.domain.officers import Officer
from ui.accounts.officer_form import MISMATCH, AccountForm
from ui.accounts.sign_in_dialog import password_edit


class ResetPasswordDialog(AccountForm):
    def __init__(self, runner, officer: Officer, parent: QWidget | None = None):
        super().__init__(runner, f"Đặt lại mật khẩu – {officer.username}",
                         f"Mật khẩu mới cho {officer.full_name} ({officer.username}). Hãy "
                         "báo cho cán bộ trực tiếp, không gửi qua tin nhắn.", parent)
        self.officer = officer
        self.password = self.add("password", "&Mật khẩu mới:", password_edit("Ít nhất 8 ký tự"))
        self.password2 = self.add("password2", "&Nhập lại:", password_edit())
        self.finish_fields()

    def check(self) -> dict[str, str]:
        return {"password2": MISMATCH} if self.password.text() != self.password2.text() else {}

    def call(self) -> Callable:
        username, password = self.officer.username, self.password.text()
        return lambda c: c.reset_password(username, password)


class ChangePasswordDialog(AccountForm):
    def __init__(self, runner, parent: QWidget | None = None):
        super().__init__(runner, "Đổi mật khẩu", "Mật khẩu mới có ít nhất 8 ký tự.", parent)
        self.old_password = self.add("old_password", "Mật khẩu &hiện tại:", password_edit())
        self.new_password = self.add("new_password", "Mật khẩu &mới:", password_edit())
        self.new_password2 = self.add("new_password2", "&Nhập lại mật khẩu mới:",
                                      password_edit())
        self.finish_fields()

    def check(self) -> dict[str, str]:
        if self.new_password.text() != self.new_password2.text():
            return {"new_password2": MISMATCH}
        return {}

    def call(self) -> Callable:
        old, new = self.old_password.text(), self.new_password.text()
        return lambda c: c.change_password(old, new)
