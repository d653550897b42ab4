"""A digitised document recorded in a dossier's history (issue "Digitising at the counter").

Scanning a document of the dossier (one of its checklist's documents, by index) or its
result adds an ``attach`` event to the hash-chained log. The event carries the file's
SHA-256, size and pages, never its bytes (they are content-addressed files, counter_app/
attachments/blob_store.py). It changes no status: it marks, on the dossier row, which of
its documents and whether its result are digitised (the digitisation rate of the reports).

A document reused from an earlier dossier of the same citizen names that dossier
(``reused_from``): linked, not copied (the same file serves both).
"""

from __future__ import annotations

import json
import re

ATTACH = "attach"
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
MAX_NAME = 300


def check(payload: object) -> None:
    """Raise ``ValueError`` (English, for the server's records) when an attach payload could
    not be applied the same way on every desk."""
    if not isinstance(payload, dict):
        raise ValueError("the payload must be an object")
    if not isinstance(payload.get("sha256"), str) or not _SHA256.match(payload["sha256"]):
        raise ValueError("sha256 must be 64 lower-case hex digits")
    for key, hi in (("bytes", 1 << 31), ("pages", 10_000)):
        value = payload.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= hi:
            raise ValueError(f"{key} must be a whole number from 1 to {hi}")
    document, result = payload.get("document"), payload.get("result")
    if not isinstance(result, bool):
        raise ValueError("result must be true or false")
    if result != (document is None):
        raise ValueError("an attachment is either the result or one document (its index)")
    if document is not None and (isinstance(document, bool) or not isinstance(document, int)
                                 or not 0 <= document < 1000):
        raise ValueError("document must be a document's index, 0 to 999")
    for key in ("name", "reused_from"):
        value = payload.get(key, "")
        if not isinstance(value, str) or len(value) > MAX_NAME:
            raise ValueError(f"{key} must be text of at most {MAX_NAME} characters")


def digitised_indexes(row: dict) -> list[int]:
    """The indexes of the dossier's documents that have pages (the row's ``digitised``)."""
    value = row.get("digitised")
    try:
        indexes = json.loads(value) if isinstance(value, str) and value else []
    except ValueError:
        return []
    return [i for i in indexes if isinstance(i, int)]


def applied(row: dict, payload: dict) -> dict:
    """The dossier's columns after an attach event: which documents, whether the result."""
    if payload.get("result"):
        return {"result_digitised": 1}
    indexes = sorted({*digitised_indexes(row), int(payload["document"])})
    return {"digitised": json.dumps(indexes)}
