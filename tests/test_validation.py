"""The data contract (docs/du-lieu.md), rule by rule, through `thads validate`.

Each test breaks a copy of a small valid folder (Hậu Giang, 2024; see conftest.py) in one way and checks
that `thads validate` exits 1 without a traceback and lists the problem with its file, the line a user
would see in that file, the column and what was expected. Where one change should give exactly one
problem, the count is checked too, so that a spurious extra problem also fails.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from thads import cli, dataset, metrics
from thads.periods import Period

from tests.support import installed_thads

REPO = Path(__file__).resolve().parents[1]
STATS = "stats/2024.csv"
KEYS = ("nam", "thang", "don_vi")


# --- running `thads validate` ----------------------------------------------------------------------

@dataclass
class Outcome:
    code: int
    out: str
    err: str

    @property
    def problems(self) -> list[str]:
        return [line[4:] for line in self.err.splitlines() if line.startswith("  - ")]


def validate(folder: Path, capsys) -> Outcome:
    capsys.readouterr()
    code = cli.main(["validate", "--data", str(folder)])
    out, err = capsys.readouterr()
    return Outcome(code, out, err)


def accepted(outcome: Outcome) -> str:
    assert outcome.code == 0, outcome.err
    assert outcome.err == ""
    assert "Dữ liệu hợp lệ:" in outcome.out
    return outcome.out


def refused(outcome: Outcome, count: int | None = None) -> list[str]:
    """The problems listed by a failed run; `count`, when given, is how many there must be."""
    assert outcome.code == 1, outcome.out
    assert "Traceback" not in outcome.out + outcome.err
    assert outcome.out == ""                       # no "Dữ liệu hợp lệ" summary, no notes
    assert outcome.err.startswith("Lỗi dữ liệu trong ")
    if count is not None:
        assert f"Dữ liệu có {count} lỗi:" in outcome.err and len(outcome.problems) == count, outcome.err
    return outcome.problems


def assert_problem(problems: list[str], file: str, row: int | None, column: str | None, *expected: str) -> str:
    """The problem at exactly (file, row, column) whose message holds every `expected` fragment."""
    where = file + (f", dòng {row}" if row is not None else "") + (f", cột {column}" if column else "") + ": "
    hits = [p for p in problems if p.startswith(where) and all(e in p for e in expected)]
    assert hits, f"no problem '{where}' with {expected} among:\n" + "\n".join(problems)
    return hits[0]


# --- editing a copy of the data folder ------------------------------------------------------------

from tests.support.tables import Csv as Table  # noqa: E402


@pytest.fixture
def folder(hau_giang_2024, tmp_path) -> Path:
    """A fresh copy of the small valid folder."""
    copy = tmp_path / "data"
    shutil.copytree(hau_giang_2024, copy)
    return copy


@pytest.fixture(scope="module")
def clean_stats(hau_giang_2024) -> pd.DataFrame:
    """The statistics of the small folder, loaded before any test breaks a copy (which asserts it is clean)."""
    return _sorted(dataset.load(hau_giang_2024).stats)


def _sorted(stats: pd.DataFrame) -> pd.DataFrame:
    return stats.sort_values(list(KEYS)).reset_index(drop=True)


from tests.support.tables import cp1258  # noqa: E402, F401  (shared with test_bad_inputs)


def period_containing(day: date) -> Period:
    """The statistical period whose last month holds `day` (month 1 is October)."""
    return Period(day.year + (day.month >= 10), (day.month - 10) % 12 + 1)


# --- the small folder and the sample data are clean ----------------------------------------------

def test_small_folder_validates_clean(folder, capsys):
    out = accepted(validate(folder, capsys))
    assert "108 dòng số liệu, 12 kỳ (năm 2024)" in out
    assert "Ghi chú" not in out                    # plain UTF-8, LF, plain numbers: nothing to note
    # What thang means, impossible to miss: each period found, with the day it ends.
    assert "năm 2024: 1 tháng (đến 31/10/2023), 2 tháng (đến 30/11/2023)" in out
    assert "11 tháng (đến 31/08/2024), 12 tháng (đến 30/09/2024)" in out


def run_thads(*args: str) -> subprocess.CompletedProcess:
    """The installed `thads` command (the venv's, beside the running Python) as a real process."""
    return installed_thads(*args, timeout=120)


def test_sample_data_validates_clean():
    done = run_thads("validate", "--data", "data")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert done.stdout.startswith("Dữ liệu hợp lệ:")


def test_broken_folder_as_a_real_process(folder):
    table = Table(folder)
    table.set("viec_xong", "-5", thang=7, don_vi="935")
    table.write()
    done = run_thads("validate", "--data", str(folder))
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert f"  - {STATS}, dòng {table.line(thang=7, don_vi='935')}, cột viec_xong: số âm '-5'" in done.stderr


# --- columns -------------------------------------------------------------------------------------

@pytest.mark.parametrize("column", ["nam", "thang", "don_vi", "viec_phai_thi_hanh", "viec_co_dieu_kien",
                                    "viec_xong", "tien_xong"])
def test_missing_required_column(folder, capsys, column):
    table = Table(folder)
    table.drop(column)
    table.write()
    problems = refused(validate(folder, capsys), count=1)
    assert_problem(problems, STATS, 1, column, "thiếu cột bắt buộc")


@pytest.mark.parametrize("right, wrong, count", [
    ("viec_dinh_chi", "viec_dinh_chj", 1),        # optional column misspelled: only the name is wrong
    ("tien_thu_ly_moi", "tien_thuly_moi", 1),
    ("thang", "Thang", 2),                        # required column misspelled: also reported missing
    ("viec_xong", "viec_xog", 2),
])
def test_misspelled_column_hints_the_right_name(folder, capsys, right, wrong, count):
    table = Table(folder)
    table.header[table.header.index(right)] = wrong
    table.write()
    problems = refused(validate(folder, capsys), count=count)
    assert_problem(problems, STATS, 1, wrong, "không có trong quy ước dữ liệu", f"(có phải '{right}'?)")
    if count == 2:
        assert_problem(problems, STATS, 1, right, "thiếu cột bắt buộc")


def test_unknown_column_without_a_close_name(folder, capsys):
    table = Table(folder)
    table.header.append("ghi_chu")
    for row in table.rows:
        row.append("x")
    table.write()
    problem = assert_problem(refused(validate(folder, capsys), count=1), STATS, 1, "ghi_chu",
                             "không có trong quy ước dữ liệu")
    assert "có phải" not in problem


def test_duplicated_column(folder, capsys):
    table = Table(folder)
    column = table.header.index("viec_xong")
    table.header.append("viec_xong")
    for row in table.rows:
        row.append(row[column])
    table.write()
    assert_problem(refused(validate(folder, capsys), count=1), STATS, 1, "viec_xong", "cột bị trùng tên")


# --- cells ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    ("abc", "'abc' không phải số nguyên không âm"),
    ("mười", "'mười' không phải số nguyên không âm"),
    ("1 234", "'1 234' không phải số nguyên không âm"),
    ("²", "'²' không phải số nguyên không âm"),          # isdigit() but not a number
    ("", "ô trống: cột bắt buộc phải có số"),
])
def test_text_in_a_number_column(folder, capsys, value, expected):
    # A month in the middle of the year: the broken row must not also be reported as a missing month.
    table = Table(folder)
    table.set("viec_xong", value, thang=5, don_vi="931")
    table.write()
    problems = refused(validate(folder, capsys), count=1)
    assert_problem(problems, STATS, table.line(thang=5, don_vi="931"), "viec_xong", expected)


