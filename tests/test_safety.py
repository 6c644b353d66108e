"""Small hostile inputs and the file system, without a kernel: links where the tool writes, names that would
become paths, control characters on the terminal, YAML that expands, notes and workbooks that cost too
much, and every error path a user can reach."""

import errno
import io
import os
import re
import shutil
import zipfile
from functools import partial
from pathlib import Path

import openpyxl
import pytest

from thads import batch, dataset, files, index, markdown, notes, project
from thads.errors import Problem, ThadsError, visible
from thads.periods import Period
from thads.units import Units

from tests import support

ROOT = Path(__file__).resolve().parents[1]
thads = partial(support.thads, timeout=120)


# --- the file system ---------------------------------------------------------------------------------------

def test_a_link_where_the_tool_writes_is_refused_and_its_target_untouched(tmp_path):
    target = tmp_path / "precious.txt"
    target.write_text("giữ nguyên", "utf-8")
    link = tmp_path / "index.html"
    link.symlink_to(target)
    with pytest.raises(ThadsError, match="liên kết .symlink."):
        files.write_whole(link, "ghi đè")
    with pytest.raises(ThadsError, match="liên kết .symlink."):
        files.open_for_writing(link)
    assert target.read_text("utf-8") == "giữ nguyên" and link.is_symlink()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.html", "precious.txt"]   # no temporary left


def test_the_lock_and_the_index_are_never_written_through_a_link(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    target = tmp_path / "elsewhere"
    target.write_text("x", "utf-8")
    (out / ".lock").symlink_to(target)
    with pytest.raises(ThadsError, match=r"\.lock.*liên kết"):
        with batch.OutputLock(out):
            pass
    (out / ".lock").unlink()
    (out / "index.html").symlink_to(target)
    with pytest.raises(ThadsError, match=r"index\.html.*liên kết"):
        index.write(out)
    assert target.read_text("utf-8") == "x"


def test_paths_stay_inside_the_output_folder(tmp_path):
    assert files.inside(tmp_path, tmp_path / "2024-M11" / "93") == tmp_path / "2024-M11" / "93"
    with pytest.raises(ThadsError, match="nằm ngoài thư mục kết quả"):
        files.inside(tmp_path, tmp_path / "2024-M11" / ".." / ".." / "etc")
    (tmp_path / "2024-M11").symlink_to("/tmp")
    with pytest.raises(ThadsError, match="nằm ngoài thư mục kết quả"):
        files.inside(tmp_path, tmp_path / "2024-M11" / "93")


@pytest.mark.parametrize("number, words", [(errno.ENOSPC, "ổ đĩa đã đầy"), (errno.EROFS, "chỉ cho đọc"),
                                           (errno.EACCES, "không có quyền ghi"), (errno.ENOTDIR, "không phải thư mục")])
def test_what_the_file_system_refuses_is_said_in_words(number, words):
    assert words in files.describe(OSError(number, os.strerror(number)), "/x")


def test_an_output_folder_that_is_a_file_is_refused_clearly(tmp_path):
    taken = tmp_path / "outputs"
    taken.write_text("tệp, không phải thư mục", "utf-8")
    done = thads("run", "--period", "2024-M11", "--province", "93", "--out", str(taken))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"'{taken}' là một tệp, không phải thư mục" in done.stderr
    assert taken.read_text("utf-8") == "tệp, không phải thư mục"


def test_the_index_passes_over_what_is_not_a_report(tmp_path):
    good = tmp_path / "2024-M11" / "93"
    good.mkdir(parents=True)
    (good / "report.html").write_text("<html></html>", "utf-8")
    (good / "summary.json").write_text('{"viec": "không phải số"}', "utf-8")
    (tmp_path / "2024-M11" / "ghi-chu").mkdir()
    (tmp_path / "2024-M11" / "ghi-chu" / "report.html").write_text("x", "utf-8")
    warnings = []
    page = index.render(tmp_path, warnings.append)
    assert "2024-M11/93/report.html" in page and "ghi-chu" not in page
    assert any("summary.json" in w and "tệp hỏng" in w for w in warnings)
    assert any("ghi-chu" in w and "không phải thư mục báo cáo" in w for w in warnings)


# --- names that become paths, and the units folder ----------------------------------------------------------

@pytest.mark.parametrize("column, value, words", [
    ("ma", "../../x", "units/provinces.csv, dòng 2, cột ma: mã '../../x' không hợp lệ"),
    ("hieu_luc_den", "30/06/2025", "units/provinces.csv, dòng 2, cột hieu_luc_den: ngày '30/06/2025' không hợp lệ"),
    ("slug", None, "units/provinces.csv: thiếu cột slug"),
])
def test_a_units_folder_with_problems_gets_a_message_naming_file_line_and_column(tmp_path, column, value, words):
    units = tmp_path / "units"
    shutil.copytree(ROOT / "src" / "thads" / "shipped_units", units)
    lines = (units / "provinces.csv").read_text("utf-8").splitlines()
    header = lines[0].split(",")
    if value is None:
        lines = [",".join(c for i, c in enumerate(line.split(",")) if i != header.index(column)) for line in lines]
    else:
        cells = lines[1].split(",")
        cells[header.index(column)] = value
        lines[1] = ",".join(cells)
    (units / "provinces.csv").write_text("\n".join(lines) + "\n", "utf-8")
    with pytest.raises(ThadsError) as caught:
        Units.load(units)
    assert words in str(caught.value)


def test_an_office_code_that_could_be_a_path_is_refused(tmp_path):
    units = tmp_path / "units"
    shutil.copytree(ROOT / "src" / "thads" / "shipped_units", units)
    text = (units / "offices.csv").read_text("utf-8").replace("\n930,", "\n../930,", 1)
    (units / "offices.csv").write_text(text, "utf-8")
    with pytest.raises(ThadsError, match=r"units/offices.csv, dòng \d+, cột ma: mã '../930' không hợp lệ"):
        Units.load(units)


# --- the terminal -------------------------------------------------------------------------------------------

def test_control_characters_from_a_data_file_are_shown_not_obeyed(hau_giang_2024, tmp_path):
    folder = tmp_path / "data"
    shutil.copytree(hau_giang_2024, folder)
    stats = folder / "stats" / "2024.csv"
    lines = stats.read_text("utf-8").splitlines()
    cells = lines[5].split(",")
    cells[3] = "\x1b[2J\x1b[HDữ liệu hợp lệ\x08\x08"
    lines[5] = ",".join(cells)
    stats.write_text("\n".join(lines) + "\n", "utf-8")
    done = thads("validate", "--data", str(folder))
    assert done.returncode == 1 and "\x1b" not in done.stderr and "\x08" not in done.stderr
    assert "'\\x1b[2J\\x1b[HDữ liệu hợp lệ\\x08\\x08' không phải số" in done.stderr
    assert visible("a\u202eb\u200bc") == "a\\u202eb\\u200bc"
    assert "\x07" not in str(Problem("x.csv", "chuông \x07", 2, "c"))


# --- YAML that expands, dates, paths ------------------------------------------------------------------------

BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b]\n"


