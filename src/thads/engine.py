"""The engine that executes a report's notebook on a Jupyter kernel of its own, as papermill's engines do (it is
given to papermill as the kernel manager): the kernel, the warm template it is forked from on Linux (see
thads.kernel), the time limit, and the batch's stop.

Each report gets a kernel no other report ran in: on Linux forked from a template process that imported the
package and loaded the data once for the whole batch (thads.forks); elsewhere (or with THADS_FORK=0) started and
warmed up for it. The next report's kernel gets ready while this report is exported.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from jupyter_client import KernelManager
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.provisioning import LocalProvisioner

from thads import forks
from thads.errors import ThadsError

GRACE = 10                      # seconds between interrupting a kernel over its time limit and killing it
WARM_TIMEOUT = 300              # seconds a new kernel may take to be ready (imports, the data loaded)


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


class _ReusedClient(AsyncKernelClient):
    """papermill's client of a kernel, made once by its manager and stopped with it: papermill never stops a
    client it is given by a manager (each one would leak a thread, its sockets and their memory).
    (Asynchronous, so nbclient waits for messages without blocking its event loop and notices a kernel
    that died.)"""

    _ready = False

    def start_channels(self, *args, **kwargs) -> None:
        if not self.channels_running:
            super().start_channels(*args, **kwargs)

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        """A kernel_info reply, then one IOPub message (the channel is connected): jupyter_client also waits for
        a spell of silence on IOPub, which every report would pay, its kernel being new. nbclient reads only the
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


class ForkProvisioner(LocalProvisioner):
    """Starts the kernel by asking the manager's template to fork it, instead of launching a new Python."""

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    pgid = pid           # the kernel leads its own process group (thads.kernel._become_kernel)

    async def launch_kernel(self, cmd: list[str], **kwargs) -> dict:
        python, args = forks.launcher(cmd)
        self.process = self.parent.template(python, kwargs.get("env") or dict(os.environ)).fork(args)
        self.cwd = kwargs.get("cwd") or Path.cwd()
        return self.connection_info

    async def kill(self, restart: bool = False) -> None:
        """SIGKILL, then wait for the end in short steps: the manager's own wait polls far less often, a delay
        every report would pay."""
        import subprocess

        await super().kill(restart)
        if self.process is not None:
            try:
                self.process.wait(timeout=2)
            except subprocess.TimeoutExpired:
                pass


class _Manager(KernelManager):
    """A kernel manager whose `client()` is always the same `_ReusedClient`, stopped with the kernel. Given a
    `template` (a function of the kernel's interpreter command and environment giving a `forks.Connection`),
    the kernel is forked from that template."""

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
            self.provisioner = ForkProvisioner(kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self)
        return await super()._async_pre_start_kernel(**kw)


