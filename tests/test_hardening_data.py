"""Hardening round 3, the data a report quotes: control characters in the signing file, a note or a units name
(`thads validate` names them; the Word file drops them and says so), a picture Word cannot take (the cell is named),
ranks while a province's data are incomplete (never ranked, N without it, named under the rank table) and a batch
file asking for a report twice (the later entry makes it; inputs.json names the notebook)."""

import io
import json
import logging
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from docx import Document
from markupsafe import Markup

from thads import batch, checks, cli, dataset, markdown, metrics, notes, parts, signing, units, word
from thads.errors import ThadsError
from thads.periods import Period
from thads.units import Units

from tests.support.ranking import independent_ranks

ROOT = Path(__file__).resolve().parents[1]
CONTROL = "\x01\x1b\x0b"


# Control characters: `thads validate` ---------------------------------------------------------------------------
SIGNING = """# người ký
mac-dinh:
  noi_nhan:
    - Như trên;
"93":
  nguoi_ky: "Lê Phước\\x01 Toàn"
  chuc_vu: "KT. CỤC TRƯỞNG\\nPHÓ CỤC\\e TRƯỞNG"
  noi_nhan:
    - Tổng cục Thi hành án dân sự;
    - "Lưu:\\vVT, VP."
"""


def test_validate_names_the_line_and_field_of_control_characters_in_the_signing_file(tmp_path):
    path = tmp_path / "signing.yml"
    path.write_text(SIGNING, "utf-8")
    found = signing.check(path)
    assert found == [
        f"{path}, dòng 6, mục 93, nguoi_ky: có ký tự điều khiển \\x01 (thường do chép từ phần mềm khác): tệp Word "
        "không chứa được ký tự này, báo cáo sẽ bỏ nó đi; hãy xóa nó.",
        f"{path}, dòng 7, mục 93, chuc_vu: có ký tự điều khiển \\x1b (thường do chép từ phần mềm khác): tệp Word "
        "không chứa được ký tự này, báo cáo sẽ bỏ nó đi; hãy xóa nó.",
        f"{path}, dòng 10, mục 93, noi_nhan: có ký tự điều khiển \\x0b (thường do chép từ phần mềm khác): tệp Word "
        "không chứa được ký tự này, báo cáo sẽ bỏ nó đi; hãy xóa nó."]
    # A report still reads the file (the characters reach the Word step, which drops them).
    assert signing.for_report(path, "93", "").nguoi_ky == "Lê Phước\x01 Toàn"
    # Written as they are (YAML refuses them unescaped): the line and its key, not a YAML position.
    path.write_text('"93":\n  nguoi_ky: Lê Phước\x1b Toàn\n', "utf-8")
    assert signing.check(path) == [f"{path}, dòng 2, nguoi_ky: có ký tự điều khiển \\x1b (thường do chép từ phần mềm "
                                   "khác): tệp Word không chứa được ký tự này, báo cáo sẽ bỏ nó đi; hãy xóa nó."]
    # What a report would refuse is listed too; a clean file or none at all gives nothing.
    path.write_text('"93":\n  ky: x\n', "utf-8")
    assert signing.check(path) == [f"{path}, mục 93: dùng các khóa nguoi_ky, chuc_vu, noi_nhan."]
    assert signing.check(ROOT / "parameters" / "signing.yml") == [] and signing.check(tmp_path / "none.yml") == []


def test_validate_names_the_line_and_section_of_control_characters_in_a_note(tmp_path):
    note = tmp_path / "notes" / "2024-M11" / "93.md"
    note.parent.mkdir(parents=True)
    note.write_text("## Ý kiến chỉ đạo\n\nTập trung\x1b[31m thi hành\n\n## Nhiệm vụ, giải pháp\n\n- Rà soát\x0b hồ sơ\n",
                    "utf-8")
    found = checks.note_characters(tmp_path / "notes")
    assert [line.split(": có ký tự")[0] for line in found] == [f"{note}, dòng 3, mục 'Ý kiến chỉ đạo'",
                                                              f"{note}, dòng 7, mục 'Nhiệm vụ, giải pháp'"]
    assert "\\x1b" in found[0] and "\\x0b" in found[1] and "\x1b" not in "".join(found)
    assert notes.check(tmp_path / "notes") == []          # the note itself is valid: only its characters are not
    assert checks.note_characters(tmp_path / "none") == []


