"""Wording templates as report inputs: the files behind a report's sentences are named in its record and report.log,
recorded with their content hash in inputs.json, a changed template remakes exactly the reports that used it, a
template error fails its report alone with file and line, and `thads validate` renders the project's templates."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest

from thads import checks, cli, dataset, inputs, parts, run
from thads.periods import Period
from thads.wording import PACKAGE

ROOT = Path(__file__).resolve().parents[1]
NAME = "tinh/ket-qua-viec.md.j2"


def sha(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# --- the staleness rule ------------------------------------------------------------------------------------------

@pytest.fixture
def templates(tmp_path) -> Path:
    folder = tmp_path / "du-an" / "templates"
    (folder / "tinh").mkdir(parents=True)
    return folder


def recorded(folder: Path, name: str = NAME) -> list[dict]:
    """What inputs.json records of template `name` as it resolves now through the project's folder, then the
    package's."""
    search = [str(folder), str(PACKAGE)]
    found = inputs.resolve_template(name, search)
    return [{"name": name, "search": search, "file": str(found), "sha256": sha(found)}]


def test_a_recorded_template_that_resolves_to_the_same_content_is_current(templates):
    made = recorded(templates)                       # the package's file: the project has none
    assert not inputs.templates_changed(made)
    (templates / NAME).write_bytes((PACKAGE / NAME).read_bytes())
    assert not inputs.templates_changed(made)           # a copy with the same words hides it: same report
    assert not inputs.templates_changed([])             # a report that used no template


def test_a_project_file_newly_hiding_the_packages_template_makes_the_report_stale(templates):
    made = recorded(templates)
    (templates / NAME).write_text("Lời văn riêng của dự án.\n", "utf-8")
    assert inputs.templates_changed(made)


def test_an_edited_or_removed_project_template_makes_the_report_stale(templates):
    (templates / NAME).write_text("Lời văn riêng của dự án.\n", "utf-8")
    made = recorded(templates)
    assert made[0]["file"] == str(templates / NAME) and not inputs.templates_changed(made)
    (templates / NAME).write_text("Lời văn đã sửa.\n", "utf-8")
    assert inputs.templates_changed(made)
    (templates / NAME).write_text("Lời văn riêng của dự án.\n", "utf-8")
    assert not inputs.templates_changed(made)           # the edit undone: the report is current again
    (templates / NAME).unlink()                      # the package's words are used again
    assert inputs.templates_changed(made)


def test_nothing_recorded_or_a_broken_record_counts_as_changed(templates):
    assert inputs.templates_changed(None)
    assert inputs.templates_changed([{"name": NAME}])
    assert inputs.templates_changed([{"name": "khong-co.md.j2", "search": [str(PACKAGE)], "sha256": "0"}])


def test_is_current_checks_the_recorded_templates(tmp_path, templates):
    job = SimpleNamespace(period=Period(2024, 11), place="93", formats=("html",), fingerprint="abc")
    folder = tmp_path / "out" / "2024-M11" / "93"
    folder.mkdir(parents=True)
    for name in ("report.ipynb", "summary.json", "report.html"):
        (folder / name).write_text("x", "utf-8")
    inputs = {"fingerprint": "abc", "formats": ["html"], "written": {}, "templates": recorded(templates)}
    (folder / "inputs.json").write_text(json.dumps(inputs), "utf-8")
    assert run.is_current(tmp_path / "out", job)
    (templates / NAME).write_text("Lời văn riêng.\n", "utf-8")
    assert not run.is_current(tmp_path / "out", job)


