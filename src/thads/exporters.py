"""The nbconvert exporters of a report, registered by the package as `thads_html`, `thads_pdf` and
`thads_docx`.

`jupyter nbconvert --to thads_html report.ipynb` and JupyterLab's "Save and Export Notebook As" menu
use them, and so do `thads run` and `thads export` (through `export`). The page shows what the notebook
shows in JupyterLab (Markdown, figures, tables, text printed by a cell), never its code; the usual cell
tags `remove_cell`, `remove_input` and `remove_output` hide what an analyst chooses. Anything else left
out is said in the log (see `ReportOutputs`), and so are outputs too long for a report, folded or left out
(`export.limited`).

`jupyter nbconvert` never writes into a report folder of `thads run` (one holding inputs.json): the exporters
refuse when nbconvert's command line would write the file there, beside the notebook or through --output-dir
or --output (`_refuse_report_folder`), so that a clerk's edited report.docx is not overwritten and inputs.json
describes every file beside it; `thads export` refuses likewise. Printing (--stdout) and JupyterLab's export,
a download, write nothing there and are not refused.
"""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path

from jinja2 import pass_context
from nbconvert import HTMLExporter
from nbconvert.exporters import Exporter, TemplateExporter
from nbconvert.filters.highlight import Highlight2HTML
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter
from nbconvert.preprocessors import Preprocessor, TagRemovePreprocessor
from traitlets import Bool, default

from thads import __version__, export, numbering, parts, sanitize
from thads.errors import ThadsError

TEMPLATES = Path(__file__).parent / "templates"
_HEADING = re.compile(r'<h([23]) id="([^"]+)">(.*?)<a class="anchor-link"', re.S)
TOC_MARK = "<!-- toc -->"
# What a report can show, in nbconvert's order of preference; an output's other mimetypes are dropped.
SHOWN = ("text/html", "image/svg+xml", "image/png", "image/jpeg", "text/markdown", "text/plain")
RECORDS = (parts.PART, parts.FIGURES)
REMOVE_CELL = {"remove_cell", "parameters", "injected-parameters"}
# An execute_result that is only an object's description: '<BarContainer object of 3 artists>'.
_OBJECT_REPR = re.compile(r"\[?<[\w.]+[ >].*>\]?|\w+\(<[\w.]+ object at 0x[0-9a-f]+>\)", re.S)
# The template writes an image's base64 data into a src="..." attribute: data holding any of these is no image.
_NOT_BASE64 = ('"', "'", "<", ">", "&")
# The page's body (`_check_whole`): what would make a browser read the rest of the page as something else than the
# report (a comment, an element read as text, a <select>, a <template>) or leave the page. `sanitize` writes none of
# them, the template none but in the page's head.
MAIN_START, PAGE_END = '<main class="report">', "</main>\n</body>\n</html>"
_SWALLOWS = re.compile(r"<(?:!--(?! toc -->)|/?(?:script|style|textarea|title|select|option|template|xmp|plaintext|"
                       r"noscript|noembed|noframes|iframe|frameset|object|embed|meta|base|link|html|head|body)"
                       r"[\s/>])", re.I)


def _numbered(nb):
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
    for number, cell in _numbered(nb):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                raise ValueError(f"Notebook có ô bị lỗi khi chạy ({_shown_as(number, cell)}: {output.get('ename')}: "
                                 f"{output.get('evalue')}): sửa ô đó, chạy lại notebook rồi xuất.")
    if parts.recorded(nb) is None:
        if not any(cell.get("outputs") for cell in nb.cells):
            raise ValueError("Notebook chưa được chạy: hãy chạy hết notebook (JupyterLab: Run All Cells, hoặc "
                             "papermill) rồi xuất.")
        raise ValueError("Notebook không ghi lại số liệu chính của báo cáo: notebook cần tạo đối tượng báo cáo, "
                         "ví dụ r = ProvinceReport(province, period).")


