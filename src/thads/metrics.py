"""Key figures of a province for a period: exact rates, targets, last year, offices, months.

Rates are (xong + đình chỉ) / có điều kiện × 100, computed in decimal arithmetic and rounded half-up
to 2 decimals; a rate whose denominator is 0 is None. Figures for a period are the sum over every
office valid at the period's end that belongs to the province or, for a period before a merger, to
one of its predecessors.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd

from thads import schema
from thads.rates import rate
from thads.dataset import Dataset
from thads.errors import ThadsError
from thads.periods import Period
from thads.units import Office, Province



@dataclass(frozen=True)
class Result:
    """Cases or money of one period: the structure, the rate and the comparison with the target."""

    phai_thi_hanh: int
    co_dieu_kien: int
    thi_hanh_xong: int              # xong + đình chỉ
    ty_le: Decimal | None
    chi_tieu: Decimal | None
    chenh_lech: Decimal | None      # ty_le − chi_tieu, in points
    dat_so_voi_chi_tieu: Decimal | None  # ty_le / chi_tieu × 100
    con_phai_xong: int | None       # still needed to reach the target: ⌈target × có điều kiện⌉ − xong
    chua_co_dieu_kien: int | None = None   # from its own column: not derived (other statuses may exist)
    ty_le_co_dieu_kien: Decimal | None = None   # có điều kiện / phải thi hành × 100
    # The flow, from the optional columns (None where the data lack them): phải thi hành = năm trước chuyển sang
    # + thụ lý mới − ủy thác − thu hồi, hủy. The separate register is outside phải thi hành.
    nam_truoc_chuyen_sang: int | None = None
    thu_ly_moi: int | None = None
    uy_thac: int | None = None
    thu_hoi_huy: int | None = None
    so_theo_doi_rieng: int | None = None

    @property
    def met(self) -> bool | None:
        """Whether the target is reached; None without a target or a rate."""
        return None if self.ty_le is None or self.chi_tieu is None else self.ty_le >= self.chi_tieu

    @property
    def thu_ly(self) -> int | None:
        """Tổng số thụ lý: năm trước chuyển sang + thụ lý mới; None unless the data have both."""
        if self.nam_truoc_chuyen_sang is None or self.thu_ly_moi is None:
            return None
        return self.nam_truoc_chuyen_sang + self.thu_ly_moi


FLOW = ("nam_truoc_chuyen_sang", "thu_ly_moi", "uy_thac", "thu_hoi_huy", "so_theo_doi_rieng")


def result(phai: int, co_dieu_kien: int, xong: int, target: Decimal | None, chua: int | None = None,
           **flow: int | None) -> Result:
    """Build a Result from the three counts, a target in percent (or None) and, when the data have them, the
    count without conditions for enforcement and the figures of the flow (`FLOW`)."""
    ty_le = rate(xong, co_dieu_kien)
    chenh = dat = needed = None
    if target is not None:
        needed = max(0, math.ceil(target * int(co_dieu_kien) / 100) - int(xong))
        if ty_le is not None:
            chenh = ty_le - target
            dat = rate(ty_le, target)
    return Result(int(phai), int(co_dieu_kien), int(xong), ty_le, target, chenh, dat, needed, chua,
                  rate(co_dieu_kien, phai), **flow)


def _results(totals: pd.Series, targets: tuple[Decimal | None, Decimal | None]) -> dict[str, Result]:
    return {kind: result(totals[f"{kind}_phai_thi_hanh"], totals[f"{kind}_co_dieu_kien"],
                         totals[f"{kind}_xong"] + totals[f"{kind}_dinh_chi"], target,
                         _known(totals[f"{kind}_chua_co_dieu_kien"]),
                         **{name: _known(totals[f"{kind}_{name}"]) for name in FLOW})
            for kind, target in zip(("viec", "tien"), targets)}


def _offices(ds: Dataset, province: Province, period: Period) -> list[Office]:
    day = period.end
    return [o for p in ds.units.lineage(province, day) for o in ds.units.offices_of(p, day)]


def _rows(ds: Dataset, offices: list[Office], period: Period) -> pd.DataFrame:
    rows = ds.period_rows(period.year, period.month)
    return rows[rows["don_vi"].isin([o.code for o in offices])]


# The figures of the flow (and chưa có điều kiện): unknown for a province when any of its offices left them blank.
PARTIAL_UNKNOWN = [f"{kind}_{name}" for kind in ("viec", "tien") for name in (*FLOW, "chua_co_dieu_kien")]


def totals(ds: Dataset, province: Province, period: Period, columns: list[str] = schema.FIGURES) -> pd.Series | None:
    """Summed figures (`columns`) of the province (or its predecessors) for the period; None without data.

    Summed as arrays made once per period (`Dataset.period_figures`): a report sums two dozen periods, which
    pandas, filtering and grouping for each, does slowly.
    """
    figures = ds.period_figures(period.year, period.month, tuple(columns))
    mine = np.isin(figures.offices, [o.code for o in _offices(ds, province, period)])
    if not mine.any():
        return None
    known = figures.known[mine]
    # <NA> where nobody reported it; and a figure of the flow that some offices left blank is unknown for the
    # province: a part is never a whole.
    partial = np.isin(figures.columns, PARTIAL_UNKNOWN)
    unknown = ~known.any(axis=0) | (partial & ~known.all(axis=0))
    return pd.Series(pd.arrays.IntegerArray(figures.values[mine].sum(axis=0), unknown), index=list(columns))


def missing(ds: Dataset, province: Province, period: Period) -> list[Province]:
    """The provinces making up `province` for the period (its predecessors, for a province formed later) that
    have no row at all for it: a sum without one of them would pass for the whole province."""
    rows = ds.period_rows(period.year, period.month)
    return [p for p in ds.units.lineage(province, period.end)
            if not rows["don_vi"].isin([o.code for o in ds.units.offices_of(p, period.end)]).any()]


def merged_from(ds: Dataset, province: Province, period: Period) -> list[Province]:
    """The predecessors whose figures make up `period` for a merged province (empty otherwise)."""
    if not province.merged or province.valid_from is None or period.start >= province.valid_from:
        return []
    return ds.units.predecessors(province)


@dataclass(frozen=True)
class Handled:
    """Complaints or denunciations: received (thụ lý), resolved (giải quyết) and the rate; None: not reported."""

    thu_ly: int | None
    giai_quyet: int | None
    ty_le: Decimal | None


@dataclass(frozen=True)
class Answered:
    """Professional-guidance requests: received, answered and the rate."""

    nhan: int | None
    tra_loi: int | None
    ty_le: Decimal | None


@dataclass(frozen=True)
class Training:
    """Local offices that held software training, out of all local offices."""

    don_vi: int | None
    tong_don_vi: int


@dataclass(frozen=True)
class Followed:
    """Administrative judgments followed and completed, and the rate."""

    theo_doi: int | None
    xong: int | None
    ty_le: Decimal | None


@dataclass(frozen=True)
class CasesMoney:
    """A count of cases and an amount of money (nghìn đồng); None: not reported."""

    viec: int | None
    tien: int | None


@dataclass(frozen=True)
class Indicators:
    """The other work a report carries: citizens, complaints, guidance, training, other cases.

    A figure whose column the data lack (or leave empty) is None: unknown, never 0.
    """

    tiep_cong_dan: int | None
    khieu_nai: Handled
    to_cao: Handled
    xin_y_kien: Answered
    cong_chuc_tap_huan: int | None
    tap_huan_phan_mem: Training
    hanh_chinh: Followed
    tin_dung: CasesMoney
    tham_nhung: CasesMoney
    chuyen_ky_sau: CasesMoney


class _CasesAndMoney:
    """Figures given for cases (`viec`) and for money (`tien`), each a Result."""

    viec: Result
    tien: Result

    def result(self, kind: str) -> Result:
        """`viec` or `tien` by name."""
        return getattr(self, kind)


@dataclass(frozen=True)
class LastYear(_CasesAndMoney):
    """The same figures for the same period a year earlier; `gop_tu` names merged predecessors."""

    ky: str
    ten_ky: str
    viec: Result
    tien: Result
    gop_tu: list[str]


@dataclass(frozen=True)
class NationalLastYear(LastYear):
    so_tinh: int = 0                     # provinces that existed then


@dataclass(frozen=True)
class _Figures(_CasesAndMoney):
    """What every report's key figures start with: who, which period, cases and money."""

    tinh: str
    ten_tinh: str
    ten_day_du: str
    ky: str
    ten_ky: str
    tu_ngay: date
    den_ngay: date
    viec: Result
    tien: Result

    def to_json(self) -> dict:
        """Plain JSON values: the content of summary.json."""
        return plain(asdict(self))


