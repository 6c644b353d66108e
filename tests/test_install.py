"""The tool outside this repository: `thads init` projects, updates after an upgrade, what differs on
Windows, and (slow) the built wheel in a new environment making a report in a project of its own."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from thads import files, forks, init
from thads.errors import ThadsError

REPO = Path(__file__).resolve().parents[1]
TEMPLATE = REPO / "src" / "thads" / "templates" / "project"


def test_a_new_project_gets_the_same_notebooks_and_settings_as_this_repository():
    """The package ships copies of the repository's notebooks and parameter files: they must not drift."""
    shipped = sorted(p.relative_to(TEMPLATE) for p in TEMPLATE.rglob("*") if p.is_file())
    assert Path("notebooks/province_report.ipynb") in shipped and Path("thads.yml") in shipped
    for relative in shipped:
        assert (TEMPLATE / relative).read_bytes() == (REPO / relative).read_bytes(), relative


@pytest.mark.slow   # a real `thads init` or a new Python process: make test
def test_init_makes_a_project_and_refuses_to_overwrite_one(tmp_path):
    folder = tmp_path / "bao-cao"
    lines = init.create(folder)
    for relative in ("thads.yml", "notebooks/province_report.ipynb", "notebooks/national_overview.ipynb",
                     "parameters/signing.yml", "parameters/year-end-2026.yml", "data/stats/2024.csv",
                     "data/targets.csv", "outputs"):
        assert (folder / relative).exists(), relative
    assert json.loads((folder / ".thads" / "manifest.json").read_text("utf-8"))["notebooks"].keys() == {
        "province_report.ipynb", "national_overview.ipynb", "office_report.ipynb"}
    assert lines[-1].startswith(f"Bước tiếp theo: cd {folder}")
    with pytest.raises(ThadsError, match="đã là một dự án thads.*thads init --update"):
        init.create(folder)
    other = tmp_path / "co-san"
    other.mkdir()
    (other / "so-lieu.xlsx").write_bytes(b"x")
    with pytest.raises(ThadsError, match="không trống"):
        init.create(other)


