"""A desk holds only part of another unit's desk chains (the dossiers the two share), so
``audit verify`` lets those chains have gaps. Which desks are another unit's is judged from
the hash-protected ``received`` events, so editing the dossier rows of a hand-edited file
cannot make a desk of this unit look foreign and hide an event deleted from its chain."""

from __future__ import annotations

from counter_app.accounts import audit_trail
from counter_app.store import settings_store
from counter_app.sync.sync_round import sync_once
from tests.sync.conftest import (  # noqa: F401 - fixtures
    PROCEDURE,
    _quick_retries,
    enrolled,
    server,
)


def test_relabelling_dossiers_hides_no_deleted_event(enrolled, server, make_request):  # noqa: F811
    a, b = enrolled("a.db", 1), enrolled("b.db", 2)
    for _ in range(3):
        b.receive(make_request(PROCEDURE))
    sync_once(b.db, http=server.http)
    sync_once(a.db, http=server.http)
    assert audit_trail.verify(a.db).ok
    db = a.db
    other = db.execute("SELECT DISTINCT desk_id FROM events WHERE desk_id != ?",
                       [settings_store.desk_id(db)]).fetchone()[0]
    guard = db.execute("SELECT sql FROM sqlite_master WHERE name = "
                       "'events_append_only_delete'").fetchone()[0]
    db.execute("PRAGMA foreign_keys = OFF")
    db.execute("DROP TRIGGER events_append_only_delete")
    db.execute("DELETE FROM events WHERE desk_id = ? AND desk_seq = 2", [other])
    db.execute(guard)
    db.execute("UPDATE dossiers SET receiving_agency = '000.99.99.H99' WHERE id IN "
               "(SELECT dossier_id FROM events WHERE desk_id = ?)", [other])
    db.conn.commit()
    report = audit_trail.verify(db)
    assert [x.reason for x in report.broken] == ["Thiếu bản ghi số 2 trong chuỗi của quầy."]
