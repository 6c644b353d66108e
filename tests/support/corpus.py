"""The bad-input corpus: each case changes a copy of a small valid data folder (Hậu Giang, 2024) and says what
`thads run` must then do: refuse it clearly, or read it right. `try_case` runs one case against a good earlier
report and judges the result (`Outcome`). Used by tests/test_bad_inputs.py, which says what is checked and why,
and by bench/reliability.py, which prints a table of the whole corpus.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import shutil
import time
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Callable

from tests.support.batches import RECORD
from tests.support.commands import ROOT as REPO
from tests.support.commands import installed_thads as thads

PERIOD, PROVINCE = "2024-M11", "93"
STATS = "stats/2024.csv"
KEYS = ("nam", "thang", "don_vi")
TEXT_COLUMNS = ("don_vi", "tinh")
SAMPLE = "Chi cục Thi hành án dân sự huyện Châu Thành, tỉnh Hậu Giang: số liệu đã đối chiếu, thống nhất"


# --- a CSV file of the data folder, to change and write back ----------------------------------------

from tests.support.tables import Csv  # noqa: E402  (shared with test_validation)


# --- legacy Vietnamese encodings, to make files a user may still have --------------------------------

from tests.support.tables import TONES as _TONES, cp1258  # noqa: E402

_TCVN3 = dict(zip("àảãáạăằẳẵắặâầẩẫấậđèẻẽéẹêềểễếệìỉĩíịòỏõóọôồổỗốộơờởỡớợùủũúụưừửữứựỳỷỹýỵĂÂÊÔƠƯĐ",
                  bytes.fromhex("b5b6b7b8b9a8bbbcbdbec6a9c7c8c9cacbaecccecfd0d1aad2d3d4d5d6d7d8dcddde"
                                "dfe1e2e3e4abe5e6e7e8e9aceaebecedeeeff1f2f3f4adf5f6f7f8f9fafbfcfdfe"
                                "a1a2a3a4a5a6a7")))


def tcvn3(text: str) -> bytes:
    """TCVN3 (ABC): one byte per lowercase letter; a capital with a tone is drawn by a capitals font from
    the lowercase code."""
    return b"".join(c.encode() if c.isascii() else bytes([_TCVN3.get(c) or _TCVN3[c.lower()]]) for c in text)


_VNI_TONE = dict(zip(_TONES, (0xF8, 0xF9, 0xF5, 0xFB, 0xEF)))
_VNI_HAT = dict(zip(("", *_TONES), (0xE2, 0xE0, 0xE1, 0xE3, 0xE5, 0xE4)))      # â ầ ấ ẫ ẩ ậ after a, e, o
_VNI_BREVE = dict(zip(("", *_TONES), (0xEA, 0xE8, 0xE9, 0xFC, 0xFA, 0xEB)))    # ă ằ ắ ẵ ẳ ặ after a
_VNI_I = dict(zip(_TONES, (0xEC, 0xED, 0xF3, 0xE6, 0xF2)))                     # ì í ĩ ỉ ị


def vni(text: str) -> bytes:
    """VNI Windows: the base letter, then one byte for its shape and tone; ơ, ư, đ and the toned i are one
    byte; a capital's bytes are 0x20 lower."""
    out = bytearray()
    for char in text:
        if char.isascii():
            out += char.encode()
            continue
        shift = -0x20 if char.isupper() else 0
        base, *marks = unicodedata.normalize("NFD", char)
        tone = "".join(m for m in marks if m in _TONES)
        if char in "đĐ":
            out.append(0xF1 + shift)
        elif base in "iI":
            out.append(_VNI_I[tone] + shift)
        elif "\u031b" in marks:                                  # ơ, ư, then their tone
            out.append((0xF4 if base in "oO" else 0xF6) + shift)
            out += bytes([_VNI_TONE[tone] + shift]) if tone else b""
        else:
            out += base.encode()
            shape = _VNI_HAT if "\u0302" in marks else _VNI_BREVE if "\u0306" in marks else None
            out += bytes([(shape[tone] if shape else _VNI_TONE[tone]) + shift])
    return bytes(out)


def with_text_column(table: Csv) -> Csv:
    """The table with a last column of Vietnamese text, as files exported from older tools have."""
    table.header.append("ghi_chu")
    for row in table.rows:
        row.append(SAMPLE)
    return table


