"""Plan and run many reports: periods × provinces, in parallel processes, skipping what is current.

Each worker process keeps one `run.Runner` (so one kernel) for all the reports it makes. A report is
skipped when its fingerprint, a hash of everything it reads (the notebook, the package and its
templates, the rows of the offices it sums, the targets, the units, the analyst's note and the
options), matches the one stored with its files. One output folder takes one batch at a time.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import multiprocessing
import multiprocessing.managers
import os
import queue
import signal
import sys
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, replace
from datetime import date
from functools import cache
from pathlib import Path

import pandas as pd
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from thads import __version__, dataset, export, index, kinds, notes, project, run
from thads.errors import ThadsError
from thads.periods import Period, parse_periods
from thads.units import Units

console = Console(stderr=True)
if not console.is_terminal:    # piped or captured output: tables printed whole, not cut at 80 columns
    console.width = 200
PACKAGE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Request:
    """What a user asks for: a kind of report over periods × provinces, in some formats, from a notebook
    (None: the kind's shared notebook, or a province's own variant beside it)."""

    periods: tuple[Period, ...]
    provinces: tuple[str, ...] = ("all",)
    formats: tuple[str, ...] = export.FORMATS
    report_date: str = ""
    kind: str = "province"
    notebook: str | None = None


_BATCH_KEYS = {"report", "periods", "provinces", "formats", "date", "notebook"}


def load_requests(path: Path, formats: tuple[str, ...] = export.FORMATS) -> list[Request]:
    """Read a batch file (YAML, read safely): a list `reports` of {report, periods, provinces, formats, date,
    notebook}; `formats` is the default for entries that name none."""
    path = Path(path)
    expected = "cần khóa 'reports' là một danh sách, mỗi mục có 'periods' và 'provinces'"
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
        if notebook is not None and (not isinstance(notebook, str) or not notebook.endswith(".ipynb")):
            raise ThadsError(f"{where}: notebook cần là tên tệp .ipynb trong thư mục notebooks, ví dụ "
                             "notebook: province_report.can-tho.ipynb.")
        try:
            kind = kinds.get(str(item.get("report", "province"))).name
            requests.append(Request(tuple(parse_periods(as_list(item["periods"]))),
                                    tuple(as_list(item.get("provinces", "all"))),
                                    export.parse_formats(",".join(as_list(item.get("formats", list(formats))))),
                                    parse_date(item.get("date")), kind, notebook))
        except ThadsError as exc:
            raise ThadsError(f"{where}: {exc}") from None
    return requests


def parse_date(value) -> str:
    """A signing date YYYY-MM-DD (YAML may already have made it a date), or '' for the day of the run."""
    if value in (None, ""):
        return ""
    try:
        return date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise ThadsError(f"ngày '{value}' không hợp lệ: cần dạng YYYY-MM-DD.") from None


def plan(units: Units, requests: list[Request], notebooks: Path) -> list[run.Job]:
    """Every report asked for, each with the notebook that makes it; `all` means the provinces that existed
    at each period's end.

    A province, period or notebook that cannot be used raises before anything runs.
    """
    jobs: list[run.Job] = []
    for request in requests:
        kind = kinds.get(request.kind)
        for period in request.periods:
            if period.end >= date.today():
                raise ThadsError(f"Kỳ {period.code} ({period.label}) chưa kết thúc: kết thúc ngày "
                                 f"{period.end:%d/%m/%Y}.")
            for subject in kind.subjects(units, period, request.provinces):
                notebook = (Path(notebooks) / request.notebook if request.notebook
                            else kind.variant(notebooks, subject)).resolve()
                if not notebook.is_file():
                    raise ThadsError(f"Không tìm thấy notebook '{notebook}'.")
                job = run.Job(kind.name, period, subject, notebook, request.formats, request.report_date,
                              named=[p.lower() for p in request.provinces] != ["all"])
                if all((j.period, j.folder) != (job.period, job.folder) for j in jobs):
                    jobs.append(job)
    return jobs


@cache
def _code_hash() -> str:
    """The package's own code, templates and reference tables: a change to any rebuilds the reports."""
    digest = hashlib.sha256(__version__.encode())
    for path in sorted([*PACKAGE.rglob("*.py"), *PACKAGE.rglob("*.j2"), *PACKAGE.rglob("*.css"),
                        *PACKAGE.rglob("*.js"), *PACKAGE.rglob("*.csv")]):
        digest.update(str(path.relative_to(PACKAGE)).encode() + path.read_bytes())
    return digest.hexdigest()


