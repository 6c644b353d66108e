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
from thads.text import control_message, modern_tones, slugify

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


# Enforcement offices by name (`--office`) ---------------------------------------------------------------------------
OFFICE_PREFIXES = ("chi-cuc-thi-hanh-an-dan-su-", "phong-thi-hanh-an-dan-su-", "cuc-thi-hanh-an-dan-su-",
                   "thi-hanh-an-dan-su-", "chi-cuc-thads-", "phong-thads-", "cuc-thads-", "thads-")
PLACE_WORDS = ("huyen-", "quan-", "thi-xa-", "thanh-pho-", "tp-", "tx-", "h-", "q-", "tinh-")


def office_keys(office: Office, province: Province | None = None) -> set[str]:
    """The slugs a name of `office` may be given as: its code, its name and short name, the name without the agency
    ('huyện Châu Thành', 'khu vực 1 - Cần Thơ', 'khu vực 1') and without the kind of district ('Châu Thành')."""
    keys = {office.code.lower(), slugify(office.name), slugify(office.short_name)}
    for name in (office.name, office.short_name):
        key = slugify(name)
        for prefix in OFFICE_PREFIXES:
            if key.startswith(prefix):
                keys.add(key.removeprefix(prefix))
                break
    if province is not None:
        suffix = "-" + slugify(province.name)
        keys |= {key.removesuffix(suffix) for key in keys if key.endswith(suffix)}
    for key in list(keys):
        for word in PLACE_WORDS:
            if key.startswith(word) and len(key) > len(word):
                keys.add(key.removeprefix(word))
    return keys - {""}


def _office_label(units: "Units", office: Office, day: date) -> str:
    """'Chi cục Thi hành án dân sự huyện Châu Thành (mã 933, tỉnh Hậu Giang)'."""
    try:
        where = f", {units.province(office.province, day).label}"
    except ThadsError:
        where = ""
    return f"{office.name} (mã {office.code}{where})"


def _offices_on(units: "Units", day: date, province: Province | None) -> list[Office]:
    if province is None:
        return [o for o in units.offices if o.valid_on(day)]
    return [o for p in units.lineage(province, day) for o in units.offices_of(p, day)]


def resolve_office(units: "Units", text: str, period: Period, province: Province | None = None) -> Office:
    """The office named by code or name among the offices of the end of `period` (of `province` only, given one). A
    name several offices share is refused with each of them and its province (`--province` narrows it); an office
    that no longer exists, or did not yet, is refused naming its successor or its predecessors and the province
    report that covers them (office figures are not compared across the 2025 reorganisation)."""
    day = period.end
    key = slugify(str(text))
    wanted = [o for o in _offices_on(units, day, province)
              if key and (o.code.lower() == str(text).strip().lower()
                          or key in office_keys(o, _province_or_none(units, o, day)))]
    exact = [o for o in wanted if o.code.lower() == str(text).strip().lower()]
    if len(exact) == 1 or len(wanted) == 1:
        return (exact or wanted)[0]
    if wanted:
        listed = "; ".join(_office_label(units, o, day) for o in wanted)
        raise ThadsError(f"Tên đơn vị '{text}' không rõ: vào ngày {_vn_date(day)} (cuối kỳ {period.label}) có "
                         f"{len(wanted)} đơn vị mang tên này: {listed}. Ghi mã đơn vị (--office {wanted[0].code}), hoặc "
                         f"thêm --province để chọn trong một tỉnh (--province {wanted[0].province}).")
    raise ThadsError(_office_not_found(units, text, period, province))


def _province_or_none(units: "Units", office: Office, day: date) -> Province | None:
    try:
        return units.province(office.province, day)
    except ThadsError:
        return None