@pytest.mark.slow   # a real `thads init` or a new Python process: make test
def test_update_replaces_untouched_notebooks_keeps_edited_ones_and_adds_missing_ones(tmp_path, monkeypatch):
    folder = tmp_path / "du-an"
    init.create(folder)
    notebooks = folder / "notebooks"
    # As if the project was made by an older version: the province notebook as that version shipped it,
    # the national one edited by an analyst since, and a notebook of the new version missing.
    old = b'{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'
    (notebooks / "province_report.ipynb").write_bytes(old)
    manifest = json.loads((folder / ".thads" / "manifest.json").read_text("utf-8"))
    manifest["version"], manifest["notebooks"]["province_report.ipynb"] = "0.0.9", init._sha256(
        notebooks / "province_report.ipynb")
    (folder / ".thads" / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    national = json.loads((notebooks / "national_overview.ipynb").read_text("utf-8"))
    national["cells"].append({"cell_type": "markdown", "id": "analyst", "metadata": {}, "source": "Nhận xét riêng."})
    edited = json.dumps(national, ensure_ascii=False, indent=1)
    (notebooks / "national_overview.ipynb").write_text(edited, "utf-8")
    new_template = tmp_path / "template"
    (new_template / "notebooks").mkdir(parents=True)
    for source in TEMPLATE.joinpath("notebooks").glob("*.ipynb"):
        (new_template / "notebooks" / source.name).write_bytes(source.read_bytes())
    (new_template / "notebooks" / "district_report.ipynb").write_bytes(old)
    monkeypatch.setattr(init, "TEMPLATE", new_template)

    lines = init.update(folder)

    text = "\n".join(lines)
    assert "Cập nhật notebook từ thads 0.0.9" in text
    assert "cập nhật notebooks/province_report.ipynb" in text
    assert (notebooks / "province_report.ipynb").read_bytes() == (TEMPLATE / "notebooks/province_report.ipynb").read_bytes()
    assert "giữ nguyên notebooks/national_overview.ipynb: đã được sửa" in text
    assert (notebooks / "national_overview.ipynb").read_text("utf-8") == edited
    assert "thêm notebooks/district_report.ipynb" in text and (notebooks / "district_report.ipynb").exists()
    # Run again: nothing to do, and the edited notebook is still reported as kept, not replaced.
    again = "\n".join(init.update(folder))
    assert "cập nhật" not in again.replace("Cập nhật notebook từ", "") and "giữ nguyên notebooks/national" in again


def test_update_needs_a_project(tmp_path):
    with pytest.raises(ThadsError, match="không phải dự án thads.*thads init"):
        init.update(tmp_path)


@pytest.mark.slow   # a real `thads init` or a new Python process: make test
def test_the_package_imports_where_posix_only_modules_are_missing():
    """Windows has no fcntl, resource, termios, pwd or grp: every module must import without them."""
    script = (
        "import sys, pkgutil, importlib\n"
        "for name in ('fcntl', 'resource', 'termios', 'pwd', 'grp'):\n"
        "    sys.modules[name] = None\n"
        "import thads\n"
        "for module in pkgutil.walk_packages(thads.__path__, 'thads.'):\n"
        "    if module.name != 'thads.__main__':\n"
        "        importlib.import_module(module.name)\n"
        "print('ok')\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]


def test_a_report_file_held_open_on_windows_gets_a_new_name_beside_it(tmp_path, monkeypatch):
    """Windows refuses to replace a file Word or a PDF reader has open: the new report goes beside it."""
    target, source = tmp_path / "report.docx", tmp_path / "made.docx"
    target.write_bytes(b"old, open in Word")
    source.write_bytes(b"new")
    replace = os.replace

    def windows_replace(src, dst):
        if Path(dst) == target:
            raise PermissionError(13, "The process cannot access the file", str(dst))
        replace(src, dst)

    monkeypatch.setattr(os, "replace", windows_replace)
    placed, message = files.put_in_place(source, target)
    assert placed == tmp_path / "report.new.docx" and placed.read_bytes() == b"new"
    assert target.read_bytes() == b"old, open in Word"
    assert "report.docx đang được mở" in message and "report.new.docx" in message


def test_files_are_written_byte_for_byte(tmp_path):
    """On Windows os.open writes text mode unless told otherwise; a report's bytes must not change."""
    data = b"line\nline\r\n\x00\xff"
    files.write_whole(tmp_path / "f.bin", data)
    assert (tmp_path / "f.bin").read_bytes() == data


class _Spec:
    def __init__(self, argv):
        self.argv = argv


@pytest.mark.parametrize("interpreter, expected", [
    (sys.executable, "thads"),
    (str(Path(sys.executable).parent / "python3.11"), "thads"),
    ("/opt/old-install/bin/python", "python3"),
])
def test_reports_run_on_this_python_not_on_a_kernel_left_by_another_installation(monkeypatch, interpreter, expected):
    import jupyter_client.kernelspec as kernelspec

    monkeypatch.setattr(kernelspec.KernelSpecManager, "get_kernel_spec",
                        lambda self, name: _Spec([interpreter, "-m", "ipykernel_launcher"]))
    assert forks.kernel_name() == expected


# A new environment, as an office installs it ---------------------------------------------------------------
@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The wheel built from this checkout, installed in a new venv. Its dependencies are this checkout's
    (a .pth file points at them, as an offline mirror would provide them); the package itself and the
    Jupyter files a real install puts in <env>/share are the new environment's own."""
    where = tmp_path_factory.mktemp("install")
    wheels = where / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w",
                    str(wheels), str(REPO)], check=True, capture_output=True, timeout=300)
    env = where / "venv"
    venv.EnvBuilder(with_pip=False).create(env)
    python = env / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    purelib = Path(subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                                  check=True, capture_output=True, text=True).stdout.strip())
    (purelib / "dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n", "utf-8")
    share = Path(sys.prefix) / "share" / "jupyter" / "nbconvert"
    (env / "share" / "jupyter").mkdir(parents=True)
    (env / "share" / "jupyter" / "nbconvert").symlink_to(share, target_is_directory=True)
    subprocess.run([python, "-m", "pip", "install", "-q", "--no-deps", "--no-index", *wheels.glob("*.whl")],
                   check=True, capture_output=True, timeout=300)
    return env


