"""Export an executed report notebook: HTML (nbconvert, the project's template), PDF (the same page printed
by a Chromium-family browser, `pdf`) and Word (python-docx, `word`).

The work is done by the nbconvert exporters of `exporters` and by `word`, imported on first use so that
a process that only plans reports does not pay for them.
"""

from __future__ import annotations

import functools
import time
from pathlib import Path

from thads import files
from thads.errors import ThadsError

FORMATS = ("html", "pdf", "docx")
REPORT_MARK = "inputs.json"     # what `thads run` keeps in a report folder, beside the files it made
# Outputs too long for a report (a loop printing every row, a DataFrame shown whole): a printed text (a stream, or
# text/plain) over OUTPUT_LINES lines or OUTPUT_CHARS characters is folded to its beginning and its end; any other
# output (HTML, an image) over OUTPUT_BYTES is left out. Each export says so. Beyond these, the page, its PDF and
# the Word file grew with the output (60 000 printed lines: 90 s in Word; 100 MB: minutes).
OUTPUT_LINES = 2000
OUTPUT_CHARS = 200_000
OUTPUT_BYTES = 20 * 2**20
_HEAD_LINES, _TAIL_LINES = 1500, 400                # what a folded text keeps of its beginning and of its end
_HEAD_CHARS, _TAIL_CHARS = 150_000, 40_000


class OverTime(ThadsError):
    """The report's time limit passed while it was being exported (`check_time`)."""

    def __init__(self, stage: str):
        super().__init__(stage)
        self.stage = stage


def check_time(deadline: float | None, stage: str) -> None:
    """Raise OverTime when `deadline` (time.monotonic()) has passed: the time limit covers a report's export too."""
    if deadline is not None and time.monotonic() > deadline:
        raise OverTime(stage)


def refuse_report_folder(folder: Path, elsewhere: str) -> None:
    """Refuse to export into a folder `thads run` made a report in (it holds inputs.json): only `thads run` writes
    there, so that a report.docx a clerk edited is never overwritten and inputs.json always describes the files
    beside it. `elsewhere` says how to export into another folder."""
    if (Path(folder) / REPORT_MARK).exists():
        raise ThadsError(
            f"Không xuất vào '{folder}': đây là thư mục của một báo cáo do thads run tạo (có {REPORT_MARK}). Xuất vào "
            f"đó sẽ thay các tệp của báo cáo (kể cả report.docx văn thư đã sửa) mà {REPORT_MARK} không biết. Hãy tạo "
            "lại báo cáo bằng thads run (với các định dạng cần có, ví dụ --format html,pdf,docx: report.docx đã sửa "
            f"được giữ nguyên, bản mới ghi bên cạnh), hoặc xuất ra một thư mục khác: {elsewhere}.")


