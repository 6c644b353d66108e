"""A data folder, loaded and validated: statistics, targets, reference units and its description."""

from __future__ import annotations

import copy
import pickle
from dataclasses import dataclass, field, replace
from functools import cached_property
from datetime import date
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd

from thads import schema, seal
from thads.errors import DataError, Problem, ThadsError
from thads.files import write_whole
from thads.project import read_yaml
from thads.readers import SUFFIXES, read_table, read_tables, unreadable_files
from thads.units import Units
from thads.validation import check_across_rows, check_flow, check_rows, parse_stats, parse_targets


@dataclass(frozen=True)
class PeriodFigures:
    """Figures of one period as arrays: the office of each row, the values (0 where blank) and which are known."""

    offices: np.ndarray       # office codes, one per row
    values: np.ndarray        # int64, rows × columns
    known: np.ndarray         # bool, rows × columns
    columns: tuple[str, ...]

    @classmethod
    def of(cls, rows: pd.DataFrame, columns: tuple[str, ...]) -> "PeriodFigures":
        table = rows[list(columns)]
        known = table.notna().to_numpy(dtype=bool)
        return cls(rows["don_vi"].to_numpy(dtype=object), table.fillna(0).to_numpy(dtype=np.int64), known, columns)


@dataclass
class Dataset:
    folder: Path
    units: Units
    _stats: pd.DataFrame | None = field(repr=False)   # one row per office and period; KEYS + FIGURES
    targets: dict[tuple[int, str], tuple[Decimal, Decimal]] = field(default_factory=dict)
    # Targets whose row names the organisation of provinces it means (targets.csv `theo_ngay`): (nam, tinh, day).
    organised_targets: dict[tuple[int, str, date], tuple[Decimal, Decimal]] = field(default_factory=dict)
    description: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    # A copy (`copy`) reads its tables from the loaded original and copies each one when first read.
    _original: "Dataset | None" = field(default=None, repr=False, compare=False)
    _copied: dict = field(default_factory=dict, repr=False, compare=False)
    _memo: dict = field(default_factory=dict, repr=False, compare=False)
    # An office's own target (targets.csv `don_vi`): (nam, office code) -> (cases, money).
    office_targets: dict[tuple[int, str], tuple[Decimal, Decimal]] = field(default_factory=dict)

    @property
    def stats(self) -> pd.DataFrame:
        if self._stats is None:
            self._stats = self._original.stats.copy()
        return self._stats

    @stats.setter
    def stats(self, frame: pd.DataFrame) -> None:
        self._stats = frame

    @property
    def is_sample(self) -> bool:
        """True when the folder's dataset.yml says it holds sample data."""
        return bool(self.description.get("sample"))

    def target(self, year: int, province_code: str) -> tuple[Decimal | None, Decimal | None]:
        """(cases, money) targets in percent for `year`, or (None, None) when none was set."""
        return self.targets.get((year, province_code), (None, None))

    def office_target(self, year: int, office_code: str) -> tuple[Decimal | None, Decimal | None] | None:
        """The (cases, money) targets of its own that an office has for `year` (targets.csv `don_vi`), or None: the
        report then compares with its province's."""
        return getattr(self, "office_targets", {}).get((year, office_code))    # a folder shared by an older version

    def target_of(self, year: int, province, day: date) -> tuple[Decimal | None, Decimal | None]:
        """(cases, money) targets of `province` (a units.Province) for `year`, in a report whose figures end on
        `day`. A row naming the province's organisation (`theo_ngay`) comes first; a row by code alone means the
        province holding the code on `day`; otherwise (None, None): never a predecessor's target."""
        for (y, code, organised), values in self.organised_targets.items():
            if y == year and code == province.code and self.units.province(code, organised) == province:
                return values
        if province.valid_on(day):
            return self.target(year, province.code)
        return None, None

    def memo(self, key: tuple, make):
        """`make(loaded)`, computed once per loaded folder from the folder as loaded (never from a copy a report
        changed) and shared by its copies: what every report of a batch needs alike, such as the figures of
        every province for a period. Never changed by whoever receives it."""
        loaded = self._original or self
        if key not in loaded._memo:
            loaded._memo[key] = make(loaded)
        return loaded._memo[key]

    def periods(self) -> list[tuple[int, int]]:
        """(nam, thang) pairs present in the statistics."""
        return sorted((self._original or self)._by_period)

    def period_rows(self, year: int, month: int) -> pd.DataFrame:
        """The rows of one period (every office), from an index built once."""
        if self._original is None:
            return self._by_period.get((year, month), self.stats.iloc[0:0])
        key = (year, month)
        if key not in self._copied:
            self._copied[key] = self._original.period_rows(year, month).copy()
        return self._copied[key]

    def period_figures(self, year: int, month: int, columns: tuple[str, ...]) -> PeriodFigures:
        """The `columns` of one period as arrays, for sums over any set of offices: made once per loaded folder
        (every report of a batch sums the same periods), from this copy's own rows once they were handed out."""
        key = (year, month)
        if self._original is not None and key in self._copied:
            return PeriodFigures.of(self._copied[key], columns)
        return self.memo(("period_figures", key, columns), lambda loaded: PeriodFigures.of(loaded.period_rows(*key),
                                                                                            columns))

    def copy(self) -> "Dataset":
        """A copy whose tables a report may change freely, leaving the loaded original as it was. Its tables
        are copied when first read: a report reads the two dozen periods it needs, not the whole folder."""
        return replace(self, _stats=None, targets=dict(self.targets), organised_targets=dict(self.organised_targets),
                       description=copy.deepcopy(self.description),
                       office_targets=dict(getattr(self, "office_targets", {})),
                       notes=list(self.notes), _original=self._original or self, _copied={})

    @cached_property
    def _by_period(self) -> dict[tuple[int, int], pd.DataFrame]:
        return {(int(y), int(m)): rows for (y, m), rows in self.stats.groupby(["nam", "thang"])}


