"""Connecting this desk to the server with a one-time code (PROTOCOL.md, Enrolment).

With ``https`` and a fingerprint, the server's certificate is fetched first and its SHA-256
compared with the fingerprint the server's administrator read out (with or without colons,
any case); a match pins that certificate (its PEM is kept) for every later call. Without a
fingerprint, ``https`` trusts the system's CAs.

``http://`` is refused unless the administrator allows it (``allow_http``, for a local
network address only): it would carry the token and the citizens' data in clear.

The desk's server, commune and desk number are saved in one transaction; its token goes to
the credential store (``token_store``), never into the database. A desk with
no setup yet takes its commune's code, name and desk number from the server's reply; a desk
with no dossier of its own takes the server's desk number (two desks must never share one:
it is part of every dossier code).

A desk new to the server gives way to the commune's accounts: its own accounts of the
usernames the server already holds (``officer_usernames`` in the reply) are marked as sent,
so the server's versions replace them at the next round rather than the other way round.
"""

from __future__ import annotations

import hashlib
import re
import ssl
import urllib.parse
from dataclasses import dataclass, replace

import httpx
import sqlite_utils

from counter_app import __version__
from counter_app.domain.agency import AgencySettings
from counter_app.domain.text import clean
from counter_app.errors import ValidationError
from counter_app.store import officer_store, settings_store
from counter_app.store.database import transaction
from counter_app.sync import desk_state, token_store
from counter_app.sync.errors import AlreadyEnrolled, CertificateMismatch, ServerUnreachable
from counter_app.sync.pull import SNAPSHOT_AT
from counter_app.sync.server_address import normalise_url
from counter_app.sync.transport import CLIENT_SCHEMA, Channel, Now, desk_now, make_client


@dataclass(frozen=True)
class Enrolment:
    server_url: str
    commune_code: str
    commune_name: str
    desk_number: int
    pinned: bool

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def normalise_fingerprint(fingerprint: str) -> str:
    text = re.sub(r"[\s:]", "", fingerprint or "").lower()
    if not re.fullmatch(r"[0-9a-f]{64}", text):
        raise ValidationError({"fingerprint": "Dấu vân tay chứng chỉ phải là 64 chữ số hệ 16 "
                                              "(SHA-256), có hoặc không có dấu hai chấm."})
    return text


def fetch_certificate(url: str, timeout: float = 5) -> str:
    """The PEM of the certificate the server presents (not checked against anything)."""
    parts = urllib.parse.urlsplit(url)
    try:
        return ssl.get_server_certificate((parts.hostname, parts.port or 443), timeout=timeout)
    except (OSError, ssl.SSLError) as exc:
        raise ServerUnreachable(f"Không kết nối được máy chủ {parts.hostname} để đọc chứng "
                                "chỉ. Kiểm tra địa chỉ và mạng rồi thử lại.") from exc


def certificate_fingerprint(pem: str) -> str:
    return hashlib.sha256(ssl.PEM_cert_to_DER_cert(pem)).hexdigest()


def pin_certificate(url: str, fingerprint: str) -> str:
    """Fetch the server's certificate and return its PEM if it has this fingerprint."""
    wanted = normalise_fingerprint(fingerprint)
    pem = fetch_certificate(url)
    if certificate_fingerprint(pem) != wanted:
        raise CertificateMismatch(
            "Chứng chỉ của máy chủ không khớp với dấu vân tay đã nhập. Có thể đã nhập sai, "
            "hoặc đang kết nối nhầm máy chủ. Không đăng ký.", "certificate", 0)
    return pem


def _own_dossiers(db: sqlite_utils.Database, desk_id: str) -> bool:
    return db.execute("SELECT 1 FROM events WHERE desk_id = ? LIMIT 1",
                      [desk_id]).fetchone() is not None


def _yield_accounts(db: sqlite_utils.Database, usernames: object) -> None:
    """A desk that has never taken this server's accounts (a new install, or another server)
    marks its own accounts of the names the server already holds as sent: the server's
    versions come down over them at the next reference refresh, instead of the first-run
    account going up and winning "by arrival" over the commune's. Accounts the server does
    not have stay unsent and go up (the first desk of a commune brings them). A desk that
    already took the server's accounts keeps its unsent changes: they are real edits."""
    if not isinstance(usernames, list):
        return  # an older server: nothing known
    names = [n for n in usernames if isinstance(n, str)]
    versions = desk_state.get(db, desk_state.REF_VERSIONS, {}) or {}
    if not names or int(versions.get("officers") or 0):
        return
    if desk_state.get(db, desk_state.ACCOUNTS_TAKEN):
        # This file took a server's accounts before (the server moved, or it was restored):
        # its accounts are the commune's, checked by signature; a new server's come down
        # as changes of them, never over them.
        return
    for start in range(0, len(names), 500):
        chunk = names[start:start + 500]
        db.execute("UPDATE officers SET pushed_rev = local_rev WHERE local_rev > pushed_rev "
                   f"AND username IN ({', '.join('?' for _ in chunk)})", chunk)
    # The server's records of these names replace this desk's at the next pull, checked as
    # new accounts (through the commune's anchors), not as changes of this desk's own.
    desk_state.put(db, desk_state.YIELDED, names)


def _keep_anchors(db: sqlite_utils.Database, anchors: object) -> None:
    """The commune's keys bound by an enrolment code, as the server lists them."""
    if not isinstance(anchors, list):
        return  # an older server
    keep = {a["public_key"]: a["username"] for a in anchors
            if isinstance(a, dict) and isinstance(a.get("public_key"), str)
            and isinstance(a.get("username"), str) and len(a["public_key"]) <= 100}
    desk_state.put(db, desk_state.ANCHORS, keep)


