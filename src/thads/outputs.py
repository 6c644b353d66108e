"""What a report shows of an executed notebook, the same in every format: the cells and outputs JupyterLab would
show (`ReportOutputs`; the cell tags `remove_cell`, `remove_input`, `remove_output`), long printed texts folded and
oversized outputs left out (`limited`), HTML outputs made safe (`sanitize`), and the tables, charts and annexes
numbered (`ReportNumbers`). `prepare` does it all once; the HTML page and the Word file are both built from what it
gives. A notebook that did not run through is refused first (`check_ran`).
"""

from __future__ import annotations

import copy
import re

from nbconvert.preprocessors import Preprocessor, TagRemovePreprocessor

from thads import numbering, parts, sanitize

# Outputs too long for a report (a loop printing every row, a DataFrame shown whole): a printed text (a stream, or
# text/plain) over OUTPUT_LINES lines or OUTPUT_CHARS characters is folded to its beginning and its end; any other
# output (HTML, an image) over OUTPUT_BYTES is left out. Each export says so. Beyond these, the time to make the
# page, its PDF and the Word file would grow with the output, past what a report may take.
OUTPUT_LINES = 2000
OUTPUT_CHARS = 200_000
OUTPUT_BYTES = 20 * 2**20
_HEAD_LINES, _TAIL_LINES = 1500, 400                # what a folded text keeps of its beginning and of its end
_HEAD_CHARS, _TAIL_CHARS = 150_000, 40_000
# What a report can show, in nbconvert's order of preference; an output's other mimetypes are dropped.
SHOWN = ("text/html", "image/svg+xml", "image/png", "image/jpeg", "text/markdown", "text/plain")
RECORDS = (parts.PART, parts.FIGURES)
REMOVE_CELL = {"remove_cell", "parameters", "injected-parameters"}
# An execute_result that is only an object's description: '<BarContainer object of 3 artists>'.
_OBJECT_REPR = re.compile(r"\[?<[\w.]+[ >].*>\]?|\w+\(<[\w.]+ object at 0x[0-9a-f]+>\)", re.S)
# The template writes an image's base64 data into a src="..." attribute: data holding any of these is no image.
_NOT_BASE64 = ('"', "'", "<", ">", "&")
TOC_MARK = "<!-- toc -->"             # where the page's table of contents goes (kept by `sanitize`)


def numbered_cells(nb):
    """Cells with their position in the notebook the analyst edits (papermill's own cells not counted)."""
    number = 0
    for cell in nb.cells:
        tags = set(cell.get("metadata", {}).get("tags", []))
        if not tags & {"injected-parameters", "papermill-error-cell-tag"}:
            number += 1
        yield number, cell


def check_ran(nb) -> None:
    """Refuse, with what to do, a notebook that was not run through: never run, building no report object,
    or stopped by a cell that raised. A report is only made from a notebook that ran to the end."""
    for number, cell in numbered_cells(nb):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                raise ValueError(f"Notebook có ô bị lỗi khi chạy ({shown_as(number, cell)}: {output.get('ename')}: "
                                 f"{output.get('evalue')}): sửa ô đó, chạy lại notebook rồi xuất.")
    if parts.recorded(nb) is None:
        if not any(cell.get("outputs") for cell in nb.cells):
            raise ValueError("Notebook chưa được chạy: hãy chạy hết notebook (JupyterLab: Run All Cells, hoặc "
                             "papermill) rồi xuất.")
        raise ValueError("Notebook không ghi lại số liệu chính của báo cáo: notebook cần tạo đối tượng báo cáo, "
                         "ví dụ r = ProvinceReport(province, period).")


def shown_as(cell_number: int, cell) -> str:
    first = next((line.strip() for line in cell.source.splitlines() if line.strip()), "")
    return f"ô {cell_number}" + (f" («{first[:60]}{'…' if len(first) > 60 else ''}»)" if first else "")


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
        # Counted as in the notebook the analyst edits (numbered_cells): papermill's own cells are not.
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


