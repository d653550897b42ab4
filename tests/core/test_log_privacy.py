"""No ID number, phone number or e-mail address reaches the log file (counter_app.log_privacy),
through a real rotating file handler set up as the window sets up its own (ui/app.py)."""

from __future__ import annotations

import logging
import re
from logging.handlers import RotatingFileHandler

import pytest

from counter_app.log_privacy import PersonalDataFilter, install, redact
from tests.core.conftest import CITIZEN_ID

PHONES = ["0912345678", "0912 345 678", "0912.345.678", "0912-345-678", "(0237) 3 999 999",
          "+84 912 345 678", "+84912345678", "+84 (0) 912 345 678", "84912345678"]
EMAILS = ["anh.ntn@example.vn", "nguyễn.văn-an+hs@mail.gov.vn"]
OTHER_NUMBERS = ["038090012345", "0101234567", "123456789", "001 303 012 345",
                 "12345678901234"]  # citizen id, tax code, old ID card, typed in groups, bank
STILL_READABLE = ["000.17.22.H56-261120-0001", "000.17.22.H56-061120-0042",
                  "2026-11-20T13:45:02+07:00", "20/11/2026 09:30", "01.12.2026",
                  "01934c04-c0e2-723f-a8ce-695315bec470", "1.200.000 đồng",
                  "100,000 dossiers in 31.6 s", "desk_seq 123456", "01/2026"]


@pytest.fixture
def log_file(tmp_path):
    """A logger writing through a RotatingFileHandler with the filter, as the window's."""
    path = tmp_path / "logs" / "counter-app.log"
    path.parent.mkdir()
    handler = RotatingFileHandler(path, maxBytes=1_000_000, backupCount=5, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    assert install(handler) is install(handler)  # installing twice adds it once
    assert sum(isinstance(f, PersonalDataFilter) for f in handler.filters) == 1
    logger = logging.getLogger(f"test.privacy.{tmp_path.name}")
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    logger.addHandler(handler)
    yield logger, path
    logger.removeHandler(handler)
    handler.close()


def _digits_of(value: str) -> str:
    return re.sub(r"\D", "", value)


def _assert_nothing_personal(text: str) -> None:
    for secret in [CITIZEN_ID, *PHONES, *EMAILS, *OTHER_NUMBERS]:
        assert secret not in text, secret
    digits = re.sub(r"\D", "", text)  # not even with the separators taken out
    for secret in [CITIZEN_ID, *PHONES, *OTHER_NUMBERS]:
        assert _digits_of(secret)[-9:] not in digits, secret
    for mail in EMAILS:
        assert mail.split("@")[0] not in text and mail.split("@")[1] not in text


def test_messages_with_arguments_are_written_without_personal_data(log_file):
    logger, path = log_file
    logger.info("received %s for %s, phone %s, e-mail %s", STILL_READABLE[0], CITIZEN_ID,
                PHONES[1], EMAILS[0])
    for phone in PHONES:
        logger.warning(f"call back on {phone} today")  # already formatted: still caught
    logger.info("other numbers: %s", "; ".join(OTHER_NUMBERS))
    logger.error("mail %(to)s", {"to": EMAILS[1]})
    logger.info("kept: %s", " | ".join(STILL_READABLE))
    text = path.read_text(encoding="utf-8")
    _assert_nothing_personal(text)
    assert text.count("[phone]") >= len(PHONES) and "[e-mail]" in text and "[number]" in text
    kept = text.splitlines()[-1]
    for value in STILL_READABLE:  # codes, dates, times, ids, amounts read as they were
        assert value in kept, value
    assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO ", kept)  # the timestamp
    assert f"received {STILL_READABLE[0]} for [phone]" in text  # an ID starting with 0


def test_an_exception_traceback_is_written_without_personal_data(log_file):
    logger, path = log_file

    def fail():
        try:
            raise KeyError(f"no applicant {CITIZEN_ID} ({EMAILS[0]})")
        except KeyError as exc:
            raise ValueError(f"could not text {PHONES[5]} about "
                             f"{STILL_READABLE[0]}") from exc

    try:
        fail()
    except ValueError:
        logger.exception("unexpected error")
    try:
        fail()
    except ValueError as exc:
        logger.error("background task failed", exc_info=exc)  # as ui/common/tasks.py logs
    logger.warning("where we were, %s", PHONES[2], stack_info=True)
    text = path.read_text(encoding="utf-8")
    _assert_nothing_personal(text)
    assert text.count("Traceback (most recent call last):") == 4  # both chained, twice
    assert "The above exception was the direct cause" in text
    assert f"ValueError: could not text [phone] about {STILL_READABLE[0]}" in text
    assert "KeyError: 'no applicant [phone] ([e-mail])'" in text
    assert 'raise KeyError(f"no applicant {CITIZEN_ID}' in text  # the source line reads
    assert "Stack (most recent call last):" in text


def test_other_handlers_on_the_same_record_get_the_redacted_record_too(log_file, caplog):
    logger, path = log_file
    logger.propagate = True
    with caplog.at_level(logging.INFO, logger=logger.name):
        logger.info("id %s", CITIZEN_ID)
    assert CITIZEN_ID not in path.read_text(encoding="utf-8")
    assert caplog.records[-1].getMessage() == "id [phone]"


def test_a_message_that_cannot_be_built_is_withheld_never_written_raw(log_file):
    logger, path = log_file
    logger.info("two values %s %s", CITIZEN_ID)  # one argument missing
    text = path.read_text(encoding="utf-8")
    assert CITIZEN_ID not in text and "withheld" in text


@pytest.mark.parametrize("text, expected", [
    ("gọi 0912 345 678 nhé", "gọi [phone] nhé"),
    ("ngày 20 0912 345 678", "ngày 20 [phone]"),  # a number just before
    ("CCCD001303012345", "CCCD[number]"),  # glued to letters
    ("EB123456789VN", "EB[number]VN"),
    ("hẹn 01.12.2026 09.30", "hẹn 01.12.2026 09.30"),
    ("mã 000.17.22.H56-061120-0001, sổ 01/2026", "mã 000.17.22.H56-061120-0001, sổ 01/2026"),
    ("", ""),
])
def test_redact(text, expected):
    assert redact(text) == expected


def test_an_exception_outline_keeps_the_frames_but_not_the_message():
    from counter_app.log_privacy import exception_outline

    def fails(address: str):
        raise KeyError(address)

    try:
        fails(" ".join(["Thôn", "Phú", "Lộc"]))  # never spelled out in a source line
    except KeyError as exc:
        outline = exception_outline(exc)
    assert outline.startswith("builtins.KeyError")
    assert "in fails" in outline and "Phú Lộc" not in outline
