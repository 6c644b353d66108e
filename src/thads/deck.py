"""The slides of a report, read from the executed notebook as the report shows it (`outputs.prepare`: the cells tagged
`remove_cell` gone, tables and charts numbered), for both decks: report.pptx (`powerpoint`) and slides.html
(`slideshow`). Nothing is computed again: every figure, sentence and chart comes from the parts' records.

The package's parts decide their own slides:
- the header makes the title slide (agency, title, period, place and date, the sample-data notice);
- the key-figure cards make a slide of large figures (rates against targets, met or not);
- each captioned table of the package makes a slide (long ones several, `ROWS_PER_SLIDE` rows each), its rows
  shaded as in the report and named under it, with what the table's note says they are ("Dòng tô màu: …");
  annexes (Phụ lục) make none;
- each chart of the package makes a slide (its recorded series, `charts.recorded`, let PowerPoint draw it natively);
- text comes by section (a heading of the notebook starts one): in a section with a table, chart or key figures,
  the text is those slides' speaker notes; in a section without, it makes a text slide of its own, with the same
  text as notes. A text with its own heading (an analyst's note, "Chỉ tiêu còn phải thực hiện") is a slide of its own.
The signature block makes none.

Analysts choose: a cell tagged `slide` gives each thing it shows (a chart, a table, Markdown, a text) a slide of its
own, with the section's text as notes; what else an analyst adds (a Markdown paragraph, a chart or a DataFrame in a
cell without the tag) is not on a slide, its Markdown only in the section's notes.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field

from lxml import html as lxml_html

from thads import markdown, numbering, parts, sanitize
from thads.text import CONTROL

SLIDE_TAG = "slide"
ROWS_PER_SLIDE = 12
HIGHLIGHT = re.compile(r"Dòng tô màu:\s*([^.]+)\.")   # what a table's note says its shaded rows are
_BLOCKS = ("p", "li", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "td", "th")


def clean(text) -> str:
    """Text a slide can hold (PowerPoint's XML): the control characters `text.CONTROL` finds dropped, a vertical tab
    or form feed made a space."""
    return CONTROL.sub(lambda m: " " if m[0] in "\v\f" else "", str(text))


@dataclass
class Slide:
    """One slide. `kind`: "title", "figures" (the key-figure cards), "chart", "table" or "text"."""

    kind: str
    title: str
    notes: list[str] = field(default_factory=list)       # the speaker notes, paragraph by paragraph
    lines: list[str] = field(default_factory=list)       # title: agency, period, place and date
    remark: str = ""                                     # title: the sample-data notice; table: those below target
    cards: list[dict] = field(default_factory=list)      # figures: title, rate, target, verdict, detail, status
    chart: dict | None = None                            # chart: the recorded series (`charts.recorded`), if any
    svg: str | None = None                               # chart: as the report draws it (slides.html)
    png: bytes | None = None                             # chart: as a picture (report.pptx, without series)
    alt: str = ""
    table: dict | None = None                            # table: header, rows, numeric, highlighted (row indexes)
    blocks: list[tuple[str, str, int]] = field(default_factory=list)   # text: (p | li | pre, text, list depth)


@dataclass
class Deck:
    title: str
    slides: list[Slide]


@dataclass
class _Section:
    title: str
    entries: list[tuple[str, object]] = field(default_factory=list)   # ("slide" | "own" | "text" | "said", ...)


def _text(value) -> str:
    return value if isinstance(value, str) else "".join(value) if isinstance(value, list) else str(value or "")


def blocks_of(page: str) -> list[tuple[str, str, int]]:
    """The text blocks of an HTML fragment, in order: ("h", heading, level), ("p", paragraph, 0), ("li", item,
    depth), ("pre", printed text, 0); the words of inline elements run on. Struck words (~~…~~) are left out: a
    slide shows only plain words, where they would read as valid."""
    if not page.strip():
        return []
    found = []
    root = lxml_html.fragment_fromstring(page, create_parent="div")
    for struck in root.xpath(".//s | .//del | .//strike"):
        struck.drop_tree()
    for element in root.iter(*_BLOCKS):
        if any(parent.tag in ("p", "li", "pre", "blockquote", "td", "th") for parent in element.iterancestors()):
            continue                                  # inside a block already taken whole
        if element.tag == "li":
            nested = [child for child in element if child.tag in ("ul", "ol")]
            words = " ".join((element.text or "").split() + [w for child in element if child not in nested
                                                             for w in (child.text_content() + (child.tail or "")).split()])
            depth = sum(1 for parent in element.iterancestors() if parent.tag in ("ul", "ol")) - 1
            found.append(("li", clean(words), depth))
        elif element.tag in ("td", "th"):
            continue
        elif element.tag == "pre":
            found.append(("pre", clean(element.text_content().rstrip("\n")), 0))
        else:
            words = clean(" ".join(element.text_content().split()))
            if words:
                found.append(("h" if element.tag.startswith("h") else "p", words,
                              int(element.tag[1]) if element.tag.startswith("h") else 0))
    if not found and root.text_content().strip():        # words outside any block: one paragraph
        found.append(("p", clean(" ".join(root.text_content().split())), 0))
    return found


def paragraphs_of(blocks: list[tuple[str, str, int]]) -> list[str]:
    """Blocks as the speaker notes hold them: one paragraph each, list items marked."""
    return [f"{'  ' * depth}- {text}" if kind == "li" else text for kind, text, depth in blocks if text]


class _Reader:
    """Walks the prepared notebook's cells in order, section by section, and makes the slides."""

    def __init__(self, prepared, resources: dict):
        self.numbers = resources.get("thads_numbering") or numbering.number(prepared)
        self.figures = parts.recorded(prepared) or {}
        self.prepared, self.resources = prepared, resources
        self.left_out: list[str] = []      # what `sanitize` dropped from the cell being read
        self.slides: list[Slide] = []
        self.section = _Section("")

    def read(self) -> Deck:
        for i, cell in enumerate(self.prepared.cells):
            tagged = SLIDE_TAG in (cell.get("metadata", {}).get("tags") or [])
            if cell.cell_type == "markdown":
                self.markdown(_text(cell.source), tagged)
            elif cell.cell_type == "code":
                for j, output in enumerate(cell.get("outputs", [])):
                    self.output(output, self.numbers.at(i, j), tagged)
            sanitize.tell(self.resources, self.resources.get("thads_cells", {}).get(id(cell), "ô Markdown"),
                          self.left_out)
            self.left_out = []
        self.close()
        title = self.figures.get("title") or next((s.title for s in self.slides if s.kind == "title"), "Báo cáo")
        return Deck(clean(title), self.slides)

    def html_blocks(self, markdown_text: str, cell: bool = False) -> list[tuple[str, str, int]]:
        """The blocks of the report's text or a note (`markdown.to_html`), or of a Markdown `cell` or text/markdown
        output, as the page shows it (`markdown.safe_cell_html`)."""
        if cell:
            html, dropped = markdown.safe_cell_html(markdown_text)
            self.left_out += dropped
        else:
            html = markdown.to_html(markdown_text)
        return blocks_of(self.numbers.html(html))

    # Markdown cells and sections ----------------------------------------------------------------------------------
    def markdown(self, source: str, tagged: bool) -> None:
        blocks = self.html_blocks(source, cell=True)
        if tagged:
            self.section.entries.append(("own", _text_slide(blocks, self.section.title)))
            return
        start = 0
        for at, (kind, text, _) in enumerate(blocks):
            if kind == "h":
                self.said(blocks[start:at])
                self.close()
                self.section = _Section(text)
                start = at + 1
        self.said(blocks[start:])

    def said(self, blocks) -> None:
        if blocks:
            self.section.entries.append(("said", paragraphs_of(blocks)))

    def close(self) -> None:
        """The current section's slides, its text placed (`_place`)."""
        self.slides.extend(_place(self.section))
        self.section = _Section(self.section.title)

    # Outputs --------------------------------------------------------------------------------------------------------
    def output(self, output, numbered: numbering.Numbered | None, tagged: bool) -> None:
        data = output.get("data") or {}
        record = data.get(parts.PART)
        kind = record.get("kind") if isinstance(record, dict) else None
        package = isinstance(record, dict) and ("templates" in record or "chart" in record)
        entry = "own" if tagged else "slide"
        if kind == "header":
            self.close()
            self.slides.append(self.title_slide(record))
        elif kind == "key_figures":
            self.section.entries.append((entry, _figures_slide(record, self.section.title)))
        elif kind == "figure" and (tagged or package):
            self.section.entries.append((entry, _chart_slide(record, data, output, numbered, self.section.title)))
        elif kind == "table" and (tagged or package and record.get("numbering") == "Bảng"):
            note = self.numbers.html(parts.link_references(record["note"])) if record.get("note") else ""
            for slide in _table_slides(record, numbered, self.section.title, paragraphs_of(blocks_of(note))):
                self.section.entries.append((entry, slide))
        elif kind in ("text", "note", "paragraphs"):
            self.text_part(record, tagged)
        elif kind is None and tagged:
            self.analysts_output(output, data, numbered)

    def text_part(self, record: dict, tagged: bool) -> None:
        """A text of the package (or an analyst's note, or `%%report_text`): its body blocks and its footnotes."""
        if record["kind"] == "paragraphs":
            body = [("p", clean(p["text"]), 0) for p in record.get("paragraphs", []) if p.get("style") != "footnote"]
            aside = [clean(p["text"]) for p in record.get("paragraphs", []) if p.get("style") == "footnote"]
            heading = None
        elif record["kind"] == "note":
            body, aside, heading = self.html_blocks(record.get("markdown") or ""), [], record.get("heading")
        else:
            blocks = record.get("blocks", [])
            body = [b for block in blocks if block.get("style") != "footnote"
                    for b in self.html_blocks(block.get("markdown") or "")]
            aside = [p for block in blocks if block.get("style") == "footnote"
                     for p in paragraphs_of(self.html_blocks(block.get("markdown") or ""))]
            heading = None
        if body and body[0][0] == "h":
            heading, body = body[0][1], body[1:]
        if not body and not aside:
            return
        body = [("p", text, 0) if kind == "h" else (kind, text, depth) for kind, text, depth in body]
        if tagged:
            slide = _text_slide(body, heading or self.section.title)
            slide.notes += aside
            self.section.entries.append(("own", slide))
        else:
            self.section.entries.append(("text", (clean(heading) if heading else None, body, aside)))

    def analysts_output(self, output, data: dict, numbered) -> None:
        """What an analyst's `slide`-tagged cell shows without a record: a picture, Markdown, HTML or printed text."""
        title = numbered.title if numbered else self.section.title
        if "image/png" in data or "image/svg+xml" in data:
            about = (output.get("metadata") or {}).get("image/png") or {}
            slide = Slide("chart", clean(title), svg=_svg(data), png=_png(data), alt=clean(about.get("alt") or title))
        elif "text/markdown" in data:
            slide = _text_slide(self.html_blocks(_text(data["text/markdown"]), cell=True), title)
        elif "text/html" in data:
            slide = _text_slide(blocks_of(self.numbers.html(_text(data["text/html"]), numbered)), title)
        elif output.get("output_type") == "stream" or "text/plain" in data:
            printed = _text(output.get("text") if output.get("output_type") == "stream" else data["text/plain"])
            slide = _text_slide([("pre", clean(printed.rstrip("\n")), 0)], title)
        else:
            return
        self.section.entries.append(("own", slide))

    def title_slide(self, r: dict) -> Slide:
        """Agency, title, period, place and date as the report's header says them."""
        agency = " ".join(r.get("agency_lines") or [r.get("agency", "")])
        period = self.figures.get("figures", {}).get("ten_ky")
        start, end = (self.figures.get("figures", {}).get(key) for key in ("tu_ngay", "den_ngay"))
        if period and start and end:
            period = f"Kỳ báo cáo: {period} (từ {_day(start)} đến {_day(end)})"
        lines = [clean(line) for line in (r.get("parent_agency"), agency, period, r.get("place_date")) if line]
        notes = [clean(f"{r.get('kind_line', 'BÁO CÁO')} {r.get('subject', '')}".strip()), *lines[1:],
                 *(clean(r[key]) for key in ("sample", "missing") if r.get(key))]
        return Slide("title", clean(r.get("subject", "")), notes=notes, lines=lines, remark=clean(r.get("sample") or ""))


def _day(iso: str) -> str:
    """2023-10-01 -> 01/10/2023."""
    year, month, day = str(iso).split("-")
    return f"{day}/{month}/{year}"


def _svg(data: dict) -> str | None:
    found = data.get("image/svg+xml")
    return _text(found) if found else None


def _png(data: dict) -> bytes | None:
    found = data.get("image/png")
    try:
        return base64.b64decode(_text(found)) if found else None
    except ValueError:
        return None


def _figures_slide(r: dict, section: str) -> Slide:
    cards = [{key: clean(card.get(key, "")) for key in ("title", "rate", "target", "verdict", "detail", "status")}
             for card in r.get("cards", [])]
    notes = [f"{c['title']}: {c['rate']}. {c['target']}; {c['verdict']}; {c['detail']}." for c in cards]
    return Slide("figures", clean(section or "Kết quả nổi bật"), notes=notes, cards=cards)


def _chart_slide(r: dict, data: dict, output, numbered, section: str) -> Slide:
    title = numbered.title if numbered else r.get("caption") or section
    chart = r.get("chart") if isinstance(r.get("chart"), dict) and r["chart"].get("panels") else None
    return Slide("chart", clean(title), chart=chart, svg=_svg(data), png=_png(data), alt=clean(r.get("alt") or title))


def _table_slides(r: dict, numbered, section: str, note: list[str]) -> list[Slide]:
    """A table's slides: ROWS_PER_SLIDE rows each, the header on every one; its note in the notes; its shaded rows
    (below a target, or the office's own: the note says which, "Dòng tô màu: …") named under it, by the last text
    column before the figures."""
    title = clean(numbered.title if numbered else r.get("caption") or section)
    header, rows = [clean(h) for h in r.get("header", [])], [[clean(c) for c in row] for row in r.get("rows", [])]
    numeric = list(r.get("numeric") or [False] * len(header))
    highlighted = set(r.get("highlighted") or [])
    name_column = max((i for i, n in enumerate(numeric) if not n and not any(numeric[:i])), default=0)
    meaning = next((m[1].strip() for m in map(HIGHLIGHT.search, note) if m), "")
    said = f"{meaning[:1].upper()}{meaning[1:]} (tô màu)" if meaning else "Dòng tô màu"
    slides = []
    for start in range(0, max(len(rows), 1), ROWS_PER_SLIDE):
        chunk = rows[start:start + ROWS_PER_SLIDE]
        marked = [i - start for i in sorted(highlighted) if start <= i < start + len(chunk)]
        names = [chunk[i][name_column] for i in marked if name_column < len(chunk[i])]
        slides.append(Slide("table", title if not start else f"{title} (tiếp theo)", notes=list(note),
                            table={"header": header, "rows": chunk, "numeric": numeric, "highlighted": marked},
                            remark=f"{said}: {'; '.join(names)}." if names else ""))
    return slides


def _text_slide(blocks: list[tuple[str, str, int]], title: str) -> Slide:
    heading = next((text for kind, text, _ in blocks if kind == "h"), None) if blocks and blocks[0][0] == "h" else None
    body = [(kind if kind != "h" else "p", text, depth) for kind, text, depth in blocks][1 if heading else 0:]
    return Slide("text", clean(heading or title), notes=paragraphs_of(body), blocks=body)


def _place(section: _Section) -> list[Slide]:
    """A section's slides in order. Its untitled texts and analysts' Markdown are the notes of its tables, charts and
    figures; a section with none of those shows its untitled texts on one slide (at the first one's place); a text
    with its own heading is a slide of its own; a `slide`-tagged cell's slides get the section's text as notes."""
    said = [p for kind, entry in section.entries for p in
            (entry if kind == "said" else [*paragraphs_of(entry[1]), *entry[2]] if kind == "text" and entry[0] is None
             else [])]
    visual = any(kind == "slide" for kind, _ in section.entries)
    untitled = [entry for kind, entry in section.entries if kind == "text" and entry[0] is None]
    slides, merged = [], False
    for kind, entry in section.entries:
        if kind in ("slide", "own"):
            if entry.kind == "figures":
                entry.notes = [*entry.notes, *said]
            elif entry.kind != "text":
                entry.notes = [*said, *entry.notes]
            else:
                entry.notes = entry.notes or said
            slides.append(entry)
        elif kind == "text" and entry[0] is not None:
            slides.append(Slide("text", entry[0], notes=[*paragraphs_of(entry[1]), *entry[2]], blocks=entry[1]))
        elif kind == "text" and not visual and not merged and any(e[1] for e in untitled):
            merged = True
            body = [b for e in untitled for b in e[1]]
            slides.append(Slide("text", clean(section.title or "Nội dung"), notes=said, blocks=body))
    return slides


def build(prepared, resources: dict | None = None) -> Deck:
    """The deck of a prepared report notebook (`outputs.prepare`; prepared here when `resources` is None)."""
    if resources is None:
        from thads import outputs

        prepared, resources = outputs.prepare(prepared, check=False)
    return _Reader(prepared, resources).read()
