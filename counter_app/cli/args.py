"""Shared pieces of the command line: exit codes, argument types, output. Nothing here opens
the desk (that is ``cli.session``), so the server's commands use these too."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
from pathlib import Path
from typing import NoReturn

EXIT_BAD_INPUT = 2
EXIT_STEP_FORBIDDEN = 3  # the status machine refused the step
EXIT_PERMISSION = 4      # the officer's roles do not allow it (or nobody signed in)
EXIT_SIGN_IN = 5         # wrong username or password, or a disabled account
EXIT_TAMPERED = 6        # `audit verify`: a hash chain is broken (the logs were tampered with)
EXIT_DAMAGED = 7         # the database (or the backup given) fails the integrity check
EXIT_OFFLINE = 8         # sync: the server cannot be reached (nothing is lost)
EXIT_REFUSED = 9         # sync: the server refused, or this desk is not enrolled
EXIT_SAVED_NO_SLIP = 10  # receive: saved, but the slip file could not be written
EXIT_DISK_FULL = 11      # the disk is full: nothing was written, nothing half-written
EXIT_READ_ONLY = 12      # the database is read-only (not damaged): a writing command refused
PASSWORD_ENV = "COUNTER_APP_PASSWORD"
NEW_PASSWORD_ENV = "COUNTER_APP_NEW_PASSWORD"
USER_ENV = "COUNTER_APP_USER"

#: Who may run what, shown at the end of `counter-app --help`.
SIGN_IN_HELP = f"""\
signing in:
  Commands marked [--as] change data or show citizens' personal data. They need
  --as USER (or ${USER_ENV}); the password comes from ${PASSWORD_ENV}
  or is asked on the terminal. The officer's roles decide what is allowed:
    reception   receive; the counter's steps (hand over a new dossier, request a
                supplement, resume, payment received, refuse, withdraw, return);
                print; register
    processing  the steps of the dossiers handed to them (and sees only those)
    leader      every step, apologize included; print; register; audit
    admin       user, init, import-procedures, calendar changes, backup, restore;
                audit
  init, then user add, are free on a new database without accounts (first
  run; the first account must be an administrator); afterwards an administrator.
  Open to anyone: procedures, due-date, calendar list, generate (trial data
  into an empty database).

exit codes: 0 done, 2 bad input, 3 step forbidden by the dossier's status,
  4 not signed in or not allowed, 5 sign-in failed, 6 audit verify found the
  logs tampered with, 7 the database or a backup is damaged, 8 the server cannot
  be reached (sync: nothing is lost, try later), 9 the server refused or this desk
  is not enrolled, 10 the dossier was received and saved but its slip could not
  be written (print it with 'slip CODE --out FILE'), 11 the disk is full (nothing
  was written, nothing half-written; reading commands still work), 12 the
  database is read-only, e.g. on a write-protected stick (not damaged: reading
  commands work, writing commands are refused)
"""
NEEDS_AS = " [--as]"


class CliError(Exception):
    """A one-line reason for the user, printed to stderr."""


class Parser(argparse.ArgumentParser):
    """Usage errors (bad date, missing option...) as one line too, not usage + error."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"counter-app: error: {message}\n")


#: A date (and maybe a time) written the ISO way, or the Vietnamese way (dd/mm/yyyy).
_ISO = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})"
                  r"(?:[T ]([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?)?")
_VN = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})(?: ([0-9]{1,2}):([0-9]{2}))?")
#: Years a counter's dates can be in; outside them a date is a typing mistake.
FIRST_YEAR, LAST_YEAR = 1990, 2099


def _moment(text: str) -> dt.datetime | None:
    """The date-time ``text`` writes, None when it is not written as one; ArgumentTypeError
    when it is written as one but does not exist (30 February, 25:00)."""
    if m := _ISO.fullmatch(text):
        y, mo, d, h, mi, sec = (int(v) if v else 0 for v in m.groups())
    elif m := _VN.fullmatch(text):
        d, mo, y, h, mi = (int(v) if v else 0 for v in m.groups())
        sec = 0
    else:
        return None
    try:
        value = dt.datetime(y, mo, d, h, mi, sec)
    except ValueError as exc:  # "day is out of range for month", "hour must be in 0..23"
        raise argparse.ArgumentTypeError(
            f"'{text}' does not exist ({exc}; ngày giờ này không có thật)") from None
    return _in_years(value, text)