@pytest.mark.parametrize("column, value", [("viec_xong", "-5"), ("tien_co_dieu_kien", "-1.000"),
                                           ("viec_hoan", "-1"), ("thang", "-3")])
def test_negative(folder, capsys, column, value):
    table = Table(folder)
    line = table.line(thang=12, don_vi="936")
    table.set(column, value, thang=12, don_vi="936")
    table.write()
    problems = refused(validate(folder, capsys), count=1)
    assert_problem(problems, STATS, line, column, f"số âm '{value}'", "không được âm")


@pytest.mark.parametrize("value", ["NaN", "inf", "-inf", "Infinity"])
def test_nan_and_infinity(folder, capsys, value):
    table = Table(folder)
    table.set("tien_xong", value, thang=8, don_vi="937")
    table.write()
    problems = refused(validate(folder, capsys), count=1)
    assert_problem(problems, STATS, table.line(thang=8, don_vi="937"), "tien_xong", f"'{value}' không phải số")


@pytest.mark.parametrize("column, value, shown, limit", [
    ("tiep_cong_dan", "20000000", "20000000", "10000000"),
    ("viec_xong", "99999999999999999999", "99999999999999999999", "10000000"),         # beyond int64
    ("tin_dung_tien", "2000000000000000", "2000000000000000", "1000000000000000"),     # money
    ("tien_xong", "1.000.000.000.000.000.000", "1000000000000000000", "1000000000000000"),
])
def test_absurdly_large_value(folder, capsys, column, value, shown, limit):
    table = Table(folder)
    table.set(column, value, thang=4, don_vi="932")
    table.write()
    problems = refused(validate(folder, capsys), count=1)
    assert_problem(problems, STATS, table.line(thang=4, don_vi="932"), column,
                   f"giá trị {shown} quá lớn", f"(tối đa {limit})")


# --- rows ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("other", [None, "stats/2024_bo_sung.csv"])
def test_duplicated_row_names_both_places(folder, capsys, other):
    table = Table(folder)
    first = table.line(thang=3, don_vi="931")
    copy = list(table.rows[table.index(thang=3, don_vi="931")])
    if other is None:
        table.rows.append(copy)
        table.write()
        where, line = STATS, len(table.rows) + 1
    else:
        extra = Table(folder)
        extra.rows = [copy]
        extra.write(other)
        where, line = other, 2
    problems = refused(validate(folder, capsys), count=1)
    assert_problem(problems, where, line, "don_vi", "dòng trùng: đơn vị 931, năm 2024, 3 tháng (đến 31/12/2023)",
                   f"đã có ở {STATS} dòng {first}")


@pytest.mark.parametrize("code, nam, thang, tinh, day", [
    ("939", 2024, 12, "93", "30/09/2024"),        # never existed
    ("92-KV01", 2024, 12, "92", "30/09/2024"),    # exists only from 01/07/2025
    ("930", 2026, 1, "93", "31/10/2025"),         # closed on 30/06/2025
])
def test_unknown_office_code(folder, capsys, code, nam, thang, tinh, day):
    table = Table(folder)
    row = list(table.rows[table.index(thang=12, don_vi="930")])
    for column, value in (("nam", nam), ("thang", thang), ("don_vi", code), ("tinh", tinh)):
        row[table.header.index(column)] = str(value)
    table.rows.append(row)
    table.write()
    problems = refused(validate(folder, capsys), count=1)
    assert_problem(problems, STATS, len(table.rows) + 1, "don_vi",
                   f"mã đơn vị '{code}' không có trong danh mục đơn vị", f"vào ngày {day}")


def test_office_filed_under_the_wrong_province(folder, capsys):
    table = Table(folder)
    table.set("tinh", "92", thang=3, don_vi="931")
    table.write()
    problems = refused(validate(folder, capsys), count=1)
    assert_problem(problems, STATS, table.line(thang=3, don_vi="931"), "tinh",
                   "đơn vị 931 (Chi cục Thi hành án dân sự", "thuộc tỉnh mã 93, không phải '92'")


