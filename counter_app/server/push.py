"""POST /v1/push: one database transaction per batch (PROTOCOL.md §Push).

Few statements whatever the batch size: lock the desk and its commune, one select of the
dossiers the batch touches, merge in memory, then bulk inserts and updates.
"""

from __future__ import annotations

import datetime as dt
import json
import logging

from sqlalchemy import Connection, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from counter_app.domain import account_signing as signing
from counter_app.domain.procedures import canonical_json
from counter_app.server import (
    auth,
    chain,
    clock,
    database,
    feeds,
    province_catalogue,
    push_dossiers,
    shared_dossiers,
    validation,
)
from counter_app.server.code_ownership import Owner
from counter_app.server.merge import Known, Merger, add_history
from counter_app.server.schema import (
    audit_inbox,
    blob_refs,
    change_log,
    commune_anchors,
    communes,
    conflicts,
    devices,
    dossiers,
    inbox,
    officers,
    procedure_versions,
)

log = logging.getLogger(__name__)


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def _parse(body) -> dict:
    body = validation.obj(body, "request")
    validation.client_schema(body)
    parsed = {
        "desk_id": validation.uuid(body, "desk_id", "request"),
        "desk_time": validation.moment(body, "desk_time", "request"),
        "waiting": validation.integer(body, "waiting", "request", 0, 10**9, null=True)
        if "waiting" in body else None,
        "events": [validation.event(e, i)
                   for i, e in enumerate(validation.items(body, "events", "request"))],
        "audit": [validation.audit_entry(a, i)
                  for i, a in enumerate(validation.items(body, "audit", "request"))],
        "officers": [validation.officer(o, i) for i, o in
                     enumerate(validation.items(body, "officers", "request", 500))],
        "resolutions": [validation.resolution(r, i) for i, r in
                        enumerate(validation.items(body, "resolutions", "request", 2000))],
        "procedure_versions": validation.procedure_versions(body),
    }
    return parsed


