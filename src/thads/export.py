"""Export an executed report notebook: HTML with nbconvert and the project's template, PDF with WeasyPrint."""

from __future__ import annotations

import functools
import html
import re
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter
from nbconvert.preprocessors import TagRemovePreprocessor

from thads import __version__

TEMPLATES = Path(__file__).parent / "templates"
_HEADING = re.compile(r'<h([23]) id="([^"]+)">(.*?)<a class="anchor-link"', re.S)
TOC_MARK = "<!-- toc -->"


def _toc(body: str) -> str:
    items = [f'<li class="h{level}"><a href="#{anchor}">{text}</a></li>'
             for level, anchor, text in _HEADING.findall(body)]
    if not items:
        return ""
    return '<nav class="toc" aria-label="Mục lục"><strong>Mục lục</strong><ol>' + "".join(items) + "</ol></nav>"


@functools.cache
def _exporter() -> HTMLExporter:
    exporter = HTMLExporter(template_name="thads_report", extra_template_basedirs=[str(TEMPLATES)],
                            exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
                            optimistic_validation=True)
    exporter.register_preprocessor(TagRemovePreprocessor(remove_cell_tags={"remove_cell", "parameters",
                                                                           "injected-parameters"}), enabled=True)
    return exporter


def to_html(notebook: nbformat.NotebookNode, title: str) -> str:
    """The report as one self-contained HTML page: outputs and Markdown only, with a table of contents."""
    body, _ = _exporter().from_notebook_node(notebook, resources={"metadata": {"name": html.escape(title)},
                                                                  "thads_version": __version__})
    toc = _toc(body)
    return body.replace(TOC_MARK, toc, 1) if TOC_MARK in body else body.replace('<main class="report">',
                                                                               '<main class="report">' + toc, 1)


def to_pdf(page: str, target: Path | None) -> bytes | None:
    """Lay out the HTML page on A4 with WeasyPrint (print styles of the same template).

    The page can load nothing but its own `data:` URLs; anything else is refused, not fetched.
    """
    from weasyprint import HTML, default_url_fetcher

    def fetch(url: str, *args, **kwargs):
        if not url.startswith("data:"):
            raise ValueError(f"refused to load {url[:80]}: a report loads nothing from outside itself")
        return default_url_fetcher(url, *args, **kwargs)

    return HTML(string=page, base_url=None, url_fetcher=fetch).write_pdf(target)
