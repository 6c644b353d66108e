"""Make one report: the pipeline. `Runner.run` reads as its steps: resolve what the report needs, execute its notebook
(`engine`), record what it made, export each format (`exporters`, `formats`), commit the files into the report's
folder (`folder`). A report is built in a private folder under `<out>/.work/` and its files are moved into
`<out>/<period>/<place>/` only when all are ready: a failure never leaves a half-written file nor touches a good
earlier report. A failed report keeps its executed notebook, with the error, as `report.failed.ipynb` and its log
as `report.failed.log`; a report made keeps its `report.log`.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from thads import engine, files, formats, kernel, kinds, notes, pdf, project
from thads.errors import OverTime, ThadsError
from thads.folder import ReportFolder, record_place, sha256
from thads.inputs import inputs_digest, templates_used
from thads.kinds import Subject
from thads.periods import Period
from thads.units import organised_label


@dataclass(frozen=True)
class Job:
    """One report to make: a kind of report (kinds.KINDS) about a subject for a period, from a notebook."""

    kind: str
    period: Period
    subject: Subject
    notebook: Path
    formats: tuple[str, ...] = ("html", "pdf", "docx")
    report_date: str = ""
    fingerprint: str = ""
    named: bool = True            # asked for by name; False when it came from `all`
    inputs: str = ""              # inputs_digest when the batch was planned
    as_of: date | None = None     # made for the provinces of this day (--as-of); None: those of the period's end
    chosen: bool = False          # its notebook was named by the request (a batch file's `notebook:`)

    @property
    def folder(self) -> str:
        return self.subject.code

    @property
    def place(self) -> str:
        """Its folder under `<out>/<period>/`: `82`, or `theo-2025-07-01/82` for the provinces of a later day, so
        that it never replaces the report of the province that held the code at the period's end."""
        place = self.subject.place or self.folder         # an office's report: inside its province's folder
        return place if self.as_of is None else f"{notes.AS_OF_FOLDER.format(self.as_of)}/{place}"

    def note(self, notes_dir: Path) -> Path:
        """The analyst's note this report reads (when its kind reads notes)."""
        return kinds.get(self.kind).note(Path(notes_dir), self.period, self.subject, self.as_of)

    @property
    def name(self) -> str:
        if self.as_of is None:
            return self.subject.name
        return f"{self.subject.name} ({organised_label(self.as_of)})"

    @property
    def notebook_label(self) -> str:
        """The notebook as the summary table names it: from the current folder when it lies below it."""
        try:
            return str(self.notebook.relative_to(Path.cwd()))
        except ValueError:
            return str(self.notebook)


@dataclass
class Outcome:
    period: str
    province: str
    name: str
    status: str                      # "ok", "failed", "skipped" (current), "nodata" (no data, from `all`) or
                                     # "stopped" (the batch was stopped before it was made)
    seconds: float = 0.0
    message: str = ""
    folder: str = ""
    peak_mb: float = 0.0             # peak resident memory of the process that made it
    kernel_peak_mb: float = 0.0      # and of its kernel(s)
    files: list[str] = field(default_factory=list)
    notebook: str = ""               # the notebook that made it (a province's own variant, say)
    log: str = ""                    # report.log, or report.failed.log for a failed attempt
    stages: dict[str, float] = field(default_factory=dict)   # seconds per step: kernel, notebook, html, pdf...


def output_folder(out_dir: Path, job: Job) -> Path:
    return Path(out_dir) / job.period.code / job.place


def is_current(out_dir: Path, job: Job) -> bool:
    """True when the report exists with all its files and was made from the same inputs."""
    from thads.inputs import templates_changed

    return ReportFolder(output_folder(out_dir, job)).is_current(job.fingerprint, job.formats, templates_changed)


def _empty_notebook():
    """A notebook with a figures record and nothing else: what the exporters need to warm up."""
    import nbformat

    from thads import parts

    record = nbformat.v4.new_output("display_data", data={"text/html": "", parts.FIGURES: {"title": "thads"}})
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("", outputs=[record])])


