"""An office with only the package: what a command or a notebook says outside any project, `thads lab`, and the
README's user sections pointing at what a project made by `thads init` holds."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from thads import cli, init, lab, project
from thads.errors import ThadsError

REPO = Path(__file__).resolve().parents[1]
OUTSIDE = "Không tìm thấy thads.yml trong thư mục"


@pytest.fixture
def nowhere(tmp_path, monkeypatch) -> Path:
    """A folder with no thads.yml in it or above, as the current folder (and no THADS_PROJECT)."""
    folder = tmp_path / "trong"
    folder.mkdir()
    monkeypatch.delenv(project.ENVIRONMENT, raising=False)
    monkeypatch.chdir(folder)
    assert project.find_root() is None
    return folder


def _said(message: str, folder: Path) -> None:
    assert OUTSIDE in message and f"'{folder.resolve()}'" in message
    assert "thads --project THƯ_MỤC_DỰ_ÁN" in message and "thads init THƯ_MỤC_MỚI" in message
    assert "Không tìm thấy thư mục dữ liệu" not in message


@pytest.mark.parametrize("args", [["summary", "--period", "2024-M11", "--province", "93"], ["validate"],
                                  ["run", "--period", "2026-M12", "--province", "92", "--format", "html"]])
def test_a_command_outside_any_project_says_no_thads_yml_was_found_and_what_to_do(nowhere, capsys, args):
    assert cli.main(args) == 1
    out, err = capsys.readouterr()
    _said(err, nowhere)
    assert "papermill" in err and project.ENVIRONMENT in err and "Traceback" not in err and out == ""


def test_a_project_option_naming_a_folder_without_thads_yml_says_so(nowhere, capsys):
    assert cli.main(["--project", str(nowhere / "khong-co"), "summary", "--period", "2024-M11", "--province", "93"]) == 1
    err = capsys.readouterr().err
    _said(err, nowhere / "khong-co")
    assert "thư mục này không tồn tại" in err


def test_outside_a_project_the_data_option_and_the_provinces_list_still_work(nowhere, capsys):
    """--data names the data: no project is needed. The provinces list falls back on the shipped tables."""
    assert cli.main(["summary", "--period", "2024-M11", "--province", "93", "--data", str(REPO / "data")]) == 0
    assert '"ten_tinh": "Hậu Giang"' in capsys.readouterr().out
    assert cli.main(["provinces", "--period", "2026-M12"]) == 0
    assert capsys.readouterr().out.startswith("34 tỉnh, thành phố")
    # A data/ folder in the current folder is used as before, project or not.
    (nowhere / "data").mkdir()
    assert project.find().path("", project.find().data) == nowhere.resolve() / "data"


@pytest.mark.parametrize("kind, args", [("ProvinceReport", ("93", "2024-M11")), ("NationalReport", ("2024-M12",))])
def test_a_report_notebook_outside_any_project_says_the_same(nowhere, kind, args):
    """What the notebooks' first cell does when papermill (or a kernel) runs it outside a project."""
    from thads import report

    with pytest.raises(ThadsError) as raised:
        getattr(report, kind)(*args)
    _said(str(raised.value), nowhere)


def test_inside_a_project_nothing_changes(tmp_path, monkeypatch):
    monkeypatch.delenv(project.ENVIRONMENT, raising=False)
    (tmp_path / "thads.yml").write_text("data: du-lieu\n", "utf-8")
    (tmp_path / "notebooks").mkdir()
    where = project.find(tmp_path / "notebooks")
    assert where.path("", where.data) == tmp_path.resolve() / "du-lieu"     # missing: dataset.load names it


# thads lab ---------------------------------------------------------------------------------------------------
@pytest.fixture
def made(tmp_path, monkeypatch) -> project.Project:
    (tmp_path / "thads.yml").write_text("formats: [html]\n", "utf-8")
    (tmp_path / "notebooks").mkdir()
    monkeypatch.delenv(project.ENVIRONMENT, raising=False)
    return project.find(tmp_path)


