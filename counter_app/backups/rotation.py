"""Which backups to keep: the newest few, one a day, one a month, and the safety copies."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from counter_app.backups.files import COMPANIONS, local, program_files

PROTECTED_DAYS = 90  # before-migration / before-restore copies younger than this are kept


@dataclass(frozen=True)
class BackupPolicy:
    """What rotation keeps (as restic's --keep-last/--keep-daily/--keep-monthly): the newest
    ``keep_recent``; the newest of each of the last ``keep_daily`` days that have a backup,
    and of the last ``keep_monthly`` months that have one (days and months without any
    backup, such as the Tết holiday, do not use up the count)."""
    keep_recent: int = 10
    keep_daily: int = 14
    keep_monthly: int = 12


def rotate(folder: str | Path, db_path: str | Path, now: dt.datetime | None = None,
           policy: BackupPolicy | None = None, *,
           owned: Callable[[Path], bool] | None = None) -> list[Path]:
    """Delete the program's backups of ``db_path`` in ``folder`` that the policy does not
    keep; returns what was deleted. Before-migration and before-restore copies younger
    than 90 days stay whatever the policy; the newest backup always stays; files not named
    by the program are never touched. ``owned``: only the files it says are this desk's
    are counted and may be deleted (other desks may back up into the same folder)."""
    now, policy = local(now), policy or BackupPolicy()
    files = program_files(Path(folder), Path(db_path))
    if owned is not None:
        files = [f for f in files if owned(f.path)]
    keep = {f.path for f in files[:max(policy.keep_recent, 1)]}
    for bucket, count in ((lambda t: t.date(), policy.keep_daily),
                          (lambda t: (t.year, t.month), policy.keep_monthly)):
        seen: set = set()
        for f in files:  # newest first: the first file of a day (month) is its newest
            if len(seen) >= count:
                break
            if bucket(f.made_at) not in seen:
                seen.add(bucket(f.made_at))
                keep.add(f.path)
    young = now - dt.timedelta(days=PROTECTED_DAYS)
    keep |= {f.path for f in files if f.reason.startswith("before-") and f.made_at > young}
    deleted = []
    for f in files:
        if f.path in keep:
            continue
        try:
            f.path.unlink()
        except OSError:
            continue  # in use or read-only: next time
        for suffix in COMPANIONS:
            Path(f"{f.path}{suffix}").unlink(missing_ok=True)
        deleted.append(f.path)
    return deleted