# --- identities within a row ---------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["viec", "tien"])
def test_xong_plus_dinh_chi_above_co_dieu_kien(folder, capsys, kind):
    # Month 12 so that raising a cumulative flow cannot make the next month fall.
    table = Table(folder)
    at = dict(thang=12, don_vi="934")
    co, dinh_chi = int(table.get(f"{kind}_co_dieu_kien", **at)), int(table.get(f"{kind}_dinh_chi", **at))
    table.set(f"{kind}_xong", co - dinh_chi + 1, **at)
    table.write()
    problems = refused(validate(folder, capsys), count=1)
    assert_problem(problems, STATS, table.line(**at), f"{kind}_xong",
                   f"{kind}_xong ({co - dinh_chi + 1}) + {kind}_dinh_chi ({dinh_chi}) lớn hơn "
                   f"{kind}_co_dieu_kien ({co})")


@pytest.mark.parametrize("kind", ["viec", "tien"])
def test_co_dieu_kien_above_phai_thi_hanh(folder, capsys, kind):
    # Without the chưa có điều kiện column, so that có + chưa có điều kiện is not refused as well.
    table = Table(folder)
    table.drop(f"{kind}_chua_co_dieu_kien")
    at = dict(thang=6, don_vi="933")
    phai = int(table.get(f"{kind}_phai_thi_hanh", **at))
    table.set(f"{kind}_co_dieu_kien", phai + 1, **at)
    table.write()
    problems = refused(validate(folder, capsys), count=1)
    assert_problem(problems, STATS, table.line(**at), f"{kind}_co_dieu_kien",
                   f"{kind}_co_dieu_kien ({phai + 1}) lớn hơn {kind}_phai_thi_hanh ({phai})")


@pytest.mark.parametrize("kind", ["viec", "tien"])
def test_co_plus_chua_co_dieu_kien_may_not_exceed_phai_thi_hanh(folder, capsys, kind):
    table = Table(folder)
    at = dict(thang=2, don_vi="93")
    phai, co = int(table.get(f"{kind}_phai_thi_hanh", **at)), int(table.get(f"{kind}_co_dieu_kien", **at))
    table.set(f"{kind}_chua_co_dieu_kien", phai - co + 1, **at)
    table.write()
    problems = refused(validate(folder, capsys), count=1)
    assert_problem(problems, STATS, table.line(**at), f"{kind}_co_dieu_kien",
                   f"{kind}_co_dieu_kien ({co}) + {kind}_chua_co_dieu_kien ({phai - co + 1}) lớn hơn "
                   f"{kind}_phai_thi_hanh ({phai})")


@pytest.mark.parametrize("kind", ["viec", "tien"])
def test_other_statuses_may_leave_co_plus_chua_below_phai_thi_hanh(folder, capsys, kind):
    # Excerpt of a real report: 34.110 có điều kiện + 17.034 chưa có điều kiện < 53.266 phải thi hành.
    table = Table(folder)
    at = dict(thang=2, don_vi="93")
    table.set(f"{kind}_chua_co_dieu_kien", int(table.get(f"{kind}_chua_co_dieu_kien", **at)) - 1, **at)
    table.write()
    accepted(validate(folder, capsys))


@pytest.mark.parametrize("kind", ["viec", "tien"])
def test_phai_thi_hanh_follows_the_flow_of_cases(folder, capsys, kind):
    table = Table(folder)
    at = dict(thang=4, don_vi="931")
    figures = {name: int(table.get(f"{kind}_{name}", **at))
               for name in ("phai_thi_hanh", "nam_truoc_chuyen_sang", "thu_ly_moi", "uy_thac", "thu_hoi_huy")}
    table.set(f"{kind}_uy_thac", figures["uy_thac"] + 1, **at)
    table.write()
    problems = refused(validate(folder, capsys), count=1)
    f = figures
    assert_problem(problems, STATS, table.line(**at), f"{kind}_phai_thi_hanh",
                   f"{kind}_phai_thi_hanh ({f['phai_thi_hanh']}) khác {kind}_nam_truoc_chuyen_sang "
                   f"({f['nam_truoc_chuyen_sang']}) + {kind}_thu_ly_moi ({f['thu_ly_moi']}) − {kind}_uy_thac "
                   f"({f['uy_thac'] + 1}) − {kind}_thu_hoi_huy ({f['thu_hoi_huy']}) = {f['phai_thi_hanh'] - 1}")


@pytest.mark.parametrize("kind", ["viec", "tien"])
def test_the_flow_is_not_checked_without_all_its_columns(folder, capsys, kind):
    # A file without thu_hoi_huy states nothing about it: phải thi hành may then differ from the other terms.
    table = Table(folder)
    table.drop(f"{kind}_thu_hoi_huy")
    at = dict(thang=4, don_vi="931")
    table.set(f"{kind}_uy_thac", int(table.get(f"{kind}_uy_thac", **at)) + 1, **at)
    table.write()
    accepted(validate(folder, capsys))


# --- across rows ---------------------------------------------------------------------------------

@pytest.mark.parametrize("column", ["viec_xong", "viec_thu_ly_moi", "viec_dinh_chi",
                                    "tien_xong", "tien_thu_ly_moi", "tien_dinh_chi"])
def test_cumulative_flow_may_not_fall(folder, capsys, column):
    table = Table(folder)
    before = int(table.get(column, thang=5, don_vi="931"))
    assert before > 0
    table.set(column, before - 1, thang=6, don_vi="931")
    table.write()
    # thụ lý mới is also a term of the flow: its row no longer adds up either, and says so.
    flow = column.endswith("thu_ly_moi")
    problems = refused(validate(folder, capsys), count=2 if flow else 1)
    if flow:
        assert_problem(problems, STATS, table.line(thang=6, don_vi="931"), column.replace("thu_ly_moi", "phai_thi_hanh"),
                       f"khác {column.split('_')[0]}_nam_truoc_chuyen_sang")
    assert_problem(problems, STATS, table.line(thang=6, don_vi="931"), column,
                   f"số lũy kế giảm từ {before} (kỳ 5 tháng (đến 29/02/2024)) xuống {before - 1} (kỳ 6 tháng (đến "
                   "31/03/2024)) của đơn vị 931")