# --- Excel files ----------------------------------------------------------------------------------

def write_xlsx(table: Csv, path: Path, above: list[list[object]] = (), merges: list[str] = (),
               header: list[object] | None = None) -> None:
    """The table as a workbook: `above` rows before the header (titles), then the header, then the rows
    with numbers as numbers; `merges` are cell ranges such as 'A1:F1'."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for row in above:
        sheet.append(list(row))
    sheet.append(list(table.header if header is None else header))
    for row in table.typed_rows():
        sheet.append(row)
    for cells in merges:
        sheet.merge_cells(cells)
    book.save(path)


def column_letter(table: Csv, column: str) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(table.header.index(column) + 1)


def to_xlsx(folder: Path, table: Csv | None = None, **options) -> Csv:
    """stats/2024.csv replaced by stats/2024.xlsx: `table` (by default the CSV's), written by `write_xlsx`."""
    table = table or Csv(folder)
    write_xlsx(table, folder / "stats" / "2024.xlsx", **options)
    (folder / STATS).unlink()
    return table


# --- the corpus -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Expect:
    """What a case must give. Refused: the message names `file`, `row`, `column` and says every fragment of
    `says`. Read: summary.json has `figures` ('viec.phai_thi_hanh': value), `thads validate` notes every
    fragment of `notes`, and when `unchanged`, the rows read are the good folder's: the report is skipped."""

    file: str | None = None
    row: int | None = None
    column: str | None = None
    says: tuple[str, ...] = ()
    figures: dict[str, object] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    unchanged: bool = False

    @property
    def where(self) -> str:
        return (self.file or "") + (f", dòng {self.row}" if self.row else "") + (
            f", cột {self.column}" if self.column else "")


@dataclass(frozen=True)
class Case:
    id: str
    title: str
    read: bool                            # True: must be read right; False: must be refused
    make: Callable[[Path], Expect]        # changes a copy of the small folder, says what to expect
    period: str = PERIOD

    @property
    def expected(self) -> str:
        return "read right" if self.read else "refused"


CASES: list[Case] = []


def case(id: str, title: str, read: bool = False, period: str = PERIOD):
    def register(make: Callable[[Path], Expect]) -> Callable[[Path], Expect]:
        CASES.append(Case(id, title, read, make, period))
        return make
    return register


def _set(folder: Path, column: str, value: str, **at) -> Expect:
    table = Csv(folder)
    line = table.line(**at)
    table.set(column, value, **at)
    table.write()
    return Expect(STATS, line, column)


def _refused(base: Expect, *says: str) -> Expect:
    return Expect(base.file, base.row, base.column, says)


# Columns and cells: every rule of the data contract.

@case("missing-column", "required column missing")
def _(folder):
    table = Csv(folder)
    table.drop("tien_xong")
    table.write()
    return Expect(STATS, 1, "tien_xong", ("thiếu cột bắt buộc",))


@case("unknown-column", "column not in the contract")
def _(folder):
    table = Csv(folder)
    table.header.append("so_lieu_khac")
    for row in table.rows:
        row.append("1")
    table.write()
    return Expect(STATS, 1, "so_lieu_khac", ("không có trong quy ước dữ liệu",))


@case("misspelled-column", "misspelled column, with a hint")
def _(folder):
    table = Csv(folder)
    table.header[table.header.index("viec_xong")] = "viec_xog"
    table.write()
    return Expect(STATS, 1, "viec_xog", ("không có trong quy ước dữ liệu", "(có phải 'viec_xong'?)"))


@case("duplicated-column", "column twice")
def _(folder):
    table = Csv(folder)
    table.header.append("viec_xong")
    for row in table.rows:
        row.append(row[table.header.index("viec_xong")])
    table.write()
    return Expect(STATS, 1, "viec_xong", ("cột bị trùng tên",))


@case("text-in-number", "text in a number column")
def _(folder):
    return _refused(_set(folder, "viec_xong", "mười", thang=5, don_vi="931"), "'mười' không phải số nguyên không âm")


@case("empty-cell", "required cell empty")
def _(folder):
    return _refused(_set(folder, "viec_co_dieu_kien", "", thang=7, don_vi="933"), "ô trống: cột bắt buộc phải có số")


@case("negative", "negative number")
def _(folder):
    return _refused(_set(folder, "tien_xong", "-5", thang=12, don_vi="936"), "số âm '-5'", "không được âm")


@case("nan", "NaN")
def _(folder):
    return _refused(_set(folder, "viec_xong", "NaN", thang=8, don_vi="937"), "'NaN' không phải số nguyên")


@case("inf", "infinity")
def _(folder):
    return _refused(_set(folder, "tien_xong", "inf", thang=8, don_vi="937"), "'inf' không phải số nguyên")


@case("absurdly-large", "absurdly large number")
def _(folder):
    return _refused(_set(folder, "viec_xong", "99999999999999999999", thang=4, don_vi="932"),
                    "giá trị 99999999999999999999 quá lớn", "(tối đa 10000000)")


@case("month-13", "month out of range")
def _(folder):
    return _refused(_set(folder, "thang", "13", thang=12, don_vi="930"), "thang 13 không hợp lệ: cần từ 1 đến 12 (số tháng tính từ 01/10")


@case("unclosed-quote", "unclosed quote swallowing the next lines")
def _(folder):
    table = Csv(folder)
    line = table.line(thang=5, don_vi="931")
    lines = table.text().split("\n")
    lines[line - 1] = lines[line - 1].replace(",931,", ',"931,', 1)
    (folder / STATS).write_text("\n".join(lines), encoding="utf-8")
    return Expect(STATS, line, "don_vi", (f"ô này kéo dài từ dòng {line} đến dòng {len(table.rows) + 1}",
                                          "dấu ngoặc kép"))


# Rows.

@case("duplicated-row", "row twice in one file")
def _(folder):
    table = Csv(folder)
    first = table.line(thang=3, don_vi="931")
    table.rows.append(list(table.rows[table.index(thang=3, don_vi="931")]))
    table.write()
    return Expect(STATS, len(table.rows) + 1, "don_vi", ("dòng trùng: đơn vị 931, năm 2024, 3 tháng (đến 31/12/2023)",
                                                         f"đã có ở {STATS} dòng {first}"))


@case("duplicated-row-two-files", "row again in a second file")
def _(folder):
    table = Csv(folder)
    first = table.line(thang=3, don_vi="931")
    extra = Csv(folder)
    extra.rows = [list(table.rows[table.index(thang=3, don_vi="931")])]
    extra.write("stats/2024_bo_sung.csv")
    return Expect("stats/2024_bo_sung.csv", 2, "don_vi", ("dòng trùng", f"đã có ở {STATS} dòng {first}"))


@case("unknown-office", "unknown office code")
def _(folder):
    return _refused(_set(folder, "don_vi", "939", thang=12, don_vi="930"),
                    "mã đơn vị '939' không có trong danh mục đơn vị", "vào ngày 30/09/2024")


@case("identity-xong", "xong + đình chỉ above có điều kiện")
def _(folder):
    table = Csv(folder)
    at = dict(thang=12, don_vi="934")
    co, dinh_chi = int(table.get("viec_co_dieu_kien", **at)), int(table.get("viec_dinh_chi", **at))
    table.set("viec_xong", co - dinh_chi + 1, **at)
    table.write()
    return Expect(STATS, table.line(**at), "viec_xong", (f"lớn hơn viec_co_dieu_kien ({co})",))


@case("identity-co-dieu-kien", "có điều kiện above phải thi hành")
def _(folder):
    table = Csv(folder)
    at = dict(thang=6, don_vi="933")
    phai = int(table.get("tien_phai_thi_hanh", **at))
    table.set("tien_co_dieu_kien", phai + 1, **at)
    table.write()
    return Expect(STATS, table.line(**at), "tien_co_dieu_kien", (f"lớn hơn tien_phai_thi_hanh ({phai})",))


@case("identity-flow", "phải thi hành ≠ năm trước chuyển sang + thụ lý mới − ủy thác − thu hồi, hủy")
def _(folder):
    table = Csv(folder)
    at = dict(thang=2, don_vi="93")
    table.set("viec_uy_thac", int(table.get("viec_uy_thac", **at)) + 1, **at)
    table.write()
    return Expect(STATS, table.line(**at), "viec_phai_thi_hanh",
                  ("khác viec_nam_truoc_chuyen_sang", "− viec_uy_thac", "− viec_thu_hoi_huy"))


@case("cumulative-falls", "cumulative flow falls")
def _(folder):
    table = Csv(folder)
    before = int(table.get("viec_xong", thang=5, don_vi="931"))
    table.set("viec_xong", before - 1, thang=6, don_vi="931")
    table.write()
    return Expect(STATS, table.line(thang=6, don_vi="931"), "viec_xong",
                  (f"số lũy kế giảm từ {before} (kỳ 5 tháng (đến 29/02/2024)) xuống {before - 1} (kỳ 6 tháng (đến "
                   "31/03/2024))", "không được giảm"))


@case("month-missing", "month missing in the middle of the year")
def _(folder):
    table = Csv(folder)
    del table.rows[table.index(thang=5, don_vi="931")]
    table.write()
    return Expect(STATS, table.line(thang=6, don_vi="931"), "thang",
                  ("đơn vị 931 năm 2024 thiếu số liệu kỳ 5 tháng (đến 29/02/2024)",
                   "(có kỳ 4 tháng (đến 31/01/2024) và kỳ 6 tháng (đến 31/03/2024))"))


@case("wrong-province", "office filed under another province")
def _(folder):
    return _refused(_set(folder, "tinh", "92", thang=3, don_vi="931"), "thuộc tỉnh mã 93, không phải '92'")


@case("period-not-ended", "data for a period not ended yet")
def _(folder):
    today = date.today()
    year, month = today.year + (today.month >= 10), (today.month - 10) % 12 + 1    # month 1 is October
    table = Csv(folder)
    row = list(table.rows[table.index(thang=1, don_vi="93")])
    for column, value in (("nam", year), ("thang", month), ("don_vi", "92"), ("tinh", "92")):
        row[table.header.index(column)] = str(value)
    table.rows = [row]
    table.write("stats/moi.csv")
    return Expect("stats/moi.csv", 2, "thang", ("chưa kết thúc", "không thể có số liệu của kỳ này"))


def _current_period() -> str:
    today = date.today()
    return f"{today.year + (today.month >= 10)}-M{(today.month - 10) % 12 + 1:02d}"


@case("period-asked-not-ended", "report asked for a period not ended yet", period=_current_period())
def _(folder):
    return Expect(None, says=("chưa kết thúc", "kết thúc ngày"))


@case("period-without-data", "no data for the period asked")
def _(folder):
    table = Csv(folder)
    table.rows = [row for row in table.rows if int(row[table.header.index("thang")]) <= 10]
    table.write()
    return Expect(None, says=("Không có số liệu của tỉnh Hậu Giang (mã 93) kỳ 11 tháng năm 2024",))


# Files.

@case("no-stats-folder", "stats/ folder missing")
def _(folder):
    shutil.rmtree(folder / "stats")
    return Expect("stats/", says=("không có tệp số liệu nào", ".csv, .xlsx, .parquet"))


@case("empty-file", "empty file")
def _(folder):
    (folder / STATS).write_bytes(b"")
    return Expect(STATS, says=("tệp rỗng: không có dòng tiêu đề nào",))


@case("header-only", "header and no rows")
def _(folder):
    table = Csv(folder)
    table.rows = []
    table.write()
    return Expect(STATS, says=("tệp chỉ có dòng tiêu đề (dòng 1), không có số liệu",))


@case("no-targets", "targets.csv missing")
def _(folder):
    (folder / "targets.csv").unlink()
    return Expect("targets.csv", says=("không tìm thấy tệp",))


@case("xls-beside-csv", "an .xls file beside the CSV")
def _(folder):
    (folder / "stats" / "2023.xls").write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 504)
    return Expect("stats/2023.xls", says=("định dạng '.xls' không đọc được", "lưu lại dạng .xlsx hoặc 'CSV UTF-8'"))


