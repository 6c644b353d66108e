"""The worker processes of a batch, and how a batch stops.

Each worker is a process with one `run.Runner` for all the reports it makes, each report in a kernel of its own
(forked from the worker's warm template process on Linux). Each has its own one-process executor: a worker
that dies (killed, out of memory) takes only the report it was making; the parent writes that report's
failure log, ends the dead worker's kernel (or template, with its kernels) and starts a new worker for the
reports still to make.

Ctrl-C, SIGTERM and SIGHUP (the terminal closed) all stop a batch the same way: the workers interrupt their
kernels and abandon the reports in progress (nothing is moved into place once the batch is stopping), the
reports not started are listed as not made, and the parent waits a little for the workers to end. A second
signal ends every process of the batch at once, kernels included; a third is never needed.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import multiprocessing
import multiprocessing.managers
import os
import queue
import signal
import sys
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from thads import files, forks, formats, run
from thads.errors import ThadsError

STOP_SIGNALS = tuple(s for s in (getattr(signal, n, None) for n in ("SIGINT", "SIGTERM", "SIGHUP")) if s is not None)
STOP_GRACE = 30           # seconds the reports in progress get to stop before their processes are ended
SIGNAL_NAMES = {getattr(signal, n, None): words for n, words in (("SIGINT", "Ctrl-C"), ("SIGTERM", "SIGTERM"),
                                                                  ("SIGHUP", "cửa sổ dòng lệnh đã đóng"))}


class Stopped(KeyboardInterrupt):
    """The batch was asked to stop by a signal; `signum` gives the exit status (128 + signum)."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def ignore_stop_signals() -> None:
    """For the worker processes: the parent decides when a batch stops."""
    for number in STOP_SIGNALS:
        signal.signal(number, signal.SIG_IGN)


@contextlib.contextmanager
def _children_ignore_stop_signals():
    """Processes started inside this block begin with the stop signals ignored (a disposition they inherit),
    so that a Ctrl-C or a closed terminal, which reach the whole process group, are the parent's alone to
    handle; Python's resource tracker, which ignores SIGINT and SIGTERM but not SIGHUP, included."""
    previous = {number: signal.signal(number, signal.SIG_IGN) for number in STOP_SIGNALS}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


# In each worker process ---------------------------------------------------------------------------------
_RUNNER: run.Runner | None = None


def _start_worker(data_dir, out_dir, notes_dir, time_limit, shared_data, template, events, stop, root, pdf,
                  rehearsals=()) -> None:
    """Each worker: leave the stop signals to the parent, keep one Runner (its browser opened at once when
    the batch makes PDFs; its kernels forked from the batch's `template`, or from one of its own that rehearses
    `rehearsals`, forks.rehearsals), shut its kernel and browser at exit."""
    global _RUNNER
    ignore_stop_signals()
    # Exit handlers run last registered first: this one after those of the libraries the worker imports from here
    # on. Of the earlier ones, logging's runs in it; the others (multiprocessing, zmq, jupyter_client) have run
    # or only mark that the process is exiting.
    atexit.register(_exit_at_once)
    _skip_iri_grammars()
    pid = os.getpid()
    _RUNNER = run.Runner(data_dir, out_dir, notes_dir, time_limit,
                         progress=_Told(events, pid), stop=stop,
                         project_root=root, on_kernel=lambda kernel: events.put((pid, None, None, kernel)),
                         shared_data=shared_data, template=template)
    multiprocessing.util.Finalize(None, _RUNNER.close, exitpriority=10)
    _RUNNER.warm_up(pdf, rehearsals)


CELLS_EVERY = 0.3         # seconds between two of a report's cells told to the batch (its progress display)


class _Told:
    """A worker's progress, told to the batch: every step of a report, but of its notebook's cells one in
    CELLS_EVERY seconds at most (each is a message through the manager process, which the batch then reads)."""

    def __init__(self, events, pid: int):
        self.events, self.pid, self.last = events, pid, 0.0

    def __call__(self, job: run.Job, stage: str) -> None:
        now = time.monotonic()
        if stage.startswith("ô ") and now - self.last < CELLS_EVERY:
            return
        self.last = now
        self.events.put((self.pid, job.period.code, job.place, stage))


def _skip_iri_grammars() -> None:
    """nbformat imports jsonschema, which compiles the many grammars of the optional rfc3987_syntax at import, at a
    cost in every process. Notebooks use no IRI formats: let that optional import fail here."""
    sys.modules.setdefault("rfc3987_syntax", None)