def push(conn: Connection, token: str | None, body) -> dict:
    device = auth.device(conn, token, lock=True)
    req = _parse(body)
    # The chain pushed: the desk's own, or one of the desk ids it was before a restore.
    desk = device if req["desk_id"] == device["desk_id"] else _retired_chain(
        conn, device, req["desk_id"])
    me = desk["desk_id"]
    if any(x["desk_id"] != me for x in req["events"] + req["audit"]):
        raise auth.forbidden("a batch holds one desk's chain: its desk_id's")
    commune_id = desk["commune_id"]
    pg = conn.dialect.name == "postgresql"
    query = select(communes.c.code).where(communes.c.id == commune_id)
    if pg:  # a commune's pushes one at a time: no race on its dossiers and codes
        query = query.with_for_update()
    # The chain's desk (a retired one has its successor's commune and number): its receptions
    # may open dossiers only under its own codes (code_ownership.py).
    owner = Owner(conn.execute(query).scalar_one(), desk["desk_number"])

    events = chain.check(req["events"], "events", desk["last_seq"], desk["last_hash"],
                         chain.event_values, lambda lo, hi: _stored(conn, inbox, me, lo, hi))
    audit = chain.check(req["audit"], "audit", desk["last_audit_seq"], desk["last_audit_hash"],
                        chain.audit_values,
                        lambda lo, hi: _stored(conn, audit_inbox, me, lo, hi))

    seen_ids = _stored_ids(conn, [e["id"] for e in events.new])
    _store_versions(conn, req["procedure_versions"], pg)
    merger = Merger(commune_id, *_load(conn, commune_id, events.new, pg),
                    versions=_version_lookup(conn, req["procedure_versions"]), owner=owner,
                    units=_units(conn, events.new), now=clock.vietnam_local(),
                    catalogue=province_catalogue.listed(conn, _transferred_codes(events.new)))
    outcomes = []
    for e in events.new:
        if e["id"] in seen_ids:
            outcomes.append(None)  # the same event under another desk/seq: a duplicate
            continue
        seen_ids.add(e["id"])
        outcomes.append(merger.merge(e))
    new_conflicts = [o.conflict for o in outcomes if o is not None and o.conflict]
    if merger.need_history:
        add_history(new_conflicts, _history(conn, merger.need_history))
    resolutions = _open_conflicts(conn, commune_id, req["resolutions"])

    changed_officers, refused_officers = _signed_officers(conn, commune_id, req["officers"])
    for username, reason in refused_officers.items():
        log.warning("push: account %r of commune id %s from desk %s refused: %s", username,
                    commune_id, device["desk_id"], reason)
    count = len(events.new) + len(new_conflicts) + len(resolutions) + bool(changed_officers)
    # The feeds this push writes into: the unit's own, and the other unit of each shared
    # dossier it touches (server/feeds.py); locked, in order, until the commit.
    parties = {_party(merger, commune_id, e["dossier_id"])
               for e, o in zip(events.new, outcomes, strict=True)
               if o is not None and o.result != "quarantined"}
    parties |= {r["party_id"] for r in resolutions}
    numbers = iter(feeds.reserve(conn, count, {commune_id} | (parties - {None})))
    now = clock.iso()
    inbox_rows, log_rows, conflict_rows, results = [], [], [], []
    touched: dict[str, int] = {}
    for e, outcome in zip(events.new, outcomes, strict=True):
        result = outcome.result if outcome else "duplicate"
        seq = next(numbers)
        inbox_rows.append({
            "desk_id": me, "desk_seq": e["desk_seq"], "event_id": e["id"] if outcome else None,
            "commune_id": commune_id, "dossier_id": e["dossier_id"], "hash": e["hash"],
            "event_json": chain.event_json(e), "result": result,
            "reason": outcome.reason if outcome else f"event {e['id']} was already received",
            "server_seq": seq, "received_at": now})
        item = {"seq": e["desk_seq"], "status": result, "server_seq": seq}
        # The other unit of a shared dossier learns what was applied, or lost a conflict.
        other = _party(merger, commune_id, e["dossier_id"]) \
            if outcome and outcome.result != "quarantined" else None
        if outcome:
            log_rows.append({"server_seq": seq, "commune_id": commune_id, "type": "event",
                             "ref_id": None, "party_id": other})
            if outcome.result == "applied":
                touched[e["dossier_id"]] = seq
            if outcome.result == "quarantined":
                item["reason"] = outcome.reason
        if outcome and outcome.conflict:
            seq = next(numbers)
            c = outcome.conflict
            item["conflict_id"] = c["id"]
            conflict_rows.append({
                "id": c["id"], "commune_id": commune_id, "dossier_id": c["dossier_id"],
                "code": c["code"], "event_id": c["event_id"], "kind": c["kind"],
                "detail_json": _dumps(c["detail"]), "created_at": now, "created_seq": seq})
            log_rows.append({"server_seq": seq, "commune_id": commune_id, "type": "conflict",
                             "ref_id": c["id"], "party_id": other})
        results.append(item)
    for r in resolutions:
        log_rows.append({"server_seq": next(numbers), "commune_id": commune_id,
                         "type": "conflict", "ref_id": r["conflict_id"],
                         "party_id": r["party_id"]})

    results = [{"seq": e["desk_seq"], "status": "duplicate", "server_seq": s}
               for e, s in events.replayed] + results
    attached = [e for e, o in zip(events.new, outcomes, strict=True)
                if o is not None and o.result == "applied" and e["kind"] == "attach"]
    push_dossiers.write(conn, merger.known, touched, commune_id,
                        push_dossiers.reused_counts(conn, attached))
    _refer_blobs(conn, commune_id, attached, pg)
    database.bulk_insert(conn, inbox, inbox_rows)
    database.bulk_insert(conn, conflicts, conflict_rows)
    database.bulk_insert(conn, change_log, log_rows)
    for r in resolutions:
        conn.execute(update(conflicts).where(conflicts.c.id == r["conflict_id"],
                                             conflicts.c.resolved_at.is_(None))
                     .values(resolved_at=r["resolved_at"], resolved_by=r["resolved_by"],
                             resolution=r["resolution"]))
    if changed_officers:
        _upsert_officers(conn, commune_id, changed_officers, next(numbers))
    database.bulk_insert(conn, audit_inbox, [
        {"desk_id": me, "desk_seq": a["desk_seq"], "id": a["id"], "hash": a["hash"],
         "entry_json": _dumps({k: a[k] for k in chain.AUDIT_FIELDS}), "received_at": now}
        for a in audit.new])
    chain_end = {"last_seq": events.last_seq, "last_hash": events.last_hash,
                 "last_audit_seq": audit.last_seq, "last_audit_hash": audit.last_hash}
    visit = {"last_seen": now, "waiting": max(0, req["waiting"] - len(req["events"])),
             "clock_offset_s": _offset(req["desk_time"])}
    if me == device["desk_id"]:  # its own chain: one update
        conn.execute(update(devices).where(devices.c.desk_id == me).values(
            **chain_end, **visit))
    else:  # a retired chain's end, and the visit of the desk that pushed it
        conn.execute(update(devices).where(devices.c.desk_id == me).values(**chain_end))
        conn.execute(update(devices).where(devices.c.desk_id == device["desk_id"])
                     .values(**visit))
    return {"acked_through": events.last_seq, "audit_acked_through": audit.last_seq,
            "results": results,
            "officers_refused": [{"username": u, "reason": r}
                                 for u, r in refused_officers.items()]}


