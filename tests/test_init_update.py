"""`thads init` and `thads init --update` for the files the package ships into a project and analysts may edit:
notebooks and wording templates, one mechanism for both, comparing content rather than bytes."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from thads import init, sample
from thads.errors import ThadsError
from thads.kinds import KINDS, Subject

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "src" / "thads" / "templates" / "project" / "notebooks"
RESULT = "Kết quả: {{ viec.xong | so }} việc.\n"
HEADING = "# Báo cáo {{ tinh.ten }}\n"


@pytest.fixture
def package(tmp_path, monkeypatch) -> dict[str, Path]:
    """The package's shipped files moved to folders a test may change: the notebooks as shipped, and two small
    wording templates, one in a subfolder. No kernel registration, no sample data: this is about the files."""
    template = tmp_path / "package" / "project"
    shutil.copytree(init.TEMPLATE, template)
    wording = tmp_path / "package" / "wording"
    (wording / "tinh").mkdir(parents=True)
    (wording / "tinh" / "ket-qua-viec.md.j2").write_text(RESULT, "utf-8")
    (wording / "tieu-de.md.j2").write_text(HEADING, "utf-8")
    monkeypatch.setattr(init, "TEMPLATE", template)
    monkeypatch.setattr(init, "WORDING", wording)
    monkeypatch.setattr(init, "ensure_kernel", lambda: "kernel")
    monkeypatch.setattr(sample, "generate", lambda folder: Path(folder).mkdir(parents=True, exist_ok=True))
    return {"notebooks": template / "notebooks", "wording": wording}


@pytest.fixture
def made(tmp_path, package) -> Path:
    folder = tmp_path / "du-an"
    init.create(folder)
    return folder


def _manifest(folder: Path) -> dict:
    return json.loads((folder / init.MANIFEST).read_text("utf-8"))


def _fix_package_notebook(package: dict[str, Path], name: str = "province_report.ipynb") -> bytes:
    """A later package version: one markdown cell of the notebook reworded."""
    path = package["notebooks"] / name
    notebook = json.loads(path.read_text("utf-8"))
    cell = next(c for c in notebook["cells"] if c["cell_type"] == "markdown")
    cell["source"] = "Bản sửa của gói.\n"
    path.write_text(json.dumps(notebook, ensure_ascii=False, indent=1) + "\n", "utf-8")
    return path.read_bytes()


def _open_and_save(path: Path) -> None:
    """What JupyterLab does to a notebook an analyst only opened, ran and saved: metadata, execution counts,
    outputs and cell ids change, and the JSON is laid out differently. The cells' content does not."""
    notebook = json.loads(path.read_text("utf-8"))
    notebook.setdefault("metadata", {})["language_info"] = {"name": "python", "version": "3.11.7",
                                                           "mimetype": "text/x-python"}
    for n, cell in enumerate(notebook["cells"]):
        cell["id"] = f"da-mo-{n}"
        cell.setdefault("metadata", {})["collapsed"] = False
        if cell["cell_type"] == "code":
            cell["execution_count"] = n + 1
            cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["đã chạy\n"]}]
        if isinstance(cell["source"], str):       # JupyterLab saves sources as lists of lines
            cell["source"] = cell["source"].splitlines(keepends=True)
    path.write_text(json.dumps(notebook, ensure_ascii=True, indent=4, sort_keys=True), "utf-8")


