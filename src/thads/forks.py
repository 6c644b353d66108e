"""The parent side of the kernel template (Linux; the template's own side is thads.kernel): starting it, and asking it
for kernels.

A template is a warm process that imported the package and loaded the data once, and then only forks: each report's
kernel is a child forked from it, new for that report. Whoever starts a template owns it (`Template`): `thads run`
starts one for all the reports of its batch as its first step (`started`), while it reads the data and plans, and
tells it where the data are as soon as they are read (`Template.share`) and what to rehearse once the reports are
planned (`Template.begin`); an engine with no batch's template to use
starts one for its own kernels. Anyone holding its `Address` connects to it (`Connection`) and asks for kernels: the
batch's workers, and the batch itself when it makes one report in its own process.

The template takes requests on a Unix socket in a folder only this user can open (made by `tempfile.mkdtemp`):
whoever may connect may start a kernel, which runs code. The socket listens before the template starts, so a
request sent early waits in line until the template is warm.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

WARM_TIMEOUT = 300              # seconds a template may take to be ready (imports, the data loaded, rehearsals)
SOCKET_PATH_MAX = 100           # bytes: a Unix socket's path is cut at 108 on Linux
KERNEL_NAME = "thads"


def launcher(argv: list[str]) -> tuple[list[str], list[str]] | None:
    """A kernel's command `python [options] -m ipykernel_launcher ARGS` as (`python [options]`, ARGS); None for any
    other kernel, which the template cannot fork."""
    for i in range(1, len(argv) - 1):
        if argv[i] == "-m" and argv[i + 1] in ("ipykernel_launcher", "ipykernel"):
            return list(argv[:i]), list(argv[i + 2:])
    return None


def kernel_name() -> str:
    """The project's kernel when it is registered for this Python (`make setup`, `thads init`), else this
    interpreter's own: a 'thads' kernel left by another installation must not run the reports."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        interpreter = KernelSpecManager().get_kernel_spec(KERNEL_NAME).argv[0]
    except (NoSuchKernel, IndexError):
        return "python3"
    return KERNEL_NAME if _this_python(interpreter) else "python3"


def _this_python(interpreter: str) -> bool:
    """Whether a kernel's interpreter is this Python. Venvs link to one base interpreter: compare the folders the
    paths name, not the files they lead to."""
    folder = Path(os.path.abspath(shutil.which(interpreter) or interpreter)).parent
    return folder == Path(os.path.abspath(sys.executable)).parent


def forking() -> bool:
    """Whether kernels are forked from a template here: on Linux, unless THADS_FORK=0 (see thads.kernel)."""
    return sys.platform.startswith("linux") and os.environ.get("THADS_FORK", "1") != "0"


def kernel_environment(spec: dict, base: dict) -> dict:
    """The environment jupyter_client gives a kernel of `spec` (its kernel.json) started with `base`: the spec's
    variables (their ${NAME} replaced from `base`) added, PYTHONEXECUTABLE taken out (KernelProvisionerBase)."""
    from string import Template as Substitution

    env = dict(base)
    env.update({k: Substitution(v).safe_substitute(base) for k, v in (spec.get("env") or {}).items()})
    if str(spec.get("language") or "").lower().startswith("python"):
        env.pop("PYTHONEXECUTABLE", None)
    return env


@dataclass(frozen=True)
class Address:
    """Where a template takes requests, and the interpreter command and environment its kernels have (a kernel
    wanting another is not forked from it). Picklable: the batch hands it to its workers."""

    path: str
    pid: int
    python: tuple[str, ...]
    env: tuple[tuple[str, str], ...]

    def serves(self, python: list[str], env: dict) -> bool:
        return self.python == tuple(python) and dict(self.env) == env


def listener_path(folder: str) -> str:
    return os.path.join(folder, "template")


def _listening() -> tuple[str, socket.socket]:
    """A new folder only this user can open, and a socket listening in it (in /tmp when TMPDIR is so long that the
    socket's path would be cut)."""
    folder = tempfile.mkdtemp(prefix="thads-kernels-")
    if len(os.fsencode(listener_path(folder))) > SOCKET_PATH_MAX and os.path.isdir("/tmp"):
        os.rmdir(folder)
        folder = tempfile.mkdtemp(prefix="thads-kernels-", dir="/tmp")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        listener.bind(listener_path(folder))
        listener.listen(64)
    except OSError:
        listener.close()
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return folder, listener