def _refer_blobs(conn, commune_id: int, attached: list[dict], pg: bool) -> None:
    """The (file, dossier) each applied ``attach`` names, with the pushing unit: who may
    download it, once that unit holds the file (blobs.py: may_read)."""
    rows = [{"sha256": e["payload"]["sha256"], "dossier_id": e["dossier_id"],
             "commune_id": commune_id} for e in attached]
    if rows:
        insert = (pg_insert if pg else sqlite_insert)(blob_refs)
        conn.execute(insert.on_conflict_do_nothing(
            index_elements=["sha256", "dossier_id", "commune_id"]), rows)


def _store_versions(conn, versions: dict[str, dict], pg: bool) -> None:
    """Each version of the batch, once (its id is the hash of its content)."""
    if not versions:
        return
    rows = [{"id": vid, "body": canonical_json(body)} for vid, body in versions.items()]
    insert = (pg_insert if pg else sqlite_insert)(procedure_versions)
    conn.execute(insert.on_conflict_do_nothing(index_elements=["id"]), rows)


def _version_lookup(conn, versions: dict[str, dict]):
    """id -> body: the batch's, else one stored by an earlier push (KeyError if neither)."""
    def lookup(vid: str) -> dict:
        if vid not in versions:
            text = conn.execute(select(procedure_versions.c.body)
                                .where(procedure_versions.c.id == vid)).scalar()
            if text is None:
                raise KeyError(f"procedure version {vid!r} was not sent")
            versions[vid] = json.loads(text)
        return versions[vid]
    return lookup


def _retired_chain(conn, device: dict, desk_id: str) -> dict:
    """The row of a desk id this device took over at enrolment (``successor``), locked."""
    query = select(devices).where(devices.c.desk_id == desk_id,
                                  devices.c.successor == device["desk_id"])
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).mappings().first()
    if row is None:
        raise auth.forbidden("a desk pushes only its own events and audit entries")
    return dict(row)


def _offset(desk_time: str) -> float:
    moment = dt.datetime.fromisoformat(desk_time)
    now = clock.now()
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=now.tzinfo)
    return round((now - moment).total_seconds(), 1)


def _stored(conn, table, desk_id: str, lo: int, hi: int) -> dict[int, tuple[str, int | None]]:
    seq_col = table.c.server_seq if "server_seq" in table.c else None
    cols = [table.c.desk_seq, table.c.hash] + ([seq_col] if seq_col is not None else [])
    rows = conn.execute(select(*cols).where(table.c.desk_id == desk_id,
                                            table.c.desk_seq.between(lo, hi)))
    return {r[0]: (r[1], r[2] if seq_col is not None else None) for r in rows}


def _stored_ids(conn, ids: list[str]) -> set[str]:
    if not ids:
        return set()
    return set(conn.execute(select(inbox.c.event_id).where(database.in_(conn, inbox.c.event_id, ids))).scalars())


def _load(conn, commune_id: int, new: list[dict], pg: bool):
    """The dossiers the batch touches (locked on PostgreSQL), and the commune's dossiers
    holding the codes the batch's receptions use."""
    ids = sorted({e["dossier_id"] for e in new})
    codes = sorted({e["payload"].get("code") for e in new if e["kind"] == "received"
                    and isinstance(e["payload"].get("code"), str)})
    known: dict[str, Known] = {}
    columns = (dossiers.c.id, dossiers.c.code, dossiers.c.commune_id, dossiers.c.competent_id,
               dossiers.c.row_json)
    if ids:
        query = (select(*columns).where(database.in_(conn, dossiers.c.id, ids))
                 .order_by(dossiers.c.id))
        if pg:
            query = query.with_for_update()
        for r in conn.execute(query):
            known[r.id] = Known(json.loads(r.row_json), r.commune_id, r.competent_id)
    by_code: dict[str, str] = {}
    if codes:
        rows = conn.execute(select(*columns).where(
            dossiers.c.commune_id == commune_id, database.in_(conn, dossiers.c.code, codes)))
        for r in rows:
            by_code[r.code] = r.id
            known.setdefault(r.id, Known(json.loads(r.row_json), r.commune_id, r.competent_id))
    return known, by_code