def test_create_copies_notebooks_and_templates_and_records_content_digests(made, package):
    assert (made / "templates" / "tinh" / "ket-qua-viec.md.j2").read_text("utf-8") == RESULT
    assert (made / "templates" / "tieu-de.md.j2").read_text("utf-8") == HEADING
    for source in package["notebooks"].glob("*.ipynb"):
        assert (made / "notebooks" / source.name).read_bytes() == source.read_bytes()
    manifest = _manifest(made)
    assert manifest["format"] == init.FORMAT
    docs = {f"docs/{p.name}" for p in (package["notebooks"].parent / "docs").glob("*.md")}
    assert "docs/du-lieu.md" in docs
    assert set(manifest["files"]) == {"notebooks/province_report.ipynb", "notebooks/national_overview.ipynb",
                                      "notebooks/office_report.ipynb", "templates/tinh/ket-qua-viec.md.j2", "templates/tieu-de.md.j2",
                                      "requirements.lock", *docs}
    assert manifest["files"]["templates/tinh/ket-qua-viec.md.j2"] == init.text_digest(RESULT.encode("utf-8"))
    # The format earlier versions read is still written: byte hashes of the notebooks.
    assert manifest["notebooks"] == {p.name: init._sha256(p) for p in package["notebooks"].glob("*.ipynb")}
    assert "không có gì thay đổi" in "\n".join(init.update(made))