def test_the_templates_of_the_parts_are_collected_once_in_order(tmp_path, templates):
    package_file = str(PACKAGE / NAME)

    def part(shown, files):
        record = {"kind": "text", "templates": {"shown": shown, "files": files, "search": [str(PACKAGE)]}}
        return nbformat.v4.new_output("display_data", data={"text/html": "", parts.PART: record})

    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("", outputs=[part(["gói thads: tinh/tieu-de.md.j2"],
                                                    {"tinh/tieu-de.md.j2": str(PACKAGE / "tinh/tieu-de.md.j2")})]),
        nbformat.v4.new_code_cell("", outputs=[part([f"gói thads: {NAME}", "gói thads: chung/cum-tu.md.j2"],
                                                    {NAME: package_file,
                                                     "chung/cum-tu.md.j2": str(PACKAGE / "chung/cum-tu.md.j2")})]),
        nbformat.v4.new_code_cell("", outputs=[part(["gói thads: chung/cum-tu.md.j2"],
                                                    {"chung/cum-tu.md.j2": str(PACKAGE / "chung/cum-tu.md.j2")})]),
    ])
    shown, entries = inputs.templates_used(notebook, templates)
    assert shown == ["gói thads: tinh/tieu-de.md.j2", f"gói thads: {NAME}", "gói thads: chung/cum-tu.md.j2"]
    assert [e["name"] for e in entries] == ["tinh/tieu-de.md.j2", "chung/cum-tu.md.j2", NAME]
    entry = next(e for e in entries if e["name"] == NAME)
    # The project's folder did not exist when the report was made: it is searched anyway, before the package's.
    assert entry == {"name": NAME, "search": [str(templates), str(PACKAGE)], "file": package_file,
                     "sha256": sha(PACKAGE / NAME)}
    assert not inputs.templates_changed(entries)
    (templates / NAME).write_text("Lời văn riêng.\n", "utf-8")
    assert inputs.templates_changed(entries)


# --- thads validate ----------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sample_data():
    return dataset.load(ROOT / "data")