@case("ods-only", "only an .ods file in stats/")
def _(folder):
    (folder / STATS).rename(folder / "stats" / "2024.ods")
    return Expect("stats/2024.ods", says=("'.ods' không đọc được", ".csv, .xlsx, .parquet"))


@case("excel-lock-file", "Excel lock file: the workbook is open")
def _(folder):
    to_xlsx(folder)
    (folder / "stats" / "~$2024.xlsx").write_bytes(b"\x0bthads-user" + b"\x20" * 43)
    return Expect("stats/~$2024.xlsx", says=("đang mở trong Excel", "đóng Excel rồi chạy lại"))


# Vietnamese number formats.

@case("vn-thousands", "'11.410', '3.343.000': dots between thousands", read=True)
def _(folder):
    table = Csv(folder)
    at = dict(thang=11, don_vi="930")
    delta = 11410 - int(table.get("viec_phai_thi_hanh", **at))
    table.set("viec_phai_thi_hanh", 11410, **at)
    table.set("viec_chua_co_dieu_kien", 11410 - int(table.get("viec_co_dieu_kien", **at)), **at)
    # The flow of cases still adds up (phải thi hành = năm trước chuyển sang + thụ lý mới − ủy thác − thu hồi, hủy).
    table.set("viec_nam_truoc_chuyen_sang", int(table.get("viec_nam_truoc_chuyen_sang", **at)) + delta, **at)
    for month in (11, 12):         # đình chỉ is cumulative: month 12 may not fall below month 11
        table.set("tien_dinh_chi", 3343000, thang=month, don_vi="935")
    figures = {"viec.phai_thi_hanh": table.total("viec_phai_thi_hanh", thang=11),
               "tien.thi_hanh_xong": table.total("tien_xong", thang=11) + table.total("tien_dinh_chi", thang=11)}
    month = table.header.index("thang")
    for row in table.rows:         # every figure of month 11 written the Vietnamese way: 2.151, 367.261.238
        if row[month] == "11":
            for i, column in enumerate(table.header):
                if column not in KEYS + TEXT_COLUMNS and len(row[i]) > 3:
                    row[i] = f"{int(row[i]):,}".replace(",", ".")
    table.write()
    text = (folder / STATS).read_text("utf-8")
    assert ",11.410," in text and ",3.343.000," in text
    return Expect(figures=figures, notes=("ô ghi số kiểu Việt Nam", "đã đọc là số nguyên"))