def stats_files(folder: Path) -> list[Path]:
    """The statistics files of a data folder, in name order."""
    stats = folder / "stats"
    return sorted(p for p in stats.iterdir() if p.suffix.lower() in SUFFIXES) if stats.is_dir() else []


def _description(folder: Path) -> tuple[dict, list[Problem]]:
    path = folder / "dataset.yml"
    if not path.exists():
        return {}, []
    try:
        return read_yaml(path, "cần các cặp khóa: giá trị (sample, description)"), []
    except ThadsError as exc:
        return {}, [Problem("dataset.yml", str(exc).removeprefix(f"{path}: "))]


_CACHE: dict[tuple, Dataset] = {}


def signature(folder: Path) -> tuple:
    """What identifies a folder's content cheaply: every file's path, size and modification time."""
    return tuple(sorted((str(p.relative_to(folder)), p.stat().st_size, p.stat().st_mtime_ns)
                        for p in folder.rglob("*") if p.is_file()))


def load(folder: Path | str, today: date | None = None, shared: Path | str | None = None) -> Dataset:
    """Load and validate a data folder; raise DataError listing every problem found.

    A folder already loaded by this process, unchanged since, is not read again: a kernel that makes
    many reports in a batch validates its data once; and with `shared`, the file where the batch left the
    folder it loaded (`share`), a kernel takes it from there when it is this folder as it is now. Each call
    returns its own copy of the tables, so that what one report does to them is not seen by the next.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ThadsError(f"Không tìm thấy thư mục dữ liệu '{folder}'.")
    today = today or date.today()
    key = (str(folder.resolve()), signature(folder), today)
    if key not in _CACHE:
        _CACHE.clear()
        _CACHE[key] = _shared(shared, key) or _load(folder, today)
    return _CACHE[key].copy()


def preload(folder: Path | str, shared: Path | str | None) -> bool:
    """Take the folder from `shared` (`share`) when it is this folder as it is now, and never read the folder itself:
    True when taken (a later `load` of the folder then costs nothing). A batch's template tries it first, while the
    batch reads and checks the folder only if it must."""
    folder = Path(folder)
    try:
        key = (str(folder.resolve()), signature(folder), date.today())
    except OSError:
        return False
    if key not in _CACHE:
        found = _shared(shared, key)
        if found is None:
            return False
        _CACHE.clear()
        _CACHE[key] = found
    return True


def share(data: Dataset, path: Path) -> None:
    """Leave the loaded folder of `data` (validated, with what was computed from it) in `path` for the kernels of a
    batch: each then starts in a twentieth of the time it takes to read and check every file again."""
    loaded = data._original or data
    key = next(key for key, value in _CACHE.items() if value is loaded)
    sealed = seal.seal(pickle.dumps((key, loaded), protocol=pickle.HIGHEST_PROTOCOL))
    if sealed is None:
        raise ThadsError("không có khóa riêng của người dùng để niêm phong dữ liệu giữ lại")
    write_whole(path, sealed)


def shared_as(path: Path, data: Dataset) -> bool:
    """Whether `path` already holds the loaded folder of `data` (`share`), as it is now: read by this process from
    there (`load` with `shared`), it need not be written again."""
    loaded = data._original or data
    return getattr(loaded, "_shared_from", None) == str(path) and Path(path).is_file()


def _shared(path: Path | str | None, key: tuple) -> Dataset | None:
    """The folder a batch loaded (`share`), if it is this folder as it is now and the file is one this user's batch
    sealed (thads.seal: nothing else is unpickled); else None, and it is read again."""
    if path is None or Path(path).is_symlink():
        return None
    try:
        content = seal.opened(Path(path).read_bytes())
        if content is None:
            return None
        found, data = pickle.loads(content)
    except Exception:     # gone, or not a file `share` wrote: read the folder itself
        return None
    if found != key:
        return None
    data._shared_from = str(path)
    return data


CONTRACT = {"stats": "stats/", "targets.csv": "targets.csv", "units": "units/", "dataset.yml": "dataset.yml"}
UNITS_FILES = {"provinces.csv", "offices.csv"}


def ignored(folder: Path) -> list[str]:
    """Files and folders of a data folder that the data contract does not name: read by nothing, said so."""
    found = [p.name + ("/" if p.is_dir() else "") for p in sorted(folder.iterdir())
             if p.name not in CONTRACT and not p.name.startswith((".", "~$"))]
    units = folder / "units"
    if units.is_dir():
        found += [f"units/{p.name}" for p in sorted(units.iterdir())
                  if p.name not in UNITS_FILES and not p.name.startswith((".", "~$"))]
    return found


def _load(folder: Path, today: date) -> Dataset:
    units = Units.load(folder / "units")
    description, problems = _description(folder)
    notes: list[str] = [f"bỏ qua {name}: không thuộc cấu trúc thư mục dữ liệu ({', '.join(CONTRACT.values())})"
                        for name in ignored(folder)]
    files = stats_files(folder)
    if (folder / "stats").is_dir():
        problems += unreadable_files(folder / "stats", "stats/")
    if not files and not problems:
        problems.append(Problem("stats/", f"không có tệp số liệu nào ({', '.join(SUFFIXES)}) trong thư mục stats/"))
    frames = []
    for path in files:
        name = path.relative_to(folder).as_posix()
        try:
            tables = read_tables(path, name, tuple(schema.KEYS))
        except ThadsError as exc:
            problems.append(Problem(name, str(exc).removeprefix(f"{name}: ")))
            continue
        for table in tables:
            frame, found = parse_stats(table, units, today)
            notes += table.notes
            problems += found
            if not frame.empty:
                problems += check_flow(frame, set(table.header))
                frames.append(frame)
    stats = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=schema.KEYS + schema.FIGURES)
    if not stats.empty:
        problems += check_rows(stats)
        problems += check_across_rows(stats)
    targets: dict[tuple[int, str], tuple[Decimal, Decimal]] = {}
    organised: dict[tuple[int, str, date], tuple[Decimal, Decimal]] = {}
    offices: dict[tuple[int, str], tuple[Decimal, Decimal]] = {}
    try:
        table = read_table(folder / "targets.csv", "targets.csv", tuple(schema.TARGET_COLUMNS))
        frame, found = parse_targets(table, units)
        notes += table.notes
        problems += found
        for r in frame.itertuples():
            day = getattr(r, schema.TARGET_ORGANISATION)
            office = getattr(r, schema.TARGET_OFFICE)
            if isinstance(office, str) and office:
                offices[(int(r.nam), office)] = (r.chi_tieu_viec, r.chi_tieu_tien)
            elif day is None or pd.isna(day):
                targets[(int(r.nam), r.tinh)] = (r.chi_tieu_viec, r.chi_tieu_tien)
            else:
                organised[(int(r.nam), r.tinh, day)] = (r.chi_tieu_viec, r.chi_tieu_tien)
    except ThadsError as exc:
        problems.append(Problem("targets.csv", str(exc).removeprefix("targets.csv: ")))
    if problems:
        raise DataError(problems)
    stats = stats.drop(columns=["_file", "_row"] + [c for c in stats.columns if c == "tinh"])
    stats[schema.ALWAYS] = stats[schema.ALWAYS].astype("int64")
    stats[schema.MAYBE] = stats[schema.MAYBE].astype("Int64")          # <NA> where not reported
    stats[["nam", "thang"]] = stats[["nam", "thang"]].astype("int64")
    return Dataset(folder, units, stats, targets, organised, description, notes, office_targets=offices)
