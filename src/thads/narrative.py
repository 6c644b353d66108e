"""The report's sentences: the wording templates (`wording`) rendered with a report's figures.

Each function builds the fields a template uses from the key figures of `metrics` and returns Markdown. The
words are the templates'; what stays here is which figures a template sees (absent figures as None, never 0;
ranks only for the figures the project states in its text) and the rules a template calls (`wording` filters).
"""

from __future__ import annotations

import pandas as pd

from thads.metrics import RANKED, KeyFigures, NationalFigures
from thads.periods import Period
from thads.units import Province
from markupsafe import Markup

from thads.wording import KINDS, Wording

RANKS_IN_TEXT = ("viec_ty_le", "tien_ty_le")     # the two completion rates, as published reports rank them
FOOTNOTE_MARK = Markup("(*)")          # template text, not a field to escape


def _wording(wording: Wording | None) -> Wording:
    return wording if wording is not None else Wording()


def _records(table: pd.DataFrame | None) -> list[dict]:
    """Rows as dicts with None for missing values (a template tests `is known`, never NaN)."""
    if table is None or table.empty:
        return []
    # As to_dict("records") gives them (Python ints, floats and bools), in a fifth of its time: the fields are
    # made for every template a report renders.
    columns = list(table.columns)
    return [{k: (None if v is pd.NA or (isinstance(v, float) and v != v) else v) for k, v in zip(columns, row)}
            for row in table.astype(object).to_numpy()]


def _grading(offices: list[dict], kf: KeyFigures) -> dict:
    """Per kind: whether there is a target, offices with a rate (highest first), those meeting and missing it."""
    graded = {}
    for kind in KINDS:
        rated = sorted((o for o in offices if o.get(f"{kind}_ty_le") is not None),
                       key=lambda o: float(o[f"{kind}_ty_le"]), reverse=True)
        graded[kind] = {"co_chi_tieu": kf.result(kind).chi_tieu is not None, "co_ty_le": rated,
                        "dat": [o for o in rated if o.get(f"{kind}_dat") is True],
                        "chua_dat": [o for o in rated if o.get(f"{kind}_dat") is False]}
    return graded


def offices_words(province: Province, kf: KeyFigures) -> dict[str, str]:
    """The provincial office and its local offices as the text names them: for a province of a later day over an
    earlier period (`--as-of`), its predecessors' Cục and Chi cục."""
    if kf.gop_tu:
        many = len(kf.gop_tu) > 1
        return {"tinh": "các Cục Thi hành án dân sự" if many else f"Cục Thi hành án dân sự {province.kind}",
                "don_vi": "Chi cục Thi hành án dân sự"}
    if province.valid_from is None:
        return {"tinh": f"Cục Thi hành án dân sự {province.kind}", "don_vi": "Chi cục Thi hành án dân sự"}
    return {"tinh": f"Thi hành án dân sự {province.kind}", "don_vi": "Phòng Thi hành án dân sự khu vực"}


def _dated(period: Period, extra: dict) -> dict:
    """`chua_het_nam` (the statistical year still running on the report's date: "từ nay đến ngày 30/09" can be said)
    from `ngay_bao_cao`, where the caller gave the date and not that field; True without a date."""
    if "chua_het_nam" in extra:
        return extra
    signed = extra.get("ngay_bao_cao")
    return {**extra, "chua_het_nam": signed is None or signed < period.year_end.end}


def province_context(kf: KeyFigures, province: Province, period: Period, offices: pd.DataFrame | None = None,
                     monthly: pd.DataFrame | None = None, ranks_in_text=RANKS_IN_TEXT, **extra) -> dict:
    """The fields of a province report's templates (docs/loi-van.md lists them)."""
    extra = _dated(period, extra)
    ranked = kf.xep_thu or {}
    rows = _records(offices)
    return {"loai_bao_cao": "province", "ky": period, "tinh": province, "viec": kf.viec, "tien": kf.tien,
            "cung_ky": kf.cung_ky, "khac": kf.khac, "gop_tu": list(kf.gop_tu), "theo_ngay": kf.theo_ngay,
            "xep_thu": {f"{kind}_{figure}": (ranked.get(f"{kind}_{figure}") if f"{kind}_{figure}" in ranks_in_text
                                             else None) for kind, figure in RANKED},
            "xep_thu_day_du": dict(ranked), "co_xep_hang": bool(ranked), "don_vi": rows,
            "xep_loai": _grading(rows, kf), "thang": _records(monthly), "co_quan": offices_words(province, kf),
            "dau_chu_thich": FOOTNOTE_MARK, "don_vi_thieu_so_lieu": list(kf.don_vi_thieu_so_lieu), **extra}


