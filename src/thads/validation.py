"""Check raw tables against the data contract and turn them into typed tables.

Every problem is collected with its file, row and column, so that `thads validate` can list them
all at once. Numbers are read strictly: a Vietnamese thousands separator ('11.410') in a count or
amount is read as 11410 and noted; anything ambiguous ('11,410', '11.41') is refused, never guessed.
"""

from __future__ import annotations

import difflib
import math
import numbers
import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from thads import schema
from thads.errors import Problem
from thads.periods import Period
from thads.readers import RawTable
from thads.units import Units

_VN_GROUPED = re.compile(r"\d{1,3}(\.\d{3})+")
_DECIMAL = re.compile(r"\d+([.,]\d+)?")


class CellError(ValueError):
    """A cell that is not what its column expects; the message says what was expected."""


def parse_count(value: object) -> tuple[int | None, bool]:
    """A non-negative integer from a cell; returns (value or None if empty, read_as_vietnamese)."""
    if type(value) is str:
        text = value.strip()
        if text.isascii() and text.isdigit():   # not '²', which isdigit() accepts but int() refuses
            return int(text), False
        if not text:
            return None, False
        if text.startswith("-") and text[1:].replace(".", "").isdigit():
            raise CellError(f"số âm '{text}': số liệu không được âm")
        if _VN_GROUPED.fullmatch(text):
            return int(text.replace(".", "")), True
        if re.fullmatch(r"\d+\.\d+", text):
            raise CellError(f"'{text}' không phải số nguyên: dấu chấm chỉ dùng để phân cách hàng nghìn (ví dụ "
                            "11.410); cần số nguyên")
        if "," in text and text.replace(",", "").replace(".", "").isdigit():
            raise CellError(f"'{text}' có dấu phẩy: không rõ là phân cách hàng nghìn hay số thập phân; "
                            "cần số nguyên viết liền, ví dụ 11410")
        raise CellError(f"'{text}' không phải số nguyên không âm")
    if value is None:
        return None, False
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise CellError(f"'{value}' không phải số nguyên không âm")
    if isinstance(value, numbers.Integral):
        number = int(value)
    else:
        number = float(value)
        if math.isnan(number):
            raise CellError("giá trị NaN: cần số nguyên không âm")
        if math.isinf(number):
            raise CellError("giá trị vô cực: cần số nguyên không âm")
        if not number.is_integer():
            raise CellError(f"'{value}' không phải số nguyên")
        number = int(number)
    if number < 0:
        raise CellError(f"số âm '{number}': số liệu không được âm")
    return number, False


def parse_percent(value: object) -> Decimal:
    """A percentage in (0, 100], written '83,35' or '83.35'."""
    text = str(value).strip() if value is not None else ""
    if isinstance(value, float) and not math.isfinite(value):
        raise CellError("cần tỷ lệ phần trăm, ví dụ 83,35")
    if not text:
        raise CellError("ô trống: cần tỷ lệ phần trăm, ví dụ 83,35")
    if not _DECIMAL.fullmatch(text):
        raise CellError(f"'{text}' không phải tỷ lệ phần trăm: cần dạng 83,35 hoặc 83.35")
    try:
        number = Decimal(text.replace(",", "."))
    except InvalidOperation:
        raise CellError(f"'{text}' không phải tỷ lệ phần trăm") from None
    if not (0 < number <= 100):
        raise CellError(f"tỷ lệ {text} nằm ngoài khoảng 0-100")
    return number


def _header_problems(table: RawTable, required: list[str], known: list[str]) -> tuple[list[Problem], bool]:
    """Problems of the header row, and whether they leave the file unreadable."""
    problems, fatal = [], False
    if not table.header and table.problems:   # empty file: the reader said so, no column to list
        return problems, True
    row = table.header_row
    seen: set[str] = set()
    for column in table.header:
        if column in seen:
            problems.append(Problem(table.name, "cột bị trùng tên: chỉ được có một cột này.", row, column))
            fatal = True
        seen.add(column)
        if column not in known:
            hint = difflib.get_close_matches(column, known, n=1)
            problems.append(Problem(table.name, "cột không có trong quy ước dữ liệu" +
                                    (f" (có phải '{hint[0]}'?)" if hint else ""), row, column or "(trống)"))
    for column in required:
        if column not in seen:
            problems.append(Problem(table.name, "thiếu cột bắt buộc.", row, column))
            fatal = True
    return problems, fatal