@case("vn-decimal-comma-target", "target '84,15' with a decimal comma", read=True)
def _(folder):
    table = Csv(folder, "targets.csv")
    table.set("chi_tieu_viec", "84,15", nam=2024, tinh="93")     # the writer quotes it
    table.set("chi_tieu_tien", "47,5", nam=2024, tinh="93")
    table.write()
    return Expect(figures={"viec.chi_tieu": 84.15, "tien.chi_tieu": 47.5})


@case("targets-semicolons", "targets.csv from Excel in Vietnamese: ';' and decimal commas", read=True)
def _(folder):
    table = Csv(folder, "targets.csv")
    for row in table.rows:
        row[2:] = [value.replace(".", ",") for value in row[2:]]
    table.set("chi_tieu_viec", "84,15", nam=2024, tinh="93")
    table.write(delimiter=";", newline="\r\n")
    return Expect(figures={"viec.chi_tieu": 84.15, "tien.chi_tieu": 46.75}, notes=("ngăn cách bằng ';'",))


@case("ambiguous-comma", "'11,410': comma, thousands or decimals?")
def _(folder):
    return _refused(_set(folder, "viec_phai_thi_hanh", "11,410", thang=10, don_vi="930"),
                    "'11,410' có dấu phẩy", "cần số nguyên viết liền")