def _position(executed: Path, index: int) -> int:
    """The 1-based position of cell `index` of an executed notebook in the notebook the analyst edits:
    papermill's injected parameters cell (and the error banner it puts on top) are not counted."""
    import nbformat

    try:
        cells = nbformat.read(executed, as_version=4).cells
    except Exception:  # an unreadable notebook: papermill's own index, 1-based
        return index + 1
    cells = [c for c in cells if "papermill-error-cell-tag" not in c.metadata.get("tags", [])]
    injected = [i for i, c in enumerate(cells) if "injected-parameters" in c.metadata.get("tags", [])]
    return index + 1 - sum(1 for i in injected if i < index)


def _failure(exc: BaseException, timed_out: bool, limit: float | None, executed: Path | None = None) -> str:
    if timed_out:
        return f"quá thời gian cho phép ({limit:g} giây): báo cáo bị dừng"
    if isinstance(exc, OverTime):
        return (f"quá thời gian cho phép ({limit:g} giây, tính cả phần xuất báo cáo) trước bước {exc.stage}: báo cáo "
                "bị dừng")
    if type(exc).__name__ == "PapermillExecutionError" and exc.ename in ("ThadsError", "DataError", "TemplateFailure"):
        return exc.evalue           # the package's own message says what to fix; the cell would only distract
    if type(exc).__name__ == "PapermillExecutionError":
        # Cells are counted as in the notebook the analyst edits: papermill's injected parameters cell is not.
        first = next((line.strip() for line in (exc.source or "").splitlines() if line.strip()), "")
        quoted = f" «{first[:60]}{'…' if len(first) > 60 else ''}»" if first else ""
        number = _position(executed, exc.cell_index) if executed is not None else exc.cell_index + 1
        return f"lỗi khi chạy notebook (ô {number}{quoted}): {exc.ename}: {exc.evalue}"
    if type(exc).__name__ == "DeadKernelError":
        return "kernel dừng đột ngột khi đang chạy notebook"
    if isinstance(exc, OSError) and exc.errno is not None:      # disk full, read-only folder...
        return files.describe(exc, exc.filename or files.full_temp() or "thư mục kết quả")
    return str(exc) if isinstance(exc, ThadsError) else f"{type(exc).__name__}: {exc}"


def _check_organisation(record: dict, job: Job) -> None:
    """The notebook made the report for the provinces the job asked for (`--as-of`), or the report would be
    stored where it does not belong."""
    made = record["figures"].get("theo_ngay")
    if made == (job.as_of.isoformat() if job.as_of else None):
        return
    if job.as_of is None:
        raise ThadsError(f"notebook {job.notebook.name} lập báo cáo theo các tỉnh, thành phố từ ngày {made} (as_of "
                         f"trong notebook) nhưng lần chạy không có --as-of: để trống as_of trong ô tham số, hoặc chạy "
                         f"với --as-of {made}")
    raise ThadsError(f"notebook {job.notebook.name} không lập báo cáo theo các tỉnh, thành phố từ ngày "
                     f"{job.as_of:%d/%m/%Y} (--as-of): ô tham số cần as_of: str = \"\" và đối tượng báo cáo cần "
                     f"nhận nó, ví dụ {kinds.get(job.kind).example}; notebook chưa sửa thì cập nhật bằng thads init --update")


class _Attempt:
    """One report being made: its folders, its log and the time each step took."""

    def __init__(self, runner: "Runner", job: Job):
        self.job, self.started = job, time.perf_counter()
        self.outcome = Outcome(job.period.code, job.folder, job.name, "failed", notebook=job.notebook_label)
        self.folder = ReportFolder(output_folder(runner.out_dir, job))
        self.outcome.folder = str(self.folder.path)
        self.work = runner.out_dir / ".work" / f"{job.period.code}-{job.place.replace('/', '-')}-{os.getpid()}"
        self.log: list[str] = []
        self.cells: list = []             # the executing notebook's own cells, kept in case the kernel dies
        self.before: dict[str, str] = {}  # the checksums the last good run recorded (inputs.json's `written`)
        self.progress, self._clock = runner.progress, time.perf_counter()
        self.deadline = time.monotonic() + runner.time_limit if runner.time_limit else None

    def step(self, stage: str) -> None:
        self.log.append(f"{datetime.now():%Y-%m-%d %H:%M:%S} {stage}")
        try:
            self.progress(self.job, stage)
        except Exception:  # a progress display that went away must not fail the report
            pass

    def lap(self, stage: str) -> None:
        """The time since the last lap goes to `stage`."""
        now = time.perf_counter()
        self.outcome.stages[stage] = self.outcome.stages.get(stage, 0.0) + now - self._clock
        self._clock = now

    def say(self, message: str) -> None:
        """Something the user should read: in the log and in the batch's summary."""
        self.outcome.message = f"{self.outcome.message}; {message}" if self.outcome.message else message
        self.log.append(message)