def _office_not_found(units: "Units", text: str, period: Period, province: Province | None) -> str:
    """Why no office of the period's end has that code or name: one of another time (with its successor or its
    predecessors), one of another province, or none at all."""
    day, asked = period.end, str(text).strip()
    other_time = [o for o in units.offices if o.code.lower() == asked.lower() or slugify(asked) in office_keys(o)]
    elsewhere = [o for o in other_time if o.valid_on(day)]
    if elsewhere and province is not None:
        return (f"{_office_label(units, elsewhere[0], day)} không thuộc {province.label} (mã {province.code}) vào ngày "
                f"{_vn_date(day)}: bỏ --province, hoặc chọn --province {elsewhere[0].province}.")
    if province is not None:
        codes = {province.code, *province.predecessors}
        other_time = [o for o in other_time if o.province in codes] or other_time
    if len(other_time) == 1 and other_time[0].valid_to is not None and other_time[0].valid_to < day:
        return _office_gone(units, other_time[0], period)
    if len(other_time) == 1 and other_time[0].valid_from is not None and other_time[0].valid_from > day:
        return _office_not_yet(units, other_time[0], period)
    if other_time:
        shown = "; ".join(_office_label(units, o, o.valid_to or o.valid_from or day) for o in other_time[:3])
        more = f" và {len(other_time) - 3} đơn vị khác" if len(other_time) > 3 else ""
        return (f"Không có đơn vị '{text}' vào ngày {_vn_date(day)} (cuối kỳ {period.label}): tên này là của "
                f"{len(other_time)} đơn vị không có vào ngày đó (sắp xếp năm 2025), như {shown}{more}. Ghi mã một đơn "
                "vị có vào cuối kỳ, với --province để chọn trong một tỉnh; mã và tên các đơn vị ở units/offices.csv.")
    where = f" của {province.label} (mã {province.code})" if province is not None else ""
    return (f"Không tìm thấy đơn vị '{text}'{where} vào ngày {_vn_date(day)} (cuối kỳ {period.label}). Ghi mã đơn vị "
            "(ví dụ 933 hoặc 92-KV01) hoặc tên (ví dụ \"huyện Châu Thành\"), với --province để chọn trong một tỉnh; "
            "mã và tên các đơn vị ở units/offices.csv.")


def office_predecessors(units: "Units", office: Office) -> list[Office]:
    """The offices whose successor is `office` (the Chi cục a Phòng THADS khu vực took over), the day before it was
    formed."""
    if office.valid_from is None:
        return []
    before = office.valid_from - timedelta(days=1)
    return [o for o in units.offices if o.successor == office.code and o.valid_on(before)]


def _office_gone(units: "Units", office: Office, period: Period) -> str:
    after = office.valid_to + timedelta(days=1)
    successor = units.office(office.successor, after) if office.successor else None
    then = f"; báo cáo của đơn vị cũ lập cho một kỳ kết thúc trước {_vn_date(after)}"
    if successor is None:
        return (f"{_office_label(units, office, office.valid_to)} không còn vào ngày {_vn_date(period.end)} (cuối kỳ "
                f"{period.label}): hết hoạt động từ {_vn_date(after)}{then}.")
    return (f"{_office_label(units, office, office.valid_to)} không còn vào ngày {_vn_date(period.end)} (cuối kỳ "
            f"{period.label}): từ {_vn_date(after)} thuộc {_office_label(units, successor, after)}. Số liệu từng đơn vị "
            f"không so sánh qua thời điểm sắp xếp năm 2025: chọn --office {successor.code}{then}.")


def _office_not_yet(units: "Units", office: Office, period: Period) -> str:
    before = office_predecessors(units, office)
    day = period.end
    provinces = sorted({o.province for o in before}) or [office.province]
    covering = ", ".join(f"--province {code}" for code in provinces)
    listed = "; ".join(_office_label(units, o, day) for o in before if o.valid_on(day)) or "không có trong danh mục"
    return (f"{_office_label(units, office, office.valid_from)} có từ ngày {_vn_date(office.valid_from)}, chưa có vào "
            f"ngày {_vn_date(day)} (cuối kỳ {period.label}). Số liệu từng đơn vị không so sánh qua thời điểm sắp xếp "
            f"năm 2025: kỳ này thuộc các đơn vị trước đó: {listed}; chọn --office với mã của một đơn vị ấy, hoặc lập "
            f"báo cáo của tỉnh bao gồm chúng: thads run --report province --period {period.code} {covering}.")
