"""Inside a batch's kernels: every report runs in a kernel that no other report ran in.

A report may do anything to its kernel's process: replace a function of thads, pandas or builtins, change the
cached data, the decimal context, IPython's input transformers or event hooks, sys.stdout or sys.modules, or
leave a thread running. None of it must reach the next report. So no kernel serves two reports:

- On Linux a batch starts one *template* process (`template`; its owner's side is thads.forks) before it even
  reads the data: it imports what reports use (IPython's kernel machinery too), loads and validates the data
  once (or takes the folder an earlier batch loaded, `dataset.share`), makes one report of each kind and period
  of the batch with the package alone when the batch has more than one (`rehearse`: what every report computes
  alike is then computed once), and then only forks, for whichever of the batch's workers asks. Each report's
  kernel is a child forked from it (`_become_kernel`) that starts an IPython kernel and ends with its report: a
  fresh kernel, warm at no cost. The template never runs a notebook's code, so what a report does dies with its
  kernel. Its memory is shared with the kernels it forks (copy on write; what it keeps is frozen out of the
  collector's reach, `freeze`, so that a collection in a kernel does not copy it).
- Elsewhere (Windows, which has no fork; macOS, where a process that loaded some system libraries cannot
  safely fork; a kernel other than IPython's; or THADS_FORK=0) each report gets a kernel started for it alone,
  warmed up (`warm`) while the report before it is exported: as clean, slower.

`begin(cwd, word, project)` is all a report's kernel is told before the report, and the one way a batch's settings
reach it: the working directory, whether the report's charts are also made as PNG (for a Word file), and the project
whose settings its notebook reads.

`fresh(cwd, word)` puts a kernel that already ran a report back for the next one, as far as it can: an empty
user namespace, the working directory, matplotlib's rcParams and backend, pandas options, warnings filters,
`sys.path`, environment variables and NumPy's print and error settings as they were, and no pyplot figure left
open. It does not undo a change to a module's state: the batch does not use it (bench/floor.py does, to run
notebooks in one process).

`release_memory` collects the garbage of a report and gives memory back (run by the batch's workers after each
report). What the process keeps is frozen out of the collector's reach (`gc.freeze`), after the warm-up and
again every REFREEZE_EVERY reports: a full collection would walk it all, and once it is frozen walks only what is
new. Refreezing lets go of what was kept and later dropped (the objects of a browser started again
after a crash).
"""

from __future__ import annotations

import gc
import os
import sys
import warnings

REFREEZE_EVERY = 20             # reports between two freezes of what the process keeps
_SNAPSHOT: dict | None = None
_since_frozen: int | None = None    # reports since the last freeze; None: nothing frozen yet


def _take_snapshot() -> dict:
    import matplotlib as mpl
    import numpy as np

    return {"cwd": os.getcwd(), "rc": mpl.rcParams.copy(), "backend": mpl.get_backend(),
            "warnings": list(warnings.filters), "path": list(sys.path), "environ": dict(os.environ),
            "np_print": np.get_printoptions(), "np_err": np.geterr()}


def warm(data_dir: str, shared: str | None = None, collect: bool = True) -> None:
    """Import the report's libraries (pyplot too, which sets up the inline backend as an analyst's first
    chart would), load the data once (from the batch's `shared` file when it holds this folder as it is),
    then remember the kernel's state and freeze what the process keeps (`freeze`; without a collection first
    unless `collect`)."""
    global _SNAPSHOT
    try:
        _import_stack()
        from thads import dataset

        dataset.load(data_dir, shared=shared)
    finally:
        _SNAPSHOT = _take_snapshot()
        freeze(collect)


def _import_stack() -> None:
    import matplotlib.pyplot  # noqa: F401
    import pandas  # noqa: F401

    from thads import dataset, report  # noqa: F401


