"""The province's units a dossier can go to: its communes (xã, phường, đặc khu) and its
provincial bodies (sở, ban, ngành), each known by its agency code (docs/law.md §14).

The server keeps the list (``counter-server communes add CODE NAME [--provincial]``) and
every desk receives it as reference data. Which kind of body decides a procedure comes
from the catalogue's "Cơ quan thực hiện" (``competent_kind``).
"""

from __future__ import annotations

from dataclasses import dataclass

from counter_app.domain.text import clean, fold

COMMUNE, PROVINCIAL = "commune", "provincial"
UNIT_KINDS = (COMMUNE, PROVINCIAL)
KIND_LABELS = {COMMUNE: "Xã, phường", PROVINCIAL: "Cơ quan cấp tỉnh"}
#: Words of a "Cơ quan thực hiện" that name a provincial body [not law: the program's
#: reading of the provinces' published lists, where the column reads e.g. "Sở Tư pháp",
#: "UBND cấp tỉnh", "Công an tỉnh"]. "Sở" counts only as the first word of a body's name
#: (so that "hồ sơ" does not).
_PROVINCIAL_WORDS = ("cap tinh", "ubnd tinh", "uy ban nhan dan tinh", "cong an tinh",
                     "chi cuc")


@dataclass(frozen=True)
class Unit:
    code: str   # the agency code (mã định danh)
    name: str
    kind: str   # COMMUNE or PROVINCIAL

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    def to_dict(self) -> dict:
        return {"code": self.code, "name": self.name, "kind": self.kind}


def competent_kind(authority: str) -> str:
    """COMMUNE or PROVINCIAL: which kind of body decides a procedure whose "Cơ quan thực
    hiện" is ``authority`` (several bodies may be listed, split by "," or ";"). Anything
    that does not name a provincial body is the commune's (the bundled catalogue is the
    commune's list: "UBND cấp xã")."""
    for body in fold(authority).replace(";", ",").split(","):
        words = body.split()
        text = " ".join(words)
        if words[:1] == ["so"] or any(w in text for w in _PROVINCIAL_WORDS):
            return PROVINCIAL
    return COMMUNE


def competent_problem(code: str, here: str, boundary_free: bool | None, kind: str,
                      units: dict[str, Unit]) -> tuple[Unit | None, str | None]:
    """(the competent body, None) for a dossier of a procedure decided by a body of
    ``kind`` and received at ``here`` for the unit ``code``; (None, None) when this unit
    decides it itself ("" or its own code); (None, reason in Vietnamese) when it may not
    go there."""
    code = clean(code).upper().replace(" ", "")
    if not code or code == here:
        return None, None
    if boundary_free is not True:
        return None, ("Thủ tục này không có trong danh mục thủ tục tiếp nhận không phụ thuộc "
                      "địa giới hành chính của tỉnh, nên chỉ tiếp nhận để cơ quan này giải "
                      "quyết. Nếu tỉnh đã công bố, hãy nhập danh mục của tỉnh (cột “Phi địa "
                      "giới”).")
    unit = units.get(code)
    if unit is None:
        return None, (f"Không có đơn vị mã {code} trong danh sách đơn vị của tỉnh trên máy "
                      "này. Đồng bộ với máy chủ để cập nhật danh sách, rồi chọn lại.")
    if unit.kind != kind:
        return None, (f"Thủ tục này do {KIND_LABELS.get(kind, kind).lower()} giải quyết; "
                      f"{unit.name} là {unit.kind_label.lower()}.")
    return unit, None
