"""Filling the reception screen's applicant: from the chip ID card's QR (a new citizen's
form), or from a returning citizen's last details, found by their ID number. A part of
``ReceptionScreen`` (its fields, worker and labels), kept apart because it is one job."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from counter_app.domain import card_qr
from counter_app.domain.citizen_id import normalise_id
from counter_app.errors import ValidationError


class ApplicantFilling:
    """Mixed into ``ReceptionScreen``: uses its id_number, full_name, phone, address, email,
    kind, picker, returning_label, errors_label, worker, clock, _card, reset and
    _clear_errors."""

    def fill_from_card(self, text: str) -> bool:
        """Fill the applicant from an ID card's QR (a new citizen's form: the screen is
        cleared first); say why not when the text cannot be read. Returns whether it did."""
        try:
            card = card_qr.parse(text, self.clock().date())
        except ValidationError as exc:
            self._clear_errors()
            self.errors_label.setText("Không đọc được mã QR trên thẻ căn cước:\n"
                                      + exc.errors["card_qr"])
            self.errors_label.show()
            return False
        self.reset()
        self.id_number.setText(card.id_number)
        self.full_name.setText(card.full_name)
        self.address.setText(card.address)
        self._card = card
        self.returning_label.setText(f"✔ Đã đọc thẻ: sinh ngày {card.birth_date:%d/%m/%Y}, "
                                     f"{card.sex}.")
        number = card.id_number
        self.worker.run(lambda c: c.returning_applicant(number), self._fill_returning)
        self.picker.setFocus()
        return True

    def _card_fields(self) -> dict:
        """Birth date and sex from the card read for this ID number, if any."""
        card = self._card
        if card is None or card.id_number != normalise_id(self.id_number.text()):
            return {}
        return {"birth_date": card.birth_date.isoformat(), "sex": card.sex}

    def _lookup_returning(self) -> None:
        number = self.id_number.text().strip()
        if not number:
            return
        self.worker.run(lambda c: c.returning_applicant(number), self._fill_returning)

    def _fill_returning(self, applicant: dict | None) -> None:
        if not applicant or applicant["id_number"] != normalise_id(self.id_number.text()):
            if self._card is None:
                self.returning_label.clear()
            return
        for key, widget in (("full_name", self.full_name), ("phone", self.phone),
                            ("address", self.address), ("email", self.email)):
            if not widget.text().strip():
                widget.setText(applicant[key])
        self.kind.setCurrentIndex(self.kind.findData(applicant["kind"]))
        self.look_for_reusable(applicant["id_number"])  # their documents digitised before
        if QApplication.focusWidget() in (self.id_number, self.full_name, self.phone,
                                          self.address, self.email, self.kind):
            self.picker.setFocus()  # a returning citizen: straight on to the procedure
        read = self.returning_label.text() if self._card is not None else ""
        self.returning_label.setText(
            (read + " " if read else "✔ ") + "Người đã từng nộp hồ sơ: thông tin được điền sẵn.")