class Engine:
    """Executes report notebooks one after another, each on a kernel of its own (`execute`). `stop` (an Event set by
    the batch) interrupts the running notebook and starts no new kernel; `on_kernel` is told the process id of
    each kernel or template as it starts (a batch whose worker died ends them). `template`: the address of the
    batch's template (forks.start), which the kernels are forked from when they can be; else the engine starts a
    template of its own."""

    def __init__(self, data_dir: Path, time_limit: float | None = None, stop=None, project_root: Path | None = None,
                 on_kernel=None, shared_data: Path | None = None, template: forks.Address | None = None):
        self.data_dir, self.shared_data, self.project_root = Path(data_dir), shared_data, project_root
        self.time_limit = time_limit
        self.stop = stop or threading.Event()
        self.on_kernel = on_kernel or (lambda pid: None)
        self.km = None
        self._kc = None
        self._warming = False
        self._used = False                    # the kernel has begun a report: no other report may use it
        self.kernel_peak = 0.0                # peak memory of the last report's kernel, in MB
        self.fork = forks.forking()
        self.batch_template = template
        self.prepare_next = True              # start the next report's kernel while this one is exported
        self._own: forks.Template | None = None          # a template this engine started for its kernels
        self._template: forks.Connection | None = None   # the template its kernels are forked from
        self._kernel_name = ""                # the kernel's name, looked up once (kernel_name)
        self.rehearsals: list[dict] = []      # what the template makes once before forking (kernel.rehearse)
        self.timed_out = threading.Event()    # the last notebook was stopped at the time limit

    def warm_up(self, rehearsals: list[dict] = ()) -> None:
        """Start the first report's kernel (and the template it is forked from, which makes `rehearsals` first)."""
        self.rehearsals = list(rehearsals)
        try:
            self._kernel()
        except Exception:  # the first report tries again, and fails with the reason if it must
            self._stop_kernel()

    def describe(self) -> str:
        """The kernel the next report runs on, for its log (started now if none is ready)."""
        km = self._kernel()
        forked = f" (tách từ tiến trình mẫu pid {self._template.pid})" if km.template else ""
        return (f"kernel: {km.kernel_name}, pid {getattr(km.provisioner.process, 'pid', '?')}, mới cho báo cáo "
                f"này{forked}")

    def execute(self, notebook: Path, output: Path, parameters: dict, word: bool, on_cell_start=None):
        """Run `notebook` with papermill on a new kernel, working in the notebook's folder, into `output`; return the
        executed notebook. `word`: the report's charts are also drawn as PNG. The kernel is ended after, whatever
        happened (`timed_out` says whether the time limit stopped it), and the next one started."""
        import papermill

        self.kernel_peak = 0.0
        self.timed_out.clear()
        km, done = self._kernel(), threading.Event()
        timers = self._watchdog(km, self.timed_out, done)
        try:
            self._fresh(notebook.parent, word)
            return papermill.execute_notebook(
                str(notebook), str(output), km=km, kernel_name=km.kernel_name, cwd=str(notebook.parent),
                progress_bar=False, log_output=False, request_save_on_cell_execute=False,
                on_cell_start=on_cell_start, parameters=parameters)
        finally:
            for t in timers:
                t.cancel()
            done.set()
            self._done_with_kernel()

    def close(self) -> None:
        """End the kernel, and the template when it is the engine's own."""
        self._stop_kernel()
        self._leave_template()

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
        """Wait for the report's kernel to be ready (forked, or started and warmed up), then tell it what it needs
        (`kernel.begin`): work in `cwd`, draw its charts as PNG too when the report makes a `word` file, and read the
        settings of the engine's project. From here on the kernel is this report's alone."""
        kc = self._client()
        self._used = True
        if self._warming:
            self._warming = False
            try:
                self._reply(timeout=WARM_TIMEOUT)
            except Exception:   # a kernel that failed to warm up is used like any other: the notebook says why
                pass
        root = str(self.project_root) if self.project_root else None
        kc.execute(f"import thads.kernel\nthads.kernel.begin({str(cwd)!r}, word={word}, project={root!r})",
                   silent=True, store_history=False)
        reply = self._reply(timeout=WARM_TIMEOUT)
        if reply.get("status") != "ok":
            raise ThadsError(f"không chuẩn bị được kernel cho báo cáo: {reply.get('ename')}: "
                             f"{reply.get('evalue')}")

    def _kernel(self):
        """The next report's kernel: started when none is ready, or when the one there began a report or died.
        Output caching and history are off: a report must not keep every chart it displayed."""
        if self.km is None or self._used or not self.km.is_alive():
            self._stop_kernel()
            self._kernel_name = self._kernel_name or forks.kernel_name()
            km = _Manager(kernel_name=self._kernel_name, client_factory=_ReusedClient)
            forked = self.fork and forks.launcher(km.kernel_spec.argv) is not None
            if forked:
                km.template = self._template_for
            try:
                km.start_kernel(env=dict(os.environ), extra_arguments=["--InteractiveShell.cache_size=0",
                                                          "--HistoryManager.enabled=False"])
            except forks.Unavailable:     # no template here: every kernel from now on is started for its report
                km.cleanup_resources()
                self.fork = False
                return self._kernel()
            self.km = km
            if not forked:      # a kernel of its own process: it warms up now, while the report before is exported
                self.on_kernel(getattr(km.provisioner.process, "pid", None))
                shared = str(self.shared_data) if self.shared_data else None
                self._client().execute(f"import thads.kernel\nthads.kernel.warm({str(self.data_dir.resolve())!r}, "
                                       f"{shared!r})", silent=True, store_history=False)
                self._warming = True
        return self.km

    def _template_for(self, python: list[str], env: dict) -> forks.Connection:
        """The template forking the kernels started with this interpreter command and environment: the batch's
        when it serves them, else one of the engine's own (told to `on_kernel`, as each kernel is: a batch whose
        worker died ends them)."""
        if self._template is not None and not (self._template.alive() and self._template.address.serves(python, env)):
            self._leave_template()
        if self._template is None and self.batch_template is not None and self.batch_template.serves(python, env):
            self._template = forks.Connection(self.batch_template, self.on_kernel)
            if not self._template.alive():
                self._leave_template()
                self.batch_template = None           # it ended: the engine's own from now on
        if self._template is None:
            self._own = forks.Template(python, env, self.data_dir.resolve(), self.shared_data)
            self._own.share(self.shared_data)
            self._own.begin(self.rehearsals)
            self.on_kernel(self._own.pid)
            self._template = forks.Connection(self._own.address, self.on_kernel)
        return self._template

    def _leave_template(self) -> None:
        if self._template is not None:
            self._template.close()
            self._template = None
        if self._own is not None:
            self._own.close()
            self._own = None

    def _done_with_kernel(self) -> None:
        """The report's kernel has run its notebook: note its peak memory, end it, and start the next report's
        kernel now, while this report is exported (unless the batch is stopping)."""
        if not self._used:
            return
        self.kernel_peak = self._kernel_peak_mb()
        self._stop_kernel()
        if self.stop.is_set() or not self.prepare_next:
            return
        try:
            self._kernel()
        except Exception:  # the next report tries again, and fails with the reason if it must
            self._stop_kernel()

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