@dataclass(frozen=True)
class KeyFigures(_Figures):
    """The key figures of one province for one period (summary.json); rates are Decimals, None when undefined.

    `r.figures.viec.ty_le` is the cases rate, `r.figures.tien.chi_tieu` the money target,
    `r.figures.cung_ky.viec.thi_hanh_xong` last year's completed cases (None without last year's data).
    """

    khac: Indicators
    don_vi: int                          # offices the province had at the period's end
    don_vi_thieu_so_lieu: list[str]      # those without a row for the period
    du_lieu_mau: bool                    # made from sample data
    cung_ky: LastYear | None
    theo_ngay: date | None = None        # made for the provinces of this day (--as-of); None: the period's end
    gop_tu: list[str] = field(default_factory=list)   # the provinces of the period's end whose figures these sum
    # Rank among every province of the day on the figures a conference quotes ('viec_phai_thi_hanh': Rank);
    # None when the data do not hold every province (a rank among some is never shown), or not every office of
    # this one.
    xep_thu: dict[str, "Rank"] | None = None
    # The provinces that ranking leaves out, their data lacking some of their offices (`incomplete`); empty
    # without a ranking.
    ngoai_xep_hang: list["LeftOut"] = field(default_factory=list)


@dataclass(frozen=True)
class NationalFigures(_Figures):
    """The key figures of the whole country for one period, against the national target."""

    so_tinh: int                         # provinces at the period's end (or on theo_ngay)
    so_tinh_co_so_lieu: int              # provinces with data
    dat_chi_tieu: CasesMoney             # provinces meeting their own cases / money target
    du_lieu_mau: bool
    cung_ky: NationalLastYear | None
    theo_ngay: date | None = None        # provinces as organised on this day (--as-of)
    ngoai_xep_hang: list["LeftOut"] = field(default_factory=list)   # left out of the ranking: some offices lack data


