"""What a report notebook displays: each part as HTML (or a PNG) beside a structured record of it.

JupyterLab and nbconvert show the HTML or the image. The record, under the mimetype `PART`, holds the
same content as data (paragraphs, a table's cells, a figure's caption), so that other formats are
built from the executed notebook and never from a second computation. The report object also records
its key figures once, under `FIGURES`, when it is built: `summary.json` and the index are written
from that record.

DataFrames that a report notebook displays are shown like the report's own tables (Vietnamese
numbers, the same styles), and pyplot figures sharp enough to print, once `setup_display` has run (the
report object runs it), in JupyterLab as in the exports.
"""

from __future__ import annotations

import base64
import functools
import math
import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
from babel.numbers import format_decimal
from IPython.core.formatters import JSONFormatter
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape
from traitlets import ObjectName, Unicode

from thads import formatting as fmt
from thads.markdown import to_html

PART = "application/vnd.thads.part+json"
FIGURES = "application/vnd.thads.figures+json"
MISSING = "—"

_TEMPLATES = Environment(loader=PackageLoader("thads", "templates/fragments"),
                         autoescape=select_autoescape(default=True, default_for_string=True))


# Whether a chart is also displayed as PNG, for Word, which takes no SVG. `thads run` sets it for each report
# (kernel.fresh): only a report made with a Word file pays for the PNG. Elsewhere (JupyterLab, papermill) it
# stays on, so that every format can be exported from the notebook.
CHART_PNG = True


def chart_png(wanted: bool) -> None:
    """Display the report's charts as PNG too (for Word) from now on, or not."""
    global CHART_PNG
    CHART_PNG = bool(wanted)


_REPORT_CSS = Path(__file__).parent / "templates" / "thads_report" / "report.css"
LAB_STYLE = "thads-lab-style"      # the class of the style a part carries into JupyterLab; every export drops it
# JupyterLab's own table rules (fixed layout, right-aligned cells, zebra rows) are undone inside the parts.
_LAB_TABLES = (".thads-part table { table-layout: auto; font-size: inherit; color: inherit; } "
               ".thads-part table td, .thads-part table th { text-align: left; vertical-align: top; } "
               ".thads-part .doc-heading td, .thads-part .signer, .thads-part table.data th { text-align: center; } "
               ".thads-part table.data td.num { text-align: right; } "
               ".thads-part table tbody tr:nth-child(odd), .thads-part table tbody tr:hover { background: transparent; } "
               ".thads-part table.data tr.missed td { background: #fbe9e7; }")


@functools.cache
def lab_style() -> str:
    """The report's own styles for its parts, scoped under `.thads-part`, so that JupyterLab shows the header,
    the cards and the tables as the report prints them without restyling JupyterLab itself. No script."""
    css = _REPORT_CSS.read_text("utf-8")
    start, end = css.index(".doc-heading {"), css.index("/* What analysts' cells add")
    variables = re.search(r":root \{([^}]*)\}", css).group(1)
    rules = []
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", re.sub(r"/\*.*?\*/", "", css[start:end], flags=re.S)):
        scoped = ", ".join(f".thads-part {sel.strip()}" for sel in selectors.split(","))
        rules.append(f"{scoped} {{{body}}}")
    base = (f".thads-part {{{variables} font-family: 'Times New Roman', 'Liberation Serif', serif; color: var(--ink); "
            "max-width: 210mm; line-height: 1.5; }")
    return f'<style class="{LAB_STYLE}">{base} {" ".join(rules)} {_LAB_TABLES}</style>'


def with_lab_style(html: str) -> str:
    """A part's HTML as the notebook keeps it: wrapped for the scoped styles, which come with it."""
    return f'{lab_style()}<div class="thads-part">{html}</div>'


def without_lab_style(html: str) -> str:
    """The same HTML for an export, which styles the page with the report's own stylesheet."""
    return re.sub(rf'<style class="{LAB_STYLE}">.*?</style>', "", html, count=1, flags=re.S)


