"""The citizens' evaluation of the period (docs/law.md §5.2) and the inputs the program has for
the service index of QĐ 766/QĐ-TTg (docs/law.md §5.3).

**Counted**: the dossiers *returned to the citizen* in the period (status 10, the date of
``returned_at`` in ``[start, end]``, both days included). Each has the rating the citizen
gave at the return step (``dossiers.rating``: Rất hài lòng / Hài lòng / Không hài lòng, or
none) and the timeliness of its processing (``dossiers.verdict``, set at finish by comparing
dates, docs/law.md §3.2; early and on time are both "đúng hạn" here, the date comparison is
repeated when a verdict is missing, as in II.06a).

- ``overall``, ``by_procedure`` (the catalogue's name, else the dossier's; Vietnamese order)
  and ``by_officer``: the officer who recorded the return step (``events.kind = 'return'``,
  ``events.officer``: a username, in older databases the full name), shown by
  ``officers.full_name``, else as recorded. Should a dossier carry two return events (two
  desks before a sync settled it), the one with the higher desk sequence number counts.
- ``service_index``: QĐ 766 has five groups whose maximum points docs/law.md §5.3 gives
  [Xác nhận] (``QD766_GROUPS``), but not the formulas of the sub-indicators. So these are
  **the program's inputs** (shares it can count, with their numerator and denominator), one
  line per input, and, with no value, the inputs it does not record — never a score:
  - Tiến độ: dossiers with a result (statuses 9/10) finished in the period, early or on time
    over all of them, by II.06a's rules (cols 7-10 without the refused/withdrawn/stopped
    dossiers II.06a files under "đúng hạn");
  - Cung cấp dịch vụ trực tuyến: dossiers received online in the period (II.06a col4) over
    all received in the period (col4 + col5);
  - Mức độ hài lòng: Rất hài lòng + Hài lòng over the rated returns;
  - Số hóa hồ sơ: digitised at reception, reused, results digitised
    (``reports/digitisation.py``, whose docstring sets out which dossiers and documents).

One SQL aggregate over the returned dossiers (grouped by procedure, returning officer,
rating and timeliness) plus ``ii06a.compute`` for the period's received/resolved totals and
``digitisation.compute`` for the digitised documents.
The desk's SQLite only (``json_extract``, ``rowid``): not the server's PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import NamedTuple

from counter_app.domain.step_requests import Rating
from counter_app.domain.text import sort_key
from counter_app.reports import digitisation, ii06a
from counter_app.reports.digitisation import Digitisation
from counter_app.reports.periods import Period

#: QĐ 766 groups and their maximum points (docs/law.md §5.3 [Xác nhận]); shown, never scored.
QD766_GROUPS = (("Công khai, minh bạch", 18), ("Tiến độ, kết quả giải quyết", 20),
                ("Số hóa hồ sơ", 22), ("Cung cấp dịch vụ trực tuyến", 22),
                ("Mức độ hài lòng", 18))
PUBLICITY, PROGRESS, DIGITISATION, ONLINE, SATISFACTION = (g for g, _ in QD766_GROUPS)

LEVELS = ("very_satisfied", "satisfied", "not_satisfied", "not_rated")
LEVEL_LABELS = {**{r.value: r.label for r in Rating}, "not_rated": "Chưa đánh giá"}
UNKNOWN_OFFICER = "Không rõ người trả"


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass
class RatingCounts:
    """Returned dossiers by the citizen's rating and by the timeliness of their processing."""
    very_satisfied: int = 0
    satisfied: int = 0
    not_satisfied: int = 0
    not_rated: int = 0
    returned: int = 0
    on_time: int = 0   # early or on time
    late: int = 0

    @property
    def rated(self) -> int:
        return self.very_satisfied + self.satisfied + self.not_satisfied

    @property
    def satisfied_share(self) -> float | None:
        """(Rất hài lòng + Hài lòng) / rated; None when nobody rated."""
        return _share(self.very_satisfied + self.satisfied, self.rated)

    @property
    def on_time_share(self) -> float | None:
        return _share(self.on_time, self.returned)

    def count(self, level: str, timely: bool, n: int) -> None:
        setattr(self, level, getattr(self, level) + n)
        self.returned += n
        if timely:
            self.on_time += n
        else:
            self.late += n

    def to_dict(self) -> dict:
        return {"very_satisfied": self.very_satisfied, "satisfied": self.satisfied,
                "not_satisfied": self.not_satisfied, "not_rated": self.not_rated,
                "rated": self.rated, "returned": self.returned, "on_time": self.on_time,
                "late": self.late, "satisfied_share": self.satisfied_share,
                "on_time_share": self.on_time_share}


class ProcedureRatings(NamedTuple):
    code: str
    name: str
    counts: RatingCounts


class OfficerRatings(NamedTuple):
    username: str
    name: str
    counts: RatingCounts


