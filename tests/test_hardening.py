"""Hardening, round 3: a clerk's edits kept by every export path, a time limit that covers the export, outputs too
long for a report, a locked Word file, a full disk or temporary folder, `thads init` on what is not a project
folder, the terminal, notes with images, size caps, notes no report reads, and dates written one way only.

Unit tests unless marked slow (real kernels, a browser, nbconvert's command line: make test)."""

from __future__ import annotations

import base64
import errno
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import nbformat
from docx import Document
import pytest
from traitlets.config import Config

from thads import batch, cli, dataset, engine, files, outputs, index, init, notes, parts, project, run, signing, word
from thads.errors import DataError, OverTime, ThadsError, check_time
from thads.exporters import Export
from thads.folder import ReportFolder
from thads.kinds import Subject
from thads.periods import Period, parse_day
from thads.units import Units, organised_on

from tests.support import notebooks_with, thads

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
P11 = Period.parse("2024-M11")


def sha(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def ran_notebook(*outputs) -> nbformat.NotebookNode:
    """A notebook that ran (it recorded a report's figures), with a cell showing `outputs`."""
    notebook = run._empty_notebook()
    notebook.cells.append(nbformat.v4.new_code_cell("for i in range(60000):\n    print(i)", outputs=list(outputs)))
    return notebook


def report_folder(tmp_path: Path) -> Path:
    """A report folder as `thads run` leaves it: a notebook, a Word file and inputs.json recording its checksum."""
    folder = tmp_path / "outputs" / "2024-M11" / "93"
    folder.mkdir(parents=True)
    nbformat.write(ran_notebook(), folder / "report.ipynb")
    (folder / "report.docx").write_bytes(b"ban van thu da sua")
    (folder / "inputs.json").write_text(json.dumps({"fingerprint": "x", "formats": ["html", "docx"],
                                                    "written": {"report.docx": "0" * 64}}), "utf-8")
    return folder


# --- 3. a clerk's edits are never overwritten by an export ----------------------------------------------------------

def test_thads_export_into_a_report_folder_keeps_the_clerks_word_file_and_marks_the_report_stale(tmp_path, capsys):
    folder = report_folder(tmp_path)
    edited = (folder / "report.docx").read_bytes()
    assert cli.main(["export", str(folder / "report.ipynb"), "--format", "html,docx"]) == 0
    assert (folder / "report.docx").read_bytes() == edited                    # the clerk's file, as it was
    made = json.loads((folder / "inputs.json").read_text("utf-8"))
    assert made["docx"] == "report.new.docx" and made["written"]["report.new.docx"] == sha(folder / "report.new.docx")
    assert made["written"]["report.docx"] == "0" * 64 and made["fingerprint"] == ""     # thads run makes it again
    assert (folder / "report.html").is_file()
    # Exported again: report.new.docx was the tool's own (its checksum recorded), so it is replaced, not kept.
    assert cli.main(["export", str(folder / "report.ipynb"), "--format", "docx", "--out", str(folder)]) == 0
    assert not (folder / "report.new-2.docx").exists() and (folder / "report.docx").read_bytes() == edited
    elsewhere = tmp_path / "ban-xuat"
    assert cli.main(["export", str(folder / "report.ipynb"), "--format", "html,docx", "--out", str(elsewhere)]) == 0
    assert sorted(p.name for p in elsewhere.iterdir()) == ["report.docx", "report.html"]


@pytest.mark.parametrize("exporter, suffix", [("ReportHTMLExporter", ".html"), ("ReportDOCXExporter", ".docx")])
def test_the_nbconvert_exporters_write_into_a_report_folder_under_the_clerks_rule(tmp_path, exporter, suffix):
    from thads import exporters

    folder = report_folder(tmp_path)
    edited = (folder / "report.docx").read_bytes()
    notebook = nbformat.read(folder / "report.ipynb", as_version=4)
    made = getattr(exporters, exporter)

    def convert(config=None, **resources):
        return made(config=Config(config or {})).from_notebook_node(notebook, resources=resources)[1]

    # `jupyter nbconvert` gives its resources a unique_key, and writes beside the notebook unless told otherwise.
    beside = {"unique_key": "report", "metadata": {"path": str(folder), "name": "report"}}
    resources = convert(**beside)
    kept = "report.new" if suffix == ".docx" else "report"        # an edited Word file is kept: nbconvert is told
    assert resources["unique_key"] == kept and (folder / f"{kept}{suffix}").is_file()
    assert (folder / "report.docx").read_bytes() == edited
    assert json.loads((folder / "inputs.json").read_text("utf-8"))["fingerprint"] == ""
    resources = convert(unique_key=str(folder / "report"), metadata={"path": str(tmp_path)})   # --output there
    assert resources["unique_key"] == str(folder / kept)
    elsewhere = tmp_path / "khac"
    assert convert({"FilesWriter": {"build_directory": str(elsewhere)}}, **beside)["unique_key"] == "report"
    assert not elsewhere.exists()                                 # nbconvert's own writer makes that file
    convert({"NbConvertApp": {"writer_class": "StdoutWriter"}}, **beside)       # --stdout writes no file
    convert(metadata={"path": str(folder), "name": "report"})                   # JupyterLab: a download


@pytest.mark.slow
def test_jupyter_nbconvert_keeps_a_clerks_word_file(tmp_path):
    folder = report_folder(tmp_path)
    before = (folder / "report.docx").read_bytes()
    done = subprocess.run([str(BIN / "jupyter"), "nbconvert", "--to", "thads_docx", str(folder / "report.ipynb")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert (folder / "report.docx").read_bytes() == before
    assert Document(folder / "report.new.docx").paragraphs is not None
    made = json.loads((folder / "inputs.json").read_text("utf-8"))
    assert made["written"]["report.new.docx"] == sha(folder / "report.new.docx") and made["fingerprint"] == ""


# --- 7. long outputs, a linear Word builder, a time limit over the export ------------------------------------------

def test_long_outputs_are_folded_in_every_format_and_the_log_says_so():
    lines = [f"dòng {i}\n" for i in range(60_000)]
    flushes = [nbformat.v4.new_output("stream", name="stdout", text="".join(lines[i:i + 100]))
               for i in range(0, len(lines), 100)]          # one output per flush, as a kernel sends them
    huge_html = nbformat.v4.new_output("display_data", data={"text/html": "<p>x</p>" * (3 * 2**20),
                                                             "text/plain": "<IPython.core.display.HTML object>"})
    notebook = ran_notebook(*flushes, huge_html)
    shown, said = outputs.limited(notebook)
    assert len(notebook.cells[-1].outputs) == 601                      # the notebook given is left as it was
    stream, html = shown.cells[-1].outputs
    assert stream.text.count("\n") <= outputs.OUTPUT_LINES and "dòng 0\n" in stream.text and "dòng 59999\n" in stream.text
    assert "bỏ bớt 58.100 dòng ở giữa" in stream.text and "text/html" not in html.data
    assert any(m.startswith("ô 2 («for i in range(60000):»): rút gọn kết quả in ra dài 60.000 dòng") for m in said)
    assert any("bỏ kết quả dạng text/html (24 MB)" in m for m in said)
    assert outputs.limited(shown) == (shown, [])                        # folded once, never again
    made = Export(notebook)
    page, hidden = made.page, made.hidden
    assert "bỏ bớt 58.100 dòng ở giữa" in page and "dòng 59999" in page and "dòng 30000\n" not in page
    assert any("rút gọn kết quả in ra" in m for m in hidden)
    from docx import Document

    document = Document(io.BytesIO(Export(notebook).build("docx")))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "bỏ bớt 58.100 dòng ở giữa" in text and "dòng 59999" in text and "dòng 30000\n" not in text


def test_a_progress_bar_shows_as_a_terminal_shows_it():
    bar = nbformat.v4.new_output("stream", name="stdout", text="10%\r50%\r100%\nxong\r\n")
    shown, said = outputs.limited(ran_notebook(bar))
    assert shown.cells[-1].outputs[0].text == "100%\nxong\n" and said == []


def test_the_word_builder_takes_time_linear_in_the_printed_lines():
    def seconds(count: int) -> float:
        writer = word._Writer()
        text = "".join(f"dòng {i}\tgiá trị\n" for i in range(count))
        started = time.perf_counter()
        writer.text(text)
        return time.perf_counter() - started, writer

    small, _ = seconds(15_000)
    large, writer = seconds(60_000)
    assert large < 30 and large < 10 * max(small, 0.05)      # quadratic: 16 times; before, 60 000 lines took 92 s
    body = writer.doc.element.body
    assert len(body) < 10                                     # one paragraph for the whole output, not one per line
    assert len(body.xpath(".//w:br")) == 59_999 and len(body.xpath(".//w:tab")) == 60_000


def test_the_export_stops_at_the_reports_deadline():
    with pytest.raises(OverTime) as caught:
        word.to_docx(ran_notebook(), deadline=time.monotonic() - 1)
    message = run._failure(caught.value, False, 20)
    assert message.startswith("quá thời gian cho phép (20 giây, tính cả phần xuất báo cáo) trước bước xuất DOCX")
    check_time(None, "xuất HTML")
    check_time(time.monotonic() + 60, "xuất HTML")


@pytest.mark.slow
def test_the_time_limit_covers_the_export_and_long_outputs_are_folded(tmp_path):
    out = tmp_path / "out"
    started = time.monotonic()
    done = thads("run", "--period", "2024-M11", "--province", "93", "--format", "html,docx", "--jobs", "1",
                 "--timeout", "60", "--out", str(out),
                 "--notebooks", str(notebooks_with(tmp_path, "for i in range(60000):\n    print('dòng', i)")))
    assert done.returncode == 0, done.stderr
    assert time.monotonic() - started < 60 + engine.GRACE + 60           # the batch's own start-up besides
    log = (out / "2024-M11" / "93" / "report.log").read_text("utf-8")
    assert "rút gọn kết quả in ra dài 60.000 dòng" in log
    assert "bỏ bớt" in (out / "2024-M11" / "93" / "report.html").read_text("utf-8")


@pytest.mark.slow
def test_a_hundred_megabytes_printed_end_within_the_limit_and_leave_no_huge_failed_notebook(tmp_path):
    out = tmp_path / "out"
    started = time.monotonic()
    done = thads("run", "--period", "2024-M11", "--province", "93", "--format", "html,docx", "--jobs", "1",
                 "--timeout", "20", "--out", str(out),
                 "--notebooks", str(notebooks_with(tmp_path, "print('x' * 100_000_000)")))
    elapsed = time.monotonic() - started
    assert "Traceback" not in done.stderr
    assert elapsed < 20 + engine.GRACE + 60, elapsed
    folder = out / "2024-M11" / "93"
    if done.returncode == 0:
        assert "rút gọn kết quả in ra" in (folder / "report.log").read_text("utf-8")
        assert (folder / "report.html").stat().st_size < 5 * 2**20
    else:
        assert "quá thời gian cho phép (20 giây" in " ".join(done.stderr.split())
        failed = folder / "report.failed.ipynb"
        assert not failed.exists() or failed.stat().st_size < 5 * 2**20


# --- a locked Word file, a damaged inputs.json ---------------------------------------------------------------------

def test_a_word_file_locked_during_a_rebuild_is_recorded_under_the_name_the_new_one_got(tmp_path, monkeypatch):
    final, work = tmp_path / "2024-M11" / "93", tmp_path / "work"
    final.mkdir(parents=True)
    work.mkdir()
    (final / "report.docx").write_bytes(b"lan 1")
    before = {"report.docx": sha(final / "report.docx")}
    real_replace = os.replace

    def locked(source, target):     # Windows refuses to replace a file Word has open
        if Path(target) == final / "report.docx":
            raise PermissionError(errno.EACCES, "The process cannot access the file", str(target))
        real_replace(source, target)

    (work / "report.docx").write_bytes(b"lan 2")
    inputs = {"fingerprint": "f", "written": {**before, "report.docx": sha(work / "report.docx")},
              "docx": "report.docx"}
    places = {"report.docx": ReportFolder(final).place("docx", before)}
    monkeypatch.setattr(os, "replace", locked)
    messages = ReportFolder(final).commit(work, ["report.docx"], places, inputs, before)
    monkeypatch.setattr(os, "replace", real_replace)
    assert len(messages) == 1 and "report.new.docx" in messages[0]
    assert inputs["docx"] == "report.new.docx" and inputs["fingerprint"] == ""
    assert inputs["written"] == {"report.docx": before["report.docx"], "report.new.docx": sha(final / "report.new.docx")}
    (final / "inputs.json").write_text(json.dumps(inputs), "utf-8")
    assert ("DOCX", "report.new.docx") in index._links(final)[0]     # the index links the new file

    # Word closed: the next rebuild replaces report.docx (nobody edited it) and removes the copy beside it.
    written = ReportFolder(final).recorded()["written"]
    assert ReportFolder(final).place("docx", written) == "report.docx"
    (work / "report.docx").write_bytes(b"lan 3")
    inputs = {"fingerprint": "f", "written": {**written, "report.docx": sha(work / "report.docx")},
              "docx": "report.docx"}
    assert ReportFolder(final).commit(work, ["report.docx"], {"report.docx": "report.docx"}, inputs, written) == []
    assert (final / "report.docx").read_bytes() == b"lan 3" and not (final / "report.new.docx").exists()
    assert inputs["written"] == {"report.docx": sha(final / "report.docx")} and inputs["docx"] == "report.docx"


def test_a_copy_beside_a_word_file_the_clerk_edited_stays(tmp_path):
    final, work = tmp_path / "f", tmp_path / "w"
    final.mkdir()
    work.mkdir()
    (final / "report.docx").write_bytes(b"van thu sua")
    (work / "report.docx").write_bytes(b"ban moi")
    written = {"report.docx": "0" * 64}
    place = ReportFolder(final).place("docx", written)
    assert place == "report.new.docx"
    inputs = {"fingerprint": "f", "written": {**written, place: sha(work / "report.docx")}, "docx": place}
    assert ReportFolder(final).commit(work, ["report.docx"], {"report.docx": place}, inputs, written) == []
    assert (final / "report.docx").read_bytes() == b"van thu sua" and (final / "report.new.docx").read_bytes() == \
        b"ban moi"


@pytest.mark.parametrize("content", ['{"docx": 5}', '{"written": []}', '{"formats": "html"}', '{"written": {"a": 1}}',
                                     '{"docx": "../../x.docx"}', "[1, 2]", "{", "\udcff"])
def test_a_damaged_inputs_json_is_as_if_there_were_none(tmp_path, content):
    job = run.Job("province", P11, Subject("93", "Hậu Giang", "Tỉnh Hậu Giang"), ROOT / "notebooks" /
                  "province_report.ipynb", ("html", "docx"), fingerprint="f")
    folder = run.output_folder(tmp_path, job)
    folder.mkdir(parents=True)
    (folder / "inputs.json").write_text(content, "utf-8", errors="surrogateescape")
    assert ReportFolder(folder).recorded() == {}
    assert run.is_current(tmp_path, job) is False
    (folder / "report.docx").write_bytes(b"x")
    assert ReportFolder(folder).place("docx", ReportFolder(folder).recorded().get("written", {})) == "report.new.docx"   # kept, unknown


# --- a full disk, a full temporary folder ------------------------------------------------------------------------------

def failing_notebook(tmp_path: Path, content: bytes | None) -> tuple[Path, Path, run.Outcome]:
    work, final = tmp_path / "work", tmp_path / "final"
    work.mkdir()
    if content is not None:
        (work / "report.ipynb").write_bytes(content)
    return work, final, run.Outcome("2024-M11", "93", "Hậu Giang", "failed", message="lỗi cố ý")


def keep_failed(work: Path, final: Path, cells: list, outcome: run.Outcome) -> None:
    kept = ReportFolder(final).keep_failed(work, cells, outcome.message)
    outcome.files = [str(kept)] if kept else []


@pytest.mark.parametrize("content", [b"", b'{"cells": [{"cell_type": "code", "sou', None])
def test_a_cut_notebook_is_never_kept_as_the_failed_one(tmp_path, content):
    cells = [nbformat.v4.new_code_cell("print(1)", outputs=[nbformat.v4.new_output("stream", name="stdout",
                                                                                      text="1\n")])]
    work, final, outcome = failing_notebook(tmp_path, content)
    keep_failed(work, final, cells, outcome)
    kept = nbformat.read(final / "report.failed.ipynb", as_version=4)     # whole: the cells that had started
    assert kept.cells[0].source == "print(1)" and "lỗi cố ý" in kept.cells[-1].source
    shutil.rmtree(tmp_path)
    tmp_path.mkdir()
    work, final, outcome = failing_notebook(tmp_path, content)
    keep_failed(work, final, [], outcome)
    assert not (final / "report.failed.ipynb").exists() and outcome.files == []


def test_a_full_disk_leaves_no_failed_notebook_at_all(tmp_path, monkeypatch):
    work, final, outcome = failing_notebook(tmp_path, b"{")
    real_open = files.open_for_writing

    class Full(io.RawIOBase):
        def __init__(self, handle):
            self.handle = handle

        def write(self, data):
            self.handle.write(bytes(data)[:10])
            raise OSError(errno.ENOSPC, "No space left on device")

        def close(self):
            self.handle.close()

    monkeypatch.setattr(files, "open_for_writing", lambda path, **kw: Full(real_open(path, **kw)))
    with pytest.raises(ThadsError, match="ổ đĩa đã đầy|thư mục tạm"):
        keep_failed(work, final, [nbformat.v4.new_code_cell("print(1)")], outcome)
    assert not (final / "report.failed.ipynb").exists() and not list(final.glob(".*.tmp"))


def test_a_long_failed_notebook_is_folded(tmp_path):
    notebook = ran_notebook(nbformat.v4.new_output("stream", name="stdout", text="x\n" * 3_000_000))
    work, final, outcome = failing_notebook(tmp_path, nbformat.writes(notebook).encode())
    keep_failed(work, final, [], outcome)
    kept = final / "report.failed.ipynb"
    assert kept.stat().st_size < 300_000 and "bỏ bớt" in kept.read_text("utf-8")
    nbformat.read(kept, as_version=4)


def test_a_full_temporary_folder_is_named_as_such(tmp_path, monkeypatch):
    temporary = tmp_path / "tam"
    temporary.mkdir()
    monkeypatch.setattr(files, "temp_folder", lambda: temporary)
    message = files.describe(OSError(errno.ENOSPC, "No space left on device"), temporary / "thads-print-1" / "page.html")
    assert f"thư mục tạm {temporary} đã đầy" in message and "TMPDIR" in message
    assert "thư mục tạm" not in files.describe(OSError(errno.ENOSPC, "x"), tmp_path / "outputs" / "x")
    # A write that failed names no file: the temporary folder is named when it is the one without room.
    monkeypatch.setattr(files.shutil, "disk_usage", lambda path: shutil._ntuple_diskusage(10, 10, 0))
    assert f"thư mục tạm {temporary} đã đầy" in run._failure(OSError(errno.ENOSPC, "No space left"), False, None)
    monkeypatch.setattr(files.shutil, "disk_usage", lambda path: shutil._ntuple_diskusage(10**12, 0, 10**12))
    assert "'thư mục kết quả': ổ đĩa đã đầy" in run._failure(OSError(errno.ENOSPC, "No space left"), False, None)


# --- thads init -----------------------------------------------------------------------------------------------------------

def test_init_on_a_file_is_refused_clearly(tmp_path, capsys):
    taken = tmp_path / "bao-cao"
    taken.write_text("một tệp", "utf-8")
    for args in (["init", str(taken)], ["init", "--update", str(taken)]):
        assert cli.main(args) == 1
        assert f"'{taken}' là một tệp, không phải thư mục" in capsys.readouterr().err
    assert taken.read_text("utf-8") == "một tệp"


@pytest.fixture(scope="module")
def made_project(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("du-an") / "bao-cao"
    init.create(folder)
    return folder


@pytest.mark.parametrize("manifest", ['{"files": [1, 2], "notebooks": "x", "version": 3}', "[1]", "{",
                                      '{"files": {"notebooks/province_report.ipynb": ["a"]}, "notebooks": {"x": 5}}'])
def test_init_update_reads_a_manifest_of_wrong_types_as_none(made_project, tmp_path, manifest):
    folder = tmp_path / "bao-cao"
    shutil.copytree(made_project, folder, symlinks=True)
    (folder / ".thads" / "manifest.json").write_text(manifest, "utf-8")
    lines = init.update(folder)
    assert any("không có gì thay đổi" in line for line in lines)
    json.loads((folder / ".thads" / "manifest.json").read_text("utf-8"))["files"]     # written anew, whole


@pytest.mark.parametrize("linked", ["notebooks", "templates/tinh", ".thads"])
def test_init_update_never_writes_through_a_link_out_of_the_project(made_project, tmp_path, capsys, linked):
    folder, outside = tmp_path / "bao-cao", tmp_path / "ngoai"
    shutil.copytree(made_project, folder, symlinks=True)
    shutil.move(folder / linked, outside)
    (folder / linked).symlink_to(outside, target_is_directory=True)
    for path in outside.rglob("*"):
        if path.is_file():
            path.unlink()
    assert cli.main(["init", "--update", str(folder)]) == 1
    assert "nằm ngoài thư mục dự án" in capsys.readouterr().err
    assert not [p for p in outside.rglob("*") if p.is_file()]


# --- the terminal, the time limit ------------------------------------------------------------------------------------------

def test_a_control_character_in_a_path_setting_is_refused_and_never_reaches_the_terminal(tmp_path, capsys):
    (tmp_path / "thads.yml").write_text('outputs: "ket-qua\\e[2J\\e[H"\n', "utf-8")
    with pytest.raises(ThadsError, match=r"outputs có ký tự điều khiển \(ket-qua\\x1b\[2J"):
        project.find(tmp_path)
    assert cli.main(["--project", str(tmp_path), "provinces", "--period", "2024-M11"]) == 1
    captured = capsys.readouterr()
    assert "\x1b" not in captured.err + captured.out and "\\x1b[2J" in captured.err


def test_paths_printed_by_export_are_escaped(tmp_path, capsys):
    notebook = tmp_path / "bao-cao.ipynb"
    nbformat.write(ran_notebook(), notebook)
    out = tmp_path / "ra\x1b[31m"
    assert cli.main(["export", str(notebook), "--format", "html", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "\x1b" not in printed and "ra\\x1b[31m" in printed


@pytest.mark.parametrize("value", ["1.0e+308", ".inf", "604801", "0", "-5", "true"])
def test_a_timeout_too_large_to_mean_anything_is_refused_like_infinity(tmp_path, value):
    (tmp_path / "thads.yml").write_text(f"timeout: {value}\n", "utf-8")
    with pytest.raises(ThadsError, match="timeout cần là số giây dương, tối đa 604800"):
        project.find(tmp_path)


@pytest.mark.parametrize("value", ["1e308", "inf", "604801"])
def test_a_timeout_option_too_large_is_refused(value, capsys):
    with pytest.raises(SystemExit) as caught:
        cli.build_parser().parse_args(["run", "--period", "2024-M11", "--timeout", value])
    assert caught.value.code == 2 and "tối đa 604800" in capsys.readouterr().err
    assert project.find(ROOT).timeout == 600


# --- notes: images, notes no report reads ----------------------------------------------------------------------------------

PNG = base64.b64encode(bytes.fromhex("89504e470d0a1a0a")).decode()


@pytest.mark.parametrize("image", [f"![biểu đồ](data:image/png;base64,{PNG})", "![ảnh](anh-chup.png)",
                                   "![ảnh][r]\n\n[r]: /home/chuyen-vien/anh.jpg"])
def test_an_image_in_a_note_is_refused_in_every_format_alike(tmp_path, image):
    (tmp_path / "2024-M11").mkdir()
    (tmp_path / "2024-M11" / "93.md").write_text(f"## Ý kiến chỉ đạo\n\nMột đoạn.\n\n{image}\n", "utf-8")
    with pytest.raises(ThadsError, match=r"93.md, dòng 5: ghi chú không chứa hình ảnh"):
        notes.load(tmp_path, P11, "93")
    assert any("ghi chú không chứa hình ảnh" in p for p in notes.check(tmp_path))


def test_a_note_with_only_text_links_and_tables_is_kept(tmp_path):
    (tmp_path / "2024-M11").mkdir()
    (tmp_path / "2024-M11" / "93.md").write_text("## Ý kiến chỉ đạo\n\n[Cổng](https://moj.gov.vn) và *chữ*.\n\n"
                                                 "| a | b |\n|---|---|\n| 1 | 2 |\n", "utf-8")
    assert "moj.gov.vn" in notes.load(tmp_path, P11, "93")["chi_dao"]


def test_validate_reports_notes_no_report_reads(hau_giang_2024, tmp_path, capsys):
    folder = tmp_path / "notes"
    good = "## Ý kiến chỉ đạo\n\nMột.\n"
    for name in ("2024-M11/93.md", "2024-M11/99.md", "2024-M11/hau-giang.md", "2024-M11/cu/93.md",
                 "2024-M11/theo-20250701/93.md", "2031-M05/92.md"):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(good, "utf-8")
    assert cli.main(["validate", "--data", str(hau_giang_2024), "--notes", str(folder)]) == 1
    captured = capsys.readouterr()
    err = " ".join(captured.err.split())
    assert "có 4 lỗi" in err
    assert "99.md: không báo cáo nào đọc ghi chú này: không có tỉnh, thành phố mã '99' tại cuối kỳ" in err
    assert "hau-giang.md: không báo cáo nào đọc ghi chú này" in err
    assert "cu/93.md: không báo cáo nào đọc tệp này" in err
    assert "theo-20250701: tên thư mục phải là theo-NĂM-THÁNG-NGÀY" in err
    assert "2031-M05: dữ liệu chưa có số liệu kỳ 2031-M05" in " ".join(captured.out.split())
    assert notes.check(folder) and not [p for p in notes.check(folder) if "99.md" in p]   # without units: no codes


# --- size caps ----------------------------------------------------------------------------------------------------------------

def test_a_statistics_file_far_too_large_is_refused_before_it_is_read(hau_giang_2024, tmp_path):
    folder = tmp_path / "data"
    shutil.copytree(hau_giang_2024, folder)
    with open(folder / "stats" / "2025.csv", "wb") as sparse:        # 2 GB of nothing, on disk in no time
        sparse.truncate(2 * 2**30)
    started = time.monotonic()
    with pytest.raises(DataError, match=r"stats/2025.csv: tệp quá lớn \(2048 MB; tối đa 200 MB\)"):
        dataset.load(folder)
    assert time.monotonic() - started < 30


def test_a_signer_name_of_200_000_characters_is_refused(tmp_path):
    path = tmp_path / "signing.yml"
    path.write_text(f"93:\n  nguoi_ky: {'A' * 200_000}\n", "utf-8")
    with pytest.raises(ThadsError, match="nguoi_ky dài 200000 ký tự; tối đa 300"):
        signing.for_report(path, "93", "")
    path.write_text("93:\n  noi_nhan: [" + ", ".join(["Lưu VT"] * 60) + "]\n", "utf-8")
    with pytest.raises(ThadsError, match="noi_nhan tối đa 50 dòng"):
        signing.for_report(path, "93", "")


def test_a_figure_of_60_by_60_inches_is_drawn_within_the_pixel_cap():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from PIL import Image

    fig, ax = plt.subplots(figsize=(60, 60))
    ax.plot([1, 2, 3])
    ax.set_title("Rất lớn")
    data, metadata = parts.figure_png(fig)
    plt.close(fig)
    width, height = Image.open(io.BytesIO(base64.b64decode(data))).size
    assert width * height <= parts.FIGURE_PIXELS * 1.05 and metadata["alt"] == "Rất lớn"
    fig, ax = plt.subplots(figsize=(7, 3))
    ax.plot([1, 2, 3])
    _, small = parts.figure_png(fig)
    plt.close(fig)
    assert small["width"] > 500                    # an ordinary figure keeps its twice-the-pixels sharpness


# --- dates: YYYY-MM-DD only, everywhere ------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["20250701", "2025-W27-2", "2025-7-1", "01/07/2025"])
def test_a_day_in_another_form_is_refused_everywhere_alike(text, capsys):
    with pytest.raises(ValueError):
        parse_day(text)
    with pytest.raises(ThadsError, match="cần dạng YYYY-MM-DD"):
        organised_on(Period.parse("2025-M09"), text)
    with pytest.raises(ThadsError, match="cần dạng YYYY-MM-DD"):
        batch.parse_date(text)
    assert cli.main(["provinces", "--period", "2025-M09", "--as-of", text]) == 1
    assert "cần dạng YYYY-MM-DD" in capsys.readouterr().err
    assert parse_day("2025-07-01") == parse_day(date(2025, 7, 1)) == date(2025, 7, 1)
    assert organised_on(Period.parse("2025-M09"), "2025-07-01", Units.load()) == date(2025, 7, 1)