@pytest.mark.parametrize("kind", ["viec", "tien"])
def test_stock_may_fall(folder, capsys, kind):
    table = Table(folder)
    at = dict(thang=6, don_vi="931")
    before = int(table.get(f"{kind}_co_dieu_kien", thang=5, don_vi="931"))
    floor = int(table.get(f"{kind}_xong", **at)) + int(table.get(f"{kind}_dinh_chi", **at))
    fallen = max(floor, before - 10)
    assert fallen < before
    table.set(f"{kind}_co_dieu_kien", fallen, **at)
    table.set(f"{kind}_chua_co_dieu_kien", int(table.get(f"{kind}_phai_thi_hanh", **at)) - fallen, **at)
    table.write()
    accepted(validate(folder, capsys))
    assert _sorted(dataset.load(folder).stats).query("thang == 6 and don_vi == '931'")[
        f"{kind}_co_dieu_kien"].item() == fallen


@pytest.mark.parametrize("removed, present", [([5], (4, 6)), ([5, 6, 7], (4, 8))])
def test_month_missing_between_two_present_months(folder, capsys, removed, present):
    table = Table(folder)
    for month in removed:
        del table.rows[table.index(thang=month, don_vi="931")]
    table.write()
    problems = refused(validate(folder, capsys), count=1)
    missing = "; ".join(Period(2024, m).months for m in removed)
    assert_problem(problems, STATS, table.line(thang=present[1], don_vi="931"), "thang",
                   f"đơn vị 931 năm 2024 thiếu số liệu kỳ {missing} (có kỳ {Period(2024, present[0]).months} và "
                   f"kỳ {Period(2024, present[1]).months})")
    assert "thiếu số liệu kỳ 5 tháng (đến 29/02/2024)" in problems[0]          # never "tháng 5", read as May


def test_months_missing_before_the_first_or_after_the_last_are_accepted(folder, capsys):
    table = Table(folder)
    month = table.header.index("thang")
    table.rows = [row for row in table.rows if 4 <= int(row[month]) <= 9]
    table.write()
    assert "54 dòng số liệu, 6 kỳ" in accepted(validate(folder, capsys))


def _late_row(folder: Path, period: Period) -> tuple[Table, Path]:
    """stats/late.csv: one row of THADS Cần Thơ (code 92, valid from 01/07/2025) for `period`."""
    table = Table(folder)
    row = table.rows[table.index(thang=1, don_vi="93")]
    for column, value in (("nam", period.year), ("thang", period.month), ("don_vi", "92"), ("tinh", "92")):
        row[table.header.index(column)] = str(value)
    table.rows = [row]
    return table, table.write("stats/late.csv")


@pytest.mark.parametrize("period", [period_containing(date.today()), Period(2099, 1)],
                         ids=["current", "2099"])
def test_period_not_ended_is_refused(folder, capsys, period):
    assert period.end >= date.today()
    _late_row(folder, period)
    problems = refused(validate(folder, capsys), count=1)
    assert_problem(problems, "stats/late.csv", 2, "thang",
                   f"kỳ {period.label} (đến {period.end:%d/%m/%Y}) chưa kết thúc")


def test_last_ended_period_is_accepted(folder, capsys):
    period = period_containing(date.today().replace(day=1) - timedelta(days=1))
    assert period.end < date.today()
    _late_row(folder, period)
    accepted(validate(folder, capsys))


# --- files and encodings -------------------------------------------------------------------------

@pytest.mark.parametrize("name, content", [(STATS, ""), (STATS, "\r\n \r\n"), ("targets.csv", ""),
                                           ("targets.csv", "\n\n")])
def test_empty_file(folder, capsys, name, content):
    (folder / name).write_text(content, encoding="utf-8", newline="")
    problems = refused(validate(folder, capsys), count=1)
    assert_problem(problems, name, None, None, "tệp rỗng: không có dòng tiêu đề nào")


@pytest.mark.parametrize("name", [STATS, "targets.csv"])
def test_header_only_file(folder, capsys, name):
    table = Table(folder, name)
    table.rows = []
    table.write()
    problems = refused(validate(folder, capsys), count=1)
    assert_problem(problems, name, None, None, "tệp chỉ có dòng tiêu đề (dòng 1), không có số liệu")


def test_legacy_vietnamese_encoding_is_named(folder, capsys):
    table = Table(folder)
    table.header.append("ghi_chu")
    for row in table.rows:
        row.append("Chi cục Thi hành án dân sự tỉnh Hậu Giang, số liệu đã đối chiếu")
    (folder / STATS).write_bytes(cp1258(table.text()))
    problems = refused(validate(folder, capsys), count=1)
    assert_problem(problems, STATS, None, None, "tệp không phải UTF-8", "Windows-1258 (cp1258)",
                   "dòng 2", "lưu lại dạng 'CSV UTF-8'")


def test_utf8_with_bom_and_crlf_is_accepted_with_a_note(folder, capsys, clean_stats):
    table = Table(folder)
    (folder / STATS).write_bytes(b"\xef\xbb\xbf" + table.text(newline="\r\n").encode("utf-8"))
    out = accepted(validate(folder, capsys))
    assert f"Ghi chú: {STATS}: tệp UTF-8 có BOM, đã bỏ BOM." in out
    assert f"Ghi chú: {STATS}: dòng kết thúc kiểu Windows (CRLF), đã đọc bình thường." in out
    pd.testing.assert_frame_equal(_sorted(dataset.load(folder).stats), clean_stats)


