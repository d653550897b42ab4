"""The province's units (its communes and provincial bodies) reach every desk as reference
data, for a dossier received for another body (issue "receiving for another commune")."""

from __future__ import annotations

import json

from counter_app.domain.units import COMMUNE, PROVINCIAL
from counter_app.server import admin, database
from counter_app.sync import reference
from counter_app.sync.sync_round import sync_once
from tests.sync.conftest import (  # noqa: F401 - fixtures
    _quick_retries,
    enrolled,
    server,
)


def _add(server, code: str, name: str, kind: str) -> None:  # noqa: F811
    with database.writing(server.engine) as conn:
        admin.add_commune(conn, code, name, kind)


def test_a_provincial_body_added_at_the_server_reaches_the_desk(enrolled, server):  # noqa: F811
    a = enrolled("a.db", 1)
    sync_once(a.db, http=server.http)
    assert [(u.code, u.kind) for u in a.units()] == [("000.17.22.H56", COMMUNE)]
    _add(server, "000.00.17.H56", "Sở Tư pháp tỉnh Thanh Hóa", PROVINCIAL)
    _add(server, "000.16.22.H56", "UBND xã Đông Sơn", COMMUNE)
    report = sync_once(a.db, http=server.http)
    assert "units" in report.reference_updated
    units = a.units()
    assert [u.name for u in units] == ["UBND xã Đông Sơn", "UBND xã Quảng Phú",
                                       "Sở Tư pháp tỉnh Thanh Hóa"]  # communes first, by name
    assert units[-1].kind_label == "Cơ quan cấp tỉnh"
    assert "units" not in sync_once(a.db, http=server.http).reference_updated  # unchanged


def test_a_unit_of_the_wrong_shape_is_left_out_not_the_list(enrolled):  # noqa: F811
    a = enrolled("a.db", 1)
    reference.apply_units(a.db, {"version": 7, "units": [
        {"code": "000.00.17.H56", "name": "Sở Tư pháp", "kind": PROVINCIAL},
        {"code": "X" * 65, "name": "quá dài", "kind": COMMUNE},
        {"code": "000.01.17.H56", "name": "Sở Y tế", "kind": "bộ"},
        {"code": 5, "name": "số", "kind": COMMUNE}, "không phải đối tượng"]})
    assert [u.code for u in a.units()] == ["000.00.17.H56"]


def test_the_cli_lists_the_units(enrolled, server, capsys):  # noqa: F811
    from counter_app.cli.main import main

    a = enrolled("a.db", 1)
    _add(server, "000.00.17.H56", "Sở Tư pháp tỉnh Thanh Hóa", PROVINCIAL)
    sync_once(a.db, http=server.http)
    path = a.db.execute("PRAGMA database_list").fetchall()[0][2]
    capsys.readouterr()
    assert main(["--db", path, "units", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert {"code": "000.00.17.H56", "name": "Sở Tư pháp tỉnh Thanh Hóa",
            "kind": PROVINCIAL} in listed
    assert main(["--db", path, "units"]) == 0
    assert "Cơ quan cấp tỉnh  Sở Tư pháp tỉnh Thanh Hóa" in capsys.readouterr().out
