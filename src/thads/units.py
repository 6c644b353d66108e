"""Provinces and enforcement offices across the 2025 reorganisation, with time-scoped codes.

A province code or name means the province that existed on a given day (the end of the requested
period). Before 01/07/2025 there are 63 provinces, each with a Cục THADS and one Chi cục per district;
from then on 34, each with a provincial THADS office and its Phòng THADS khu vực.
"""

from __future__ import annotations

import csv
import hashlib
import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property
from pathlib import Path

from thads.errors import Problem, ThadsError
from thads.periods import Period, parse_day
from thads.text import modern_tones, slugify

SHIPPED = Path(__file__).parent / "shipped_units"
PROVINCE_OFFICE_KINDS = ("cuc", "thads_tinh")


def _date(text: str) -> date | None:
    return parse_day(text) if text else None


def _vn_date(d: date) -> str:
    return d.strftime("%d/%m/%Y")


@dataclass(frozen=True)
class Province:
    code: str
    name: str             # 'Hậu Giang'
    full_name: str        # 'Tỉnh Hậu Giang'
    kind: str             # 'tỉnh' or 'thành phố'
    slug: str
    valid_from: date | None
    valid_to: date | None
    predecessors: tuple[str, ...]
    successor: str | None

    def valid_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)

    @property
    def label(self) -> str:
        """'tỉnh Hậu Giang', 'thành phố Cần Thơ': the name as it reads inside a sentence."""
        return f"{self.kind} {self.name}"

    @property
    def merged(self) -> bool:
        """True for a province formed from more than one predecessor."""
        return len(self.predecessors) > 1


@dataclass(frozen=True)
class Office:
    code: str
    name: str
    short_name: str
    kind: str             # cuc, chi_cuc, thads_tinh, phong_khu_vuc
    province: str
    valid_from: date | None
    valid_to: date | None
    successor: str | None

    def valid_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)

    @property
    def is_provincial(self) -> bool:
        return self.kind in PROVINCE_OFFICE_KINDS


PROVINCE_CODE = re.compile(r"\d{2}")                       # codes become folder names: nothing else passes
OFFICE_CODE = re.compile(r"[0-9A-Za-z]{1,8}(-[0-9A-Za-z]{1,8}){0,2}")
PROVINCE_COLUMNS = ("ma", "ten", "ten_day_du", "loai", "slug", "hieu_luc_tu", "hieu_luc_den", "tien_nhiem", "ke_nhiem")
OFFICE_COLUMNS = ("ma", "ten", "ten_ngan", "loai", "tinh", "hieu_luc_tu", "hieu_luc_den", "ke_nhiem")


def _read(path: Path, columns: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    """(line, row) of a units table, its columns checked; any problem names the file, line and column."""
    shown = f"units/{path.name}" if path.parent != SHIPPED else str(path)
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f)
            missing = [c for c in columns if c not in (reader.fieldnames or [])]
            if missing:
                raise ThadsError(f"{shown}: thiếu cột {', '.join(missing)}; cần các cột {', '.join(columns)}.")
            return [(number, {k: (v or "").strip() for k, v in row.items() if k}) for number, row in
                    enumerate(reader, start=2)]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ThadsError(f"{shown}: không đọc được ({exc}); cần tệp CSV UTF-8.") from None


def _field(path: Path, number: int, row: dict, column: str, pattern: re.Pattern | None = None):
    value = row.get(column, "")
    shown = f"units/{path.name}" if path.parent != SHIPPED else str(path)
    if pattern is not None and not pattern.fullmatch(value):
        raise ThadsError(f"{shown}, dòng {number}, cột {column}: mã '{value}' không hợp lệ (cần dạng như "
                         f"{'93' if pattern is PROVINCE_CODE else '930 hoặc 92-KV01'}).")
    if column.startswith("hieu_luc"):
        try:
            return _date(value)
        except ValueError:
            raise ThadsError(f"{shown}, dòng {number}, cột {column}: ngày '{value}' không hợp lệ (cần YYYY-MM-DD "
                             "hoặc để trống).") from None
    return value