def _known(value) -> int | None:
    return None if pd.isna(value) else int(value)


def _share(part: int | None, whole: int | None) -> Decimal | None:
    return None if part is None or whole is None else rate(part, whole)


def _indicators(t: pd.Series, offices: list[Office]) -> Indicators:
    local = [o for o in offices if not o.is_provincial]
    n = {column: _known(t[column]) for column in schema.INDICATORS}
    return Indicators(
        tiep_cong_dan=n["tiep_cong_dan"],
        khieu_nai=Handled(n["khieu_nai_thu_ly"], n["khieu_nai_giai_quyet"],
                          _share(n["khieu_nai_giai_quyet"], n["khieu_nai_thu_ly"])),
        to_cao=Handled(n["to_cao_thu_ly"], n["to_cao_giai_quyet"], _share(n["to_cao_giai_quyet"], n["to_cao_thu_ly"])),
        xin_y_kien=Answered(n["xin_y_kien_nhan"], n["xin_y_kien_tra_loi"],
                            _share(n["xin_y_kien_tra_loi"], n["xin_y_kien_nhan"])),
        cong_chuc_tap_huan=n["cong_chuc_tap_huan"],
        tap_huan_phan_mem=Training(n["tap_huan_phan_mem"], len(local)),
        hanh_chinh=Followed(n["hanh_chinh_theo_doi"], n["hanh_chinh_xong"],
                            _share(n["hanh_chinh_xong"], n["hanh_chinh_theo_doi"])),
        tin_dung=CasesMoney(n["tin_dung_viec"], n["tin_dung_tien"]),
        tham_nhung=CasesMoney(n["tham_nhung_viec"], n["tham_nhung_tien"]),
        # Its own column when the data have it; else phải thi hành − thi hành xong, as the published totals do.
        chuyen_ky_sau=CasesMoney(*(_known(t[f"{k}_chuyen_ky_sau"]) if pd.notna(t[f"{k}_chuyen_ky_sau"])
                                   else int(t[f"{k}_phai_thi_hanh"] - t[f"{k}_xong"] - t[f"{k}_dinh_chi"])
                                   for k in ("viec", "tien"))),
    )