def fingerprint(data: dataset.Dataset, job: run.Job, notes_dir: Path, signing: Path | None = None) -> str:
    """A hash of everything the report reads, so that an unchanged report can be skipped."""
    digest = hashlib.sha256(_code_hash().encode())
    digest.update(job.notebook.read_bytes())
    digest.update(signing.read_bytes() if signing is not None and signing.is_file() else b"-")
    digest.update(json.dumps([job.kind, job.notebook.name, job.period.code, job.folder, job.report_date,
                              data.description.get("description", "")]).encode())
    scope = kinds.get(job.kind).scope(data.units, job.subject, job.period)
    years = [job.period.year - 1, job.period.year]
    rows = data.stats[data.stats["nam"].isin(years)]
    if scope.offices is not None:
        rows = rows[rows["don_vi"].isin(scope.offices)]
    targets = sorted((k, v) for k, v in data.targets.items()
                     if k[0] in years and (scope.targets is None or k[1] in scope.targets))
    if scope.note:
        note = notes.note_path(notes_dir, job.period, job.folder)
        digest.update(note.read_bytes() if note.is_file() else b"-")
    rows = rows.sort_values(["don_vi", "nam", "thang"]).reset_index(drop=True)
    digest.update(pd.util.hash_pandas_object(rows, index=False).values.tobytes())
    digest.update(repr(targets).encode())
    digest.update(data.units.digest)
    return digest.hexdigest()


