"""Plan and run many reports: periods × provinces, in parallel processes (`pool`), skipping what is current.

Each worker process keeps one `run.Runner` (so one kernel) for all the reports it makes. A report is
skipped when its fingerprint, a hash of everything it reads (the notebook, the package and its
templates, the rows of the offices it sums, the targets, the units, the analyst's note and the
options), matches the one stored with its files, and each wording template it used still resolves to a file of
the same content (`inputs.templates_changed`: a project's template edited, removed or newly hiding the package's
remakes the reports that used it, and only those). One output folder takes one batch at a time.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape

from thads import __version__, files, forks, formats, index, kinds, pdf, pool, project, record, run, seal
from thads.errors import ThadsError, visible
from thads.folder import ReportFolder
from thads.formats import names as format_names
from thads.formats import parse as parse_formats
from thads.inputs import inputs_digest
from thads.periods import Period, parse_day, parse_periods
from thads.summary import summary_table
from thads.units import Units, organised_on

if TYPE_CHECKING:      # pandas comes with the data, once the kernels' template is on its way (forks.started)
    from thads import dataset

console = Console(stderr=True)
if not console.is_terminal:    # piped or captured output: tables printed whole, not cut at 80 columns
    console.width = 200
PACKAGE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Request:
    """What a user asks for: a kind of report over periods × provinces, in some formats, from a notebook
    (None: the kind's shared notebook, or a province's own variant beside it)."""

    periods: tuple[Period, ...]
    provinces: tuple[str, ...] = ("all",)      # an office report: the provinces whose offices (or, with `offices`,
                                               # the one province whose offices the names are looked up in; () none)
    formats: tuple[str, ...] = format_names()
    report_date: str = ""
    kind: str = "province"
    notebook: str | None = None
    as_of: str = ""                # YYYY-MM-DD: for the provinces of that day (--as-of); '' for the period's end
    source: str = ""               # where a batch file asked for it ('parameters/x.yml, mục 2 của reports')
    offices: tuple[str, ...] = ()  # offices named by code or name (`--office`, `offices:`): office reports only


_BATCH_KEYS = {"report", "periods", "provinces", "formats", "date", "notebook", "as_of", "offices"}
_NOTEBOOK = re.compile(r"[^/\\:]+\.ipynb")          # a file name in the notebooks folder, no path


def load_requests(path: Path, formats: tuple[str, ...] = format_names()) -> list[Request]:
    """Read a batch file (YAML, read safely): a list `reports` of {report, periods, provinces, formats, date,
    notebook, as_of, offices}; `formats` is the default for entries that name none; `offices` (office reports) names
    offices, `provinces` then narrowing the names to one province. Entries are kept in the file's order:
    where two ask for the same report, the later one makes it (`plan`)."""
    path = Path(path)
    expected = "cần khóa 'reports' là một danh sách, mỗi mục có 'periods' và 'provinces'"
    if path.is_dir():
        raise ThadsError(f"'{path}' là một thư mục: cần một tệp khai báo YAML, ví dụ parameters/year-end-2026.yml.")
    if not path.is_file():
        raise ThadsError(f"Không tìm thấy tệp khai báo '{path}'.")
    items = project.read_yaml(path, expected).get("reports")
    if not isinstance(items, list) or not items:
        raise ThadsError(f"{path}: {expected}.")
    requests = []
    for number, item in enumerate(items, start=1):
        where = f"{path}, mục {number} của reports"
        if not isinstance(item, dict) or "periods" not in item:
            raise ThadsError(f"{where}: cần khóa 'periods', ví dụ periods: [2026-M12].")
        unknown = set(item) - _BATCH_KEYS
        if unknown:
            raise ThadsError(f"{where}: khóa không hợp lệ {', '.join(sorted(map(str, unknown)))}; "
                             f"dùng {', '.join(sorted(_BATCH_KEYS))}.")
        as_list = lambda v: [str(x) for x in (v if isinstance(v, list) else [v])]  # noqa: E731
        notebook = item.get("notebook")
        if notebook is not None and (not isinstance(notebook, str) or not _NOTEBOOK.fullmatch(notebook)):
            raise ThadsError(f"{where}: notebook cần là tên tệp .ipynb trong thư mục notebooks, ví dụ "
                             "notebook: province_report.can-tho.ipynb.")
        try:
            kind = kinds.get(str(item.get("report", "province"))).name
            offices = tuple(as_list(item["offices"])) if item.get("offices") not in (None, "", []) else ()
            requests.append(Request(tuple(parse_periods(as_list(item["periods"]))),
                                    tuple(as_list(item.get("provinces", [] if offices else "all"))),
                                    parse_formats(as_list(item.get("formats", list(formats)))),
                                    parse_date(item.get("date")), kind, notebook, str(item.get("as_of") or ""),
                                    where, offices))
        except ThadsError as exc:
            raise ThadsError(f"{where}: {exc}") from None
    return requests


def parse_date(value) -> str:
    """A signing date YYYY-MM-DD (YAML may already have made it a date), or '' for the day of the run."""
    if value in (None, ""):
        return ""
    try:
        return parse_day(value).isoformat()
    except ValueError:
        raise ThadsError(f"ngày '{value}' không hợp lệ: cần dạng YYYY-MM-DD.") from None


def plan(units: Units, requests: list[Request], notebooks: Path) -> list[run.Job]:
    """Every report asked for, each with the notebook that makes it; `all` means the provinces that existed
    at each period's end, or on the request's `as_of` day.

    A province, period, as_of day or notebook that cannot be used raises before anything runs (naming the
    batch file's entry, when the request came from one).

    A report asked for twice (the same period and output folder) is made once, as the later request asks: its
    notebook, formats and date replace the earlier request's for that report alone (`provinces: all`, then one
    province with its own `notebook:`), and it keeps the earlier one's place in the order.
    """
    jobs: dict[tuple[Period, str], run.Job] = {}
    for request in requests:
        try:
            for job in _jobs(units, request, Path(notebooks)):
                jobs[job.period, job.place] = job
        except ThadsError as exc:
            raise ThadsError(f"{request.source}: {exc}" if request.source else str(exc)) from None
    return list(jobs.values())


def _jobs(units: Units, request: Request, notebooks: Path) -> list[run.Job]:
    jobs = []
    kind = kinds.get(request.kind)
    if request.offices and kind.name != "office":
        raise ThadsError(f"--office (offices:) chỉ dùng với báo cáo đơn vị (--report office), không với --report "
                         f"{kind.name}.")
    chosen = {"offices": request.offices} if request.offices else {}
    for period in request.periods:
        if period.end >= date.today():
            raise ThadsError(f"Kỳ {period.code} ({period.label}) chưa kết thúc: kết thúc ngày "
                             f"{period.end:%d/%m/%Y}.")
        as_of = organised_on(period, request.as_of, units)
        for subject in kind.subjects(units, period, request.provinces, as_of, **chosen):
            notebook = (notebooks / request.notebook if request.notebook
                        else kind.variant(notebooks, subject)).resolve()
            if not notebook.is_file():
                raise ThadsError(f"Không tìm thấy notebook '{notebook}'.")
            named = subject.named if subject.named is not None else [p.lower() for p in request.provinces] != ["all"]
            jobs.append(run.Job(kind.name, period, subject, notebook, request.formats, request.report_date,
                                named=named, as_of=as_of, chosen=request.notebook is not None))
    return jobs


@cache
def _code_hash() -> str:
    """The package's own code, templates and reference tables: a change to any rebuilds the reports."""
    digest = hashlib.sha256(__version__.encode())
    for path in sorted([*PACKAGE.rglob("*.py"), *PACKAGE.rglob("*.j2"), *PACKAGE.rglob("*.css"),
                        *PACKAGE.rglob("*.js"), *PACKAGE.rglob("*.csv")]):
        digest.update(str(path.relative_to(PACKAGE)).encode() + path.read_bytes())
    return digest.hexdigest()


