"""Generate one report: execute its notebook with papermill on a real kernel, then export it.

A `Runner` gives each report a Jupyter kernel of its own (papermill is given the kernel manager), forked on
Linux from a template process that imported the package and loaded the data once per worker (thads.kernel):
a batch pays the imports once per worker, and no report sees what another did to its kernel.
Each report is built in a private folder under `<out>/.work/` and its files are moved into
`<out>/<period>/<province code>/` only when all are ready: a failure never leaves a half-written file
nor touches a good earlier report. A failed report keeps its executed notebook, with the error, as
`report.failed.ipynb` and its log as `report.failed.log`; a report made keeps its `report.log`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from jupyter_client import KernelManager
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.provisioning import LocalProvisioner

from thads import export, files, kernel, kinds, notes, pdf, project
from thads.errors import ThadsError
from thads.kinds import Subject
from thads.periods import Period
from thads.units import organised_label

KERNEL = "thads"
GRACE = 10                      # seconds between interrupting a kernel over its time limit and killing it
WARM_TIMEOUT = 300              # seconds a new kernel may take to be ready (imports, the data loaded)


@dataclass(frozen=True)
class Job:
    """One report to make: a kind of report (kinds.KINDS) about a subject for a period, from a notebook."""

    kind: str
    period: Period
    subject: Subject
    notebook: Path
    formats: tuple[str, ...] = export.FORMATS
    report_date: str = ""
    fingerprint: str = ""
    named: bool = True            # asked for by name; False when it came from `all`
    inputs: str = ""              # inputs_digest when the batch was planned
    as_of: date | None = None     # made for the provinces of this day (--as-of); None: those of the period's end

    @property
    def folder(self) -> str:
        return self.subject.code

    @property
    def place(self) -> str:
        """Its folder under `<out>/<period>/`: `82`, or `theo-2025-07-01/82` for the provinces of a later day, so
        that it never replaces the report of the province that held the code at the period's end."""
        return self.folder if self.as_of is None else f"{notes.AS_OF_FOLDER.format(self.as_of)}/{self.folder}"

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


