"""A `thads init` project's own wording, end to end through the `thads` command: a sentence edited in the project's
templates/ shows in HTML, PDF and Word and undoing it remakes the report without --force; a province variant notebook
with a `%%report_text` cell and a template folder of its own (`r.use_templates`) changes that province's report only;
a template with a syntax error or an unknown name fails its report with file and line, and `thads validate` finds
both. Every test runs the installed command in a project made outside this checkout (docs/loi-van.md)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import docx
import nbformat
import pytest
from bs4 import BeautifulSoup
from pypdf import PdfReader

from tests import support

PERIOD = "2024-M11"
ORIGINAL = "Tính từ ngày 01/10/2023 đến ngày 31/08/2024"
EDITED = "Từ ngày 01/10/2023 đến ngày 31/08/2024"
RESULTS = "templates/tinh/ket-qua-viec.md.j2"
MONEY = "templates/tinh/ket-qua-tien.md.j2"
OWN_PARAGRAPH = "Đoạn riêng của Tỉnh Hậu Giang: tỷ lệ về việc 76,97%."


# --- helpers -----------------------------------------------------------------------------------------------------

def thads(project: Path, *args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    """`thads ARGS` run inside `project` (found by its thads.yml, not by a THADS_PROJECT of the caller)."""
    # COLUMNS: the summary table's lines are not wrapped
    return support.thads(*args, cwd=project, timeout=timeout, env={"THADS_PROJECT": None, "COLUMNS": "250"})


def output(done: subprocess.CompletedProcess) -> str:
    return done.stdout + "\n" + done.stderr


def counts(done: subprocess.CompletedProcess) -> tuple[int, int, int]:
    """(made, skipped, failed) of a `thads run`: "Đã tạo N, bỏ qua M, lỗi K." """
    found = re.search(r"Đã tạo (\d+), bỏ qua (\d+), lỗi (\d+)\.", output(done))
    assert found, output(done)[-3000:]
    return tuple(int(n) for n in found.groups())


def new_project(folder: Path) -> Path:
    made = subprocess.run([sys.executable, "-m", "thads", "init", str(folder)], capture_output=True, text=True,
                          timeout=300, env={k: v for k, v in os.environ.items() if k != "THADS_PROJECT"})
    assert made.returncode == 0, output(made)[-3000:]
    assert (folder / "thads.yml").is_file() and (folder / RESULTS).is_file()
    return folder


def html_text(path: Path) -> str:
    text = " ".join(BeautifulSoup(path.read_text("utf-8"), "html.parser").get_text(" ").split())
    return unicodedata.normalize("NFC", text)


PAGE_NUMBER = re.compile(r"^\s*\d+\s*\n|\n\s*\d+\s*$")     # a page's number, alone on its line


def pdf_text(path: Path) -> str:
    """Every page's text read on across page breaks, each page's number left out (as tests/test_report.py)."""
    pages = [PAGE_NUMBER.sub("", page.extract_text() or "") for page in PdfReader(path).pages]
    return unicodedata.normalize("NFC", " ".join(" ".join(page.split()) for page in pages))


def docx_text(path: Path) -> str:
    """The body's text in reading order, paragraphs and table cells (as tests/test_word.py)."""
    texts = []
    for block in docx.Document(str(path)).iter_inner_content():
        if hasattr(block, "rows"):
            texts += [cell.text for row in block.rows for cell in row.cells]
        else:
            texts.append(block.text)
    return unicodedata.normalize("NFC", " ".join(" ".join(texts).split()))


def texts(folder: Path, formats=("html", "pdf", "docx")) -> dict[str, str]:
    read = {"html": html_text, "pdf": pdf_text, "docx": docx_text}
    return {kind: read[kind](folder / f"report.{kind}") for kind in formats}


# --- one project for the first two tests -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A project made by `thads init` once, outside this checkout."""
    return new_project(tmp_path_factory.mktemp("thads-du-an") / "bao-cao")


@pytest.mark.slow
def test_a_sentence_changed_in_a_project_template_shows_in_every_format_and_undoing_it_remakes_the_report(project):
    report = project / "outputs" / PERIOD / "93"
    command = ("run", "--period", PERIOD, "--province", "93", "--date", "2024-09-26", "--format", "html,pdf,docx")

    first = thads(project, *command)
    assert first.returncode == 0 and counts(first) == (1, 0, 0), output(first)[-3000:]
    for kind, text in texts(report).items():
        assert ORIGINAL in text, kind

    template = project / RESULTS
    original = template.read_bytes()
    assert "Tính từ ngày" in original.decode("utf-8")
    template.write_bytes(original.decode("utf-8").replace("Tính từ ngày", "Từ ngày").encode("utf-8"))

    # No --force: the changed template is an input. Named with --project from outside it, while the caller's
    # THADS_PROJECT names another project (this checkout): the batch tells the report's kernel which project it is.
    edited = support.thads("--project", project, *command, cwd=project.parent, timeout=900,
                           env={"THADS_PROJECT": str(support.ROOT), "COLUMNS": "250"})
    assert edited.returncode == 0 and counts(edited) == (1, 0, 0), output(edited)[-3000:]
    for kind, text in texts(report).items():
        assert EDITED in text and ORIGINAL not in text, (kind, text[:3000])

    template.write_bytes(original)
    undone = thads(project, *command)
    assert undone.returncode == 0 and counts(undone) == (1, 0, 0), output(undone)[-3000:]
    for kind, text in texts(report).items():
        assert ORIGINAL in text, (kind, text[:3000])

    again = thads(project, *command)
    assert again.returncode == 0 and counts(again) == (0, 1, 0), output(again)[-3000:]

    log = (report / "report.log").read_text("utf-8")
    assert RESULTS in log, log[-3000:]