@pytest.mark.slow
def test_the_installed_package_makes_a_report_in_a_project_of_its_own(installed, tmp_path):
    thads = installed / "bin" / "thads"
    environment = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "JUPYTER_PATH", "VIRTUAL_ENV")}
    where = subprocess.run([installed / "bin" / "python", "-c", "import thads; print(thads.__file__)"],
                           capture_output=True, text=True, env=environment, cwd=tmp_path, check=True).stdout
    assert where.startswith(str(installed)) and str(REPO) not in where

    made = subprocess.run([thads, "init", "bao-cao"], capture_output=True, text=True, env=environment, cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert "Đã tạo dự án thads" in made.stdout and "thads run --period 2024-M11 --province 93" in made.stdout
    project = tmp_path / "bao-cao"
    done = subprocess.run([thads, "run", "--period", "2024-M11", "--province", "93", "--format", "html,docx"],
                          capture_output=True, text=True, env=environment, cwd=project, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    page = (project / "outputs" / "2024-M11" / "93" / "report.html").read_text("utf-8")
    assert "BÁO CÁO" in page and "Hậu Giang" in page and "11 tháng" in page
    # The example note the project starts with shows in its report.
    assert "ông Đồng Văn Thanh" in (project / "parameters" / "notes" / "2024-M11" / "93.md").read_text("utf-8")
    assert "ông Đồng Văn Thanh" in page
    assert (project / "outputs" / "2024-M11" / "93" / "report.docx").stat().st_size > 10_000
    assert (project / "outputs" / "index.html").is_file()


def test_without_a_browser_a_pdf_says_what_to_install_and_what_still_works(monkeypatch):
    """No Chromium, Chrome or Edge anywhere: the PDF fails with what to install; HTML and Word still work."""
    from thads import pdf

    monkeypatch.delenv(pdf.BROWSER, raising=False)
    monkeypatch.setattr(pdf.shutil, "which", lambda name: None)
    monkeypatch.setattr(pdf, "_MACOS", ())
    monkeypatch.setattr(pdf, "_POSIX", ())
    monkeypatch.setattr(pdf, "windows_places", lambda environ: [])
    with pytest.raises(ThadsError, match="không tìm thấy trình duyệt.*apt install chromium.*Edge.*THADS_BROWSER"
                                         ".*--format html,docx"):
        pdf.to_pdf("<p>x</p>")


def test_the_browser_named_by_thads_browser_must_exist(monkeypatch, tmp_path):
    from thads import pdf

    monkeypatch.setenv(pdf.BROWSER, str(tmp_path / "chrome.exe"))
    with pytest.raises(ThadsError, match=f"THADS_BROWSER chỉ tới {re.escape(str(tmp_path))}.*không có tệp đó"):
        pdf.find_browser()
    (tmp_path / "chrome.exe").write_bytes(b"")
    assert pdf.find_browser() == tmp_path / "chrome.exe"
    monkeypatch.setenv(pdf.BROWSER, str(tmp_path))
    with pytest.raises(ThadsError, match="chỉ tới thư mục .*không phải tệp chạy được"):
        pdf.find_browser()


def test_the_browser_keeps_every_feature_playwright_turns_off():
    """Chromium keeps only the last --disable-features: ours must repeat the installed Playwright's list."""
    import playwright

    from thads import pdf

    switches = Path(playwright.__file__).parent / "driver" / "package" / "lib" / "server" / "chromium"
    listed = re.search(r"const disabledFeatures = .*?\[(.*?)\]", (switches / "chromiumSwitches.js").read_text("utf-8"),
                       re.S).group(1)
    theirs = set(re.findall(r'^\s*"(\w+)"', listed, re.M))
    (flag,) = [arg for arg in pdf.LAUNCH_ARGS if arg.startswith("--disable-features=")]
    ours = set(flag.removeprefix("--disable-features=").split(","))
    assert "Translate" in theirs and theirs <= ours and {"WebUIOmniboxPopup", "WebUIOmniboxAimPopup"} <= ours


def test_a_browser_outside_the_path_is_found_where_linux_installs_it(monkeypatch, tmp_path):
    from thads import pdf

    (tmp_path / "chromium").write_bytes(b"")
    monkeypatch.delenv(pdf.BROWSER, raising=False)
    monkeypatch.setattr(pdf.shutil, "which", lambda name: None)
    monkeypatch.setattr(pdf, "_POSIX", (str(tmp_path / "missing"), str(tmp_path / "chromium")))
    if os.name != "nt":
        assert pdf.find_browser() == tmp_path / "chromium"


def test_on_windows_edge_is_found_where_windows_installs_it(tmp_path):
    from thads import pdf

    edge = tmp_path / "Microsoft" / "Edge" / "Application" / "msedge.exe"
    places = pdf.windows_places({"PROGRAMFILES(X86)": str(tmp_path), "PROGRAMFILES": None})
    assert str(edge) in places and places[0] == str(edge)