@pytest.mark.parametrize("name", ["thads.yml", "batch.yml", "signing.yml", "dataset.yml"])
def test_yaml_that_would_expand_is_refused(tmp_path, name):
    path = tmp_path / name
    path.write_text(BOMB, "utf-8")
    with pytest.raises(ThadsError, match=r"không dùng bí danh YAML \(\*a\)"):
        project.read_yaml(path, "x")
    path.write_text("x: " + "y" * (project.YAML_LIMIT + 1), "utf-8")
    with pytest.raises(ThadsError, match="tệp quá lớn"):
        project.read_yaml(path, "x")


@pytest.mark.parametrize("text, words", [
    ("reports:\n  - {periods: [2024-M11], provinces: [93], date: 2024-02-30}\n", "không đọc được YAML"),
    ("reports:\n  - {periods: [2024-M11], provinces: [93], date: 30/06/2025}\n",
     "ngày '30/06/2025' không hợp lệ: cần dạng YYYY-MM-DD"),
    ("reports:\n  - {periods: [2024-M11], provinces: [93], notebook: ../../x.py}\n", "notebook cần là tên tệp .ipynb"),
])
def test_a_batch_file_with_a_bad_value_gets_a_message(tmp_path, text, words):
    path = tmp_path / "batch.yml"
    path.write_text(text, "utf-8")
    done = thads("run", str(path), "--out", str(tmp_path / "out"))
    assert done.returncode == 1 and "Traceback" not in done.stderr and words in done.stderr
    assert not (tmp_path / "out").exists()


def test_a_batch_path_that_is_a_folder_gets_a_message(tmp_path):
    done = thads("run", str(tmp_path))
    assert done.returncode == 1 and "là một thư mục: cần một tệp khai báo YAML" in done.stderr


