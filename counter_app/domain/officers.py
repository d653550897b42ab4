"""Officer accounts: who they are, what they may do, and the checks on what is typed in.

Passwords never appear here in clear beyond validation; ``counter_app.accounts.passwords`` hashes
them (argon2id) and only the hash is stored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from counter_app.domain.roles import Role
from counter_app.domain.text import clean
from counter_app.errors import ValidationError

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,31}$")
MIN_PASSWORD = 8
MAX_PASSWORD = 128
MAX_TEXT = 100


@dataclass(frozen=True)
class Officer:
    username: str
    full_name: str
    title: str = ""  # chức danh, printed under the signature on the forms
    roles: frozenset[Role] = field(default_factory=frozenset)
    active: bool = True

    @property
    def roles_label(self) -> str:
        return ", ".join(r.label for r in Role if r in self.roles)

    def to_dict(self) -> dict:
        return {"username": self.username, "full_name": self.full_name, "title": self.title,
                "roles": [r.value for r in Role if r in self.roles], "active": self.active}


def normalise_username(value: object) -> str:
    return clean(value).lower()


def check_password(password: object, field_name: str = "password") -> str:
    """The password as typed (never trimmed or normalised beyond NFC: spaces count)."""
    import unicodedata

    text = unicodedata.normalize("NFC", str(password or ""))
    if len(text) < MIN_PASSWORD:
        raise ValidationError({field_name: f"Mật khẩu phải có ít nhất {MIN_PASSWORD} ký tự."})
    if len(text) > MAX_PASSWORD:
        raise ValidationError({field_name: f"Mật khẩu dài quá {MAX_PASSWORD} ký tự."})
    return text


def parse_roles(values: object) -> frozenset[Role]:
    if isinstance(values, str):
        values = [v for v in re.split(r"[,\s]+", values) if v]
    roles = set()
    for value in values or []:
        try:
            roles.add(Role(str(value).strip().lower()))
        except ValueError:
            known = ", ".join(r.value for r in Role)
            raise ValidationError(
                {"roles": f"Vai trò '{value}' không có (chọn trong: {known})."}) from None
    return frozenset(roles)


def validate_officer(username: object, full_name: object, title: object,
                     roles: object) -> Officer:
    """Every problem at once, in Vietnamese."""
    errors: dict[str, str] = {}
    user = normalise_username(username)
    if not USERNAME.match(user):
        errors["username"] = ("Tên đăng nhập gồm 3–32 ký tự: chữ không dấu, số, dấu chấm, "
                              "gạch dưới hoặc gạch ngang, bắt đầu bằng chữ hoặc số.")
    name = clean(full_name)
    if not name:
        errors["full_name"] = "Chưa nhập họ và tên cán bộ."
    elif len(name) > MAX_TEXT:
        errors["full_name"] = f"Họ và tên dài quá {MAX_TEXT} ký tự."
    job = clean(title)
    if len(job) > MAX_TEXT:
        errors["title"] = f"Chức danh dài quá {MAX_TEXT} ký tự."
    try:
        parsed = parse_roles(roles)
        if not parsed:
            errors["roles"] = "Chọn ít nhất một vai trò."
    except ValidationError as exc:
        errors.update(exc.errors)
        parsed = frozenset()
    if errors:
        raise ValidationError(errors)
    return Officer(user, name, job, parsed)