class OutputLock:
    """One batch at a time per output folder: a second one is refused with the first one's PID."""

    def __init__(self, out_dir: Path):
        self.path = Path(out_dir) / ".lock"

    def __enter__(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.handle = open(self.path, "a+")
        try:
            fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.handle.seek(0)
            other = self.handle.read().strip() or "?"
            self.handle.close()
            raise ThadsError(f"Thư mục kết quả '{self.path.parent}' đang được một lần chạy khác sử dụng (PID "
                             f"{other}). Hãy chờ lần chạy đó xong rồi chạy lại.") from None
        self.handle.truncate(0)
        self.handle.write(str(os.getpid()))
        self.handle.flush()
        return self

    def __exit__(self, *exc):
        self.handle.truncate(0)
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()


# Worker processes -----------------------------------------------------------------------------
_RUNNER: run.Runner | None = None


def _start_worker(data_dir, out_dir, notes_dir, time_limit, events, stop, root) -> None:
    """Each worker: ignore Ctrl-C (the parent decides), keep one Runner, shut its kernel at exit."""
    global _RUNNER
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # nbformat imports jsonschema, which compiles ~40 grammars of the optional rfc3987_syntax at import
    # (2-3 s of CPU per process). Notebooks use no IRI formats: let that optional import fail here.
    sys.modules.setdefault("rfc3987_syntax", None)
    _RUNNER = run.Runner(data_dir, out_dir, notes_dir, time_limit,
                         progress=lambda job, stage: events.put((job.period.code, job.folder, stage)), stop=stop,
                         project_root=root)
    multiprocessing.util.Finalize(None, _RUNNER.close, exitpriority=10)
    _RUNNER.warm_up()


def _work(job: run.Job) -> run.Outcome:
    return _RUNNER.run(job)


def summary_table(outcomes: list[run.Outcome]) -> Table:
    table = Table(title="Kết quả tạo báo cáo")
    for column in ("Kỳ", "Mã", "Tỉnh/thành phố", "Notebook", "Kết quả", "Giây", "Ghi chú"):
        table.add_column(column, overflow="fold")            # paths and messages wrap, never cut
    words = {"ok": "[green]đã tạo[/]", "skipped": "bỏ qua (không đổi)", "failed": "[red]LỖI[/]",
             "nodata": "không có số liệu"}
    for o in sorted(outcomes, key=lambda o: (o.status != "failed", o.period, o.province)):
        table.add_row(o.period, o.province, o.name, o.notebook, words[o.status], f"{o.seconds:.1f}",
                      o.message or o.folder)
    counts = {s: sum(o.status == s for o in outcomes) for s in ("ok", "skipped", "failed", "nodata")}
    table.caption = (f"Đã tạo {counts['ok']}, bỏ qua {counts['skipped']}, lỗi {counts['failed']}."
                     + (f" Không có số liệu: {counts['nodata']}." if counts["nodata"] else ""))
    return table


def run_all(data_dir: Path, requests: list[Request], out_dir: Path, notes_dir: Path, notebooks: Path,
            jobs: int | None = None, force: bool = False, time_limit: float | None = None,
            where: project.Project | None = None) -> list[run.Outcome]:
    """Make every planned report with `jobs` worker processes; print progress and a summary table.

    `where` is the project whose settings (the signing file) the reports use, wherever their notebooks are.
    """
    where = where or project.find()
    console.print(f"Đọc và kiểm tra dữ liệu trong {data_dir}…", highlight=False)
    data = dataset.load(data_dir)
    for note in data.notes:
        console.print(f"Ghi chú: {note}", highlight=False)
    notes_dir, out_dir = Path(notes_dir), Path(out_dir)
    planned, outcomes = [], []
    for job in plan(data.units, requests, Path(notebooks)):
        if kinds.get(job.kind).has_data(data, job.subject, job.period):
            planned.append(job)
            continue
        # A province asked for by name fails; one that came from `all` is listed as having no data.
        about = job.subject.province.label if job.subject.province else job.subject.full_name
        outcomes.append(run.Outcome(job.period.code, job.folder, job.name, "failed" if job.named else "nodata",
                                    message=f"Không có số liệu của {about} (mã {job.folder}) kỳ {job.period.label} "
                                            f"(đến {job.period.end:%d/%m/%Y}) trong thư mục dữ liệu {data.folder}."
                                    if job.named else "không có số liệu kỳ này", notebook=job.notebook_label))
    with OutputLock(out_dir):
        todo = []
        for job in planned:
            job = replace(job, fingerprint=fingerprint(data, job, notes_dir, where.signing))
            if not force and run.is_current(out_dir, job):
                outcomes.append(run.Outcome(job.period.code, job.folder, job.name, "skipped",
                                            folder=str(run.output_folder(out_dir, job)), notebook=job.notebook_label))
            else:
                todo.append(job)
        try:
            outcomes += _execute(todo, data_dir, out_dir, notes_dir, jobs or os.cpu_count() or 1, time_limit,
                                 where.root)
        finally:
            index.write(out_dir)
    console.print(summary_table(outcomes))
    for o in outcomes:
        if o.status == "failed":
            console.print(f"[red]Lỗi[/] {o.period} {o.province} {o.name}: {o.message}"
                          + (f" (xem {o.log})" if o.log else ""),
                          soft_wrap=True, markup=True, highlight=False)
    console.print(f"Mục lục các báo cáo: {out_dir / 'index.html'}")
    return outcomes


def _execute(todo: list[run.Job], data_dir: Path, out_dir: Path, notes_dir: Path, workers: int,
             time_limit: float | None, root: Path) -> list[run.Outcome]:
    if not todo:
        return []
    workers = max(1, min(workers, len(todo)))
    context = multiprocessing.get_context("spawn")
    manager = multiprocessing.managers.SyncManager(ctx=context)
    manager.start(signal.signal, (signal.SIGINT, signal.SIG_IGN))   # Ctrl-C is the parent's to handle
    events, stop = manager.Queue(), manager.Event()
    outcomes: list[run.Outcome] = []
    # One bar for the batch (done/total); one line per running report with its stage, no bar or count of its own.
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[count]}"),
                  TimeElapsedColumn(), console=console, transient=True) as progress:
        overall = progress.add_task(f"Khởi động {workers} tiến trình, mỗi tiến trình một kernel…", total=len(todo),
                                    count=f"0/{len(todo)}")
        names = {(job.period.code, job.folder): job.name for job in todo}
        rows: dict[tuple[str, str], int] = {}
        pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker,
                                   initargs=(data_dir, out_dir, notes_dir, time_limit, events, stop, root))
        try:
            pending = {pool.submit(_work, job): job for job in todo}
            while pending:
                done, _ = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
                _drain(events, progress, rows, names, overall)
                for future in done:
                    job = pending.pop(future)
                    try:
                        outcome = future.result()
                    except Exception as exc:   # a worker process that died takes its report with it
                        outcome = run.Outcome(job.period.code, job.folder, job.name, "failed",
                                              message=f"tiến trình làm báo cáo dừng đột ngột ({type(exc).__name__})",
                                              folder=str(run.output_folder(out_dir, job)),
                                              notebook=job.notebook_label)
                    outcomes.append(outcome)
                    key = (job.period.code, job.folder)
                    if key in rows:
                        progress.remove_task(rows.pop(key))
                    progress.advance(overall)
                    progress.update(overall, count=f"{len(outcomes)}/{len(todo)}")
        except KeyboardInterrupt:
            stop.set()                   # workers interrupt their kernels and start nothing new
            console.print("[red]Đã dừng theo yêu cầu (Ctrl-C): các báo cáo đang làm dở bị bỏ, báo cáo cũ giữ "
                          "nguyên.[/]")
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            manager.shutdown()
    return outcomes


def _drain(events, progress: Progress, rows: dict[tuple[str, str], int], names: dict, overall) -> None:
    """Show each running report's stage: cell i/n, HTML, PDF, Word."""
    while True:
        try:
            period, folder, stage = events.get_nowait()
        except queue.Empty:
            return
        key = (period, folder)
        label = f"  {period} {folder} {names.get(key, '')}: {stage}"
        if not rows:
            progress.update(overall, description="Tất cả báo cáo")
        if key not in rows:
            rows[key] = progress.add_task(label, total=None, count="")
        else:
            progress.update(rows[key], description=label)
