"""A desk restored from a backup (docs/sync.md §2.9): a new desk to the server, and nothing that
was only in the backup is lost."""

from __future__ import annotations

import datetime as dt

import pytest

from counter_app.accounts import audit_trail
from counter_app.backups import make_backup, restore
from counter_app.service.counter import Counter
from counter_app.sync import desk_state, token_store
from counter_app.sync.enrolment import enrol
from counter_app.sync.errors import SyncRefused
from counter_app.sync.status import sync_status
from counter_app.sync.sync_round import sync_once
from tests.core.conftest import OFFICER, PASSWORD
from tests.sync.conftest import PROCEDURE

T = dt.datetime(2026, 11, 20, 16, 0)


def _receive(counter, make_request, *numbers):
    return [counter.receive(make_request(PROCEDURE, applicant={"id_number": f"0013030100{n:02d}"}))
            for n in numbers]


def test_events_only_in_the_backup_reach_the_server_under_the_old_desk_id(
        enrolled, server, make_request, tmp_path):
    a = enrolled("a.db", 1)
    old_id = a.desk_id
    old_token = token_store.load(a.db)
    _receive(a, make_request, 1, 2, 3)
    sync_once(a.db, http=server.http)
    only_in_backup = _receive(a, make_request, 4, 5)  # never synced before the disk died
    backup = make_backup(tmp_path / "a.db", "manual", now=T)
    a.close()

    restore(tmp_path / "a.db", backup.path, now=T + dt.timedelta(hours=1))
    again = Counter.open(tmp_path / "a.db")
    try:
        again.sign_in(OFFICER["username"], PASSWORD)
        assert again.desk_id != old_id
        # a code alone never silences a working desk: the old one must be revoked first
        with pytest.raises(SyncRefused):
            enrol(again.db, server.url, server.code(1), http=server.http, allow_http=True)
        server.revoke(old_id)
        enrol(again.db, server.url, server.code(1), http=server.http, allow_http=True)
        assert desk_state.get(again.db, desk_state.TAKEN_OVER) == [old_id]
        assert sync_status(again.db).waiting_events == 2  # the old id's 4 and 5
        [new] = _receive(again, make_request, 6)
        report = sync_once(again.db, http=server.http)

        assert report.pushed.to_dict()["applied"] == 3
        assert sync_status(again.db).waiting_events == 0
        assert server.count("dossiers") == 6 and server.count("inbox") == 6
        for d in [*only_in_backup, new]:
            assert again.dossier(d.code)
        assert audit_trail.verify(again.db).ok
        # the old id's token no longer works: one writer per chain
        refused = server.http.get("/v1/pull", headers={"Authorization": f"Bearer {old_token}"})
        assert refused.status_code == 401
    finally:
        again.close()