def fingerprint(data: dataset.Dataset, job: run.Job, notes_dir: Path, signing: Path | None = None,
                reads: list[Path] = ()) -> str:
    """A hash of everything the report reads, so that an unchanged report can be skipped; `reads`: the project's
    files its formats read (`formats.Format.reads`: the reference deck of report.pptx)."""
    digest = hashlib.sha256(_code_hash().encode())
    digest.update(job.notebook.read_bytes())
    digest.update(signing.read_bytes() if signing is not None and signing.is_file() else b"-")
    for path in reads:
        digest.update(Path(path).read_bytes() if Path(path).is_file() else b"-")
    digest.update(json.dumps([job.kind, job.notebook.name, job.period.code, job.place, job.report_date,
                              data.description], sort_keys=True, default=str).encode())   # sample flag too
    scope = kinds.get(job.kind).scope(data, job.subject, job.period, job.as_of or job.period.end)
    years = [job.period.year - 1, job.period.year]
    digests = data.memo(("office digests", *years), lambda loaded: _office_digests(loaded, years))
    for office in sorted(digests if scope.offices is None else scope.offices & digests.keys()):
        digest.update(office.encode() + digests[office])
    targets = sorted((k, v) for k, v in [*data.targets.items(), *data.organised_targets.items()]
                     if k[0] in years and (scope.targets is None or k[1] in scope.targets))
    if kinds.get(job.kind).notes:
        note = job.note(notes_dir)
        digest.update(note.read_bytes() if note.is_file() else b"-")
    digest.update(repr(targets).encode())
    own = sorted((k, v) for k, v in getattr(data, "office_targets", {}).items()     # offices' own targets
                 if k[0] in years and (scope.offices is None or k[1] in scope.offices))
    if own:
        digest.update(repr(own).encode())
    digest.update(data.units.digest)
    if scope.peers:     # ranked among all provinces: any province's figures for the period change the report
        digest.update(data.memo(("rows digest", job.period.code), lambda loaded: _rows_digest(loaded, job.period)))
    digest.update(repr(scope.coverage).encode())      # unranked, a report says how many provinces the data hold
    return digest.hexdigest()