def test_utf16_tab_separated_is_read(folder, capsys, clean_stats):
    table = Table(folder)
    (folder / STATS).write_bytes(table.text(delimiter="\t", newline="\r\n").encode("utf-16"))   # with BOM
    out = accepted(validate(folder, capsys))
    assert f"Ghi chú: {STATS}: tệp mã UTF-16" in out and "ngăn cách bằng 'TAB'" in out
    pd.testing.assert_frame_equal(_sorted(dataset.load(folder).stats), clean_stats)


@pytest.mark.parametrize("encode", [
    lambda t: b"\xef\xbb\xbf" + t.text(newline="\r\n").encode("utf-8"),
    lambda t: t.text(delimiter="\t", newline="\r\n").encode("utf-16"),
    lambda t: t.text(delimiter=";").encode("utf-8"),
], ids=["utf8-bom-crlf", "utf16-tab", "semicolon"])
def test_row_numbers_in_other_csv_forms(folder, capsys, encode):
    table = Table(folder)
    table.set("viec_xong", "-7", thang=9, don_vi="935")
    (folder / STATS).write_bytes(encode(table))
    problems = refused(validate(folder, capsys), count=1)
    assert_problem(problems, STATS, table.line(thang=9, don_vi="935"), "viec_xong", "số âm '-7'")


def test_blank_lines_count_in_row_numbers(folder, capsys):
    table = Table(folder)
    table.set("viec_xong", "x", thang=2, don_vi="930")
    lines = table.text().split("\n")
    lines.insert(1, "")                               # a blank line after the header
    (folder / STATS).write_text("\n".join(lines), encoding="utf-8")
    problems = refused(validate(folder, capsys), count=1)
    assert_problem(problems, STATS, table.line(thang=2, don_vi="930") + 1, "viec_xong", "'x'")


def test_unquoted_comma_shifting_the_cells_is_reported(folder, capsys):
    table = Table(folder)
    line = table.line(thang=12, don_vi="937")
    text = table.text().split("\n")
    cells = text[line - 1].split(",")
    cells[-1] = "11,410"                              # last column (tinh) written with a bare comma
    text[line - 1] = ",".join(cells)
    (folder / STATS).write_text("\n".join(text), encoding="utf-8")
    problems = refused(validate(folder, capsys))
    assert_problem(problems, STATS, line, None, f"dòng có {len(table.header) + 1} ô, nhiều hơn "
                   f"{len(table.header)} cột của dòng tiêu đề", "11,410")


# --- Vietnamese number formats -------------------------------------------------------------------

def test_vietnamese_thousands_separator_is_read_as_an_integer(folder, capsys, hau_giang_2024):
    table = Table(folder)
    at = dict(thang=12, don_vi="931")
    old_viec = int(table.get("viec_phai_thi_hanh", **at))
    co = int(table.get("viec_co_dieu_kien", **at))
    tien = int(table.get("tien_phai_thi_hanh", **at))
    assert tien >= 1_000_000
    table.set("viec_phai_thi_hanh", "11.410", **at)
    table.set("viec_chua_co_dieu_kien", 11410 - co, **at)
    table.set("viec_thu_ly_moi", int(table.get("viec_thu_ly_moi", **at)) + 11410 - old_viec, **at)   # the flow too
    table.set("tien_phai_thi_hanh", f"{tien:,}".replace(",", "."), **at)     # e.g. 263.131.552
    table.write()
    out = accepted(validate(folder, capsys))
    assert f"Ghi chú: {STATS}: 2 ô ghi số kiểu Việt Nam" in out

    ds = dataset.load(folder)
    row = ds.stats.query("nam == 2024 and thang == 12 and don_vi == '931'").iloc[0]
    assert row["viec_phai_thi_hanh"] == 11410 and row["tien_phai_thi_hanh"] == tien
    period = Period(2024, 12)
    province = ds.units.resolve("93", period)
    before = metrics.summary(dataset.load(hau_giang_2024), province, period)
    after = metrics.summary(ds, province, period)
    assert after["viec"]["phai_thi_hanh"] == before["viec"]["phai_thi_hanh"] - old_viec + 11410
    assert after["viec"]["co_dieu_kien"] == before["viec"]["co_dieu_kien"]
    assert after["tien"]["phai_thi_hanh"] == before["tien"]["phai_thi_hanh"]


@pytest.mark.parametrize("value, expected", [
    ("11,410", "'11,410' có dấu phẩy: không rõ là phân cách hàng nghìn hay số thập phân"),
    ("11.41", "'11.41' không phải số nguyên"),
    ("1.4100", "'1.4100' không phải số nguyên"),
    ("11.410,5", "'11.410,5' có dấu phẩy"),
])
def test_ambiguous_numbers_are_refused(folder, capsys, value, expected):
    table = Table(folder)
    table.set("viec_phai_thi_hanh", value, thang=10, don_vi="930")   # the writer quotes the comma
    table.write()
    problems = refused(validate(folder, capsys), count=1)
    assert_problem(problems, STATS, table.line(thang=10, don_vi="930"), "viec_phai_thi_hanh", expected)


def test_target_with_decimal_comma_is_read(folder, capsys):
    table = Table(folder, "targets.csv")
    table.set("chi_tieu_viec", "84,15", nam=2024, tinh="93")
    table.set("chi_tieu_tien", "47,5", nam=2024, tinh="93")
    table.write()
    accepted(validate(folder, capsys))
    ds = dataset.load(folder)
    assert ds.target(2024, "93") == (Decimal("84.15"), Decimal("47.5"))
    summary = metrics.summary(ds, ds.units.resolve("93", Period(2024, 12)), Period(2024, 12))
    assert summary["viec"]["chi_tieu"] == 84.15 and summary["tien"]["chi_tieu"] == 47.5


