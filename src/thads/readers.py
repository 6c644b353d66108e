"""Read tabular files (CSV, XLSX, Parquet) into raw cells, keeping where each value came from.

Every reader returns a `RawTable`: the header, the rows as lists of raw cell values, and for each row
the line (CSV), sheet row (XLSX) or record number (Parquet) a user would look for. Encodings are
checked here: UTF-8 with or without BOM is read; UTF-16 with a BOM (Excel's "Unicode text") and UTF-32 are read
and the conversion noted; anything else is refused with the encoding it looks like (the legacy
Vietnamese ones, Windows-1258, TCVN3 and VNI, are told apart) and how to convert it. A file in stats/
that no reader reads (.xls, .ods, .txt...) is refused, not left out unseen; so is an Excel lock file.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import zip_longest
from pathlib import Path

import charset_normalizer
import pyarrow as pa
import pyarrow.csv as arrow_csv

from thads.errors import Problem, ThadsError

SUFFIXES = (".csv", ".xlsx", ".parquet")
# A statistics file of every office in the country over a year is about 2 MB: one far larger is not one, and is
# refused before it is read, not after reading it has filled the memory.
FILE_LIMIT = 200 * 2**20


@dataclass
class RawTable:
    name: str                          # path shown in messages, relative to the data folder
    header: list[str]
    rows: Sequence[list[object]]
    row_numbers: list[int]
    notes: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    header_row: int | None = None      # line or sheet row of the header, for problems with columns
    text: pa.Table | None = None       # the same cells as text columns, when read so (`_plain_csv`)


class _Rows(Sequence):
    """The rows of a table read as text columns, each made a list of its cells when asked for."""

    def __init__(self, text: pa.Table):
        self.text = text

    def __len__(self) -> int:
        return self.text.num_rows

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if not -len(self) <= index < len(self):
            raise IndexError(index)
        return [column[index].as_py() for column in self.text.columns]


# The legacy Vietnamese encodings a file may be in, so that the one that turns its bytes into Vietnamese words
# can be named. Windows-1258: vowels with their shape, tones as combining marks after them ('Hậu' is H, â,
# U+0323, u). TCVN3 (ABC, fonts .VnTime...): one byte per lowercase letter, capitals with a tone drawn by a
# capitals font. VNI Windows (fonts VNI-Times...): the base letter, then one byte for shape and tone ('Haäu').
_TCVN3 = {b: c for b, c in zip(range(0xA1, 0xFF), "ĂÂÊÔƠƯĐăâêôơưđ      àảãáạ ằẳẵắ       ặầẩẫấậè ẻẽéẹềểễếệìỉ   "
                                                 "ĩíịò ỏõóọồổỗốộờởỡớợù ủũúụừửữứựỳỷỹýỵ") if c != " "}
_VNI_MARKS = {0xE2: "\u0302", 0xE1: "\u0302\u0301", 0xE0: "\u0302\u0300", 0xE5: "\u0302\u0309",   # â ấ ầ ẩ
              0xE3: "\u0302\u0303", 0xE4: "\u0302\u0323", 0xEA: "\u0306", 0xE9: "\u0306\u0301",   # ẫ ậ ă ắ
              0xE8: "\u0306\u0300", 0xFA: "\u0306\u0309", 0xFC: "\u0306\u0303", 0xEB: "\u0306\u0323",   # ằ ẳ ẵ ặ
              0xF9: "\u0301", 0xF8: "\u0300", 0xFB: "\u0309", 0xF5: "\u0303", 0xEF: "\u0323"}   # tones
_VNI_LETTERS = {0xF1: "đ", 0xF4: "ơ", 0xF6: "ư", 0xEC: "ì", 0xED: "í", 0xE6: "ỉ", 0xF3: "ĩ", 0xF2: "ị", 0xEE: "ỵ"}
_VNI = {**_VNI_MARKS, **{b - 0x20: m for b, m in _VNI_MARKS.items()},       # capitals: 0x20 lower
        **_VNI_LETTERS, **{b - 0x20: c.upper() for b, c in _VNI_LETTERS.items()}}
_LEGACY = {   # name shown to the user: how to read bytes 0x80-0xFF (on the Latin-1 reading of the file)
    "Windows-1258 (cp1258)": {b: bytes([b]).decode("cp1258", errors="replace") for b in range(0x80, 0x100)},
    "TCVN3 (ABC, phông .VnTime)": {b: _TCVN3.get(b, "\ufffd") for b in range(0x80, 0x100)},
    "VNI Windows (phông VNI-Times)": {b: _VNI.get(b, "\ufffd") for b in range(0x80, 0x100)},
}
_TONES = "\u0300\u0301\u0303\u0309\u0323"
_LETTERS = {unicodedata.normalize("NFC", base + tone) for base in "aăâeêioôơuưy" for tone in ("", *_TONES)} | {"đ"}
_LETTERS = frozenset(c for c in _LETTERS | {c.upper() for c in _LETTERS} if not c.isascii())
_SEPARATORS = re.compile(r"[\s\d!-/:-@\[-`{-~]+")


def _vietnamese_share(text: str) -> float:
    """The share of the words with non-ASCII letters of an NFC text that are written like Vietnamese: only
    Vietnamese letters, at most one tone. A wrong decoding gives symbols ('hµnh'), stray marks or two tones."""
    words = [w for w in _SEPARATORS.split(text) if not w.isascii()]
    good = [w for w in words if all(c.isascii() or c in _LETTERS for c in w)
            and sum(c in _TONES for c in unicodedata.normalize("NFD", w)) <= 1]
    return len(good) / len(words) if words else 0.0


def _legacy_encoding(data: bytes) -> str | None:
    """The legacy encoding `data` looks like: the Vietnamese ones first, which generic detection misses."""
    text = data[:1 << 18].decode("latin-1")
    readings = {name: unicodedata.normalize("NFC", text.translate(table)) for name, table in _LEGACY.items()}
    # The most Vietnamese-looking reading; on a tie (a short text), the one that composes the most letters.
    scores = {name: (_vietnamese_share(reading), -len(reading)) for name, reading in readings.items()}
    best = max(scores, key=scores.get)
    if scores[best][0] >= 0.8:
        return best
    guess = charset_normalizer.from_bytes(data).best()
    return guess.encoding if guess and guess.encoding not in ("utf_8", "ascii") else None


def _decode(data: bytes, name: str) -> tuple[str, list[str]]:
    """Text of a CSV file, and notes on what was done to read it."""
    notes: list[str] = []
    # UTF-32 first: its byte-order mark begins with UTF-16's.
    for encoding, boms, origin in (("utf-32", (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff"), ""),
                                   ("utf-16", (b"\xff\xfe", b"\xfe\xff"), " (xuất từ Excel dạng Unicode text)")):
        if data.startswith(boms):
            label = encoding.upper()
            notes.append(f"{name}: tệp mã {label}{origin}, đã đọc và chuyển sang UTF-8.")
            try:
                return data.decode(encoding), notes
            except UnicodeDecodeError:
                raise ThadsError(f"{name}: tệp bắt đầu như {label} nhưng không đọc được theo mã này (tệp bị cắt "
                                 "hoặc hỏng?): hãy mở tệp và lưu lại dạng 'CSV UTF-8'.") from None
    if b"\x00" in data[:4096]:
        raise ThadsError(f"{name}: tệp có byte 0 (NUL): không phải tệp CSV văn bản, hoặc là UTF-16 không có BOM. "
                         "Hãy mở tệp và lưu lại dạng 'CSV UTF-8'.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        guess = _legacy_encoding(data)
        named = f"có vẻ là mã {guess}" if guess else "mã không xác định"
        line = data[:exc.start].count(b"\n") + 1
        fix = ("hãy chuyển mã sang Unicode (ví dụ bằng công cụ chuyển mã của Unikey, Ctrl+Shift+F6, mã nguồn "
               f"{guess.split()[0]}, mã đích Unicode) rồi lưu lại dạng 'CSV UTF-8'"
               if guess and guess.startswith(("TCVN3", "VNI")) else "hãy mở tệp và lưu lại dạng 'CSV UTF-8'")
        raise ThadsError(
            f"{name}: tệp không phải UTF-8 ({named}; byte lỗi đầu tiên ở dòng {line}). Các mã cũ như "
            f"TCVN3 (ABC), VNI, Windows-1258 không được đọc để tránh sai chữ: {fix}.") from None
    if data.startswith(b"\xef\xbb\xbf"):
        notes.append(f"{name}: tệp UTF-8 có BOM, đã bỏ BOM.")
    return text, notes


def _read_csv(path: Path, name: str) -> RawTable:
    text, notes = _decode(path.read_bytes(), name)
    if "\r\n" in text:
        notes.append(f"{name}: dòng kết thúc kiểu Windows (CRLF), đã đọc bình thường.")
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") and sample.count(";") > sample.count("\t") else (
        "\t" if sample.count("\t") > sample.count(",") else ",")
    if delimiter != ",":
        notes.append(f"{name}: các cột ngăn cách bằng '{'TAB' if delimiter == chr(9) else delimiter}'.")
    plain = _plain_csv(text, delimiter, name, notes)
    if plain is not None:
        return plain
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    header_line: int | None = None
    rows, numbers, problems = [], [], []
    last = 0
    try:
        for record in reader:
            first, last = last + 1, reader.line_num
            if last > first:   # a cell over several lines: a quote opened and not closed on its line
                cell = next(i for i, c in enumerate(record) if "\n" in c or "\r" in c)
                problems.append(Problem(name, f"ô này kéo dài từ dòng {first} đến dòng {last}: có dấu ngoặc kép (\") "
                                        "mở mà không đóng trên cùng dòng? Mỗi ô phải nằm trên một dòng",
                                        first, header[cell] if header and cell < len(header) else None))
                continue
            if header is None:
                if "".join(record).strip():
                    header = [cell.strip() for cell in record]
                    header_line = reader.line_num
                continue
            if not "".join(record).strip():
                continue
            rows.append(record)
            numbers.append(reader.line_num)
    except csv.Error as exc:   # e.g. an unclosed quote swallowing more than the field size limit, a NUL byte
        raise ThadsError(f"{name}: không đọc được dạng CSV ở dòng {reader.line_num} ({exc}); kiểm tra các "
                         "dấu ngoặc kép.") from None
    table = RawTable(name, header or [], rows, numbers, notes, problems, header_line)
    if header is None and not problems:
        table.problems.append(Problem(name, "tệp rỗng: không có dòng tiêu đề nào."))
    elif not rows:
        table.problems.append(Problem(name, f"tệp chỉ có dòng tiêu đề (dòng {header_line}), không có số liệu."))
    return table


def _plain_csv(text: str, delimiter: str, name: str, notes: list[str]) -> RawTable | None:
    """The table of a plain CSV text read at Arrow speed, as text columns: the header on line 1, then a row on every
    line, each with one cell per column, with no quote, no blank line between them, no lone carriage return and no
    line longer than the csv module reads. None for any other text: the csv module reads it, and says what is wrong
    with it, line by line. A statistics file exported from a spreadsheet is plain; its cells are the same strings
    the csv module would give."""
    if '"' in text or "\x00" in text or text.count("\r") != text.count("\r\n"):
        return None
    lines = text.replace("\r\n", "\n").split("\n")
    while lines and lines[-1] == "":
        lines.pop()
    if len(lines) < 2 or max(map(len, lines)) > csv.field_size_limit() or any(
            not line.replace(delimiter, "").strip() for line in lines):
        return None
    header = [cell.strip() for cell in lines[0].split(delimiter)]
    if "" in header or len(set(header)) < len(header):
        return None
    try:
        table = arrow_csv.read_csv(
            io.BytesIO(text.encode("utf-8")),
            read_options=arrow_csv.ReadOptions(column_names=header, skip_rows=1, use_threads=False),
            parse_options=arrow_csv.ParseOptions(delimiter=delimiter, quote_char=False, double_quote=False,
                                                 escape_char=False, newlines_in_values=False),
            convert_options=arrow_csv.ConvertOptions(column_types={column: pa.string() for column in header},
                                                     strings_can_be_null=False, quoted_strings_can_be_null=False))
    except (pa.ArrowInvalid, ValueError):        # a row with more or fewer cells than the header has columns
        return None
    if table.num_rows != len(lines) - 1:
        return None
    return RawTable(name, header, _Rows(table), list(range(2, len(lines) + 1)), notes, [], 1, table)


_COLUMN_NAME = re.compile(r"[a-z][a-z0-9_]*")


def _label_row(names: list[str], header: list[str], required: tuple[str, ...]) -> bool:
    """True for a row just under a header that goes on with it: nothing under the required columns (their
    names merged down over both rows, or left blank) and only labels elsewhere, no numbers."""
    under = [names[header.index(c)] for c in required if header.index(c) < len(names)]
    filled = [n for n in names if n]
    return not any(under) and bool(filled) and not any(re.fullmatch(r"[-+\d.,\s]+", n) for n in filled)


def _column_name(above: str, below: str) -> str:
    """The name of a column whose header is on two rows: the one written like a column name ('viec_xong'),
    not a group title above it ('Số việc') nor a unit below it ('(việc)')."""
    return below if _COLUMN_NAME.fullmatch(below) or not above else above


def _sheet(sheet, name: str, required: tuple[str, ...]) -> RawTable | None:
    """One sheet from its header row: the first row naming every `required` column; title rows above it are
    skipped. A header on two rows or more (group titles such as 'Số việc' merged over their columns on the
    upper row, the column names on the lower one, the required names merged down over both; or a row of units
    under the names) is read as one. None when the sheet has no such header."""
    sheet.reset_dimensions()    # read the rows the file holds, not the range its header claims (a million?)
    header, header_row, first_header_row, rows, numbers = None, None, None, [], []
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        cells = ["" if v is None else v for v in values]
        names = [str(c).strip() for c in cells]
        if header is None:
            if all(column in names for column in required):
                header, header_row, first_header_row = names, number, number
            continue
        if not rows and _label_row(names, header, required):
            header = [_column_name(above, below) for above, below in zip_longest(header, names, fillvalue="")]
            header_row = number
            continue
        if any(names):
            rows.append(cells)
            numbers.append(number)
    if header is None:
        return None
    table = RawTable(name, header, rows, numbers, header_row=header_row)
    while header and header[-1] == "":
        header.pop()
    if first_header_row > 1:
        table.notes.append(f"{name}: bỏ qua {first_header_row - 1} dòng tiêu đề phụ phía trên bảng.")
    if header_row > first_header_row:
        table.notes.append(f"{name}: tiêu đề bảng gồm các dòng {first_header_row}-{header_row} (có ô gộp, nhóm "
                           "cột hoặc đơn vị tính), đã ghép lại thành một dòng tên cột.")
    if not rows:
        table.problems.append(Problem(name, "tệp chỉ có dòng tiêu đề, không có số liệu."))
    return table


def _read_xlsx(path: Path, name: str, required: tuple[str, ...]) -> list[RawTable]:
    """Every visible sheet that holds a table (its header names the required columns), each named in messages
    when there are several; hidden sheets are never read as data, and the sheets passed over are said."""
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise ThadsError(f"{name}: không mở được tệp Excel ({type(exc).__name__}: {exc}).") from None
    try:
        visible = [s for s in book.worksheets if s.sheet_state == "visible"]
        hidden = [s.title for s in book.worksheets if s.sheet_state != "visible"]
        named = len(visible) > 1
        found = [(sheet, _sheet(sheet, f"{name}, trang '{sheet.title}'" if named else name, required))
                 for sheet in visible]
    finally:
        book.close()
    tables = [table for _, table in found if table is not None]
    skipped = [sheet.title for sheet, table in found if table is None]
    if not tables:
        pages = ", ".join(f"'{s.title}'" for s in visible) or "(không có trang nào hiện)"
        empty = RawTable(name, [], [], [])
        empty.problems.append(Problem(name, f"không tìm thấy dòng tiêu đề có các cột {', '.join(required)} trong "
                                            f"trang {pages} (tiêu đề gộp ô che mất tên cột, hoặc đặt tên cột khác?)."))
        return [empty]
    if skipped or hidden:
        read = ", ".join(f"'{sheet.title}'" for sheet, table in found if table is not None)
        tables[0].notes.append(f"{name}: đọc trang {read}"
                               + (f"; bỏ qua trang {', '.join(map(repr, skipped))} (không có dòng tiêu đề số liệu)"
                                  if skipped else "")
                               + (f"; bỏ qua trang ẩn {', '.join(map(repr, hidden))}" if hidden else "") + ".")
    return tables


def _read_parquet(path: Path, name: str) -> RawTable:
    import pandas as pd

    try:
        frame = pd.read_parquet(path)
    except Exception as exc:
        raise ThadsError(f"{name}: không đọc được tệp Parquet ({type(exc).__name__}: {exc}).") from None
    rows = [list(r) for r in frame.itertuples(index=False, name=None)]
    table = RawTable(name, [str(c) for c in frame.columns], rows, list(range(1, len(rows) + 1)))
    if not rows:
        table.problems.append(Problem(name, "tệp không có bản ghi nào."))
    return table


def _unreadable(suffix: str, folder: str) -> str:
    return (f"định dạng '{suffix or '(không có đuôi)'}' không đọc được (chỉ đọc {', '.join(SUFFIXES)}): nếu là số "
            f"liệu, hãy mở bằng Excel và lưu lại dạng .xlsx hoặc 'CSV UTF-8'; nếu không, hãy chuyển tệp ra khỏi "
            f"thư mục {folder}")


def unreadable_files(folder: Path, shown: str) -> list[Problem]:
    """Files of a statistics folder that no reader reads (.xls, .ods, .txt...), each a problem: a file left out
    unseen could be data missing from a report. Folders, hidden files and Office lock files (~$...) are not
    data and are passed over. `shown` is how messages name the folder, e.g. 'stats/'."""
    return [Problem(shown + p.name, _unreadable(p.suffix, shown)) for p in sorted(folder.iterdir())
            if p.is_file() and p.suffix.lower() not in SUFFIXES and not p.name.startswith((".", "~$"))]


def read_table(path: Path, name: str, required: tuple[str, ...]) -> RawTable:
    """Read one file holding one table; `name` is how messages refer to it."""
    return read_tables(path, name, required)[0]


def read_tables(path: Path, name: str, required: tuple[str, ...]) -> list[RawTable]:
    """Read one file: one table, or one per sheet of a workbook that holds several; `name` is how messages
    refer to it; `required` helps find an Excel header."""
    if not path.is_file():
        raise ThadsError(f"{name}: không tìm thấy tệp.")
    if path.name.startswith("~$"):
        raise ThadsError(f"{name}: tệp tạm của Excel: tệp {path.name[2:]} đang mở trong Excel (có thể đang sửa dở). "
                         "Hãy lưu, đóng Excel rồi chạy lại; nếu Excel đã đóng, hãy xóa tệp tạm này.")
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise ThadsError(f"{name}: {_unreadable(suffix, name.removesuffix(path.name) or './')}.")
    size = path.stat().st_size
    if size > FILE_LIMIT:
        raise ThadsError(f"{name}: tệp quá lớn ({size / 2**20:.0f} MB; tối đa {FILE_LIMIT // 2**20} MB) cho một tệp số "
                         "liệu: số liệu cả nước một năm chỉ khoảng 2 MB. Hãy kiểm tra lại tệp (có thể là tệp khác đặt "
                         "nhầm vào thư mục, hoặc tệp bị hỏng).")
    if suffix == ".xlsx":
        return _read_xlsx(path, name, required)
    return [_read_csv(path, name) if suffix == ".csv" else _read_parquet(path, name)]
