"""The exporters of a report: `Export`, which every path uses (`thads run`, `thads export`), and the nbconvert
exporters registered by the package as `thads_html`, `thads_pdf`, `thads_docx`, `thads_pptx` and `thads_slides`
(`jupyter nbconvert --to thads_html report.ipynb`, JupyterLab's "Save and Export Notebook As" menu).

An executed notebook is prepared once (`outputs.prepare`: what JupyterLab would show, never the code, long outputs
folded, tables and charts numbered); the HTML page is rendered from it by `ReportHTMLExporter`'s template, the PDF
is that page printed, the Word file and the two decks (PowerPoint, HTML slides) are built from the same prepared
notebook (`formats`; the decks share its slides, `deck`).

Into a report folder of `thads run` (one holding inputs.json) every path writes under the clerk's rule
(`folder.ReportFolder.export`): an edited report.docx is kept and the new file goes beside it, and the report is
marked as no longer current. nbconvert writes the file itself: its exporters rename the output (the resources'
`unique_key`) and record it. Printing (--stdout) and JupyterLab's export, a download, write nothing there.
"""

from __future__ import annotations

import base64
import functools
import html
import re
from pathlib import Path

from jinja2 import pass_context
from nbconvert import HTMLExporter
from nbconvert.exporters import Exporter
from nbconvert.filters.highlight import Highlight2HTML
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter
from traitlets import Bool, default

from thads import __version__, formats, markdown, numbering, outputs, parts, sanitize
from thads.errors import ThadsError
from thads.folder import ReportFolder

TEMPLATES = Path(__file__).parent / "templates"
_HEADING = re.compile(r'<h([23]) id="([^"]+)">(.*?)<a class="anchor-link"', re.S)
TOC_MARK = outputs.TOC_MARK
# The page's body (`_check_whole`): what would make a browser read the rest of the page as something else than the
# report (a comment, an element read as text, a <select>, a <template>) or leave the page. `sanitize` writes none of
# them, the template none but in the page's head.
MAIN_START, PAGE_END = '<main class="report">', "</main>\n</body>\n</html>"
_SWALLOWS = re.compile(r"<(?:!--(?! toc -->)|/?(?:script|style|textarea|title|select|option|template|xmp|plaintext|"
                       r"noscript|noembed|noframes|iframe|frameset|object|embed|meta|base|link|html|head|body)"
                       r"[\s/>])", re.I)


class Export:
    """One executed notebook being exported: prepared once (`prepared`, `resources`), its page rendered once
    (`page`), each format built from them (`build`). `printer` prints PDFs (a `pdf.Printer` kept by the caller; one
    is opened for this export otherwise); past `deadline` (time.monotonic()) a step stops with OverTime. Refuses
    (ValueError, with what to do) a notebook that did not run through. `root`: a folder of the report's project (its
    settings: the reference deck of report.pptx); without it, the notebook's folder (nbconvert's resources) or the
    current one."""

    def __init__(self, notebook, printer=None, deadline: float | None = None, resources: dict | None = None,
                 root: Path | None = None):
        self.prepared, self.resources = outputs.prepare(notebook, resources)
        self.printer, self.deadline = printer, deadline
        self._page: str | None = None
        self._deck = None
        self._root, self._project = root, None

    @property
    def deck(self):
        """The report's slides (`deck.Deck`), read once for both decks."""
        if self._deck is None:
            from thads import deck

            self._deck = deck.build(self.prepared, self.resources)
        return self._deck

    @property
    def project(self):
        """The report's project (`project.Project`): the one holding `root`, or the notebook's folder, or the current
        folder."""
        if self._project is None:
            from thads import project

            start = self._root or (self.resources.get("metadata") or {}).get("path") or None
            self._project = project.find(Path(start) if start else None)
        return self._project

    @property
    def page(self) -> str:
        if self._page is None:
            self._page, self.resources = html_exporter().render(self.prepared, self.resources)
        return self._page

    @property
    def hidden(self) -> list[str]:
        """What was left out of the report or folded, one message each, naming the cell (for the log)."""
        return list(self.resources.get("thads_hidden", []))

    def build(self, name: str) -> str | bytes:
        from thads.errors import check_time

        wanted = formats.get(name)
        check_time(self.deadline, wanted.label)
        return wanted.build(self)


@functools.cache
def html_exporter() -> "ReportHTMLExporter":
    """The page renderer, made once per process (loading nbconvert's templates takes a while)."""
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


