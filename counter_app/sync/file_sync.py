"""The digitised documents' files in a sync round (docs/sync.md §2.10): after the events
(pushed and pulled first, so a slow file never holds up a dossier), each file this desk
digitised and the server does not hold yet is sent in resumable chunks (blob_upload.py),
and noted as sent in the same database as the event that names it. A file another desk
digitised is fetched when someone opens it (``fetch``), resumed from where a cut left it,
or ahead of time where the desk is set so (``fetch_ahead``: newest first, a bounded amount
a round, so a slow link is never held up for long).
"""

from __future__ import annotations

import datetime as dt

import sqlite_utils

from counter_app.attachments.blob_store import BlobStore, folder_for, is_sha256
from counter_app.store.database import database_file, transaction
from counter_app.sync import blob_fetch, blob_upload, desk_state
from counter_app.sync.errors import SyncRefused
from counter_app.sync.transport import Channel


def _store(db: sqlite_utils.Database) -> BlobStore | None:
    path = database_file(db)
    return BlobStore(folder_for(path)) if path else None


def waiting_files(db: sqlite_utils.Database, desk_id: str) -> list[str]:
    """Files this desk (its chains, those taken over after a restore included) digitised
    and has not sent: oldest first."""
    chains = desk_state.chains(db, desk_id)
    marks = ", ".join("?" for _ in chains)
    rows = db.execute(
        "SELECT json_extract(payload, '$.sha256') AS sha, min(rowid) FROM events "
        f"WHERE kind = 'attach' AND desk_id IN ({marks}) GROUP BY sha ORDER BY 2",
        list(chains)).fetchall()
    sent = {r[0] for r in db.execute("SELECT sha256 FROM files_sent")}
    return [r[0] for r in rows if is_sha256(r[0]) and r[0] not in sent]


def send_waiting(db: sqlite_utils.Database, channel: Channel, desk_id: str) -> int:
    """Send every waiting file this desk holds; returns how many the server took now.
    A file missing or changed here is left (``counter-app check`` says so)."""
    store = _store(db)
    if store is None:
        return 0
    sent = 0
    for sha256 in waiting_files(db, desk_id):
        if store.verify(sha256) is not None:
            continue
        sent += blob_upload.upload(channel, store, sha256)
        with transaction(db):
            db.execute("INSERT OR IGNORE INTO files_sent (sha256, sent_at) VALUES (?, ?)",
                       [sha256, dt.datetime.now().astimezone().isoformat(timespec="seconds")])
    return sent


def fetch(db: sqlite_utils.Database, channel: Channel, sha256: str, size: int) -> None:
    """Bring one file to this desk from the server (resumed after a cut)."""
    store = _store(db)
    if store is None:
        raise ValueError("an in-memory database keeps no files")
    blob_fetch.fetch(channel, store, sha256, size=size)


#: How much one round fetches ahead at most (a slow commune link: about a minute or two).
AHEAD_BYTES_PER_ROUND = 20 * 1024 * 1024


def missing_here(db: sqlite_utils.Database, store: BlobStore) -> list[tuple[str, int]]:
    """Files the desk's dossiers name that are not on this desk: (sha256, size), the
    newest record first."""
    rows = db.execute(
        "SELECT json_extract(payload, '$.sha256') AS sha, json_extract(payload, '$.bytes'), "
        "max(rowid) AS newest FROM events WHERE kind = 'attach' GROUP BY sha "
        "ORDER BY newest DESC").fetchall()
    return [(sha, int(size)) for sha, size, _ in rows
            if is_sha256(sha) and isinstance(size, int) and not store.has(sha)]


def fetch_ahead(db: sqlite_utils.Database, channel: Channel,
                budget: int = AHEAD_BYTES_PER_ROUND) -> int:
    """Where the desk is set to (``desk_state.FETCH_AHEAD``), bring other desks' files
    before anyone opens them, within ``budget`` bytes a round. A file the server does not
    hold yet (its desk has not sent it) is tried again next round. Returns how many came."""
    store = _store(db)
    if store is None or not desk_state.get(db, desk_state.FETCH_AHEAD, False):
        return 0
    fetched = 0
    for sha256, size in missing_here(db, store):
        if size > budget:
            break
        try:
            blob_fetch.fetch(channel, store, sha256, size=size)
        except SyncRefused as exc:
            if exc.code == "not_found":
                continue
            raise
        budget -= size
        fetched += 1
    return fetched