class Part:
    """One displayed part of a report: HTML, or a chart (SVG, and PNG for Word) with its alt text, and its
    record."""

    def __init__(self, record: dict, html: str = "", png: bytes | None = None, alt: str = "",
                 svg: bytes | None = None):
        self.record, self.html, self.png, self.alt, self.svg = record, html, png, alt, svg

    def _repr_mimebundle_(self, include=None, exclude=None):
        data, metadata = {}, {}
        if self.svg is not None:      # as wide as the text, like the page's tables
            data["image/svg+xml"] = self.svg.decode("utf-8")
            metadata["image/svg+xml"] = {"alt": self.alt, "text_width": True}
        if self.png is not None:
            data["image/png"] = base64.b64encode(self.png).decode("ascii")
            metadata["image/png"] = {"alt": self.alt}
        if data:
            return {**data, PART: self.record}, metadata
        return {"text/html": with_lab_style(self.html), PART: self.record}, {}

    def __repr__(self) -> str:
        r = self.record
        what = r.get("caption") or r.get("heading") or next((p["text"] for p in r.get("paragraphs", [])), "")
        return f"<phần báo cáo {r['kind']}: {what[:80]}>"


def render(template: str, **context) -> str:
    """A fragment of the report's HTML (templates/fragments), autoescaped."""
    return _TEMPLATES.get_template(template).render(**context)


def block(kind: str, template: str, **fields) -> Part:
    """A part drawn by its own template (header, key figures); its record is the template's context."""
    return Part({"kind": kind, **fields}, render(template, **fields))


def paragraphs(*items: str | tuple[str, str] | None) -> Part:
    """Paragraphs of narrative; an item `(text, "footnote")` is set as a footnote. Empty items are skipped."""
    kept = [(item, "") if isinstance(item, str) else item for item in items if item]
    kept = [(text, style) for text, style in kept if text]
    html = "".join(f"<p{f' class={chr(34)}{style}{chr(34)}' if style else ''}>{escape(text)}</p>"
                   for text, style in kept)
    return Part({"kind": "paragraphs", "paragraphs": [{"text": t, "style": s} for t, s in kept]}, html)


def text(blocks: list[tuple[str, str]], templates: dict, label: str | None = None) -> Part:
    """Text rendered from the wording templates: Markdown blocks, each `(markdown, style)` with style "" or
    "footnote"; empty blocks are skipped. The record names the template files it came from (`templates`:
    `shown`, `files`, `search`, as `ProvinceReport._used` gives them), and `label` names the part for a section
    reference (`[mục ?](#label)`, see numbering)."""
    kept = [{"markdown": md, "style": style} for md, style in blocks if md and md.strip()]
    html = "".join(f'<div class="footnote">{to_html(b["markdown"])}</div>' if b["style"] == "footnote"
                   else to_html(b["markdown"]) for b in kept)
    return Part({"kind": "text", "blocks": kept, "templates": dict(templates), "label": label},
                f'<div class="thads-text"{f" id={chr(34)}{escape(label)}{chr(34)}" if label else ""}>{html}</div>')


_REFERENCE = re.compile(r"\[([^\]]*)\]\(#([^)\s]+)\)")


def link_references(text: str) -> str:
    """Plain text (a table's note) as HTML, its cross-references (`[Bảng ?](#label)`, `[mục ?](#label)`, as the
    report's `ref` and `muc` write them) made in-page links, which the export numbers (thads.numbering)."""
    return _REFERENCE.sub(lambda m: f'<a href="#{m[2]}">{m[1]}</a>', str(escape(text)))


NUMBERED = {"table": "Bảng", "figure": "Biểu đồ", "annex": "Phụ lục"}


def number_label(numbering: str | None, number: int | None) -> str:
    """'Bảng 2' for a numbered table, '' for none."""
    if not numbering:
        return ""
    return f"{numbering} {number}" if number else numbering


