"""The district's read-only API (viewer tokens): search, counts, communes and desks."""

from __future__ import annotations

from counter_app.domain.lifecycle import Step
from tests.server.conftest import AGENCY_CODE, OTHER_CODE


def _fill(enrolled, make_request):
    a, b = enrolled("a.db", desk=1), enrolled("b.db", commune=OTHER_CODE)
    a.counter.receive(make_request(applicant={"full_name": "Nguyễn Văn Đức",
                                              "id_number": "001203012345"}))
    code = a.counter.receive(make_request()).code
    a.counter.step(code, Step.HANDOVER, {"to_unit": "Công chức Tư pháp"})
    a.counter.step(code, Step.FINISH, {"result": "Giấy khai sinh"})
    b.counter.receive(make_request(applicant={"full_name": "Nguyễn Văn An",
                                              "id_number": "001203054321"}))
    assert a.push().status_code == 200 and b.push().status_code == 200
    return a, b


def test_search_ignores_diacritics(enrolled, make_request, viewer_token):
    a, _ = _fill(enrolled, make_request)
    viewer = {"Authorization": f"Bearer {viewer_token}"}
    found = a.client.get("/v1/district/dossiers?q=nguyen van", headers=viewer).json()
    assert found["total"] == 2
    assert {d["applicant_name"] for d in found["dossiers"]} == {"Nguyễn Văn Đức",
                                                                "Nguyễn Văn An"}
    assert "procedure_snapshot" not in found["dossiers"][0]
    one = a.client.get(f"/v1/district/dossiers?q=DUC&commune={AGENCY_CODE}",
                       headers=viewer).json()
    assert one["total"] == 1 and one["dossiers"][0]["commune"] == AGENCY_CODE
    done = a.client.get("/v1/district/dossiers?status=9&limit=1", headers=viewer).json()
    assert done["total"] == 1 and done["dossiers"][0]["status"] == 9
    assert a.client.get("/v1/district/dossiers?status=11", headers=viewer).status_code == 400


def test_counts_and_communes(enrolled, make_request, viewer_token):
    a, _ = _fill(enrolled, make_request)
    viewer = {"Authorization": f"Bearer {viewer_token}"}
    data = a.client.get("/v1/district/counts?from=2026-03-01&to=2026-03-31",
                        headers=viewer).json()
    mine = next(c for c in data["communes"] if c["code"] == AGENCY_CODE)
    assert mine["received"] == 2 and mine["by_status"] == {"2": 1, "9": 1}
    assert mine["finished_early"] + mine["finished_on_time"] + mine["finished_late"] == 1
    assert mine["open_now"] == 1
    assert mine["desks"][0]["desk_id"] == a.desk_id
    assert mine["desks"][0]["clock_offset_s"] is not None
    empty = a.client.get("/v1/district/counts?from=2025-01-01&to=2025-01-31",
                         headers=viewer).json()
    assert all(c["received"] == 0 for c in empty["communes"])
    bad = a.client.get("/v1/district/counts?from=2026-13-01", headers=viewer)
    assert bad.status_code == 400
    communes = a.client.get("/v1/district/communes", headers=viewer).json()["communes"]
    assert [c["code"] for c in communes] == sorted([AGENCY_CODE, OTHER_CODE])
    assert all(len(c["desks"]) == 1 for c in communes)


def test_the_district_sees_what_each_desk_still_has_to_send(enrolled, make_request,
                                                             viewer_token):
    d = enrolled("a.db")
    for _ in range(3):
        d.counter.receive(make_request())
    events = d.events()
    assert d.push(events[:1], waiting=3).status_code == 200  # 2 left after this batch
    desks = d.client.get("/v1/district/communes",
                         headers={"Authorization": f"Bearer {viewer_token}"}).json()
    [desk] = [x for c in desks["communes"] for x in c["desks"]]
    assert desk["waiting"] == 2
