"""The officers of the synthetic commune, each with an account to sign in with.

- Each desk's receptionist (role reception), a new one every 2 to 5 years; the accounts of
  those who left are disabled. The current officer of the setup's own desk keeps the
  setup's name.
- Two processing officers per unit the dossiers are handed to (role processing), their
  full names written as the hand-over's ``to_person``.
- One leader (username ``lanhdao``, role leader): signs the dossiers handed to the leader,
  apologises (Mẫu 04), finishes the same-day dossiers done at the counter.
- One administrator (username ``quantri``, role admin).

Every synthetic account has the same documented demo password, ``DEMO_PASSWORD``; its
argon2id hash is made once (``passwords.hash_password``) and stored for every account, so
the only thing that differs between two runs with the same seed is that hash's salt.
Full names are unique, so a hand-over's ``to_person`` names exactly one account.
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass

from counter_app.accounts import passwords
from counter_app.domain.officers import Officer
from counter_app.domain.roles import Role
from counter_app.domain.text import fold
from counter_app.store import officer_store
from counter_app.store.database import transaction

DEMO_PASSWORD = "gia-lap-2026"  # every synthetic account's password (demo data only)
ADMIN, LEADER_USERNAME = "quantri", "lanhdao"
LEADER_UNIT = "Lãnh đạo UBND xã"
RECEPTION_TITLE = "Công chức Văn phòng - Thống kê (một cửa)"


@dataclass
class Account:
    username: str
    full_name: str
    title: str
    role: Role
    active: bool = True


class Staff:
    """Who works in the commune over the simulated years, and their accounts."""

    def __init__(self, people, desks: list[int], current: dict[int, str], units: list[str],
                 start: dt.date, last: dt.date):
        self.people = people
        self.accounts: dict[str, Account] = {}
        self.by_name: dict[str, Account] = {}
        self._eras: dict[int, tuple[list[dt.date], list[Account]]] = {}
        for desk in desks:
            eras, day, name = [], last, current.get(desk, "")
            while True:
                eras.append((day, self._add(RECEPTION_TITLE, Role.RECEPTION, name)))
                if day <= start:
                    break
                day -= dt.timedelta(days=people.rng.randint(730, 1800))
                name = ""
            eras.reverse()
            for _, account in eras[:-1]:
                account.active = False  # moved on: the account is kept for the history
            self._eras[desk] = ([d for d, _ in eras], [a for _, a in eras])
        self.units = {u: [self._add(u, Role.PROCESSING) for _ in range(2)] for u in units}
        self.leader = self._add("Phó Chủ tịch UBND xã", Role.LEADER, username=LEADER_USERNAME)
        self.units[LEADER_UNIT] = [self.leader]
        self.admin = self._add("Quản trị hệ thống", Role.ADMIN, username=ADMIN)

    def _add(self, title: str, role: Role, name: str = "", username: str = "") -> Account:
        rng = self.people.rng
        while not name or name in self.by_name:
            name = self.people.name(rng.choice("mf"))
        if not username:
            words = fold(name).split()
            base = f"{words[-1]}.{''.join(w[0] for w in words[:-1])}"
            username, n = base, 1
            while username in self.accounts:
                n += 1
                username = f"{base}{n}"
        account = Account(username, name, title, role)
        self.accounts[username] = self.by_name[name] = account
        return account

    def at_desk(self, desk: int, day: dt.date) -> Account:
        """The receptionist of ``desk`` on ``day``."""
        days, accounts = self._eras[desk]
        return accounts[max(0, bisect.bisect_right(days, day) - 1)]

    def holding(self, person: str) -> Account | None:
        """The account a dossier handed to ``person`` (a full name) belongs to."""
        return self.by_name.get(person)

    def save(self, db, now: dt.datetime) -> None:
        """Write every account, all with the hash of ``DEMO_PASSWORD`` (made once)."""
        hashed = passwords.hash_password(DEMO_PASSWORD)
        with transaction(db):
            for a in self.accounts.values():
                officer_store.put(db, Officer(a.username, a.full_name, a.title,
                                              frozenset({a.role}), a.active), hashed, now)

    def summary(self) -> dict:
        return {a.username: a.role.value for a in self.accounts.values()}