def _extra_cells(table: RawTable) -> list[Problem]:
    """Rows with more filled cells than the header has columns: a value was split or shifted (none in a table read
    as text columns, whose every row has one cell per column)."""
    if table.text is not None:
        return []
    width = len(table.header)
    return [Problem(table.name, f"dòng có {len(row)} ô, nhiều hơn {width} cột của dòng tiêu đề (số viết có dấu "
                                "phẩy như 11,410 mà không đặt trong ngoặc kép?)", number)
            for row, number in zip(table.rows, table.row_numbers) if any(str(c).strip() for c in row[width:])]


def _code(value: object) -> str:
    """An office or province code from a cell: '93', '930', '92-KV01' (Excel's 93.0 becomes '93')."""
    text = str(value).strip()
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]
    return text.zfill(2) if text.isdigit() and len(text) < 2 else text


def _bare(value: object) -> bool:
    """A cell whose office code may have lost its leading zeros: a number under 100 (Excel shows office
    '024' as 24, the code of a province's own office) or a single digit ('1': '01' or '001'?)."""
    if isinstance(value, str):
        return value.strip().isdigit() and len(value.strip()) == 1
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and 0 <= value < 100


def _raw(table: RawTable) -> pd.DataFrame:
    """The cells of `table` in columns named by its header, short rows filled with empty cells; a table read as text
    columns (`RawTable.text`) as Arrow text, which `_counts` reads at Arrow speed."""
    if table.text is not None:
        return table.text.to_pandas(types_mapper=pd.ArrowDtype)
    width = len(table.header)
    rows = table.rows if all(len(r) == width for r in table.rows) else [
        list(r[:width]) + [""] * (width - len(r)) for r in table.rows]
    return pd.DataFrame(rows, columns=table.header, dtype=object)


