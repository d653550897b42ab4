"""Which kind of body decides a procedure (domain/units.py), read from the catalogue's
"Cơ quan thực hiện", and the province's list read with that column."""

from __future__ import annotations

import pytest

from counter_app.domain.units import COMMUNE, PROVINCIAL, competent_kind
from tests.core.test_catalogue_import import write_csv


@pytest.mark.parametrize(("authority", "kind"), [
    ("UBND cấp xã", COMMUNE), ("Chủ tịch UBND xã", COMMUNE), ("", COMMUNE),
    ("Bộ phận tiếp nhận hồ sơ", COMMUNE),  # "hồ sơ" is not "Sở"
    ("Sở Tư pháp", PROVINCIAL), ("sở y tế", PROVINCIAL), ("UBND cấp tỉnh", PROVINCIAL),
    ("UBND tỉnh Thanh Hóa", PROVINCIAL), ("Công an tỉnh", PROVINCIAL),
    ("UBND cấp xã; Sở Nông nghiệp và Môi trường", PROVINCIAL)])
def test_the_kind_of_body_is_read_from_the_authority(authority, kind):
    assert competent_kind(authority) == kind


def test_the_bundled_catalogue_is_the_communes(desk):
    assert {p.competent_kind for p in desk.procedures()} == {COMMUNE}


def test_a_provinces_list_names_the_deciding_body(desk, tmp_path):
    path = write_csv(tmp_path / "ds.csv", [
        ["Mã thủ tục", "Lĩnh vực", "Tên thủ tục", "Đơn vị", "Thời hạn", "Cơ quan thực hiện",
         "Phi địa giới"],
        ["1.999101", "Hộ tịch", "Cấp bản sao trích lục hộ tịch", "ngày làm việc", "1",
         "UBND cấp xã", "Có"],
        ["1.999102", "Tư pháp", "Cấp phiếu lý lịch tư pháp", "ngày làm việc", "10",
         "Sở Tư pháp", "Có"]])
    assert desk.import_procedures(path) == 2
    commune, province = desk.procedure("1.999101"), desk.procedure("1.999102")
    assert (commune.competent_kind, commune.boundary_free) == (COMMUNE, True)
    assert (province.competent_kind, province.authority) == (PROVINCIAL, "Sở Tư pháp")