def enrol(db: sqlite_utils.Database, url: str, code: str, fingerprint: str | None = None,
          http: httpx.Client | None = None, reenrol: bool = False,
          now: Now = desk_now, allow_http: bool = False,
          anchor: dict | None = None) -> Enrolment:
    """Enrol this desk with the server at ``url`` using a one-time ``code``.

    ``anchor``: the enrolling administrator's account signed by their own key
    (``Counter.enrolment_anchor``): with the code, the server binds that key to the commune,
    and the commune's account changes signed through it are accepted (docs/security.md).

    Raises AlreadyEnrolled (unless ``reenrol``), ValidationError (url, code, fingerprint),
    CertificateMismatch, ServerUnreachable, SyncRefused (a used or expired code, ...).
    """
    token_store.move_out_of_database(db)
    if token_store.load(db) and not reenrol:
        raise AlreadyEnrolled(
            f"Quầy này đã được kết nối với máy chủ {desk_state.get(db, desk_state.SERVER_URL)}."
            " Muốn kết nối lại (mã mới, máy chủ khác) thì chọn đăng ký lại.",
            "already_enrolled", 0)
    url = normalise_url(url, allow_http)
    code = clean(code).upper()
    if not code:
        raise ValidationError({"code": "Chưa nhập mã đăng ký do quản trị máy chủ cấp."})
    pem = None
    if fingerprint:
        if not url.startswith("https://"):
            raise ValidationError({"fingerprint": "Chỉ ghim chứng chỉ với địa chỉ https://."})
        pem = pin_certificate(url, fingerprint)
    desk_id = settings_store.desk_id(db)
    agency = settings_store.agency(db)
    own = _own_dossiers(db, desk_id)
    body = {"code": code, "desk_id": desk_id,
            "agency_code": agency.agency_code if agency else None,
            "desk_number": agency.desk_number if agency and own else None,
            "client_schema": CLIENT_SCHEMA, "app_version": __version__,
            # the desk ids this file had before a restore: their unsent events come too
            "retired_desk_ids": list(settings_store.get(
                db, settings_store.RETIRED_DESK_IDS_KEY, []))}
    if anchor is not None:
        body["anchor"] = anchor
    channel = Channel(http or make_client(url, pem), None, now)
    try:
        reply = channel.call("POST", "/v1/enroll", body)
    finally:
        if http is None:
            channel.close()
    token, commune = reply.get("device_token"), reply.get("commune") or {}
    number = reply.get("desk_number")
    if not token or not commune.get("code") or not isinstance(number, int):
        raise ServerUnreachable("Máy chủ trả lời đăng ký không đầy đủ. Hãy thử lại.")
    token_store.save(db, token)  # the credential store, or a private file: never the database
    try:
        _record_enrolment(db, url, reply, commune, number, desk_id, agency, own, pem, channel)
    except BaseException:
        token_store.forget(db)
        raise
    return Enrolment(url, commune["code"], commune.get("name", ""), number, pem is not None)


def _record_enrolment(db, url, reply, commune, number, desk_id, agency, own, pem,
                      channel) -> None:
    with transaction(db):
        server_id = reply.get("server_id") if isinstance(reply.get("server_id"), str) else ""
        if (desk_state.get(db, desk_state.SERVER_URL) not in (None, url)
                or desk_state.get(db, desk_state.SERVER_ID, server_id) != server_id):
            for key in (desk_state.PULL_CURSOR, desk_state.REF_VERSIONS, SNAPSHOT_AT):
                db.execute("DELETE FROM sync_state WHERE key = ?", [key])
        _yield_accounts(db, reply.get("officer_usernames"))
        _keep_anchors(db, reply.get("anchors"))
        officer_store.retry_refused(db)
        desk_state.put(db, desk_state.SERVER_URL, url)
        desk_state.put(db, desk_state.SERVER_ID, server_id)
        desk_state.put(db, desk_state.COMMUNE, {"code": commune["code"],
                                                "name": commune.get("name", "")})
        desk_state.put(db, desk_state.DESK_NUMBER, number)
        # The server says how far it holds this desk's chains (0 for a new server): pushing
        # resumes there, never with a gap, whatever this desk believed before.
        for key, field in ((desk_state.ACKED_THROUGH, "last_seq"),
                           (desk_state.AUDIT_ACKED_THROUGH, "last_audit_seq")):
            if isinstance(reply.get(field), int):
                desk_state.put(db, key, reply[field])
        taken = reply.get("retired") if isinstance(reply.get("retired"), dict) else {}
        for old, held in taken.items():
            for key, field in zip(desk_state.chain_keys(old, desk_id),
                                  ("last_seq", "last_audit_seq"), strict=True):
                desk_state.put(db, key, int(held.get(field) or 0))
        desk_state.put(db, desk_state.TAKEN_OVER, list(taken))
        if pem:
            desk_state.put(db, desk_state.PINNED_CERT, pem)
        else:
            db.execute("DELETE FROM sync_state WHERE key = ?", [desk_state.PINNED_CERT])
        if channel.clock_offset is not None:
            desk_state.put(db, desk_state.CLOCK_OFFSET, round(channel.clock_offset, 3))
        if agency is None:
            settings_store.put(db, settings_store.AGENCY_KEY, AgencySettings(
                agency_code=commune["code"], agency_name=commune.get("name") or commune["code"],
                desk_number=number).to_dict())
        elif agency.desk_number != number and not own:
            settings_store.put(db, settings_store.AGENCY_KEY,
                               replace(agency, desk_number=number).to_dict())