def test_lab_opens_jupyterlab_by_this_python_on_the_project_with_its_kernel(made):
    command = lab.command(made)
    assert command[:3] == [sys.executable, "-m", "jupyterlab"]
    assert f"--ServerApp.root_dir={made.root}" in command
    assert "--MultiKernelManager.default_kernel_name=thads" in command and init.KERNEL == "thads"
    assert "--LabApp.default_url=/lab/tree/notebooks" in command
    assert "--no-browser" not in command and not any("port" in a for a in command)
    assert lab.command(made, port=9999, browser=False)[-2:] == ["--ServerApp.port=9999", "--no-browser"]


def test_lab_starts_the_server_in_the_project_after_registering_the_kernel(made, monkeypatch, capsys):
    started = {}

    class Server:
        def __init__(self, args, cwd):
            started.update(args=args, cwd=cwd)

        def wait(self):
            return 0

    monkeypatch.setattr(lab, "installed", lambda: True)
    monkeypatch.setattr(lab, "ensure_kernel", lambda: "Kernel Jupyter 'thads' đã có.")
    monkeypatch.setattr(lab.subprocess, "Popen", Server)
    monkeypatch.chdir(made.root / "notebooks")
    assert cli.main(["lab", "--no-browser", "--port", "8890"]) == 0
    assert started == {"args": lab.command(made, 8890, False), "cwd": made.root}
    assert "Kernel Jupyter 'thads' đã có." in capsys.readouterr().out


def test_lab_without_jupyterlab_says_which_pip_command_installs_it(made, monkeypatch, capsys):
    monkeypatch.setattr(lab, "find_spec", lambda name: None)
    monkeypatch.setattr(lab.subprocess, "Popen", lambda *a, **k: pytest.fail("started without JupyterLab"))
    assert cli.main(["--project", str(made.root), "lab"]) == 1
    err = capsys.readouterr().err
    assert "JupyterLab chưa được cài" in err and "[lab]" in err
    assert 'python -m pip install -c requirements.lock "thads-reports[lab]"' in err


def test_lab_outside_any_project_says_no_thads_yml_was_found(nowhere, monkeypatch, capsys):
    monkeypatch.setattr(lab.subprocess, "Popen", lambda *a, **k: pytest.fail("started outside a project"))
    assert cli.main(["lab"]) == 1
    _said(capsys.readouterr().err, nowhere)


# The README an office reads ----------------------------------------------------------------------------------
def _office_sections() -> str:
    """The README's user sections: what an office reads (everything before the developers' section)."""
    text = (REPO / "README.md").read_text("utf-8")
    return text.split("\n## Dành cho nhóm phát triển", 1)[0].split("\n## ", 1)[1]


def test_every_docs_page_the_readme_names_is_in_a_new_project():
    named = set(re.findall(r"docs/([\w-]+\.md)", (REPO / "README.md").read_text("utf-8")))
    assert {"du-lieu.md", "loi-van.md"} <= named
    for page in named:
        assert (init.TEMPLATE / "docs" / page).is_file(), page


def test_the_readme_user_sections_need_nothing_but_the_package():
    text = _office_sections()
    for repository_only in ("make ", ".venv/bin/", "-c requirements.lock thads_reports", "environment.yml"):
        assert repository_only not in text, repository_only
    assert "thads lab" in text and "thads-reports[lab]" in text and "thads init" in text
    assert "pip install -c requirements.lock" in text


@pytest.mark.slow   # a kernel: make test
def test_papermill_outside_any_project_says_no_thads_yml_was_found(nowhere):
    done = subprocess.run([sys.executable, "-m", "papermill", str(REPO / "notebooks" / "province_report.ipynb"),
                           str(nowhere / "out.ipynb"), "-k", "python3"], capture_output=True, text=True, timeout=300,
                          cwd=nowhere)
    assert done.returncode != 0
    said = " ".join(done.stderr.split())
    assert OUTSIDE in said and "thads init THƯ_MỤC_MỚI" in said and "Không tìm thấy thư mục dữ liệu" not in said