def _target_folder(exporter, resources) -> Path | None:
    """The folder `jupyter nbconvert` will write the exported file into; None when no folder is written (JupyterLab's
    export is a download, --stdout prints it, thads's own calls write their files themselves).

    Only nbconvert's command line gives a notebook's resources a `unique_key`: the output's name (--output, which may
    name folders too). Its FilesWriter writes into --output-dir (FilesWriter.build_directory), else beside the
    notebook (the resources' metadata path)."""
    if not resources or "unique_key" not in resources:
        return None
    config = exporter.config
    writer = str((config.get("NbConvertApp") or {}).get("writer_class") or "FilesWriter")
    if "fileswriter" not in writer.lower():
        return None
    build = (config.get("FilesWriter") or {}).get("build_directory") or (resources.get("metadata") or {}).get("path")
    return Path(str(build or ".")) / Path(str(resources["unique_key"])).parent


def _refuse_report_folder(exporter, resources) -> None:
    """Refuse, as check_ran does, an export `jupyter nbconvert` would write into a report folder of `thads run`."""
    folder = _target_folder(exporter, resources)
    if folder is not None:
        try:
            export.refuse_report_folder(folder, "jupyter nbconvert --to ... NOTEBOOK --output-dir THƯ_MỤC_KHÁC")
        except ThadsError as exc:
            raise ValueError(str(exc)) from None


def _shown_as(cell_number: int, cell) -> str:
    first = next((line.strip() for line in cell.source.splitlines() if line.strip()), "")
    return f"ô {cell_number}" + (f" («{first[:60]}{'…' if len(first) > 60 else ''}»)" if first else "")


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
        for number, cell in _numbered(nb):
            tags = set(cell.get("metadata", {}).get("tags", []))
            if tags & REMOVE_CELL:
                continue
            where = cells[id(cell)] = _shown_as(number, cell)
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


class ReportHTMLExporter(HTMLExporter):
    """The report as one self-contained HTML page: outputs and Markdown, no code, a table of contents."""

    export_from_notebook = "Báo cáo THADS (HTML)"
    exclude_input = Bool(True, help="never show code").tag(config=True)
    exclude_input_prompt = Bool(True).tag(config=True)
    exclude_output_prompt = Bool(True).tag(config=True)

    @default("template_name")
    def _template_name(self):
        return "thads_report"

    @default("extra_template_basedirs")
    def _template_dirs(self):
        return [str(TEMPLATES)]

    def __init__(self, **kwargs):
        kwargs.setdefault("optimistic_validation", True)
        super().__init__(**kwargs)
        self.register_filter("svg_data_uri", _svg_data_uri)
        self.register_filter("thads_numbers", _with_numbers)
        self.register_filter("thads_clean", _cleaned)
        self.register_preprocessor(ReportOutputs(), enabled=True)
        self.register_preprocessor(TagRemovePreprocessor(remove_cell_tags=REMOVE_CELL,
                                                         remove_all_outputs_tags={"remove_output"},
                                                         remove_input_tags={"remove_input"}), enabled=True)
        self.register_preprocessor(ReportNumbers(), enabled=True)

    def _preprocess(self, nb, resources):
        """nbconvert's, without two more copies of the notebook (a deep copy, then a normalised one):
        `from_notebook_node` has already copied it for the preprocessors, and each copy cost 20 ms a report."""
        for preprocessor in self._preprocessors:
            nb, resources = preprocessor(nb, resources)
        return nb, resources

    def _validate_preprocessor(self, nbc, preprocessor):
        """Not again: the notebook was validated when read or written, and nbformat compiles its schema anew
        for every validation nbconvert asks for after its preprocessors (half the HTML's time)."""

    def from_notebook_node(self, nb, resources=None, **kwargs):
        check_ran(nb)
        _refuse_report_folder(self, resources)
        nb, folded = export.limited(nb)
        resources = dict(resources or {})
        if folded:
            resources["thads_hidden"] = [*resources.get("thads_hidden", []), *folded]
        record = parts.recorded(nb)
        metadata = dict(resources.get("metadata") or {})
        if record:
            metadata["name"] = record["title"]
        metadata["name"] = html.escape(str(metadata.get("name", "Báo cáo")))
        resources.update(metadata=metadata, thads_version=__version__)
        # HTMLExporter.from_notebook_node without its last step, which parses the whole page again with
        # BeautifulSoup to give images without alt text a placeholder and JupyterLab's cell classes a tab stop:
        # this template writes every alt text and uses none of those classes, and the pass cost a tenth of a
        # second a report (pages of half a megabyte).
        self.register_filter("highlight_code", self.filters.get("highlight_code", Highlight2HTML(parent=self)))
        resources = self._init_resources(resources)
        self.register_filter("filter_data_type", WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata,
                                                                       parent=self, resources=resources))
        body, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kwargs)
        for message in resources.get("thads_hidden", []):
            self.log.warning("%s", message)
        page = _with_toc(body)
        _check_whole(page)
        return page, resources