def units_folder(tmp_path: Path) -> Path:
    """The shipped units tables, with control characters in one office's name and one province's full name."""
    folder = tmp_path / "units"
    folder.mkdir(parents=True)
    for name in ("provinces.csv", "offices.csv"):
        shutil.copy(units.SHIPPED / name, folder / name)
    offices = (folder / "offices.csv").read_text("utf-8").splitlines()
    at = next(i for i, line in enumerate(offices) if line.startswith("932,"))      # Châu Thành A, Hậu Giang
    offices[at] = offices[at].replace("huyện Châu Thành A", "huyện Châu\x0bThành A", 1)
    (folder / "offices.csv").write_text("\n".join(offices) + "\n", "utf-8")
    provinces = (folder / "provinces.csv").read_text("utf-8").splitlines()
    line = next(i for i, text in enumerate(provinces) if text.startswith("93,"))
    provinces[line] = provinces[line].replace("Tỉnh Hậu Giang", "Tỉnh Hậu\x01 Giang", 1)
    (folder / "provinces.csv").write_text("\n".join(provinces) + "\n", "utf-8")
    return folder, at + 1, line + 1


def test_validate_names_the_file_line_and_column_of_control_characters_in_units_names(tmp_path):
    folder, office_line, province_line = units_folder(tmp_path)
    found = [str(p) for p in units.name_problems(folder)]
    assert [p.split(": có ký tự")[0] for p in found] == [f"units/provinces.csv, dòng {province_line}, cột ten_day_du",
                                                         f"units/offices.csv, dòng {office_line}, cột ten"]
    assert "\\x01" in found[0] and "\\x0b" in found[1]
    assert Units.load(folder).office("932", Period.parse("2024-M11").end).name.endswith("Châu\x0bThành A")
    assert units.name_problems(units.SHIPPED) == [] and units.name_problems(tmp_path / "none") == []


def test_thads_validate_lists_them_all_and_fails(hau_giang_2024, tmp_path, capsys):
    project = tmp_path / "project"
    shutil.copytree(hau_giang_2024, project / "data")
    units_folder(project / "data")
    (project / "thads.yml").write_text("data: data\n", "utf-8")
    (project / "parameters").mkdir()
    (project / "parameters" / "signing.yml").write_text(SIGNING, "utf-8")
    note = project / "parameters" / "notes" / "2024-M11" / "93.md"
    note.parent.mkdir(parents=True)
    note.write_text("## Công tác khác\n\nTiếp\x1b dân\n", "utf-8")
    assert cli.main(["--project", str(project), "validate"]) == 1
    err = capsys.readouterr().err
    assert err.count("Lỗi: ") == 6 and "\x1b" not in err and "\x01" not in err
    for where in ("signing.yml, dòng 6, mục 93, nguoi_ky", "units/offices.csv, dòng", "93.md, dòng 3, mục 'Công tác khác'"):
        assert where in err, where


# Control characters: the Word file survives them ----------------------------------------------------------------
def header_record(agency: str) -> dict:
    return {"kind": "header", "parent_agency": "TỔNG CỤC THI HÀNH ÁN DÂN SỰ", "agency": agency, "agency_lines": [agency],
            "number_label": "Số:", "symbol": "BC-CTHADS", "place_date": "Hậu\x01 Giang, ngày 26 tháng 9 năm 2024",
            "kind_line": "BÁO CÁO", "subject": "Kết quả 11 tháng năm 2024", "sample": "", "missing": ""}


