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


def test_another_desks_file_is_on_the_server_not_missing_here(
        enrolled, server, make_request):  # noqa: F811
    """Desk B holds A's record but not A's file until someone opens it: B's check and B's
    backups do not call it missing; once fetched, it is checked like B's own."""
    import datetime as dt

    from counter_app.attachments.blob_store import BlobStore, folder_for
    from counter_app.backups import document_files
    from counter_app.backups.making import make_backup
    from counter_app.store.database import database_file

    a, b = enrolled("a.db", 1), enrolled("b.db", 2)
    code = a.receive(make_request(PROCEDURE)).code
    found = a.attach(code, [jpeg(scanned(text_page()))], document=0)
    sync_once(a.db, http=server.http)
    sync_once(b.db, http=server.http)
    b_path = database_file(b.db)
    report = document_files.check(b_path)
    assert report.ok and (report.named, report.elsewhere) == (1, 0 + 1)
    made = make_backup(b_path, "manual", now=dt.datetime(2026, 3, 9, 17, 30))
    assert made.intact and made.warning == ""
    # A's own file missing at A is missing (A digitised it): the check says so.
    a_path = database_file(a.db)
    BlobStore(folder_for(a_path)).path(found.sha256).rename(a_path.with_suffix(".moved"))
    assert document_files.check(a_path).missing == [found.sha256]
    # Fetched at B, B's copy is checked: changed on the disk, it is found.
    b.attachment_pdf(code, b.attachments(code)[0].id, http=server.http)
    BlobStore(folder_for(b_path)).path(found.sha256).write_bytes(b"sua tay")
    assert document_files.check(b_path).changed == [found.sha256]


def test_a_desk_set_to_fetch_ahead_has_the_file_before_it_is_opened(
        enrolled, server, make_request):  # noqa: F811
    """Off by default (a slow link fetches on opening); on, a sync round brings the other
    desk's file, and a file its desk has not sent yet is tried again the next round."""
    a, b = enrolled("a.db", 1), enrolled("b.db", 2)
    code = a.receive(make_request(PROCEDURE)).code
    first = a.attach(code, [jpeg(scanned(text_page()))], document=0)
    sync_once(a.db, http=server.http)
    assert sync_once(b.db, http=server.http).files_fetched == 0
    assert not b.attachments(code)[0].here and not b.fetch_files_ahead
    b.set_fetch_files_ahead(True)
    # A's second file: its record reaches B before A sends the file (A synced the record
    # only: the file is sent after the events, here stopped by removing it for a round).
    second = a.attach(code, [jpeg(scanned(text_page(lines=3)))], document=1)
    from counter_app.attachments.blob_store import BlobStore, folder_for
    from counter_app.store.database import database_file
    kept = BlobStore(folder_for(database_file(a.db))).path(second.sha256)
    aside = kept.with_name("aside")
    kept.rename(aside)
    sync_once(a.db, http=server.http)
    report = sync_once(b.db, http=server.http)
    assert report.files_fetched == 1  # the first; the second is not on the server yet
    assert {x.sha256: x.here for x in b.attachments(code)} == {
        first.sha256: True, second.sha256: False}
    aside.rename(kept)
    sync_once(a.db, http=server.http)
    assert sync_once(b.db, http=server.http).files_fetched == 1
    assert all(x.here for x in b.attachments(code))
    assert sync_once(b.db, http=server.http).files_fetched == 0  # nothing left to fetch