def name_problems(folder: Path | None) -> list[Problem]:
    """Names (and every other cell) of a data folder's units tables holding characters a Word file cannot hold
    (control characters), each with its file, line and column, for `thads validate`. A report is still made: the
    Word file drops them. Nothing for a folder without units tables (the shipped ones are used)."""
    from thads.signing import control_message

    if folder is None or not (Path(folder) / "provinces.csv").is_file():
        return []
    problems = []
    for name, columns in (("provinces.csv", PROVINCE_COLUMNS), ("offices.csv", OFFICE_COLUMNS)):
        path = Path(folder) / name
        if not path.is_file():
            continue
        for number, row in _read(path, columns):
            for column, value in row.items():
                message = control_message(value)
                if message:
                    problems.append(Problem(f"units/{name}", f"{message}.", number, column))
    return problems


def organised_on(period: Period, as_of: date | str | None, units: "Units | None" = None) -> date | None:
    """The day whose provinces a report is made for (`--as-of`, `as_of:` in a batch file), checked: None for
    the end of the period (the default); a day before the period's end, after today, or (given `units`) one
    whose provinces are those of the period's end, is refused."""
    if as_of in (None, ""):
        return None
    asked = "--as-of (as_of: trong tệp khai báo)"
    try:
        day = parse_day(as_of)
    except ValueError:
        raise ThadsError(f"{asked} '{as_of}' không phải một ngày: cần dạng YYYY-MM-DD và là ngày có thật, ví dụ "
                         "2025-07-01.") from None
    if day < period.end:
        raise ThadsError(f"{asked} {_vn_date(day)} trước ngày cuối kỳ {period.label} ({_vn_date(period.end)}): số "
                         "liệu của kỳ chỉ gộp được theo các tỉnh có từ ngày cuối kỳ trở về sau; bỏ ngày này để lập "
                         "theo các tỉnh có tại cuối kỳ.")
    if day > date.today():
        raise ThadsError(f"{asked} {_vn_date(day)} chưa đến: chọn một ngày đã qua, ví dụ 2025-07-01.")
    if units is not None and units.provinces_on(day) == units.provinces_on(period.end):
        raise ThadsError(f"{asked} {_vn_date(day)}: các tỉnh, thành phố vào ngày này vẫn như vào ngày cuối kỳ "
                         f"{period.label} ({_vn_date(period.end)}), nên báo cáo không khác báo cáo thường; bỏ ngày "
                         "này.")
    return day


def organised_label(day: date) -> str:
    """How every output names a report made for the provinces of a later day (--as-of)."""
    return f"theo các tỉnh, thành phố từ ngày {_vn_date(day)}"