def plain(value):
    """JSON-ready copy: Decimals become numbers with at most 2 decimals, dates ISO strings."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def key_figures(ds: Dataset, province: Province, period: Period, as_of: date | None = None) -> KeyFigures:
    """The key figures of a province for a period (docs/ty-le-va-chi-tieu.md); `as_of`: the province is one of
    that day's, its figures over an earlier period the sum of its predecessors'."""
    offices = _offices(ds, province, period)
    current = totals(ds, province, period)
    if current is None:
        raise ThadsError(f"Không có số liệu của {province.label} (mã {province.code}) kỳ {period.label} "
                         f"trong thư mục dữ liệu {ds.folder}.")
    lacking = missing(ds, province, period)
    if lacking:
        raise ThadsError(f"Không có số liệu kỳ {period.label} của {', '.join(f'{p.label} (mã {p.code})' for p in lacking)}"
                         f", một phần của {province.label} (mã {province.code}): tổng số liệu sẽ thiếu cả một tỉnh.")
    reported = set(_rows(ds, offices, period)["don_vi"])
    results = _results(current, ds.target_of(period.year, province, period.end))
    previous = period.same_period_last_year
    # Last year only when every province that made it up has figures: never a part compared with a whole.
    last = None if missing(ds, province, previous) else totals(ds, province, previous)
    cung_ky = None
    if last is not None:
        then = ds.units.lineage(province, previous.end)
        target = ds.target_of(previous.year, then[0], previous.end) if len(then) == 1 else (None, None)
        before = _results(last, target)
        cung_ky = LastYear(previous.code, previous.label, before["viec"], before["tien"],
                           [f"{p.full_name} ({p.code})" for p in merged_from(ds, province, previous)])
    made_of = [] if province.valid_on(period.end) else ds.units.lineage(province, period.end)
    ranked = ranks(ds, province, period, as_of or period.end)
    return KeyFigures(
        tinh=province.code, ten_tinh=province.name, ten_day_du=province.full_name,
        ky=period.code, ten_ky=period.label, tu_ngay=period.start, den_ngay=period.end,
        viec=results["viec"], tien=results["tien"], khac=_indicators(current, offices),
        don_vi=len(offices), don_vi_thieu_so_lieu=[o.code for o in offices if o.code not in reported],
        du_lieu_mau=ds.is_sample, cung_ky=cung_ky, theo_ngay=as_of,
        gop_tu=[f"{p.full_name} ({p.code})" for p in made_of],
        xep_thu=ranked, ngoai_xep_hang=[] if ranked is None else incomplete(ds, period, as_of or period.end))


# Rank among provinces -------------------------------------------------------------------------
@dataclass(frozen=True)
class Rank:
    """A province's place on one figure: 1 = the largest count or the highest rate; ties share a place."""

    hang: int
    tren: int                            # provinces ranked on it (those with the figure)


RANKED = schema.RANKED


def peers(ds: Dataset, period: Period, day: date) -> dict[str, dict[str, Result]]:
    """Cases and money ({'viec', 'tien'}) of every province existing on `day` that has data for the period (from
    each of its predecessors), by code. Computed once per loaded folder, period and day."""
    def make(loaded: Dataset):
        out = {}
        for p in loaded.units.provinces_on(day):
            t = totals(loaded, p, period)
            if t is not None and not missing(loaded, p, period):
                out[p.code] = _results(t, (None, None))
        return out
    return ds.memo(("peers", period.code, day), make)


@dataclass(frozen=True)
class LeftOut:
    """A province left out of the ranking: it has data for the period, but not from every office."""

    ma: str
    ten: str                             # 'tỉnh Hậu Giang', as it reads inside a sentence
    co_so_lieu: int                      # offices with a row for the period
    don_vi: int                          # offices valid at the period's end (of its predecessors, for a later one)


def incomplete(ds: Dataset, period: Period, day: date) -> list[LeftOut]:
    """The provinces existing on `day` whose data for the period are incomplete: they have rows, but not one for
    every office valid at the period's end (of each predecessor, for a province formed later). Ranked on partial
    totals, such a province would take a wrong place and move every other one's: no ranking includes it. Computed
    once per loaded folder, period and day."""
    def make(loaded: Dataset):
        reported = set(loaded.period_rows(period.year, period.month)["don_vi"])
        out = []
        for p in loaded.units.provinces_on(day):
            codes = {o.code for o in _offices(loaded, p, period)}
            if codes & reported and not codes <= reported:
                out.append(LeftOut(p.code, p.label, len(codes & reported), len(codes)))
        return out
    return list(ds.memo(("incomplete", period.code, day), make))


def coverage(ds: Dataset, period: Period, day: date) -> tuple[int, int]:
    """(provinces with data for the period, provinces existing on `day`)."""
    return len(peers(ds, period, day)), len(ds.units.provinces_on(day))