def _office_digests(data: dataset.Dataset, years: list[int]) -> dict[str, bytes]:
    """A hash of each office's rows of `years`, every column: hashed once for all the reports of a batch, which
    take those of the offices they read, rather than each report filtering and hashing its province's rows."""
    import pandas as pd

    rows = data.stats[data.stats["nam"].isin(years)].sort_values(["don_vi", "nam", "thang"]).reset_index(drop=True)
    hashes = pd.util.hash_pandas_object(rows, index=False).to_numpy()
    return {office: hashlib.sha256(hashes[at].tobytes()).digest()
            for office, at in rows.groupby("don_vi", sort=False).indices.items()}


def _rows_digest(data: dataset.Dataset, period: Period) -> bytes:
    import pandas as pd

    rows = data.period_rows(period.year, period.month).sort_values("don_vi").reset_index(drop=True)
    return hashlib.sha256(pd.util.hash_pandas_object(rows, index=False).values.tobytes()).digest()


class OutputLock:
    """One batch at a time per output folder (a file lock, `filelock`, on every system): a second one is refused
    with the first one's PID, which `.lock.pid` holds. Neither file is ever opened through a link."""

    def __init__(self, out_dir: Path):
        self.path = Path(out_dir) / ".lock"
        self.owner = Path(out_dir) / ".lock.pid"

    def __enter__(self):
        from filelock import FileLock, Timeout

        files.make_folder(self.path.parent)
        files.no_link(self.path)
        files.no_link(self.owner)
        self.lock = FileLock(self.path, timeout=0)
        try:
            self.lock.acquire()
        except Timeout:
            try:
                other = self.owner.read_text("utf-8").strip() or "?"
            except OSError:
                other = "?"
            raise ThadsError(f"Thư mục kết quả '{self.path.parent}' đang được một lần chạy khác sử dụng (PID "
                             f"{other}). Hãy chờ lần chạy đó xong rồi chạy lại.") from None
        except OSError as exc:
            raise ThadsError(files.describe(exc, self.path)) from None
        try:
            files.write_whole(self.owner, str(os.getpid()))
        except ThadsError:
            self.lock.release()
            raise
        return self

    def __exit__(self, *exc):
        try:
            self.owner.unlink(missing_ok=True)
        except OSError:      # a read-only or full disk cannot stop the lock from being released
            pass
        self.lock.release()


def _share(data: dataset.Dataset, data_dir: Path) -> Path | None:
    """The data as loaded here, left in the user's cache for the kernels and the next batches (`dataset.share`,
    thads.seal); None when it cannot be written, and each kernel reads the folder itself."""
    from thads import dataset

    path = seal.data_file(data_dir)
    if dataset.shared_as(path, data):
        return path                      # left by an earlier batch, of this very folder
    try:
        seal.make_room(path)
        files.no_link(path)
        dataset.share(data, path)
    except (OSError, ThadsError):
        return None
    return path


