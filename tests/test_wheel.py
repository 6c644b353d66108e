"""An office with only the wheel: built from this checkout, installed in a new Python 3.11 environment from the
package registry, following the README's installation steps word for word, with no checkout in sight.

    python -m pip install thads_reports-<version>-py3-none-any.whl
    thads init <project>                      # writes requirements.lock, docs/, registers the kernel
    python -m pip install -c requirements.lock "thads-reports[lab]"     # in the project
    thads run --period 2026-M12 --province 92 --format html
    thads lab                                 # JupyterLab on the project (not started here: its command is checked)

Needs the package registry (pip's own configuration). Each install step's time is printed (`pytest -s`). Measured
here (two shared cores, pip's cache empty): the wheel with its dependencies 91-97 s, then the pinned versions and
JupyterLab 34-53 s; the whole module 3-3.5 minutes."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import venv
from pathlib import Path

import pytest

from thads import __version__

pytestmark = pytest.mark.slow   # builds a wheel and installs it with its dependencies from the registry: make test

REPO = Path(__file__).resolve().parents[1]
BIN = "Scripts" if os.name == "nt" else "bin"


def _sources(target: Path) -> Path:
    """What the wheel is built from, copied out of the checkout: its build/ folder is not shared with other builds,
    and nothing but the package's sources reaches the wheel."""
    shutil.copytree(REPO / "src", target / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, target / name)
    return target


@pytest.fixture(scope="module")
def office(tmp_path_factory) -> dict:
    """A new environment holding only the wheel and what the README's steps install, and a project `thads init`
    made in it; what each step printed and how long the installs took."""
    where = tmp_path_factory.mktemp("office")
    wheels = where / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(wheels),
                    str(_sources(where / "source"))], check=True, capture_output=True, timeout=300)
    (wheel,) = wheels.glob("thads_reports-*.whl")
    env = where / "thads-env"
    venv.EnvBuilder(with_pip=True).create(env)       # this Python (3.11), not its venv: nothing of the checkout
    # What activating the environment does, and nothing of the caller's Python or project.
    environment = {k: v for k, v in os.environ.items()
                   if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "JUPYTER_PATH", "THADS_PROJECT")}
    environment.update(VIRTUAL_ENV=str(env), PATH=str(env / BIN) + os.pathsep + environment.get("PATH", ""))
    home = where / "elsewhere"          # the office's folder: no thads.yml, no checkout above it
    home.mkdir()

    def step(*args, cwd=home, timeout=900):
        return subprocess.run([str(a) for a in args], capture_output=True, text=True, env=environment, cwd=cwd,
                              timeout=timeout)

    started = time.perf_counter()
    package = step("python", "-m", "pip", "install", wheel)           # README step 2
    package_seconds = time.perf_counter() - started
    assert package.returncode == 0, package.stdout[-3000:] + package.stderr[-3000:]
    init = step("thads", "init", "bao-cao")                            # step 3
    assert init.returncode == 0, init.stdout + init.stderr
    project = home / "bao-cao"
    lab_before = step("thads", "lab", cwd=project)
    started = time.perf_counter()
    pinned = step("python", "-m", "pip", "install", "-c", "requirements.lock", "thads-reports[lab]", cwd=project)  # 4
    pinned_seconds = time.perf_counter() - started
    assert pinned.returncode == 0, pinned.stdout[-3000:] + pinned.stderr[-3000:]
    print(f"\nwheel install: {package_seconds:.0f} s; pinned versions and JupyterLab: {pinned_seconds:.0f} s")
    return {"env": env, "step": step, "home": home, "project": project, "init": init, "lab_before": lab_before,
            "wheel": wheel, "seconds": (package_seconds, pinned_seconds)}


def test_the_package_comes_from_the_wheel_not_from_the_checkout(office):
    assert office["wheel"].name == f"thads_reports-{__version__}-py3-none-any.whl"
    where = office["step"]("python", "-c", "import thads; print(thads.__file__)").stdout.strip()
    assert where.startswith(str(office["env"])) and str(REPO) not in where