def _nbconvert(exporter, name: str, nb, resources):
    """What a `thads_*` nbconvert exporter returns for format `name`: the file's content and its resources. Into a
    report folder the clerk's rule applies (`ReportFolder.export`): the file is written and recorded here, and
    nbconvert is given its name (`unique_key`), so that it writes the same content to the same file."""
    try:
        made = Export(nb, resources=resources)
        content = made.build(name)
    except ValueError as exc:        # not run through: nbconvert shows the message
        raise ValueError(str(exc)) from None
    resources = made.resources
    resources["output_extension"] = suffix = formats.get(name).suffix
    for message in made.hidden:
        exporter.log.warning("%s", message)
    folder = _target_folder(exporter, resources)
    if folder is not None and ReportFolder(folder).is_report():
        path = ReportFolder(folder).export(name, content)
        key = Path(str(resources["unique_key"]))
        if not path.name.endswith(suffix):            # slides.html in a report folder, report.slides.html elsewhere
            resources["output_extension"] = suffix = path.suffix
        resources["unique_key"] = str(key.parent / path.name[:-len(suffix)])
    return content, resources


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
        self.register_filter("thads_markdown", _markdown)

    def from_notebook_node(self, nb, resources=None, **kwargs):
        return _nbconvert(self, "html", nb, resources)

    def render(self, prepared, resources: dict) -> tuple[str, dict]:
        """The page of a prepared notebook (`outputs.prepare`), rendered by the template without copying it again:
        nbconvert's from_notebook_node would copy it twice more and then parse the whole page again with
        BeautifulSoup for alt texts and tab stops this template does not need."""
        record = parts.recorded(prepared)
        metadata = dict(resources.get("metadata") or {})
        if record:
            metadata["name"] = record["title"]
        metadata["name"] = html.escape(str(metadata.get("name", "Báo cáo")))
        resources = self._init_resources({**resources, "metadata": metadata, "thads_version": __version__})
        self._nb_metadata[""] = prepared.metadata
        self.register_filter("highlight_code", self.filters.get("highlight_code", Highlight2HTML(parent=self)))
        self.register_filter("filter_data_type", WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata,
                                                                       parent=self, resources=resources))
        resources.setdefault("raw_mimetypes", self.raw_mimetypes)
        resources.setdefault("output_mimetype", self.output_mimetype)
        resources["global_content_filter"] = {
            "include_code": not self.exclude_code_cell, "include_markdown": not self.exclude_markdown,
            "include_raw": not self.exclude_raw, "include_unknown": not self.exclude_unknown,
            "include_input": not self.exclude_input, "include_output": not self.exclude_output,
            "include_output_stdin": not self.exclude_output_stdin,
            "include_input_prompt": not self.exclude_input_prompt,
            "include_output_prompt": not self.exclude_output_prompt,
            "no_prompt": self.exclude_input_prompt and self.exclude_output_prompt}
        page = _with_toc(self.template.render(nb=prepared, resources=resources).lstrip("\r\n"))
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
        return _nbconvert(self, "pdf", nb, resources)


class ReportDOCXExporter(Exporter):
    """The report as a Word document an office can finish and sign (`word`)."""

    export_from_notebook = "Báo cáo THADS (Word)"
    output_mimetype = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

    @default("file_extension")
    def _file_extension(self):
        return ".docx"

    def from_notebook_node(self, nb, resources=None, **kwargs):
        return _nbconvert(self, "docx", nb, resources)


class ReportPPTXExporter(Exporter):
    """The report's slides as a PowerPoint deck an office finishes and presents (`powerpoint`)."""

    export_from_notebook = "Báo cáo THADS (PowerPoint)"
    output_mimetype = formats.Pptx.mimetype

    @default("file_extension")
    def _file_extension(self):
        return ".pptx"

    def from_notebook_node(self, nb, resources=None, **kwargs):
        return _nbconvert(self, "pptx", nb, resources)


class ReportSlidesExporter(Exporter):
    """The report's slides as one offline HTML page to present from a browser (`slideshow`)."""

    export_from_notebook = "Báo cáo THADS (trình chiếu HTML)"
    output_mimetype = "text/html"

    @default("file_extension")
    def _file_extension(self):
        return ".slides.html"

    def from_notebook_node(self, nb, resources=None, **kwargs):
        return _nbconvert(self, "slides", nb, resources)


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
        sanitize.tell(resources, resources.get("thads_cells", {}).get(id(context.get("cell")), "ô Markdown"), dropped)
    return text


@pass_context
def _markdown(context, source: str) -> str:
    """The HTML of a Markdown cell (its pasted images embedded) or of a text/markdown output, its headings with ids
    and anchor links (`markdown.cell_to_html`)."""
    cell = context.get("cell")
    attachments = cell.get("attachments") if cell is not None and cell.get("cell_type") == "markdown" else None
    return markdown.cell_to_html(source, anchors=True, attachments=attachments)


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
