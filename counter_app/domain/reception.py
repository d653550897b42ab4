"""What the officer enters at reception, and its validation (all messages in Vietnamese)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass, field
from enum import IntEnum, StrEnum

from counter_app.domain.citizen_id import citizen_id_problem, normalise_id, tax_code_problem
from counter_app.domain.procedures import DocForm, Procedure
from counter_app.domain.text import clean
from counter_app.domain.units import Unit, competent_problem
from counter_app.domain.working_calendar import WorkingCalendar
from counter_app.errors import ValidationError


class ApplicantKind(StrEnum):
    CITIZEN = "citizen"
    ORGANISATION = "organisation"

    @property
    def label(self) -> str:
        return "Công dân" if self is ApplicantKind.CITIZEN else "Tổ chức"


class Channel(IntEnum):
    """KenhThucHien (docs/law.md §3.1). Online dossiers do not arrive at the desk."""
    IN_PERSON = 1
    ONLINE = 2
    POST = 3

    @property
    def label(self) -> str:
        return {1: "Trực tiếp", 2: "Trực tuyến", 3: "Qua dịch vụ bưu chính"}[self.value]


class ReturnMethod(StrEnum):
    COUNTER = "counter"
    POST = "post"

    @property
    def label(self) -> str:
        return "Tại Bộ phận Một cửa" if self is ReturnMethod.COUNTER else "Qua dịch vụ bưu chính"


@dataclass(frozen=True)
class Applicant:
    kind: ApplicantKind
    full_name: str
    id_number: str
    phone: str = ""
    address: str = ""
    email: str = ""
    birth_date: str = ""  # ISO, from the ID card's QR (or typed); "" when not known
    sex: str = ""         # "Nam" / "Nữ", likewise

    def to_dict(self) -> dict:
        return {**asdict(self), "kind": self.kind.value}


@dataclass(frozen=True)
class ReceivedDocument:
    name: str
    form: DocForm
    count: int
    received: bool = True

    def to_dict(self) -> dict:
        return {**asdict(self), "form": self.form.value}


@dataclass
class ReceptionRequest:
    procedure_code: str
    applicant: dict
    documents: list[dict] | None = None   # None: every required document was received
    sets: int = 1
    channel: int = Channel.IN_PERSON
    return_method: str = ReturnMethod.COUNTER
    return_address: str = ""
    received_at: dt.datetime | None = None
    due_at: dt.datetime | None = None      # the officer's appointment, if not the computed one
    due_change_reason: str = ""
    note: str = ""
    #: Someone submitting for the applicant: name, id_number, phone, authorisation.
    proxy: dict | None = None
    #: The agency code of the body that decides it, when not this one (a procedure received
    #: regardless of boundary, docs/law.md §14); "" = this commune.
    competent_agency: str = ""


@dataclass(frozen=True)
class Proxy:
    """Who submitted the dossier for the applicant (TT 03/2025 Mẫu 01, docs/law.md §21)."""
    name: str
    id_number: str
    phone: str = ""
    authorisation: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class ValidReception:
    procedure: Procedure
    applicant: Applicant
    documents: tuple[ReceivedDocument, ...]
    sets: int
    channel: Channel
    return_method: ReturnMethod
    return_address: str
    received_at: dt.datetime
    computed_due_at: dt.datetime
    due_at: dt.datetime
    due_change_reason: str
    note: str
    proxy: Proxy | None = None
    #: The body that decides it, when another than the receiving one.
    competent: Unit | None = None


@dataclass(frozen=True)
class Reception:
    """Where a reception happens: the receiving unit's agency code and the province's
    units it may receive for (``Counter.units``)."""
    here: str = ""
    units: dict[str, Unit] = field(default_factory=dict)


_PHONE = re.compile(r"^0\d{9,10}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_NAME = re.compile(r"^[^\d@#$%^*_=+<>{}\[\]|\\/~`]+$")


def normalise_phone(value: str) -> str:
    phone = re.sub(r"[ .\-()]", "", clean(value))
    if phone.startswith("+84"):
        phone = "0" + phone[3:]
    return phone


def validate_applicant(data: dict, today: dt.date | None = None) -> tuple[Applicant, dict]:
    errors: dict[str, str] = {}
    try:
        kind = ApplicantKind(clean(data.get("kind")) or "citizen")
    except ValueError:
        kind = ApplicantKind.CITIZEN
        errors["kind"] = "Loại người nộp phải là công dân hoặc tổ chức."
    name = clean(data.get("full_name"))
    if len(name) < 2:
        errors["full_name"] = ("Chưa nhập họ và tên người nộp." if kind is ApplicantKind.CITIZEN
                               else "Chưa nhập tên tổ chức.")
    elif len(name) > 150:
        errors["full_name"] = "Họ tên quá dài (tối đa 150 ký tự)."
    elif kind is ApplicantKind.CITIZEN and not _NAME.match(name):
        errors["full_name"] = "Họ tên không được chứa chữ số hay ký hiệu đặc biệt."
    id_number = normalise_id(data.get("id_number", ""))
    problem = (citizen_id_problem(id_number, today) if kind is ApplicantKind.CITIZEN
               else tax_code_problem(id_number))
    if problem:
        errors["id_number"] = problem
    phone = normalise_phone(data.get("phone", ""))
    if phone and not _PHONE.match(phone):
        errors["phone"] = ("Số điện thoại phải bắt đầu bằng 0 và có 10 chữ số "
                           "(11 với số cố định cũ).")
    email = clean(data.get("email")).lower()
    if email and not _EMAIL.match(email):
        errors["email"] = "Địa chỉ email không hợp lệ."
    address = clean(data.get("address"))
    if len(address) > 300:
        errors["address"] = "Địa chỉ quá dài (tối đa 300 ký tự)."
    if kind is ApplicantKind.CITIZEN and name:
        name = " ".join(w[:1].upper() + w[1:] for w in name.split(" "))
    birth = _birth_date(data.get("birth_date"), today, errors)
    sex = clean(data.get("sex"))
    if sex and sex not in ("Nam", "Nữ"):
        errors["sex"] = "Giới tính phải là Nam hoặc Nữ."
    return Applicant(kind, name, id_number, phone, address, email, birth, sex), errors


def _birth_date(value: object, today: dt.date | None, errors: dict) -> str:
    """ISO text of a birth date given as a date, ISO or dd/mm/yyyy; "" when none."""
    if isinstance(value, dt.date):
        day = value
    else:
        text = clean(value)
        if not text:
            return ""
        try:
            day = (dt.date.fromisoformat(text) if "-" in text
                   else dt.datetime.strptime(text, "%d/%m/%Y").date())
        except ValueError:
            errors["birth_date"] = f"Ngày sinh '{text}' không hợp lệ (dd/mm/yyyy)."
            return ""
    if not dt.date(1900, 1, 1) <= day <= (today or dt.date.today()):
        errors["birth_date"] = f"Ngày sinh {day:%d/%m/%Y} không hợp lệ."
        return ""
    return day.isoformat()


def validate_proxy(data: dict | None, applicant_id: str, today: dt.date,
                   errors: dict) -> Proxy | None:
    """The person submitting for the applicant, or None when nobody was entered."""
    if not data or not any(clean(v) for v in data.values()):
        return None
    name = clean(data.get("name"))
    if len(name) < 2 or len(name) > 150 or not _NAME.match(name):
        errors["proxy_name"] = ("Họ tên người được ủy quyền nộp hồ sơ phải có từ 2 đến 150 "
                                "ký tự, không chứa chữ số hay ký hiệu.")
    id_number = normalise_id(data.get("id_number", ""))
    problem = citizen_id_problem(id_number, today)
    if problem:
        errors["proxy_id_number"] = f"Người được ủy quyền: {problem[:1].lower()}{problem[1:]}"
    elif id_number == applicant_id:
        errors["proxy_id_number"] = ("Người được ủy quyền trùng với người nộp; bỏ trống phần "
                                     "ủy quyền nếu chính người nộp đến nộp hồ sơ.")
    phone = normalise_phone(data.get("phone", ""))
    if phone and not _PHONE.match(phone):
        errors["proxy_phone"] = "Số điện thoại người được ủy quyền phải có 10 chữ số, bắt đầu bằng 0."
    authorisation = clean(data.get("authorisation"))
    if len(authorisation) > 300:
        errors["proxy_authorisation"] = "Thông tin giấy ủy quyền quá dài (tối đa 300 ký tự)."
    if kind_name := name:
        name = " ".join(w[:1].upper() + w[1:] for w in kind_name.split(" "))
    return Proxy(name, id_number, phone, authorisation)


def _documents(procedure: Procedure, given: list[dict] | None, errors: dict,
               required: bool = True) -> tuple:
    if given is None:
        return tuple(ReceivedDocument(d.name, d.form, d.count, True) for d in procedure.documents)
    out = []
    for i, item in enumerate(given, 1):
        name = clean(item.get("name"))
        try:
            form = DocForm(item.get("form", DocForm.ORIGINAL))
            count = int(item.get("count", 1))
        except (ValueError, TypeError):
            errors["documents"] = f"Giấy tờ thứ {i}: hình thức hoặc số lượng không hợp lệ."
            continue
        if not name or not 1 <= count <= 99:
            errors["documents"] = f"Giấy tờ thứ {i}: thiếu tên hoặc số lượng không hợp lệ (1-99)."
            continue
        out.append(ReceivedDocument(name, form, count, bool(item.get("received", True))))
    if (required and procedure.documents and not any(d.received for d in out)
            and "documents" not in errors):
        errors["documents"] = "Chưa đánh dấu giấy tờ nào đã nhận trong thành phần hồ sơ."
    return tuple(out)


def validate_reception(req: ReceptionRequest, procedure: Procedure | None,
                       calendar: WorkingCalendar, now: dt.datetime,
                       refusing: bool = False, where: Reception | None = None
                       ) -> ValidReception:
    """Check every field at once; raise ValidationError listing every problem.

    ``refusing``: the dossier is being refused at reception (Mẫu 03), so missing documents
    are the reason, not an error, and it goes nowhere. ``where``: the receiving unit and the
    units it may receive for (needed only when ``req.competent_agency`` names another)."""
    applicant, errors = validate_applicant(req.applicant, now.date())
    proxy = validate_proxy(req.proxy, applicant.id_number, now.date(), errors)
    if procedure is None:
        errors["procedure"] = (f"Không tìm thấy thủ tục '{clean(req.procedure_code)}'."
                               if clean(req.procedure_code) else "Chưa chọn thủ tục hành chính.")
    try:
        sets = int(req.sets)
    except (TypeError, ValueError):
        sets = 0
    if not 1 <= sets <= 50:
        errors["sets"] = "Số lượng hồ sơ phải từ 1 đến 50 bộ."
    try:
        channel = Channel(int(req.channel))
        if channel is Channel.ONLINE:
            raise ValueError
    except (TypeError, ValueError):
        channel = Channel.IN_PERSON
        errors["channel"] = "Hình thức nộp tại quầy chỉ là trực tiếp hoặc qua bưu chính."
    try:
        return_method = ReturnMethod(req.return_method)
    except ValueError:
        return_method = ReturnMethod.COUNTER
        errors["return_method"] = "Hình thức nhận kết quả phải là tại quầy hoặc qua bưu chính."
    return_address = clean(req.return_address)
    if return_method is ReturnMethod.POST and len(return_address) < 5:
        errors["return_address"] = "Nhận kết quả qua bưu chính thì phải ghi địa chỉ nhận."
    received_at = (req.received_at or now).replace(second=0, microsecond=0, tzinfo=None)
    if received_at > now + dt.timedelta(minutes=5):
        errors["received_at"] = "Thời điểm tiếp nhận không được ở tương lai."
    documents = _documents(procedure, req.documents, errors, not refusing) if procedure else ()
    competent = None
    if procedure is not None and not refusing:
        where = where or Reception()
        competent, problem = competent_problem(req.competent_agency, where.here,
                                               procedure.boundary_free,
                                               procedure.competent_kind, where.units)
        if problem:
            errors["competent_agency"] = problem
    computed = due = received_at
    reason = clean(req.due_change_reason)
    if procedure is not None:
        # For another body too: its time limit runs from this reception (forwarding.py).
        computed = calendar.due_at(received_at, procedure.unit, procedure.value)
        due = (req.due_at or computed).replace(second=0, microsecond=0, tzinfo=None)
        if due < received_at:
            errors["due_at"] = "Ngày hẹn trả không được trước thời điểm tiếp nhận."
        elif not calendar.is_working_day(due.date()):
            errors["due_at"] = (f"Ngày hẹn trả {due:%d/%m/%Y} là ngày nghỉ "
                                f"({calendar.day_info(due.date()).reason}).")
        elif due > computed and len(reason) < 5:
            errors["due_change_reason"] = ("Hẹn trả muộn hơn thời hạn theo quy định "
                                           f"({computed:%H:%M %d/%m/%Y}) phải ghi rõ lý do.")
        if due <= computed:
            reason = "" if due == computed else reason
    if errors:
        raise ValidationError(errors)
    assert procedure is not None
    return ValidReception(procedure, applicant, documents, sets, channel, return_method,
                          return_address, received_at, computed, due, reason, clean(req.note),
                          proxy, competent)