def test_a_word_file_drops_control_characters_and_says_so(tmp_path, caplog):
    path = tmp_path / "signing.yml"
    path.write_text(SIGNING, "utf-8")
    chosen = signing.for_report(path, "93", "")
    signature = parts.block("signature", "signature.html.j2", chuc_vu=chosen.chuc_vu, nguoi_ky=chosen.nguoi_ky,
                            noi_nhan=list(chosen.noi_nhan), noi_nhan_label="Nơi nhận:").record
    text = "Tập trung\x1b thi hành\x01 dứt điểm."
    note = parts.note("Ý kiến chỉ đạo", text, Markup(markdown.to_html(text))).record
    table = parts.table(["Đơn vị", "Việc"], [["Chi cục THADS huyện Châu\x0bThành A", "1.234"]], [False, True],
                        caption="Kết quả theo đơn vị").record
    cells = [nbformat.v4.new_code_cell("r.part()", outputs=[nbformat.v4.new_output(
        "display_data", data={parts.PART: record, "text/html": "<p>x</p>"})])
        for record in (header_record("CỤC THADS TỈNH HẬU\x0b GIANG"), table, note, signature)]
    cells.append(nbformat.v4.new_markdown_cell("## Ghi\x0c chú\n\nÔ của chuyên viên\x01 có `mã\x1b`."))
    cells.append(nbformat.v4.new_code_cell("print(x)", outputs=[nbformat.v4.new_output("stream", name="stdout",
                                                                                      text="in\x1b ra\n")]))
    with caplog.at_level(logging.WARNING, logger="thads.word"):
        doc = Document(io.BytesIO(word.to_docx(nbformat.v4.new_notebook(cells=cells))))
    shown = "\n".join([p.text for p in doc.paragraphs] +
                      [c.text for t in doc.tables for row in t.rows for c in row.cells])
    assert not any(c in shown for c in CONTROL + "\x0c")
    for words in ("Lê Phước Toàn", "PHÓ CỤC TRƯỞNG", "Lưu: VT, VP.", "Tập trung thi hành dứt điểm.",
                  "Châu Thành A", "HẬU  GIANG", "Ô của chuyên viên có", "in ra"):
        assert words in shown, words
    [message] = [r.getMessage() for r in caplog.records if r.name == "thads.word"]
    assert "tệp Word: đã bỏ" in message and "\\x01" in message and "\\x1b" in message and "\\x0b" in message
    assert "thads validate" in message
    caplog.clear()
    word.to_docx(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("Sạch.")]))
    assert not caplog.records                              # nothing dropped, nothing said


def image_cell(source: str, data: dict, metadata: dict | None = None):
    return nbformat.v4.new_code_cell(source, outputs=[nbformat.v4.new_output("display_data", data=data,
                                                                             metadata=metadata or {})])


def test_a_picture_word_cannot_take_names_its_cell():
    import base64

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), "white").save(buffer, "PNG")
    good = base64.b64encode(buffer.getvalue()).decode()
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# Báo cáo"),
        nbformat.v4.new_code_cell("1 + 1", metadata={"tags": ["remove_cell"]}),      # counted as the analyst counts
        image_cell("display(Image(data, width='50%'))", {"image/png": good}, {"image/png": {"width": "50%"}})])
    with pytest.raises(ThadsError, match=r"^ô 3 \(«display\(Image\(data, width='50%'\)\)»\): không đưa được hình vào "
                                         r"Word: độ rộng hình '50%' không phải số"):
        word.to_docx(notebook)
    notebook.cells[2] = image_cell("Image('hong.png')", {"image/png": good[:40]})
    with pytest.raises(ThadsError, match=r"^ô 3 \(«Image\('hong.png'\)»\): không đưa được hình vào Word: hình không "
                                         r"đọc được .*cần ảnh PNG hoặc JPEG hợp lệ\. Sửa ô đó"):
        word.to_docx(notebook)
    notebook.cells[2] = image_cell("Image('x.jpg')", {"image/jpeg": "không phải base64!"})
    with pytest.raises(ThadsError, match=r"^ô 3 \(«Image\('x.jpg'\)»\): không đưa được hình vào Word"):
        word.to_docx(notebook)
    notebook.cells[2] = image_cell("display(Image(data, width=300))", {"image/png": good}, {"image/png": {"width": 300}})
    assert Document(io.BytesIO(word.to_docx(notebook))).inline_shapes[0].width == int(300 / 96 * 914400)


# Ranks while a province's data are incomplete ---------------------------------------------------------------------
P12 = Period.parse("2026-M12")
CAN_THO = "92"


@pytest.fixture(scope="module")
def partial(tmp_path_factory):
    """The sample's statistical year 2026 with Cần Thơ's 12-month rows of every office but its provincial one
    taken out: 1 of its 15 offices reported for 2026-M12."""
    folder = tmp_path_factory.mktemp("partial") / "data"
    (folder / "stats").mkdir(parents=True)
    for name in ("targets.csv", "dataset.yml"):
        shutil.copy(ROOT / "data" / name, folder / name)
    stats = pd.read_csv(ROOT / "data" / "stats" / "2026.csv", dtype=str, keep_default_na=False)
    gone = (stats["nam"] == "2026") & (stats["thang"] == "12") & (stats["tinh"] == CAN_THO) & (stats["don_vi"] != CAN_THO)
    assert gone.sum() == 14
    stats[~gone].to_csv(folder / "stats" / "2026.csv", index=False)
    return dataset.load(folder)