def run_all(data_dir: Path, requests: list[Request], out_dir: Path, notes_dir: Path, notebooks: Path,
            jobs: int | None = None, force: bool = False, time_limit: float | None = None,
            where: project.Project | None = None, options: dict | None = None,
            template: forks.Template | None = None) -> list[run.Outcome]:
    """Make every planned report with `jobs` worker processes (here when it is one); print progress and a summary
    table, and record the batch in `last-run.json` beside the index (`record`).

    `where` is the project whose settings (the signing file) the reports use, wherever their notebooks are;
    `options` are the command's options, recorded with the batch; `template`: the kernels' template
    (forks.started), told here where the data are, as soon as they are read, and what to rehearse.
    """
    where = where or project.find()
    started = datetime.now().astimezone()
    notes_dir, out_dir = Path(notes_dir), Path(out_dir)
    data = _load(data_dir, out_dir)
    shared = _share(data, data_dir)
    if template is not None:        # it loads them while the reports are planned
        template.share(shared)
    jobs_planned = plan(data.units, requests, Path(notebooks))
    planned, outcomes = _with_data(data, jobs_planned)
    files.no_link(out_dir / "index.html")       # refused before anything runs, not after every report is made
    with OutputLock(out_dir):
        todo = _to_make(data, planned, outcomes, data_dir, out_dir, notes_dir, where, force)
        stopped, unwritten = _make(todo, outcomes, (data_dir, out_dir, notes_dir, time_limit, template, shared),
                                   jobs or os.cpu_count() or 1, where)
        _record(out_dir, outcomes, jobs_planned, options, started)
    if stopped is not None and stopped.signum == getattr(signal, "SIGHUP", None):
        raise stopped                       # nobody is there to read a summary
    console.print(summary_table(outcomes))
    _print_failures(outcomes)
    if unwritten is not None:
        raise ThadsError(f"không ghi được mục lục các báo cáo: {unwritten}")
    console.print(f"Mục lục các báo cáo: {escape(visible(out_dir / 'index.html'))}", highlight=False)
    if stopped is not None:
        raise stopped
    return outcomes


def _load(data_dir: Path, out_dir: Path) -> dataset.Dataset:
    """The data folder, read and checked, with what it notes printed: taken from the copy a batch kept (`_share`)
    when the folder has not changed since."""
    if console.is_terminal:    # something to see during the first seconds; piped output keeps errors first
        console.print(f"Đọc và kiểm tra dữ liệu trong {escape(visible(data_dir))}…", highlight=False)
    from thads import dataset

    data = dataset.load(data_dir, shared=seal.data_file(data_dir))
    for note in data.notes:
        console.print(f"Ghi chú: {visible(note)}", highlight=False, markup=False)
    return data


def _with_data(data: dataset.Dataset, jobs: list[run.Job]) -> tuple[list[run.Job], list[run.Outcome]]:
    """The jobs whose subject has data for the period, and the outcomes of those without."""
    planned, outcomes = [], []
    for job in jobs:
        if kinds.get(job.kind).has_data(data, job.subject, job.period):
            planned.append(job)
            continue
        # A province asked for by name fails; one that came from `all` is listed as having no data.
        about = (f"{job.subject.office.name} ({job.subject.province.label})" if job.subject.office else
                 job.subject.province.label if job.subject.province else job.subject.full_name)
        outcomes.append(run.Outcome(job.period.code, job.folder, job.name, "failed" if job.named else "nodata",
                                    message=f"Không có số liệu của {about} (mã {job.folder}) kỳ {job.period.label} "
                                            f"(đến {job.period.end:%d/%m/%Y}) trong thư mục dữ liệu {data.folder}."
                                    if job.named else "không có số liệu kỳ này", notebook=job.notebook_label))
    return planned, outcomes


