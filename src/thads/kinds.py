"""The kinds of report: for each, its notebook, what one report is about, what the notebook is given
and what it reads (so that a report whose inputs did not change is skipped).

A new kind (a report per enforcement office, say) is one more entry here and one notebook; another package adds one
with an entry point in the group `thads.kinds` naming its Kind.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from datetime import date
from pathlib import Path

from thads import notes as _notes
from thads.errors import ThadsError
from thads.periods import Period
from thads.units import Office, Province, Units, resolve_office

if TYPE_CHECKING:
    from thads.dataset import Dataset


@dataclass(frozen=True)
class Subject:
    """What one report is about: a province, or the whole country."""

    code: str                      # its folder under outputs/<period>/
    name: str                      # 'Hậu Giang', 'Toàn quốc'
    full_name: str                 # 'Tỉnh Hậu Giang', 'toàn quốc'
    slug: str = ""                 # names a notebook variant: <notebook>.<slug>.ipynb
    province: Province | None = None
    office: Office | None = None   # an enforcement office's report: the office
    place: str = ""                # its folder under outputs/<period>/ when not `code` ('93/don-vi/931')
    named: bool | None = None      # asked for by name (True) or as part of a province or `all` (False); None: as
                                   # the request's provinces say


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
    example: str = ""              # how its notebook makes the report object, for messages
    label: str = ""                # what the CLI's --report choice means, in Vietnamese
    folder: str = r"\d{2}"         # the pattern of its folders under outputs/<period>/
    index_name: str = ""           # its row's name in the index when the report has no summary.json
    index_order: int = 1           # rows of a period in the index: lower first
    # The analyst's note it reads (when `notes`): (notes folder, period, subject, as_of day) -> the file
    note: Callable[[Path, Period, Subject, date | None], Path] = \
        lambda folder, period, subject, as_of: _notes.note_path(folder, period, subject.code, as_of)

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
    from thads import metrics

    province = subject.province
    codes = {province.code, *province.predecessors}
    first, last = Period(period.year - 1, 1).start, period.end
    offices = {o.code for o in ds.units.offices if o.province in codes
               and (o.valid_to is None or o.valid_to >= first) and (o.valid_from is None or o.valid_from <= last)}
    return Scope(frozenset(offices), frozenset(codes), metrics.ranks(ds, province, period, day) is not None,
                 metrics.coverage(ds, period, day))


def _metrics():
    from thads import metrics      # on first use: the CLI reads the kinds before any data is loaded

    return metrics


# Enforcement offices ------------------------------------------------------------------------------------------------
OFFICES_FOLDER = "don-vi"        # an office's report: outputs/<period>/<province code>/don-vi/<office code>/


def _office_subject(units: Units, office: Office, period: Period, named: bool) -> Subject:
    province = units.province(office.province, period.end)
    name = office.short_name if office.is_provincial else f"{office.short_name} ({province.name})"
    return Subject(office.code, name, office.name, office.code.lower(), province, office,
                   f"{province.code}/{OFFICES_FOLDER}/{office.code}", named)


def _offices(units: Units, period: Period, asked: tuple[str, ...], as_of: date | None = None,
             offices: tuple[str, ...] = ()) -> list[Subject]:
    """Every office of the provinces asked for (`all`: of every province) valid at the period's end, or the offices
    named (`--office`, by code or by a name unique among that day's offices; one province asked for narrows the
    names). Office figures are never summed for the provinces of a later day: `--as-of` is refused."""
    if as_of is not None:
        raise ThadsError(f"--as-of không dùng với báo cáo đơn vị (--report office): số liệu từng đơn vị không gộp theo "
                         "các tỉnh, thành phố của một ngày sau kỳ và không so sánh qua thời điểm sắp xếp năm 2025. Bỏ "
                         "--as-of để lập báo cáo của các đơn vị có tại cuối kỳ, hoặc lập báo cáo của tỉnh: thads run "
                         f"--report province --period {period.code} --as-of {as_of.isoformat()}.")
    every = [a.lower() for a in asked] == ["all"]
    provinces = [] if not asked else units.provinces_on(period.end) if every else \
        [units.resolve(text, period) for text in asked]
    if offices:
        if len(provinces) > 1 and not every:
            raise ThadsError("--office chọn đơn vị trong một tỉnh: ghi một --province (hoặc bỏ --province).")
        within = provinces[0] if provinces and not every else None
        return [_office_subject(units, resolve_office(units, text, period, within), period, True) for text in offices]
    return [_office_subject(units, o, period, False) for p in provinces for o in units.offices_of(p, period.end)]


def _office_scope(ds: Dataset, subject: Subject, period: Period, day: date) -> Scope:
    """Every office of its province over this year and the last (its rank compares them all), the province's targets
    and, for last year, those of the province it belonged to then."""
    first, last = Period(period.year - 1, 1).start, period.end
    province = subject.province
    offices = {o.code for o in ds.units.offices if o.province == province.code
               and (o.valid_to is None or o.valid_to >= first) and (o.valid_from is None or o.valid_from <= last)}
    return Scope(frozenset(offices | {subject.office.code}),
                 frozenset({province.code, subject.office.province, *province.predecessors}))


NATIONAL = Subject("toan-quoc", "Toàn quốc", "toàn quốc")

KINDS = {
    "province": Kind(
        name="province", notebook="province_report.ipynb", subjects=_provinces,
        parameters=lambda subject, notes: {"province": subject.code, "notes_dir": str(notes)},
        scope=_province_scope,
        has_data=lambda ds, subject, period: _metrics().totals(ds, subject.province, period) is not None, notes=True,
        example="ProvinceReport(province, period, data_dir, notes_dir, report_date, as_of)",
        label="báo cáo của từng tỉnh, thành phố"),
    "national": Kind(
        name="national", notebook="national_overview.ipynb", subjects=lambda units, period, asked, as_of: [NATIONAL],
        parameters=lambda subject, notes: {},
        scope=lambda ds, subject, period, day: Scope(None, None),
        has_data=lambda ds, subject, period: _metrics().national_totals(ds, period) is not None,
        example="NationalReport(period, data_dir, report_date, as_of)", label="báo cáo tổng hợp toàn quốc",
        folder="toan-quoc", index_name="Toàn quốc (báo cáo tổng hợp)", index_order=0),
    "office": Kind(
        name="office", notebook="office_report.ipynb", subjects=_offices,
        parameters=lambda subject, notes: {"office": subject.code, "notes_dir": str(notes)},
        scope=_office_scope,
        has_data=lambda ds, subject, period: _metrics().office_totals(ds, subject.office, period) is not None,
        notes=True, example="OfficeReport(office, period, data_dir, notes_dir, report_date)",
        label="báo cáo của từng đơn vị: Chi cục THADS (đến 30/06/2025), Phòng THADS khu vực (từ 01/07/2025), với "
              "--province hoặc --office", folder=rf"\d{{2}}/{OFFICES_FOLDER}/[0-9A-Za-z-]+", index_order=2,
        note=lambda folder, period, subject, as_of: _notes.office_note_path(folder, period, subject.code)),
}


_FOUND: list[bool] = []


def known() -> dict[str, Kind]:
    """Every kind: the package's, then those other packages declare (entry points `thads.kinds`, each naming a
    Kind), looked up on first use (a package declaring one imports this module)."""
    if not _FOUND:
        from importlib.metadata import entry_points

        _FOUND.append(True)
        for point in entry_points(group="thads.kinds"):
            kind = point.load()
            KINDS[kind.name] = kind
    return KINDS


def get(name: str) -> Kind:
    """The kind called `name`; an unknown one is refused with the known ones."""
    try:
        return known()[name]
    except KeyError:
        raise ThadsError(f"Loại báo cáo '{name}' không có: chọn {', '.join(known())}.") from None


def of_folder(name: str) -> Kind | None:
    """The kind whose report folders are named like `name` (a folder's path under outputs/<period>/: `93`,
    `93/don-vi/931`), or None."""
    return next((kind for kind in known().values() if re.fullmatch(kind.folder, name)), None)
