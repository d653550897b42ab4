"""The status machine of a dossier: which step is allowed from which status, and what each
step's event does to the dossier (``evolve``, a pure function, also used to replay the log).

National statuses (docs/law.md §3.1) are the external contract; the finer state a counter
needs (who holds the dossier, the step deadline, the stopped clock) lives in ``Progress``.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, replace
from enum import StrEnum

from counter_app.domain.statuses import Status
from counter_app.domain.working_calendar import WorkingCalendar
from counter_app.errors import StepNotAllowed

COUNTER_UNIT = "Bộ phận tiếp nhận và trả kết quả"
#: Where a commune's dossiers usually go (offered first when handing over).
COMMON_UNITS = ("Công chức Tư pháp – Hộ tịch", "Công chức Địa chính – Xây dựng",
                "Công chức Văn hóa – Xã hội", "Lãnh đạo UBND xã")


class Step(StrEnum):
    HANDOVER = "handover"
    REQUEST_SUPPLEMENT = "request_supplement"
    RESUME = "resume"
    REQUEST_PAYMENT = "request_payment"
    PAYMENT_RECEIVED = "payment_received"
    REFUSE = "refuse"
    WITHDRAW = "withdraw"
    STOP = "stop"
    APOLOGIZE = "apologize"
    FINISH = "finish"
    REFUSE_ON_MERITS = "refuse_on_merits"
    RETURN = "return"
    #: The paper dossier of a dossier received for another body (docs/law.md §14): sent by
    #: the receiving counter, received by the competent body. Neither changes the status.
    SEND_PAPER = "send_paper"
    RECEIVE_PAPER = "receive_paper"

    @property
    def label(self) -> str:
        return STEP_LABELS[self]


STEP_LABELS = {
    Step.HANDOVER: "Chuyển hồ sơ (bàn giao)",
    Step.REQUEST_SUPPLEMENT: "Yêu cầu bổ sung hồ sơ",
    Step.RESUME: "Nhận bổ sung, tiếp tục giải quyết",
    Step.REQUEST_PAYMENT: "Yêu cầu thực hiện nghĩa vụ tài chính",
    Step.PAYMENT_RECEIVED: "Đã thực hiện nghĩa vụ tài chính",
    Step.REFUSE: "Từ chối tiếp nhận hồ sơ",
    Step.WITHDRAW: "Công dân rút hồ sơ",
    Step.STOP: "Dừng giải quyết theo đề nghị của người nộp",
    Step.APOLOGIZE: "Xin lỗi và hẹn lại ngày trả",
    Step.FINISH: "Đã xử lý xong (có kết quả)",
    Step.REFUSE_ON_MERITS: "Không giải quyết (có văn bản, quyết định của cơ quan có thẩm quyền)",
    Step.RETURN: "Trả kết quả",
    Step.SEND_PAPER: "Gửi hồ sơ giấy đến cơ quan giải quyết",
    Step.RECEIVE_PAPER: "Nhận hồ sơ giấy từ nơi tiếp nhận",
}
EVENT_LABELS = {"received": "Tiếp nhận hồ sơ", **{s.value: s.label for s in Step}}
#: What earlier versions called a refusal (made during processing) and a stop (by the
#: processing officer, for any reason): their events keep those names in the history.
EARLIER_LABELS = {"refuse": "Từ chối giải quyết", "stop": "Dừng xử lý"}


def event_label(kind: str, payload: dict | None = None) -> str:
    """An event's name as the history shows it: the 2025 names for the 2025 steps, the names
    of their time for refusals and stops recorded by earlier versions."""
    payload = payload or {}
    if kind == "attach":  # domain/digitised.py: no step, a record of pages
        return "Số hóa kết quả" if payload.get("result") else "Số hóa giấy tờ"
    if kind == "refuse" and not payload.get("at_reception"):
        return EARLIER_LABELS["refuse"]
    if kind == "stop" and "requested_at" not in payload:
        return EARLIER_LABELS["stop"]
    return EVENT_LABELS.get(kind, kind)

#: Still being worked on: the deadline clock runs.
OPEN = frozenset({Status.RECEIVED, Status.PROCESSING, Status.WAITING_PAYMENT})
#: Not closed yet (the clock is stopped while waiting for a supplement).
ACTIVE = OPEN | {Status.WAITING_SUPPLEMENT}
#: Nothing more can happen to these.
FINAL = frozenset({Status.REFUSED, Status.WITHDRAWN, Status.STOPPED, Status.RETURNED})

ALLOWED_FROM: dict[Step, frozenset[Status]] = {
    Step.HANDOVER: frozenset({Status.RECEIVED, Status.PROCESSING}),
    Step.REQUEST_SUPPLEMENT: frozenset({Status.RECEIVED, Status.PROCESSING}),
    Step.RESUME: frozenset({Status.WAITING_SUPPLEMENT}),
    Step.REQUEST_PAYMENT: frozenset({Status.PROCESSING}),
    Step.PAYMENT_RECEIVED: frozenset({Status.WAITING_PAYMENT}),
    Step.REFUSE: frozenset({Status.RECEIVED, Status.PROCESSING, Status.WAITING_SUPPLEMENT}),
    Step.WITHDRAW: ACTIVE,
    Step.STOP: ACTIVE,
    Step.APOLOGIZE: ACTIVE,
    Step.FINISH: frozenset({Status.RECEIVED, Status.PROCESSING}),
    Step.REFUSE_ON_MERITS: frozenset({Status.RECEIVED, Status.PROCESSING,
                                      Status.WAITING_SUPPLEMENT, Status.WAITING_PAYMENT}),
    Step.RETURN: frozenset({Status.FINISHED}),
    # The paper travels whatever happens to the dossier meanwhile (a result reached from
    # the electronic copy still needs its paper for the archive): any received dossier.
    Step.SEND_PAPER: frozenset(Status) - {Status.SUBMITTED_ONLINE, Status.REFUSED},
    Step.RECEIVE_PAPER: frozenset(Status) - {Status.SUBMITTED_ONLINE, Status.REFUSED},
}
#: Steps that record what happened to the paper, not the dossier's progress.
PAPER_STEPS = frozenset({Step.SEND_PAPER, Step.RECEIVE_PAPER})
#: Steps an officer takes on a received dossier. A refusal (status 3, "Không được tiếp
#: nhận") is made only at reception, before a dossier is received (Counter.refuse_at_
#: reception); its step stays in ALLOWED_FROM so that refusals recorded by earlier
#: versions during processing still replay (docs/law.md §22).
OFFICER_STEPS = tuple(s for s in Step if s is not Step.REFUSE)
REFUSE_ELSEWHERE = ("Từ chối tiếp nhận chỉ làm ở màn hình tiếp nhận, khi chưa tiếp nhận hồ sơ. "
                    "Hồ sơ đã tiếp nhận thì dùng “Không giải quyết (có văn bản, quyết định "
                    "của cơ quan có thẩm quyền)” hoặc, theo đề nghị của người nộp, "
                    "“Dừng giải quyết”.")

_WHY_NOT = {
    Step.RETURN: "Hồ sơ chưa có kết quả (chưa ở trạng thái “Đã xử lý xong”) nên chưa thể trả.",
    Step.RESUME: "Hồ sơ không ở trạng thái chờ bổ sung nên không có gì để tiếp tục.",
    Step.PAYMENT_RECEIVED: "Hồ sơ không chờ thực hiện nghĩa vụ tài chính.",
    Step.REQUEST_PAYMENT: "Chỉ yêu cầu nghĩa vụ tài chính khi hồ sơ đang được xử lý.",
}


REFUSED_OUTCOME = "refused"


class Verdict(StrEnum):
    EARLY = "early"
    ON_TIME = "on_time"
    LATE = "late"

    @property
    def label(self) -> str:
        return {"early": "Trước hạn", "on_time": "Đúng hạn", "late": "Quá hạn"}[self.value]


def timeliness(done: dt.datetime, due: dt.datetime) -> Verdict:
    """Early / on time / late compares dates, not times (docs/law.md §3.2, Tân Dân's rule)."""
    if done.date() < due.date():
        return Verdict.EARLY
    return Verdict.ON_TIME if done.date() == due.date() else Verdict.LATE


def _moment(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def _iso(value: dt.datetime | None, spec: str = "seconds") -> str | None:
    return value.isoformat(timespec=spec) if value else None


@dataclass(frozen=True)
class Progress:
    """The part of a dossier that steps change; stored as columns of ``dossiers``.

    ``due_at`` is the appointment printed on the Mẫu 01 slip, moved only by supplement
    pauses: the one measure of lateness (the verdict, II.06a, the work lists). An apology
    (Mẫu 04) asks the citizen for more time: the date it promises is ``extended_due_at``,
    and a dossier finished after ``due_at`` is late all the same (docs/law.md §15).
    """
    status: Status
    due_at: dt.datetime
    status_at: dt.datetime
    holder: str = COUNTER_UNIT
    holder_person: str = ""
    step_started_at: dt.datetime | None = None
    step_due_at: dt.datetime | None = None
    paused_at: dt.datetime | None = None
    resume_status: Status | None = None
    supplement_rounds: int = 0
    waited_minutes: int = 0
    apologized: bool = False
    finished_at: dt.datetime | None = None
    verdict: Verdict | None = None
    returned_at: dt.datetime | None = None
    rating: str = ""
    closed_reason: str = ""
    extended_due_at: dt.datetime | None = None
    #: "refused": the result is the competent body's refusal (Step.REFUSE_ON_MERITS).
    outcome: str = ""
    #: The paper dossier of a dossier received for another body: when and how the receiving
    #: counter sent it (``PaperMeans``), and when the competent body received it.
    paper_sent_at: dt.datetime | None = None
    paper_by: str = ""
    paper_received_at: dt.datetime | None = None

    @property
    def promised_at(self) -> dt.datetime:
        """The date the citizen was last promised: the apology's, else the slip's."""
        return self.extended_due_at or self.due_at

    @classmethod
    def from_row(cls, row: dict) -> Progress:
        return cls(
            status=Status(row["status"]), due_at=_moment(row["due_at"]),
            status_at=_moment(row["status_at"]), holder=row["holder"],
            holder_person=row["holder_person"],
            step_started_at=_moment(row["step_started_at"]),
            step_due_at=_moment(row["step_due_at"]), paused_at=_moment(row["paused_at"]),
            resume_status=Status(row["resume_status"]) if row["resume_status"] else None,
            supplement_rounds=row["supplement_rounds"], waited_minutes=row["waited_minutes"],
            apologized=bool(row["apologized"]), finished_at=_moment(row["finished_at"]),
            verdict=Verdict(row["verdict"]) if row["verdict"] else None,
            returned_at=_moment(row["returned_at"]), rating=row["rating"],
            closed_reason=row["closed_reason"],
            extended_due_at=_moment(row.get("extended_due_at")),
            outcome=row.get("outcome") or "",
            paper_sent_at=_moment(row.get("paper_sent_at")),
            paper_by=row.get("paper_by") or "",
            paper_received_at=_moment(row.get("paper_received_at")))

    def to_columns(self) -> dict:
        return {
            "status": int(self.status), "due_at": _iso(self.due_at, "minutes"),
            "status_at": _iso(self.status_at), "holder": self.holder,
            "holder_person": self.holder_person,
            "step_started_at": _iso(self.step_started_at),
            "step_due_at": _iso(self.step_due_at, "minutes"),
            "paused_at": _iso(self.paused_at),
            "resume_status": int(self.resume_status) if self.resume_status else None,
            "supplement_rounds": self.supplement_rounds, "waited_minutes": self.waited_minutes,
            "apologized": int(self.apologized), "finished_at": _iso(self.finished_at),
            "verdict": self.verdict.value if self.verdict else None,
            "returned_at": _iso(self.returned_at), "rating": self.rating,
            "closed_reason": self.closed_reason,
            "extended_due_at": _iso(self.extended_due_at, "minutes"),
            "outcome": self.outcome,
            "paper_sent_at": _iso(self.paper_sent_at),
            "paper_by": self.paper_by,
            "paper_received_at": _iso(self.paper_received_at),
        }


def initial(received_at: dt.datetime, due_at: dt.datetime,
            transfer_due_at: dt.datetime) -> Progress:
    """A dossier just received: at the counter, which must pass it on by ``transfer_due_at``."""
    return Progress(status=Status.RECEIVED, due_at=due_at, status_at=received_at,
                    step_started_at=received_at, step_due_at=transfer_due_at)


def allowed_steps(p: Progress) -> list[Step]:
    """The steps an officer may take now (refusal is a reception matter, not a step)."""
    steps = [s for s in OFFICER_STEPS if p.status in ALLOWED_FROM[s]]
    if p.apologized and Step.APOLOGIZE in steps:
        steps.remove(Step.APOLOGIZE)
    if p.paper_sent_at is not None and Step.SEND_PAPER in steps:
        steps.remove(Step.SEND_PAPER)
    if p.paper_received_at is not None and Step.RECEIVE_PAPER in steps:
        steps.remove(Step.RECEIVE_PAPER)
    return steps


_NEXT = {
    Status.RECEIVED: Step.HANDOVER, Status.PROCESSING: Step.FINISH,
    Status.WAITING_SUPPLEMENT: Step.RESUME, Status.WAITING_PAYMENT: Step.PAYMENT_RECEIVED,
    Status.FINISHED: Step.RETURN,
}


def suggested_step(p: Progress) -> Step | None:
    """The step a dossier usually takes next (what a scanned slip opens ready for)."""
    return _NEXT.get(p.status)


def check_allowed(step: Step, p: Progress) -> None:
    """Raise ``StepNotAllowed`` with the reason an officer can act on."""
    if p.status not in ALLOWED_FROM[step]:
        if p.status in FINAL:
            reason = (f"Hồ sơ đã kết thúc ở trạng thái “{p.status.label}”; "
                      "không thể thực hiện thêm bước nào.")
        else:
            reason = _WHY_NOT.get(step) or (
                f"Không thể “{step.label}” khi hồ sơ đang ở trạng thái “{p.status.label}”.")
        raise StepNotAllowed(reason, step.value, int(p.status))
    if step is Step.SEND_PAPER and p.paper_sent_at is not None:
        raise StepNotAllowed(f"Hồ sơ giấy đã được gửi lúc {p.paper_sent_at:%H:%M %d/%m/%Y}.",
                             step.value, int(p.status))
    if step is Step.RECEIVE_PAPER and p.paper_received_at is not None:
        raise StepNotAllowed("Hồ sơ giấy đã được nhận lúc "
                             f"{p.paper_received_at:%H:%M %d/%m/%Y}.", step.value,
                             int(p.status))
    if step is Step.APOLOGIZE and p.apologized:
        raise StepNotAllowed("Hồ sơ này đã được xin lỗi và hẹn lại một lần; "
                             "theo quy định chỉ được hẹn lại một lần.", step.value, int(p.status))


def _resumed_deadlines(p: Progress, payload: dict) -> tuple[dt.datetime, dt.datetime | None]:
    """Both deadlines after a supplement pause.

    Since the 2025 rule a resume event carries both: ``new_due_at`` (the slip's) and
    ``new_extended_due_at`` (the apology's, None when the resuming desk knew of none). When
    the apology was made on another desk that the resuming one had not yet heard of, the
    apology's date is moved here by the same working time. An event of an earlier version
    has no ``new_extended_due_at`` key; made after an apology, its ``new_due_at`` is the
    apology's date moved, and the slip's deadline is moved here instead. Both moves use the
    national calendar and standard office hours (``standard_calendar``): replay must
    give the same answer on every desk and on the server, whatever their local days off.
    """
    new_due = _moment(payload["new_due_at"])
    if p.extended_due_at is None:
        return new_due, None
    waited = int(payload.get("waited_minutes") or 0)
    if "new_extended_due_at" in payload:
        extended = _moment(payload["new_extended_due_at"])
        return new_due, extended or standard_calendar().shift_deadline(p.extended_due_at, waited)
    return standard_calendar().shift_deadline(p.due_at, waited), new_due


@functools.cache
def standard_calendar() -> WorkingCalendar:
    """The national calendar with standard office hours, the same everywhere."""
    return WorkingCalendar()


def evolve(p: Progress, kind: str, payload: dict) -> Progress:
    """Apply one recorded event. Deterministic: replaying the log rebuilds the dossier."""
    at = dt.datetime.fromisoformat(payload["at"])
    step = Step(kind)
    if step is Step.HANDOVER:
        return replace(p, status=Status.PROCESSING, status_at=at if
                       p.status is not Status.PROCESSING else p.status_at,
                       holder=payload["to_unit"], holder_person=payload.get("to_person", ""),
                       step_started_at=at, step_due_at=_moment(payload.get("step_due_at")))
    if step is Step.REQUEST_SUPPLEMENT:
        return replace(p, status=Status.WAITING_SUPPLEMENT, status_at=at, paused_at=at,
                       resume_status=p.status, supplement_rounds=p.supplement_rounds + 1)
    if step is Step.RESUME:
        due, extended = _resumed_deadlines(p, payload)
        return replace(p, status=p.resume_status or Status.PROCESSING, status_at=at,
                       paused_at=None, resume_status=None,
                       waited_minutes=p.waited_minutes + payload["waited_minutes"],
                       due_at=due, extended_due_at=extended,
                       step_due_at=_moment(payload.get("new_step_due_at")))
    if step is Step.REQUEST_PAYMENT:
        return replace(p, status=Status.WAITING_PAYMENT, status_at=at)
    if step is Step.PAYMENT_RECEIVED:
        return replace(p, status=Status.PROCESSING, status_at=at)
    if step in (Step.REFUSE, Step.WITHDRAW, Step.STOP):
        target = {Step.REFUSE: Status.REFUSED, Step.WITHDRAW: Status.WITHDRAWN,
                  Step.STOP: Status.STOPPED}[step]
        return replace(p, status=target, status_at=at, paused_at=None, resume_status=None,
                       closed_reason=payload["reason"])
    if step is Step.APOLOGIZE:  # the slip's deadline stays the measure of lateness
        return replace(p, apologized=True, extended_due_at=_moment(payload["new_due_at"]))
    if step is Step.FINISH:
        finished = dt.datetime.fromisoformat(payload["finished_at"])
        # Judged here against the slip's deadline, not taken from the payload: events of
        # versions before 2025's rule judged an apologised dossier by the apology's date.
        return replace(p, status=Status.FINISHED, status_at=at, finished_at=finished,
                       verdict=timeliness(finished, p.due_at), holder=COUNTER_UNIT,
                       holder_person="", step_started_at=finished, step_due_at=None)
    if step is Step.REFUSE_ON_MERITS:  # a result: the body's refusal, judged like one
        decided = dt.datetime.fromisoformat(payload["decided_at"])
        return replace(p, status=Status.FINISHED, status_at=at, finished_at=decided,
                       verdict=timeliness(decided, p.due_at), holder=COUNTER_UNIT,
                       holder_person="", step_started_at=decided, step_due_at=None,
                       paused_at=None, resume_status=None, outcome=REFUSED_OUTCOME,
                       closed_reason=payload["reason"])
    if step is Step.SEND_PAPER:
        return replace(p, paper_sent_at=at, paper_by=payload["by"])
    if step is Step.RECEIVE_PAPER:
        return replace(p, paper_received_at=at)
    if step is Step.RETURN:
        return replace(p, status=Status.RETURNED, status_at=at, returned_at=at,
                       rating=payload.get("rating", ""))
    raise AssertionError(step)  # pragma: no cover - every Step is handled above