def _units(conn, new: list[dict]) -> dict[str, tuple[int, str]]:
    """Agency code -> (id, kind) of the units the batch's receptions name as the deciding
    body."""
    wanted = sorted({c for e in new if e["kind"] == "received" and isinstance(
        c := e["payload"].get("competent_agency"), str) and c})
    if not wanted:
        return {}
    return {code: (unit_id, kind) for code, unit_id, kind in conn.execute(
        select(communes.c.code, communes.c.id, communes.c.kind)
        .where(communes.c.code.in_(wanted))).all()}


def _transferred_codes(new: list[dict]) -> set[str]:
    """The procedure codes of the batch's receptions for another unit."""
    return {p["procedure_code"] for e in new if e["kind"] == "received"
            and isinstance(p := e["payload"], dict) and isinstance(p.get("procedure_code"), str)
            and p.get("competent_agency") not in (None, "", p.get("receiving_agency"))}


def _party(merger: Merger, commune_id: int, dossier_id: str) -> int | None:
    d = merger.known.get(dossier_id)
    return shared_dossiers.party(commune_id, d.commune_id, d.competent_id) if d else None


def _history(conn, dossier_ids: set[str]) -> dict[str, list[dict]]:
    history: dict[str, list[dict]] = {}
    rows = conn.execute(select(inbox.c.dossier_id, inbox.c.event_json).where(
        database.in_(conn, inbox.c.dossier_id, sorted(dossier_ids)), inbox.c.result == "applied")
        .order_by(inbox.c.server_seq))
    for dossier_id, event_json in rows:
        history.setdefault(dossier_id, []).append(json.loads(event_json))
    return history


def _open_conflicts(conn, commune_id: int, resolutions: list[dict]) -> list[dict]:
    """The resolutions that close an open conflict of this commune (first one wins; others,
    and ids the server does not know for this commune, are ignored)."""
    if not resolutions:
        return []
    ids = sorted({r["conflict_id"] for r in resolutions})
    open_ids = {row.id: row for row in conn.execute(
        select(conflicts.c.id, conflicts.c.commune_id, dossiers.c.commune_id.label("owner"),
               dossiers.c.competent_id)
        .select_from(conflicts.outerjoin(dossiers, dossiers.c.id == conflicts.c.dossier_id))
        .where(conflicts.c.id.in_(ids), shared_dossiers.conflict_visible(commune_id),
               conflicts.c.resolved_at.is_(None)))}
    chosen = []
    for r in resolutions:
        row = open_ids.pop(r["conflict_id"], None)
        if row is not None:  # the other unit of a shared dossier learns the resolution too
            other = ({row.commune_id, row.owner, row.competent_id} - {commune_id, None})
            chosen.append({**r, "party_id": min(other) if other else None})
    return chosen


def _signed_officers(conn, commune_id: int,
                     records: list[dict]) -> tuple[dict[str, dict], dict[str, str]]:
    """The accounts of this push to store, and why each other one is refused (username →
    reason, in push order). An account that is the same as what the server holds is neither
    (a replayed batch changes nothing and makes no new version; the last record of a
    username in the push counts). The others must be signed by an administrator of the
    commune (``signing.check_batch``, against the accounts the server holds and the
    commune's anchors); a device token alone changes no account."""
    latest = {r["username"]: r for r in records}
    if not latest:
        return {}, {}
    trusted = {u: json.loads(record_json) for u, record_json in conn.execute(
        select(officers.c.username, officers.c.record_json).where(
            officers.c.commune_id == commune_id))}
    changed = [r for u, r in latest.items() if trusted.get(u) != r]
    if not changed:
        return {}, {}
    anchors = dict(conn.execute(select(commune_anchors.c.public_key, commune_anchors.c.username)
                                .where(commune_anchors.c.commune_id == commune_id)).all())
    accepted, refused = signing.check_batch(changed, trusted, anchors)
    return ({r["username"]: r for r in accepted},
            {r["username"]: refused[r["username"]] for r in changed
             if r["username"] in refused})


def _upsert_officers(conn, commune_id: int, latest: dict[str, dict], seq: int) -> None:
    """The accepted accounts, one new version of the commune's officers dataset."""
    rows = [{"commune_id": commune_id, "username": u, "record_json": _dumps(r),
             "updated_seq": seq} for u, r in latest.items()]
    database.upsert(conn, officers, rows, ["commune_id", "username"])
