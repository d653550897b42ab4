"""Made-up people of a commune for synthetic data: Vietnamese names with realistic
frequencies, valid-shaped citizen ids, mobile numbers, addresses by hamlet.

Everything comes from the ``random.Random`` given, so one seed gives one population.
The people are invented; any likeness to a real person is chance.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from counter_app.domain.text import fold


def _weighted(spec: str) -> tuple[list[str], list[float]]:
    """'Nguyễn 38, Trần 12' -> (names, cumulative weights), for ``_pick``."""
    names, cum, total = [], [], 0.0
    for item in spec.split(","):
        name, weight = item.strip().rsplit(" ", 1)
        total += float(weight)
        names.append(name)
        cum.append(total)
    return names, cum


# Family names: national shares (Nguyễn ~38%, Trần ~12%, Lê ~9.5%, ...).
FAMILY = _weighted(
    "Nguyễn 38.4, Trần 12.1, Lê 9.5, Phạm 7, Hoàng 3, Huỳnh 2.1, Phan 4.5, Vũ 2, Võ 1.9, "
    "Đặng 2.1, Bùi 2, Đỗ 1.4, Hồ 1.3, Ngô 1.3, Dương 1, Lý 0.5, Đào 0.6, Đoàn 0.5, Trịnh 0.5, "
    "Trương 0.5, Đinh 0.5, Lâm 0.3, Mai 0.4, Cao 0.4, Hà 0.4, Lương 0.3, Tạ 0.2, Phùng 0.2, "
    "Tô 0.2, Chu 0.2, Lưu 0.2, Quách 0.1, Kiều 0.1, Thái 0.1, Vương 0.1, Hàn 0.05, Khúc 0.05")
MIDDLE = {
    "m": _weighted("Văn 42, Đức 8, Minh 7, Hữu 6, Quang 5, Công 5, Đình 5, Xuân 4, Thanh 4, "
                   "Quốc 4, Ngọc 3, Trọng 3, Thế 3, Bá 2, Mạnh 2, Tiến 2, Hoàng 2, Gia 2, "
                   "Anh 1, Duy 1, Tuấn 1, Văn Minh 0.5, Đăng 1, Khắc 1"),
    "f": _weighted("Thị 52, Ngọc 6, Thu 5, Thanh 5, Kim 4, Hồng 4, Minh 3, Phương 3, Thùy 3, "
                   "Bích 2, Mai 2, Thị Thu 2, Thị Ngọc 2, Thị Thanh 1.5, Thị Mỹ 1, Hoài 1, "
                   "Diệu 1, Khánh 1, Bảo 1, Quỳnh 1, Lan 1"),
}
GIVEN = {
    "m": _weighted("Anh 5, Hùng 5, Dũng 5, Minh 5, Tuấn 5, Nam 4, Hải 4, Sơn 4, Long 4, Thắng 4, "
                   "Cường 4, Hưng 4, Thành 4, Trung 3, Quang 3, Huy 3, Đức 3, Bình 3, Phong 3, "
                   "Việt 3, Hiếu 3, Tùng 3, Hoàng 2, An 2, Khánh 2, Kiên 2, Vinh 2, Toàn 2, "
                   "Tài 2, Nghĩa 2, Quân 2, Mạnh 2, Lâm 2, Đạt 2, Duy 2, Chiến 2, Phúc 2, "
                   "Thịnh 1, Khoa 1, Tâm 1, Lợi 1, Hòa 1, Tiến 1, Hậu 1, Bảo 1, Giang 1, "
                   "Đông 1, Hiệp 1, Lực 1, Tú 1, Khang 1, Thanh 1, Trọng 1, Vũ 1"),
    "f": _weighted("Hương 5, Lan 5, Hoa 4, Linh 5, Trang 5, Hà 4, Thảo 4, Huyền 4, Mai 4, "
                   "Ngọc 4, Anh 4, Phương 4, Hằng 4, Thủy 3, Nga 3, Dung 3, Yến 3, Hạnh 3, "
                   "Hiền 3, Loan 3, Nhung 3, Vân 3, Liên 2, Hồng 2, Quỳnh 2, Trâm 2, Chi 2, "
                   "Giang 2, Tâm 2, Thanh 2, Thu 2, Oanh 2, Ánh 2, Bích 1, Duyên 1, Huệ 1, "
                   "My 1, Ngân 1, Phượng 1, Tuyết 1, Uyên 1, Xuân 1, Nhàn 1, Thơm 1, Vy 1, "
                   "Lụa 1, An 1, Hải 1"),
}
# Mobile prefixes in use since 2018 (Viettel, VinaPhone, MobiFone, Vietnamobile, Gmobile).
PHONE_PREFIXES = ("032 033 034 035 036 037 038 039 086 096 097 098 081 082 083 084 085 088 091 "
                  "094 070 076 077 078 079 089 090 093 052 056 058 092 059 099").split()
# Where the ids were registered: mostly the commune's own province.
OTHER_PROVINCES = _weighted("040 5, 037 3, 036 3, 034 2, 035 2, 001 4, 079 3, 030 1, 042 1, "
                            "044 1, 026 1, 031 1, 022 0.5, 048 0.5, 092 0.5")
HAMLETS = ("Phú Thượng, Phú Hạ, Phú Lộc, Phú Xuân, Đông Hòa, Tây Hòa, Trung Thành, Nam Sơn, "
           "Bắc Sơn, Yên Lộc, Thanh Trà, Hòa Bình, Đồng Tâm, Tân Lập, Quyết Thắng").split(", ")
ELSEWHERE = (  # applicants who live in another commune or a town
    "xã Quảng Đức, huyện Quảng Xương, tỉnh Thanh Hóa", "phường Đông Vệ, TP Thanh Hóa",
    "xã Hoằng Lộc, huyện Hoằng Hóa, tỉnh Thanh Hóa", "phường Bắc Sơn, TX Bỉm Sơn",
    "xã Nghi Phú, TP Vinh, tỉnh Nghệ An", "phường Dịch Vọng, quận Cầu Giấy, Hà Nội",
    "phường 12, quận Gò Vấp, TP Hồ Chí Minh", "xã Xuân Lâm, huyện Tĩnh Gia, tỉnh Thanh Hóa",
)
ORGANISATIONS = (
    "Công ty TNHH Thương mại {p}", "Công ty Cổ phần Xây dựng {p}", "Hợp tác xã Nông nghiệp {p}",
    "Công ty TNHH Vận tải {p}", "Doanh nghiệp tư nhân {p}", "Công ty TNHH May mặc {p}",
    "Quỹ tín dụng nhân dân {p}", "Trường Mầm non {p}", "Công ty TNHH Dịch vụ {p}",
)
BRANDS = "Phú Thịnh, Hòa Phát, An Khang, Minh Long, Thành Công, Đại Việt, Hưng Thịnh".split(", ")


def _pick(rng: random.Random, weighted: tuple[list[str], list[float]]) -> str:
    return rng.choices(weighted[0], cum_weights=weighted[1])[0]


@dataclass
class Person:
    """An applicant: a citizen (12-digit id) or an organisation (10-digit tax code)."""
    kind: str
    full_name: str
    id_number: str
    phone: str
    address: str
    email: str
    new_phone: str = ""             # the number they give from ``phone_changes_on`` on
    phone_changes_on: dt.date | None = None
    applicant_id: str = ""          # set on their first visit (the applicants row id)

    def phone_on(self, day: dt.date) -> str:
        if self.phone_changes_on and day >= self.phone_changes_on:
            return self.new_phone
        return self.phone


class People:
    """The commune's population; ``pick`` favours the people who come back often."""

    def __init__(self, rng: random.Random, size: int, place: str, province: str,
                 start: dt.date, end: dt.date):
        self.rng, self.place, self.province = rng, place, province
        self.start, self.end = start, end
        self.unit = "phường" if "phường" in place.lower() else "xã"
        self.place_name = place.split(" ", 1)[1] if place.lower().startswith(("xã ", "phường "))\
            else place
        self._ids: set[str] = set()
        self.people = [self.organisation() if rng.random() < 0.015 else self.citizen()
                       for _ in range(max(size, 1))]

    def pick(self) -> Person:
        # A skewed choice: a few people (village officials, family "regulars") come often.
        return self.people[int(len(self.people) * self.rng.random() ** 1.6)]

    def name(self, sex: str) -> str:
        r = self.rng
        family = _pick(r, FAMILY)
        middle = _pick(r, MIDDLE[sex])
        given = _pick(r, GIVEN[sex])
        return f"{family} {middle} {given}"

    def citizen_id(self, sex: str, born: int) -> str:
        r = self.rng
        province = self.province if r.random() < 0.8 else _pick(r, OTHER_PROVINCES)
        century = (born // 100 - 19) * 2 + (sex == "f")
        while True:
            number = f"{province}{century}{born % 100:02d}{r.randrange(1_000_000):06d}"
            if number not in self._ids:
                self._ids.add(number)
                return number

    def phone(self) -> str:
        return f"{self.rng.choice(PHONE_PREFIXES)}{self.rng.randrange(10_000_000):07d}"

    def address(self) -> str:
        r = self.rng
        if r.random() < 0.12:
            place = r.choice(ELSEWHERE)
            if place.startswith("xã"):
                return f"Thôn {r.choice(HAMLETS)}, {place}"
            return f"Số {r.randint(1, 250)}, tổ {r.randint(1, 30)}, {place}"
        if self.unit == "phường":
            return f"Tổ dân phố {r.randint(1, 18)}, phường {self.place_name}"
        hamlet = f"Thôn {r.randint(1, 9)}" if r.random() < 0.3 else f"Thôn {r.choice(HAMLETS)}"
        return f"{'Xóm' if r.random() < 0.15 else 'Thôn'}{hamlet[4:]}, xã {self.place_name}"

    def citizen(self) -> Person:
        r = self.rng
        sex = "f" if r.random() < 0.52 else "m"
        name = self.name(sex)
        oldest, youngest = self.start.year - 80, min(self.start.year - 18, self.end.year - 18)
        born = min(youngest, max(oldest, int(r.triangular(oldest, youngest, youngest - 18))))
        phone = "" if r.random() < 0.06 else self.phone()
        email = ""
        if r.random() < 0.06:
            words = fold(name).split()
            email = f"{words[-1]}{''.join(w[0] for w in words[:-1])}{born % 100:02d}@gmail.com"
        person = Person("citizen", name, self.citizen_id(sex, born), phone, self.address(), email)
        if phone and r.random() < 0.1:
            span = (self.end - self.start).days
            person.phone_changes_on = self.start + dt.timedelta(days=r.randrange(max(span, 1)))
            person.new_phone = self.phone()
        return person

    def organisation(self) -> Person:
        r = self.rng
        name = r.choice(ORGANISATIONS).format(p=r.choice(BRANDS + [self.place_name]))
        while True:
            number = f"28{r.randrange(100_000_000):08d}"
            if number not in self._ids:
                self._ids.add(number)
                break
        return Person("organisation", name, number, self.phone(), self.address(), "")

