"""`counter-app` commands for backups: make one, list them, restore one, choose the folder,
and the integrity check of the database.

- ``backup [--to DIR]``: an officer allowed to back up (administrator), with --as. A damaged
  database is not backed up (exit 7): its copy would be no use, and the good backups stay.
- ``backups``: no sign-in, and works when the database is damaged or gone (it is not opened).
- ``restore FILE``: an administrator. When the current database is damaged, unreadable or
  missing, the --as account and password are checked against the officers table of the
  BACKUP being restored instead (``backups.sign_in_from_backup``): the desk's own accounts
  cannot be read, and the restored accounts are the ones that will be in force.
- ``backup-folder [DIR]``: shows the folder (no sign-in); setting it needs an administrator.
- ``check``: exit 0 when sound; exit 7 when damaged or missing, naming the newest intact
  backup to restore from. Exit 7 is also ``backup`` of a damaged database and ``restore``
  of a damaged backup.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import NoReturn

from counter_app import backups
from counter_app.backups import BackupInfo, document_files
from counter_app.cli.args import EXIT_DAMAGED, USER_ENV, emit
from counter_app.cli.session import open_counter, password_for
from counter_app.domain.officers import normalise_username
from counter_app.domain.roles import Action
from counter_app.errors import DatabaseDamaged, NotSignedIn
from counter_app.paths import default_db_path
from counter_app.service.counter import Counter
from counter_app.store.audit_log import AuditAction
from counter_app.store.integrity import check_database
from counter_app.store.medium import Medium, medium_of


def _size(n: int) -> str:
    return f"{n / 1_048_576:.1f} MB" if n >= 1_048_576 else f"{n / 1024:.0f} KB"


def _info_dict(b: BackupInfo) -> dict:
    return {"path": str(b.path), "made_at": b.made_at.isoformat(), "reason": b.reason,
            "size": b.size, "intact": b.intact, "problem": b.problem,
            "schema_version": b.schema_version, "warning": b.warning}


def _info_line(b: BackupInfo) -> str:
    state = "intact" if b.intact else f"DAMAGED: {b.problem}"
    return f"{b.made_at:%d/%m/%Y %H:%M}  {b.reason:<20} {_size(b.size):>9}  {state}  {b.path}"


def _damaged(message: str) -> NoReturn:
    raise DatabaseDamaged(message)  # `run` prints it and exits with EXIT_DAMAGED


# -- commands -----------------------------------------------------------------------------
def cmd_backup(args: argparse.Namespace) -> None:
    path = default_db_path(args.db)
    health = check_database(path)
    if path.exists() and not health.ok:
        _damaged(f"not backed up: {health.problem} (see `counter-app check`)")
    counter = open_counter(args)
    try:
        counter.require(Action.BACKUP)
        try:
            info = backups.make_backup(path, "manual", folder=args.to)
        except DatabaseDamaged as exc:
            _damaged(f"not backed up: {exc}")
        counter.audit(AuditAction.BACKUP_MADE, info.path.name,
                      {"folder": str(info.path.parent), "intact": info.intact})
    finally:
        counter.close()
    if info.warning:
        print(f"counter-app: warning: {info.warning}", file=sys.stderr)
    emit(args, _info_dict(info), f"backup written: {info.path} ({_size(info.size)}, "
                                 f"{'intact' if info.intact else 'DAMAGED'})")
    if not info.intact:
        _damaged(f"the copy fails the check, so the database is damaged: {info.problem}")


def cmd_backups(args: argparse.Namespace) -> None:
    path = default_db_path(args.db)
    found = backups.list_backups(path)
    folder = backups.backup_folder(path)
    emit(args, [_info_dict(b) for b in found],
         "\n".join(_info_line(b) for b in found) or f"no backups in {folder}")


def cmd_restore(args: argparse.Namespace) -> None:
    path, backup = default_db_path(args.db), Path(args.file)
    health = check_database(backup)
    if not health.ok:
        _damaged(f"not restored, the backup cannot be used: {health.problem}")
    username = getattr(args, "as_user", None) or os.environ.get(USER_ENV)
    if not username:
        raise NotSignedIn("Khôi phục dữ liệu cần tài khoản quản trị.", Action.BACKUP.value)
    current_ok = check_database(path).ok
    if current_ok:
        counter = Counter.open(path)
        try:
            counter.check_sign_in_allowed(username)
            counter.sign_in(username, password_for(username))
            counter.require(Action.BACKUP)
        finally:
            counter.close()
    else:  # the desk's accounts cannot be read: those of the backup decide
        backups.sign_in_from_backup(backup, username, password_for(username))
    try:
        kept = backups.restore(path, backup, officer=normalise_username(username))
    except DatabaseDamaged as exc:  # the copy read back from the backup was bad
        _damaged(f"not restored: {exc}")
    emit(args, {"db": str(path), "restored_from": str(backup),
                "kept": str(kept) if kept else None,
                "signed_in_against": "database" if current_ok else "backup"},
         f"restored {path} from {backup}"
         + (f"; the replaced database is kept as {kept}" if kept else ""))


def cmd_backup_folder(args: argparse.Namespace) -> None:
    path = default_db_path(args.db)
    if args.folder is not None:
        counter = open_counter(args)
        try:
            counter.require(Action.BACKUP)
            backups.set_backup_folder(path, args.folder)
            counter.audit(AuditAction.SETUP_CHANGED, "backup_folder",
                          {"backup_folder": str(backups.backup_folder(path))})
        finally:
            counter.close()
    folder, default = backups.backup_folder(path), backups.default_folder(path)
    emit(args, {"folder": str(folder), "default": str(default), "available": folder.is_dir()},
         f"backup folder: {folder}" + ("" if folder.is_dir() else
                                       f" (not available now: backups go to {default})"))


def cmd_check(args: argparse.Namespace) -> int:
    path = default_db_path(args.db)
    health = check_database(path)
    if health.ok:
        files = document_files.check(path, backups.backup_folder(path))
        emit(args, {"db": str(path), "ok": files.ok, "problem": "" if files.ok else
                    "digitised files missing or changed", "documents": files.to_dict(),
                    "schema_version": health.schema_version, "restore_from": None},
             f"ok: {path} passes the check (schema version {health.schema_version})"
             + (" - it is read-only (not damaged): reading works, writing commands are "
                "refused" if medium_of(path) is Medium.READ_ONLY else "")
             + f"\ndigitised files: {files.named} named"
             + (f", {files.copied} taken back from the backup folder" if files.copied else "")
             + ("" if files.ok else f"; MISSING {len(files.missing)}, CHANGED "
                f"{len(files.changed)}: " + " ".join(files.missing + files.changed)))
        return None if files.ok else EXIT_DAMAGED
    newest = backups.newest_intact(path)
    if newest:
        advice = (f"newest intact backup: {newest.path} (made {newest.made_at:%d/%m/%Y %H:%M})"
                  f"\nrestore it with: counter-app --db {path} --as ADMIN restore {newest.path}")
    else:
        advice = f"no intact backup found in {backups.backup_folder(path)}"
    emit(args, {"db": str(path), "ok": False, "problem": health.problem,
                "schema_version": health.schema_version,
                "restore_from": _info_dict(newest) if newest else None},
         f"DAMAGED: {health.problem}\n{advice}")
    return EXIT_DAMAGED


def add_commands(sub, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("backup", parents=[common],
                       help="back up the database now (administrator) [--as]")
    p.add_argument("--to", type=Path, help="into this folder instead of the chosen one")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("backups", parents=[common],
                       help="list the backups, each checked (works on a damaged database)")
    p.set_defaults(func=cmd_backups)

    p = sub.add_parser("restore", parents=[common],
                       help="replace the database with a backup (administrator); the "
                            "current one is kept as a before-restore backup [--as]")
    p.add_argument("file", type=Path, help="the backup file")
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser("backup-folder", parents=[common],
                       help="show, or choose (administrator, [--as]), the backup folder")
    p.add_argument("folder", nargs="?", type=Path,
                   help="the new folder (e.g. on a USB stick); without it, show the current one")
    p.set_defaults(func=cmd_backup_folder)

    p = sub.add_parser("check", parents=[common],
                       help="check the database file (exit 7 when damaged)")
    p.set_defaults(func=cmd_check)
