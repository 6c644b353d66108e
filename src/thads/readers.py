"""Read tabular files (CSV, XLSX, Parquet) into raw cells, keeping where each value came from.

Every reader returns a `RawTable`: the header, the rows as lists of raw cell values, and for each row
the line (CSV), sheet row (XLSX) or record number (Parquet) a user would look for. Encodings are
checked here: UTF-8 with or without BOM is read; UTF-16 with a BOM (Excel's "Unicode text") is read
and the conversion noted; anything else is refused with the encoding it looks like.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import charset_normalizer

from thads.errors import Problem, ThadsError

SUFFIXES = (".csv", ".xlsx", ".parquet")


@dataclass
class RawTable:
    name: str                          # path shown in messages, relative to the data folder
    header: list[str]
    rows: list[list[object]]
    row_numbers: list[int]
    notes: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    header_row: int | None = None      # line or sheet row of the header, for problems with columns


# In Windows-1258 Vietnamese, tones are combining marks written after the vowel: 'Hậu' is H, â, U+0323, u.
_CP1258_TONE = re.compile("[aeiouyâêôơưăAEIOUYÂÊÔƠƯĂ][\u0300\u0301\u0303\u0309\u0323]")


def _legacy_encoding(data: bytes) -> str | None:
    """The legacy encoding `data` looks like; Windows-1258 first, which generic detection often misses."""
    try:
        if _CP1258_TONE.search(data.decode("cp1258")):
            return "Windows-1258 (cp1258)"
    except UnicodeDecodeError:
        pass
    guess = charset_normalizer.from_bytes(data).best()
    return guess.encoding if guess and guess.encoding not in ("utf_8", "ascii") else None


def _decode(data: bytes, name: str) -> tuple[str, list[str]]:
    """Text of a CSV file, and notes on what was done to read it."""
    notes: list[str] = []
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        notes.append(f"{name}: tệp mã UTF-16 (xuất từ Excel dạng Unicode text), đã đọc và chuyển sang UTF-8.")
        try:
            return data.decode("utf-16"), notes
        except UnicodeDecodeError:
            raise ThadsError(f"{name}: tệp bắt đầu như UTF-16 nhưng không đọc được theo mã này (tệp bị cắt "
                             "hoặc hỏng?): hãy mở tệp và lưu lại dạng 'CSV UTF-8'.") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        guess = _legacy_encoding(data)
        named = f"có vẻ là mã {guess}" if guess else "mã không xác định"
        line = data[:exc.start].count(b"\n") + 1
        raise ThadsError(
            f"{name}: tệp không phải UTF-8 ({named}; byte lỗi đầu tiên ở dòng {line}). Các mã cũ như "
            "TCVN3 (ABC), VNI, Windows-1258 không được đọc để tránh sai chữ: hãy mở tệp và lưu lại dạng "
            "'CSV UTF-8'.") from None
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
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    header_line: int | None = None
    rows, numbers = [], []
    try:
        for record in reader:
            if header is None:
                if any(cell.strip() for cell in record):
                    header = [cell.strip() for cell in record]
                    header_line = reader.line_num
                continue
            if not any(cell.strip() for cell in record):
                continue
            rows.append(record)
            numbers.append(reader.line_num)
    except csv.Error as exc:   # e.g. an unclosed quote that swallows the rest of the file into one cell
        raise ThadsError(f"{name}: không đọc được dạng CSV ở dòng {reader.line_num} ({exc}); kiểm tra các "
                         "dấu ngoặc kép.") from None
    table = RawTable(name, header or [], rows, numbers, notes, header_row=header_line)
    if header is None:
        table.problems.append(Problem(name, "tệp rỗng: không có dòng tiêu đề nào."))
    elif not rows:
        table.problems.append(Problem(name, f"tệp chỉ có dòng tiêu đề (dòng {header_line}), không có số liệu."))
    return table


def _read_xlsx(path: Path, name: str, required: tuple[str, ...]) -> RawTable:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise ThadsError(f"{name}: không mở được tệp Excel ({type(exc).__name__}: {exc}).") from None
    sheet = book.worksheets[0]
    header, header_row, rows, numbers = None, None, [], []
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        cells = ["" if v is None else v for v in values]
        if header is None:
            names = [str(c).strip() for c in cells]
            if all(column in names for column in required):
                header, header_row = names, number
            continue
        if any(str(c).strip() for c in cells):
            rows.append(cells)
            numbers.append(number)
    book.close()
    table = RawTable(name, header or [], rows, numbers, header_row=header_row)
    if header is None:
        table.problems.append(Problem(
            name, f"không tìm thấy dòng tiêu đề có các cột {', '.join(required)} trong trang "
                  f"'{sheet.title}' (tiêu đề gộp ô hoặc đặt tên cột khác?)."))
    else:
        while header and header[-1] == "":
            header.pop()
        if header_row > 1:
            table.notes.append(f"{name}: bỏ qua {header_row - 1} dòng tiêu đề phụ phía trên bảng.")
        if not rows:
            table.problems.append(Problem(name, "tệp chỉ có dòng tiêu đề, không có số liệu."))
    return table


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


def read_table(path: Path, name: str, required: tuple[str, ...]) -> RawTable:
    """Read one file; `name` is how messages refer to it; `required` helps find an Excel header."""
    if not path.is_file():
        raise ThadsError(f"{name}: không tìm thấy tệp.")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _read_csv(path, name)
    if suffix == ".xlsx":
        return _read_xlsx(path, name, required)
    if suffix == ".parquet":
        return _read_parquet(path, name)
    raise ThadsError(f"{name}: định dạng '{suffix}' không được hỗ trợ (chỉ {', '.join(SUFFIXES)}).")