def test_the_digests_see_content_only():
    notebook = {"cells": [{"cell_type": "code", "id": "a", "metadata": {"tags": ["parameters", "b"]},
                           "execution_count": None, "outputs": [], "source": "x = 1\ny = 2"}],
                "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    digest = init.notebook_digest(json.dumps(notebook).encode("utf-8"))
    saved = json.loads(json.dumps(notebook))
    saved["cells"][0].update(id="b", execution_count=3, outputs=[{"output_type": "stream", "text": "1"}],
                             source=["x = 1\n", "y = 2"], metadata={"tags": ["b", "parameters"], "x": 1})
    saved["metadata"]["language_info"] = {"name": "python"}
    assert init.notebook_digest(json.dumps(saved, indent=3).encode("utf-8")) == digest
    for change in ({"source": "x = 2\ny = 2"}, {"cell_type": "markdown"}, {"metadata": {"tags": ["parameters"]}}):
        edited = json.loads(json.dumps(notebook))
        edited["cells"][0].update(change)
        assert init.notebook_digest(json.dumps(edited).encode("utf-8")) != digest, change
    assert init.notebook_digest(b"{not json") != digest          # an unreadable notebook counts as edited
    assert init.text_digest(b"a\r\nb\r\n") == init.text_digest(b"a\nb\n") != init.text_digest(b"a\nc\n")


def test_an_opened_and_saved_notebook_still_gets_the_package_fix(made, package):
    target = made / "notebooks" / "province_report.ipynb"
    _open_and_save(target)
    fixed = _fix_package_notebook(package)

    text = "\n".join(init.update(made))

    assert "cập nhật notebooks/province_report.ipynb" in text and "giữ nguyên" not in text
    assert target.read_bytes() == fixed
    assert not (made / "notebooks" / "province_report~ban-moi.ipynb").exists()
    assert _manifest(made)["files"]["notebooks/province_report.ipynb"] == init.notebook_digest(fixed)


def test_an_opened_and_saved_notebook_is_left_alone_when_the_package_did_not_change_it(made):
    target = made / "notebooks" / "province_report.ipynb"
    _open_and_save(target)
    saved = target.read_bytes()
    assert "không có gì thay đổi" in "\n".join(init.update(made))
    assert target.read_bytes() == saved


def test_an_edited_notebook_is_kept_and_the_package_version_is_written_beside_it(made, package):
    target = made / "notebooks" / "province_report.ipynb"
    notebook = json.loads(target.read_text("utf-8"))
    cell = next(c for c in notebook["cells"] if c["cell_type"] == "code")
    cell["source"] = "# chuyên viên sửa\n" + "".join(cell["source"])
    target.write_text(json.dumps(notebook, ensure_ascii=False, indent=1), "utf-8")
    edited = target.read_bytes()
    recorded = _manifest(made)["files"]["notebooks/province_report.ipynb"]
    fixed = _fix_package_notebook(package)
    side = made / "notebooks" / "province_report~ban-moi.ipynb"
    side.write_text("an older ~ban-moi", "utf-8")

    text = "\n".join(init.update(made))

    assert target.read_bytes() == edited
    assert side.read_bytes() == fixed
    assert ("giữ nguyên notebooks/province_report.ipynb: đã được sửa sau khi tạo; bản mới của gói ghi bên cạnh ở "
            "notebooks/province_report~ban-moi.ipynb") in text
    # Still compared with what the package made, so the next package fix is offered again.
    assert _manifest(made)["files"]["notebooks/province_report.ipynb"] == recorded
    assert "notebooks/province_report~ban-moi.ipynb" not in _manifest(made)["files"]
    again = "\n".join(init.update(made))
    assert "giữ nguyên notebooks/province_report.ipynb" in again and target.read_bytes() == edited


def test_an_edited_notebook_the_package_did_not_change_is_kept_without_a_copy(made):
    target = made / "notebooks" / "national_overview.ipynb"
    notebook = json.loads(target.read_text("utf-8"))
    notebook["cells"].append({"cell_type": "markdown", "id": "x", "metadata": {}, "source": "Nhận xét riêng."})
    target.write_text(json.dumps(notebook, ensure_ascii=False), "utf-8")
    text = "\n".join(init.update(made))
    assert "giữ nguyên notebooks/national_overview.ipynb: đã được sửa" in text
    assert not (made / "notebooks" / "national_overview~ban-moi.ipynb").exists()


def test_an_unedited_template_gets_the_fix_and_an_edited_one_is_kept_with_the_new_one_beside(made, package):
    result, heading = made / "templates" / "tinh" / "ket-qua-viec.md.j2", made / "templates" / "tieu-de.md.j2"
    result.write_bytes(RESULT.replace("\n", "\r\n").encode("utf-8"))     # saved on Windows: the same text
    heading.write_text("# BÁO CÁO {{ tinh.ten }} (chuyên viên sửa)\n", "utf-8")
    (package["wording"] / "tinh" / "ket-qua-viec.md.j2").write_text("Đã xong {{ viec.xong | so }} việc.\n", "utf-8")
    (package["wording"] / "tieu-de.md.j2").write_text("# BÁO CÁO {{ tinh.ten_day_du }}\n", "utf-8")
    (package["wording"] / "chung").mkdir()
    (package["wording"] / "chung" / "cum-tu.md.j2").write_text("mới\n", "utf-8")

    text = "\n".join(init.update(made))

    assert "cập nhật templates/tinh/ket-qua-viec.md.j2" in text
    assert result.read_text("utf-8") == "Đã xong {{ viec.xong | so }} việc.\n"
    assert heading.read_text("utf-8") == "# BÁO CÁO {{ tinh.ten }} (chuyên viên sửa)\n"
    side = made / "templates" / "tieu-de~ban-moi.md.j2"
    assert side.read_text("utf-8") == "# BÁO CÁO {{ tinh.ten_day_du }}\n"
    assert "giữ nguyên templates/tieu-de.md.j2: đã được sửa" in text and "templates/tieu-de~ban-moi.md.j2" in text
    assert "thêm templates/chung/cum-tu.md.j2" in text and (made / "templates/chung/cum-tu.md.j2").is_file()


def test_the_templates_folder_thads_yml_names_is_the_one_used(made, package):
    settings = made / "thads.yml"
    settings.write_text(settings.read_text("utf-8").replace("templates: templates", "templates: loi-van"), "utf-8")
    assert "templates: loi-van" in settings.read_text("utf-8")
    text = "\n".join(init.update(made))
    assert "thêm loi-van/tinh/ket-qua-viec.md.j2" in text
    assert (made / "loi-van" / "tieu-de.md.j2").read_text("utf-8") == HEADING


def test_a_manifest_of_the_old_format_still_updates(made, package):
    notebooks = made / "notebooks"
    old = b'{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'
    (notebooks / "province_report.ipynb").write_bytes(old)
    national = notebooks / "national_overview.ipynb"
    national.write_text(national.read_text("utf-8").replace('"cells": [', '"cells": [{"cell_type": "markdown", '
                                                            '"metadata": {}, "source": "Sửa."}, ', 1), "utf-8")
    shutil.rmtree(made / "templates")              # the previous version shipped none
    (made / init.MANIFEST).write_text(json.dumps({"version": "0.0.9", "notebooks": {
        "province_report.ipynb": init._sha256(notebooks / "province_report.ipynb"),
        "national_overview.ipynb": "0" * 64}}), "utf-8")

    lines = init.update(made)

    text = "\n".join(lines)
    assert lines[0].startswith("Cập nhật notebook từ thads 0.0.9 lên")
    assert "cập nhật notebooks/province_report.ipynb" in text
    assert (notebooks / "province_report.ipynb").read_bytes() == (package["notebooks"] / "province_report.ipynb"
                                                                  ).read_bytes()
    assert "giữ nguyên notebooks/national_overview.ipynb" in text
    assert (notebooks / "national_overview~ban-moi.ipynb").is_file()
    assert "thêm templates/tieu-de.md.j2" in text
    manifest = _manifest(made)
    assert manifest["format"] == init.FORMAT and manifest["notebooks"]["national_overview.ipynb"] == "0" * 64
    assert "notebooks/national_overview.ipynb" not in manifest["files"]
    assert "templates/tinh/ket-qua-viec.md.j2" in manifest["files"]


def test_a_notebooks_folder_linked_outside_the_project_is_refused(made, tmp_path, package):
    _fix_package_notebook(package)
    outside = tmp_path / "ngoai"
    shutil.move(made / "notebooks", outside)
    (made / "notebooks").symlink_to(outside, target_is_directory=True)
    before = {p.name: p.read_bytes() for p in outside.iterdir()}
    manifest = (made / init.MANIFEST).read_bytes()
    with pytest.raises(ThadsError, match="nằm ngoài thư mục dự án"):
        init.update(made)
    assert {p.name: p.read_bytes() for p in outside.iterdir()} == before
    assert (made / init.MANIFEST).read_bytes() == manifest


def test_a_templates_folder_outside_the_project_is_refused(made, tmp_path):
    settings = made / "thads.yml"
    settings.write_text(settings.read_text("utf-8").replace("templates: templates", "templates: ../chung"), "utf-8")
    with pytest.raises(ThadsError, match="nằm ngoài thư mục dự án"):
        init.update(made)
    assert not (tmp_path / "chung").exists()


def test_a_linked_file_or_subfolder_is_refused(made, tmp_path, package):
    outside = tmp_path / "ngoai.md.j2"
    outside.write_text("không được ghi đè", "utf-8")
    target = made / "templates" / "tieu-de.md.j2"
    target.unlink()
    target.symlink_to(outside)
    (package["wording"] / "tieu-de.md.j2").write_text("bản sửa\n", "utf-8")
    with pytest.raises(ThadsError, match="liên kết"):
        init.update(made)
    assert outside.read_text("utf-8") == "không được ghi đè"
    target.unlink()
    shutil.rmtree(made / "templates" / "tinh")
    (tmp_path / "tinh-ngoai").mkdir()
    (made / "templates" / "tinh").symlink_to(tmp_path / "tinh-ngoai", target_is_directory=True)
    with pytest.raises(ThadsError, match="nằm ngoài thư mục dự án"):
        init.update(made)
    assert not any((tmp_path / "tinh-ngoai").iterdir())


def test_the_name_beside_is_never_taken_for_a_variant(tmp_path):
    assert init.beside(Path("n/province_report.ipynb"), ".ipynb") == Path("n/province_report~ban-moi.ipynb")
    assert init.beside(Path("t/tinh/ket-qua-viec.md.j2"), ".md.j2") == Path("t/tinh/ket-qua-viec~ban-moi.md.j2")
    slugs = ["ban-moi", "hau-giang", "ha-noi", "ba-ria-vung-tau", "ho-chi-minh", "1", "a"]
    for kind in KINDS.values():
        shared = tmp_path / kind.notebook
        shared.write_text("{}", "utf-8")
        side = init.beside(shared, ".ipynb")
        side.write_text("{}", "utf-8")
        suffix, stem = shared.suffix, shared.name[:-len(shared.suffix)]
        variant = re.compile(rf"{re.escape(stem)}\.[a-z0-9-]+{re.escape(suffix)}")
        assert "~" in side.name and not variant.fullmatch(side.name)
        for slug in slugs:
            assert kind.variant(tmp_path, Subject("x", "X", "X", slug)) == shared, (kind.name, slug)


# The user documentation and the pinned versions travel with the package -------------------------------------
def test_create_copies_the_documentation_and_the_pins_into_the_project(made, package):
    """An office with only the package: README's "xem docs/du-lieu.md" and `pip install -c requirements.lock`
    name files of the project."""
    shipped = package["notebooks"].parent
    for page in (shipped / "docs").glob("*.md"):
        assert (made / "docs" / page.name).read_bytes() == page.read_bytes(), page.name
    assert (made / "docs" / "du-lieu.md").is_file() and (made / "docs" / "README.md").is_file()
    assert (made / init.PINS).read_bytes() == (shipped / init.PINS).read_bytes()
    assert "pandas==" in (made / init.PINS).read_text("utf-8")
    manifest = _manifest(made)
    assert manifest["files"]["docs/du-lieu.md"] == init.text_digest((shipped / "docs" / "du-lieu.md").read_bytes())
    assert manifest["files"][init.PINS] == init.text_digest((shipped / init.PINS).read_bytes())


def test_update_fixes_unedited_pages_keeps_edited_ones_and_adds_new_ones(made, package):
    docs, shipped = made / "docs", package["notebooks"].parent / "docs"
    (docs / "ky-bao-cao.md").write_bytes((docs / "ky-bao-cao.md").read_bytes().replace(b"\n", b"\r\n"))   # Windows
    (docs / "du-lieu.md").write_text("# Dữ liệu\n\nGhi chú riêng của văn phòng.\n", "utf-8")
    (shipped / "ky-bao-cao.md").write_text("# Kỳ báo cáo (bản mới)\n", "utf-8")
    (shipped / "du-lieu.md").write_text("# Dữ liệu (bản mới)\n", "utf-8")
    (shipped / "cai-dat.md").write_text("# Cài đặt\n", "utf-8")

    text = "\n".join(init.update(made))

    assert "cập nhật docs/ky-bao-cao.md" in text and (docs / "ky-bao-cao.md").read_text("utf-8") == "# Kỳ báo cáo (bản mới)\n"
    assert "giữ nguyên docs/du-lieu.md: đã được sửa" in text and "docs/du-lieu~ban-moi.md" in text
    assert (docs / "du-lieu.md").read_text("utf-8") == "# Dữ liệu\n\nGhi chú riêng của văn phòng.\n"
    assert (docs / "du-lieu~ban-moi.md").read_text("utf-8") == "# Dữ liệu (bản mới)\n"
    assert "thêm docs/cai-dat.md" in text and (docs / "cai-dat.md").is_file()
    assert init.PINS not in text.split("Cập nhật notebook", 1)[1].split("\n", 1)[1]   # the pins did not change
    # Once more: nothing new; the edited page is still kept.
    again = "\n".join(init.update(made))
    assert "cập nhật docs" not in again and "giữ nguyên docs/du-lieu.md" in again


def test_update_brings_new_pins_and_says_how_to_install_them(made, package):
    pins = package["notebooks"].parent / init.PINS
    pins.write_text(pins.read_text("utf-8").replace("pandas==2.3.3", "pandas==2.3.4"), "utf-8")
    text = "\n".join(init.update(made))
    assert f"cập nhật {init.PINS}" in text and "pandas==2.3.4" in (made / init.PINS).read_text("utf-8")
    assert f'python -m pip install -c {init.PINS} "thads-reports[lab]"' in text
