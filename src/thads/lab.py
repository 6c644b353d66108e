"""`thads lab`: JupyterLab on the project folder, its notebooks run by the project's kernel.

What `make lab` does in the repository, for an office that has only the package: the kernel `thads` is
registered in this Python environment when it is missing (as `thads init` and `make setup` do), and JupyterLab is
started by this same Python, on the project root (the folder holding thads.yml), opened on its notebooks folder,
with `thads` as the kernel of new notebooks. JupyterLab is the package's `[lab]` extra: without it, the command
says which pip command installs it.
"""

from __future__ import annotations

import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path

from thads import project
from thads.errors import ThadsError
from thads.init import INSTALL, KERNEL, PINS, ensure_kernel


def installed() -> bool:
    """True when JupyterLab can be started by this Python."""
    return find_spec("jupyterlab") is not None


def command(where: project.Project, port: int | None = None, browser: bool = True,
            extra: list[str] | tuple[str, ...] = ()) -> list[str]:
    """The command that starts JupyterLab on the project `where`, by this Python; `extra`: JupyterLab's own options,
    passed as they are (after ours, so that they win)."""
    args = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={where.root}",
            f"--MultiKernelManager.default_kernel_name={KERNEL}"]
    try:
        notebooks = Path(where.notebooks).resolve().relative_to(Path(where.root).resolve())
    except ValueError:           # a notebooks folder outside the project cannot be shown from its root
        notebooks = None
    if notebooks is not None and notebooks.parts:
        args.append(f"--LabApp.default_url=/lab/tree/{notebooks.as_posix()}")
    if port is not None:
        args.append(f"--ServerApp.port={port}")
    if not browser:
        args.append("--no-browser")
    return [*args, *extra]


def missing_message() -> str:
    return (f"JupyterLab chưa được cài trong môi trường Python này ({sys.prefix}). JupyterLab là phần [lab] của gói: "
            f"trong thư mục dự án (nơi thads init đã ghi {PINS}), chạy  {INSTALL}  rồi chạy lại thads lab.")


def open_lab(where: project.Project, port: int | None = None, browser: bool = True,
             extra: list[str] | tuple[str, ...] = ()) -> int:
    """Start JupyterLab on the project and wait until it ends; its exit status. The lines it prints are its own."""
    if not where.marked:
        raise ThadsError(project.outside(where.root))
    if not installed():
        raise ThadsError(missing_message())
    print(ensure_kernel(), flush=True)
    print(f"Mở JupyterLab trên dự án {where.root} (dừng bằng Ctrl-C trong cửa sổ này).", flush=True)
    server = subprocess.Popen(command(where, port, browser, extra), cwd=where.root)
    while True:
        try:
            return server.wait()
        except KeyboardInterrupt:
            # Ctrl-C reaches JupyterLab too, which decides (it asks to confirm, then stops its kernels): this
            # process only waits for it, so that the terminal is not handed back while the server still runs.
            continue
