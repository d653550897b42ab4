"""Realistic synthetic data at scale: years of a busy commune's dossiers, for trials and
benchmarks (``counter-cli generate``, tests/bench/bench_lifecycle.py).

Rows and events have exactly the shape the program writes: the reception row and its
``received`` event are built as ``dossier_store.receive`` builds them, every later step
through ``step_requests.decide`` and ``lifecycle.evolve`` (see ``synthetic.life``); they are
written in bulk (``executemany``, large transactions), not one dossier at a time, each
event linked into its desk's hash chain (``hash_chain``) as ``event_log.append`` links it.
tests/core/test_synthetic.py replays samples through ``Counter`` and compares.

Every officer of the synthetic commune has an account (``synthetic.officers``): events and
dossiers name them by username, and each step is taken by an officer whose role allows it.
All synthetic accounts share the documented demo password ``DEMO_PASSWORD``
("gia-lap-2026"), hashed once with argon2id; ``lanhdao`` (leader) sees every dossier,
``quantri`` is the administrator.

Only an empty database is filled (``DatabaseNotEmpty`` otherwise, also when it has
officer accounts): appending would have to continue every desk's sequences and history,
and synthetic dossiers and accounts must never be mixed into a desk's real ones. If
generation stops half-way, delete the file and start again.
Same arguments and seed on the same machine give the same data, ids included (the
events' ``at`` carries the machine's UTC offset, as the program's own events do); only
the salt of the accounts' password hash differs.
"""

from __future__ import annotations

import bisect
import datetime as dt
import heapq
import json
import random
import time
from collections.abc import Callable
from pathlib import Path

from counter_app.backups.opening import open_desk_database
from counter_app.domain import dossier_code, lifecycle
from counter_app.domain.legal_forms import family_for
from counter_app.domain.procedures import Procedure, version_id
from counter_app.domain.reception import ReceivedDocument
from counter_app.domain.text import fold
from counter_app.domain.working_calendar import DurationUnit
from counter_app.service.counter import Counter
from counter_app.store import (
    calendar_store,
    hash_chain,
    officer_store,
    procedure_versions,
    settings_store,
)
from counter_app.store.database import transaction
from counter_app.store.dossier_store import PROGRESS_COLUMNS
from counter_app.synthetic.bulk import Ids, Writer
from counter_app.synthetic.days import (
    CachedCalendar,
    SyntheticDataRefused,
    daily_counts,
    moments,
    period,
)
from counter_app.synthetic.life import OTHER_UNIT, UNITS, Life, Visit
from counter_app.synthetic.officers import DEMO_PASSWORD, Staff
from counter_app.synthetic.people import People

AGENCY = dict(agency_code="000.17.22.H56", agency_name="UBND xã Quảng Phú (DỮ LIỆU GIẢ LẬP)",
              parent_body="UBND tỉnh Thanh Hóa", desk_number=1, place_name="Quảng Phú",
              address="Thôn Phú Thượng, xã Quảng Phú, tỉnh Thanh Hóa", hotline="0237 3 999 999",
              officer_name="Lê Thị Hoa")
PROVINCE = "038"  # Thanh Hóa: where most applicants' ids were registered
BATCH = 20_000
# How often a commune sees each procedure: certification and civil status dominate.
PROCEDURE_WEIGHTS = {
    "2.000815": 30, "2.000884": 8, "2.000635": 6, "1.001193": 7, "1.004873": 6, "2.001016": 4,
    "1.000656": 2.5, "1.000894": 2.5, "2.001023": 2, "1.004194": 2, "2.001035": 1.5,
    "1.004859": 1.5, "1.004222": 1.5, "1.001776": 1.2, "2.000986": 1,
    "2.001406": 0.8, "1.001612": 0.8, "1.009994": 0.8, "1.004884": 0.6,
    "1.002755": 0.5, "1.003677": 0.5, "1.001699": 0.5, "2.001050": 0.4, "1.001758": 0.4,
    "1.010038": 0.4, "1.000689": 0.4, "2.000992": 0.3, "2.001019": 0.3, "1.001022": 0.3,
    "1.005461": 0.2, "2.002145": 0.2, "1.004746": 0.1, "1.004837": 0.1, "1.004845": 0.05,
    "1.000593": 0.05, "1.002211": 0.05, "1.001055": 0.03, "1.001078": 0.02,
}
_RECEIVED_NOT_IN_PAYLOAD = {"id", "search", "updated_at", "desk_id", "applicant_id",
                            *PROGRESS_COLUMNS,  # as dossier_store.receive
                            # only a dossier received for another body has these
                            "forward_due_at", "forwarded_at", "paper_due_at",
                            "digitised", "result_digitised"}