def ranks(ds: Dataset, province: Province, period: Period, day: date) -> dict[str, Rank] | None:
    """The province's rank on each figure of `RANKED` among the provinces of `day` whose data are complete, or
    None when the data do not hold every province (a rank among some is never given) or not every office of this
    one (`incomplete`: those are never ranked, and never counted in N). A figure the province lacks (no rate, no
    flow columns) is not ranked; the others are ranked among the provinces that have it."""
    having, total = coverage(ds, period, day)
    table = peers(ds, period, day)
    left_out = {p.ma for p in incomplete(ds, period, day)}
    if having < total or province.code not in table or province.code in left_out:
        return None
    table = {code: r for code, r in table.items() if code not in left_out}
    return _ranks(table, province.code)


def _ranks(table: dict[str, dict[str, Result]], code: str) -> dict[str, Rank]:
    """`code`'s rank in `table` ({code: {"viec", "tien"}}) on each figure of RANKED it has, among those that have it;
    1 is the largest, ties share a place."""
    out = {}
    for kind, figure in RANKED:
        mine = getattr(table[code][kind], figure)
        if mine is None:
            continue
        values = [v for v in (getattr(r[kind], figure) for r in table.values()) if v is not None]
        out[f"{kind}_{figure}"] = Rank(1 + sum(v > mine for v in values), len(values))
    return out


def summary(ds: Dataset, province: Province, period: Period, as_of: date | None = None) -> dict:
    """`key_figures` as plain JSON values (the content of summary.json)."""
    return key_figures(ds, province, period, as_of).to_json()


def _ranked(records: list[dict]) -> pd.DataFrame:
    """A table ranked by the cases rate (rows without a rate last), with its rank in column `hang`."""
    table = pd.DataFrame.from_records(records)
    if not table.empty:
        table["_key"] = table["viec_ty_le"].map(lambda v: -1 if v is None else float(v))
        table = table.sort_values(["_key", "ma"], ascending=[False, True]).drop(columns="_key")
        table.insert(0, "hang", range(1, len(table) + 1))
    return table.reset_index(drop=True)


RATE_FIGURES = [f"{kind}_{figure}" for kind in ("viec", "tien") for figure in ("xong", "dinh_chi", "co_dieu_kien")]


def _path(period: Period, totals_of) -> pd.DataFrame:
    """Cumulative rates for each month of the period's year and the year before, from `totals_of(period)`.

    Columns: `thang` (1..k), `nhan` ('08/2024'), `viec_ty_le`, `tien_ty_le`, `viec_ty_le_cung_ky`,
    `tien_ty_le_cung_ky` (Decimal rates, None where there is no data or no denominator).
    """
    records = []
    for month in range(1, period.month + 1):
        record = {"thang": month, "nhan": "{1:02d}/{0}".format(*period.calendar_month(month))}
        for key, p in (("", Period(period.year, month)), ("_cung_ky", Period(period.year - 1, month))):
            t = totals_of(p)
            for kind in ("viec", "tien"):
                record[f"{kind}_ty_le{key}"] = None if t is None else rate(
                    t[f"{kind}_xong"] + t[f"{kind}_dinh_chi"], t[f"{kind}_co_dieu_kien"])
        records.append(record)
    return pd.DataFrame.from_records(records)


def office_table(ds: Dataset, province: Province, period: Period) -> pd.DataFrame:
    """One row per office of the province at the period's end (of its predecessors, for a province formed
    later) that reported, ranked by the cases rate.

    Columns: `hang` (rank), `ma`, `don_vi` (short name), `ten`, `cap_tinh` (the provincial office), then for
    `viec` and `tien`: `*_phai_thi_hanh`, `*_co_dieu_kien`, `*_thi_hanh_xong` (including đình chỉ), `*_ty_le`
    (Decimal or None) and `*_dat` (target met: True, False, or None without a target or a rate).
    """
    offices = _offices(ds, province, period)
    rows = _rows(ds, offices, period).set_index("don_vi")
    targets = ds.target_of(period.year, province, period.end)
    # Offices of several old provinces (a province of a later day): a Chi cục is named with its province, as
    # two provinces may each have had a huyện Châu Thành.
    several = len(ds.units.lineage(province, period.end)) > 1
    records = []
    for o in offices:
        if o.code not in rows.index:
            continue
        r = _results(rows.loc[o.code], targets)
        where = ds.units.province(o.province, period.end) if several and not o.is_provincial else None
        records.append({"ma": o.code, "don_vi": o.short_name + (f" ({where.name})" if where else ""),
                        "ten": o.name + (f", {where.label}" if where else ""), "cap_tinh": o.is_provincial,
                        **{f"{k}_{f}": getattr(r[k], f) for k in ("viec", "tien")
                           for f in ("phai_thi_hanh", "co_dieu_kien", "thi_hanh_xong", "ty_le")},
                        "viec_dat": r["viec"].met, "tien_dat": r["tien"].met})
    return _ranked(records)