class Runner:
    """Makes reports one after another in this process, each on a kernel of its own (`engine.Engine`): nothing a
    report does to its kernel is seen by another report."""

    def __init__(self, data_dir: Path, out_dir: Path, notes_dir: Path, time_limit: float | None = None,
                 progress=None, stop=None, project_root: Path | None = None, on_kernel=None,
                 shared_data: Path | None = None, template=None):
        self.data_dir, self.out_dir, self.notes_dir = Path(data_dir), Path(out_dir), Path(notes_dir)
        where = project.find(project_root) if project_root else None
        self.signing = where.signing if where else None
        self.templates = where.templates if where else None     # the project's wording
        self.root = where.root if where else None               # its settings for the exports (the reference deck)
        self.stop = stop or threading.Event()   # set by the batch on Ctrl-C: interrupt, start nothing new
        self.time_limit = time_limit
        self.progress = progress or (lambda job, stage: None)
        self.engine = engine.Engine(self.data_dir, time_limit, self.stop, project_root, on_kernel, shared_data,
                                    template)
        self.printer = pdf.Printer()          # one browser for all the PDFs of this runner
        self._warming: threading.Thread | None = None       # the exporters getting ready (warm_up)

    def warm_up(self, pdf: bool = True, rehearsals: list[dict] = (), meanwhile: bool = False) -> None:
        """Start the first report's kernel (which imports the package and loads the data) while this process imports
        papermill and nbconvert, and with `pdf` opens the browser and prints a first page: a batch's first report
        then waits for none of them. With `meanwhile` (a report made alone) the exporters get ready in a thread
        while the report's notebook runs, and the browser is opened by the report itself."""
        self.engine.warm_up(rehearsals)
        import papermill  # noqa: F401

        if meanwhile:
            self._warming = threading.Thread(target=self._warm_exports, args=(False,), daemon=True)
            self._warming.start()
        else:
            self._warm_exports(pdf)

    def _warm_exports(self, pdf: bool) -> None:
        from thads.exporters import Export

        try:
            Export(_empty_notebook(), self.printer).build("pdf" if pdf else "html")
        except Exception:   # a broken installation is reported by the first report, with what to do
            pass

    def close(self) -> None:
        """End the kernel, the template when it is the engine's own, and the browser."""
        self.engine.close()
        self.printer.close()

    def parameters(self, job: Job) -> dict:
        """What the job's notebook is given (papermill parameters): absolute paths, so that any folder works."""
        # as_of only when asked for: a notebook made before --as-of existed still runs every other report quietly.
        return {"period": job.period.code, "data_dir": str(self.data_dir.resolve()), "report_date": job.report_date,
                **kinds.get(job.kind).parameters(job.subject, self.notes_dir.resolve()),
                **({"as_of": job.as_of.isoformat()} if job.as_of else {})}

    def run(self, job: Job) -> Outcome:
        """Make one report; return what happened, never raise for a failed report."""
        attempt = _Attempt(self, job)
        if self.stop.is_set():
            attempt.outcome.status, attempt.outcome.message = "stopped", "chưa làm: đã dừng theo yêu cầu"
            return attempt.outcome
        try:
            self._open(attempt)
        except ThadsError as exc:
            attempt.outcome.message = str(exc)
            return attempt.outcome
        try:
            attempt.step("bắt đầu")
            wanted, before = self._resolve(attempt)
            executed = self._execute(attempt, wanted)
            inputs = self._record(attempt, executed, wanted, before)
            places = self._export(attempt, executed, wanted, inputs)
            self._commit(attempt, places, inputs)
        except BaseException as exc:  # one failing report must not stop a batch: report it instead
            self._failed(attempt, exc)
        finally:
            self._close(attempt)
        return attempt.outcome

    # The steps ------------------------------------------------------------------------------------------------------
    def _open(self, attempt: _Attempt) -> None:
        """A clean private work folder, inside the output folder, as is the report's own folder."""
        files.inside(self.out_dir, attempt.folder.path)
        files.no_link(self.out_dir / ".work")
        files.no_link(attempt.work)
        shutil.rmtree(attempt.work, ignore_errors=True)
        files.make_folder(attempt.work)

    def _resolve(self, attempt: _Attempt) -> tuple[list[str], dict]:
        """The formats to make (those asked for and every one already in the folder: a folder never holds files made
        from different inputs) and what the last good run recorded; the browser checked first when a PDF is made."""
        job = attempt.job
        before = attempt.folder.recorded()
        attempt.before = dict(before.get("written", {}))
        wanted = formats.ordered({*job.formats, *before.get("formats", [])})
        if formats.any_needs(wanted, "needs_printer"):
            self._check_printer(job, attempt.folder.path)
        attempt.log.append(f"notebook: {job.notebook}")
        if kinds.get(job.kind).notes:
            note = job.note(self.notes_dir)
            attempt.log.append(f"ghi chú: {note}" if note.is_file() else f"ghi chú: không có ({note})")
        return wanted, before

    def _execute(self, attempt: _Attempt, wanted: list[str]):
        """Run the notebook on a kernel of its own; the executed notebook."""
        import nbformat

        job = attempt.job
        attempt.log.append(self.engine.describe())
        count = len(nbformat.read(job.notebook, as_version=4).cells)
        attempt.lap("kernel")

        def cell_started(cell, cell_index):
            attempt.cells.append(cell)
            attempt.step(f"ô {cell_index + 1}/{count + 1}")

        attempt.step("chạy notebook")
        executed = self.engine.execute(job.notebook, attempt.work / "report.ipynb", self.parameters(job),
                                       word=formats.any_needs(wanted, "charts_as_png"),
                                       on_cell_start=cell_started)
        attempt.lap("notebook")
        return executed

    def _record(self, attempt: _Attempt, executed, wanted: list[str], before: dict) -> dict:
        """summary.json from the figures the notebook recorded, the templates it used in the log, and what
        inputs.json will say."""
        from thads import parts

        job = attempt.job
        record = parts.recorded(executed, job.kind, job.folder, job.period.code)
        if record is None:
            raise ThadsError(f"notebook {job.notebook.name} không ghi lại số liệu chính của báo cáo "
                             f"{job.period.code} {job.folder}: notebook cần tạo đối tượng báo cáo, ví dụ "
                             f"r = {kinds.get(job.kind).example}")
        _check_organisation(record, job)
        shown, used = templates_used(executed, self.templates)
        if shown:
            attempt.log.append("Mẫu lời văn đã dùng:")
            attempt.log.extend(f"  {label}" for label in shown)
        (attempt.work / "summary.json").write_text(json.dumps(record["figures"], ensure_ascii=False, indent=2), "utf-8")
        fingerprint = job.fingerprint
        if job.inputs and job.inputs != inputs_digest(job, self.data_dir, self.notes_dir, self.signing, self.templates):
            fingerprint = ""           # inputs changed while the report was made: the next run makes it again
            attempt.log.append("dữ liệu, ghi chú, mẫu lời văn hoặc notebook đã thay đổi trong lúc tạo báo cáo: lần chạy "
                               "sau sẽ tạo lại")
        attempt.lap("ghi")
        return {"fingerprint": fingerprint, "formats": wanted, "written": before.get("written", {}), "templates": used,
                "notebook": job.notebook.name}

    def _export(self, attempt: _Attempt, executed, wanted: list[str], inputs: dict) -> dict[str, str]:
        """Each format built from the executed notebook into the work folder: {file made: its name in the report's
        folder} (the clerk's rule may put a file beside an edited one)."""
        from thads.exporters import Export

        if self._warming is not None:
            self._warming.join()
            self._warming = None
        places = {"report.ipynb": "report.ipynb", "summary.json": "summary.json"}
        made = Export(executed, self.printer, attempt.deadline, root=self.root)
        for name in wanted:
            wanted_format = formats.get(name)
            attempt.step(wanted_format.label)
            content = made.build(name)
            files.write_whole(attempt.work / wanted_format.file, content)
            if name == "pdf":
                attempt.log.append(f"PDF in bằng trình duyệt {self.printer.browser}")
            places[wanted_format.file] = attempt.folder.place(name, inputs["written"])
            if wanted_format.keeps_edits:
                target = places[wanted_format.file]
                inputs["written"] = {**inputs["written"], target: sha256(attempt.work / wanted_format.file)}
                record_place(inputs, name, target)
                if target != wanted_format.file:
                    attempt.say(f"{wanted_format.file} đã được sửa sau khi tạo nên được giữ nguyên; bản mới ghi vào "
                                f"{target}")
            attempt.lap(name)
        attempt.log.extend(f"không đưa vào báo cáo: {message}" for message in made.hidden)
        return places

    def _commit(self, attempt: _Attempt, places: dict[str, str], inputs: dict) -> None:
        """Put the report's files in place, inputs.json last (unless the batch is stopping)."""
        attempt.step(f"xong sau {time.perf_counter() - attempt.started:.1f} giây")
        attempt.step(f"bộ nhớ đỉnh: tiến trình {engine.peak_mb():.0f} MB, kernel {self.engine.kernel_peak:.0f} MB")
        if self.stop.is_set():       # the batch is stopping: a report finished now is not put in place
            raise KeyboardInterrupt
        from thads.errors import check_time

        check_time(attempt.deadline, "ghi kết quả")
        names = list(places)
        for message in attempt.folder.commit(attempt.work, names, places, inputs, attempt.before):
            attempt.say(message)
        attempt.lap("ghi")
        attempt.log.append("thời gian (giây): " + "; ".join(f"{stage} {seconds:.2f}".replace(".", ",")
                                                           for stage, seconds in attempt.outcome.stages.items()))
        attempt.outcome.status = "ok"
        attempt.outcome.files = [str(attempt.folder.path / places[n]) for n in names]

    def _failed(self, attempt: _Attempt, exc: BaseException) -> None:
        """A stopped report leaves nothing; a failed one keeps its notebook and log beside the good report."""
        outcome, timed_out = attempt.outcome, self.engine.timed_out.is_set()
        if self.stop.is_set() or (isinstance(exc, KeyboardInterrupt) and not timed_out):
            outcome.status, outcome.message = "stopped", "dừng giữa chừng theo yêu cầu"
            attempt.log.clear()
            return
        outcome.message = _failure(exc, timed_out, self.time_limit, attempt.work / "report.ipynb")
        attempt.step(f"LỖI: {outcome.message}")
        try:
            kept = attempt.folder.keep_failed(attempt.work, attempt.cells, outcome.message)
            outcome.files = [str(kept)] if kept else []
        except (OSError, ThadsError) as problem:     # a full disk must not hide the report's own failure
            outcome.message += f" (không ghi được notebook lỗi: {problem})"

    def _close(self, attempt: _Attempt) -> None:
        outcome = attempt.outcome
        try:
            kept = attempt.folder.keep_log(attempt.work, attempt.log, outcome.status == "ok")
            outcome.log = str(kept) if kept else outcome.log
        except (OSError, ThadsError) as problem:
            outcome.message += f" (không ghi được nhật ký: {problem})"
        shutil.rmtree(attempt.work, ignore_errors=True)
        kernel.release_memory()
        outcome.seconds = time.perf_counter() - attempt.started
        outcome.peak_mb = engine.peak_mb()
        outcome.kernel_peak_mb = self.engine.kernel_peak

    def _check_printer(self, job: Job, final: Path) -> None:
        """The browser must print before the notebook runs: a report that cannot have its PDF fails at once."""
        try:
            self.printer.start()
        except ThadsError as exc:
            if formats.any_needs(job.formats, "needs_printer"):
                raise
            raise ThadsError(f"{exc}. Báo cáo này không yêu cầu PDF nhưng thư mục {final} đã có report.pdf, nên PDF "
                             "được làm lại cùng các định dạng khác (để không có tệp cũ lẫn tệp mới): xóa report.pdf "
                             "và inputs.json trong thư mục đó nếu không cần PDF nữa") from None
