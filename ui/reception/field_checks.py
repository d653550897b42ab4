"""Each applicant field of the reception form checked when the officer leaves it, by the
core's own rules, its red mark cleared as soon as it is right (the whole form is checked
again at F9, with the banner)."""

from __future__ import annotations

from PySide6.QtWidgets import QLineEdit, QWidget

from counter_app.domain.reception import validate_applicant, validate_proxy

ERROR_STYLE = "border: 2px solid #c62828; background: #fff3f3;"


class FieldChecks:
    def __init__(self, screen: QWidget, fields: dict[str, QLineEdit]):
        """``screen`` gives ``request()`` and ``clock``; ``fields``: error key -> field."""
        self.screen, self.fields = screen, fields
        self.left: set[str] = set()  # the fields the officer has left since the last reset
        for key, widget in fields.items():
            widget.editingFinished.connect(lambda k=key: self.check(k, left=True))
            widget.textChanged.connect(lambda _t, k=key: self.check(k))

    def forget(self) -> None:
        self.left = set()

    def check(self, key: str, left: bool = False) -> None:
        """Mark ``key`` once the officer has left it; clear it when fixed. An empty field
        passed through is not marked: that waits for F9."""
        if left:
            self.left.add(key)
        if key not in self.left:
            return
        request = self.screen.request()
        today = self.screen.clock().date()
        applicant, errors = validate_applicant(request.applicant, today)
        if request.proxy:
            validate_proxy(request.proxy, applicant.id_number, today, errors)
        widget = self.fields[key]
        problem = errors.get(key)
        if problem and left and not widget.text().strip():
            problem = None
        widget.setStyleSheet(ERROR_STYLE if problem else "")
        widget.setToolTip(problem or "")