def project_with_templates(folder: Path) -> Path:
    """A project using the repository's sample data, with a copy of the package's templates."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "thads.yml").write_text(f"data: {(ROOT / 'data').as_posix()}\n", "utf-8")
    shutil.copytree(PACKAGE, folder / "templates")
    return folder / "templates"


def insert_line(path: Path, after: str, line: str) -> int:
    """Put `line` after the first line holding `after`; its 1-based number."""
    lines = path.read_text("utf-8").split("\n")
    at = next(i for i, text in enumerate(lines) if after in text) + 1
    lines.insert(at, line)
    path.write_text("\n".join(lines), "utf-8")
    return at + 1


def test_validate_names_the_file_and_line_of_each_template_error(tmp_path, capsys, sample_data, monkeypatch):
    folder = project_with_templates(tmp_path / "du-an")
    monkeypatch.setattr(dataset, "load", lambda *args, **kwargs: sample_data)
    syntax = insert_line(folder / NAME, "{% set v = viec %}", "{% if v.ty_le > %}x{% endif %}")
    national = insert_line(folder / "toan-quoc/ket-qua.md.j2", "{%- endmacro %}", "Toàn quốc có {{ tong_so_tinh }} tỉnh.")
    # Inside a macro: it fails only when called (a key-figures card calls it with kind and the figures).
    card = folder / "chung/the-so-lieu.md.j2"
    source = card.read_text("utf-8")
    assert "{{ r.co_dieu_kien | number }}" in source
    card.write_text(source.replace("{{ r.co_dieu_kien | number }}", "{{ r.co_dieu_kien | number }}{{ so_luong_moi }}"),
                    "utf-8")
    macro_line = next(i for i, text in enumerate(card.read_text("utf-8").split("\n"), 1) if "so_luong_moi" in text)
    (folder / "tinh" / "ket-qua-viec~ban-cu.md.j2").write_text("{% if %}\n", "utf-8")     # an update's copy: skipped

    capsys.readouterr()
    code = cli.main(["--project", str(folder.parent), "validate"])
    out, err = capsys.readouterr()
    assert code == 1 and "Traceback" not in err
    problems = [line[4:] for line in err.splitlines() if line.startswith("  - ")]
    assert f"Mẫu lời văn ({folder}) có 3 lỗi:" in err, err
    assert any(p.startswith(f"{folder / NAME}, dòng {syntax}: lỗi cú pháp mẫu lời văn") for p in problems), problems
    assert any(p.startswith(f"{folder / 'toan-quoc/ket-qua.md.j2'}, dòng {national}: tên không có trong mẫu lời văn")
               and "tong_so_tinh" in p for p in problems), problems
    assert any(p.startswith(f"{card}, dòng {macro_line}: ") and "so_luong_moi" in p for p in problems), problems
    assert not any("ban-cu" in p for p in problems)


def test_validate_accepts_the_packages_templates_and_says_so(tmp_path, capsys, sample_data, monkeypatch):
    folder = project_with_templates(tmp_path / "du-an")
    monkeypatch.setattr(dataset, "load", lambda *args, **kwargs: sample_data)
    capsys.readouterr()
    assert cli.main(["--project", str(folder.parent), "validate"]) == 0
    out, err = capsys.readouterr()
    assert err == "" and f"Mẫu lời văn hợp lệ: {len(list(PACKAGE.rglob('*.md.j2')))} tệp trong {folder}" in out


def test_without_the_sample_periods_in_the_data_the_package_sample_is_used(tmp_path, sample_data, monkeypatch):
    folder = project_with_templates(tmp_path / "du-an")
    made = []
    monkeypatch.setattr(checks, "_sample_data", lambda: made.append(1) or sample_data)
    checked, problems = checks.check_templates(folder, data=None)
    assert made == [1] and problems == [] and checked > 0
    assert checks.check_templates(tmp_path / "khong-co") == (0, [])       # no templates: nothing generated
    assert made == [1]


# --- a real batch ------------------------------------------------------------------------------------------------

def counts(stderr: str) -> tuple[int, int, int]:
    return tuple(int(n) for n in re.search(r"Đã tạo (\d+), bỏ qua (\d+), lỗi (\d+)\.", stderr).groups())


@pytest.mark.slow
def test_a_changed_template_remakes_exactly_the_reports_that_use_it(tmp_path):
    project = tmp_path / "du-an"
    templates = project_with_templates(project)
    shutil.copytree(ROOT / "notebooks", project / "notebooks")
    shutil.copytree(ROOT / "parameters", project / "parameters")
    (project / "thads.yml").write_text(f"data: {(ROOT / 'data').as_posix()}\nformats: [html]\n", "utf-8")
    (project / "parameters" / "hai-bao-cao.yml").write_text(
        "reports:\n  - {periods: [2024-M11], provinces: [93]}\n  - {periods: [2024-M12], report: national}\n", "utf-8")
    out = project / "outputs"
    province, national = out / "2024-M11" / "93", out / "2024-M12" / "toan-quoc"

    def batch(*extra):
        return subprocess.run([sys.executable, "-m", "thads", "run", "parameters/hai-bao-cao.yml", "--date",
                               "2024-10-15", "--jobs", "2", *extra], cwd=project, capture_output=True, text=True,
                              timeout=900)

    first = batch()
    assert first.returncode == 0 and counts(first.stderr) == (2, 0, 0), first.stderr
    log = (province / "report.log").read_text("utf-8")
    listed = log.split("Mẫu lời văn đã dùng:\n", 1)[1]
    assert f"  templates/{NAME}\n" in listed and "  templates/chung/cum-tu.md.j2\n" in listed
    assert "toan-quoc/" not in listed
    national_log = (national / "report.log").read_text("utf-8")
    assert "  templates/toan-quoc/ket-qua.md.j2\n" in national_log and NAME not in national_log
    made = json.loads((province / "inputs.json").read_text("utf-8"))["templates"]
    entry = next(e for e in made if e["name"] == NAME)
    assert entry["file"] == str(templates / NAME) and entry["sha256"] == sha(templates / NAME)
    assert entry["search"] == [str(templates), str(PACKAGE)]

    original = (templates / NAME).read_text("utf-8")
    sentence = "Đây là câu thử nghiệm của chuyên viên."
    (templates / NAME).write_text(f"{original.rstrip()}\n\n{sentence}\n", "utf-8")
    edited = batch()
    assert edited.returncode == 0 and counts(edited.stderr) == (1, 1, 0), edited.stderr
    assert sentence in (province / "report.html").read_text("utf-8")

    (templates / NAME).write_text(original, "utf-8")
    undone = batch()
    assert undone.returncode == 0 and counts(undone.stderr) == (1, 1, 0), undone.stderr
    assert sentence not in (province / "report.html").read_text("utf-8")
    assert counts(batch().stderr) == (0, 2, 0)

    # A syntax error fails the province's report alone, naming the file and line; the national overview is made.
    (templates / NAME).write_text("{% if %}\n" + original, "utf-8")
    broken = batch("--force")
    assert broken.returncode == 1 and counts(broken.stderr) == (1, 0, 1), broken.stderr
    assert "Traceback" not in broken.stderr
    failure = next(line for line in broken.stderr.splitlines() if line.startswith("Lỗi 2024-M11 93"))
    assert f"{templates / NAME}, dòng 1: lỗi cú pháp mẫu lời văn" in failure, failure
    assert (province / "report.failed.log").is_file() and (province / "report.html").is_file()