def monthly_path(ds: Dataset, province: Province, period: Period) -> pd.DataFrame:
    """Cumulative rates month by month this statistical year, beside the same months last year."""
    return _path(period, lambda p: totals(ds, province, p, RATE_FIGURES))


# The whole country ----------------------------------------------------------------------------
def national_totals(ds: Dataset, period: Period, columns: list[str] = schema.FIGURES) -> pd.Series | None:
    """Summed figures (`columns`) of every office that reported for the period; None without data."""
    rows = ds.period_rows(period.year, period.month)
    return None if rows.empty else rows[columns].sum(min_count=1)   # <NA> where nobody reported it


def province_ranking(ds: Dataset, period: Period, as_of: date | None = None) -> pd.DataFrame:
    """Every province of the period's end (or of `as_of`) with its rates against its own target, ranked by the
    cases rate; a province whose data lack some of its offices (`incomplete`) is left out, as in `ranks`."""
    records = []
    left_out = {p.ma for p in incomplete(ds, period, as_of or period.end)}
    for province in ds.units.provinces_on(as_of or period.end):
        t = totals(ds, province, period)
        if t is None or missing(ds, province, period) or province.code in left_out:   # never ranked on a part
            continue
        r = _results(t, ds.target_of(period.year, province, period.end))
        previous = period.same_period_last_year
        last = None if missing(ds, province, previous) else totals(ds, province, previous)
        records.append({
            "ma": province.code, "tinh": province.name, "ten": province.full_name,
            **{f"{k}_{f}": getattr(r[k], f) for k in ("viec", "tien")
               for f in ("phai_thi_hanh", "co_dieu_kien", "thi_hanh_xong", "ty_le", "chi_tieu", "chenh_lech")},
            "viec_dat": r["viec"].met, "tien_dat": r["tien"].met,
            **{f"{k}_ty_le_cung_ky": None if last is None else rate(last[f"{k}_xong"] + last[f"{k}_dinh_chi"],
                                                                    last[f"{k}_co_dieu_kien"])
               for k in ("viec", "tien")},
        })
    return _ranked(records)


def national_key_figures(ds: Dataset, period: Period, ranking: pd.DataFrame | None = None,
                         as_of: date | None = None) -> NationalFigures:
    """The key figures of the whole country against the national target, and the ranking summary (of the
    provinces of `as_of`, when given)."""
    current = national_totals(ds, period)
    if current is None:
        raise ThadsError(f"Không có số liệu kỳ {period.label} trong thư mục dữ liệu {ds.folder}.")
    ranking = province_ranking(ds, period, as_of) if ranking is None else ranking
    results = _results(current, ds.target(period.year, schema.NATIONAL))
    met = {k: int((ranking[f"{k}_dat"] == True).sum()) if not ranking.empty else 0  # noqa: E712
           for k in ("viec", "tien")}
    previous = period.same_period_last_year
    last = national_totals(ds, previous)
    cung_ky = None
    if last is not None:
        before = _results(last, ds.target(previous.year, schema.NATIONAL))
        cung_ky = NationalLastYear(previous.code, previous.label, before["viec"], before["tien"], [],
                                   len(ds.units.provinces_on(previous.end)))
    return NationalFigures(
        tinh=schema.NATIONAL, ten_tinh="Toàn quốc", ten_day_du="Toàn quốc", ky=period.code, ten_ky=period.label,
        tu_ngay=period.start, den_ngay=period.end, viec=results["viec"], tien=results["tien"],
        so_tinh=len(ds.units.provinces_on(as_of or period.end)), so_tinh_co_so_lieu=len(ranking),
        dat_chi_tieu=CasesMoney(met["viec"], met["tien"]), du_lieu_mau=ds.is_sample, cung_ky=cung_ky, theo_ngay=as_of,
        ngoai_xep_hang=incomplete(ds, period, as_of or period.end))