def kernel_name() -> str:
    """The project's kernel when it is registered for this Python (`make setup`, `thads init`), else this
    interpreter's own: a 'thads' kernel left by another installation must not run the reports."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        interpreter = KernelSpecManager().get_kernel_spec(KERNEL).argv[0]
    except (NoSuchKernel, IndexError):
        return "python3"
    # Venvs link to one base interpreter: compare the folders the paths name, not the files they lead to.
    folder = Path(os.path.abspath(shutil.which(interpreter) or interpreter)).parent
    return KERNEL if folder == Path(os.path.abspath(sys.executable)).parent else "python3"


def output_folder(out_dir: Path, job: Job) -> Path:
    return out_dir / job.period.code / job.place


def inputs_digest(job: Job, data_dir: Path, notes_dir: Path, signing: Path | None,
                  templates: Path | None = None) -> str:
    """A cheap hash of the files a report reads (the data folder's files by size and time, the note, the signing
    file, the notebook, the project's wording templates by size and time): taken when the batch is planned and
    again when the report is done, so that a report made while its inputs changed is not recorded as current.

    The templates count here because inputs.json records the hash of each template file after the notebook ran:
    a template edited while the report was being made would otherwise be recorded as the one it was made from."""
    from thads.dataset import signature

    digest = hashlib.sha256(repr(signature(Path(data_dir))).encode())
    if templates is not None and Path(templates).is_dir():
        digest.update(repr(signature(Path(templates))).encode())
    for path in (notes.note_path(notes_dir, job.period, job.folder, job.as_of), signing, job.notebook):
        digest.update(path.read_bytes() if path is not None and Path(path).is_file() else b"-")
    return digest.hexdigest()


def made_before(folder: Path) -> dict:
    """What the last good run recorded in the folder's inputs.json ({} when nothing, unreadable or damaged: values
    of the wrong kind would fail every later run of the report). Without it, a report.docx is taken as edited and
    kept (`docx_place`)."""
    try:
        made = json.loads((Path(folder) / "inputs.json").read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(made, dict):
        return {}
    formats, written, docx = made.get("formats", []), made.get("written", {}), made.get("docx", "report.docx")
    if (not isinstance(formats, list) or not isinstance(written, dict)
            or not all(isinstance(k, str) and isinstance(v, str) for k, v in written.items())
            or not isinstance(docx, str) or not _WORD_FILE.fullmatch(docx)):
        return {}
    return made


_WORD_FILE = re.compile(r"report(\.new(-\d+)?)?\.docx")      # the names `docx_place` gives a Word file


def put_files(work: Path, final: Path, names: list[str], places: dict[str, str], inputs: dict,
              before: dict[str, str]) -> list[str]:
    """Move a finished report's files from `work` into `final` (`places`: each file's name there) and record in
    `inputs` where they went; return what to tell the user.

    A file that cannot replace its old self (open in Word or a PDF reader on Windows) goes beside it
    (`files.put_in_place`); the folder then mixes two runs and is not current. A Word file placed so has its
    checksum recorded under the name it got, the file it did not replace keeps its own (`before`, the last run's),
    and inputs.json names it for the index. Copies the tool wrote beside report.docx earlier and nobody edited
    (report.new.docx: their checksum is the one recorded) are removed once the Word file is in place elsewhere."""
    messages = []
    for name in names:
        placed, message = files.put_in_place(work / name, final / places[name])
        if message:        # a file open elsewhere: the folder now mixes runs, so it is not current
            if name == "report.docx":
                checksum = inputs["written"].pop(places[name])
                if places[name] in before:
                    inputs["written"][places[name]] = before[places[name]]
                inputs["written"][placed.name], inputs["docx"] = checksum, placed.name
            places[name], inputs["fingerprint"] = placed.name, ""
            messages.append(message)
    if "report.docx" in names:
        for name, checksum in list(inputs["written"].items()):
            path = final / name
            if (name != inputs["docx"] and name.startswith("report.new") and _WORD_FILE.fullmatch(name)
                    and path.is_file() and not path.is_symlink() and _sha256(path) == checksum):
                path.unlink()
                del inputs["written"][name]
    return messages


def is_current(out_dir: Path, job: Job) -> bool:
    """True when the report exists with all its files and was made from the same inputs."""
    folder = output_folder(out_dir, job)
    made = made_before(folder)
    wanted = ["report.ipynb", "summary.json"] + [made.get("docx", "report.docx") if f == "docx" else f"report.{f}"
                                                 for f in job.formats]
    return (bool(made) and made.get("fingerprint") == job.fingerprint and all((folder / n).is_file() for n in wanted)
            and not templates_changed(made.get("templates")))


def _sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _package_templates() -> Path:
    from thads.wording import PACKAGE

    return PACKAGE


def resolve_template(name: str, search: list[str]) -> Path | None:
    """The file template `name` resolves to through `search` (the first folder holding it), None when none does.
    The last folder of a recorded search path is the package's: the package as installed now is searched instead."""
    for folder in [*search[:-1], str(_package_templates())]:
        path = Path(folder) / name
        if path.is_file():
            return path
    return None


def templates_changed(recorded) -> bool:
    """Whether a template a report used would now give other words: for each template name recorded in its
    inputs.json (`templates`), the file it resolves to through the recorded search path has another content than
    the one it was made from (edited; removed from the project, so that the package's is used; or added to a
    project folder, where it now hides the package's). Only the recorded files are read: a handful per report.
    Nothing recorded (a report made before templates were recorded) counts as changed."""
    if not isinstance(recorded, list):
        return True
    for entry in recorded:
        try:
            name, search, wanted = str(entry["name"]), [str(f) for f in entry["search"]], entry["sha256"]
            found = resolve_template(name, search) if search else None
            if found is None or _sha256(found) != wanted:
                return True
        except (KeyError, TypeError, OSError):
            return True
    return False


def templates_used(notebook, project_templates: Path | None = None) -> tuple[list[str], list[dict]]:
    """The wording templates behind an executed notebook's parts (each part's record names them, `templates`):
    their labels as report.log shows them, unique in order of first use, and what inputs.json records of them,
    one entry per template name and search path: {"name", "search", "file", "sha256"}.

    A search path lists only the folders that existed when the report was made; the project's templates folder
    (`project_templates`) is put back before the package's, so that a file added there later is seen."""
    from thads import parts

    shown: list[str] = []
    entries: dict[tuple, dict] = {}
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            record = output.get("data", {}).get(parts.PART)
            used = record.get("templates") if isinstance(record, dict) else None
            if not isinstance(used, dict):
                continue
            shown += [label for label in used.get("shown", []) if label not in shown]
            search = [str(Path(f)) for f in used.get("search", [])]
            if project_templates is not None and search and str(Path(project_templates)) not in search:
                search.insert(len(search) - 1, str(Path(project_templates)))
            for name, path in sorted(used.get("files", {}).items()):
                if (name, tuple(search)) not in entries:
                    try:
                        digest = _sha256(path)
                    except OSError:          # gone since: the next run sees a change and makes the report again
                        digest = ""
                    entries[name, tuple(search)] = {"name": name, "search": search, "file": str(path),
                                                    "sha256": digest}
    return shown, list(entries.values())


def docx_place(folder: Path, written: dict[str, str]) -> str:
    """Where a new Word file goes: report.docx, unless a clerk changed it after it was written (its checksum
    differs from the one recorded); then beside it, report.new.docx (report.new-2.docx, ...)."""
    for number in range(1, 1000):
        name = "report.docx" if number == 1 else "report.new.docx" if number == 2 else f"report.new-{number - 1}.docx"
        path = Path(folder) / name
        if not path.exists() or written.get(name) == _sha256(path):
            return name
    raise ThadsError(f"{folder}: quá nhiều bản Word đã sửa; hãy dọn bớt các tệp report.new-*.docx.")


def peak_mb(pid: int | None = None) -> float:
    """Peak resident memory of a live process (this one by default), in MB; 0 when unknown. psutil gives it on
    Windows (peak working set); on Linux the kernel's high-water mark (VmHWM) is read; elsewhere the current
    resident size stands in."""
    import psutil

    try:
        process = psutil.Process(pid)
        info = process.memory_info()
    except (psutil.Error, TypeError, ValueError):
        return 0.0
    peak = getattr(info, "peak_wset", None)
    if peak is None:
        try:
            status = Path(f"/proc/{process.pid}/status").read_text("utf-8")
            peak = next(int(line.split()[1]) * 1024 for line in status.splitlines() if line.startswith("VmHWM:"))
        except (OSError, StopIteration, ValueError):
            peak = info.rss
    return peak / 2**20


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
    if isinstance(exc, export.OverTime):
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


EXAMPLES = {"province": "ProvinceReport(province, period, data_dir, notes_dir, report_date, as_of)",
            "national": "NationalReport(period, data_dir, report_date, as_of)"}


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
                     f"nhận nó, ví dụ {EXAMPLES[job.kind]}; notebook chưa sửa thì cập nhật bằng thads init --update")