def table(header: list[str], rows: list[list[str]], numeric: list[bool], caption: str | None = None,
          note: str | None = None, highlighted: list[int] = (), compact: bool = False, numbering: str | None = None,
          label: str | None = None, number: int | None = None) -> Part:
    """A table of text cells, numbers already written the Vietnamese way; `highlighted` rows are marked.

    A captioned table is numbered ("Bảng", or "Phụ lục" for an annex) in document order when exported; `number`
    is the number it has when shown in JupyterLab, and `label` is the name a cross-reference uses."""
    record = {"kind": "table", "caption": caption, "header": list(header), "rows": [list(r) for r in rows],
              "numeric": list(numeric), "highlighted": list(highlighted), "note": note,
              "numbering": numbering if caption else None, "label": label}
    return Part(record, render("table.html.j2", compact=compact, shown_number=number_label(record["numbering"], number),
                               note_html=Markup(link_references(note)) if note else None, **record))


def figure(svg: bytes, png: bytes | None, alt: str, caption: str, width_inches: float, label: str | None = None,
           chart: dict | None = None) -> Part:
    """A chart as SVG (and PNG, or None), with the alt text the page shows and the caption other formats print,
    numbered "Biểu đồ n" in document order. `chart`: the numbers it draws (`charts.recorded`: panels, their
    categories and series), kept in the record so that a deck draws the same chart natively (`powerpoint`)."""
    record = {"kind": "figure", "alt": alt, "caption": caption, "width_inches": width_inches,
              "numbering": NUMBERED["figure"], "label": label}
    if chart:
        record["chart"] = chart
    return Part(record, png=png, alt=alt, svg=svg)


def note(heading: str | None, markdown_text: str, html: str) -> Part:
    """An analyst's note: its Markdown as written, and its (escaped) HTML."""
    title = f"<h3>{escape(heading)}</h3>" if heading else ""
    return Part({"kind": "note", "heading": heading, "markdown": markdown_text},
                f'{title}<div class="analyst-note">{html}</div>')


# DataFrames --------------------------------------------------------------------------------------
def cell(value) -> str:
    """One value as a report writes it: 11.410; 76,97; 31/08/2024; '—' when missing."""
    if value is None or value is pd.NA or value is pd.NaT:
        return MISSING
    if isinstance(value, (bool, np.bool_)):
        return "có" if value else "không"
    if isinstance(value, (int, np.integer)):
        return fmt.number(int(value))
    if isinstance(value, (float, np.floating)):
        return MISSING if math.isnan(value) else fmt.number(round(float(value), 2))
    if isinstance(value, Decimal):   # a rate such as 72.30 keeps its decimals, as in the report's tables
        if value.is_nan():
            return MISSING
        places = min(2, max(0, -value.as_tuple().exponent))
        return format_decimal(value, format="#,##0." + "0" * places if places else "#,##0", locale=fmt.LOCALE)
    if isinstance(value, (date, datetime, pd.Timestamp)):
        return fmt.day(value)
    return str(value)


def _is_number(series: pd.Series) -> bool:
    if pd.api.types.is_bool_dtype(series):
        return False
    if pd.api.types.is_numeric_dtype(series):
        return True
    values = [v for v in series if v is not None and not (isinstance(v, float) and math.isnan(v))]
    return bool(values) and all(isinstance(v, (int, float, Decimal, np.number)) and not isinstance(v, bool)
                                for v in values)


