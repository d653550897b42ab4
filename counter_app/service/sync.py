"""The desk's side of sync: the part of ``Counter`` the sync screens and commands use
(status, enrolment, conflicts). The rounds themselves run on their own connection
(counter_app/sync/sync_round.py)."""

from __future__ import annotations

import logging
import sqlite3

from counter_app.domain.roles import Action
from counter_app.errors import DatabaseReadOnly, DiskFull
from counter_app.store.audit_log import AuditAction
from counter_app.store.database import transaction

log = logging.getLogger("counter_app.service.counter")


class CounterSync:
    """Mixed into ``Counter`` (which provides ``db``, ``clock``, ``require``, ``audit``,
    ``_signer``, ``_calendar``…)."""

    def sync_status(self):
        """What the status bar and ``sync-status`` show (no account needed: no personal data)."""
        from counter_app.sync.status import sync_status

        return sync_status(self.db)

    def enrolment_anchor(self) -> dict | None:
        """The signed-in administrator's account signed by their own key, sent with the
        enrolment code: the server binds that key to the commune (docs/security.md). None
        when the officer has no key open (then account changes wait for an administrator's
        enrolment)."""
        from counter_app.accounts import account_records

        officer = self.require(Action.ENROL)
        if self._signer is None or self._signer.username != officer.username:
            return None
        with transaction(self.db):
            return account_records.anchor(self.db, self._signer, self.clock())

    def record_enrolment(self, server_url: str, commune: str, desk_number: int | None) -> None:
        """Enrolment itself runs on its own connection (it waits on the network); the officer
        who did it is checked here and recorded."""
        self.require(Action.ENROL)
        self.audit(AuditAction.SERVER_ENROLLED, server_url,
                   {"commune": commune, "desk_number": desk_number})

    def conflicts(self, include_resolved: bool = False):
        from counter_app.sync import conflicts

        self.require(Action.CONFLICTS)
        return conflicts.list_conflicts(self.db, include_resolved)

    def resolve_conflict(self, conflict_id: str, text: str):
        """Settle a conflict with a note; it goes to the server and every desk at the next sync."""
        from counter_app.sync import conflicts

        officer = self.require(Action.CONFLICTS)
        resolved = conflicts.resolve(self.db, conflict_id, officer.username, text, self.clock())
        self.audit(AuditAction.CONFLICT_RESOLVED, resolved.code, {"conflict": conflict_id})
        return resolved

    @property
    def fetch_files_ahead(self) -> bool:
        """Does each sync round bring other desks' digitised files before anyone opens
        them (counter_app/sync/file_sync.py)?"""
        from counter_app.sync import desk_state

        return bool(desk_state.get(self.db, desk_state.FETCH_AHEAD, False))

    def set_fetch_files_ahead(self, on: bool) -> None:
        """A desk setting (administrator): worth it on a good link, or a desk that must show
        any dossier's papers at once; off by default (a slow link fetches on opening)."""
        from counter_app.sync import desk_state

        self.require(Action.SETUP)
        with transaction(self.db):
            desk_state.put(self.db, desk_state.FETCH_AHEAD, bool(on))
        self.audit(AuditAction.SETUP_CHANGED, "fetch_files_ahead", {"on": bool(on)})

    def after_sync(self) -> None:
        """A sync on another connection may have replaced the calendar: read it again."""
        self._calendar = None


def token_out_of_the_file(db) -> None:
    """A device token an earlier version kept in the database moves to the credential
    store (counter_app/sync/token_store.py) as soon as the file is opened; on a file that
    cannot be written now, at the next sync round."""
    from counter_app.sync.token_store import move_out_of_database

    try:
        move_out_of_database(db)
    except (sqlite3.OperationalError, OSError, DiskFull, DatabaseReadOnly) as exc:
        log.warning("device token left in the database for now: %s", exc)

