"""The kinds of report: for each, its notebook, what one report is about, what the notebook is given
and what it reads (so that a report whose inputs did not change is skipped).

A new kind (a report per enforcement office, say) is one more entry here and one notebook.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from thads import metrics
from thads.dataset import Dataset
from thads.errors import ThadsError
from thads.periods import Period
from thads.units import Province, Units


@dataclass(frozen=True)
class Subject:
    """What one report is about: a province, or the whole country."""

    code: str                      # its folder under outputs/<period>/
    name: str                      # 'Hậu Giang', 'Toàn quốc'
    full_name: str                 # 'Tỉnh Hậu Giang', 'toàn quốc'
    slug: str = ""                 # names a notebook variant: <notebook>.<slug>.ipynb
    province: Province | None = None


@dataclass(frozen=True)
class Scope:
    """What a report reads from the data: office codes and target codes (None: all of them)."""

    offices: frozenset[str] | None
    targets: frozenset[str] | None
    peers: bool = False            # also every office of the period (ranks among all provinces)
    coverage: tuple[int, int] | None = None   # (provinces with data, provinces), which a report without ranks states


@dataclass(frozen=True)
class Kind:
    name: str
    notebook: str                                                  # file name in the notebooks folder
    # The subjects asked for, among the provinces of a day (the period's end, or --as-of)
    subjects: Callable[[Units, Period, tuple[str, ...], date | None], list[Subject]]
    parameters: Callable[[Subject, Path], dict]                    # beyond period, data_dir and report_date
    scope: Callable[[Dataset, Subject, Period, date], Scope]
    has_data: Callable[[Dataset, Subject, Period], bool]           # whether the data hold the period for it
    notes: bool = False                                            # reads an analyst's note <period>/<code>.md

    def variant(self, folder: Path, subject: Subject) -> Path:
        """The subject's own notebook when one sits beside the shared one, else the shared one."""
        shared = Path(folder) / self.notebook
        own = shared.with_name(f"{shared.stem}.{subject.slug}{shared.suffix}") if subject.slug else None
        return own if own is not None and own.is_file() else shared


def _provinces(units: Units, period: Period, asked: tuple[str, ...], as_of: date | None = None) -> list[Subject]:
    if [a.lower() for a in asked] == ["all"]:
        chosen = units.provinces_on(as_of or period.end)
    else:
        chosen = [units.resolve(text, period, as_of) for text in asked]
    return [Subject(p.code, p.name, p.full_name, p.slug, p) for p in chosen]


def _province_scope(ds: Dataset, subject: Subject, period: Period, day: date) -> Scope:
    """Every office of the province and of its predecessors over this year and the last; and every office of
    the period when the report ranks the province among all of them."""
    province = subject.province
    codes = {province.code, *province.predecessors}
    first, last = Period(period.year - 1, 1).start, period.end
    offices = {o.code for o in ds.units.offices if o.province in codes
               and (o.valid_to is None or o.valid_to >= first) and (o.valid_from is None or o.valid_from <= last)}
    return Scope(frozenset(offices), frozenset(codes), metrics.ranks(ds, province, period, day) is not None,
                 metrics.coverage(ds, period, day))


NATIONAL = Subject("toan-quoc", "Toàn quốc", "toàn quốc")

KINDS = {
    "province": Kind(
        name="province", notebook="province_report.ipynb", subjects=_provinces,
        parameters=lambda subject, notes: {"province": subject.code, "notes_dir": str(notes)},
        scope=_province_scope,
        has_data=lambda ds, subject, period: metrics.totals(ds, subject.province, period) is not None, notes=True),
    "national": Kind(
        name="national", notebook="national_overview.ipynb", subjects=lambda units, period, asked, as_of: [NATIONAL],
        parameters=lambda subject, notes: {},
        scope=lambda ds, subject, period, day: Scope(None, None),
        has_data=lambda ds, subject, period: metrics.national_totals(ds, period) is not None),
}


def get(name: str) -> Kind:
    """The kind called `name`; an unknown one is refused with the known ones."""
    try:
        return KINDS[name]
    except KeyError:
        raise ThadsError(f"Loại báo cáo '{name}' không có: chọn {', '.join(KINDS)}.") from None