_DOCUMENTS = "\x00documents"  # spliced in already encoded
_DOCUMENTS_JSON = json.dumps(_DOCUMENTS)
_SORTED = hash_chain.stored_json  # as event_log stores (and hashes) payloads


class DatabaseNotEmpty(SyntheticDataRefused):
    """Synthetic dossiers are only generated into a database that has none."""


class _Procedures:
    """The catalogue with its weights and what every dossier of a procedure shares."""

    def __init__(self, procedures: list[Procedure]):
        if not procedures:
            raise ValueError("The procedure catalogue is empty.")
        self.items, self.cum, total = procedures, [], 0.0
        for p in procedures:
            total += PROCEDURE_WEIGHTS.get(p.code, 0.5)
            self.cum.append(total)
        snapshots = {p.code: p.to_dict() for p in procedures}
        documents = {p.code: [ReceivedDocument(d.name, d.form, d.count, True).to_dict()
                              for d in p.documents] for p in procedures}
        self.snapshots = snapshots
        self.version = {c: version_id(d) for c, d in snapshots.items()}
        # The row keeps json.dumps' order; the event payload is dumped with sorted keys.
        self.documents_json = {c: json.dumps(d, ensure_ascii=False) for c, d in documents.items()}
        self.sorted_documents = {c: _SORTED(documents[c]) for c in snapshots}
        self.search = {p.code: fold(f"{p.code} {p.name}") for p in procedures}

    def pick(self, rng: random.Random) -> Procedure:
        return self.items[bisect.bisect(self.cum, rng.random() * self.cum[-1])]


def generate(db_path: str | Path, dossiers: int, years: int, *, seed: int = 1,
             end: dt.date | None = None, desks: int = 2,
             progress: Callable[[int], None] | None = None) -> dict:
    """Fill the empty database at ``db_path`` with ``dossiers`` dossiers received over
    ``years`` years up to ``end``, at ``desks`` desks; return a summary (JSON-friendly).

    ``end``: a datetime is the simulated present; a date means the close of that working
    day; None means now. Dossiers still open at the present stay open.
    ``progress(n)`` is called after each batch with the number of dossiers made so far.
    Raises ``DatabaseNotEmpty`` if the database has dossiers, and ``SyntheticDataRefused``
    (both CounterError and ValueError) for impossible arguments, e.g. more dossiers than
    the desks can number (999 a desk a day).
    """
    if dossiers < 0 or years < 1 or not 1 <= desks <= 9:
        raise SyntheticDataRefused("dossiers >= 0, years >= 1 and 1 <= desks <= 9 are required.")
    if str(db_path) == ":memory:":
        raise SyntheticDataRefused("Synthetic data is written to a database file.")
    began = time.perf_counter()
    db = open_desk_database(db_path)
    try:
        if db.execute("SELECT 1 FROM dossiers LIMIT 1").fetchone():
            raise DatabaseNotEmpty(f"{db_path} already has dossiers; synthetic data is only "
                                   "generated into an empty database.")
        if officer_store.count(db):
            raise DatabaseNotEmpty(f"{db_path} already has officer accounts; synthetic data "
                                   "is only generated into a new database file.")
        cal = CachedCalendar(calendar_store.overrides(db), settings_store.office_hours(db))
        present, start = period(cal, end, years)
        cal.tabulate(start - dt.timedelta(days=31), present.date() + dt.timedelta(days=500))
        opened = dt.datetime.combine(start, cal.hours.morning_start)
        if settings_store.get(db, settings_store.DESK_ID_KEY) is None:  # a new file: its own
            with transaction(db):  # desk id is seeded too, for repeatable data
                settings_store.put(db, settings_store.DESK_ID_KEY, Ids(seed, 0).at(opened))
        counter = Counter(db)
        agency = counter.agency or counter.set_up(**AGENCY)
        summary = _Generator(db, counter, agency, cal, seed, desks, opened).run(
            dossiers, start, present, progress)
    finally:
        db.conn.close()
    summary.update(path=str(db_path), seconds=round(time.perf_counter() - began, 1),
                   first_day=start.isoformat(), now=present.isoformat())
    return summary