@pytest.mark.slow
def test_a_province_variant_with_a_templated_cell_and_its_own_templates_changes_that_province_only(project):
    notebooks = project / "notebooks"
    notebook = nbformat.read(notebooks / "province_report.ipynb", as_version=4)
    at = next(i for i, cell in enumerate(notebook.cells)
              if cell.cell_type == "code" and "r = ProvinceReport(" in cell.source)
    notebook.cells[at + 1:at + 1] = [
        nbformat.v4.new_code_cell('r.use_templates("templates/hau-giang")'),
        nbformat.v4.new_code_cell("%%report_text\n"
                                  "Đoạn riêng của {{ tinh.full_name }}: tỷ lệ về việc {{ viec.ty_le | percent }}."),
    ]
    variant = notebooks / "province_report.hau-giang.ipynb"
    nbformat.write(notebook, variant)
    own = project / "templates" / "hau-giang" / "tinh" / "ket-qua-tien.md.j2"
    own.parent.mkdir(parents=True)
    money = (project / MONEY).read_text("utf-8")
    assert "Về tiền," in money
    own.write_text(money.replace("Về tiền,", "Riêng về tiền,"), "utf-8")

    try:
        hau_giang = thads(project, "run", "--period", PERIOD, "--province", "93", "--date", "2024-09-26",
                          "--format", "html,pdf,docx")
        assert hau_giang.returncode == 0 and counts(hau_giang) == (1, 0, 0), output(hau_giang)[-3000:]
        soc_trang = thads(project, "run", "--period", PERIOD, "--province", "94", "--date", "2024-09-26",
                          "--format", "html")
        assert soc_trang.returncode == 0 and counts(soc_trang) == (1, 0, 0), output(soc_trang)[-3000:]
    finally:
        variant.unlink()                     # the module's project is back to the shipped notebook
        shutil.rmtree(own.parent.parent)

    made = project / "outputs" / PERIOD / "93"
    assert "province_report.hau-giang.ipynb" in (made / "report.log").read_text("utf-8")
    for kind, text in texts(made).items():
        assert OWN_PARAGRAPH in text and "Riêng về tiền," in text, (kind, text[:4000])
        assert "%%report_text" not in text and "{{" not in text and "{%" not in text, kind

    other = project / "outputs" / PERIOD / "94"
    assert "province_report.ipynb" in (other / "report.log").read_text("utf-8")
    text = texts(other, ("html",))["html"]
    assert "Về tiền," in text
    assert "Đoạn riêng của" not in text and "Riêng về tiền," not in text
    assert "%%report_text" not in text and "{{" not in text and "{%" not in text


# --- a separate project whose templates are broken ---------------------------------------------------------------

def failure_lines(text: str, name: str, line: int) -> list[str]:
    """The lines naming template `name` (relative to the project or as an absolute path) and its line `line`."""
    return [found for found in text.splitlines() if re.search(rf"{re.escape(name)}, dòng {line}\b", found)]


@pytest.mark.slow
def test_broken_templates_fail_the_report_with_file_and_line_and_validate_finds_both(tmp_path_factory):
    project = new_project(tmp_path_factory.mktemp("thads-mau-loi") / "bao-cao")
    units, other = "templates/tinh/don-vi.md.j2", "templates/tinh/cong-tac-khac.md.j2"
    units_original = (project / units).read_text("utf-8")
    other_original = (project / other).read_text("utf-8")
    (project / units).write_text("{% if %}\n" + units_original, "utf-8")
    (project / other).write_text(other_original.rstrip() + "\n{{ viec.khong_co }}\n", "utf-8")
    unknown_line = len((project / other).read_text("utf-8").splitlines())      # the last line: the unknown name
    command = ("run", "--period", PERIOD, "--province", "93", "--format", "html")

    syntax = thads(project, *command)
    text = output(syntax)
    assert syntax.returncode == 1 and counts(syntax) == (0, 0, 1), text[-3000:]
    assert failure_lines(text, units, 1), text[-3000:]
    assert "Traceback" not in text, text[-3000:]

    (project / units).write_text(units_original, "utf-8")
    unknown = thads(project, *command)
    text = output(unknown)
    assert unknown.returncode == 1 and counts(unknown) == (0, 0, 1), text[-3000:]
    assert failure_lines(text, other, unknown_line), text[-3000:]
    assert "Traceback" not in text, text[-3000:]

    (project / units).write_text("{% if %}\n" + units_original, "utf-8")
    checked = thads(project, "validate")
    text = output(checked)
    assert checked.returncode != 0, text[-3000:]
    assert failure_lines(text, units, 1) and failure_lines(text, other, unknown_line), text[-3000:]
    assert "Traceback" not in text, text[-3000:]