def test_init_gives_the_pins_the_docs_and_the_kernel_and_says_what_is_next(office):
    project, said = office["project"], office["init"].stdout
    assert "Đã tạo dự án thads" in said and "thads run --period 2024-M11 --province 93" in said
    assert f"Đã đăng ký kernel Jupyter 'thads' trong môi trường Python này ({office['env']})" in said
    # Before JupyterLab is installed, init names the README's command.
    assert 'python -m pip install -c requirements.lock "thads-reports[lab]"' in said
    assert (project / "requirements.lock").read_bytes() == (REPO / "requirements.lock").read_bytes()
    for page in (REPO / "docs").glob("*.md"):     # what the README's "xem docs/…" name
        assert (project / "docs" / page.name).read_bytes() == page.read_bytes(), page.name
    spec = office["step"]("python", "-c", "from jupyter_client.kernelspec import KernelSpecManager as M; "
                                          "print(M().get_kernel_spec('thads').argv[0])").stdout.strip()
    assert spec.startswith(str(office["env"])), spec


def test_lab_without_the_extra_says_which_pip_command_installs_it(office):
    done = office["lab_before"]
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "JupyterLab chưa được cài" in done.stderr
    assert 'python -m pip install -c requirements.lock "thads-reports[lab]"' in done.stderr


def test_the_environment_has_the_pinned_versions(office):
    pins = dict(re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)$", (office["project"] / "requirements.lock").read_text("utf-8"),
                           re.M))
    pins = {re.sub(r"[-_.]+", "-", name).lower(): version for name, version in pins.items()}
    frozen = office["step"]("python", "-m", "pip", "list", "--format=freeze").stdout
    installed = {re.sub(r"[-_.]+", "-", name).lower(): version
                 for name, version in re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)$", frozen, re.M)}
    differ = {name: (installed[name], pins[name]) for name in installed.keys() & pins.keys()
              if installed[name] != pins[name] and name not in ("pip", "setuptools")}
    assert not differ, differ
    assert installed["jupyterlab"] == pins["jupyterlab"] and installed["pandas"] == pins["pandas"]
    check = office["step"]("python", "-m", "pip", "check")
    assert check.returncode == 0, check.stdout


def test_a_report_is_made_in_the_project(office):
    project = office["project"]
    done = office["step"]("thads", "run", "--period", "2026-M12", "--province", "92", "--format", "html", cwd=project,
                          timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    page = (project / "outputs" / "2026-M12" / "92" / "report.html").read_text("utf-8")
    assert "BÁO CÁO" in page and "Cần Thơ" in page
    assert (project / "outputs" / "index.html").is_file()


def test_jupyterlab_opens_on_the_project_with_its_kernel(office):
    step, project = office["step"], office["project"]
    helped = step("thads", "lab", "--help", cwd=project)
    assert helped.returncode == 0 and helped.stdout.startswith("Cách dùng: thads lab")
    version = step("python", "-m", "jupyterlab", "--version", cwd=project)
    assert version.returncode == 0 and version.stdout.strip() == "4.4.10", version.stderr
    # The command `thads lab` runs, as built in the new environment (the server itself is not started here).
    built = step("python", "-c", "from thads import lab, project; print(lab.installed()); "
                                 "print('\\n'.join(lab.command(project.find())))", cwd=project / "notebooks")
    installed, *command = built.stdout.splitlines()
    assert installed == "True" and command[0].startswith(str(office["env"]))
    assert command[1:3] == ["-m", "jupyterlab"] and f"--ServerApp.root_dir={project.resolve()}" in command
    assert "--MultiKernelManager.default_kernel_name=thads" in command


def test_outside_the_project_the_commands_say_no_thads_yml_was_found(office):
    done = office["step"]("thads", "summary", "--period", "2024-M11", "--province", "93")
    assert done.returncode == 1 and "Không tìm thấy thads.yml trong thư mục" in done.stderr
    assert "thads init" in done.stderr and "--project" in done.stderr