class ReportOutputs(Preprocessor):
    """Keep what JupyterLab would show, once, and say in `resources['thads_hidden']` what was left out:
    text written to stderr (warnings), outputs the page cannot show (widgets, JavaScript, LaTeX), what
    the last line of a cell returned when it is only text beside a chart ('Text(0.5, 1.0, ...)' from
    ax.set_title) or an object's description ('<BarContainer object of 3 artists>'), an image shown
    twice by one cell (a pyplot figure left as the last expression is also shown by the inline
    backend), HTML that needs JavaScript, and raw cells. Every HTML output kept is parsed and written out
    again by `sanitize` (the parts' JupyterLab style taken off first), and what it dropped is said too (Markdown,
    rendered by the template, is cleaned there: `_cleaned`); `_check_whole` then refuses a page whose end a browser
    would not show."""

    def preprocess(self, nb, resources):
        hidden = resources.setdefault("thads_hidden", [])
        cells = resources.setdefault("thads_cells", {})      # where each cell is, for `_cleaned`'s messages
        for number, cell in numbered_cells(nb):
            tags = set(cell.get("metadata", {}).get("tags", []))
            if tags & REMOVE_CELL:
                continue
            where = cells[id(cell)] = shown_as(number, cell)
            if cell.cell_type == "raw":
                hidden.append(f"{where}: ô dạng raw không được đưa vào báo cáo")
            if cell.cell_type != "code" or "remove_output" in tags:
                continue
            kept, seen = [], set()
            drawn = any(m.startswith("image/") for o in cell.get("outputs", []) for m in o.get("data", {}))
            for output in cell.get("outputs", []):
                reason = self._left_out(output, seen, drawn)
                if reason:
                    hidden.append(f"{where}: {reason}")
                else:
                    self._clean(output, where, hidden)
                    kept.append(output)
            cell.outputs = kept
        return nb, resources

    @staticmethod
    def _clean(output, where: str, hidden: list[str]) -> None:
        """HTML made safe (`sanitize`: nothing in it can leave the page, restyle it or cut it short), and an image
        whose data is not base64 left out (the template writes it into an attribute); what went is logged."""
        data = output.get("data")
        if not data:
            return
        shown = data.get("text/html")
        if shown:
            text = shown if isinstance(shown, str) else "".join(shown)
            data["text/html"], dropped = sanitize.clean(text, (TOC_MARK,))
            if dropped:
                hidden.append(sanitize.message(where, dropped))
        for mimetype in ("image/png", "image/jpeg"):
            image = data.get(mimetype)
            if image is not None:
                text = image if isinstance(image, str) else "".join(image)
                if any(char in text for char in _NOT_BASE64):
                    del data[mimetype]
                    hidden.append(f"{where}: bỏ ảnh {mimetype} có dữ liệu không phải base64")

    @staticmethod
    def _left_out(output, seen: set, drawn: bool) -> str | None:
        kind = output.get("output_type")
        if kind == "stream":
            if output.get("name") == "stderr":
                text = next((line for line in output.get("text", "").splitlines() if line.strip()), "")
                return f"ẩn dòng ghi ra stderr (cảnh báo) «{text[:100]}»"
            return None
        if kind not in ("display_data", "execute_result"):
            return None
        data = output.get("data", {})
        shown = {m: v for m, v in data.items() if m in SHOWN}
        if not shown:
            other = sorted(m for m in data if m not in RECORDS)
            return f"ẩn kết quả dạng {', '.join(other)}: báo cáo tĩnh không hiển thị được" if other else None
        if "text/html" in shown:     # the parts' scoped style for JupyterLab: the page has the report's stylesheet
            html_text = shown["text/html"] if isinstance(shown["text/html"], str) else "".join(shown["text/html"])
            shown["text/html"] = parts.without_lab_style(html_text)
        output["data"] = {**shown, **{m: v for m, v in data.items() if m in RECORDS}}
        best = next(m for m in SHOWN if m in shown)
        text = shown[best] if isinstance(shown[best], str) else "".join(shown[best])
        if best == "text/plain" and kind == "execute_result" and (drawn or _OBJECT_REPR.fullmatch(text.strip())):
            # What the last line returned, printed by Jupyter under a chart ('Text(0.5, 1.0, ...)' from
            # ax.set_title) or alone ('<BarContainer object of 3 artists>'): not report content.
            return (f"ẩn giá trị trả về của dòng cuối ô «{text.strip()[:80]}» (thêm plt.show() hoặc dấu ; cuối "
                    "dòng để Jupyter không in ra)")
        if best.startswith("image/"):
            if (best, text) in seen:
                return "bỏ một hình lặp lại (ô hiện cùng một hình hai lần)"
            seen.add((best, text))
        if best == "text/html" and "<script" in text.lower():
            return "ẩn kết quả HTML có JavaScript (biểu đồ tương tác): báo cáo tĩnh không chạy mã"
        return None


class ReportNumbers(Preprocessor):
    """Number the captioned tables, charts and annexes in document order, once the cells that are not shown are
    removed (`numbering`): each table's `thads-number` span, each cross-reference's words, and each chart's caption
    (metadata `thads_caption` of its image, printed by the template under it, with `thads_label` as its id). The
    numbering is left in `resources['thads_numbering']` for the Markdown cells, which the template renders; a
    reference to a part no longer in the report is said in `resources['thads_hidden']`."""

    def preprocess(self, nb, resources):
        found = numbering.number(nb, resources.setdefault("thads_hidden", []))
        resources["thads_numbering"] = found
        for i, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            for j, output in enumerate(cell.get("outputs", [])):
                data = output.get("data")
                if not data:
                    continue
                part = found.at(i, j)
                shown = data.get("text/html")
                if shown:
                    text = shown if isinstance(shown, str) else "".join(shown)
                    data["text/html"] = found.html(text, part)
                if part is not None and part.shown.startswith(numbering.FIGURE):
                    metadata = output.setdefault("metadata", {})
                    for mimetype in ("image/svg+xml", "image/png"):
                        if mimetype in data:
                            about = metadata.setdefault(mimetype, {})
                            about["thads_caption"] = part.title
                            if part.label:
                                about["thads_label"] = part.label
        return nb, resources


def prepare(nb, resources: dict | None = None, check: bool = True) -> tuple[object, dict]:
    """The notebook as the report shows it, and the resources of its export: `thads_numbering` (the numbers of its
    tables and charts) and `thads_hidden` (what was left out or folded, one message each, naming the cell). The
    notebook given is not changed. With `check`, refuses (ValueError, with what to do) a notebook that did not run
    through."""
    if check:
        check_ran(nb)
    nb, folded = limited(nb)
    nb = copy.deepcopy(nb)
    resources = dict(resources or {})
    resources["thads_hidden"] = [*resources.get("thads_hidden", []), *folded]
    for step in (ReportOutputs(), TagRemovePreprocessor(remove_cell_tags=REMOVE_CELL,
                                                         remove_all_outputs_tags={"remove_output"},
                                                         remove_input_tags={"remove_input"}), ReportNumbers()):
        nb, resources = step.preprocess(nb, resources)
    return nb, resources