def _exit_at_once() -> None:
    """A worker's last step, once its kernel and browser are shut and the exit handlers have run: end the
    process as multiprocessing ends the children it forks, without tearing the interpreter down (its modules
    and objects, a delay at the end of every batch, which waits for it)."""
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (AttributeError, OSError, ValueError):    # no stream, or one already closed
            pass
    os._exit(0)


def _work(job: run.Job) -> run.Outcome:
    return _RUNNER.run(job)


# In the parent ------------------------------------------------------------------------------------------
class _Slot:
    """One worker process with its own executor, so that its death breaks nothing but its own report."""

    def __init__(self, context, initargs):
        self.context, self.initargs = context, initargs
        self.executor: ProcessPoolExecutor | None = None
        self.job: run.Job | None = None
        self.future = None

    def submit(self, job: run.Job) -> None:
        if self.executor is None:
            self.executor = ProcessPoolExecutor(1, mp_context=self.context, initializer=_start_worker,
                                                initargs=self.initargs)
        self.job, self.future = job, self.executor.submit(_work, job)

    def free(self) -> None:
        self.job = self.future = None

    def discard(self) -> None:
        """The worker died: forget its executor; the next report gets a new worker."""
        if self.executor is not None:
            self.executor.shutdown(wait=False, cancel_futures=True)
        self.executor = None
        self.free()

    def close(self, wait_for_it: bool) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=wait_for_it, cancel_futures=True)
        self.executor = None


def _end_process(pid: int) -> None:
    """End a kernel, or the template process kernels are forked from (with those kernels), left by a dead
    worker, after checking the PID is still that process's."""
    import psutil

    try:
        process = psutil.Process(pid)
        if "ipykernel" not in " ".join(process.cmdline()):       # a template's command imports it too
            return
        for child in process.children(recursive=True):
            try:
                child.kill()
            except psutil.Error:
                pass
        process.kill()
    except (psutil.Error, OSError):
        pass


def _end_everything() -> None:
    """Every process this batch started (workers, their kernels, the manager): ended now."""
    import psutil

    try:
        children = [p for p in psutil.Process().children(recursive=True)
                    if "resource_tracker" not in " ".join(p.cmdline())]     # it ends with this process
    except psutil.Error:
        return
    for child in children:
        try:
            child.kill()
        except psutil.Error:
            pass
    psutil.wait_procs(children, timeout=10)


def _write_failure_log(job: run.Job, out_dir: Path, message: str) -> str:
    """The log of a report whose worker died: the worker could not write it; the message points to it."""
    folder = files.make_folder(files.inside(out_dir, run.output_folder(out_dir, job)))
    path = folder / "report.failed.log"
    files.write_whole(path, f"{time.strftime('%Y-%m-%d %H:%M:%S')} LỖI: {message}\nnotebook: {job.notebook}\n")
    return str(path)