class _Generator:
    def __init__(self, db, counter: Counter, agency, cal, seed: int, desks: int,
                 opened: dt.datetime):
        self.db, self.agency, self.cal, self.opened = db, agency, cal, opened
        self.path = db.execute("PRAGMA database_list").fetchone()[2]
        self.rng = random.Random(seed)
        self.ids = Ids(seed)
        own = agency.desk_number
        self.numbers = [own] + [n for n in range(1, 10) if n != own][:desks - 1]
        self.desk_ids = {n: (counter.desk_id if n == own else Ids(seed, 100 + n).at(opened))
                         for n in self.numbers}
        self.procedures = _Procedures(counter.procedures())
        self.counts = {"dossiers": 0, "events": 0}
        self.prefixes: dict = {}   # (day, desk) -> code prefix and its folded form
        self.folded: dict = {}     # name -> folded name
        self.zones: dict = {}      # day -> the machine's UTC offset that day

    def run(self, total: int, start: dt.date, present: dt.datetime, progress) -> dict:
        rng = self.rng
        place = self.agency.place_name or self.agency.agency_name
        self.people = People(rng, max(30, total // 5), place, PROVINCE, start, present.date())
        own = {self.agency.desk_number: self.agency.officer_name}
        self.staff = Staff(self.people, self.numbers, own, [u for _, u in UNITS] + [OTHER_UNIT],
                           start, present.date())
        self.staff.save(self.db, self.opened)
        self.life = Life(rng, self.cal, present, self.staff, self.agency.hotline,
                         self.numbers, self.people)
        self.heap: list = []
        self.desk_seq = dict.fromkeys(self.numbers, 0)
        self.books: dict[str, int] = {}
        self.tie = 0
        rows, events, applicants = [], [], {}
        desk_weights = [1.2] + [1.0] * (len(self.numbers) - 1)
        with transaction(self.db):  # each version once, as dossier_store.receive does
            for body in self.procedures.snapshots.values():
                procedure_versions.put(self.db, body)
        writer = Writer(self.path)
        try:
            for day, count, segments in daily_counts(rng, self.cal, start, present, total,
                                                     len(self.numbers)):
                seq = dict.fromkeys(self.numbers, 0)
                for moment in moments(rng, segments, count):
                    desk = rng.choices(self.numbers, desk_weights)[0]
                    while seq[desk] == dossier_code.PER_DESK_PER_DAY:
                        desk = rng.choice(self.numbers)
                    seq[desk] += 1
                    rows.append(self.dossier(moment, desk, seq[desk], applicants))
                next_day = dt.datetime.combine(day + dt.timedelta(days=1), dt.time())
                while self.heap and self.heap[0][0] < next_day:
                    events.append(self.numbered(heapq.heappop(self.heap)))
                if len(rows) >= BATCH:
                    self.hand_over(writer, rows, events, applicants, progress)
                    rows, events, applicants = [], [], {}
            while self.heap:
                events.append(self.numbered(heapq.heappop(self.heap)))
            self.hand_over(writer, rows, events, applicants, progress)
        finally:
            writer.close()
        statuses = dict(self.db.execute("SELECT status, count(*) FROM dossiers GROUP BY status"))
        applicant_count = self.db.execute("SELECT count(*) FROM applicants").fetchone()[0]
        return {**self.counts, "applicants": applicant_count,
                "desks": {str(n): d for n, d in self.desk_ids.items()},
                "officers": self.staff.summary(), "password": DEMO_PASSWORD,
                "statuses": {str(k): v for k, v in sorted(statuses.items())}}

    def hand_over(self, writer: Writer, rows: list, events: list, applicants: dict,
                  progress) -> None:
        writer.put(list(applicants.values()), rows, events)
        self.counts["dossiers"] += len(rows)
        self.counts["events"] += len(events)
        if progress:
            progress(self.counts["dossiers"])

    def numbered(self, item: tuple) -> tuple:
        """The event row with its desk's next sequence number (events come in time order)."""
        _, _, desk, row = item
        self.desk_seq[desk] += 1
        return row[:3] + (self.desk_seq[desk],) + row[3:]

    def event(self, dossier_id: str, kind: str, payload: dict | str, now: dt.datetime,
              desk: int, officer: str) -> None:
        zone = self.zones.get(now.date())
        if zone is None:  # what now.astimezone() gives, asked once a day
            zone = self.zones[now.date()] = now.replace(hour=12).astimezone().tzinfo
        if not isinstance(payload, str):
            payload = _SORTED(payload)
        row = (self.ids.at(now), dossier_id, self.desk_ids[desk],
               now.replace(tzinfo=zone).isoformat(timespec="seconds"), officer, kind, payload)
        self.tie += 1
        heapq.heappush(self.heap, (now, self.tie, desk, row))

    def dossier(self, now: dt.datetime, desk: int, seq: int, applicants: dict) -> dict:
        """One reception, as ``dossier_store.receive`` writes it, then the dossier's life."""
        rng, cal, procs = self.rng, self.cal, self.procedures
        person = self.people.pick()
        p = procs.pick(rng)
        day = now.date()
        received_at = now.replace(second=0)
        computed = due = cal.due_at(received_at, p.unit, p.value)
        reason = ""
        if p.unit is not DurationUnit.SAME_DAY and rng.random() < 0.01:
            due = cal.closing(cal.add_working_days(due.date(), rng.randint(1, 3)))
            reason = "Người nộp hẹn nhận kết quả vào ngày khác"
        transfer_due = cal.due_at(received_at, DurationUnit.SAME_DAY)
        prefix = self.prefixes.get((day, desk))
        if prefix is None:  # dossier_code.make_code, its day part made once
            text = dossier_code.day_prefix(self.agency.agency_code, day, desk)
            prefix = self.prefixes[day, desk] = (text, fold(text))
        code = f"{prefix[0]}{seq:03d}"
        book = f"{desk:02d}/{day.year}"
        self.books[book] = register_no = self.books.get(book, 0) + 1
        stamp = now.isoformat(timespec="seconds")
        if not person.applicant_id:
            person.applicant_id = self.ids.at(now)
        phone = person.phone_on(day)
        applicants[person.id_number] = (person.applicant_id, person.id_number, person.kind,
                                        person.full_name, phone, person.address,
                                        person.email, stamp)
        name = self.folded.get(person.full_name) or self.folded.setdefault(
            person.full_name, fold(person.full_name))
        post = rng.random() < 0.04
        officer = self.staff.at_desk(desk, day).username
        row = {
            "id": self.ids.at(now), "code": code, "desk_id": self.desk_ids[desk], "status": 2,
            "procedure_code": p.code, "procedure_name": p.name,
            "procedure_version": procs.version[p.code],
            "applicant_id": person.applicant_id, "applicant_kind": person.kind,
            "applicant_name": person.full_name, "applicant_id_number": person.id_number,
            "applicant_phone": phone, "applicant_address": person.address,
            "applicant_email": person.email, "channel": 3 if rng.random() < 0.02 else 1,
            "return_method": "post" if post else "counter",
            "return_address": person.address if post else "",
            "sets": 1 if rng.random() < 0.85 else 2 if rng.random() < 0.8 else 3,
            "documents": procs.documents_json[p.code],
            "received_at": received_at.isoformat(timespec="minutes"),
            "computed_due_at": computed.isoformat(timespec="minutes"),
            "due_at": due.isoformat(timespec="minutes"), "due_change_reason": reason,
            "officer": officer, "register_book": book, "register_no": register_no,
            "note": "Nộp thay cho người thân" if rng.random() < 0.02 else "",
            # fold() of the text receive() folds, its parts folded once each
            "search": " ".join(s for s in (f"{prefix[1]}{seq:03d}", name, person.id_number,
                                           phone, procs.search[p.code]) if s),
            "updated_at": stamp,
            "form_family": family_for(day).value, "proxy": "",
            "receiving_agency": self.agency.agency_code,
            "receiving_name": self.agency.agency_name,
            "competent_agency": self.agency.agency_code,
            "competent_name": self.agency.agency_name,
            "forward_due_at": None, "forwarded_at": None, "paper_due_at": None,
            "digitised": None, "result_digitised": None,
        }
        payload = {k: v for k, v in row.items() if k not in _RECEIVED_NOT_IN_PAYLOAD}
        payload["proxy"] = None
        payload.update(transfer_due_at=transfer_due.isoformat(timespec="minutes"),
                       documents=_DOCUMENTS)
        text = _SORTED(payload).replace(_DOCUMENTS_JSON, procs.sorted_documents[p.code], 1)
        self.event(row["id"], "received", text, now, desk, officer)
        start = lifecycle.initial(received_at, due, transfer_due)
        visit = Visit(p, now, start, person.full_name, person.id_number, row["return_method"],
                      row["sets"], desk)
        self.life.live(visit)
        for kind, step_payload, at, by, officer in visit.events:
            self.event(row["id"], kind, step_payload, at, by, officer)
        row.update(visit.progress.to_columns())
        if visit.events:
            row["updated_at"] = visit.events[-1][2].isoformat(timespec="seconds")
        return row
