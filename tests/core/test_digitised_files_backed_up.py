"""The digitised documents' files go into backups, come back with a restore, and the
desk's check finds one missing or changed and takes it back from the backup folder."""

from __future__ import annotations

import datetime as dt
import hashlib

from counter_app import backups
from counter_app.attachments.blob_store import BlobStore, folder_for
from counter_app.backups import document_files
from counter_app.backups.making import make_backup
from counter_app.backups.restoring import restore
from tests.sample_pages import jpeg, reportlab_pdf, scanned, text_page

T = dt.datetime(2026, 3, 9, 17, 30)


def test_backup_restore_and_check_keep_every_file(desk, make_request, tmp_db_path, capsys):
    code = desk.receive(make_request("1.001193")).code
    first = desk.attach(code, [jpeg(scanned(text_page()))], document=0)
    second = desk.attach(code, [reportlab_pdf(1)], document=1)
    made = make_backup(tmp_db_path, "manual", now=T)
    assert made.intact and made.warning == ""
    stored = document_files.backup_store(made.path, tmp_db_path)
    assert sorted(stored.all()) == sorted([first.sha256, second.sha256])
    again = make_backup(tmp_db_path, "manual", now=T + dt.timedelta(hours=1))
    assert again.intact and sorted(stored.all()) == sorted([first.sha256, second.sha256])
    desk.close()

    # The desk loses its files (a new computer, a wiped folder): the restore brings them.
    desk_store = BlobStore(folder_for(tmp_db_path))
    for sha in (first.sha256, second.sha256):
        desk_store.path(sha).unlink()
    restore(tmp_db_path, made.path, now=T + dt.timedelta(days=1), officer="huong")
    for sha in (first.sha256, second.sha256):
        assert hashlib.sha256(desk_store.path(sha).read_bytes()).hexdigest() == sha

    # One file changed on the disk, one missing: the check finds both and takes them back.
    desk_store.path(first.sha256).write_bytes(b"sua tay")
    desk_store.path(second.sha256).unlink()
    report = document_files.check(tmp_db_path, backups.backup_folder(tmp_db_path))
    assert report.ok and report.copied == 2 and report.named == 2
    assert desk_store.verify(first.sha256) is None and desk_store.verify(second.sha256) is None
    # ... and without a backup of it, says so (the CLI's check exits 7).
    desk_store.path(second.sha256).unlink()
    stored.path(second.sha256).unlink()
    report = document_files.check(tmp_db_path, backups.backup_folder(tmp_db_path))
    assert report.missing == [second.sha256] and not report.ok

    from counter_app.cli.main import main

    capsys.readouterr()
    assert main(["--db", str(tmp_db_path), "check"]) == 7
    assert f"MISSING 1, CHANGED 0: {second.sha256}" in capsys.readouterr().out


def test_a_backup_of_a_desk_missing_a_file_says_so(desk, make_request, tmp_db_path):
    code = desk.receive(make_request("1.001193")).code
    found = desk.attach(code, [reportlab_pdf(1)], document=0)
    BlobStore(folder_for(tmp_db_path)).path(found.sha256).unlink()
    made = make_backup(tmp_db_path, "manual", now=T)
    assert made.intact and "1 tệp số hóa không có" in made.warning


def test_rotation_prunes_the_files_no_backup_names_any_more(desk, make_request, tmp_db_path):
    """When rotation deletes backups, a file no remaining backup names leaves the backup
    folder (here one left by backups rotated away: a desk's history never drops a file,
    but an older database restored, or another desk's, may); one a kept backup names
    stays."""
    from counter_app.backups.rotation import BackupPolicy

    tight = BackupPolicy(keep_recent=1, keep_daily=0, keep_monthly=0)
    code = desk.receive(make_request("1.001193")).code
    kept = desk.attach(code, [reportlab_pdf(1)], document=0)
    made = make_backup(tmp_db_path, "manual", now=T, policy=tight)
    stored = document_files.backup_store(made.path, tmp_db_path)
    orphan = stored.put(reportlab_pdf(3))  # named by no backup in the folder
    assert sorted(stored.all()) == sorted([kept.sha256, orphan])
    make_backup(tmp_db_path, "manual", now=T + dt.timedelta(hours=1), policy=tight)
    assert list(stored.all()) == [kept.sha256]
    # A backup that cannot be read stops the pruning: nothing is deleted on a guess.
    again = stored.put(reportlab_pdf(3))
    made.path.write_bytes(b"not a database")  # an old name, a damaged file
    assert document_files.prune(made.path.parent, tmp_db_path) == 0
    assert sorted(stored.all()) == sorted([kept.sha256, again])
