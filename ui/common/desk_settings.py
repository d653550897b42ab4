"""What this desk remembers between sessions (QSettings, an .ini file in the user's config
folder): the last username used here (never a password) and the idle time before the
screen locks."""

from __future__ import annotations

from PySide6.QtCore import QSettings

LAST_USER = "sign_in/last_username"
IDLE_LOCK_SECONDS = "lock/idle_seconds"
DEFAULT_IDLE_SECONDS = 5 * 60
MAX_IDLE_MINUTES = 240


def desk_settings() -> QSettings:
    """The same .ini format on every system (tests point it at a temporary folder with
    ``QSettings.setPath(IniFormat, UserScope, folder)``)."""
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope,
                     "counter-app", "desk")


def last_username() -> str:
    return str(desk_settings().value(LAST_USER, "") or "")


def remember_username(username: str) -> None:
    desk_settings().setValue(LAST_USER, username)


def idle_lock_seconds() -> int:
    """Seconds without a key press or mouse click before the screen locks; 0 = never."""
    try:
        seconds = int(desk_settings().value(IDLE_LOCK_SECONDS, DEFAULT_IDLE_SECONDS))
    except (TypeError, ValueError):
        return DEFAULT_IDLE_SECONDS
    return max(0, seconds)


def set_idle_lock_seconds(seconds: int) -> None:
    desk_settings().setValue(IDLE_LOCK_SECONDS, max(0, int(seconds)))


SCANNER_PORT = "scanner/serial_port"


def scanner_port() -> str:
    """The serial (virtual COM) port of the 2D scanner; "" = keyboard mode only."""
    return str(desk_settings().value(SCANNER_PORT, "") or "")


def set_scanner_port(name: str) -> None:
    desk_settings().setValue(SCANNER_PORT, name)