class Workers:
    """Make `todo` with `count` worker processes; progress on `console`."""

    def __init__(self, todo: list[run.Job], count: int, runner_args: tuple, root: Path, console: Console):
        """`runner_args`: (data_dir, out_dir, notes_dir, time_limit, shared_data, template) of each worker's Runner
        (template: the batch's, a forks.Address, or None); `root`: the project whose settings the kernels use."""
        self.todo, self.console, self.root = list(todo), console, root
        self.out_dir = Path(runner_args[1])
        self.count = max(1, min(count, len(self.todo)))
        self.runner_args = runner_args
        self.outcomes: list[run.Outcome] = []
        self.workers_of: dict[tuple[str, str], int] = {}      # report -> the worker process making it
        self.kernel_of: dict[int, list[int]] = {}             # worker process -> its last kernels (and template)

    def run(self) -> list[run.Outcome]:
        """Every report of `todo` made, failed or (when stopped) not made. Raises Stopped after the batch
        stopped on a signal, with every process ended and `outcomes` holding what was made."""
        if not self.todo:
            return []
        context = multiprocessing.get_context("spawn")
        manager = multiprocessing.managers.SyncManager(ctx=context)
        with _children_ignore_stop_signals():
            if os.name == "posix":                 # Windows has no resource tracker process
                from multiprocessing import resource_tracker

                resource_tracker.ensure_running()
            # No initializer: one from this module would make the manager import the package and pandas
            # before any worker can start. The manager needs none: it begins with the stop signals
            # ignored (this block, on POSIX), and ignores SIGINT itself (the one Windows sends it).
            manager.start()
        self.events, self.stop = manager.Queue(), manager.Event()
        pdf = any(formats.any_needs(job.formats, "needs_printer") for job in self.todo)
        # A worker that makes one report at most gains nothing from rehearsing it first (kernel.rehearse).
        rehearsals = forks.rehearsals(self.todo, Path(self.runner_args[2]), self.root) if len(self.todo) > self.count else []
        slots = [_Slot(context, (*self.runner_args, self.events, self.stop, self.root, pdf, rehearsals))
                 for _ in range(self.count)]
        previous = {number: signal.signal(number, self._on_signal) for number in STOP_SIGNALS}
        stopped: Stopped | None = None
        try:
            with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[count]}"),
                          TimeElapsedColumn(), console=self.console, transient=True) as progress:
                self.progress, self.rows = progress, {}
                self.overall = progress.add_task(f"Khởi động {self.count} tiến trình, mỗi tiến trình một kernel…",
                                                 total=len(self.todo), count=f"0/{len(self.todo)}")
                self.names = {(job.period.code, job.place): job.name for job in self.todo}
                try:
                    self._loop(slots)
                except Stopped as exc:
                    stopped = exc
                    self._stop(slots, exc)
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)
            closing = [threading.Thread(target=slot.close, args=(stopped is None,)) for slot in slots]
            for thread in closing:       # side by side: each worker shuts its kernel and browser
                thread.start()
            for thread in closing:
                thread.join()
            for kernels in self.kernel_of.values():           # no kernel outlives its batch
                for kernel in kernels:
                    _end_process(kernel)
            try:
                manager.shutdown()
            except Exception:  # a manager already ended with everything else
                pass
        if stopped is not None:
            raise stopped
        return self.outcomes

    def _on_signal(self, number, frame):
        raise Stopped(number)

    def _loop(self, slots: list[_Slot]) -> None:
        pending = list(self.todo)
        while pending or any(slot.future for slot in slots):
            for slot in slots:
                if slot.future is None and pending:
                    with _children_ignore_stop_signals():     # a new worker may start here
                        slot.submit(pending.pop(0))
            busy = {slot.future: slot for slot in slots if slot.future is not None}
            done, _ = wait(busy, timeout=0.2, return_when=FIRST_COMPLETED)
            self._drain()
            for future in done:
                self._finish(busy[future], future)

    def _finish(self, slot: _Slot, future) -> None:
        job = slot.job
        try:
            outcome = future.result()
            slot.free()
        except Exception as exc:   # the worker died: its report alone fails, a new worker takes the next one
            worker = self.workers_of.get((job.period.code, job.place))
            message = ("tiến trình làm báo cáo dừng đột ngột (bị tắt hoặc hết bộ nhớ); các báo cáo khác vẫn được "
                       "làm tiếp bằng tiến trình mới")
            outcome = run.Outcome(job.period.code, job.folder, job.name, "failed", message=message,
                                  folder=str(run.output_folder(self.out_dir, job)), notebook=job.notebook_label)
            try:
                outcome.log = _write_failure_log(job, self.out_dir, message)
            except ThadsError as problem:
                outcome.message += f" (không ghi được nhật ký: {problem})"
            for kernel in self.kernel_of.pop(worker, []):
                _end_process(kernel)
            slot.discard()
            del exc
        self._record(job, outcome)

    def _record(self, job: run.Job, outcome: run.Outcome) -> None:
        self.outcomes.append(outcome)
        key = (job.period.code, job.place)
        if key in self.rows:
            self.progress.remove_task(self.rows.pop(key))
        self.progress.advance(self.overall)
        self.progress.update(self.overall, count=f"{len(self.outcomes)}/{len(self.todo)}")

    def _stop(self, slots: list[_Slot], first: Stopped) -> None:
        """Stop on a signal: reports in progress abandoned, the others listed as not made; a second signal (or
        workers that do not end within STOP_GRACE seconds) ends every process at once."""
        self.stop.set()                       # workers interrupt their kernels, commit nothing, start nothing
        for number in STOP_SIGNALS:           # from now on a signal means: end everything
            signal.signal(number, self._on_signal)
        if first.signum == getattr(signal, "SIGHUP", None):
            self.console.file = open(os.devnull, "w", encoding="utf-8")         # the terminal is gone: print nowhere
        try:
            self.console.print(f"[red]Đã dừng theo yêu cầu ({SIGNAL_NAMES.get(first.signum, first.signum)}): các "
                               "báo cáo đang làm dở bị bỏ, báo cáo cũ giữ nguyên. Nhấn Ctrl-C lần nữa để dừng ngay.[/]")
        except OSError:
            pass
        running = [slot for slot in slots if slot.future is not None]
        try:
            deadline = time.monotonic() + STOP_GRACE
            while any(slot.future for slot in running) and time.monotonic() < deadline:
                busy = {slot.future: slot for slot in running if slot.future is not None}
                done, _ = wait(busy, timeout=0.2, return_when=FIRST_COMPLETED)
                for future in done:
                    self._finish(busy[future], future)
            if any(slot.future for slot in running):
                _end_everything()
        except Stopped:
            _end_everything()
        done = {o.folder for o in self.outcomes}           # the report's folder: a code may have two (--as-of)
        for job in self.todo:
            if str(run.output_folder(self.out_dir, job)) not in done:
                self.outcomes.append(run.Outcome(job.period.code, job.folder, job.name, "stopped",
                                                 message="chưa làm: đã dừng theo yêu cầu",
                                                 folder=str(run.output_folder(self.out_dir, job)),
                                                 notebook=job.notebook_label))

    def _drain(self) -> None:
        """Show each running report's stage (cell i/n, HTML, PDF, Word); learn each worker's kernel."""
        while True:
            try:
                worker, period, folder, stage = self.events.get_nowait()
            except (queue.Empty, EOFError, OSError):
                return
            if period is None:                # a worker started its kernel
                self.kernel_of[worker] = [*self.kernel_of.get(worker, [])[-2:], stage]
                continue
            key = (period, folder)
            self.workers_of[key] = worker
            label = f"  {period} {folder} {self.names.get(key, '')}: {stage}"
            if not self.rows:
                self.progress.update(self.overall, description="Tất cả báo cáo")
            if key not in self.rows:
                self.rows[key] = self.progress.add_task(label, total=None, count="")
            else:
                self.progress.update(self.rows[key], description=label)