RANKING_COLUMNS = ["hang", "ma", "tinh", "viec_ty_le", "viec_chi_tieu", "viec_dat", "tien_ty_le", "tien_chi_tieu",
                   "tien_dat"]


def national_summary(ds: Dataset, period: Period, as_of: date | None = None) -> dict:
    """`national_key_figures` as plain JSON values, with the province ranking."""
    ranking = province_ranking(ds, period, as_of)
    out = national_key_figures(ds, period, ranking, as_of).to_json()
    out["xep_hang"] = plain(ranking[RANKING_COLUMNS].to_dict("records")) if not ranking.empty else []
    return out


def national_path(ds: Dataset, period: Period) -> pd.DataFrame:
    """The country's cumulative rates month by month, beside the same months last year."""
    return _path(period, lambda p: national_totals(ds, p, RATE_FIGURES))


# One enforcement office -----------------------------------------------------------------------------------------
# An office's report (`office.OfficeReport`) reads the office's own row of each period: the same flow, rates, targets
# and absent-figure rules as a province, over one office. The rows of an office code count only for the office that
# held the code at each period's end: a province's own office code is the Cục THADS's until 30/06/2025 and the THADS
# tỉnh's after, and office figures are never compared across the 2025 reorganisation (docs/sap-xep-2025.md).
@dataclass(frozen=True)
class Targets:
    """The cases and money targets (percent) of a province: those an office without its own is compared with."""

    viec: Decimal | None
    tien: Decimal | None


@dataclass(frozen=True)
class OfficeFigures(_Figures):
    """The key figures of one office for one period (its summary.json). `tinh`, `ten_tinh`: its province at the
    period's end; `ten_day_du`: the office's name as the index shows it."""

    don_vi: str                          # the office's code
    ten_don_vi: str                      # 'Chi cục Thi hành án dân sự huyện Châu Thành'
    loai_don_vi: str                     # cuc, chi_cuc, thads_tinh, phong_khu_vuc
    cap_tinh: bool                       # the province's own office (code = the province code)
    khac: Indicators
    du_lieu_mau: bool
    cung_ky: LastYear | None
    chi_tieu_cua: str | None             # whose target `viec.chi_tieu` is: "don_vi" (its own), "tinh" (the
                                         # province's, the office having none of its own) or None (no target)
    chi_tieu_tinh: Targets               # the province's targets
    so_don_vi: int                       # offices of the province at the period's end
    don_vi_thieu_so_lieu: list[str]      # those without a row for the period: no rank in the province then
    # Rank among the offices of the province on the figures of RANKED; None unless every office has data.
    xep_thu: dict[str, Rank] | None = None
    khong_cung_ky: str | None = None     # why there is no last year: "thanh_lap" (the office did not exist then,
                                         # or its code was another office's) or "khong_co_so_lieu"


def holds(ds: Dataset, office: Office, day: date) -> bool:
    """Whether `office` is the one holding its code on `day`: rows of that day's periods are its own."""
    return ds.units.office(office.code, day) == office


def office_totals(ds: Dataset, office: Office, period: Period, columns: list[str] = schema.FIGURES
                  ) -> pd.Series | None:
    """The office's own figures (`columns`) for the period, as `totals` gives a province's; None without its row, or
    when the code belonged to another office at the period's end."""
    if not holds(ds, office, period.end):
        return None
    figures = ds.period_figures(period.year, period.month, tuple(columns))
    mine = figures.offices == office.code
    if not mine.any():
        return None
    unknown = ~figures.known[mine].any(axis=0)
    return pd.Series(pd.arrays.IntegerArray(figures.values[mine].sum(axis=0), unknown), index=list(columns))


def office_province(ds: Dataset, office: Office, day: date) -> Province:
    """The province the office belongs to on `day`."""
    return ds.units.province(office.province, day)


def office_target(ds: Dataset, office: Office, period: Period) -> tuple[tuple[Decimal | None, Decimal | None],
                                                                       str | None]:
    """((cases, money) target, whose): the office's own target of the year (targets.csv `don_vi`), else its
    province's ("tinh"), else (None, None) and None."""
    own = ds.office_target(period.year, office.code)
    if own is not None:
        return own, "don_vi"
    province = ds.target_of(period.year, office_province(ds, office, period.end), period.end)
    return province, ("tinh" if any(t is not None for t in province) else None)