@dataclass(frozen=True)
class IndexInput:
    """One input of a QĐ 766 group: a share with its parts, or None where not recorded."""
    group: str
    name: str
    value: float | None
    numerator: int | None
    denominator: int | None
    note: str = ""

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class Evaluation:
    period: Period
    overall: RatingCounts
    by_procedure: list[ProcedureRatings] = field(default_factory=list)
    by_officer: list[OfficerRatings] = field(default_factory=list)
    service_index: list[IndexInput] = field(default_factory=list)
    digitisation: Digitisation = field(default_factory=Digitisation)

    def to_dict(self) -> dict:
        return {
            "period": self.period.to_dict(), "overall": self.overall.to_dict(),
            "digitisation": self.digitisation.to_dict(),
            "by_procedure": [{"code": c, "name": n, **r.to_dict()}
                             for c, n, r in self.by_procedure],
            "by_officer": [{"username": u, "name": n, **r.to_dict()}
                           for u, n, r in self.by_officer],
            "service_index": [i.to_dict() for i in self.service_index],
            "groups": [{"group": g, "max_points": p} for g, p in QD766_GROUPS]}


# The return event of each dossier returned in the period: walking its events newest first
# in the (dossier_id, desk_seq) index, the first one read is nearly always it.
_SQL = """
SELECT d.procedure_code, coalesce(e.officer, ''),
       CASE WHEN d.rating IN ('very_satisfied', 'satisfied', 'not_satisfied')
            THEN d.rating ELSE 'not_rated' END,
       CASE coalesce(d.verdict, CASE WHEN substr(d.finished_at, 1, 10)
                                          <= substr(d.due_at, 1, 10) THEN 'on_time' END)
            WHEN 'early' THEN 1 WHEN 'on_time' THEN 1 ELSE 0 END,
       coalesce(json_extract(e.payload, '$.fee_vnd'), 0) > 0,
       coalesce(json_extract(e.payload, '$.comment'), '') <> '',
       count(*)
FROM dossiers d
LEFT JOIN events e ON e.rowid = (SELECT x.rowid FROM events x WHERE x.dossier_id = d.id
                                 AND x.kind = 'return' ORDER BY x.desk_seq DESC LIMIT 1)
WHERE +d.status = 10 AND d.returned_at >= :start AND d.returned_at < :next
GROUP BY 1, 2, 3, 4, 5, 6
"""


def _bounds(period: Period) -> dict:
    return {"start": period.start.isoformat(),
            "next": (period.end + dt.timedelta(days=1)).isoformat()}


def _officer_names(db, usernames: list[str]) -> dict[str, str]:
    marks = ", ".join("?" * len(usernames))
    rows = db.execute(f"SELECT username, full_name FROM officers WHERE username IN ({marks})",
                      usernames).fetchall() if usernames else []
    found = {u: n for u, n in rows if n}
    return {u: found.get(u) or u or UNKNOWN_OFFICER for u in usernames}


def summarise(db, period: Period) -> Evaluation:
    """The evaluation of ``period`` over ``db`` (a sqlite-utils Database or a sqlite3
    connection)."""
    overall = RatingCounts()
    per_code: dict[str, RatingCounts] = {}
    per_officer: dict[str, RatingCounts] = {}
    fee_paid = commented = 0
    for code, officer, level, timely, fee, comment, n in db.execute(
            _SQL, _bounds(period)).fetchall():
        for counts in (overall, per_code.setdefault(code, RatingCounts()),
                       per_officer.setdefault(officer, RatingCounts())):
            counts.count(level, bool(timely), n)
        fee_paid += n if fee else 0
        commented += n if comment else 0
    procedures = ii06a.procedure_names(db, list(per_code))
    by_procedure = sorted((ProcedureRatings(c, procedures[c][1], r) for c, r in per_code.items()),
                          key=lambda p: (sort_key(p.name), p.code))
    names = _officer_names(db, list(per_officer))
    by_officer = sorted((OfficerRatings(u, names[u], r) for u, r in per_officer.items()),
                        key=lambda o: (sort_key(o.name), o.username))
    digitised = digitisation.compute(db, period)
    index = service_index(ii06a.compute(db, period).total, overall, fee_paid, commented,
                          digitised)
    return Evaluation(period, overall, by_procedure, by_officer, index, digitised)


def _of(part: int, whole: int) -> str:
    return f"{part}/{whole}"