def national_context(kf: NationalFigures, period: Period, ranking: pd.DataFrame | None = None,
                     monthly: pd.DataFrame | None = None, **extra) -> dict:
    """The fields of the national overview's templates."""
    extra = _dated(period, extra)
    return {"loai_bao_cao": "national", "ky": period, "viec": kf.viec, "tien": kf.tien, "cung_ky": kf.cung_ky,
            "so_tinh": kf.so_tinh, "so_tinh_co_so_lieu": kf.so_tinh_co_so_lieu, "dat_chi_tieu": kf.dat_chi_tieu,
            "xep_hang": _records(ranking), "thang": _records(monthly), "theo_ngay": kf.theo_ngay,
            "xep_thu": {f"{kind}_{figure}": None for kind, figure in RANKED}, "dau_chu_thich": FOOTNOTE_MARK,
            "don_vi_thieu_so_lieu": [], **extra}


# Province report ------------------------------------------------------------------------------------
def results(kf: KeyFigures, province: Province, period: Period, wording: Wording | None = None,
            ranks_in_text=RANKS_IN_TEXT) -> str:
    """The opening paragraphs: cases, then money, each against its target."""
    w, fields = _wording(wording), province_context(kf, province, period, ranks_in_text=ranks_in_text)
    return "\n\n".join(w.text(name, **fields) for name in ("tinh/ket-qua-viec.md.j2", "tinh/ket-qua-tien.md.j2"))


def organised_footnote(kf: KeyFigures, province: Province, period: Period, wording: Wording | None = None
                       ) -> str | None:
    """For a report on the provinces of a later day (--as-of): whose figures the period's are."""
    if not kf.gop_tu:
        return None
    return _wording(wording).text("tinh/theo-ngay.md.j2", **province_context(kf, province, period))


def against_last_year(kf: KeyFigures, province: Province, period: Period, wording: Wording | None = None) -> str:
    """Comparison with the same period a year earlier (tăng/giảm), or why there is none."""
    return _wording(wording).text("tinh/so-sanh-cung-ky.md.j2", **province_context(kf, province, period))


def merged_footnote(kf: KeyFigures, province: Province, period: Period, wording: Wording | None = None
                    ) -> str | None:
    """The footnote saying last year's figures sum the provinces merged into this one."""
    if not kf.cung_ky or not kf.cung_ky.gop_tu:
        return None
    return _wording(wording).text("tinh/hop-nhat.md.j2", **province_context(kf, province, period))


def offices(table: pd.DataFrame, kf: KeyFigures, province: Province, period: Period,
            wording: Wording | None = None) -> str:
    """Offices meeting and missing the targets, named, each list in the order of its own rate."""
    return _wording(wording).text("tinh/don-vi.md.j2", **province_context(kf, province, period, offices=table))


def other_work(kf: KeyFigures, province: Province, period: Period, wording: Wording | None = None) -> str:
    """Citizen reception, complaints, guidance, training and other indicators: only what the data report."""
    return _wording(wording).text("tinh/cong-tac-khac.md.j2", **province_context(kf, province, period))


def still_needed(kf: KeyFigures, province: Province, period: Period, wording: Wording | None = None) -> str:
    """The computed part of 'tasks and solutions': what remains to reach the targets by 30/09."""
    return _wording(wording).text("tinh/con-phai-thuc-hien.md.j2", **province_context(kf, province, period))


# National overview ----------------------------------------------------------------------------------
def national_results(kf: NationalFigures, period: Period, wording: Wording | None = None) -> str:
    """The opening paragraphs of the national overview, against the national target."""
    return _wording(wording).text("toan-quoc/ket-qua.md.j2", **national_context(kf, period))


def ranking(table: pd.DataFrame, kf: NationalFigures, period: Period, wording: Wording | None = None) -> str:
    """How many provinces met their targets, the best and the lowest."""
    return _wording(wording).text("toan-quoc/xep-hang.md.j2", **national_context(kf, period, ranking=table))


def national_last_year(kf: NationalFigures, period: Period, wording: Wording | None = None) -> str:
    return _wording(wording).text("toan-quoc/so-sanh-cung-ky.md.j2", **national_context(kf, period))


def monthly_note(context: dict, shown_last_year: bool, shown_target: bool, wording: Wording | None = None) -> str:
    """What the monthly chart shows."""
    return _wording(wording).text("chung/dien-bien-thang.md.j2", **context, co_cung_ky=shown_last_year,
                                  co_chi_tieu=shown_target)