class Here:
    """Make one report in this process: a batch of one starts no worker (a process importing the whole stack again,
    while the report waits). Same progress, stop and outcome as `Workers`; a signal interrupts the report's kernel,
    a second one ends every process of the batch at once."""

    def __init__(self, job: run.Job, runner_args: tuple, root: Path, console: Console):
        self.job, self.runner_args, self.root, self.console = job, runner_args, root, console
        self.outcomes: list[run.Outcome] = []
        self.signum: int | None = None

    def run(self) -> list[run.Outcome]:
        """The report made, failed or stopped. Raises Stopped after a signal, with `outcomes` holding it."""
        _skip_iri_grammars()
        data_dir, out_dir, notes_dir, time_limit, shared_data, template = self.runner_args
        job = self.job
        with Progress(TextColumn("{task.description}"), TimeElapsedColumn(), console=self.console,
                      transient=True) as progress:
            row = progress.add_task(f"  {job.period.code} {job.place} {job.name}: khởi động kernel…", total=None)
            runner = run.Runner(data_dir, out_dir, notes_dir, time_limit, project_root=self.root,
                                shared_data=shared_data, template=template,
                                progress=lambda job, stage: progress.update(
                                    row, description=f"  {job.period.code} {job.place} {job.name}: {stage}"))
            runner.engine.prepare_next = False           # no report comes after this one
            previous = {number: signal.signal(number, self._on_signal(runner)) for number in STOP_SIGNALS}
            try:
                runner.warm_up(formats.any_needs(job.formats, "needs_printer"), meanwhile=True)
                self.outcomes = [runner.run(job)]
            finally:
                for number, handler in previous.items():
                    signal.signal(number, handler)
                runner.close()
        if self.signum is not None:
            raise Stopped(self.signum)
        return self.outcomes

    def _on_signal(self, runner: run.Runner):
        def stop(number, frame):
            if self.signum is not None:              # the second: end everything now
                _end_everything()
                raise Stopped(number)
            self.signum = number
            runner.stop.set()                        # the engine interrupts the kernel; nothing is committed
            if number == getattr(signal, "SIGHUP", None):
                self.console.file = open(os.devnull, "w", encoding="utf-8")     # the terminal is gone
            try:
                self.console.print(f"[red]Đã dừng theo yêu cầu ({SIGNAL_NAMES.get(number, number)}): báo cáo đang "
                                   "làm dở bị bỏ, báo cáo cũ giữ nguyên. Nhấn Ctrl-C lần nữa để dừng ngay.[/]")
            except OSError:
                pass
        return stop