class Units:
    """The reference tables of provinces and offices."""

    def __init__(self, provinces: list[Province], offices: list[Office]):
        self.provinces = tuple(provinces)        # read-only: a warm kernel shares them between reports
        self.offices = tuple(offices)

    @classmethod
    def load(cls, folder: Path | None = None) -> "Units":
        """Load `folder/provinces.csv` and `folder/offices.csv`, or the shipped tables."""
        folder = folder if folder is not None and (folder / "provinces.csv").exists() else SHIPPED
        # Names in the official modern spelling (Hòa Bình, Vị Thủy), whatever the tables use; lookups go by
        # slug, so both spellings are understood.
        path = folder / "provinces.csv"
        provinces = []
        for n, r in _read(path, PROVINCE_COLUMNS):
            for column in ("tien_nhiem", "ke_nhiem"):
                for code in r[column].split():
                    _field(path, n, {column: code}, column, PROVINCE_CODE)
            provinces.append(Province(
                _field(path, n, r, "ma", PROVINCE_CODE), modern_tones(r["ten"]), modern_tones(r["ten_day_du"]),
                r["loai"], r["slug"], _field(path, n, r, "hieu_luc_tu"), _field(path, n, r, "hieu_luc_den"),
                tuple(r["tien_nhiem"].split()), r["ke_nhiem"] or None))
        path = folder / "offices.csv"
        if not path.is_file():
            raise ThadsError("units/offices.csv: không có tệp; thư mục units/ cần cả provinces.csv và offices.csv.")
        offices = [Office(_field(path, n, r, "ma", OFFICE_CODE), modern_tones(r["ten"]), modern_tones(r["ten_ngan"]),
                          r["loai"], _field(path, n, r, "tinh", PROVINCE_CODE), _field(path, n, r, "hieu_luc_tu"),
                          _field(path, n, r, "hieu_luc_den"), r["ke_nhiem"] or None)
                   for n, r in _read(path, OFFICE_COLUMNS)]
        return cls(provinces, offices)

    @cached_property
    def digest(self) -> bytes:
        """A hash of both tables: reports made from other units are not current."""
        return hashlib.sha256(repr([list(self.provinces), list(self.offices)]).encode()).digest()

    @cached_property
    def _offices_by_code(self) -> dict[str, list[Office]]:
        out: dict[str, list[Office]] = {}
        for o in self.offices:
            out.setdefault(o.code, []).append(o)
        return out

    def provinces_on(self, day: date) -> list[Province]:
        """The provinces that existed on `day`, by code."""
        return sorted((p for p in self.provinces if p.valid_on(day)), key=lambda p: p.code)

    def province(self, code: str, day: date) -> Province:
        """The province with `code` on `day`."""
        for p in self.provinces:
            if p.code == code and p.valid_on(day):
                return p
        raise ThadsError(f"Không có tỉnh/thành phố mã {code} vào ngày {_vn_date(day)}.")

    def office(self, code: str, day: date) -> Office | None:
        """The office with `code` on `day`, or None."""
        return next((o for o in self._offices_by_code.get(code, []) if o.valid_on(day)), None)

    def offices_of(self, province: Province, day: date) -> list[Office]:
        """Offices of `province` valid on `day`: the provincial office first, then by code."""
        found = [o for o in self.offices if o.province == province.code and o.valid_on(day)]
        return sorted(found, key=lambda o: (not o.is_provincial, o.code))

    def predecessors(self, province: Province) -> list[Province]:
        """The provinces merged into `province`, the day before it was formed (empty if none)."""
        if province.valid_from is None:
            return []
        day_before = province.valid_from - timedelta(days=1)
        return [self.province(code, day_before) for code in province.predecessors]

    def lineage(self, province: Province, day: date) -> list[Province]:
        """The provinces existing on `day` whose figures make up `province`'s, in the order of its predecessors."""
        if province.valid_on(day):
            return [province]
        return [p for before in self.predecessors(province) for p in self.lineage(before, day)]

    def successor(self, province: Province) -> Province | None:
        if province.successor is None or province.valid_to is None:
            return None
        return self.province(province.successor, province.valid_to + timedelta(days=1))

    def resolve(self, text: str, period: Period, as_of: date | None = None) -> Province:
        """The province named by code, name or slug that existed at the end of `period`, or on `as_of` (a
        report over an earlier period for the provinces of that day)."""
        key = slugify(str(text))
        for prefix in ("tinh-", "thanh-pho-", "tp-"):
            key = key.removeprefix(prefix)
        if key.isdigit():
            key = key.zfill(2)
        candidates = [p for p in self.provinces if key in (p.code, p.slug, slugify(p.name))]
        if not candidates:
            raise ThadsError(
                f"Không tìm thấy tỉnh/thành phố '{text}'. Ghi mã (ví dụ 93), tên (Hậu Giang) hoặc "
                f"tên không dấu (hau-giang); xem danh sách: thads provinces --period {period.code}"
                + (f" --as-of {as_of.isoformat()}." if as_of else "."))
        day = as_of or period.end
        valid = [p for p in candidates if p.valid_on(day)]
        if valid:
            return next((p for p in valid if p.code == key), valid[0])
        when = (f"vào ngày {_vn_date(day)} (--as-of)" if as_of else f"vào ngày {_vn_date(day)} (cuối kỳ {period.label})")
        gone = [p for p in candidates if p.valid_to is not None and p.valid_to < day]
        if gone:
            p = gone[0]
            nxt = self.successor(p)
            return_to = f"{nxt.label} (mã {nxt.code})" if nxt else "tỉnh khác"
            raise ThadsError(
                f"{p.full_name} (mã {p.code}) không còn tồn tại {when}: từ "
                f"{_vn_date(p.valid_to + timedelta(days=1))} đã hợp nhất vào {return_to}. "
                f"Hãy chọn {return_to}.")
        p = candidates[0]
        before = ", ".join(f"{q.label} (mã {q.code})" for q in self.predecessors(p))
        raise ThadsError(
            f"{p.full_name} (mã {p.code}) chưa được thành lập {when}: có từ {_vn_date(p.valid_from)}, "
            f"trước đó là {before}.")