def _launch(command: list[str], fds: tuple[int, ...], env: dict):
    """The template's process, in a session of its own, with the environment a kernel would get."""
    import subprocess

    return subprocess.Popen(command, pass_fds=fds, stdin=subprocess.DEVNULL, start_new_session=True,
                            env={**env, "JPY_PARENT_PID": str(os.getpid())})   # as jupyter_client's launcher: the
                                                                                # kernels end when their parent does


class Unavailable(OSError):
    """No template can be started here (a socket it cannot bind, a process it cannot start)."""


class Template:
    """A template process, owned by whoever started it: `share` once (where the data are), `begin` once (what it makes
    before it forks), then `close` when no more kernels are wanted (the kernels it forked are ended by their
    managers)."""

    # The command names ipykernel, which the template imports: what looks for a batch's kernels finds it.
    CODE = "import ipykernel.kernelapp, thads.kernel; thads.kernel.template()"

    def __init__(self, python: list[str], env: dict, data_dir: Path, earlier: Path | None = None):
        try:
            self.folder, listener = _listening()
        except OSError as exc:
            raise Unavailable(*exc.args) from exc
        ours, theirs = socket.socketpair()
        try:
            self.process = _launch([*python, "-c", self.CODE, str(listener.fileno()), str(theirs.fileno()),
                                    str(data_dir), str(earlier or "")], (listener.fileno(), theirs.fileno()), env)
        except BaseException as exc:
            ours.close()
            shutil.rmtree(self.folder, ignore_errors=True)
            if isinstance(exc, OSError):
                raise Unavailable(*exc.args) from exc
            raise
        finally:
            listener.close()
            theirs.close()
        self.control = ours
        self.address = Address(listener_path(self.folder), self.process.pid, tuple(python), tuple(sorted(env.items())))
        self._shared = self._begun = False

    @property
    def pid(self) -> int:
        return self.process.pid

    def share(self, shared: Path | None) -> None:
        """Tell the template where the batch left the data it read (dataset.share; None: read the folder), which it
        then loads. It loads no data before it is told: the data are read once, by the batch. Said once."""
        if not self._shared:
            self._shared = True
            self._tell({"shared": str(shared) if shared else None})

    def begin(self, reports: list[dict]) -> None:
        """Tell the template what to make before it forks (thads.kernel.rehearse; [] for nothing), after which it
        serves requests; where the data are comes first (`share`: None, the folder itself, if not told yet). Said
        once: later calls do nothing."""
        if not self._begun:
            self._begun = True
            self.share(None)
            self._tell({"rehearse": reports})

    def _tell(self, told: dict) -> None:
        try:
            self.control.sendall(json.dumps(told).encode() + b"\n")
        except OSError:          # it ended: its kernels are refused, and each engine starts a template of its own
            pass

    def close(self) -> None:
        """End it (at once: it forks no more; the kernels it forked live on until their managers end them)."""
        for closing in (self.control.close, self.process.kill, self.process.wait):
            try:
                closing()
            except OSError:
                pass
        shutil.rmtree(self.folder, ignore_errors=True)


def _spec() -> dict | None:
    """The project's kernel spec (kernel.json of the 'thads' kernel) when it is this Python's (`kernel_name`), read
    where jupyter_client looks first, without importing it (a fifth of a second): jupyter_client has the last word
    (`Address.serves`)."""
    from jupyter_core.paths import jupyter_path

    for folder in jupyter_path("kernels"):
        try:
            spec = json.loads((Path(folder) / KERNEL_NAME / "kernel.json").read_text("utf-8"))
            interpreter = spec["argv"][0]
        except (OSError, ValueError, KeyError, IndexError, TypeError):
            continue
        return spec if _this_python(interpreter) else None
    return None


