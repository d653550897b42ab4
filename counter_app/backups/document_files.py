"""The digitised documents' files in backups, restores and the desk's check.

A backup of the database names its documents' files by their SHA-256 (the ``attach``
events); the files themselves go into one content-addressed store in the backup folder
(``<folder>/<database name's stem>.files``, the same shape as beside the database), shared by every
backup there: a file is copied once however many backups name it, and checked by its hash
as it is copied. A restore puts back the files the restored database names and the desk
lacks. The desk's check finds a file missing or changed and takes it back from the backup
folder when it is there.

A desk keeps the files it digitised itself (its own chains, those it had before a restore
and those taken over at enrolment included). A file another desk digitised, or one this desk only linked for a returning
citizen, lives on the server and comes when someone opens it: it is checked when it is
here, and not missing when it is not (``elsewhere``).

When rotation deletes backups, the files no remaining backup of that database in the
folder names (whichever desk made it: desks may share a folder) are deleted too
(``prune``). A backup that cannot be read stops the pruning: nothing is deleted on a guess.
Two desks sharing a folder may race (one prunes a file the other's new backup names just
then); the desk still holds its file, and its next backup copies it again.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from counter_app.attachments.blob_store import BlobStore, folder_for, is_sha256
from counter_app.backups.files import program_files
from counter_app.store import settings_store
from counter_app.store.read_only import connect_read_only
from counter_app.sync import desk_state


@dataclass
class FilesReport:
    """What a copy or a check found."""
    named: int = 0                     # distinct files the database names
    copied: int = 0                    # copied (into a backup, back to the desk)
    missing: list[str] = field(default_factory=list)   # named, found nowhere
    changed: list[str] = field(default_factory=list)   # on the disk with other bytes
    elsewhere: int = 0                 # another desk's, not here: on the server

    @property
    def ok(self) -> bool:
        return not self.missing and not self.changed

    def to_dict(self) -> dict:
        return {"named": self.named, "copied": self.copied, "missing": self.missing,
                "changed": self.changed, "elsewhere": self.elsewhere, "ok": self.ok}


def named(database: Path) -> dict[str, bool]:
    """The SHA-256 of every file a database's history names (read-only), each with whether
    this desk must keep it (it digitised it) or may leave it on the server."""
    conn = connect_read_only(database)
    try:
        own = [settings_store.get(conn, settings_store.DESK_ID_KEY) or "",  # this desk's
               *settings_store.get(conn, settings_store.RETIRED_DESK_IDS_KEY, []),  # restored
               *desk_state.get(conn, desk_state.TAKEN_OVER, [])]
        marks = ", ".join("?" for _ in own)
        rows = conn.execute(
            "SELECT json_extract(payload, '$.sha256'), "
            f"max(desk_id IN ({marks}) AND coalesce(json_extract(payload, '$.reused_from'), "
            "'') = '') FROM events WHERE kind = 'attach' GROUP BY 1", own).fetchall()
    except sqlite3.OperationalError:  # a database before digitising: none
        return {}
    finally:
        conn.close()
    return {sha: bool(kept) for sha, kept in rows if is_sha256(sha)}


def folder_store(folder: Path, db_path: Path) -> BlobStore:
    """A backup folder's store of files for the database ``db_path`` (named like its
    backups: ``counter.db`` -> ``counter.files``)."""
    return BlobStore(Path(folder) / f"{Path(db_path).stem}.files")


def backup_store(backup_file: Path, db_path: Path) -> BlobStore:
    return folder_store(backup_file.parent, db_path)


def copy(wanted: dict[str, bool], source: BlobStore, target: BlobStore,
         report: FilesReport) -> FilesReport:
    """Copy into ``target`` what it lacks of ``wanted``, each checked by its hash."""
    for sha256 in sorted(wanted):
        if target.verify(sha256) is None:
            continue
        problem = source.verify(sha256)
        if problem == "missing" and not wanted[sha256]:
            report.elsewhere += 1
        elif problem == "missing":
            report.missing.append(sha256)
        elif problem == "changed":
            report.changed.append(sha256)
        else:
            target.put(source.read(sha256), sha256)
            report.copied += 1
    return report


def into_backup(db_path: Path, backup_file: Path) -> FilesReport:
    """The files the backup names, from beside the database into the backup folder."""
    wanted = named(backup_file)
    return copy(wanted, BlobStore(folder_for(db_path)), backup_store(backup_file, db_path),
                FilesReport(named=len(wanted)))


def from_backup(db_path: Path, backup_file: Path) -> FilesReport:
    """After a restore: the files the restored database names, back beside it."""
    wanted = named(db_path)
    return copy(wanted, backup_store(backup_file, db_path), BlobStore(folder_for(db_path)),
                FilesReport(named=len(wanted)))


def check(db_path: Path, backup_folder: Path | None = None) -> FilesReport:
    """Every file the database names, checked by its hash; one missing or changed is taken
    back from ``backup_folder``'s store when it is whole there."""
    wanted = named(db_path)
    desk = BlobStore(folder_for(db_path))
    report = FilesReport(named=len(wanted))
    spare = folder_store(backup_folder, db_path) if backup_folder else None
    for sha256 in sorted(wanted):
        problem = desk.verify(sha256)
        if problem is None:
            continue
        if spare is not None and spare.verify(sha256) is None:
            desk.path(sha256).unlink(missing_ok=True)  # a changed file is replaced whole
            desk.put(spare.read(sha256), sha256)
            report.copied += 1
            continue
        if problem == "missing" and not wanted[sha256]:
            report.elsewhere += 1
            continue
        (report.missing if problem == "missing" else report.changed).append(sha256)
    return report


def prune(folder: Path, db_path: Path) -> int:
    """Delete from ``folder``'s store the files no backup of ``db_path`` there names any
    more; returns how many. Nothing is deleted when a backup cannot be read."""
    wanted: set[str] = set()
    for backup in program_files(Path(folder), Path(db_path)):
        try:
            wanted |= set(named(backup.path))
        except (sqlite3.Error, OSError):
            return 0
    store = folder_store(folder, db_path)
    deleted = 0
    for sha256 in list(store.all()):
        if sha256 not in wanted:
            try:
                store.path(sha256).unlink()
            except OSError:
                continue  # in use (Windows) or read-only: next time
            deleted += 1
    return deleted
