"""Inside a batch worker's warm kernel: every report starts from the state the kernel had once warmed.

`warm(data_dir, shared)` imports what reports use, loads and validates the data (or takes the folder the
batch loaded, `dataset.share`), and takes a snapshot;
`fresh(cwd, word)` puts the kernel back before each report: an empty user namespace (the variables, imports
and functions of the previous report are gone), the working directory, matplotlib's rcParams and
backend, pandas options, warnings filters, `sys.path`, environment variables and NumPy's print and
error settings as they were, and no pyplot figure left open; `word` says whether the report's charts are
also made as PNG, for a Word file. Imported modules and the loaded data stay (a report gets its own copy
of the tables: see `dataset.load`), which is what makes the kernel warm.

After each report the garbage it left is collected and memory given back (`release_memory`, also run by
the batch's workers). What the process keeps is frozen out of the collector's reach (`gc.freeze`), after
the warm-up and again every REFREEZE_EVERY reports: a full collection walks it all (25 ms in a kernel, 70 in
a worker), 1-2 ms once frozen. Refreezing lets go of what was kept and later dropped (the objects of a kernel
or browser started again after a crash).
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


def warm(data_dir: str, shared: str | None = None) -> None:
    """Import the report's libraries (pyplot too, which sets up the inline backend as an analyst's first
    chart would), load the data once (from the batch's `shared` file when it holds this folder as it is),
    then remember the kernel's state."""
    global _SNAPSHOT
    try:
        import matplotlib.pyplot  # noqa: F401
        import pandas  # noqa: F401

        from thads import dataset, report  # noqa: F401

        dataset.load(data_dir, shared=shared)
    finally:
        _SNAPSHOT = _take_snapshot()
        freeze()


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


def freeze() -> None:
    """Collect all garbage, then freeze what is left (what this process keeps) out of the collector's reach."""
    global _since_frozen
    gc.unfreeze()
    gc.collect()
    gc.freeze()
    _since_frozen = 0


def release_memory() -> None:
    """Free what the last report left and give it back to the system. Its garbage comes in reference cycles
    (exceptions caught inside libraries, with the frames that hold its notebook, page or PDF; the PDF
    driver's tasks) that a process with a large heap collects only every 40 reports or so: a worker grew
    about 0.5 MB a report between two. Without the trim glibc keeps the holes the large, short-lived strings
    left (the pages, the charts) and a process grew about 1.5 MB a report."""
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
