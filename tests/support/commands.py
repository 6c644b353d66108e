"""The `thads` command line run as a user runs it: a process of its own, from the repository by default."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]        # the repository


def environment(changes: dict[str, str | None] | None) -> dict[str, str] | None:
    """This process's environment with `changes` (a name set to None is removed); None for no change."""
    if changes is None:
        return None
    merged = dict(os.environ)
    for name, value in changes.items():
        if value is None:
            merged.pop(name, None)
        else:
            merged[name] = value
    return merged


def thads(*args: object, cwd: Path = ROOT, timeout: float = 600, env: dict[str, str | None] | None = None,
          **options) -> subprocess.CompletedProcess:
    """`python -m thads ARGS` with this Python, from `cwd`, its output captured as text. `env` changes the
    environment (see `environment`); past `timeout` seconds subprocess.TimeoutExpired is raised."""
    return subprocess.run([sys.executable, "-m", "thads", *map(str, args)], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env=environment(env), **options)


def start(*args: object, cwd: Path = ROOT, session: bool = False,
          env: dict[str, str | None] | None = None) -> subprocess.Popen:
    """`python -m thads ARGS` started and not waited for, its output piped as text; with `session`, in a process
    group of its own, as a terminal runs a command (signal it with os.killpg)."""
    return subprocess.Popen([sys.executable, "-m", "thads", *map(str, args)], cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=session, env=environment(env))


def installed_thads(*args: object, timeout: float = 300) -> subprocess.CompletedProcess:
    """The installed `thads` command (the venv's, beside the running Python) as a real process, from the
    repository, in a session of its own: past `timeout`, it is killed with its workers, and
    subprocess.TimeoutExpired is raised."""
    beside = Path(sys.executable).with_name("thads")
    command = [str(beside) if beside.exists() else shutil.which("thads"), *map(str, args)]
    with subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, encoding="utf-8",
                          env={**os.environ, "PYTHONIOENCODING": "utf-8"}, start_new_session=True) as process:
        try:
            out, err = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise
    return subprocess.CompletedProcess(command, process.returncode, out, err)