def office_results(ds: Dataset, province: Province, period: Period) -> dict[str, dict[str, Result]]:
    """Cases and money ({'viec', 'tien'}, without targets) of every office of the province at the period's end that
    has a row for it, by code: what an office's rank in its province compares. Computed once per loaded folder."""
    def make(loaded: Dataset):
        out = {}
        for o in loaded.units.offices_of(province, period.end):
            t = office_totals(loaded, o, period)
            if t is not None:
                out[o.code] = _results(t, (None, None))
        return out
    return ds.memo(("office results", period.code, province.code), make)


def office_ranks(ds: Dataset, office: Office, period: Period) -> dict[str, Rank] | None:
    """The office's place among the offices of its province ("xếp thứ k/N trong tỉnh") on each figure of RANKED, or
    None unless every office of the province at the period's end has data for the period (a rank among some is never
    given). A figure the office lacks is not ranked; the others among the offices that have it."""
    province = office_province(ds, office, period.end)
    table = office_results(ds, province, period)
    if len(table) < len(ds.units.offices_of(province, period.end)) or office.code not in table:
        return None
    return _ranks(table, office.code)


def _office_last_year(ds: Dataset, office: Office, period: Period) -> tuple[LastYear | None, str | None]:
    """The same period a year earlier for the same office, or (None, why): never another office's figures."""
    previous = period.same_period_last_year
    if not holds(ds, office, previous.end):
        return None, "thanh_lap"
    last = office_totals(ds, office, previous)
    if last is None:
        return None, "khong_co_so_lieu"
    before = _results(last, office_target(ds, office, previous)[0])
    return LastYear(previous.code, previous.label, before["viec"], before["tien"], []), None


def office_key_figures(ds: Dataset, office: Office, period: Period) -> OfficeFigures:
    """The key figures of an office valid at the period's end (docs/bao-cao-don-vi.md)."""
    current = office_totals(ds, office, period)
    province = office_province(ds, office, period.end)
    if current is None:
        raise ThadsError(f"Không có số liệu của {office.name} (mã {office.code}, {province.label}) kỳ {period.label} "
                         f"(đến {period.end:%d/%m/%Y}) trong thư mục dữ liệu {ds.folder}.")
    target, whose = office_target(ds, office, period)
    results = _results(current, target)
    cung_ky, why = _office_last_year(ds, office, period)
    offices = ds.units.offices_of(province, period.end)
    reported = set(office_results(ds, province, period))
    return OfficeFigures(
        tinh=province.code, ten_tinh=province.name, ten_day_du=office.name + _in_province(office, province),
        ky=period.code, ten_ky=period.label, tu_ngay=period.start, den_ngay=period.end,
        viec=results["viec"], tien=results["tien"], don_vi=office.code, ten_don_vi=office.name,
        loai_don_vi=office.kind, cap_tinh=office.is_provincial, khac=_indicators(current, [office]),
        du_lieu_mau=ds.is_sample, cung_ky=cung_ky, chi_tieu_cua=whose,
        chi_tieu_tinh=Targets(*ds.target_of(period.year, province, period.end)), so_don_vi=len(offices),
        don_vi_thieu_so_lieu=[o.code for o in offices if o.code not in reported],
        xep_thu=office_ranks(ds, office, period), khong_cung_ky=why)


def _in_province(office: Office, province: Province) -> str:
    """', tỉnh Hậu Giang' after a local office's name (the province's own office names its province already)."""
    return "" if office.is_provincial or province.name in office.name else f", {province.label}"


def office_summary(ds: Dataset, office: Office, period: Period) -> dict:
    """`office_key_figures` as plain JSON values (the content of an office report's summary.json)."""
    return office_key_figures(ds, office, period).to_json()


def office_path(ds: Dataset, office: Office, period: Period) -> pd.DataFrame:
    """The office's cumulative rates month by month this statistical year, beside the same months last year; a month
    when the office did not hold its code (before it was formed) has none."""
    return _path(period, lambda p: office_totals(ds, office, p, RATE_FIGURES))


def province_results(ds: Dataset, province: Province, period: Period) -> dict[str, Result] | None:
    """Cases and money ({'viec', 'tien'}) of the whole province against its target, for an office's report to set
    its rates beside; None without data, or when a predecessor of the province lacks it (never a part for a whole)."""
    t = totals(ds, province, period)
    if t is None or missing(ds, province, period):
        return None
    return _results(t, ds.target_of(period.year, province, period.end))
