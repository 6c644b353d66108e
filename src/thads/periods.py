"""Statistical periods: `N-Mkk` codes, their date ranges and Vietnamese labels.

The statistical year N runs from 01/10/(N-1) to 30/09/N; the period `N-Mkk` is cumulative from
01/10/(N-1) to the last day of the k-th month of that year.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from thads.errors import ThadsError

_CODE = re.compile(r"(\d{4})-M(\d{2})")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
FIRST_YEAR, LAST_YEAR = 2000, 2100


def parse_day(value) -> date:
    """A day written YYYY-MM-DD (a date as it is); ValueError for any other form. Python alone would also read
    20250701 or 2025-W27-2, which the data files, the notes' folder names and the documentation never use: every
    option, batch file and notebook parameter refuses them alike."""
    if type(value) is date:         # YAML's reading of 2025-07-01; a datetime is refused as its text is
        return value
    text = str(value)
    if not _DAY.fullmatch(text):
        raise ValueError(f"'{text}' không viết theo dạng YYYY-MM-DD")
    return date.fromisoformat(text)


@dataclass(frozen=True, order=True)
class Period:
    """A cumulative reporting period: statistical year `year`, months 1..`month`."""

    year: int
    month: int

    def __post_init__(self):
        if not (FIRST_YEAR <= self.year <= LAST_YEAR and 1 <= self.month <= 12):
            raise ThadsError(f"Kỳ báo cáo không hợp lệ: năm {self.year}, tháng {self.month}.")

    @classmethod
    def parse(cls, text: str) -> "Period":
        """Parse a code such as `2024-M11`; anything else is refused with the expected form."""
        match = _CODE.fullmatch(str(text).strip())
        if not match or not (1 <= int(match[2]) <= 12) or not (FIRST_YEAR <= int(match[1]) <= LAST_YEAR):
            raise ThadsError(
                f"Kỳ báo cáo '{text}' không hợp lệ: cần dạng NĂM-Mkk với kk từ 01 đến 12, "
                "ví dụ 2024-M11 (11 tháng năm 2024) hoặc 2024-M12 (năm 2024)."
            )
        return cls(int(match[1]), int(match[2]))

    @property
    def code(self) -> str:
        return f"{self.year}-M{self.month:02d}"

    def __str__(self) -> str:
        return self.code

    @property
    def start(self) -> date:
        """First day of the statistical year: 01/10 of the year before."""
        return date(self.year - 1, 10, 1)

    @property
    def end(self) -> date:
        """Last day of the period's last month."""
        calendar_year, calendar_month = self.calendar_month(self.month)
        return date(calendar_year, calendar_month, calendar.monthrange(calendar_year, calendar_month)[1])

    def calendar_month(self, month: int) -> tuple[int, int]:
        """The (calendar year, calendar month) of the statistical month `month` of this year."""
        index = 9 + month  # statistical month 1 is October of the year before
        return (self.year - 1 + (index - 1) // 12, (index - 1) % 12 + 1)

    @property
    def label(self) -> str:
        """Vietnamese label: '11 tháng năm 2024', or 'năm 2024' for the whole year."""
        return f"năm {self.year}" if self.month == 12 else f"{self.month} tháng năm {self.year}"

    @property
    def months(self) -> str:
        """What `thang` = k means, impossible to misread: '11 tháng (đến 31/08/2024)'."""
        return f"{self.month} tháng (đến {self.end:%d/%m/%Y})"

    @property
    def same_period_last_year(self) -> "Period":
        """'Cùng kỳ': the same months of the statistical year before."""
        return Period(self.year - 1, self.month)

    @property
    def year_end(self) -> "Period":
        return Period(self.year, 12)


def period_range(first: str, last: str) -> list[Period]:
    """All periods from `first` to `last`, both included, month by month."""
    a, b = Period.parse(first), Period.parse(last)
    if b < a:
        raise ThadsError(f"Khoảng kỳ '{first}..{last}' bị ngược: kỳ đầu phải trước kỳ cuối.")
    out, p = [], a
    while p <= b:
        out.append(p)
        p = Period(p.year + 1, 1) if p.month == 12 else Period(p.year, p.month + 1)
    return out


def parse_periods(values: list[str]) -> list[Period]:
    """Parse period arguments: single codes or ranges written `2025-M10..2026-M03`."""
    out: list[Period] = []
    for value in values:
        for part in str(value).split(","):
            part = part.strip()
            if not part:
                continue
            if ".." in part:
                first, _, last = part.partition("..")
                out.extend(period_range(first, last))
            else:
                out.append(Period.parse(part))
    return list(dict.fromkeys(out))
