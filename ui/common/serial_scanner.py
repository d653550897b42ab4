"""A 2D scanner in USB virtual serial (CDC/COM) mode: it sends what it read as bytes, a line
at a time. Unlike keyboard mode this keeps Vietnamese letters intact (UTF-8), which the ID
card's QR needs. A line that holds a card's QR emits ``card_scanned``, a dossier code emits
``code_scanned``; anything else is reported through ``unreadable``."""

from __future__ import annotations

import unicodedata

from PySide6.QtCore import QObject, Signal
from PySide6.QtSerialPort import QSerialPort, QSerialPortInfo

from counter_app.domain import card_qr
from counter_app.domain.dossier_code import looks_like_code

#: A line longer than this is not a scan: the buffer is dropped (a device sending noise).
MAX_LINE = 2 * card_qr.MAX_LENGTH


def available_ports() -> list[tuple[str, str]]:
    """(port name, description) of the serial ports this computer has now."""
    return [(p.portName(), p.description() or p.manufacturer() or "")
            for p in QSerialPortInfo.availablePorts()]


class SerialScanner(QObject):
    card_scanned = Signal(str)
    code_scanned = Signal(str)
    unreadable = Signal(str)  # a Vietnamese sentence for the status bar

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.port = QSerialPort(self)
        self.port.readyRead.connect(self._read)
        self._buffer = b""

    def open(self, name: str, baud: int = 9600) -> str | None:
        """Open port ``name``; None when open, else why not (Vietnamese)."""
        self.close()
        self.port.setPortName(name)
        self.port.setBaudRate(baud)
        if not self.port.open(QSerialPort.OpenModeFlag.ReadOnly):
            return (f"Không mở được cổng {name} của máy quét ({self.port.errorString()}). "
                    "Kiểm tra máy quét đã cắm và đang ở chế độ cổng COM ảo.")
        return None

    def close(self) -> None:
        if self.port.isOpen():
            self.port.close()
        self._buffer = b""

    @property
    def is_open(self) -> bool:
        return self.port.isOpen()

    def _read(self) -> None:
        self._buffer += bytes(self.port.readAll().data())
        while True:
            cut = [i for i in (self._buffer.find(b"\r"), self._buffer.find(b"\n")) if i >= 0]
            if not cut:
                break
            line, self._buffer = self._buffer[:min(cut)], self._buffer[min(cut) + 1:]
            self._line(line)
        if len(self._buffer) > MAX_LINE:
            self._buffer = b""
            self.unreadable.emit("Máy quét gửi dữ liệu quá dài, không đọc được.")

    def _line(self, raw: bytes) -> None:
        text = unicodedata.normalize("NFC", raw.decode("utf-8", errors="replace")).strip()
        if not text:
            return
        if card_qr.looks_like_card(text):
            self.card_scanned.emit(text)
        elif looks_like_code(text):
            self.code_scanned.emit(text.upper())
        else:
            self.unreadable.emit("Máy quét đọc được một mã không phải mã hồ sơ hay mã QR "
                                 "của thẻ căn cước.")
