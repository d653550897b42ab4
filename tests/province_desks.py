"""Desks of several units of one province on one server, for the tests of dossiers received
for another body (tests/sync/test_transfer_between_units.py, tests/core/
test_report_transfers.py, tests/server/test_transfer_reports.py): the province's list on
the server and on each desk, each desk set up for its unit, enrolled (its administrator's
signed account as the anchor) and synced once, so it knows the province's units."""

from __future__ import annotations

from pathlib import Path

from counter_app.server import database, enrolment
from counter_app.server import reference as server_reference
from counter_app.store.catalogue_files import read_file
from counter_app.sync.enrolment import enrol
from counter_app.sync.sync_round import sync_once
from tests.core.conftest import AGENCY, OFFICER, PASSWORD


def province_list(engine, folder: Path, text: str) -> Path:
    """The province's list as a CSV file in ``folder``, imported on the server too."""
    catalogue = folder / "danh_muc_tinh.csv"
    catalogue.write_text(text, encoding="utf-8")
    with database.writing(engine) as conn:
        server_reference.import_catalogue(conn, read_file(catalogue))
    return catalogue


def unit_desks(engine, url: str, http, folder: Path, clock, units: dict[str, tuple[str, str]],
               catalogue: Path) -> dict:
    """name -> Counter, one desk (number 1) per unit: ``units`` maps a name to the unit's
    agency code and name. The caller closes them."""
    from counter_app.service.counter import Counter

    desks = {}
    for name, (code, unit_name) in units.items():
        desk = Counter.open(folder / f"{name}.db", clock=clock)
        desk.add_officer(**OFFICER, password=PASSWORD)
        desk.sign_in(OFFICER["username"], PASSWORD)
        desk.set_up(**{**AGENCY, "agency_code": code, "agency_name": unit_name}, desk_number=1)
        desk.import_procedures(catalogue)
        with database.writing(engine) as conn:
            enrol_code = enrolment.make_code(conn, code, 1)[0]
        enrol(desk.db, url, enrol_code, http=http, allow_http=True,
              anchor=desk.enrolment_anchor())
        sync_once(desk.db, http=http)
        desks[name] = desk
    return desks


def sync_all(http, *desks) -> None:
    """One round each, in order; every event acknowledged and every row stored."""
    for desk in desks:
        report = sync_once(desk.db, http=http)
        assert report.waiting == 0 and report.pulled.skipped == 0, report
