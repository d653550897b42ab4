"""The district's read-only views: dossiers of every commune, counts (with each unit's
digitisation, reports/digitisation.py), communes and desks; and one dossier's digitised
documents and their files, for the leaders (server/dashboard_documents.py serves them)."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass

from sqlalchemy import Connection, and_, case, func, select

from counter_app.domain.digitised import ATTACH
from counter_app.domain.lifecycle import ACTIVE, OPEN
from counter_app.domain.text import tokens
from counter_app.reports.periods import Period
from counter_app.server import blobs as blob_rules
from counter_app.server import clock
from counter_app.server import reports as server_reports
from counter_app.server.schema import blobs, communes, devices, dossiers, inbox

#: Heavy columns the list leaves out (the desks have them).
_LEFT_OUT = ("procedure_snapshot", "documents", "search")


def find_dossiers(conn: Connection, q: str, commune: str, status: int | None,
                  limit: int, offset: int) -> dict:
    where = [dossiers.c.search.like(f"%{word}%") for word in tokens(q)]
    if commune:
        where.append(communes.c.code == commune)
    if status is not None:
        where.append(dossiers.c.status == status)
    joined = dossiers.join(communes, communes.c.id == dossiers.c.commune_id)
    total = conn.execute(select(func.count()).select_from(joined).where(*where)).scalar_one()
    rows = conn.execute(
        select(communes.c.code, dossiers.c.row_json).select_from(joined).where(*where)
        .order_by(dossiers.c.received_at.desc(), dossiers.c.id).limit(limit).offset(offset))
    found = []
    for code, text in rows:
        row = {k: v for k, v in json.loads(text).items() if k not in _LEFT_OUT}
        found.append({"commune": code, **row})
    return {"dossiers": found, "total": total}


def _desks(conn: Connection) -> dict[int, list[dict]]:
    by_commune: dict[int, list[dict]] = {}
    for r in conn.execute(select(devices).order_by(devices.c.commune_id, devices.c.desk_number)):
        by_commune.setdefault(r.commune_id, []).append({
            "desk_id": r.desk_id, "desk_number": r.desk_number, "enrolled_at": r.enrolled_at,
            "revoked_at": r.revoked_at, "last_seen": r.last_seen, "waiting": r.waiting,
            "clock_offset_s": r.clock_offset_s, "app_version": r.app_version,
            "acked_through": r.last_seq, "last_pull_cursor": r.last_pull_cursor})
    return by_commune


def communes_list(conn: Connection) -> dict:
    desks = _desks(conn)
    return {"communes": [{"code": r.code, "name": r.name, "desks": desks.get(r.id, [])}
                         for r in conn.execute(select(communes).order_by(communes.c.code))]}


def counts(conn: Connection, start: dt.date, end: dt.date) -> dict:
    """Per commune: received in [start, end], their status now, finished in the period by
    verdict, open and overdue now; and the desks."""
    lo, hi = start.isoformat(), (end + dt.timedelta(days=1)).isoformat()
    now = clock.now().isoformat(timespec="minutes")  # as due_at is stored
    c = dossiers.c
    in_period = and_(c.received_at >= lo, c.received_at < hi)
    finished = and_(c.finished_at >= lo, c.finished_at < hi)
    sums = {
        "received": func.sum(case((in_period, 1), else_=0)),
        "finished_early": func.sum(case((and_(finished, c.verdict == "early"), 1), else_=0)),
        "finished_on_time": func.sum(case((and_(finished, c.verdict == "on_time"), 1),
                                          else_=0)),
        "finished_late": func.sum(case((and_(finished, c.verdict == "late"), 1), else_=0)),
        "open_now": func.sum(case((c.status.in_([int(s) for s in ACTIVE]), 1), else_=0)),
        "overdue_now": func.sum(case((and_(c.status.in_([int(s) for s in OPEN]),
                                           c.due_at < now), 1), else_=0)),
    }
    totals = {r.commune_id: r for r in conn.execute(
        select(c.commune_id, *[v.label(k) for k, v in sums.items()]).group_by(c.commune_id))}
    by_status: dict[int, dict[str, int]] = {}
    for r in conn.execute(select(c.commune_id, c.status, func.count()).where(in_period)
                          .group_by(c.commune_id, c.status)):
        by_status.setdefault(r[0], {})[str(r[1])] = r[2]
    desks = _desks(conn)
    digitised = server_reports.digitisation(conn, Period(start, end, ""))
    out = []
    for r in conn.execute(select(communes).order_by(communes.c.code)):
        t = totals.get(r.id)
        item = {"code": r.code, "name": r.name,
                **{k: int(getattr(t, k) or 0) if t else 0 for k in sums},
                "by_status": by_status.get(r.id, {}), "desks": desks.get(r.id, []),
                "digitisation": server_reports.digitisation_of(digitised, r.id).to_dict()}
        out.append(item)
    return {"from": start.isoformat(), "to": end.isoformat(), "communes": out}


# -- one dossier's digitised documents (the leaders' view) -----------------------------------
#: A dossier id as the desks make them (UUIDs); anything else is not looked up.
DOSSIER_ID = re.compile(r"[0-9A-Fa-f-]{32,36}")
SHA256 = re.compile(r"[0-9a-f]{64}")
#: The most events of one dossier read to list its documents: a dossier has tens; a history
#: longer than this is cut (the oldest are listed), never read whole into memory.
MAX_EVENTS = 2000


@dataclass(frozen=True)
class Document:
    """One digitised document or result of a dossier, as its applied ``attach`` recorded
    it; ``held``: the server has the file (its desk finished sending it)."""
    event_id: str
    document: int | None      # the checklist index; None: the result
    name: str
    pages: int
    bytes: int
    sha256: str
    at: str                   # when it was digitised: the desk's local time, as the
    #                           dossier's other times (the payload's; else the event's)
    officer: str
    reused_from: str          # the earlier dossier's code, if linked from it
    held: bool

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def dossier(conn: Connection, dossier_id: str) -> dict | None:
    """The dossier's row (row_json) with ``id``, its unit's ``commune`` code and
    ``commune_name`` and the deciding unit's (``competent``, ``competent_name``); None when
    the server holds no such dossier."""
    if not DOSSIER_ID.fullmatch(dossier_id or ""):
        return None
    found = conn.execute(select(dossiers.c.id, dossiers.c.row_json, dossiers.c.competent_id,
                                communes.c.code, communes.c.name)
                         .join(communes, communes.c.id == dossiers.c.commune_id)
                         .where(dossiers.c.id == dossier_id)).first()
    if found is None:
        return None
    row = json.loads(found.row_json)
    competent = (conn.execute(select(communes.c.code, communes.c.name)
                              .where(communes.c.id == found.competent_id)).first()
                 if found.competent_id is not None else None)
    return {**row, "id": found.id, "commune": found.code, "commune_name": found.name,
            "competent": competent.code if competent else found.code,
            "competent_name": competent.name if competent else found.name}


def dossiers_by_code(conn: Connection, code: str) -> list[dict]:
    """The dossiers with this code (one, unless two units' codes clash), as ``dossier``."""
    code = (code or "").strip()[:64]
    if not code:
        return []
    ids = conn.execute(select(dossiers.c.id).where(dossiers.c.code == code)
                       .order_by(dossiers.c.commune_id)).scalars().all()
    return [d for d in (dossier(conn, i) for i in ids) if d is not None]


def documents(conn: Connection, dossier_id: str) -> list[Document]:
    """The dossier's digitised documents and result, in the order the server applied them
    (its applied ``attach`` events: index ``inbox_dossier``)."""
    rows = conn.execute(select(inbox.c.event_json).where(
        inbox.c.dossier_id == dossier_id, inbox.c.result == "applied")
        .order_by(inbox.c.server_seq).limit(MAX_EVENTS)).scalars()
    found = []
    for text in rows:
        event = json.loads(text)
        if event.get("kind") != ATTACH:
            continue
        p = event.get("payload") or {}
        found.append((event, p))
    # A file of the dossier only where a unit that proved it holds the bytes named it
    # (docs/security.md §7): a hash another unit only knew is not this dossier's file.
    held = {sha for sha in {p["sha256"] for _, p in found}
            if blob_rules.named_by_a_holder(conn, dossier_id, sha)}
    return [Document(e.get("id", ""), p.get("document"), p.get("name") or "", p["pages"],
                     p["bytes"], p["sha256"], p.get("at") or e.get("at", ""),
                     e.get("officer", ""),
                     p.get("reused_from") or "", p["sha256"] in held) for e, p in found]


@dataclass(frozen=True)
class StoredFile:
    """A file the server holds that a dossier names: where the backend keeps it."""
    sha256: str
    size: int
    key: str
    dossier_code: str
    name: str


def stored_file(conn: Connection, dossier_id: str, sha256: str) -> StoredFile | None:
    """The file ``sha256`` if the dossier names it (an applied ``attach`` of a unit that
    holds the file: ``blobs.named_by_a_holder``)
    and the server holds it whole (``blobs``); None otherwise (not named, or not sent
    yet): a leader reads only a dossier's own files, never a file by its hash alone."""
    if not DOSSIER_ID.fullmatch(dossier_id or "") or not SHA256.fullmatch(sha256 or ""):
        return None
    if not blob_rules.named_by_a_holder(conn, dossier_id, sha256):
        return None
    row = conn.execute(select(blobs.c.size, blobs.c.key).where(blobs.c.sha256 == sha256)
                       ).first()
    code = conn.execute(select(dossiers.c.code).where(dossiers.c.id == dossier_id)).scalar()
    if row is None or code is None:
        return None
    name = next((d.name for d in documents(conn, dossier_id) if d.sha256 == sha256), "")
    return StoredFile(sha256, row.size, row.key, code, name)


def documents_reply(conn: Connection, dossier_id: str) -> dict | None:
    """The district API's answer: the dossier (its code, units, procedure, status) and its
    documents; None when the server holds no such dossier."""
    found = dossier(conn, dossier_id)
    if found is None:
        return None
    keep = ("id", "code", "commune", "commune_name", "competent", "competent_name",
            "procedure_code", "procedure_name", "status", "received_at", "finished_at")
    return {"dossier": {k: found.get(k) for k in keep},
            "documents": [d.to_dict() for d in documents(conn, dossier_id)]}
