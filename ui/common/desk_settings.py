"""What this desk remembers between sessions (QSettings, an .ini file in the user's config
folder): the last username used here (never a password), the idle time before the screen
locks, the scanner's port, the scan folder and the officer's favourite procedures
(Alt+1…9)."""

from __future__ import annotations

import re

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


SCAN_FOLDER = "digitising/scan_folder"


def scan_folder() -> str:
    """The folder the office scanner's software saves into; "" = none set."""
    return str(desk_settings().value(SCAN_FOLDER, "") or "")


def set_scan_folder(path: str) -> None:
    desk_settings().setValue(SCAN_FOLDER, path)


PINNED_PROCEDURES = "reception/pinned_procedures"
MAX_PINNED = 9
#: The form of a procedure code (1.004873, 1.004873.000.00.00.H56); anything else stored
#: under the key (a sentence, numbers written by hand) is dropped.
_CODE = re.compile(r"^[0-9]\.[0-9]{6}[0-9A-Z.]{0,20}$")


def _clean_codes(value: object) -> list[str]:
    """At most 9 distinct codes, in their order, from whatever the .ini file holds: the ini
    format gives a str for a one-element list, None for an empty one."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)):
        return []
    codes: list[str] = []
    for item in value:
        code = item.strip() if isinstance(item, str) else ""
        if _CODE.match(code) and code not in codes:
            codes.append(code)
    return codes[:MAX_PINNED]


def pinned_procedures() -> list[str]:
    """The procedure codes the officer set for Alt+1…9 on this desk, in their order."""
    return _clean_codes(desk_settings().value(PINNED_PROCEDURES, []))


def set_pinned_procedures(codes: list[str]) -> None:
    codes = _clean_codes(list(codes))
    settings = desk_settings()
    if codes:
        settings.setValue(PINNED_PROCEDURES, codes)
    else:
        settings.remove(PINNED_PROCEDURES)