@case("ambiguous-dot", "'11.41': not a thousands separator")
def _(folder):
    return _refused(_set(folder, "viec_phai_thi_hanh", "11.41", thang=10, don_vi="930"),
                    "'11.41' không phải số nguyên")


# Encodings.

@case("cp1258", "Windows-1258 (legacy Vietnamese Windows)")
def _(folder):
    (folder / STATS).write_bytes(cp1258(with_text_column(Csv(folder)).text()))
    return Expect(STATS, says=("không phải UTF-8", "Windows-1258 (cp1258)", "dòng 2", "lưu lại dạng 'CSV UTF-8'"))


@case("tcvn3", "TCVN3 (ABC, .VnTime fonts)")
def _(folder):
    (folder / STATS).write_bytes(tcvn3(with_text_column(Csv(folder)).text()))
    return Expect(STATS, says=("không phải UTF-8", "có vẻ là mã TCVN3", "Unikey", "mã nguồn TCVN3"))


@case("vni", "VNI Windows (VNI-Times fonts)")
def _(folder):
    (folder / STATS).write_bytes(vni(with_text_column(Csv(folder)).text()))
    return Expect(STATS, says=("không phải UTF-8", "có vẻ là mã VNI Windows", "Unikey", "mã nguồn VNI"))


@case("utf16-no-bom", "UTF-16 without a BOM")
def _(folder):
    (folder / STATS).write_bytes(Csv(folder).text().encode("utf-16-le"))
    return Expect(STATS, says=("byte 0 (NUL)", "UTF-16 không có BOM", "lưu lại dạng 'CSV UTF-8'"))