class _ReusedClient(AsyncKernelClient):
    """papermill's client of a kernel, made once by its manager and stopped with it: papermill never stops a
    client it is given by a manager (each one leaked a thread, about fourteen file descriptors and 5 MB).
    (Asynchronous, so nbclient waits for messages without blocking its event loop and notices a kernel
    that died.)"""

    _ready = False

    def start_channels(self, *args, **kwargs) -> None:
        if not self.channels_running:
            super().start_channels(*args, **kwargs)

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        """A kernel_info reply, then one IOPub message (the channel is connected): jupyter_client also waits for
        0.2 s of silence on IOPub, which every report would pay, its kernel being new. nbclient reads only the
        messages of its own requests, so the status messages of this one may stay."""
        from queue import Empty

        if self._ready:
            return
        deadline = time.monotonic() + (timeout if timeout is not None else WARM_TIMEOUT)
        while True:
            asked = self.kernel_info()
            try:
                reply = await self.get_shell_msg(timeout=1)
            except Empty:
                reply = None
            if reply is not None and reply["parent_header"].get("msg_id") == asked:
                try:
                    await self.iopub_channel.get_msg(timeout=0.2)
                except Empty:
                    pass
                else:
                    self._handle_kernel_info_reply(reply)
                    break
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout} seconds")
        self._ready = True


def _launcher(argv: list[str]) -> tuple[list[str], list[str]] | None:
    """A kernel's command `python [options] -m ipykernel_launcher ARGS` as (`python [options]`, ARGS); None for any
    other kernel, which the template cannot fork."""
    for i in range(1, len(argv) - 1):
        if argv[i] == "-m" and argv[i + 1] in ("ipykernel_launcher", "ipykernel"):
            return list(argv[:i]), list(argv[i + 2:])
    return None


REHEARSALS = 3        # kinds and periods of a batch whose reports the templates rehearse (kernel.rehearse)


def rehearsals(jobs: list[Job], notes_dir: Path) -> list[dict]:
    """For the templates of a batch's workers (kernel.rehearse): its first report of each kind, period and day of
    the provinces (--as-of), up to REHEARSALS of them; with the charts as PNG too when the batch makes Word files."""
    chosen: dict[tuple, dict] = {}
    for job in jobs:
        key = (job.kind, job.period.code, job.as_of)
        if key not in chosen and len(chosen) < REHEARSALS:
            chosen[key] = {"kind": job.kind, "subject": job.subject.code, "period": job.period.code,
                           "as_of": job.as_of.isoformat() if job.as_of else "",
                           "notes_dir": str(Path(notes_dir).resolve()), "word": False}
    word = any("docx" in job.formats for job in jobs)
    return [{**wanted, "word": word} for wanted in chosen.values()]


