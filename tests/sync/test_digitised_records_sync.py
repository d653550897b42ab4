"""A digitised document's record (the ``attach`` event) travels like any step: the server
applies it (the dossier's digitised columns), every desk of the commune pulls it, and a
malformed one is quarantined. The file itself is not in the record."""

from __future__ import annotations

from sqlalchemy import select

from counter_app.server.schema import inbox
from counter_app.store import dossier_steps, event_log
from counter_app.store.database import transaction
from counter_app.sync.sync_round import sync_once
from tests.core.conftest import OFFICER
from tests.sample_pages import jpeg, scanned, text_page
from tests.sync.conftest import (  # noqa: F401 - fixtures
    PROCEDURE,
    _quick_retries,
    enrolled,
    server,
)


def test_the_record_reaches_the_other_desk(enrolled, server, make_request):  # noqa: F811
    a, b = enrolled("a.db", 1), enrolled("b.db", 2)
    code = a.receive(make_request(PROCEDURE)).code
    found = a.attach(code, [jpeg(scanned(text_page()))], document=0)
    sync_once(a.db, http=server.http)
    sync_once(b.db, http=server.http)
    assert a.attachments(code)[0].record_synced
    there = b.attachments(code)
    assert [(x.id, x.sha256, x.here, x.record_synced) for x in there] == [
        (found.id, found.sha256, False, True)]  # the record, not yet the file
    assert b.dossier(code)["digitised"] == "[0]"


def test_a_malformed_record_is_quarantined(enrolled, server, make_request):  # noqa: F811
    """The desk's own store refuses a record without a proper hash; one written behind its
    back (an older or hand-made file) is quarantined by the server, the dossier unchanged."""
    import datetime as dt

    import pytest

    a = enrolled("a.db", 1)
    code = a.receive(make_request(PROCEDURE)).code
    bad = {"at": "2026-03-09T09:00:00", "sha256": "x", "bytes": 1, "pages": 1,
           "document": 0, "result": False, "name": "", "reused_from": ""}
    with pytest.raises(ValueError):
        dossier_steps.record_attach(a.db, code, lambda row: bad, desk_id=a.desk_id,
                                    officer=OFFICER["username"], now=a.clock())
    with transaction(a.db):
        event_log.append(a.db, dossier_id=a.dossier(code)["id"], desk_id=a.desk_id,
                         kind="attach", payload=bad, officer=OFFICER["username"],
                         at=dt.datetime(2026, 3, 9, 9, 0).astimezone())
    sync_once(a.db, http=server.http)
    with server.engine.connect() as conn:
        results = conn.execute(select(inbox.c.result, inbox.c.reason)
                               .order_by(inbox.c.server_seq)).all()
    assert results[0][0] == "applied"
    assert results[1][0] == "quarantined" and "sha256 must be" in results[1][1]


def test_the_file_follows_its_record_and_is_fetched_where_it_is_opened(
        enrolled, server, make_request, tmp_path):  # noqa: F811
    """Attach at desk A, sync (the events first, then the file in chunks), open it at desk
    B: fetched from the server, the same SHA-256 at each end and on the server."""
    import hashlib

    from counter_app.server.blobs import backend_of  # noqa: F401 - the server's store
    from counter_app.sync import file_sync

    a, b = enrolled("a.db", 1), enrolled("b.db", 2)
    code = a.receive(make_request(PROCEDURE)).code
    found = a.attach(code, [jpeg(scanned(text_page()))], document=0)
    assert file_sync.waiting_files(a.db, a.desk_id) == [found.sha256]
    report = sync_once(a.db, http=server.http)
    assert report.files_sent == 1 and file_sync.waiting_files(a.db, a.desk_id) == []
    assert sync_once(a.db, http=server.http).files_sent == 0  # exactly once
    sync_once(b.db, http=server.http)
    there = b.attachments(code)[0]
    assert not there.here
    pdf = b.attachment_pdf(code, there.id, http=server.http)
    assert hashlib.sha256(pdf).hexdigest() == found.sha256 == there.sha256
    assert b.attachments(code)[0].here
    with server.engine.connect() as conn:
        from sqlalchemy import text

        assert conn.execute(text("SELECT sha256, size FROM blobs")).one() == (
            found.sha256, found.bytes)