@case("utf16-tab", "UTF-16 with BOM, tabs (Excel 'Unicode text')", read=True)
def _(folder):
    table = Csv(folder)
    (folder / STATS).write_bytes(table.text(delimiter="\t", newline="\r\n").encode("utf-16"))
    return Expect(figures={"viec.phai_thi_hanh": 11410, "tien.phai_thi_hanh": 3343486215},
                  notes=("tệp mã UTF-16", "ngăn cách bằng 'TAB'"), unchanged=True)


@case("utf8-bom-crlf", "UTF-8 with BOM and CRLF", read=True)
def _(folder):
    table = Csv(folder)
    (folder / STATS).write_bytes(b"\xef\xbb\xbf" + table.text(newline="\r\n").encode("utf-8"))
    return Expect(figures={"viec.phai_thi_hanh": 11410, "tien.phai_thi_hanh": 3343486215},
                  notes=("tệp UTF-8 có BOM, đã bỏ BOM", "dòng kết thúc kiểu Windows (CRLF)"), unchanged=True)


# Excel.

_TITLES = [["BÁO CÁO KẾT QUẢ THI HÀNH ÁN DÂN SỰ"], ["Đơn vị: Cục Thi hành án dân sự tỉnh Hậu Giang"]]


@case("xlsx-title-rows", "Excel, title rows above the header", read=True)
def _(folder):
    to_xlsx(folder, above=_TITLES)
    return Expect(figures={"viec.phai_thi_hanh": 11410, "tien.phai_thi_hanh": 3343486215},
                  notes=("bỏ qua 2 dòng tiêu đề phụ",), unchanged=True)


@case("xlsx-merged-titles", "Excel, merged title and group titles above the header", read=True)
def _(folder):
    table = Csv(folder)
    at = lambda column: column_letter(table, column)  # noqa: E731
    groups = ["Kỳ báo cáo", "", "Đơn vị", "Số việc", "", "", "Số tiền (nghìn đồng)"]
    to_xlsx(folder, above=[_TITLES[0], groups],
            merges=[f"A1:{at('tinh')}1", "A2:B2", f"{at('viec_phai_thi_hanh')}2:{at('viec_xong')}2",
                    f"{at('tien_phai_thi_hanh')}2:{at('tien_xong')}2"])
    return Expect(figures={"viec.phai_thi_hanh": 11410, "tien.phai_thi_hanh": 3343486215},
                  notes=("bỏ qua 2 dòng tiêu đề phụ",), unchanged=True)


@case("xlsx-two-row-header", "Excel, header on two rows, key names merged down", read=True)
def _(folder):
    table = Csv(folder)
    at = lambda column: column_letter(table, column)  # noqa: E731
    keys = list(KEYS) + ["tinh"]
    upper = [c if c in keys else "" for c in table.header]
    upper[table.header.index("viec_phai_thi_hanh")] = "Số việc"
    upper[table.header.index("tien_phai_thi_hanh")] = "Số tiền (nghìn đồng)"
    lower = ["" if c in keys else c for c in table.header]
    to_xlsx(folder, above=[_TITLES[0], upper], header=lower,
            merges=[f"A1:{at('tinh')}1", f"{at('viec_phai_thi_hanh')}2:{at('viec_xong')}2",
                    f"{at('tien_phai_thi_hanh')}2:{at('tien_xong')}2"] + [f"{at(c)}2:{at(c)}3" for c in keys])
    return Expect(figures={"viec.phai_thi_hanh": 11410, "tien.phai_thi_hanh": 3343486215},
                  notes=("tiêu đề bảng gồm các dòng 2-3",), unchanged=True)