@contextlib.contextmanager
def started(data_dir: Path):
    """A template for the kernels of a batch (each kernel its own, see `Connection`), started first so that it
    imports what reports use (and takes the data an earlier batch kept, thads.seal, if they are the data as they are
    now) while the batch reads the data and plans; ended with the block. None where kernels are not forked
    (`forking`), or the project's kernel is not IPython's, or it cannot start (each engine then starts its kernels
    itself, and says why if it cannot)."""
    from thads import seal

    template = None
    spec = _spec() if forking() else None
    command = launcher(spec["argv"]) if spec else None
    if command is not None:
        try:
            template = Template(command[0], kernel_environment(spec, dict(os.environ)), Path(data_dir).resolve(),
                                seal.data_file(data_dir))
        except OSError:
            template = None
    try:
        yield template
    finally:
        if template is not None:
            template.close()


REHEARSALS = 3        # kinds and periods of a batch whose reports the template rehearses (kernel.rehearse)


def rehearsals(jobs: list, notes_dir: Path, project_root: Path | None) -> list[dict]:
    """What a template rehearses for a batch's `jobs` (kernel.rehearse): its first report of each kind, period and day
    of the provinces (--as-of), up to REHEARSALS of them; with the charts as PNG too when the batch makes Word files."""
    from thads import formats

    chosen: dict[tuple, dict] = {}
    for job in jobs:
        key = (job.kind, job.period.code, job.as_of)
        if key not in chosen and len(chosen) < REHEARSALS:
            chosen[key] = {"kind": job.kind, "subject": job.subject.code, "period": job.period.code,
                           "as_of": job.as_of.isoformat() if job.as_of else "",
                           "notes_dir": str(Path(notes_dir).resolve()), "word": False,
                           "project": str(project_root) if project_root else None}
    word = any(formats.any_needs(job.formats, "charts_as_png") for job in jobs)
    return [{**wanted, "word": word} for wanted in chosen.values()]


class Connection:
    """A connection to a template: asked for a kernel with a line, it answers the kernel's pid. `on_kernel` is told
    each pid as it is answered (a batch whose worker died ends that worker's kernel)."""

    def __init__(self, address: Address, on_kernel=None):
        import psutil

        self.address, self.on_kernel = address, on_kernel or (lambda pid: None)
        self.channel = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.channel.settimeout(WARM_TIMEOUT)          # a template stuck warming up counts as dead
        self.broken = False
        try:
            self.process = psutil.Process(address.pid)
            self.channel.connect(address.path)
        except (OSError, psutil.Error):
            self.broken = True
        self.replies = self.channel.makefile("rb")
        self.waiting: list[Forked] = []
        self.lock = threading.Lock()

    @property
    def pid(self) -> int:
        return self.address.pid

    def alive(self) -> bool:
        import psutil

        try:
            return not self.broken and self.process.is_running() and self.process.status() != psutil.STATUS_ZOMBIE
        except psutil.Error:
            return False

    def fork(self, args: list[str]) -> "Forked":
        """Ask for a kernel started with `args` (those of ipykernel_launcher); its pid is read when first needed."""
        kernel = Forked(self)
        with self.lock:
            self.waiting.append(kernel)
            try:
                self.channel.sendall(json.dumps(args).encode() + b"\n")
            except OSError:
                self._fail()
        return kernel

    def answer(self, kernel: "Forked") -> None:
        """Read the template's answers up to `kernel`'s (they come in the order asked); a template that ended or
        does not answer leaves every kernel still waiting dead."""
        with self.lock:
            while kernel in self.waiting:
                try:
                    pid = int(self.replies.readline())
                except (OSError, ValueError):        # ended (nothing to read), or did not answer in time
                    self._fail()
                    return
                self.waiting.pop(0).forked(pid if pid > 0 else None)
                if pid > 0:
                    self.on_kernel(pid)

    def _fail(self) -> None:
        self.broken = True
        for waiting in self.waiting:
            waiting.forked(None)
        self.waiting.clear()

    def close(self) -> None:
        for closing in (self.replies.close, self.channel.close):
            try:
                closing()
            except OSError:
                pass


class Forked:
    """A kernel forked by the template, with the part of `subprocess.Popen` jupyter_client's provisioner uses.
    Its exit status goes to the template, its parent: a kernel that ended has returncode -9 when it was killed,
    else 1."""

    stdin = stdout = stderr = None

    def __init__(self, template: Connection):
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