@pytest.mark.parametrize("column, value, expected", [
    ("chi_tieu_viec", "8335", "tỷ lệ 8335 nằm ngoài khoảng 0-100"),
    ("chi_tieu_viec", "-5", "'-5' không phải tỷ lệ phần trăm"),
    ("chi_tieu_tien", "0", "tỷ lệ 0 nằm ngoài khoảng 0-100"),
    ("chi_tieu_tien", "100,01", "tỷ lệ 100,01 nằm ngoài khoảng 0-100"),
    ("chi_tieu_tien", "46.75%", "'46.75%' không phải tỷ lệ phần trăm"),
    ("chi_tieu_viec", "", "ô trống: cần tỷ lệ phần trăm"),
])
def test_target_rate_refused(folder, capsys, column, value, expected):
    table = Table(folder, "targets.csv")
    table.set(column, value, nam=2024, tinh="93")
    table.write()
    problems = refused(validate(folder, capsys), count=1)
    assert_problem(problems, "targets.csv", table.line(nam=2024, tinh="93"), column, expected)


# --- targets.csv ---------------------------------------------------------------------------------

def test_targets_file_missing(folder, capsys):
    (folder / "targets.csv").unlink()
    assert_problem(refused(validate(folder, capsys), count=1), "targets.csv", None, None, "không tìm thấy tệp")


def test_targets_missing_column(folder, capsys):
    table = Table(folder, "targets.csv")
    table.drop("chi_tieu_tien")
    table.write()
    assert_problem(refused(validate(folder, capsys), count=1), "targets.csv", 1, "chi_tieu_tien",
                   "thiếu cột bắt buộc")


@pytest.mark.parametrize("nam, tinh", [(2026, "93"), (2024, "99")])   # Hậu Giang merged into Cần Thơ in 2025
def test_targets_unknown_province_for_the_year(folder, capsys, nam, tinh):
    table = Table(folder, "targets.csv")
    table.rows.append([str(nam), tinh, "83.00", "45.00"])
    table.write()
    problems = refused(validate(folder, capsys), count=1)
    assert_problem(problems, "targets.csv", len(table.rows) + 1, "tinh",
                   f"mã tỉnh '{tinh}' không tồn tại trong năm thống kê {nam}")


def test_targets_duplicated_year_and_province(folder, capsys):
    table = Table(folder, "targets.csv")
    first = table.line(nam=2024, tinh="93")
    table.rows.append(["2024", "93", "80.00", "40.00"])
    table.write()
    problems = refused(validate(folder, capsys), count=1)
    assert_problem(problems, "targets.csv", len(table.rows) + 1, "tinh",
                   f"chỉ tiêu năm 2024 của mã 93 bị trùng (đã có ở dòng {first})")


def test_targets_short_row(folder, capsys):
    with open(folder / "targets.csv", "a", encoding="utf-8") as f:
        f.write("2026,12\n")                        # Lai Châu has no 2026 target in the sample
    lines = len((folder / "targets.csv").read_text(encoding="utf-8").splitlines())
    problems = refused(validate(folder, capsys), count=2)
    for column in ("chi_tieu_viec", "chi_tieu_tien"):
        assert_problem(problems, "targets.csv", lines, column, "ô trống: cần tỷ lệ phần trăm")


# --- Excel and Parquet ---------------------------------------------------------------------------

def _write_xlsx(table: Table, path: Path, titles: list[str]) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for title in titles:
        sheet.append([title])
    sheet.append(table.header)
    for row in table.typed_rows():
        sheet.append(row)
    book.save(path)


def test_xlsx_with_title_rows_is_read(folder, capsys, clean_stats):
    table = Table(folder)
    _write_xlsx(table, folder / "stats" / "2024.xlsx",
                ["BÁO CÁO KẾT QUẢ THI HÀNH ÁN DÂN SỰ", "Đơn vị: Cục THADS tỉnh Hậu Giang"])
    (folder / STATS).unlink()
    out = accepted(validate(folder, capsys))
    assert "Ghi chú: stats/2024.xlsx: bỏ qua 2 dòng tiêu đề phụ phía trên bảng." in out
    pd.testing.assert_frame_equal(_sorted(dataset.load(folder).stats), clean_stats)


def test_xlsx_rows_are_sheet_rows(folder, capsys):
    table = Table(folder)
    typed = table.typed_rows()
    index = table.index(thang=7, don_vi="936")
    typed[index][table.header.index("viec_xong")] = -3
    typed[index + 1][table.header.index("tien_xong")] = "nhiều"
    table.rows = [[str(v) for v in row] for row in typed]
    _write_xlsx(table, folder / "stats" / "2024.xlsx", ["Tiêu đề", ""])
    (folder / STATS).unlink()
    problems = refused(validate(folder, capsys), count=2)
    assert_problem(problems, "stats/2024.xlsx", index + 4, "viec_xong", "số âm '-3'")
    assert_problem(problems, "stats/2024.xlsx", index + 5, "tien_xong", "'nhiều' không phải số")


def test_xlsx_header_problems_name_the_header_row(folder, capsys):
    table = Table(folder)
    table.header[table.header.index("viec_dinh_chi")] = "viec_dinh_chj"
    _write_xlsx(table, folder / "stats" / "2024.xlsx", ["BÁO CÁO", "(kèm theo công văn số ...)"])
    (folder / STATS).unlink()
    problems = refused(validate(folder, capsys), count=1)
    assert_problem(problems, "stats/2024.xlsx", 3, "viec_dinh_chj", "(có phải 'viec_dinh_chi'?)")


def _frame(table: Table) -> pd.DataFrame:
    return pd.DataFrame(table.typed_rows(), columns=table.header)


def test_parquet_is_read(folder, capsys, clean_stats):
    _frame(Table(folder)).to_parquet(folder / "stats" / "2024.parquet", index=False)
    (folder / STATS).unlink()
    accepted(validate(folder, capsys))
    pd.testing.assert_frame_equal(_sorted(dataset.load(folder).stats), clean_stats)