@case("xlsx-units-row", "Excel, a row of units under the column names", read=True)
def _(folder):
    table = Csv(folder)
    units = ["" if c in KEYS + TEXT_COLUMNS else "(nghìn đồng)" if c.startswith("tien_") else "(việc)"
             for c in table.header]
    table.rows.insert(0, units)
    to_xlsx(folder, table, above=_TITLES)
    return Expect(figures={"viec.phai_thi_hanh": 11410, "tien.phai_thi_hanh": 3343486215},
                  notes=("tiêu đề bảng gồm các dòng 3-4",), unchanged=True)


@case("xlsx-numeric-codes", "Excel, office codes stored as numbers", read=True)
def _(folder):
    table = Csv(folder)
    table.rows = table.typed_rows()
    for row in table.rows:
        row[table.header.index("don_vi")] = int(row[table.header.index("don_vi")])    # 93, 930: no zero lost
    to_xlsx(folder, table)
    return Expect(figures={"viec.phai_thi_hanh": 11410, "tien.phai_thi_hanh": 3343486215}, unchanged=True)


@case("xlsx-code-lost-zero", "Excel, office '024' stored as the number 24 (also a province's code)")
def _(folder):
    table = Csv(folder)        # without the optional tinh column, nothing else would tell 024 from 24
    table.rows = [list(table.rows[table.index(thang=1, don_vi="93")])]
    table.drop("tinh")
    typed = table.typed_rows()
    typed[0][table.header.index("don_vi")] = 24
    table.rows = typed
    write_xlsx(table, folder / "stats" / "ha_giang.xlsx")
    return Expect("stats/ha_giang.xlsx", 2, "don_vi", ("mã đơn vị ghi dạng số 24", "không rõ là '024' hay '24'",
                                                       "cần mã dạng văn bản"))


@case("xlsx-merge-hides-column", "Excel, header cells merged over a column name")
def _(folder):
    table = Csv(folder)
    to_xlsx(folder, above=_TITLES, merges=[f"{column_letter(table, 'nam')}3:{column_letter(table, 'thang')}3"])
    return Expect("stats/2024.xlsx", says=("không tìm thấy dòng tiêu đề có các cột nam, thang, don_vi", "'Sheet'"))


@case("xlsx-vietnamese-header", "Excel, header in words instead of column names")
def _(folder):
    table = Csv(folder)
    words = {"nam": "Năm", "thang": "Tháng", "don_vi": "Đơn vị"}
    to_xlsx(folder, above=_TITLES, header=[words.get(c, c) for c in table.header])
    return Expect("stats/2024.xlsx", says=("không tìm thấy dòng tiêu đề có các cột nam, thang, don_vi",))


# --- running a case -------------------------------------------------------------------------------

def write_small_folder(folder: Path) -> Path:
    """The small folder of conftest.hau_giang_2024, for the bench, which runs without pytest."""
    data = REPO / "data"
    (folder / "stats").mkdir(parents=True)
    with open(data / "stats" / "2024.csv", encoding="utf-8", newline="") as source, \
            open(folder / "stats" / "2024.csv", "w", encoding="utf-8", newline="") as target:
        reader, writer = csv.reader(source), csv.writer(target, lineterminator="\n")
        header = next(reader)
        writer.writerow(header)
        writer.writerows(row for row in reader if row[header.index("tinh")] == PROVINCE)
    for name in ("targets.csv", "dataset.yml"):
        shutil.copy(data / name, folder / name)
    return folder


def snapshot(out: Path) -> dict[str, str]:
    """sha256 of every file under `out`, by path relative to it; not what a batch keeps for itself, which every run
    may write anew: the record of the last batch (last-run.json) and its working folder (.work/)."""
    return {path: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(out.rglob("*"))
            if p.is_file() and (path := p.relative_to(out).as_posix()) != RECORD and not path.startswith((".work/", ".thads/"))}


@dataclass
class Good:
    """The good earlier report: its data folder, output folder and the bytes of every file there."""

    data: Path
    out: Path
    files: dict[str, str]


def make_good(data: Path, out: Path) -> Good:
    done = thads("run", "--data", data, "--period", PERIOD, "--province", PROVINCE, "--format", "html,pdf,docx",
                 "--out", out)
    if done.returncode != 0:
        raise RuntimeError(f"the good report failed:\n{done.stderr}")
    return Good(data, out, snapshot(out))