def _counts(table: RawTable, raw: pd.DataFrame, columns: list[str],
            problems: list[Problem]) -> tuple[pd.DataFrame, int]:
    """Parse the columns of counts: plain digits at pandas speed, every other cell one by one.

    All the columns go through in one pass (column after column), since most files are small and the
    cost of a pass is mostly fixed. Unreadable cells are NaN, each with its problem.
    """
    n = len(raw)
    if table.text is not None:
        cells = pa.concat_arrays([table.text.column(column).combine_chunks() for column in columns])
        text = cells
    else:
        cells = raw[columns].to_numpy(dtype=object).ravel(order="F")
        # Each cell as str() writes it: a workbook's 5 is '5', its 5.0 '5.0' (read one by one below), and bytes
        # are never decoded into digits.
        text = pa.array(pd.Series(cells).astype(str).to_numpy(dtype=object), type=pa.string())
    text = pc.utf8_trim_whitespace(text)
    plain = pc.fill_null(pc.match_substring_regex(text, r"^\d{1,18}$"), False).to_numpy(zero_copy_only=False)
    parsed = np.zeros(len(cells), dtype=np.int64)
    parsed[plain] = pc.cast(pc.filter(text, plain), pa.int64()).to_numpy()
    valid = plain.copy()
    limits = [schema.MAX_MONEY if column in schema.MONEY else schema.MAX_COUNT for column in columns]
    vietnamese = 0
    for k in np.flatnonzero(~plain):
        column, limit, i = columns[k // n], limits[k // n], k % n
        try:
            value, vn = parse_count(cells[k].as_py() if table.text is not None else cells[k])
            if value is None:
                if column in schema.KEYS or column in schema.REQUIRED:
                    raise CellError("ô trống: cột bắt buộc phải có số")
                if column not in schema.ZERO_WHEN_ABSENT:
                    continue          # an empty optional cell: not reported, left unknown (NaN), never 0
                value = 0
            if value > limit:   # checked here too: a value beyond int64 cannot be stored in `parsed`
                raise CellError(f"giá trị {value} không hợp lệ" if column in schema.KEYS else
                                f"giá trị {value} quá lớn cho một đơn vị trong một kỳ (tối đa {limit})")
            vietnamese += vn
            parsed[k], valid[k] = value, True
        except CellError as exc:
            problems.append(Problem(table.name, str(exc), table.row_numbers[i], column))
    figure = np.repeat([column not in schema.KEYS for column in columns], n)
    for k in np.flatnonzero(valid & figure & (parsed > np.repeat(limits, n))):
        column, limit, i = columns[k // n], limits[k // n], k % n
        problems.append(Problem(table.name, f"giá trị {parsed[k]} quá lớn cho một đơn vị trong một kỳ "
                                f"(tối đa {limit})", table.row_numbers[i], column))
        valid[k] = False
    frame = pd.DataFrame(np.where(valid, parsed, np.nan).reshape(len(columns), n).T, columns=columns)
    complete = valid.reshape(len(columns), n).all(axis=1)
    return frame.astype({c: "int64" for c, ok in zip(columns, complete) if ok}), vietnamese


def parse_stats(table: RawTable, units: Units, today: date) -> tuple[pd.DataFrame, list[Problem]]:
    """Typed rows of one statistics file, and the problems found in it alone."""
    header_problems, fatal = _header_problems(table, schema.KEYS + schema.REQUIRED, schema.ACCEPTED_COLUMNS)
    problems = table.problems + header_problems
    if fatal or not table.rows:
        return pd.DataFrame(), problems
    problems += _extra_cells(table)
    raw = _raw(table)
    frame = _typed_stats(table, raw, problems)
    frame = _valid_months(table, frame, problems)
    problems += _period_columns(table, raw, frame)
    ambiguous = []
    for (year, month), group in frame.groupby(["nam", "thang"]):
        ambiguous += _check_period_rows(table, units, today, Period(int(year), int(month)), frame, group, problems)
    return frame.drop(index=ambiguous, columns="_bare"), problems


def _typed_stats(table: RawTable, raw: pd.DataFrame, problems: list[Problem]) -> pd.DataFrame:
    """The rows with readable nam and thang, their figures as numbers (NaN where unreadable), office and province
    codes as text; `_bare` marks an office code written as a number."""
    counts, vietnamese = _counts(table, raw, ["nam", "thang"] + [c for c in schema.FIGURES if c in raw.columns],
                                 problems)
    frame = pd.concat([pd.DataFrame({"_file": table.name, "_row": table.row_numbers}), counts], axis=1)
    if vietnamese:
        table.notes.append(f"{table.name}: {vietnamese} ô ghi số kiểu Việt Nam (dấu chấm phân cách "
                           "hàng nghìn, ví dụ 11.410), đã đọc là số nguyên.")
    frame["don_vi"] = _per_value(raw["don_vi"], _code)
    frame["_bare"] = _per_value(raw["don_vi"], _bare)
    if schema.PROVINCE_COLUMN in raw.columns:
        frame["tinh"] = _per_value(raw[schema.PROVINCE_COLUMN], _code)
    # A row with an unreadable figure stays (that figure NaN, skipped by the checks between figures) so
    # that it is not also reported as a missing month; only rows without a readable nam, thang go.
    frame = frame[frame[["nam", "thang"]].notna().all(axis=1)]
    frame = frame.assign(**{c: 0 if c in schema.ZERO_WHEN_ABSENT else np.nan
                            for c in schema.FIGURES if c not in frame.columns})
    complete = frame[["nam", "thang"] + schema.FIGURES].notna().all()
    return frame.astype({c: "int64" for c, ok in complete.items() if ok})


def _per_value(column: pd.Series, function) -> pd.Series:
    """`function` of each cell of `column`, computed once for each distinct text when every cell is text (a CSV
    file's); cell by cell otherwise (a workbook's 1, 1.0 and True would be one key)."""
    column = column.astype(object)
    if all(type(cell) is str for cell in column):
        return column.map({cell: function(cell) for cell in set(column)})
    return column.map(function)


def _valid_months(table: RawTable, frame: pd.DataFrame, problems: list[Problem]) -> pd.DataFrame:
    """The rows whose thang is 1 to 12 and nam 2000 to 2100; the others are problems."""
    keep = pd.Series(True, index=frame.index)
    for i in frame.index[(frame["thang"] < 1) | (frame["thang"] > 12)]:
        problems.append(Problem(table.name, f"thang {frame.at[i, 'thang']} không hợp lệ: cần từ 1 đến 12 (số tháng "
                                "tính từ 01/10 của năm thống kê, thang 1 là đến 31/10, thang 12 là đến 30/09)",
                                frame.at[i, "_row"], "thang"))
        keep[i] = False
    for i in frame.index[keep & ((frame["nam"] < 2000) | (frame["nam"] > 2100))]:
        problems.append(Problem(table.name, f"năm {frame.at[i, 'nam']} không hợp lệ", frame.at[i, "_row"], "nam"))
        keep[i] = False
    return frame[keep].copy()


def _check_period_rows(table: RawTable, units: Units, today: date, period: Period, frame: pd.DataFrame,
                       group: pd.DataFrame, problems: list[Problem]) -> list:
    """The rows of one period (`group`, of `frame`): the period has ended, each office code names an office of
    that day (a code written as a number is completed in `frame` when only one office fits) and its province.
    Returns the rows whose code fits two offices, to be dropped."""
    if period.end >= today:
        for i in group.index:
            problems.append(Problem(table.name, f"kỳ {period.label} (đến {period.end:%d/%m/%Y}) chưa kết thúc: "
                                    "không thể có số liệu của kỳ này", group.at[i, "_row"], "thang"))
    end = period.end
    valid = {o.code: o for o in units.offices if o.valid_on(end)}
    ambiguous = []
    for i in group.index[group["_bare"]]:   # the code of the office valid at that date, when only one fits
        digits = group.at[i, "don_vi"].lstrip("0") or "0"
        fits = sorted({digits.zfill(2), digits.zfill(3)} & set(valid))
        if len(fits) > 1:
            problems.append(Problem(table.name, f"mã đơn vị ghi dạng số {digits} (Excel bỏ số 0 ở đầu?): không rõ "
                                    f"là '{fits[0]}' hay '{fits[1]}'; cần mã dạng văn bản, đủ các số 0 (định "
                                    "dạng ô Text)", group.at[i, "_row"], "don_vi"))
            ambiguous.append(i)
        elif fits:
            frame.at[i, "don_vi"] = group.at[i, "don_vi"] = fits[0]
    group = group.drop(index=ambiguous)
    for i in group.index[~group["don_vi"].isin(list(valid))]:
        code = group.at[i, "don_vi"]
        message = "ô trống: cần mã đơn vị" if not code else (
            f"mã đơn vị '{code}' không có trong danh mục đơn vị (units/) vào ngày {period.end:%d/%m/%Y}")
        problems.append(Problem(table.name, message, group.at[i, "_row"], "don_vi"))
    if "tinh" in group.columns:
        expected = group["don_vi"].map(lambda code: valid[code].province if code in valid else "")
        wrong = (expected != "") & (group["tinh"] != "") & (group["tinh"] != expected)
        for i in group.index[wrong]:
            office, province = valid[group.at[i, "don_vi"]], group.at[i, "tinh"]
            problems.append(Problem(table.name, f"đơn vị {office.code} ({office.name}) thuộc tỉnh mã "
                                    f"{office.province}, không phải '{province}'", group.at[i, "_row"], "tinh"))
    return ambiguous


def check_rows(frame: pd.DataFrame) -> list[Problem]:
    """Identities within a row, across the whole table: xong + đình chỉ ≤ có điều kiện ≤ phải thi hành."""
    problems = []
    for parts, whole in schema.NOT_ABOVE:
        total = sum(frame[p] for p in parts)
        for _, row in frame[total > frame[whole]].iterrows():
            left = " + ".join(f"{p} ({int(row[p])})" for p in parts)
            problems.append(Problem(row["_file"], f"{left} lớn hơn {whole} ({int(row[whole])})", int(row["_row"]),
                                    parts[0]))
    return problems


def check_flow(frame: pd.DataFrame, present: set[str]) -> list[Problem]:
    """phải thi hành = năm trước chuyển sang + thụ lý mới − ủy thác − thu hồi, hủy, where the file has every column
    of the flow (a file without one of them states nothing about it)."""
    problems = []
    for whole, added, taken in schema.FLOW.values():
        if not all(c in present for c in (whole, *added, *taken)):
            continue
        flow = sum(frame[c] for c in added) - sum(frame[c] for c in taken)
        known = flow.notna() & frame[whole].notna()
        for _, row in frame[known & (flow != frame[whole])].iterrows():
            terms = " + ".join(f"{c} ({int(row[c])})" for c in added) + "".join(f" − {c} ({int(row[c])})"
                                                                               for c in taken)
            problems.append(Problem(row["_file"], f"{whole} ({int(row[whole])}) khác {terms} = "
                                    f"{int(sum(row[c] for c in added) - sum(row[c] for c in taken))}",
                                    int(row["_row"]), whole))
    return problems


def _day(value) -> date | None:
    """A date cell: 31/08/2024, 2024-08-31 or a date from Excel; None when it is none of these."""
    if isinstance(value, (datetime, date)):
        return value.date() if isinstance(value, datetime) else value
    text = str(value).strip()
    for pattern in ("%d/%m/%Y", "%Y-%m-%d", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def _period_columns(table: RawTable, raw: pd.DataFrame, frame: pd.DataFrame) -> list[Problem]:
    """den_ngay and ky, where the file has them, must name the period that nam and thang give."""
    problems = []
    for column in (schema.END_COLUMN, schema.PERIOD_COLUMN):
        if column not in raw.columns:
            continue
        for i in frame.index:
            value = raw.at[i, column]
            if value is None or str(value).strip() == "":
                continue
            period = Period(int(frame.at[i, "nam"]), int(frame.at[i, "thang"]))
            if column == schema.END_COLUMN:
                day = _day(value)
                if day is None:
                    problems.append(Problem(table.name, f"ngày '{value}' không đọc được: cần dạng 31/08/2024",
                                            frame.at[i, "_row"], column))
                    continue
                if day == period.end:
                    continue
                found = f"ngày {day:%d/%m/%Y}"
            else:
                if str(value).strip() == period.code:
                    continue
                found = f"kỳ '{value}'"
            hint = ""
            if column == schema.END_COLUMN and period.month == day.month:
                hint = (f"; có vẻ cột thang ghi tháng dương lịch: {day:%d/%m/%Y} là cuối kỳ "
                        f"{_statistical(day)}")
            problems.append(Problem(table.name, f"{found} không khớp với nam {period.year}, thang {period.month}: "
                                    f"thang {period.month} là số liệu {period.months} của năm thống kê {period.year}"
                                    + hint, frame.at[i, "_row"], column))
    return problems


def _statistical(day: date) -> str:
    """The period that ends on the last day of `day`'s month: '8 tháng năm 2024 (nam 2024, thang 8)'... ."""
    year = day.year + 1 if day.month >= 10 else day.year
    month = day.month - 9 if day.month >= 10 else day.month + 3
    period = Period(year, month)
    return f"{period.label} (nam {period.year}, thang {period.month})"


def _months(row) -> str:
    """'11 tháng (đến 31/08/2024)' for a row's nam and thang."""
    return Period(int(row["nam"]), int(row["thang"])).months


def _calendar_months(rows: pd.DataFrame) -> list[Problem]:
    """A year whose rows thang 10-12 hold smaller cumulative figures than its rows thang 1-3 was filled with
    calendar months: say what thang means, once per year and file."""
    problems = []
    for (name, year), group in rows.groupby(["_file", "nam"]):
        early = group.loc[group["thang"].between(1, 3), "viec_xong"].mean()
        late = group.loc[group["thang"].between(10, 12), "viec_xong"].mean()
        if pd.notna(early) and pd.notna(late) and late < early:
            first = Period(int(year), 1).end
            problems.append(Problem(name, f"năm {year}: số lũy kế ở các dòng thang 10-12 nhỏ hơn ở các dòng thang 1-3, "
                                    "có vẻ cột thang đang ghi tháng dương lịch. Trong dữ liệu này thang = k là số "
                                    f"liệu k tháng của năm thống kê: thang 1 là đến {first:%d/%m/%Y}, thang 11 là "
                                    f"đến {Period(int(year), 11).end:%d/%m/%Y}, thang 12 là cả năm (đến "
                                    f"{Period(int(year), 12).end:%d/%m/%Y}).", None, "thang"))
    return problems


def check_across_rows(frame: pd.DataFrame) -> list[Problem]:
    """Duplicated rows, months missing inside a year, cumulative flows that fall."""
    problems = []
    duplicated = frame[frame.duplicated(schema.KEYS, keep=False)]
    for _, group in duplicated.groupby(schema.KEYS):
        first = group.iloc[0]
        for _, row in group.iloc[1:].iterrows():
            problems.append(Problem(row["_file"], f"dòng trùng: đơn vị {row['don_vi']}, năm {row['nam']}, "
                                    f"{_months(row)} đã có ở {first['_file']} dòng {first['_row']}",
                                    int(row["_row"]), "don_vi"))
    unique = frame.drop_duplicates(schema.KEYS).sort_values(["don_vi", "nam", "thang"])
    previous = unique.groupby(["don_vi", "nam"]).shift(1)
    has_previous = previous["thang"].notna()
    gap = has_previous & (unique["thang"] - previous["thang"] > 1)
    for index in unique.index[gap]:
        row, before = unique.loc[index], int(previous.loc[index, "thang"])
        year = int(row["nam"])
        missing = "; ".join(Period(year, m).months for m in range(before + 1, int(row["thang"])))
        problems.append(Problem(row["_file"], f"đơn vị {row['don_vi']} năm {year} thiếu số liệu kỳ {missing} (có kỳ "
                                f"{Period(year, before).months} và kỳ {_months(row)})", int(row["_row"]), "thang"))
    for column in schema.CUMULATIVE:
        fell = has_previous & (unique[column] < previous[column])
        for index in unique.index[fell]:
            row = unique.loc[index]
            earlier = Period(int(row["nam"]), int(previous.loc[index, "thang"])).months
            problems.append(Problem(row["_file"], f"số lũy kế giảm từ {int(previous.loc[index, column])} "
                                    f"(kỳ {earlier}) xuống {int(row[column])} (kỳ {_months(row)}) của đơn vị "
                                    f"{row['don_vi']}: số lũy kế từ 01/10 không được giảm", int(row["_row"]), column))
    return _calendar_months(unique) + problems          # the cause first, then its symptoms


def parse_targets(table: RawTable, units: Units) -> tuple[pd.DataFrame, list[Problem]]:
    """Typed targets: one row per (nam, tinh, theo_ngay, don_vi); tinh '00' is the national target. `theo_ngay`
    (optional, None when absent) names the organisation of provinces the code belongs to; `don_vi` (optional, None
    when absent) makes the row an office's own target."""
    columns = schema.TARGET_COLUMNS + [schema.TARGET_ORGANISATION, schema.TARGET_OFFICE]
    header_problems, fatal = _header_problems(table, schema.TARGET_COLUMNS, columns)
    problems = table.problems + header_problems
    if fatal or not table.rows:
        return pd.DataFrame(columns=columns), problems
    problems += _extra_cells(table)
    index = {c: i for i, c in enumerate(table.header)}
    records, seen = [], {}
    for row, number in zip(table.rows, table.row_numbers):
        row = list(row) + [""] * (len(table.header) - len(row))   # a short row has empty cells, not a crash
        record = _target(table, units, index, row, number, seen, problems)
        if record is not None and len(record) == len(columns):
            records.append(record)
    return pd.DataFrame.from_records(records, columns=columns), problems


def _target(table: RawTable, units: Units, index: dict[str, int], row: list, number: int, seen: dict,
            problems: list[Problem]) -> dict[str, object] | None:
    """One row of targets.csv as a record; None when its year, province or organisation is wrong or it repeats a
    target of an earlier row (`seen`: the row number of each target's key), a record without a target's value
    when that is wrong. Each problem is added to `problems`."""
    try:
        year, _ = parse_count(row[index["nam"]])
        if year is None or not 2000 <= year <= 2100:
            raise CellError(f"năm '{row[index['nam']]}' không hợp lệ")
    except CellError as exc:
        problems.append(Problem(table.name, str(exc), number, "nam"))
        return None
    code = str(row[index["tinh"]]).strip()
    code = code.zfill(2) if code.isdigit() else code
    organised, problem = _target_organisation(units, index, row, code)
    if problem is not None:
        message, column = problem
        problems.append(Problem(table.name, message, number, column))
        return None
    if not _known_province(units, code, year, organised):
        problems.append(Problem(table.name, f"mã tỉnh '{code}' không tồn tại trong năm thống kê {year}",
                                number, "tinh"))
        return None
    office, problem = _target_office(units, index, row, code, year, organised)
    if problem is not None:
        problems.append(Problem(table.name, problem, number, schema.TARGET_OFFICE))
        return None
    record: dict[str, object] = {"nam": year, "tinh": code}
    for column in ("chi_tieu_viec", "chi_tieu_tien"):
        try:
            record[column] = parse_percent(row[index[column]])
        except CellError as exc:
            problems.append(Problem(table.name, str(exc), number, column))
    # Two dates naming the same organisation (the same province record) are the same target.
    key = (year, code, None if organised is None else units.province(code, organised), office)
    if key in seen:
        when = "" if organised is None else f" theo tổ chức ngày {organised:%d/%m/%Y}"
        whose = f"đơn vị {office} (tỉnh mã {code})" if office else f"mã {code}{when}"
        problems.append(Problem(table.name, f"chỉ tiêu năm {year} của {whose} bị trùng (đã có ở dòng {seen[key]})",
                                number, schema.TARGET_OFFICE if office else "tinh"))
        return None
    seen[key] = number
    record[schema.TARGET_ORGANISATION] = organised
    record[schema.TARGET_OFFICE] = office
    return record


def _target_office(units: Units, index: dict[str, int], row: list, code: str, year: int,
                   organised: date | None) -> tuple[str | None, str | None]:
    """The row's office (targets.csv `don_vi`: the row is that office's own target; None when the file has no such
    column or the cell is empty), and what is wrong with it, or None. The office must belong to the row's province
    (`tinh`) during the statistical year."""
    column = schema.TARGET_OFFICE
    office = str(row[index[column]]).strip() if column in index else ""
    if not office:
        return None, None
    if code == schema.NATIONAL or organised is not None:
        return None, ("chỉ tiêu của một đơn vị ghi mã tỉnh của đơn vị ở cột tinh và để trống theo_ngay"
                      if organised is not None else "chỉ tiêu toàn quốc (mã 00) không có đơn vị: để trống don_vi")
    first, last = date(year - 1, 10, 1), date(year, 9, 30)
    if not any(o.code == office and o.province == code and (o.valid_from is None or o.valid_from <= last)
               and (o.valid_to is None or o.valid_to >= first) for o in units.offices):
        return None, (f"mã đơn vị '{office}' không phải một đơn vị của tỉnh mã {code} trong năm thống kê {year} "
                      "(units/offices.csv)")
    return office, None


def _target_organisation(units: Units, index: dict[str, int], row: list,
                         code: str) -> tuple[date | None, tuple[str, str] | None]:
    """The row's theo_ngay (None when the file has no such column or the cell is empty), and what is wrong with it
    (message, column) or None."""
    column = schema.TARGET_ORGANISATION
    if column not in index or not str(row[index[column]]).strip():
        return None, None
    organised = _day(row[index[column]])
    if organised is None:
        return None, (f"ngày '{row[index[column]]}' không hợp lệ: cần YYYY-MM-DD (ngày của cách tổ chức tỉnh mà mã "
                      "tỉnh chỉ), hoặc để trống", column)
    if code == schema.NATIONAL:
        return None, ("chỉ tiêu toàn quốc (mã 00) không theo tổ chức tỉnh nào: để trống theo_ngay", column)
    if not any(p.code == code and p.valid_on(organised) for p in units.provinces):
        return None, (f"mã tỉnh '{code}' không tồn tại vào ngày {organised:%d/%m/%Y}", "tinh")
    return organised, None


def _known_province(units: Units, code: str, year: int, organised: date | None) -> bool:
    """Whether a target may name `code` for the statistical year `year`: the national code, a code checked against
    its organisation's day, or a province that existed during that year."""
    first, last = date(year - 1, 10, 1), date(year, 9, 30)
    return code == schema.NATIONAL or organised is not None or any(
        p.code == code and (p.valid_from is None or p.valid_from <= last) and (p.valid_to is None or p.valid_to >= first)
        for p in units.provinces)


# --- the project's wording templates (`thads validate`) ------------------------------------------------------