@pytest.mark.parametrize("value, expected", [(float("nan"), "giá trị NaN"), (float("inf"), "giá trị vô cực"),
                                             (-2.0, "số âm '-2'"), (2.5, "'2.5' không phải số nguyên")])
def test_parquet_bad_numbers(folder, capsys, value, expected):
    table = Table(folder)
    frame = _frame(table).astype({"viec_xong": "float64"})
    index = table.index(thang=11, don_vi="93")
    frame.loc[index, "viec_xong"] = value
    frame.to_parquet(folder / "stats" / "2024.parquet", index=False)
    (folder / STATS).unlink()
    problems = refused(validate(folder, capsys), count=1)
    assert_problem(problems, "stats/2024.parquet", index + 1, "viec_xong", expected)


# --- everything in one run -----------------------------------------------------------------------

def test_all_problems_are_reported_in_one_run(folder, capsys):
    stats = Table(folder)
    stats.set("viec_xong", "-1", thang=3, don_vi="931")
    row = list(stats.rows[stats.index(thang=12, don_vi="930")])
    row[stats.header.index("don_vi")] = "939"
    stats.rows.append(row)
    stats.write()
    targets = Table(folder, "targets.csv")
    first = targets.line(nam=2024, tinh="93")
    targets.rows.append(["2024", "93", "80.00", "40.00"])
    targets.write()
    problems = refused(validate(folder, capsys), count=3)
    assert_problem(problems, STATS, stats.line(thang=3, don_vi="931"), "viec_xong", "số âm '-1'")
    assert_problem(problems, STATS, len(stats.rows) + 1, "don_vi", "mã đơn vị '939'")
    assert_problem(problems, "targets.csv", len(targets.rows) + 1, "tinh", f"đã có ở dòng {first}")


# --- what thang means ----------------------------------------------------------------------------

@pytest.mark.parametrize("column, good, bad, says", [
    ("den_ngay", lambda p: p.end.strftime("%d/%m/%Y"), "30/11/2024",
     ("ngày 30/11/2024 không khớp với nam 2024, thang 11: thang 11 là số liệu 11 tháng (đến 31/08/2024)",
      "có vẻ cột thang ghi tháng dương lịch: 30/11/2024 là cuối kỳ 2 tháng năm 2025 (nam 2025, thang 2)")),
    ("ky", lambda p: p.code, "2024-M08",
     ("kỳ '2024-M08' không khớp với nam 2024, thang 11: thang 11 là số liệu 11 tháng (đến 31/08/2024)",)),
])
def test_an_end_date_or_period_column_is_checked_against_nam_and_thang(folder, capsys, column, good, bad, says):
    table = Table(folder)
    months = [int(row[table.header.index("thang")]) for row in table.rows]
    table.header.append(column)
    for row, month in zip(table.rows, months):
        row.append(good(Period(2024, month)))
    table.write()
    accepted(validate(folder, capsys))
    table.set(column, bad, thang=11, don_vi="930")
    table.write()
    problems = refused(validate(folder, capsys), count=1)
    assert_problem(problems, STATS, table.line(thang=11, don_vi="930"), column, *says)


def test_a_year_filled_with_calendar_months_is_recognised(folder, capsys):
    """Months 10-12 of the statistical year entered as thang 10-12 (October to December, the start of the
    year, small cumulative figures) after thang 1-9 (January to September): the data say what thang means."""
    table = Table(folder)
    column = table.header.index("thang")
    for row in table.rows:
        month = int(row[column])
        row[column] = str(month + 9 if month <= 3 else month - 3)     # statistical month -> calendar month
    table.write()
    problems = refused(validate(folder, capsys))
    hint = assert_problem(problems, STATS, None, "thang", "năm 2024: số lũy kế ở các dòng thang 10-12 nhỏ hơn ở các "
                          "dòng thang 1-3, có vẻ cột thang đang ghi tháng dương lịch", "thang 11 là đến 31/08/2024")
    assert problems[0] == hint           # the cause first, before the months that seem to fall


def test_files_the_data_contract_does_not_name_are_said_to_be_ignored(folder, capsys):
    (folder / "README.md").write_text("ghi chép", "utf-8")
    (folder / "so-lieu-cu.csv").write_text("a,b\n1,2\n", "utf-8")
    out = accepted(validate(folder, capsys))
    assert "bỏ qua README.md: không thuộc cấu trúc thư mục dữ liệu" in out
    assert "bỏ qua so-lieu-cu.csv: không thuộc cấu trúc thư mục dữ liệu" in out


def test_a_batchs_kernels_take_the_folder_it_loaded_only_while_the_folder_is_unchanged(hau_giang_2024, tmp_path,
                                                                                       monkeypatch):
    """`thads run` leaves the data it loaded for its kernels (dataset.share): they skip reading and checking the
    files again, but never take data that no longer match the folder."""
    folder = tmp_path / "data"
    shutil.copytree(hau_giang_2024, folder)
    loaded = dataset.load(folder)
    shared = tmp_path / "shared.pickle"
    dataset.share(loaded, shared)
    read_again = dataset._load
    monkeypatch.setattr(dataset, "_load", lambda *args: pytest.fail("the folder was read again"))
    dataset._CACHE.clear()                                # as in a kernel that has loaded nothing yet
    assert dataset.load(folder, shared=shared).stats.equals(loaded.stats)

    stats = folder / "stats" / "2024.csv"
    stats.write_text(stats.read_text("utf-8") + "\n", "utf-8")          # the folder changed since it was shared
    monkeypatch.setattr(dataset, "_load", read_again)
    dataset._CACHE.clear()
    assert dataset._shared(shared, (str(folder.resolve()), dataset.signature(folder), date.today())) is None
    assert dataset.load(folder, shared=shared).stats.equals(loaded.stats)          # read again, from the files
    assert dataset._shared(tmp_path / "missing.pickle", ()) is None