def test_a_province_missing_most_offices_is_not_ranked_and_n_counts_the_ranked(partial):
    day = P12.end
    assert metrics.coverage(partial, P12, day) == (34, 34)         # every province has data...
    assert metrics.incomplete(partial, P12, day) == [metrics.LeftOut(CAN_THO, "thành phố Cần Thơ", 1, 15)]
    can_tho = metrics.key_figures(partial, partial.units.province(CAN_THO, day), P12)
    assert can_tho.xep_thu is None and can_tho.ngoai_xep_hang == []          # ...but Cần Thơ's are incomplete
    assert can_tho.don_vi_thieu_so_lieu and len(can_tho.don_vi_thieu_so_lieu) == 14
    summaries = {p.code: metrics.summary(partial, p, P12) for p in partial.units.provinces_on(day)
                 if p.code != CAN_THO}
    assert len(summaries) == 33
    for s in summaries.values():
        assert s["ngoai_xep_hang"] == [{"ma": CAN_THO, "ten": "thành phố Cần Thơ", "co_so_lieu": 1, "don_vi": 15}]
        assert s["xep_thu"]["viec_ty_le"]["tren"] == 33
    for key in [f"{kind}_{figure}" for kind, figure in metrics.RANKED]:
        expected = independent_ranks(summaries, key)                 # the 33 complete provinces, ranked here
        assert {code: (s["xep_thu"][key]["hang"], s["xep_thu"][key]["tren"]) for code, s in summaries.items()
                if key in s["xep_thu"]} == expected, key
    # The month before, every office of Cần Thơ reported: it is ranked among the 34.
    before = Period.parse("2026-M11")
    assert metrics.incomplete(partial, before, before.end) == []
    assert metrics.ranks(partial, partial.units.province(CAN_THO, before.end), before, before.end)["viec_ty_le"].tren == 34


def test_the_national_ranking_leaves_the_incomplete_province_out_and_names_it(partial):
    national = metrics.national_summary(partial, P12)
    assert CAN_THO not in {r["ma"] for r in national["xep_hang"]} and len(national["xep_hang"]) == 33
    assert [r["hang"] for r in national["xep_hang"]] == list(range(1, 34))
    assert national["ngoai_xep_hang"] == [{"ma": CAN_THO, "ten": "thành phố Cần Thơ", "co_so_lieu": 1, "don_vi": 15}]
    # The country's own figures still sum every office that reported.
    assert national["viec"]["phai_thi_hanh"] == int(metrics.national_totals(partial, P12)["viec_phai_thi_hanh"])


def test_the_rank_table_names_the_provinces_left_out(partial, monkeypatch):
    from thads.report import NationalReport, ProvinceReport

    monkeypatch.chdir(ROOT)
    data = str(partial.folder)
    table = ProvinceReport("01", P12.code, data_dir=data).rank_table().record
    assert table["caption"] == "Vị trí của thành phố Hà Nội trong 33 tỉnh, thành phố năm 2026"
    assert table["note"].endswith("Không xếp hạng thành phố Cần Thơ (có số liệu của 1/15 đơn vị): chưa có số liệu kỳ "
                                  "này của mọi đơn vị.")
    own = ProvinceReport(CAN_THO, P12.code, data_dir=data).rank_table().record
    assert own["kind"] == "text" and own["blocks"][0]["markdown"] == (
        "Không xếp thứ so với các tỉnh, thành phố: thư mục dữ liệu chưa có số liệu kỳ này của 14 đơn vị của thành "
        "phố Cần Thơ.")
    national = NationalReport(P12.code, data_dir=data).ranking_table().record
    assert len(national["rows"]) == 33 and "Không xếp hạng thành phố Cần Thơ (có số liệu của 1/15" in national["note"]


# A batch file asking for a report twice -------------------------------------------------------------------------
@pytest.fixture()
def notebooks(tmp_path):
    for name in ("province_report.ipynb", "province_report.dac-biet.ipynb", "national_overview.ipynb"):
        (tmp_path / name).write_text("{}", "utf-8")
    return tmp_path


