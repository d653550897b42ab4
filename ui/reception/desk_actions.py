"""What the main window does for the reception desk beyond its screen: the ID card's QR from
either scanner mode, and printing the last slip again (Ctrl+P) when the printer failed. A
mixin of ``ui.main_window.MainWindow``, which has the screen, printer and status bar."""

from __future__ import annotations

from counter_app.domain.roles import Action


class ReceptionDesk:
    def open_serial_scanner(self, port: str) -> str | None:
        """Listen to the scanner on ``port`` ("" = keyboard mode only); why not, if not."""
        self.serial_scanner.close()
        if not port:
            return None
        problem = self.serial_scanner.open(port)
        if problem:
            self.statusBar().showMessage(problem, 15_000)
        return problem

    def _card_scanned(self, text: str) -> None:
        """An ID card's QR: the reception form is filled from it (the screen says what
        could not be read, e.g. a scanner in keyboard mode that garbles Vietnamese)."""
        if self.desk_lock.locked or not self.may(Action.RECEIVE):
            return
        self.show_reception()
        self.reception.fill_from_card(text)

    def reprint_last(self) -> None:
        """Ctrl+P: the last slip (or refusal) printed again, e.g. after a jammed printer."""
        if self._last_slip is None:
            self.statusBar().showMessage("Chưa có giấy hẹn nào để in lại.", 10_000)
            return
        self._print_last()

    def _print_last(self) -> None:
        code, pdf = self._last_slip
        printed = self.printer.print_pdf(pdf, self)
        self.reception.show_unprinted("" if printed else code)
        if not printed:
            self.statusBar().showMessage(
                f"Giấy của hồ sơ {code} CHƯA IN. Nhấn Ctrl+P để in lại.", 30_000)