def digitisation_inputs(d: Digitisation) -> list[IndexInput]:
    """The three inputs of "Số hóa hồ sơ" (reports/digitisation.py), in the group's order:
    at reception, reuse, results. Also the dashboard's and the XLSX's wording."""
    nothing = d.received - d.to_digitise
    reception_note = (
        "Hồ sơ tiếp nhận trực tiếp hoặc qua bưu chính trong kỳ tại Bộ phận một cửa này có "
        "mọi giấy tờ phải số hóa đã được số hóa, trên số hồ sơ có giấy tờ phải số hóa. "
        "Giấy tờ phải số hóa: giấy tờ đã nhận, trừ giấy tờ chỉ xuất trình. Giấy tờ đã số "
        f"hóa: {_of(d.documents_digitised, d.documents)}.")
    if nothing:
        reception_note += (f" Không tính {nothing} hồ sơ không có giấy tờ phải số hóa "
                           "(chỉ xuất trình).")
    return [
        IndexInput(DIGITISATION, "Số hóa thành phần hồ sơ khi tiếp nhận",
                   d.reception_share, d.complete, d.to_digitise, reception_note),
        IndexInput(DIGITISATION, "Tái sử dụng giấy tờ, dữ liệu đã số hóa", d.reuse_share,
                   d.reused_dossiers, d.received,
                   "Hồ sơ tiếp nhận trực tiếp hoặc qua bưu chính trong kỳ tại Bộ phận một "
                   "cửa này có ít nhất một giấy tờ dùng lại bản số hóa từ hồ sơ trước của "
                   "cùng người nộp, trên tổng số hồ sơ đó; "
                   f"{d.reused_documents} giấy tờ được dùng lại."),
        IndexInput(DIGITISATION, "Số hóa kết quả giải quyết", d.result_share,
                   d.results_digitised, d.with_result,
                   "Hồ sơ đã có kết quả (đã xử lý xong, đã trả) kết thúc xử lý trong kỳ có "
                   "kết quả giải quyết đã được số hóa, trên tổng số hồ sơ đó."),
    ]


def service_index(total: ii06a.Row, overall: RatingCounts, fee_paid: int,
                  commented: int, digitised: Digitisation) -> list[IndexInput]:
    """The QĐ 766 inputs, in the groups' order (see the module docstring)."""
    with_result = total.resolved_total - total.closed_without_result
    timely = total.resolved_early + total.resolved_on_time - total.closed_without_result
    received = total.received_online + total.received_direct
    liked = overall.very_satisfied + overall.satisfied
    not_recorded = "Chương trình chưa ghi nhận "
    return [
        IndexInput(PUBLICITY, "Công khai, cập nhật thủ tục hành chính", None, None, None,
                   not_recorded + "việc công bố, niêm yết và đăng tải thủ tục hành chính "
                   "trên Cổng Dịch vụ công; danh mục thủ tục trong chương trình chỉ dùng "
                   "để tiếp nhận hồ sơ."),
        IndexInput(PROGRESS, "Hồ sơ giải quyết đúng hạn", _share(timely, with_result),
                   timely, with_result,
                   "Hồ sơ đã có kết quả (đã xử lý xong, đã trả) kết thúc xử lý trong kỳ; "
                   "trước hạn và đúng hạn trên tổng số, theo cách tính cột 7–10 mẫu II.06a. "
                   f"Không tính {total.closed_without_result} hồ sơ rút hoặc dừng "
                   "xử lý mà mẫu II.06a xếp vào cột “đúng hạn”."),
        *digitisation_inputs(digitised),
        IndexInput(ONLINE, "Hồ sơ tiếp nhận trực tuyến",
                   _share(total.received_online, received), total.received_online, received,
                   "Hồ sơ tiếp nhận trong kỳ qua kênh trực tuyến trên tổng số hồ sơ tiếp "
                   "nhận trong kỳ (cột 4 trên cột 4 + cột 5 mẫu II.06a)."),
        IndexInput(ONLINE, "Thanh toán trực tuyến", None, None, None,
                   not_recorded + "hình thức thanh toán (trực tuyến hay nộp trực tiếp); chỉ "
                   "ghi số tiền phí, lệ phí và số biên lai khi trả kết quả: "
                   f"{_of(fee_paid, overall.returned)} hồ sơ trả trong kỳ có thu phí, lệ phí."),
        IndexInput(SATISFACTION, "Hài lòng về tiếp nhận, giải quyết thủ tục hành chính",
                   overall.satisfied_share, liked, overall.rated,
                   "Rất hài lòng và Hài lòng trên số hồ sơ được người dân đánh giá khi trả "
                   f"kết quả trong kỳ ({_of(overall.rated, overall.returned)} hồ sơ trả "
                   "có đánh giá)."),
        IndexInput(SATISFACTION, "Xử lý phản ánh, kiến nghị đúng hạn", None, None, None,
                   not_recorded + "việc tiếp nhận, xử lý phản ánh, kiến nghị và thời hạn xử "
                   "lý; chỉ ghi ý kiến của người dân khi trả kết quả: "
                   f"{_of(commented, overall.returned)} hồ sơ trả trong kỳ có ý kiến."),
        IndexInput(SATISFACTION, "Hài lòng về việc xử lý phản ánh, kiến nghị", None, None,
                   None, not_recorded + "đánh giá của người dân về việc xử lý phản ánh, "
                   "kiến nghị."),
    ]