class _Template:
    """The warm process a Runner's kernels are forked from (Linux; see thads.kernel): started once, with the
    environment a kernel would get; asked for a kernel with a line on a socket, it answers the kernel's pid."""

    # The command names ipykernel, which the template imports: what looks for a batch's kernels finds it.
    CODE = "import ipykernel.kernelapp, thads.kernel; thads.kernel.template()"

    def __init__(self, python: list[str], env: dict, data_dir: Path, shared: Path | None, rehearsals: list[dict]):
        import socket
        import subprocess

        self.python, self.env = python, env
        ours, theirs = socket.socketpair()
        try:
            self.process = subprocess.Popen(
                [*python, "-c", self.CODE, str(theirs.fileno()), str(data_dir), str(shared or ""),
                 json.dumps(rehearsals)],
                pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL, start_new_session=True,
                env={**env, "JPY_PARENT_PID": str(os.getpid())})     # as jupyter_client's launcher: the kernels
        except BaseException:                                         # end when their parent does
            ours.close()
            raise
        finally:
            theirs.close()
        ours.settimeout(WARM_TIMEOUT)          # a template stuck warming up counts as dead
        self.channel, self.replies = ours, ours.makefile("rb")
        self.waiting: list[_Forked] = []
        self.lock = threading.Lock()

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def fork(self, args: list[str]) -> "_Forked":
        """Ask for a kernel started with `args` (those of ipykernel_launcher); its pid is read when first needed."""
        kernel = _Forked(self)
        with self.lock:
            self.channel.sendall(json.dumps(args).encode() + b"\n")
            self.waiting.append(kernel)
        return kernel

    def answer(self, kernel: "_Forked") -> None:
        """Read the template's answers up to `kernel`'s (they come in the order asked); a template that ended or
        does not answer leaves every kernel still waiting dead."""
        with self.lock:
            while kernel in self.waiting:
                try:
                    line = self.replies.readline()
                    pid = int(line)
                except (OSError, ValueError):        # ended (nothing to read), or did not answer in time
                    for waiting in self.waiting:
                        waiting.forked(None)
                    self.waiting.clear()
                    self.process.kill()
                    return
                self.waiting.pop(0).forked(pid)

    def close(self) -> None:
        """End it (the kernels it forked are ended by their managers)."""
        for closing in (self.replies.close, self.channel.close, self.process.kill, self.process.wait):
            try:
                closing()
            except OSError:
                pass


class _Forked:
    """A kernel forked by the template, with the part of `subprocess.Popen` jupyter_client's provisioner uses.
    Its exit status goes to the template, its parent: a kernel that ended has returncode -9 when it was killed,
    else 1."""

    stdin = stdout = stderr = None

    def __init__(self, template: _Template):
        self.template, self.returncode = template, None
        self._pid: int | None = None
        self._process = None        # psutil.Process, which notices a pid used again by another process
        self._answered = self._killed = False

    def forked(self, pid: int | None) -> None:
        import psutil

        self._pid, self._answered = pid, True
        try:
            self._process = psutil.Process(pid) if pid else None
        except psutil.Error:
            pass

    @property
    def pid(self) -> int | None:
        if not self._answered:
            self.template.answer(self)
        return self._pid

    def poll(self) -> int | None:
        import psutil

        if self.returncode is None:
            self.pid           # noqa: B018  (the template's answer first)
            try:
                alive = (self._process is not None and self._process.is_running()
                         and self._process.status() != psutil.STATUS_ZOMBIE)
            except psutil.Error:
                alive = False
            if not alive:
                self.returncode = -9 if self._killed else 1
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        import subprocess

        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired("kernel", timeout)
            time.sleep(0.002)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        import psutil
        import signal

        if self.poll() is None:
            self._killed = self._killed or signum == getattr(signal, "SIGKILL", None)
            try:
                self._process.send_signal(signum)
            except psutil.NoSuchProcess:
                pass

    def kill(self) -> None:
        import signal

        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        import signal

        self.send_signal(signal.SIGTERM)


class _ForkProvisioner(LocalProvisioner):
    """Starts the kernel by asking the manager's template to fork it, instead of launching a new Python."""

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    pgid = pid           # the kernel leads its own process group (thads.kernel._become_kernel)

    async def launch_kernel(self, cmd: list[str], **kwargs) -> dict:
        python, args = _launcher(cmd)
        self.process = self.parent.template(python, kwargs.get("env") or dict(os.environ)).fork(args)
        self.cwd = kwargs.get("cwd") or Path.cwd()
        return self.connection_info

    async def kill(self, restart: bool = False) -> None:
        """SIGKILL, then wait for the end in steps of 2 ms: the manager would poll every 0.1 s, at every report."""
        import subprocess

        await super().kill(restart)
        if self.process is not None:
            try:
                self.process.wait(timeout=2)
            except subprocess.TimeoutExpired:
                pass


class _Manager(KernelManager):
    """A kernel manager whose `client()` is always the same `_ReusedClient`, stopped with the kernel. Given a
    `template` (a function of the kernel's interpreter command and environment giving a `_Template`), the
    kernel is forked from that template."""

    _client_made = None
    template = None

    def client(self, **kwargs):
        if self._client_made is None:
            self._client_made = super().client(**kwargs)
        return self._client_made

    def stop_client(self) -> None:
        if self._client_made is not None:
            self._client_made.stop_channels()
            self._client_made = None

    async def _async_pre_start_kernel(self, **kw):
        if self.template is not None and self.provisioner is None:
            import uuid

            self.kernel_id = self.kernel_id or str(uuid.uuid4())
            self.provisioner = _ForkProvisioner(kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self)
        return await super()._async_pre_start_kernel(**kw)