class ReportPDFExporter(Exporter):
    """The same page printed on A4 by a Chromium-family browser, with the print styles of the template."""

    export_from_notebook = "Báo cáo THADS (PDF)"
    output_mimetype = "application/pdf"

    @default("file_extension")
    def _file_extension(self):
        return ".pdf"

    def from_notebook_node(self, nb, resources=None, **kwargs):
        page, resources = ReportHTMLExporter(parent=self).from_notebook_node(nb, resources, **kwargs)
        resources["output_extension"] = ".pdf"
        from thads.pdf import to_pdf

        return to_pdf(page), resources


class ReportDOCXExporter(Exporter):
    """The report as a Word document an office can finish and sign (`word`)."""

    export_from_notebook = "Báo cáo THADS (Word)"
    output_mimetype = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

    @default("file_extension")
    def _file_extension(self):
        return ".docx"

    def from_notebook_node(self, nb, resources=None, **kwargs):
        from thads.word import to_docx

        check_ran(nb)
        _refuse_report_folder(self, resources)
        nb, folded = export.limited(nb)
        for message in folded:
            self.log.warning("%s", message)
        _, resources = super().from_notebook_node(nb, resources, **kwargs)
        resources["output_extension"] = ".docx"
        return to_docx(nb), resources


def _svg_data_uri(svg: str | list[str]) -> str:
    text = svg if isinstance(svg, str) else "".join(svg)
    return "data:image/svg+xml;base64," + base64.b64encode(text.encode("utf-8")).decode("ascii")


@pass_context
def _cleaned(context, page: str) -> str:
    """The HTML of a Markdown cell or of a text/markdown output (Markdown passes raw HTML) made safe as outputs are
    (`sanitize`); what was dropped is said in the log, with the cell."""
    text, dropped = sanitize.clean(page)
    if dropped:
        resources = context.get("resources")
        where = resources.get("thads_cells", {}).get(id(context.get("cell")), "ô Markdown")
        resources.setdefault("thads_hidden", []).append(sanitize.message(where, dropped))
    return text


def _check_whole(page: str) -> None:
    """Refuse a page that a browser would not show to its end: the report's last parts (the signature, "Nơi nhận",
    the annexes) cut off by something in its body that reads the rest as text, a comment or a hidden template."""
    start = page.find(MAIN_START)
    whole = start >= 0 and page.rstrip().endswith(PAGE_END)
    found = _SWALLOWS.search(page, start + len(MAIN_START), len(page.rstrip()) - len(PAGE_END)) if whole else None
    if not whole or found:
        what = f"«{page[found.start():found.start() + 40]}…»" if found else "phần cuối trang"
        raise ThadsError(f"Trang HTML của báo cáo không trọn vẹn ({what}): trình duyệt sẽ không hiện phần cuối báo "
                         "cáo (chữ ký, nơi nhận, phụ lục). Báo cáo không được tạo; hãy báo lỗi này cho nhóm phát "
                         "triển kèm notebook.")


def _with_numbers(page: str, found) -> str:
    """A Markdown cell's HTML with its cross-references set (`ReportNumbers` left the numbering in resources)."""
    return found.html(page) if isinstance(found, numbering.Numbering) else page


def _with_toc(body: str) -> str:
    items = [f'<li class="h{level}"><a href="#{anchor}">{text}</a></li>'
             for level, anchor, text in _HEADING.findall(body)]
    toc = ('<nav class="toc" aria-label="Mục lục"><strong>Mục lục</strong><ol>' + "".join(items) + "</ol></nav>"
           if items else "")
    if TOC_MARK in body:
        return body.replace(TOC_MARK, toc, 1)
    return body.replace('<main class="report">', '<main class="report">' + toc, 1)
