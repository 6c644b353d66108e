"""A report's date, and what that date decides: the agency whose name heads the report, the line above it, the
signer's title, and whether the statistical year is still running (docs/van-ban.md, "Ngày ký").

- With `--date` (`date:` in a batch file, `report_date` in the notebook) the report is dated that day; a day before
  the period's end (or before the `--as-of` day) is refused.
- Without it, a period whose reporting season is now (today is at most the last day of the third month after the
  period's end: the year-end reports of 30/09 are made until 31/12) is dated today; an older period is dated in
  its own season: the first Monday-to-Friday at least 10 days after its end (the statistics of a month are in by
  then), e.g. 10/09/2024 for 11 tháng năm 2024.
- The agency is the one that existed on that date. A province merged into another by then has no agency to sign
  a report of its own: the report is refused, naming `--as-of` and `--date` (2025-M09 ended 30/06/2025; its
  conferences were held after the merger of 01/07/2025). A province that only changed its office's name (the 11
  provinces kept as they were) is headed by its office of that date.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from thads.errors import ThadsError
from thads.periods import Period, parse_day

SEASON_MONTHS = 3                 # a period's reports are made until the last day of the 3rd month after its end
DAYS_AFTER_END = 10               # an older period's report: the first weekday this many days after its end or later
# The central agency in documents: the Tổng cục THADS until 30/06/2025, then the Cục Quản lý THADS (QĐ
# 1898/QĐ-BTP of 25/06/2025, in force 01/07/2025; docs/van-ban.md cites what documents of 2025 carried).
CENTRAL_RENAMED = date(2025, 7, 1)
CENTRAL = {"tong_cuc": "Tổng cục Thi hành án dân sự", "cuc_quan_ly": "Cục Quản lý thi hành án dân sự"}
# The signer's title when the signing file sets none (the template chung/ky.md.j2 sets its own: these are for a
# project template older than it). The head of a THADS tỉnh is "Trưởng Thi hành án dân sự tỉnh/thành phố".
TITLES = {"cuc": "CỤC TRƯỞNG", "thads_tinh": "TRƯỞNG THI HÀNH ÁN DÂN SỰ {kind}", "tong_cuc": "TỔNG CỤC TRƯỞNG",
          "cuc_quan_ly": "CỤC TRƯỞNG"}
HOW = {"chon": "ngày ghi bằng --date", "hom_nay": "hôm nay, trong mùa báo cáo của kỳ",
       "mua_bao_cao": f"không ghi --date: ngày làm việc đầu tiên từ {DAYS_AFTER_END} ngày sau cuối kỳ"}


def today() -> date:
    """The day of the run (a function of its own, for tests to set)."""
    return date.today()


def _vn(day: date) -> str:
    return day.strftime("%d/%m/%Y")


@dataclass(frozen=True)
class Signed:
    """The report's date and how it was decided: `chon` (given), `hom_nay` (today, in the period's season) or
    `mua_bao_cao` (an older period: a day of its own season)."""

    day: date
    how: str

    @property
    def described(self) -> str:
        return f"{_vn(self.day)} ({HOW[self.how]})"


def season_end(period: Period) -> date:
    """The last day a report of `period` is dated today without `--date`."""
    month = period.end.month + SEASON_MONTHS
    year, month = period.end.year + (month - 1) // 12, (month - 1) % 12 + 1
    return date(year, month, calendar.monthrange(year, month)[1])


def season_day(period: Period, not_before: date | None = None) -> date:
    """The day an older period's report is dated: the first Monday-to-Friday at least DAYS_AFTER_END days after the
    period's end (and not before `not_before`, the --as-of day). Public holidays are not known here: `--date`
    chooses another day."""
    day = max(period.end + timedelta(days=DAYS_AFTER_END), not_before or period.end)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def signing_date(period: Period, asked=None, as_of: date | None = None, now: date | None = None) -> Signed:
    """The date of a report on `period` (`asked`: the --date given, or empty; `now`: the day of the run), checked:
    not before the period's end nor before the --as-of day."""
    now = now or today()
    if asked not in (None, ""):
        try:
            day = parse_day(asked)
        except ValueError:
            raise ThadsError(f"Ngày ký '{asked}' (--date) không hợp lệ: cần dạng YYYY-MM-DD và là ngày có thật, ví dụ "
                             f"{season_day(period, as_of).isoformat()}.") from None
        if day < period.end:
            raise ThadsError(f"Ngày ký {_vn(day)} (--date) trước ngày cuối kỳ {period.label} ({_vn(period.end)}): "
                             f"báo cáo chỉ ký được khi kỳ đã hết; chọn một ngày từ {_vn(period.end)} trở đi, ví dụ "
                             f"--date {season_day(period, as_of).isoformat()}.")
        if as_of is not None and day < as_of:
            raise ThadsError(f"Ngày ký {_vn(day)} (--date) trước ngày {_vn(as_of)} của --as-of: báo cáo lập theo các "
                             f"tỉnh, thành phố từ ngày {_vn(as_of)} không ký được trước ngày đó; chọn một ngày từ "
                             f"{_vn(as_of)} trở đi, hoặc bỏ --as-of.")
        return Signed(day, "chon")
    if now <= season_end(period):
        return Signed(now, "hom_nay")
    return Signed(season_day(period, as_of), "mua_bao_cao")