def frame(df: pd.DataFrame, caption: str | None = None) -> Part:
    """A DataFrame as a report table: its index (unless the default 0..n-1) and columns, Vietnamese numbers.

    Long frames are cut as pandas cuts them (`display.max_rows`, `display.min_rows`), with a note.
    """
    shown = df
    if not isinstance(df.index, pd.RangeIndex) or any(name is not None for name in df.index.names):
        shown = df.reset_index()
    shown = shown.copy()
    shown.columns = [" – ".join(str(p) for p in c) if isinstance(c, tuple) else str(c) for c in shown.columns]
    limit, least = pd.get_option("display.max_rows"), pd.get_option("display.min_rows")
    rows = [[cell(v) for v in row] for row in shown.itertuples(index=False, name=None)]
    note = None
    if limit and len(rows) > limit:
        keep = max(2, min(least or limit, limit))
        rows = rows[: keep // 2] + [["…"] * len(shown.columns)] + rows[len(rows) - keep // 2:]
        note = f"Hiển thị {fmt.number(keep // 2 * 2)}/{fmt.number(len(shown))} dòng."
    numeric = [_is_number(shown.iloc[:, i]) for i in range(shown.shape[1])]
    return table(list(shown.columns), rows, numeric, caption=caption, note=note, compact=shown.shape[1] > 6)


class _PartFormatter(JSONFormatter):
    """IPython formatter for the `PART` mimetype (DataFrames, through `for_type`)."""

    format_type = Unicode(PART)
    print_method = ObjectName("_repr_thads_part_")


def _figure_title(fig) -> str:
    suptitle = getattr(fig, "_suptitle", None)
    titles = [suptitle.get_text()] if suptitle is not None else []
    titles += [ax.get_title() for ax in fig.axes]
    return next((t.strip() for t in titles if t and t.strip()), "")


FIGURE_PIXELS = 16_000_000


def figure_png(fig):
    """An analyst's matplotlib figure as the inline backend shows it, at twice the pixels (sharp on paper,
    at least 150 dpi at its printed size), with its title as the alt text and caption."""
    from IPython.core.pylabtools import retina_figure

    # At most FIGURE_PIXELS: a figure of 60 × 60 inches would be 144 million pixels (half a gigabyte to draw); it is
    # drawn at a lower resolution instead, and still fills the page's width.
    width, height = fig.get_size_inches()
    dpi = fig.dpi * 2
    if width * height * dpi * dpi > FIGURE_PIXELS:
        dpi = (FIGURE_PIXELS / (width * height)) ** 0.5
    found = retina_figure(fig, base64=True, dpi=dpi)
    if not found:
        return None
    data, metadata = found if isinstance(found, tuple) else (found, {})
    title = _figure_title(fig)
    if title:
        metadata = {**metadata, "alt": title, "caption": title}
    return data, metadata


def setup_display(shell=None) -> None:
    """In this IPython kernel (if any): DataFrames shown like the report's tables, with their record; pyplot
    figures at twice the pixels, with their title as alt text. JupyterLab then shows what the report shows."""
    if shell is None:
        from IPython import get_ipython

        shell = get_ipython()
    if shell is None:
        return
    # The inline backend sets its own figure formatter when pyplot first loads it (at the first figure):
    # load it now, so that the formatter below is the one that stays.
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    plt.close(plt.figure())

    formatters = shell.display_formatter.formatters
    if PART not in formatters:
        formatters[PART] = _PartFormatter(parent=shell.display_formatter)
    formatters["text/html"].for_type(pd.DataFrame, lambda df: frame(df).html)
    formatters[PART].for_type(pd.DataFrame, lambda df: frame(df).record)
    formatters["image/png"].for_type(Figure, figure_png)


# The key figures ---------------------------------------------------------------------------------
def record_figures(kind: str, subject: str, period: str, title: str, figures: dict) -> None:
    """Record a report's key figures in the notebook's outputs (an invisible output of the building cell)."""
    from IPython import get_ipython
    from IPython.display import display

    if get_ipython() is None:
        return
    display({"text/html": "", FIGURES: {"report": kind, "subject": subject, "period": period, "title": title,
                                        "figures": figures}}, raw=True)


def recorded(notebook, kind: str | None = None, subject: str | None = None, period: str | None = None) -> dict | None:
    """The first figures record of an executed notebook matching the given report, or None."""
    for c in notebook.cells:
        for output in c.get("outputs", []):
            found = output.get("data", {}).get(FIGURES)
            if isinstance(found, dict) and all(want is None or found.get(key) == want for key, want in
                                               (("report", kind), ("subject", subject), ("period", period))):
                return found
    return None