def _in_years(value: dt.datetime, text: str) -> dt.datetime:
    _check_year(value.year, text)
    return value


def _check_year(year: int, text: str) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise argparse.ArgumentTypeError(
            f"'{text}': the year must be between {FIRST_YEAR} and {LAST_YEAR}")


def datetime_arg(text: str) -> dt.datetime:
    """2026-11-20T09:15, 2026-11-20 09:15, 20/11/2026 09:15, or a date alone (00:00); an
    ISO 8601 time zone (+07:00, Z) is turned into the desk's local wall-clock time."""
    text = text.strip()
    value = _moment(text)
    if value is None:
        try:
            value = dt.datetime.fromisoformat(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"'{text}' is not a date-time (use ISO 8601, e.g. 2026-11-20T09:15, or "
                "dd/mm/yyyy HH:MM)") from None
    if value.tzinfo is not None:  # convert to the desk's local wall-clock time
        value = value.astimezone().replace(tzinfo=None)
    return _in_years(value, text)


def date_arg(text: str) -> dt.date:
    text = text.strip()
    value = _moment(text) if ("T" not in text and ":" not in text) else None
    if value is None:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date (use YYYY-MM-DD or "
                                         "dd/mm/yyyy)")
    return value.date()


def whole_number(low: int, high: int | None = None, noun: str = "a whole number"):
    """An argparse type: a whole number from ``low`` to ``high`` (no upper bound when None);
    1_000 and 1,000 read as 1000."""
    def parse(text: str) -> int:
        try:
            value = int(text.strip().replace("_", "").replace(",", ""))
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not {noun}") from None
        if value < low or (high is not None and value > high):
            span = f"between {low} and {high}" if high is not None else f"at least {low}"
            raise argparse.ArgumentTypeError(f"'{text}': must be {span}")
        return value
    return parse


year_arg = whole_number(FIRST_YEAR, LAST_YEAR, "a year")
positive_arg = whole_number(1, 365)  # days of a time limit


def out_file(text: str) -> Path:
    """A file to write: its folder must already exist (nothing is created by guesswork)."""
    path = Path(text).expanduser()
    folder = path.parent
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{path} is a folder; give a file name "
                                         "(đây là thư mục, hãy ghi tên tệp)")
    if not folder.is_dir():
        raise argparse.ArgumentTypeError(f"folder {folder} does not exist "
                                         "(thư mục không tồn tại)")
    return path


def add_common_options(parser: argparse.ArgumentParser, **defaults: object) -> None:
    """--db, --as and --json, on the main parser (with ``defaults``) and on every command
    (without: a command's own copies leave what was given before it untouched)."""
    def default(name: str) -> object:
        return defaults[name] if defaults else argparse.SUPPRESS

    parser.add_argument("--db", default=default("db"), metavar="FILE",
                        help="database file (default: $COUNTER_APP_DB, else counter.db in the "
                             "user's data folder)")
    parser.add_argument("--as", dest="as_user", metavar="USER", default=default("as_user"),
                        help=f"sign in as this officer (default: ${USER_ENV}); the password "
                             f"is read from ${PASSWORD_ENV} or asked on the terminal")
    parser.add_argument("--json", action="store_true", default=default("json"),
                        help="print JSON instead of text")


def common_options() -> argparse.ArgumentParser:
    """The parent parser every command takes --db, --as and --json from."""
    common = argparse.ArgumentParser(add_help=False)
    add_common_options(common)
    return common


def emit(args: argparse.Namespace, data: object, text: str) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2) if args.json else text)


#: Said after an unknown procedure code.
PROCEDURE_HINT = "find its code with: counter-app procedures --search WORDS"


def file_problem(exc: OSError) -> str:
    """'cannot write /x/y.pdf: No such file or directory (không ghi/đọc được tệp)'."""
    where = f" {exc.filename}" if exc.filename else ""
    return f"cannot use{where}: {exc.strerror or exc} (không dùng được tệp này)"