def test_the_later_entry_makes_a_report_two_entries_ask_for(notebooks, tmp_path):
    path = tmp_path / "batch.yml"
    path.write_text("reports:\n"
                    "  - {periods: [2026-M12], provinces: all, formats: [html, pdf, docx], date: 2026-10-15}\n"
                    "  - {periods: [2026-M12], provinces: [92], notebook: province_report.dac-biet.ipynb, "
                    "formats: [html], date: 2026-10-20}\n"
                    "  - {report: national, periods: [2026-M12]}\n", "utf-8")
    jobs = batch.plan(Units.load(), batch.load_requests(path, ("html", "pdf")), notebooks)
    assert len(jobs) == 34 + 1
    by_code = {job.folder: job for job in jobs}
    can_tho = by_code["92"]
    assert (can_tho.notebook.name, can_tho.formats, can_tho.report_date, can_tho.named) == (
        "province_report.dac-biet.ipynb", ("html",), "2026-10-20", True)
    assert {(j.notebook.name, j.formats, j.report_date) for code, j in by_code.items() if code not in ("92", "toan-quoc")} \
        == {("province_report.ipynb", ("html", "pdf", "docx"), "2026-10-15")}
    # The report keeps its place in the order of the first entry (provinces by code).
    assert [j.folder for j in jobs][:34] == [p.code for p in Units.load().provinces_on(P12.end)]


def test_the_rule_is_the_order_of_the_entries_not_which_is_narrower(notebooks):
    specific = batch.Request((P12,), ("92",), ("docx",), notebook="province_report.dac-biet.ipynb")
    every = batch.Request((P12,), ("all",), ("html",))
    made = {j.folder: j for j in batch.plan(Units.load(), [specific, every], notebooks)}
    assert (made["92"].notebook.name, made["92"].formats, made["92"].named) == ("province_report.ipynb", ("html",), False)
    # One entry naming a province twice makes it once.
    twice = batch.plan(Units.load(), [batch.Request((P12,), ("92", "can-tho", "Cần Thơ"), ("html",))], notebooks)
    assert [j.folder for j in twice] == ["92"]


def test_the_shipped_batch_file_says_which_entry_makes_a_report():
    shipped = (ROOT / "parameters" / "year-end-2026.yml").read_text("utf-8")
    assert "A report asked for by two entries is made once, as the later entry says" in shipped
    assert shipped == (ROOT / "src" / "thads" / "templates" / "project" / "parameters" / "year-end-2026.yml"
                       ).read_text("utf-8")


@pytest.mark.slow
def test_inputs_json_names_the_notebook_and_a_word_file_survives_a_control_character(tmp_path):
    """A real batch: Hậu Giang asked for twice (the later entry with its own notebook and Word), Sóc Trăng once; a
    note with an escape character."""
    notebooks = tmp_path / "notebooks"
    shutil.copytree(ROOT / "notebooks", notebooks)
    shutil.copy(notebooks / "province_report.ipynb", notebooks / "province_report.dac-biet.ipynb")
    note_folder = tmp_path / "notes"
    shutil.copytree(ROOT / "parameters" / "notes", note_folder)
    note = note_folder / "2024-M11" / "93.md"
    note.write_text(note.read_text("utf-8").replace("## Ý kiến chỉ đạo\n", "## Ý kiến chỉ đạo\n\nChỉ đạo\x1b[31m quyết "
                                                    "liệt.\n", 1), "utf-8")
    path = tmp_path / "batch.yml"
    path.write_text("reports:\n"
                    "  - {periods: [2024-M11], provinces: [93, 94], formats: [html]}\n"
                    "  - {periods: [2024-M11], provinces: [93], notebook: province_report.dac-biet.ipynb, "
                    "formats: [html, docx]}\n", "utf-8")
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "thads", "run", str(path), "--out", str(out), "--notebooks",
                           str(notebooks), "--notes", str(note_folder), "--jobs", "2"], cwd=ROOT, capture_output=True,
                          text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    inputs = {code: json.loads((out / "2024-M11" / code / "inputs.json").read_text("utf-8")) for code in ("93", "94")}
    assert inputs["93"]["notebook"] == "province_report.dac-biet.ipynb"
    assert inputs["94"]["notebook"] == "province_report.ipynb"
    assert (out / "2024-M11" / "93" / "report.docx").is_file() and not (out / "2024-M11" / "94" / "report.docx").exists()
    doc = Document(out / "2024-M11" / "93" / "report.docx")
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Chỉ đạo[31m quyết liệt." in text and "\x1b" not in text
    assert "tệp Word: đã bỏ 1 ký tự Word không nhận (\\x1b)" in done.stderr
