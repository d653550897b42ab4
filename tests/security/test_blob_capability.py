"""A digitised file's SHA-256 is no capability (docs/security.md §7).

Attack held here: a unit X that learnt or guessed the hash of another unit's file pushed an
``attach`` event naming it on one of X's own dossiers; the server recorded the reference
and let X download the file. HEAD and PATCH told any enrolled desk whether the server held
a hash. Now a reference lets the units of its dossier read a file only when the unit that
made it sent the file's bytes itself (``blob_holders``), and HEAD/PATCH answer a unit about
its own upload only.

Real desks (Counter, SQLite files) of three units sync through the real app (in-process);
the server's files are in a folder. Every test runs on SQLite and on PostgreSQL (the
``server_db`` fixture).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import warnings

import pytest
from sqlalchemy import text

from counter_app.domain.reception import ReceptionRequest
from counter_app.domain.units import COMMUNE
from counter_app.errors import NotFound
from counter_app.server import admin, database
from counter_app.server.blob_files import FileBackend
from counter_app.server.blobs import MAX_CHUNK
from counter_app.server.schema import blob_refs, communes
from counter_app.store import dossier_steps
from counter_app.sync import token_store
from counter_app.sync.push import push
from counter_app.sync.sync_round import sync_once
from counter_app.sync.transport import Channel
from tests.core.conftest import OFFICER
from tests.province_desks import province_list, unit_desks
from tests.sample_pages import jpeg, scanned, text_page
from tests.server.blob_helpers import bearer, blob_app, blob_rows, holders
from tests.server.conftest import (  # noqa: F401 - fixtures
    AGENCY_CODE,
    COMMUNE_NAME,
    OTHER_CODE,
    clock,
    server_db,
)

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

C_CODE = "000.16.22.H56"  # the unit that decides a dossier A receives for it
CERTIFY = "2.001035"  # on the bundled catalogue's boundary-free list
PROVINCE_LIST = ("Mã thủ tục,Lĩnh vực,Tên thủ tục,Đơn vị,Thời hạn,Cơ quan thực hiện,"
                 "Phi địa giới\r\n2.999901,Lý lịch tư pháp,Cấp Phiếu lý lịch tư pháp "
                 "(thử nghiệm),ngày làm việc,10,Sở Tư pháp,Có\r\n")
NOBODYS = hashlib.sha256(b"a file no unit ever sent").hexdigest()
_SERIAL = iter(range(10, 99))


@pytest.fixture
def backend(tmp_path):
    return FileBackend(tmp_path / "server-blobs")


@pytest.fixture
def http(server_db, backend):  # noqa: F811
    with database.writing(server_db) as conn:
        admin.add_commune(conn, AGENCY_CODE, COMMUNE_NAME)
        admin.add_commune(conn, OTHER_CODE, "UBND xã Khác")
        admin.add_commune(conn, C_CODE, "UBND xã Đông Sơn", COMMUNE)
    with TestClient(blob_app(server_db, backend)) as client:
        yield client


@pytest.fixture
def units(server_db, http, tmp_path, clock):  # noqa: F811
    """Desks of A (the file's unit), X (the hostile unit) and C (decides what A receives
    for it), each enrolled and synced once."""
    clock.now = dt.datetime(2026, 10, 1, 8, 0)
    catalogue = province_list(server_db, tmp_path, PROVINCE_LIST)
    desks = unit_desks(server_db, "http://testserver", http, tmp_path, clock,
                       {"a": (AGENCY_CODE, COMMUNE_NAME), "x": (OTHER_CODE, "UBND xã Khác"),
                        "c": (C_CODE, "UBND xã Đông Sơn")}, catalogue)
    yield desks
    for desk in desks.values():
        desk.close()


def receive(desk, competent: str | None = None) -> str:
    applicant = {"full_name": "Trần Thị Mai", "phone": "0912345678",
                 "id_number": f"0013030124{next(_SERIAL):02d}"}
    return desk.receive(ReceptionRequest(CERTIFY, applicant,
                                         competent_agency=competent)).code


def digitise(desk, code: str, seed: int = 1):
    """A scan attached at the desk: (the attachment, the PDF's bytes)."""
    found = desk.attach(code, [jpeg(scanned(text_page(), seed=seed))], document=0)
    return found, desk.blob_store().read(found.sha256)


def name_a_hash(desk, code: str, sha256: str, size: int = 1000) -> None:
    """What a hostile desk does: an ``attach`` event naming a hash it has no file for, on
    one of its own dossiers (written straight into its log, as a hand-made file would)."""
    payload = {"at": "2026-10-01T08:00:00+07:00", "sha256": sha256, "bytes": size,
               "pages": 1, "document": 0, "result": False, "name": "", "reused_from": ""}
    dossier_steps.record_attach(desk.db, code, lambda row: payload, desk_id=desk.desk_id,
                                officer=OFFICER["username"], now=desk.clock())


def token(desk) -> str:
    return token_store.load(desk.db)


def get(http, desk, sha256: str):
    return http.get(f"/v1/blobs/{sha256}", headers=bearer(token(desk)))


def head(http, desk, sha256: str):
    return http.head(f"/v1/blobs/{sha256}", headers=bearer(token(desk)))


def patch(http, desk, sha256: str, offset: int, length: int, body: bytes):
    return http.patch(f"/v1/blobs/{sha256}", content=body, headers={
        **bearer(token(desk)), "Upload-Offset": str(offset), "Upload-Length": str(length)})


def answer(reply) -> tuple:
    """What a reply tells: its status, the upload headers and the error (not the time)."""
    body = reply.json() if reply.headers.get("content-type") == "application/json" else None
    return (reply.status_code, reply.headers.get("upload-offset"),
            reply.headers.get("x-blob-complete"),
            {k: v for k, v in body.items() if k != "server_time"} if body else None)


def a_file_on_the_server(units, http):
    """A's dossier with a scan, synced: the file is on the server, A holds it."""
    a = units["a"]
    code = receive(a)
    found, pdf = digitise(a, code)
    assert sync_once(a.db, http=http).files_sent == 1
    return found, pdf


def test_naming_a_hash_reads_nothing(units, http, server_db):  # noqa: F811
    """(1) X pushes an attach naming A's hash on its own dossier: the server applies the
    record, but X gets no byte of the file, by HTTP or at its desk."""
    found, pdf = a_file_on_the_server(units, http)
    x = units["x"]
    code = receive(x)
    name_a_hash(x, code, found.sha256, found.bytes)
    report = sync_once(x.db, http=http)  # the record goes; X has no file to send
    assert report.waiting == 0 and report.files_sent == 0
    with server_db.connect() as conn:
        refs = conn.execute(text(
            "SELECT c.code FROM blob_refs r JOIN communes c ON c.id = r.commune_id "
            "WHERE r.sha256 = :s"), {"s": found.sha256}).scalars().all()
    assert sorted(refs) == sorted([AGENCY_CODE, OTHER_CODE])  # X's reference is there
    stolen = get(http, x, found.sha256)
    assert stolen.status_code in (403, 404) and pdf[:64] not in stolen.content
    assert len(stolen.content) < 1000
    ranged = http.get(f"/v1/blobs/{found.sha256}",
                      headers={**bearer(token(x)), "Range": "bytes=0-"})
    assert ranged.status_code in (403, 404) and pdf[:64] not in ranged.content
    attachment = x.attachments(code)[0]
    with pytest.raises(NotFound):
        x.attachment_pdf(code, attachment.id, http=http)
    assert not x.blob_store().has(found.sha256)
    assert holders(server_db, found.sha256) == {AGENCY_CODE}
    assert get(http, units["a"], found.sha256).content == pdf  # A still reads its own


def test_head_and_patch_tell_another_unit_nothing(units, http):
    """(2) X asks about A's hash as about a hash nobody has: the same answers, before and
    after a first chunk (only X's own progress), and the same refusal to GET."""
    found, pdf = a_file_on_the_server(units, http)
    x = units["x"]
    code = receive(x)
    name_a_hash(x, code, found.sha256, found.bytes)
    name_a_hash(x, code, NOBODYS, found.bytes)
    sync_once(x.db, http=http)
    for step in ("HEAD", "GET"):
        call = head if step == "HEAD" else get
        assert answer(call(http, x, found.sha256)) == answer(call(http, x, NOBODYS)), step
    assert head(http, x, found.sha256).status_code == 404
    size = len(pdf)
    first = min(100, size - 1)
    assert answer(patch(http, x, found.sha256, 0, size, b"\0" * first)) == answer(
        patch(http, x, NOBODYS, 0, size, b"\0" * first))
    mine = head(http, x, found.sha256)
    assert answer(mine) == answer(head(http, x, NOBODYS))
    assert mine.status_code == 200 and mine.headers["upload-offset"] == str(first)
    assert "x-blob-complete" not in mine.headers
    # No body read for "have it": that answer is for a unit holding the file only.
    wrong = patch(http, x, found.sha256, 0, size, b"\0")
    assert wrong.status_code == 409 and wrong.headers["upload-offset"] == str(first)
    assert answer(wrong) == answer(patch(http, x, NOBODYS, 0, size, b"\0"))


def test_sending_the_bytes_proves_possession(units, http, server_db, backend):  # noqa: F811
    """(3) X has the true bytes (a template anyone has, say): its desk sends them whole,
    the server checks them against the hash without storing them again, and X reads the
    file through its own dossier."""
    found, pdf = a_file_on_the_server(units, http)
    stored = backend.blob_path(f"{found.sha256[:2]}/{found.sha256}")
    before = stored.stat()
    x = units["x"]
    code = receive(x)
    x.blob_store().put(pdf)  # X's desk has the file
    name_a_hash(x, code, found.sha256, found.bytes)
    assert head(http, x, found.sha256).status_code == 404
    report = sync_once(x.db, http=http)  # the record, then the file from offset 0
    assert report.files_sent == 1
    assert holders(server_db, found.sha256) == {AGENCY_CODE, OTHER_CODE}
    assert get(http, x, found.sha256).content == pdf
    assert head(http, x, found.sha256).headers["x-blob-complete"] == "1"
    assert blob_rows(server_db) == 1
    after = stored.stat()  # checked, not written again
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert not list((backend.root / "uploads").glob("*/*.part"))
    assert sync_once(x.db, http=http).files_sent == 0  # exactly once


def test_wrong_bytes_prove_nothing(units, http, server_db):  # noqa: F811
    """X sends bytes of the right size that are not the file: refused, X holds nothing."""
    found, pdf = a_file_on_the_server(units, http)
    x = units["x"]
    code = receive(x)
    name_a_hash(x, code, found.sha256, found.bytes)
    sync_once(x.db, http=http)
    forged = bytes(len(pdf))
    offset = 0
    while offset < len(forged):
        reply = patch(http, x, found.sha256, offset, len(forged),
                      forged[offset:offset + MAX_CHUNK])
        if reply.status_code == 422:
            break
        assert reply.status_code == 204 and "x-blob-complete" not in reply.headers
        offset = int(reply.headers["upload-offset"])
    assert reply.status_code == 422 and reply.json()["error"] == "hash_mismatch"
    assert holders(server_db, found.sha256) == {AGENCY_CODE}
    assert get(http, x, found.sha256).status_code == 404


def test_a_partial_upload_is_the_desks_own(units, http):
    """(4) A's desk has sent part of a file; X, naming the same hash, sees none of it: its
    HEAD is a 404 and its PATCH must start at 0, like a file nobody began."""
    a, x = units["a"], units["x"]
    code = receive(a)
    found, pdf = digitise(a, code, seed=7)
    channel = Channel(http, token(a))
    push(a.db, channel, a.desk_id)  # the record only: the file stays on the desk for now
    half = len(pdf) // 2
    sent = patch(http, a, found.sha256, 0, len(pdf), pdf[:half])
    assert sent.status_code == 204 and sent.headers["upload-offset"] == str(half)
    assert head(http, a, found.sha256).headers["upload-offset"] == str(half)
    mine = receive(x)
    name_a_hash(x, mine, found.sha256, found.bytes)
    name_a_hash(x, mine, NOBODYS, found.bytes)
    sync_once(x.db, http=http)
    assert head(http, x, found.sha256).status_code == 404
    assert answer(head(http, x, found.sha256)) == answer(head(http, x, NOBODYS))
    resumed = patch(http, x, found.sha256, half, len(pdf), pdf[half:])
    assert resumed.status_code == 409 and resumed.headers["upload-offset"] == "0"
    assert answer(resumed) == answer(patch(http, x, NOBODYS, half, len(pdf), pdf[half:]))
    # A's own upload goes on where A left it, and A reads its file.
    assert sync_once(a.db, http=http).files_sent == 1
    assert get(http, a, found.sha256).content == pdf
    assert get(http, x, found.sha256).status_code == 404


def test_the_competent_unit_reads_the_receiving_units_file(units, http, server_db):  # noqa: F811
    """(5) A receives a dossier for C and digitises a document: C's desk, which holds the
    dossier, opens the file (fetched from the server); X, a third unit, cannot."""
    a, c, x = units["a"], units["c"], units["x"]
    code = receive(a, competent=C_CODE)
    found, pdf = digitise(a, code, seed=3)
    assert sync_once(a.db, http=http).files_sent == 1
    sync_once(c.db, http=http)
    there = c.attachments(code)[0]
    assert there.sha256 == found.sha256 and not there.here
    assert c.attachment_pdf(code, there.id, http=http) == pdf
    assert c.attachments(code)[0].here
    assert holders(server_db, found.sha256) == {AGENCY_CODE}  # C read, it did not send
    assert get(http, x, found.sha256).status_code == 404


def test_upgrading_a_server_keeps_its_files_readable(units, http, server_db):  # noqa: F811
    """(6) A server at revision 0010 with files and references (A's, on a dossier received
    for C; C's own scan on that dossier; X's reference to A's hash) upgraded to 0011: each
    reference names the unit that pushed it, the units that sent files hold them, so A and
    C read both files and X reads neither."""
    from alembic import command

    a, c, x = units["a"], units["c"], units["x"]
    code = receive(a, competent=C_CODE)
    found_a, pdf_a = digitise(a, code, seed=3)
    sync_once(a.db, http=http)
    sync_once(c.db, http=http)
    found_c, pdf_c = digitise(c, code, seed=5)  # the deciding unit's own scan
    assert sync_once(c.db, http=http).files_sent == 1
    mine = receive(x)
    name_a_hash(x, mine, found_a.sha256, found_a.bytes)
    sync_once(x.db, http=http)

    with server_db.begin() as conn:  # the server as revision 0010 had it
        command.downgrade(database.alembic_config(conn), "0010")
    with server_db.connect() as conn:
        columns = [r for r in conn.execute(text("SELECT * FROM blob_refs")).keys()]
        assert columns == ["sha256", "dossier_id"]
        assert conn.execute(text("SELECT count(*) FROM blob_refs")).scalar_one() == 3
    database.migrate(server_db)
    assert database.current_revision(server_db) == "0015"  # the head

    with server_db.connect() as conn:
        ids = dict(conn.execute(communes.select().with_only_columns(
            communes.c.id, communes.c.code)).all())
        refs = {(r.sha256, ids[r.commune_id]) for r in conn.execute(blob_refs.select())}
    assert refs == {(found_a.sha256, AGENCY_CODE), (found_c.sha256, C_CODE),
                    (found_a.sha256, OTHER_CODE)}
    assert holders(server_db, found_a.sha256) == {AGENCY_CODE}
    assert holders(server_db, found_c.sha256) == {C_CODE}
    for desk in (a, c):
        assert get(http, desk, found_a.sha256).content == pdf_a
        assert get(http, desk, found_c.sha256).content == pdf_c
    assert get(http, x, found_a.sha256).status_code == 404
    assert get(http, x, found_c.sha256).status_code == 404
    # and the upgraded server goes on: A's next file, synced, reaches C
    found_next, pdf_next = digitise(a, code, seed=9)
    assert sync_once(a.db, http=http).files_sent == 1
    assert get(http, c, found_next.sha256).content == pdf_next