def _to_make(data: dataset.Dataset, planned: list[run.Job], outcomes: list[run.Outcome], data_dir: Path,
             out_dir: Path, notes_dir: Path, where: project.Project, force: bool) -> list[run.Job]:
    """The jobs to make, with their fingerprints: all of them with `force`, else those whose report is not current
    (each of these is added to `outcomes` as skipped)."""
    todo = []
    for job in planned:
        reads = [path for name in job.formats for path in formats.get(name).reads(where)]
        job = replace(job, fingerprint=fingerprint(data, job, notes_dir, where.signing, reads),
                      inputs=inputs_digest(job, data_dir, notes_dir, where.signing, where.templates))
        kept = None if force else _made_by_another_notebook(out_dir, job)
        if kept or (not force and run.is_current(out_dir, job)):
            outcomes.append(run.Outcome(job.period.code, job.folder, job.name, "skipped", message=kept or "",
                                        folder=str(run.output_folder(out_dir, job)), notebook=job.notebook_label))
        else:
            todo.append(job)
    return todo


def _made_by_another_notebook(out_dir: Path, job: run.Job) -> str | None:
    """Why a report is kept as it is: a batch file's entry made it with a notebook of its own, and this run would
    make it with another only because it names none (`--province all`, say). None when the run may make it: it names
    its notebook, the report was made by the one it would use or by the kind's shared notebook (a province's own
    variant added since then takes over), or that notebook is gone."""
    if job.chosen:
        return None
    made = ReportFolder(run.output_folder(out_dir, job)).recorded().get("notebook")
    shared = kinds.get(job.kind).notebook        # the kind's own notebook is never a batch entry's choice
    if (not isinstance(made, str) or made in ("", shared, job.notebook.name)
            or not (job.notebook.parent / made).is_file()):
        return None
    return (f"giữ báo cáo do notebook {made} làm (một mục tệp khai báo đã chọn notebook đó); chạy lại tệp khai báo, "
            f"hoặc --force để làm lại bằng {job.notebook.name}")


def _make(todo: list[run.Job], outcomes: list[run.Outcome], settings: tuple, jobs: int,
          where: project.Project) -> tuple[pool.Stopped | None, ThadsError | None]:
    """Make `todo` in `jobs` worker processes, or here when it is one report (`settings`: data, output and notes
    folders, time limit, the kernels' template, where the data read were left for the kernels), adding their outcomes to `outcomes`, then write the index. Returns
    the stop asked for while they ran, if any, and why the index could not be written, if it could not."""
    data_dir, out_dir, notes_dir, time_limit, template, shared = settings
    if any(formats.any_needs(job.formats, "needs_printer") for job in todo):
        pdf.require_browser()          # before any report runs, not once for each report
    if template is not None and todo:   # a batch of one gains nothing from a rehearsal: its report is the only one
        template.begin(forks.rehearsals(todo, notes_dir, where.root) if len(todo) > 1 else [])
    runner_args = (data_dir, out_dir, notes_dir, time_limit, shared, template.address if template else None)
    workers = (pool.Here(todo[0], runner_args, where.root, console) if len(todo) == 1 else
               pool.Workers(todo, jobs, runner_args, where.root, console))
    stopped = unwritten = None
    try:
        outcomes += workers.run()
    except pool.Stopped as exc:
        stopped = exc
        outcomes += workers.outcomes
    finally:
        try:
            index.write(out_dir, warn=lambda message: console.print(f"Cảnh báo: {escape(visible(message))}"))
        except ThadsError as exc:       # the reports are made; say why the index is not up to date
            unwritten = exc
    return stopped, unwritten


def _print_failures(outcomes: list[run.Outcome]) -> None:
    """Each failure's message in full, after the table, with its log."""
    for o in outcomes:
        if o.status == "failed":
            console.print(f"[red]Lỗi[/] {o.period} {o.province} {escape(o.name)}: {escape(visible(o.message))}"
                          + (f" (xem {escape(o.log)})" if o.log else ""),
                          soft_wrap=True, markup=True, highlight=False)


def _record(out_dir: Path, outcomes: list[run.Outcome], jobs: list[run.Job], options: dict | None,
            started: datetime) -> None:
    """`last-run.json` beside the index (`record`); one that cannot be written is a warning: the reports are made."""
    problem = record.write(out_dir, outcomes, options, started,
                           {(job.period.code, job.folder, job.name): job.kind for job in jobs})
    if problem is not None:
        console.print(f"Cảnh báo: không ghi được {record.RECORD}: {escape(visible(problem))}", highlight=False)