class _Planted:
    """What someone who can write into a shared output folder would leave there: a pickle that runs code."""

    def __reduce__(self):
        return (Path.touch, (Path(os.environ["PLANTED_MARK"]),))


def test_a_data_file_left_in_the_output_folder_by_anyone_else_is_never_unpickled(hau_giang_2024, tmp_path,
                                                                                  monkeypatch):
    """The output folder may be an office's shared folder: only a file sealed with this user's own key (thads.seal)
    is unpickled; a planted pickle, or a sealed one changed by a byte, is ignored and the data are read again."""
    import pickle

    from thads import seal

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))       # this user's private key, made here
    monkeypatch.setenv("PLANTED_MARK", str(tmp_path / "ran"))
    folder = tmp_path / "data"
    shutil.copytree(hau_giang_2024, folder)
    loaded = dataset.load(folder)
    key = (str(folder.resolve()), dataset.signature(folder), date.today())
    shared = tmp_path / "shared.pickle"
    shared.write_bytes(pickle.dumps((key, _Planted())))
    assert dataset._shared(shared, key) is None and not (tmp_path / "ran").exists()
    dataset.share(loaded, shared)
    assert dataset._shared(shared, key) is not None                           # sealed by this user: taken
    changed = bytearray(shared.read_bytes())
    changed[-5] ^= 1
    shared.write_bytes(bytes(changed))
    assert dataset._shared(shared, key) is None
    key_file = seal._key_file()
    assert key_file.stat().st_mode & 0o777 == 0o600
    key_file.chmod(0o644)                                                     # a key others could read: not used
    assert seal.seal(b"x") is None


# --- a plain CSV file read at Arrow speed ----------------------------------------------------------

def _variant(text: str, kind: str) -> str:
    """The small folder's statistics file written another way (`kind`), each way a spreadsheet may write it."""
    lines = text.rstrip("\n").split("\n")
    header = lines[0].split(",")
    cells = [line.split(",") for line in lines[1:]]
    where = {name: i for i, name in enumerate(header)}
    if kind == "cells":           # cells each read their own way, and problems on given lines
        cells[0][where["viec_xong"]] = " 12 "
        cells[1][where["tien_phai_thi_hanh"]] = f"{int(cells[1][where['tien_phai_thi_hanh']]):,}".replace(",", ".")
        cells[2][where["viec_xong"]] = "-5"
        cells[3][where["viec_thu_ly_moi"]] = ""
        cells[4][where["don_vi"]] = "999"
        cells[5][where["thang"]] = "13"
    if kind == "quoted":          # the csv module's reading: a quoted cell
        cells[0][where["don_vi"]] = f'"{cells[0][where["don_vi"]]}"'
    rows = [",".join(header)] + [",".join(row) for row in cells]
    if kind == "blank line":      # the csv module's reading: the line numbers go on past a blank line
        rows.insert(5, ",,,")
    separator = {"semicolon": ";"}.get(kind, ",")
    ending = "\r\n" if kind == "windows" else "\n"
    return ending.join(row.replace(",", separator) for row in rows) + ending


@pytest.mark.parametrize("kind, arrow", [("as written", True), ("windows", True), ("semicolon", True),
                                         ("cells", True), ("quoted", False), ("blank line", False)])
def test_a_plain_csv_file_is_read_as_text_columns_to_the_same_table_and_problems(hau_giang_2024, tmp_path,
                                                                                 monkeypatch, kind, arrow):
    from thads import readers, schema, validation
    from thads.units import Units

    path = tmp_path / "2024.csv"
    path.write_bytes(_variant((hau_giang_2024 / STATS).read_text("utf-8"), kind).encode("utf-8"))
    units, today = Units.load(hau_giang_2024 / "units"), date(2026, 12, 1)

    def parsed():
        (table,) = readers.read_tables(path, STATS, tuple(schema.KEYS))
        frame, problems = validation.parse_stats(table, units, today)
        return table, frame, problems

    table, frame, problems = parsed()
    assert (table.text is not None) == arrow
    monkeypatch.setattr(readers, "_plain_csv", lambda *args: None)         # the csv module, line by line
    by_line, frame_by_line, problems_by_line = parsed()
    assert by_line.text is None and table.header == by_line.header and table.row_numbers == by_line.row_numbers
    assert list(table.rows[:3]) == by_line.rows[:3] and len(table.rows) == len(by_line.rows)
    pd.testing.assert_frame_equal(frame, frame_by_line)
    assert problems == problems_by_line and table.notes == by_line.notes
    if kind == "cells":
        assert [(p.row, p.column) for p in problems] == [(4, "viec_xong"), (7, "thang"), (6, "don_vi")], problems
        assert frame.loc[frame["_row"] == 2, "viec_xong"].item() == 12
        assert any("1 ô ghi số kiểu Việt Nam" in note for note in table.notes), table.notes


def test_a_workbooks_cells_are_read_as_their_text_says():
    from thads import validation
    from thads.readers import RawTable

    table = RawTable("stats/2024.parquet", ["nam", "thang", "viec_xong"],
                     [[2024, 1, 5.0], [2024, 2, True], [2024.0, 3, b"1187"], [2024, 4, None]], [1, 2, 3, 4])
    raw = pd.DataFrame(table.rows, columns=table.header, dtype=object)
    problems = []
    frame, _ = validation._counts(table, raw, table.header, problems)
    assert [(p.row, p.column) for p in problems] == [(2, "viec_xong"), (4, "viec_xong")], problems
    assert "'True'" in problems[0].message and "ô trống" in problems[1].message
    assert frame["nam"].tolist() == [2024] * 4 and frame["viec_xong"].tolist()[0::2] == [5, 1187]
