"""Keeping citizens' personal data out of the log files.

``install(handler)`` puts a ``PersonalDataFilter`` on a logging handler (the window's
rotating file, see ui/app.py). Before the record is written, the filter replaces in its
final message (the format string with its arguments already filled in), in its exception
text (the traceback with each exception's message) and in its stack text:

- e-mail addresses -> ``[e-mail]``;
- phone numbers as people write them: ``0912 345 678``, ``0912.345.678``, ``0912-345-678``,
  ``(0237) 3 999 999``, ``+84 912 345 678``, ``+84 (0) 912...`` -> ``[phone]``; an ID number
  typed in groups (``001 303 012 345``) is caught the same way;
- any other run of 9 to 12 digits (citizen ID numbers, tax codes, old 9-digit ID cards),
  and longer ones (bank accounts, a mistyped ID) -> ``[number]``.

What still reads: dossier codes (``000.17.22.H56-261120-0001``), dates and times in any
of the program's formats, UUIDs, counts and amounts.

Names and addresses cannot be recognised by a pattern: code must never log a dossier's or
an applicant's fields in the first place (a log call formatting one is a bug). If the
message cannot be built (bad arguments) or checked, it is withheld, never written as is.
"""

from __future__ import annotations

import logging
import re

EMAIL = re.compile(r"[\w.%+-]+@[\w-]+(?:\.[\w-]+)+")
#: A phone number in groups: +84 then 9-10 digits, or 0 and an area or network code then
#: 7-9 digits; groups split by a space, dot or hyphen, the code maybe in brackets. Never
#: starting right after a letter, digit, dot or hyphen (so not inside a dossier code).
PHONE = re.compile(r"(?:(?<![\w.+-])\+ ?84[ .-]?(?:\(0\)[ .-]?)?\d(?:[ .-]?\d){8,9}"
                   r"|(?<![\w.+-])\(?0\d{1,3}\)?(?:[ .-]?\d){7,9})(?!\d)")
DIGIT_RUN = re.compile(r"(?<!\d)\d{9,}(?!\d)")  # 9-12, and longer ones too
DOTTED_DATE = re.compile(r"(?<!\d)\d{1,2}[.-]\d{1,2}[.-]\d{4}(?!\d)")
WITHHELD = "[log message withheld: it could not be checked for personal data]"


def _phone(match: re.Match) -> str:
    text = match.group()
    return text if DOTTED_DATE.search(text) else "[phone]"  # 01.12.2026 09.30 is a date


def redact(text: str) -> str:
    """``text`` without e-mail addresses, phone numbers and numbers of 9 digits or more."""
    if not text:
        return text
    text = EMAIL.sub("[e-mail]", text)
    text = PHONE.sub(_phone, text)
    return DIGIT_RUN.sub("[number]", text)


class PersonalDataFilter(logging.Filter):
    """Redacts each record in place (message, exception text, stack); never drops one."""

    _formatter = logging.Formatter()  # how a handler's formatter writes a traceback

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = redact(record.getMessage())
        except Exception:
            message = WITHHELD
        record.msg, record.args = message, None
        try:
            if record.exc_info and not record.exc_text:
                record.exc_text = self._formatter.formatException(record.exc_info)
            if record.exc_text:
                record.exc_text = redact(record.exc_text)
            if record.stack_info:
                record.stack_info = redact(record.stack_info)
        except Exception:
            record.exc_text = WITHHELD if (record.exc_info or record.exc_text) else None
            record.stack_info = None
        # The handler's formatter uses exc_text when it is set; with exc_info cleared no
        # other formatter can write the raw traceback again.
        record.exc_info = None
        return True


def install(handler: logging.Handler) -> PersonalDataFilter:
    """Put the filter on ``handler`` (once); returns it."""
    for existing in handler.filters:
        if isinstance(existing, PersonalDataFilter):
            return existing
    privacy = PersonalDataFilter()
    handler.addFilter(privacy)
    return privacy


def exception_outline(error: BaseException) -> str:
    """An exception for the log without its message (which may hold a name or an address
    no pattern can catch): the type and the frames, as ``Type`` + the traceback lines."""
    import traceback

    frames = "".join(traceback.format_tb(error.__traceback__))
    return f"{type(error).__module__}.{type(error).__qualname__}\n{frames}".rstrip()