class Runner:
    """Makes reports one after another in this process, each in a kernel of its own (see thads.kernel): nothing
    a report does to its kernel (its variables, its options, a function of a module it replaced, the data it
    changed, a thread it left) is seen by another report. On Linux each kernel is forked from a warm template
    process; elsewhere (or with THADS_FORK=0) it is started and warmed up for its report. Either way the next
    report's kernel gets ready while this report is exported.
    """

    def __init__(self, data_dir: Path, out_dir: Path, notes_dir: Path, time_limit: float | None = None,
                 progress=None, stop=None, project_root: Path | None = None, on_kernel=None,
                 shared_data: Path | None = None):
        self.data_dir, self.out_dir, self.notes_dir = Path(data_dir), Path(out_dir), Path(notes_dir)
        self.shared_data = shared_data        # the data folder as the batch loaded it (dataset.share), if any
        self.project_root = project_root      # the kernel's reports use its settings (THADS_PROJECT)
        self.signing = project.find(project_root).signing if project_root else None
        self.templates = project.find(project_root).templates if project_root else None   # the project's wording
        self.stop = stop or threading.Event()   # set by the batch on Ctrl-C: interrupt, start nothing new
        self.time_limit = time_limit
        self.progress = progress or (lambda job, stage: None)
        self.on_kernel = on_kernel or (lambda pid: None)       # told each kernel's process id, as it starts
        self.km = None
        self._kc = None
        self._warming = False
        self._used = False                    # the kernel has begun a report: no other report may use it
        self.kernel_peak = 0.0                # peak memory of the last report's kernel, in MB
        self.fork = sys.platform.startswith("linux") and os.environ.get("THADS_FORK", "1") != "0"
        self._template: _Template | None = None
        self._kernel_name = ""                # the kernel's name, looked up once (kernel_name)
        self.rehearsals: list[dict] = []      # what the template makes once before forking (kernel.rehearse)
        self.printer = pdf.Printer()          # one browser for all the PDFs of this runner

    def warm_up(self, pdf: bool = True, rehearsals: list[dict] = ()) -> None:
        """Start the first report's kernel (and the template it is forked from, which makes `rehearsals` first:
        see `rehearsals`), which imports the package and loads the data, while this process imports papermill
        and nbconvert, and with `pdf` opens the browser and prints a first page: a batch's first report then
        waits for neither."""
        self.rehearsals = list(rehearsals)
        try:
            self._kernel()
        except Exception:  # the first report tries again, and fails with the reason if it must
            self._stop_kernel()
        import papermill  # noqa: F401

        try:
            page = export.to_html(_empty_notebook())[0]
            if pdf:
                export.to_pdf(page, printer=self.printer)
        except Exception:   # a broken installation is reported by the first report, with what to do
            pass

    def _client(self):
        """A client on the kernel's shell channel only: it never receives (and so never piles up) the
        outputs that papermill's own client reads."""
        from jupyter_client import BlockingKernelClient

        km = self._kernel()
        if self._kc is None:
            self._kc = BlockingKernelClient()
            self._kc.load_connection_info(km.get_connection_info())
            self._kc.start_channels(shell=True, iopub=False, stdin=False, hb=False, control=False)
        return self._kc

    def _reply(self, timeout: float) -> dict:
        """The reply to the last request sent through `_client`, skipping replies to earlier ones."""
        return self._kc.get_shell_msg(timeout=timeout)["content"]

    def _fresh(self, cwd: Path, word: bool) -> None:
        """Wait for the report's kernel to be ready (forked, or started and warmed up), then have it work in
        `cwd` (and draw its charts as PNG too when the report makes a `word` file). From here on the kernel is
        this report's alone."""
        kc = self._client()
        self._used = True
        if self._warming:
            self._warming = False
            try:
                self._reply(timeout=WARM_TIMEOUT)
            except Exception:   # a kernel that failed to warm up is used like any other: the notebook says why
                pass
        kc.execute(f"import thads.kernel\nthads.kernel.begin({str(cwd)!r}, word={word})", silent=True,
                   store_history=False)
        reply = self._reply(timeout=WARM_TIMEOUT)
        if reply.get("status") != "ok":
            raise ThadsError(f"không chuẩn bị được kernel cho báo cáo: {reply.get('ename')}: "
                             f"{reply.get('evalue')}")

    def _kernel(self):
        """The next report's kernel: started when none is ready, or when the one there began a report or died.
        Output caching and history are off: a report must not keep every chart it displayed."""
        if self.km is None or self._used or not self.km.is_alive():
            self._stop_kernel()
            self._kernel_name = self._kernel_name or kernel_name()
            km = _Manager(kernel_name=self._kernel_name, client_factory=_ReusedClient)
            forked = self.fork and _launcher(km.kernel_spec.argv) is not None
            if forked:
                km.template = self._template_for
            env = {**os.environ, **({project.ENVIRONMENT: str(self.project_root)} if self.project_root else {})}
            km.start_kernel(env=env, extra_arguments=["--InteractiveShell.cache_size=0",
                                                      "--HistoryManager.enabled=False"])
            self.km = km
            if not forked:      # a kernel of its own process: it warms up now, while the report before is exported
                self.on_kernel(getattr(km.provisioner.process, "pid", None))
                shared = str(self.shared_data) if self.shared_data else None
                self._client().execute(f"import thads.kernel\nthads.kernel.warm({str(self.data_dir.resolve())!r}, "
                                       f"{shared!r})", silent=True, store_history=False)
                self._warming = True
        return self.km

    def _template_for(self, python: list[str], env: dict) -> _Template:
        """The template forking the kernels started with this interpreter command and environment: the one
        running, or a new one (told to `on_kernel`: a batch whose worker died ends it, and its kernels)."""
        if self._template is not None and not (self._template.alive() and self._template.python == python
                                               and self._template.env == env):
            self._template.close()
            self._template = None
        if self._template is None:
            self._template = _Template(python, env, self.data_dir.resolve(), self.shared_data, self.rehearsals)
            self.on_kernel(self._template.pid)
        return self._template

    def _done_with_kernel(self) -> None:
        """The report's kernel has run its notebook: note its peak memory, end it, and start the next report's
        kernel now, while this report is exported (unless the batch is stopping)."""
        if not self._used:
            return
        self.kernel_peak = self._kernel_peak_mb()
        self._stop_kernel()
        if self.stop.is_set():
            return
        try:
            self._kernel()
        except Exception:  # the next report tries again, and fails with the reason if it must
            self._stop_kernel()

    def close(self) -> None:
        """End the kernel, its template and the browser."""
        self._stop_kernel()
        if self._template is not None:
            self._template.close()
            self._template = None
        self.printer.close()

    def _stop_kernel(self) -> None:
        if self._kc is not None:
            try:
                self._kc.stop_channels()
            except Exception:  # a client of a dead kernel may already be closed
                pass
            self._kc, self._warming = None, False
        if self.km is not None:
            try:
                self.km.stop_client()
            except Exception:  # a client of a dead kernel may already be closed
                pass
            try:
                self.km.shutdown_kernel(now=True)
            except Exception:  # an already dead kernel cannot be shut down twice
                pass
            self.km = None
        self._used = False

    def _check_printer(self, job: Job, final: Path) -> None:
        """The browser must print before the notebook runs: a report that cannot have its PDF fails at once."""
        try:
            self.printer.start()
        except ThadsError as exc:
            if "pdf" in job.formats:
                raise
            raise ThadsError(f"{exc}. Báo cáo này không yêu cầu PDF nhưng thư mục {final} đã có report.pdf, nên PDF "
                             "được làm lại cùng các định dạng khác (để không có tệp cũ lẫn tệp mới): xóa report.pdf "
                             "và inputs.json trong thư mục đó nếu không cần PDF nữa") from None

    def _kernel_peak_mb(self) -> float:
        live = getattr(getattr(self.km, "provisioner", None), "process", None)
        return peak_mb(getattr(live, "pid", None)) if live is not None else 0.0

    def _watchdog(self, km, flag: threading.Event, done: threading.Event) -> list[threading.Timer]:
        """Interrupt the kernel at the time limit (kill it if it still runs after a grace period), or as soon
        as the batch is stopped."""
        def interrupt():
            flag.set()
            km.interrupt_kernel()

        def on_stop():
            while not done.wait(0.2):
                if self.stop.is_set():
                    try:
                        km.interrupt_kernel()
                    except Exception:  # the report's kernel already ended (its notebook had run)
                        pass
                    return

        threading.Thread(target=on_stop, daemon=True).start()
        if not self.time_limit:
            return []
        timers = [threading.Timer(self.time_limit, interrupt),
                  threading.Timer(self.time_limit + GRACE, lambda: km.shutdown_kernel(now=True))]
        for t in timers:
            t.daemon = True
            t.start()
        return timers

    @staticmethod
    def _keep_failed(work: Path, final: Path, started_cells: list, outcome: Outcome) -> None:
        """A failed attempt keeps its executed notebook as report.failed.ipynb, beside the good report: papermill's
        (the notebook of a cell that raised), else one of the cells that had started (a dead or killed kernel leaves
        none). Never an empty or cut one: papermill's is kept only when it reads as a notebook (a full disk cuts it
        short), and one written here is written whole or not at all. Outputs too long for a report are folded as
        the exports fold them (`export.limited`): a cell printing 100 MB left a failed notebook of 148 MB."""
        import nbformat

        executed, kept = work / "report.ipynb", final / "report.failed.ipynb"
        try:
            notebook = json.loads(executed.read_bytes())
            whole = isinstance(notebook, dict) and isinstance(notebook.get("cells"), list)
        except (OSError, ValueError):
            whole = False
        if not whole:
            if not started_cells:
                return
            notebook = nbformat.v4.new_notebook(cells=[*started_cells, nbformat.v4.new_markdown_cell(
                f"**Báo cáo không hoàn thành:** {outcome.message}.")])
        shown, _ = export.limited(notebook)
        files.make_folder(final)
        files.no_link(kept)
        if whole and shown is notebook:
            os.replace(executed, kept)
        else:
            files.write_whole(kept, json.dumps(shown, ensure_ascii=False, indent=1) + "\n")
        outcome.files = [str(kept)]

    @staticmethod
    def _keep_log(work: Path, final: Path, log: list[str], outcome: Outcome) -> None:
        """report.log for a report made; a failed attempt keeps its own report.failed.log, so that the good
        report's log stays as it was."""
        if not log or not work.is_dir():
            return
        name = "report.log" if outcome.status == "ok" else "report.failed.log"
        (work / name).write_text("\n".join(log) + "\n", "utf-8")
        files.make_folder(final)
        files.no_link(final / name)
        os.replace(work / name, final / name)
        outcome.log = str(final / name)

    def parameters(self, job: Job) -> dict:
        """What the job's notebook is given (papermill parameters): absolute paths, so that any folder works."""
        # as_of only when asked for: a notebook made before --as-of existed still runs every other report quietly.
        return {"period": job.period.code, "data_dir": str(self.data_dir.resolve()), "report_date": job.report_date,
                **kinds.get(job.kind).parameters(job.subject, self.notes_dir.resolve()),
                **({"as_of": job.as_of.isoformat()} if job.as_of else {})}

    def run(self, job: Job) -> Outcome:
        """Make one report; return what happened, never raise for a failed report."""
        import nbformat
        import papermill

        from thads import parts

        started = time.perf_counter()
        outcome = Outcome(job.period.code, job.folder, job.name, "failed", notebook=job.notebook_label)
        final = output_folder(self.out_dir, job)
        outcome.folder = str(final)
        if self.stop.is_set():
            outcome.status, outcome.message = "stopped", "chưa làm: đã dừng theo yêu cầu"
            return outcome
        work = self.out_dir / ".work" / f"{job.period.code}-{job.place.replace('/', '-')}-{os.getpid()}"
        try:
            files.inside(self.out_dir, final)
            files.no_link(self.out_dir / ".work")
            files.no_link(work)
            shutil.rmtree(work, ignore_errors=True)
            files.make_folder(work)
        except ThadsError as exc:
            outcome.message = str(exc)
            return outcome
        log = []

        def step(stage: str) -> None:
            log.append(f"{datetime.now():%Y-%m-%d %H:%M:%S} {stage}")
            try:
                self.progress(job, stage)
            except Exception:  # a progress display that went away must not fail the report
                pass

        clock = [time.perf_counter()]

        def lap(stage: str) -> None:
            """The time since the last lap goes to `stage`."""
            now = time.perf_counter()
            outcome.stages[stage] = outcome.stages.get(stage, 0.0) + now - clock[0]
            clock[0] = now

        timed_out, done = threading.Event(), threading.Event()
        timers: list[threading.Timer] = []
        started_cells: list = []      # the executing notebook's own cells, kept in case the kernel dies
        try:
            step("bắt đầu")
            # Every format already in the folder is made again with the ones asked for: a folder never holds
            # files made from different inputs.
            made = made_before(final)
            formats = [f for f in export.FORMATS if f in job.formats or f in made.get("formats", [])]
            if "pdf" in formats:
                self._check_printer(job, final)
            log.append(f"notebook: {job.notebook}")
            if kinds.get(job.kind).notes:
                note = notes.note_path(self.notes_dir, job.period, job.folder, job.as_of)
                log.append(f"ghi chú: {note}" if note.is_file() else f"ghi chú: không có ({note})")
            self.kernel_peak = 0.0
            km = self._kernel()
            forked = f" (tách từ tiến trình mẫu pid {self._template.pid})" if km.template else ""
            log.append(f"kernel: {km.kernel_name}, pid {getattr(km.provisioner.process, 'pid', '?')}, mới cho "
                       f"báo cáo này{forked}")
            timers = self._watchdog(km, timed_out, done)
            # The time limit covers the whole report: what the watchdog interrupts in the kernel, then the export.
            deadline = time.monotonic() + self.time_limit if self.time_limit else None
            self._fresh(job.notebook.parent, word="docx" in formats)
            cells = nbformat.read(job.notebook, as_version=4).cells
            lap("kernel")

            def cell_started(cell, cell_index):
                started_cells.append(cell)
                step(f"ô {cell_index + 1}/{len(cells) + 1}")

            step("chạy notebook")
            executed = papermill.execute_notebook(
                str(job.notebook), str(work / "report.ipynb"), km=km, kernel_name=km.kernel_name,
                cwd=str(job.notebook.parent), progress_bar=False, log_output=False,
                request_save_on_cell_execute=False, on_cell_start=cell_started, parameters=self.parameters(job))
            for t in timers:
                t.cancel()
            lap("notebook")
            self._done_with_kernel()
            lap("kernel")
            executed, folded = export.limited(executed)     # report.ipynb keeps every output; the exports do not
            log.extend(folded)
            record = parts.recorded(executed, job.kind, job.folder, job.period.code)
            if record is None:
                raise ThadsError(f"notebook {job.notebook.name} không ghi lại số liệu chính của báo cáo "
                                 f"{job.period.code} {job.folder}: notebook cần tạo đối tượng báo cáo, ví dụ "
                                 "r = ProvinceReport(province, period, data_dir, notes_dir, report_date, as_of)")
            _check_organisation(record, job)
            shown, used = templates_used(executed, self.templates)
            if shown:
                log.append("Mẫu lời văn đã dùng:")
                log.extend(f"  {label}" for label in shown)
            (work / "summary.json").write_text(json.dumps(record["figures"], ensure_ascii=False, indent=2), "utf-8")
            names = ["report.ipynb", "summary.json"]
            lap("ghi")
            export.check_time(deadline, "xuất HTML")
            step("xuất HTML")
            page, hidden = export.to_html(executed)
            log.extend(f"không đưa vào báo cáo: {message}" for message in hidden)
            if "html" in formats:
                (work / "report.html").write_text(page, "utf-8")
                names.append("report.html")
            lap("html")
            if "pdf" in formats:
                export.check_time(deadline, "xuất PDF")
                step("xuất PDF")
                export.to_pdf(page, work / "report.pdf", self.printer)
                log.append(f"PDF in bằng trình duyệt {self.printer.browser}")
                names.append("report.pdf")
                lap("pdf")
            fingerprint = job.fingerprint
            if job.inputs and job.inputs != inputs_digest(job, self.data_dir, self.notes_dir, self.signing,
                                                          self.templates):
                fingerprint = ""           # inputs changed while the report was made: the next run makes it again
                log.append("dữ liệu, ghi chú, mẫu lời văn hoặc notebook đã thay đổi trong lúc tạo báo cáo: lần chạy "
                           "sau sẽ tạo lại")
            inputs = {"fingerprint": fingerprint, "formats": formats, "written": made.get("written", {}),
                      "templates": used, "notebook": job.notebook.name}
            places = {name: name for name in names}
            if "docx" in formats:
                export.check_time(deadline, "xuất DOCX")
                step("xuất DOCX")
                export.to_docx(executed, work / "report.docx", deadline)
                names.append("report.docx")
                places["report.docx"] = inputs["docx"] = docx_place(final, inputs["written"])
                inputs["written"] = {**inputs["written"], inputs["docx"]: _sha256(work / "report.docx")}
                if inputs["docx"] != "report.docx":
                    outcome.message = (f"report.docx đã được sửa sau khi tạo nên được giữ nguyên; bản mới ghi vào "
                                       f"{inputs['docx']}")
                    log.append(outcome.message)
                lap("docx")
            step(f"xong sau {time.perf_counter() - started:.1f} giây")
            step(f"bộ nhớ đỉnh: tiến trình {peak_mb():.0f} MB, kernel "
                 f"{self.kernel_peak:.0f} MB")
            if self.stop.is_set():       # the batch is stopping: a report finished now is not put in place
                raise KeyboardInterrupt
            export.check_time(deadline, "ghi kết quả")
            files.make_folder(final)
            for name in [*places.values(), "inputs.json"]:
                files.no_link(final / name)
            for message in put_files(work, final, names, places, inputs, made.get("written", {})):
                outcome.message = f"{outcome.message}; {message}" if outcome.message else message
                log.append(message)
            for stale in ("report.failed.ipynb", "report.failed.log"):
                (final / stale).unlink(missing_ok=True)
            (work / "inputs.json").write_text(json.dumps(inputs, ensure_ascii=False), "utf-8")
            os.replace(work / "inputs.json", final / "inputs.json")
            lap("ghi")
            log.append("thời gian (giây): " + "; ".join(f"{stage} {seconds:.2f}".replace(".", ",")
                                                       for stage, seconds in outcome.stages.items()))
            outcome.status, outcome.files = "ok", [str(final / places[n]) for n in names]
        except BaseException as exc:  # one failing report must not stop a batch: report it instead
            for t in timers:
                t.cancel()
            if self.stop.is_set() or (isinstance(exc, KeyboardInterrupt) and not timed_out.is_set()):
                # Stopped, not failed: nothing of this attempt is kept (the next run makes the report).
                outcome.status, outcome.message = "stopped", "dừng giữa chừng theo yêu cầu"
                log.clear()
            else:
                outcome.message = _failure(exc, timed_out.is_set(), self.time_limit, work / "report.ipynb")
                step(f"LỖI: {outcome.message}")
                try:
                    self._keep_failed(work, final, started_cells, outcome)
                except (OSError, ThadsError) as problem:     # a full disk must not hide the report's own failure
                    outcome.message += f" (không ghi được notebook lỗi: {problem})"
            self._done_with_kernel()
        finally:
            done.set()
            try:
                self._keep_log(work, final, log, outcome)
            except (OSError, ThadsError) as problem:
                outcome.message += f" (không ghi được nhật ký: {problem})"
            shutil.rmtree(work, ignore_errors=True)
            kernel.release_memory()
            outcome.seconds = time.perf_counter() - started
            outcome.peak_mb = peak_mb()
            outcome.kernel_peak_mb = self.kernel_peak
        return outcome