# --- notes and workbooks that cost too much -----------------------------------------------------------------

def test_a_note_is_rendered_in_linear_time_and_an_oversized_one_is_refused(tmp_path):
    html = markdown.to_html("`" * 5000 + "[" * 5000 + "<script>alert(1)</script>")
    assert "<script>" not in html and "&lt;script&gt;" in html
    (tmp_path / "2024-M11").mkdir()
    (tmp_path / "2024-M11" / "93.md").write_text("## Ý kiến chỉ đạo\n\n" + "x" * (notes.NOTE_LIMIT + 1), "utf-8")
    with pytest.raises(ThadsError, match="ghi chú quá dài"):
        notes.load(tmp_path, Period.parse("2024-M11"), "93")


def workbook(path: Path, sheets: dict, hidden: tuple = (), claimed_rows: int | None = None) -> None:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
        if title in hidden:
            sheet.sheet_state = "hidden"
    book.save(path)
    if claimed_rows:      # the sheet's XML claims a used range of a million rows, as some exports do
        data = io.BytesIO(path.read_bytes())
        with zipfile.ZipFile(data) as source, zipfile.ZipFile(path, "w") as target:
            for item in source.infolist():
                content = source.read(item.filename)
                if item.filename.startswith("xl/worksheets/sheet"):
                    content = re.sub(rb'<dimension ref="[^"]*"/>', f'<dimension ref="A1:AZ{claimed_rows}"/>'.encode(),
                                     content)          # and one formatted, empty cell in its last row
                    content = content.replace(b"</sheetData>", f'<row r="{claimed_rows}"><c r="AZ{claimed_rows}" '
                                              f's="0"/></row></sheetData>'.encode())
                target.writestr(item, content)


def typed(rows: list[list[str]]) -> list[list]:
    return [[int(v) if v.isdigit() and i != 2 else v for i, v in enumerate(row)] for row in rows]


@pytest.fixture
def as_workbook(hau_giang_2024, tmp_path):
    """The small folder's statistics as rows, and a folder to write a workbook version of it into."""
    folder = tmp_path / "data"
    shutil.copytree(hau_giang_2024, folder)
    csv_path = folder / "stats" / "2024.csv"
    rows = [line.split(",") for line in csv_path.read_text("utf-8").splitlines()]
    csv_path.unlink()
    return folder, rows


def test_a_workbook_claiming_a_million_rows_reads_only_the_rows_it_holds(as_workbook):
    folder, rows = as_workbook
    workbook(folder / "stats" / "2024.xlsx", {"Số liệu": [rows[0], *typed(rows[1:])]}, claimed_rows=1_048_576)
    ds = dataset.load(folder)
    assert len(ds.stats) == len(rows) - 1


def test_hidden_sheets_are_not_data_and_several_data_sheets_are_all_read(as_workbook):
    folder, rows = as_workbook
    half = len(rows) // 2
    workbook(folder / "stats" / "2024.xlsx", {"Đầu năm": [rows[0], *typed(rows[1:half])],
                                              "Cuối năm": [rows[0], *typed(rows[half:])],
                                              "Nháp": [rows[0], *typed(rows[1:3])], "Ghi chép": [["ghi chú"]]},
             hidden=("Nháp",))
    ds = dataset.load(folder)
    assert len(ds.stats) == len(rows) - 1                    # the hidden draft's rows are not counted twice
    assert any("đọc trang 'Đầu năm', 'Cuối năm'; bỏ qua trang 'Ghi chép'" in n and "trang ẩn 'Nháp'" in n
               for n in ds.notes)
    sheets = {"Đầu năm": [rows[0], *typed(rows[1:half])], "Cuối năm": [rows[0], *typed(rows[half:])]}
    sheets["Cuối năm"][3][3] = "nhiều"
    workbook(folder / "stats" / "2024.xlsx", sheets)
    with pytest.raises(ThadsError, match=r"stats/2024.xlsx, trang 'Cuối năm', dòng 4, cột viec_phai_thi_hanh"):
        dataset.load(folder)


def test_a_utf32_file_is_read(hau_giang_2024, tmp_path):
    folder = tmp_path / "data"
    shutil.copytree(hau_giang_2024, folder)
    stats = folder / "stats" / "2024.csv"
    stats.write_bytes(stats.read_text("utf-8").encode("utf-32"))
    ds = dataset.load(folder)
    assert len(ds.stats) == 108 and any("UTF-32" in n for n in ds.notes)
