"""Pages from a webcam or document camera (QtMultimedia): the officer holds each page under
the camera and presses Space (or "Chụp trang"); each picture becomes a JPEG page, made into
the document's PDF like any scan (counter_app/attachments/pages.py turns it upright, and
gray or black and white where the page allows)."""

from __future__ import annotations

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QLoggingCategory, Qt
from PySide6.QtGui import QImage, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
)

from ui.common.screen_fit import fit_to_screen

JPEG_QUALITY = 90


#: Looking for cameras loads the multimedia backend, which warns about every optional video
#: acceleration library the computer lacks (VA-API, PipeWire): not the officer's concern.
QUIET = "qt.multimedia.symbolsresolver.warning=false"


def cameras() -> list:
    """The cameras this computer has (QCameraDevice), none on a computer without one."""
    QLoggingCategory.setFilterRules(QUIET)
    from PySide6.QtMultimedia import QMediaDevices
    return list(QMediaDevices.videoInputs())


def jpeg_bytes(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "JPG", JPEG_QUALITY)
    buffer.close()
    return bytes(data)


class CameraDialog(QDialog):
    """Shows the camera; each capture adds a page. ``pages`` holds them (JPEG bytes) after
    the dialog is accepted."""

    def __init__(self, devices: list, parent=None):
        super().__init__(parent)
        from PySide6.QtMultimedia import QCamera, QImageCapture, QMediaCaptureSession
        from PySide6.QtMultimediaWidgets import QVideoWidget
        self.setWindowTitle("Chụp trang bằng camera")
        fit_to_screen(self, 900, 640)
        self.pages: list[bytes] = []
        self._devices = devices
        self.choice = QComboBox()
        for device in devices:
            self.choice.addItem(device.description())
        self.view = QVideoWidget()
        self.view.setMinimumSize(320, 240)
        self.count = QLabel("Chưa chụp trang nào.")
        self.problem = QLabel(wordWrap=True)
        self.problem.setStyleSheet("color: #b71c1c; font-weight: bold;")
        self.problem.hide()
        self.shoot = QPushButton("Chụp &trang (Space)")
        self.shoot.clicked.connect(self.capture)
        QShortcut(QKeySequence(Qt.Key.Key_Space), self, self.capture)
        buttons = QDialogButtonBox()
        self.done_button = buttons.addButton("&Xong", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton("&Hủy", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        top = QHBoxLayout()
        top.addWidget(QLabel("Camera:"))
        top.addWidget(self.choice, 1)
        row = QHBoxLayout()
        row.addWidget(self.shoot)
        row.addWidget(self.count, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.problem)
        layout.addLayout(row)
        layout.addWidget(buttons)

        self.session = QMediaCaptureSession(self)
        self.capturer = QImageCapture(self)
        self.session.setImageCapture(self.capturer)
        self.session.setVideoOutput(self.view)
        self.capturer.imageCaptured.connect(self._captured)
        self.capturer.errorOccurred.connect(lambda _id, _e, text: self._say(text))
        self.camera: QCamera | None = None
        self._camera_class = QCamera
        self.choice.currentIndexChanged.connect(self._use)
        self._use(0)

    def _use(self, index: int) -> None:
        if self.camera is not None:
            self.camera.stop()
        if not 0 <= index < len(self._devices):
            return
        self.camera = self._camera_class(self._devices[index], self)
        self.camera.errorOccurred.connect(
            lambda _e, text: self._say(f"Camera báo lỗi: {text}"))
        self.session.setCamera(self.camera)
        self.camera.start()

    def capture(self) -> None:
        if not self.capturer.isReadyForCapture():
            self._say("Camera chưa sẵn sàng; chờ hình hiện lên rồi chụp lại.")
            return
        self.capturer.capture()

    def _captured(self, _id: int, image: QImage) -> None:
        self.pages.append(jpeg_bytes(image))
        self.problem.hide()
        self.count.setText(f"Đã chụp {len(self.pages)} trang.")

    def _say(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.show()

    def done(self, result: int) -> None:  # noqa: A003 (QDialog.done)
        if self.camera is not None:
            self.camera.stop()
        super().done(result)