def title(agency_kind: str, province_kind: str = "tỉnh") -> str:
    """The signer's title by the kind of agency signing ("" for an unknown kind: a dotted line for the clerk)."""
    return TITLES.get(agency_kind, "").format(kind=province_kind.upper())


def still_running(period: Period, signed: date) -> bool:
    """Whether the statistical year of `period` is still running on `signed`: "từ nay đến ngày 30/09" can be said."""
    return signed < period.year_end.end


def central_agency(signed: date) -> tuple[str, str]:
    """The national office on `signed`: its name and kind (`tong_cuc` or `cuc_quan_ly`)."""
    kind = "tong_cuc" if signed < CENTRAL_RENAMED else "cuc_quan_ly"
    return CENTRAL[kind], kind


def provincial_agency(units, province, period: Period, signed: Signed, as_of: date | None = None):
    """The provincial office (`units.Office`) that signs `province`'s report of `period` on `signed.day`: the
    province's own office of that day, or, for a province whose office only changed its name since (a province
    formed from it alone), the new office. A province merged with others by then, or one not yet formed that day,
    has none: refused with what to ask instead."""
    day = signed.day
    who = f"Báo cáo {period.label} (đến {_vn(period.end)}) của {province.label}, ký ngày {signed.described}"
    if province.valid_from is not None and day < province.valid_from:
        raise ThadsError(f"{who}: {province.full_name} (mã {province.code}) có từ ngày {_vn(province.valid_from)}, "
                         f"chưa có vào ngày ký. Ghi ngày ký từ {_vn(province.valid_from)} trở đi (--date), hoặc bỏ "
                         "--as-of để lập báo cáo của các tỉnh, thành phố có tại cuối kỳ.")
    holder = province
    while holder.valid_to is not None and day > holder.valid_to:
        successor = units.successor(holder)
        if successor is None:
            break
        if list(successor.predecessors) != [holder.code]:
            formed = successor.valid_from or holder.valid_to + timedelta(days=1)
            office = next((o for o in units.offices_of(province, period.end) if o.is_provincial), None)
            gone = f" và {office.name} không còn" if office is not None else ""
            latest = max(period.end, formed - timedelta(days=1))
            raise ThadsError(
                f"{who}: vào ngày đó {province.label} đã hợp nhất vào {successor.label} (mã {successor.code}, từ "
                f"{_vn(formed)}){gone}, nên không còn cơ quan nào ký báo cáo này. Hãy lập báo cáo theo các tỉnh, "
                f"thành phố từ ngày {_vn(formed)}: --as-of {formed.isoformat()} (as_of: trong tệp khai báo; báo cáo "
                f"của {successor.label}), hoặc ghi ngày ký trước ngày {_vn(formed)}: --date {latest.isoformat()} "
                "(date: trong tệp khai báo).")
        holder = successor
    offices = [o for o in units.offices_of(holder, day) if o.is_provincial]
    if not offices:        # reference tables without the office of that day: the one of the report's day
        offices = [o for o in units.offices_of(province, as_of or period.end) if o.is_provincial]
    return offices[0]
