"""Before the window: the commune's setup (first run), the first administrator (no account
yet: first run, or a database from an older version), then signing in.

These dialogs call the core directly (``Direct``): the window and its worker thread do not
exist yet, and nothing else touches the database meanwhile.
"""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

from counter_app.errors import CounterError
from counter_app.service.counter import Counter
from ui.accounts.first_admin_dialog import FirstAdminDialog
from ui.accounts.sign_in_dialog import SignInDialog
from ui.common.desk_settings import remember_username
from ui.common.messages import describe
from ui.system.setup_dialog import SetupDialog


class Direct:
    """Runs a core call at once, on this thread, with the DbWorker's ``run`` signature: for
    the dialogs shown at start-up, before the window (and its worker thread) exists."""

    def __init__(self, counter: Counter):
        self.counter = counter

    def run(self, fn, on_done=None, on_error=None) -> None:
        try:
            result = fn(self.counter)
        except Exception as exc:  # handed to the dialog, like the worker does
            if on_error is None:
                raise
            on_error(exc)
            return
        if on_done is not None:
            on_done(result)


def sign_in_at_start(counter: Counter, hint: str = "") -> bool:
    """The setup check, the first administrator (no account yet: first run, or a database
    from an older version), then signing in. False when the officer gave up (Esc)."""
    runner = Direct(counter)
    if counter.agency is None and not counter.has_officers() and not _ask_setup(counter):
        return False
    if not counter.has_officers():
        first = FirstAdminDialog(runner)
        if not first.exec():
            return False
        remember_username(first.result_value.username)
    agency = counter.agency
    dialog = SignInDialog(runner, hint, agency_name=agency.agency_name if agency else "")
    if not dialog.exec():
        return False
    if counter.agency is None:  # accounts came first (e.g. made with the CLI)
        try:
            return _ask_setup(counter)
        except CounterError as exc:
            QMessageBox.warning(None, "Chưa khai báo thông tin cơ quan", describe(exc))
            return False
    return True


def _ask_setup(counter: Counter) -> bool:
    dialog = SetupDialog(None)
    if not dialog.exec() or dialog.result_settings is None:
        return False
    counter.set_up(**dialog.result_settings.to_dict())
    return True