def fresh(cwd: str | None = None, word: bool = True) -> None:
    """Give the next report a clean kernel: see the module's docstring for what is reset."""
    global _SNAPSHOT
    import matplotlib as mpl
    import numpy as np
    import pandas as pd
    from IPython import get_ipython

    from thads import parts

    parts.chart_png(word)

    if _SNAPSHOT is None:
        _SNAPSHOT = _take_snapshot()
    snapshot = _SNAPSHOT
    shell = get_ipython()
    if shell is not None:
        shell.reset(new_session=False)
    if "matplotlib.pyplot" in sys.modules:
        plt = sys.modules["matplotlib.pyplot"]
        plt.close("all")
        if mpl.get_backend() != snapshot["backend"]:
            plt.switch_backend(snapshot["backend"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")          # resetting deprecated options and rcParams warns
        pd.reset_option("all")
        mpl.rcParams.update(snapshot["rc"])
    warnings.filters[:] = snapshot["warnings"]
    getattr(warnings, "_filters_mutated", lambda: None)()    # as warnings.catch_warnings does on exit
    sys.path[:] = snapshot["path"]
    if dict(os.environ) != snapshot["environ"]:
        os.environ.clear()
        os.environ.update(snapshot["environ"])
    np.set_printoptions(**snapshot["np_print"])
    np.seterr(**snapshot["np_err"])
    os.chdir(cwd or snapshot["cwd"])
    release_memory()


def begin(cwd: str, word: bool = True, project: str | None = None) -> None:
    """In a kernel new for one report: work in `cwd`, draw the charts as PNG too when the report makes a `word`
    file, and read the settings of `project` (its root; None: as the kernel's environment says, or found from
    `cwd`, as for any notebook). Nothing else is to undo: no report ran here before."""
    from thads import parts

    parts.chart_png(word)
    if project:
        use_project(project)
    os.chdir(cwd)


def use_project(root: str | None) -> None:
    """Have this process, and the commands a notebook starts, read the settings of the project at `root` (as a
    user running plain papermill says with THADS_PROJECT); None: the project is found from the current folder."""
    from thads.project import ENVIRONMENT

    if root:
        os.environ[ENVIRONMENT] = str(root)
    else:
        os.environ.pop(ENVIRONMENT, None)


# What IPython's kernel imports as it starts (IPythonKernel imports its debugger, and with it debugpy, a large part
# of a kernel's start): the template imports them once, for every kernel it forks.
KERNEL_MODULES = ("ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.debugger", "IPython.core.debugger",
                  "IPython.core.completerlib", "IPython.core.oinspect", "IPython.extensions.storemagic")


def template() -> None:
    """The template of a batch's kernels (Linux; its owner's side is thads.forks), run as `python -c "..." LISTENER
    CONTROL DATA_DIR SHARED`: import what reports use, and take the data from SHARED when an earlier batch left them
    there as they are now (`dataset.preload`); read from its owner on the socket CONTROL a line of JSON, `shared`
    (where this batch left the data it read, or null), and load the data (`warm`: nothing to do when they were
    taken); then another, `rehearse` (the reports to `rehearse`), and rehearse; then fork a kernel for each line a client writes on a connection accepted from the
    listening socket LISTENER (a kernel's arguments, as JSON: what `python -m ipykernel_launcher` would be given),
    answering the kernel's process id, one line (0: a request it could not read). Ends when its owner closes
    CONTROL. It never runs a notebook's code: each kernel forked from it starts from the same state."""
    import importlib
    import json
    import signal
    import socket

    listener, control = (socket.socket(fileno=int(fd)) for fd in sys.argv[1:3])
    data_dir, earlier = sys.argv[3], sys.argv[4] or None
    if sys.path and sys.path[0] in ("", os.getcwd()):    # as ipykernel_launcher does; the kernel puts it back
        del sys.path[0]
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")   # as IPKernelApp does
    try:
        for name in KERNEL_MODULES:
            importlib.import_module(name)
        _import_stack()
        from thads import dataset

        dataset.preload(data_dir, earlier)
    except Exception:        # a broken installation: each report's notebook fails with the reason
        pass
    told = _line(control)    # once the batch has the data: read once, by the batch, when no earlier batch left them
    if told is None:
        os._exit(0)
    try:
        # Frozen as it is, as Python's documentation advises before forking: a rehearsal collects and freezes again,
        # and a lone report's kernel would wait for a collection (60 ms) that frees only what the imports left.
        warm(data_dir, json.loads(told).get("shared"), collect=False)
    except Exception:        # the data do not load, say: each report's notebook then fails with the reason
        pass
    told = _line(control)    # once the batch knows what it makes
    if told is None:
        os._exit(0)
    try:
        rehearse(data_dir, json.loads(told).get("rehearse") or [])
    except Exception:        # a rehearsal is only a head start
        pass
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)         # the kernels are reaped as they end
    _serve(listener, control)
    os._exit(0)


def _line(channel) -> bytes | None:
    """One line read from a socket, byte by byte (nothing after it is taken); None when it closed first."""
    line = b""
    while not line.endswith(b"\n"):
        byte = channel.recv(1)
        if not byte:
            return None
        line += byte
    return line


def _serve(listener, control) -> None:
    """Fork a kernel for each request of each connection (see `template`) until `control` closes."""
    import json
    import selectors

    with selectors.DefaultSelector() as selector:
        selector.register(listener, selectors.EVENT_READ)
        selector.register(control, selectors.EVENT_READ)
        pending: dict = {}                       # connection -> what it sent after its last whole line
        while True:
            for key, _ in selector.select():
                if key.fileobj is control:
                    if not control.recv(4096):
                        return
                elif key.fileobj is listener:
                    connection, _ = listener.accept()
                    selector.register(connection, selectors.EVENT_READ)
                    pending[connection] = b""
                else:
                    connection = key.fileobj
                    chunk = connection.recv(65536)
                    if not chunk:
                        selector.unregister(connection)
                        connection.close()
                        del pending[connection]
                        continue
                    *lines, pending[connection] = (pending[connection] + chunk).split(b"\n")
                    for line in lines:
                        try:
                            args = json.loads(line)
                        except ValueError:
                            connection.sendall(b"0\n")
                            continue
                        with warnings.catch_warnings():
                            warnings.simplefilter("ignore", DeprecationWarning)   # 3.12+: fork with threads running
                            pid = os.fork()
                        if pid == 0:
                            _become_kernel([listener, control, *pending], selector, args)
                        connection.sendall(b"%d\n" % pid)


def rehearse(data_dir: str, reports: list[dict]) -> None:
    """In the template: make each of `reports` ({"kind", "subject", "period", "as_of", "notes_dir", "project": its
    root, "word": charts as PNG too}: one report of each kind and period of the batch) with the package alone, no notebook, shown
    nowhere, and forget it. What every report of the batch computes alike then comes with its kernel instead of
    being computed again in each: the figures of every province for the period, the charts' blank figures, the
    modules imported on first use, the fonts and the number formats loaded. What a kernel's user could tell from it is undone: the report built last (`%%report_text` uses
    it), pyplot figures, warnings already shown once, the PNG switch. Nothing to rehearse: nothing is done (`warm`
    froze what the template keeps)."""
    if not reports:
        return
    import contextlib
    import inspect

    import matplotlib as mpl
    import matplotlib.pyplot as plt

    from thads import charts, parts, report
    from thads.project import ENVIRONMENT

    png, chosen = parts.CHART_PNG, os.environ.get(ENVIRONMENT)
    charts.keep_blanks(True)          # for the kernels forked from here, which keep none of their own
    # Under the rcParams of a kernel, whose inline backend makes matplotlib interactive: the charts keep their
    # blank figures with the rcParams they were made under (charts._blank), and make them again under others.
    with open(os.devnull, "w", encoding="utf-8") as nowhere, contextlib.redirect_stdout(nowhere), \
            contextlib.redirect_stderr(nowhere), warnings.catch_warnings(), mpl.rc_context({"interactive": True}):
        warnings.simplefilter("ignore")
        for wanted in reports:
            try:
                parts.chart_png(bool(wanted.get("word")))
                use_project(wanted.get("project") or chosen)
                as_of = wanted.get("as_of") or ""
                if wanted["kind"] == "national":
                    made = report.NationalReport(wanted["period"], data_dir, "", as_of)
                elif wanted["kind"] == "office":
                    from thads.office import OfficeReport     # the office kind's own module, on first use

                    made = OfficeReport(wanted["subject"], wanted["period"], data_dir, wanted.get("notes_dir") or "")
                else:
                    made = report.ProvinceReport(wanted["subject"], wanted["period"], data_dir,
                                                 wanted.get("notes_dir") or "", "", as_of)
                for name in dir(type(made)):            # each part it shows with no argument, as displayed
                    function = inspect.getattr_static(made, name)
                    if name.startswith("_") or not inspect.isfunction(function):
                        continue
                    method = getattr(made, name)
                    signature = inspect.signature(method)
                    if signature.return_annotation == "Part" and all(p.default is not p.empty
                                                                      for p in signature.parameters.values()):
                        method()._repr_mimebundle_()
            except Exception:      # a report that cannot be made here fails in its notebook, with the reason
                pass
    report.CURRENT = None
    charts.keep_blanks(False)
    parts.chart_png(png)
    use_project(chosen)
    plt.close("all")
    freeze()


def _become_kernel(sockets: list, selector, argv: list[str]) -> None:
    """In a child just forked from the template: leave the template's `sockets` and `selector`, become the IPython
    kernel `python -m ipykernel_launcher ARGV` would start, serve its report, and end, never back in the template's
    loop."""
    import signal
    from importlib.util import find_spec

    code = 1
    try:
        os.close(selector.fileno())       # the selector stays with the template's loop, which never resumes here
        for channel in sockets:
            os.close(channel.detach())
        os.setsid()                 # its own process group, as a launched kernel: ending it ends what it started
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        from ipykernel.kernelapp import IPKernelApp

        sys.argv = [find_spec("ipykernel_launcher").origin, *argv]
        app = IPKernelApp.instance()
        app.initialize(argv)
        inline = sys.modules.get("matplotlib_inline.backend_inline")
        if inline is not None:      # loaded before the kernel's shell existed: hook it to the shell now
            inline._enable_matplotlib_integration()
        app.start()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:
        import traceback

        traceback.print_exc(file=sys.__stderr__)
    finally:
        for stream in (sys.__stdout__, sys.__stderr__):
            try:
                stream.flush()
            except (AttributeError, OSError, ValueError):
                pass
        os._exit(code)


def freeze(collect: bool = True) -> None:
    """Collect all garbage (unless not to `collect`), then freeze what is left (what this process keeps) out of the
    collector's reach."""
    global _since_frozen
    gc.unfreeze()
    if collect:
        gc.collect()
    gc.freeze()
    _since_frozen = 0


def release_memory() -> None:
    """Free what the last report left and give it back to the system. Its garbage comes in reference cycles
    (exceptions caught inside libraries, with the frames that hold its notebook, page or PDF; the PDF
    driver's tasks) that a process with a large heap collects only every few dozen reports, growing in between.
    Without the trim glibc keeps the holes the large, short-lived strings left (the pages, the charts), and a
    process would grow with every report."""
    global _since_frozen
    if _since_frozen is None or _since_frozen >= REFREEZE_EVERY:
        freeze()
    else:
        gc.collect()
        _since_frozen += 1
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            ctypes.CDLL("libc.so.6").malloc_trim(0)
        except (OSError, AttributeError):    # another C library (musl): nothing to trim
            pass