@dataclass
class Outcome:
    case: Case
    expect: Expect
    code: int
    stdout: str
    stderr: str
    lost: list[str]                  # files of the good report changed or gone, and new files beside them
    seconds: float
    summary: dict | None = None      # read cases: summary.json of the report made
    notes: str = ""                  # read cases: what `thads validate` printed

    @property
    def traceback(self) -> bool:
        return "Traceback" in self.stdout + self.stderr

    @property
    def message(self) -> str | None:
        """The line of the error output that names the expected place and says what was expected."""
        where = self.expect.where + ": " if self.expect.file else ""
        return next((line.strip() for line in self.stderr.splitlines()
                     if where in line and all(s in line for s in self.expect.says)), None)

    @property
    def clear(self) -> bool:
        return self.code == 1 and not self.traceback and self.message is not None

    @property
    def wrong_figures(self) -> list[str]:
        def figure(path: str):
            value = self.summary
            for key in path.split("."):
                value = value.get(key) if isinstance(value, dict) else None
            return value
        if self.summary is None:
            return ["no summary.json"]
        return [f"{p}: {figure(p)} instead of {v}" for p, v in self.expect.figures.items() if figure(p) != v]

    @property
    def missing_notes(self) -> list[str]:
        return [n for n in self.expect.notes if n not in self.notes]

    @property
    def rebuilt(self) -> bool | None:
        """Whether the run made the report again (False: skipped as current), from its summary line."""
        made = re.search(r"Đã tạo (\d+), bỏ qua (\d+), lỗi 0\.", self.stderr)
        return None if made is None else made[1] == "1"

    @property
    def read_right(self) -> bool:
        return (self.code == 0 and not self.traceback and not self.wrong_figures and not self.missing_notes
                and self.rebuilt is not None and self.rebuilt != self.expect.unchanged)

    @property
    def got(self) -> str:
        if self.code == 0:
            return ("read right" if self.read_right else "read WRONG") if self.case.read else "accepted"
        return "refused" if self.code == 1 else f"exit code {self.code}"

    @property
    def ok(self) -> bool:
        return (self.read_right if self.case.read else self.clear) and not self.lost

    def explain(self) -> str:
        return (f"{self.case.id}: expected {self.case.expected}, got {self.got}; expected message "
                f"'{self.expect.where}: ...{' ... '.join(self.expect.says)}'\nexit code {self.code}\n"
                f"stderr:\n{self.stderr[-3000:]}\nlost or changed: {self.lost}\n"
                + (f"figures: {self.wrong_figures}, notes missing: {self.missing_notes}, report made again: "
                   f"{self.rebuilt} (expected {not self.expect.unchanged})\n{self.notes}" if self.case.read else ""))


def lost_files(good: Good) -> list[str]:
    """Files of the good report whose bytes changed or that are gone, and new files outside .lock/.work."""
    now = snapshot(good.out)
    changed = [f"{p} {'changed' if p in now else 'gone'}" for p, digest in good.files.items() if now.get(p) != digest]
    new = [f"{p} new" for p in now if p not in good.files and not p.startswith((".lock", ".work/", ".thads/"))]
    return changed + new


def try_case(case: Case, good: Good, work: Path) -> Outcome:
    """Make the case's copy of the good folder in `work`, run `thads run` on it and judge the result. A case to
    be refused writes into the good report's folder; one to be read right, into a copy of it."""
    folder = work / "data"
    shutil.copytree(good.data, folder)
    expect = case.make(folder)
    out = work / "out" if case.read else good.out
    if case.read:
        shutil.copytree(good.out, out)
    started = time.perf_counter()
    done = thads("run", "--data", folder, "--period", case.period, "--province", PROVINCE, "--format", "html,pdf,docx",
                 "--out", out)
    outcome = Outcome(case, expect, done.returncode, done.stdout, done.stderr, lost_files(good),
                      time.perf_counter() - started)
    if case.read:
        summary = out / case.period / PROVINCE / "summary.json"
        outcome.summary = json.loads(summary.read_text("utf-8")) if summary.is_file() else None
        outcome.notes = thads("validate", "--data", folder).stdout
    return outcome