def _number(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def _text(value) -> str:
    return value if isinstance(value, str) else "".join(value) if isinstance(value, list) else str(value)


def _overwritten(text: str) -> str:
    """Printed text as a terminal (and JupyterLab) shows it: on each line, what follows its last carriage return
    (a progress bar printed over itself). In one pass: the regular expression nbconvert uses takes quadratic time."""
    return "\n".join(line.rstrip("\r").rsplit("\r", 1)[-1] for line in text.split("\n"))


def fold(text: str) -> tuple[str, str] | None:
    """A printed text too long for a report (OUTPUT_LINES, OUTPUT_CHARS), folded to its beginning and its end with a
    line between them saying what was left out; and what was done, for the log. None when it fits."""
    lines = text.count("\n") + (not text.endswith("\n"))
    if len(text) <= OUTPUT_CHARS and lines <= OUTPUT_LINES:
        return None
    head = text[:_HEAD_CHARS].split("\n")[:_HEAD_LINES]
    tail = text[-_TAIL_CHARS:].removesuffix("\n").split("\n")[-_TAIL_LINES:]
    left = lines - len(head) - len(tail)
    omitted = (f"{_number(left)} dòng" if left > 0 else
               f"{_number(len(text) - sum(map(len, head)) - sum(map(len, tail)))} ký tự")
    mark = f"… [bỏ bớt {omitted} ở giữa: kết quả in ra quá dài cho một báo cáo; notebook giữ đủ] …"
    said = (f"rút gọn kết quả in ra dài {_number(lines)} dòng, {_number(len(text))} ký tự (giữ phần đầu và phần cuối, "
            f"bỏ {omitted} ở giữa; tối đa {_number(OUTPUT_LINES)} dòng, {_number(OUTPUT_CHARS)} ký tự)")
    return "\n".join([*head, mark, *tail]) + ("\n" if text.endswith("\n") else ""), said


def _limited_outputs(outputs: list, said: list[str]) -> list:
    """A cell's outputs with consecutive printed texts of one stream joined (as JupyterLab shows them; one output
    per flush made the Word file one paragraph more each), long texts folded and oversized outputs left out; the
    same list when nothing changed."""
    merged: list = []
    runs: dict[int, list[str]] = {}              # index in `merged` of a joined stream -> its texts
    for output in outputs:
        last = merged[-1] if merged else None
        if (output.get("output_type") == "stream" and last is not None and last.get("output_type") == "stream"
                and last.get("name") == output.get("name")):
            runs.setdefault(len(merged) - 1, [_text(last.get("text", ""))]).append(_text(output.get("text", "")))
        else:
            merged.append(output)
    changed = len(merged) != len(outputs)
    result = []
    for i, output in enumerate(merged):
        kind = output.get("output_type")
        if kind == "stream":
            text = "".join(runs[i]) if i in runs else _text(output.get("text", ""))
            shown = _overwritten(text) if "\r" in text else text
            folded = fold(shown)
            if folded:
                shown = folded[0]
                said.append(folded[1])
            if i in runs or shown is not text:
                output = type(output)({**output, "text": shown})
                changed = True
        elif kind in ("display_data", "execute_result") and isinstance(output.get("data"), dict):
            data = dict(output["data"])
            for mimetype, value in output["data"].items():
                if not isinstance(value, (str, list)):           # a record (JSON): the report's own parts
                    continue
                if mimetype == "text/plain":
                    folded = fold(_text(value))
                    if folded:
                        data[mimetype] = folded[0]
                        said.append(folded[1])
                elif (size := sum(map(len, value)) if isinstance(value, list) else len(value)) > OUTPUT_BYTES:
                    del data[mimetype]
                    said.append(f"bỏ kết quả dạng {mimetype} ({size / 2**20:.0f} MB): quá lớn cho một báo cáo (tối "
                                f"đa {OUTPUT_BYTES // 2**20} MB)")
            if data != output["data"]:
                output = type(output)({**output, "data": type(output["data"])(data)})
                changed = True
        result.append(output)
    return result if changed else outputs


def limited(notebook) -> tuple[object, list[str]]:
    """`notebook` with its outputs as a report shows them: long printed texts folded, oversized outputs left out
    (OUTPUT_LINES, OUTPUT_CHARS, OUTPUT_BYTES); and what was done, one message per output, naming its cell, for the
    log. The notebook given is left as it is: the cells that change are new ones, the others shared. Works on a
    notebook read by nbformat or on its JSON."""
    messages: list[str] = []
    cells, changed, number = [], False, 0
    for cell in notebook.get("cells", []):
        # Counted as in the notebook the analyst edits (exporters._numbered): papermill's own cells are not.
        if not set((cell.get("metadata") or {}).get("tags") or []) & {"injected-parameters", "papermill-error-cell-tag"}:
            number += 1
        outputs = cell.get("outputs") if cell.get("cell_type") == "code" else None
        said: list[str] = []
        new = _limited_outputs(outputs, said) if outputs else outputs
        if new is not outputs:
            cell, changed = type(cell)({**cell, "outputs": new}), True
        if said:
            source = _text(cell.get("source", ""))
            first = next((line.strip() for line in source.splitlines() if line.strip()), "")
            where = f"ô {number}" + (f" («{first[:60]}{'…' if len(first) > 60 else ''}»)" if first else "")
            messages += [f"{where}: {message}" for message in said]
        cells.append(cell)
    if not changed:
        return notebook, messages
    return type(notebook)({**notebook, "cells": cells}), messages


def parse_formats(text: str, allowed: tuple[str, ...] = FORMATS) -> tuple[str, ...]:
    """'html,pdf' -> ('html', 'pdf'); anything unknown is refused with the choices."""
    formats = tuple(dict.fromkeys(f.strip().lower() for f in str(text).split(",") if f.strip()))
    unknown = [f for f in formats if f not in allowed]
    if unknown or not formats:
        raise ThadsError(f"Định dạng '{text}' không hợp lệ: chọn trong {', '.join(allowed)}, ví dụ --format html,pdf,docx.")
    return formats


@functools.cache
def _html_exporter():
    from thads.exporters import ReportHTMLExporter

    try:
        return ReportHTMLExporter()
    except ValueError as exc:       # nbconvert's own templates (share/jupyter/nbconvert) are missing
        if "template" not in str(exc):
            raise
        import jupyter_core.paths

        raise ThadsError(
            "Không tìm thấy các mẫu trang của nbconvert (thư mục nbconvert/templates) trong: "
            f"{', '.join(jupyter_core.paths.jupyter_path())}. Môi trường Python này cài nbconvert chưa đủ: "
            "cài lại bằng 'python -m pip install --force-reinstall --no-deps nbconvert' rồi chạy lại.") from None


def to_html(notebook) -> tuple[str, list[str]]:
    """The report page, and what was left out of it (one message per output, for the log)."""
    page, resources = _html_exporter().from_notebook_node(notebook)
    return page, list(resources.get("thads_hidden", []))


def to_pdf(page: str, target: Path | None = None, printer=None) -> bytes | None:
    """Print the HTML page on A4 with a browser (a `pdf.Printer` kept by the caller, else one opened for
    this page); write it to `target`, or return its bytes."""
    from thads import pdf

    return pdf.to_pdf(page, target, printer)


def to_docx(notebook, target: Path | None = None, deadline: float | None = None) -> bytes | None:
    """The report as a Word document, from the same executed notebook (its outputs `limited`); to `target`, or its
    bytes. Past `deadline` (time.monotonic()) it stops with OverTime."""
    from thads.word import to_docx

    return to_docx(limited(notebook)[0], target, deadline)


def export_notebook(path: Path, formats: tuple[str, ...], out_dir: Path | None = None) -> tuple[list[Path], list[str]]:
    """Export a report notebook run by hand (papermill, JupyterLab) beside itself, or into `out_dir`.

    Returns the files written and what was left out of the page. Each file is written whole or not at all. A
    report folder of `thads run` (`refuse_report_folder`) is refused.
    """
    import nbformat

    path = Path(path)
    out = Path(out_dir) if out_dir is not None else path.parent
    try:
        notebook = nbformat.read(path, as_version=4)
    except FileNotFoundError:
        raise ThadsError(f"Không tìm thấy notebook '{path}'.") from None
    except Exception as exc:  # nbformat raises several kinds of errors for a file that is not a notebook
        raise ThadsError(f"'{path}' không phải là notebook đọc được ({type(exc).__name__}: {exc}).") from None
    from thads.exporters import check_ran

    try:
        check_ran(notebook)
    except ValueError as exc:
        raise ThadsError(f"{path}: {exc}") from None
    refuse_report_folder(out, f"thads export {path} --out THƯ_MỤC_KHÁC")
    page, hidden = to_html(notebook)
    out = files.make_folder(out)
    written = []
    for kind in formats:
        content = page if kind == "html" else to_pdf(page) if kind == "pdf" else to_docx(notebook)
        written.append(files.write_whole(out / f"{path.stem}.{kind}", content))
    return written, hidden
