"""The report as a Word document an office can finish and sign, built with python-docx from the executed
notebook: the structured record of each part (`parts`) and the analysts' own cells, never from a second
computation.

Layout of Nghị định 30/2020/NĐ-CP, Phụ lục I: A4; margins 20 mm top and bottom, 30 mm left, 15 mm right;
Times New Roman 14 pt; the two-column header block; page numbers centred in the header from page 2 (a PAGE
field); Word heading styles for the outline; real tables; charts at their printed size with a caption;
"Nơi nhận" and the signature block at the end of the text, before the annexes.
"""

from __future__ import annotations

import base64
import io
import logging
import re
from pathlib import Path

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import PreformattedString
from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.text.paragraph import Paragraph
from lxml import etree

from thads import markdown, numbering, outputs, parts, sanitize
from thads.errors import ThadsError, visible
from thads.text import CONTROL

FONT, MONO = "Times New Roman", "Courier New"
BODY, SMALL, TABLE, COMPACT = Pt(14), Pt(12), Pt(11), Pt(9.5)
TEXT_WIDTH = Mm(210 - 30 - 15)
KEEP_ROWS = 6                    # a table of up to 6 rows is kept on one page; a longer one breaks between rows
PIXELS_PER_INCH = 96             # how the page shows an image without a size of its own
RED, GREEN, GREY = RGBColor(0xB0, 0x3A, 0x2E), RGBColor(0x2E, 0x7D, 0x32), RGBColor(0x55, 0x55, 0x55)
MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_dropped: list[str] = []          # what `_xml` took out of the document being written, for its log line
log = logging.getLogger(__name__)


def _xml(text) -> str:
    """`text` as Word (XML) can hold it: of the control characters a signing file, a note, a units name or an analyst's
    cell may bring (`text.CONTROL`), a vertical tab or a form feed (a line break pasted from Word) becomes a space,
    any other is dropped (`thads validate` names where they are)."""
    text = str(text)
    found = CONTROL.findall(text)
    if not found:
        return text
    _dropped.extend(found)
    return CONTROL.sub(lambda m: " " if m[0] in "\v\f" else "", text)


class _BadImage(Exception):
    """A picture Word cannot take (its bytes, or its width); `to_docx` names the cell that shows it."""


def _inches(pixels) -> float | None:
    """An output's width in pixels (its metadata) in inches; None without one; a width that is no number refused."""
    if pixels in (None, ""):
        return None
    try:
        value = float(pixels)
    except (TypeError, ValueError):
        value = 0.0
    if isinstance(pixels, bool) or not 0 < value < float("inf"):
        raise _BadImage(f"độ rộng hình '{pixels}' không phải số điểm ảnh (pixel) dương, ví dụ width=600")
    return value / PIXELS_PER_INCH


def _decoded(data) -> bytes:
    """An output's picture (base64 text, in a notebook) as bytes."""
    try:
        return base64.b64decode(data if isinstance(data, str) else "".join(data))
    except (TypeError, ValueError) as exc:           # binascii.Error is a ValueError
        raise _BadImage(f"dữ liệu hình không phải base64 ({exc})") from None


def _font(run_or_style, size=None, bold=None, italic=None, name=FONT, color=None):
    font = run_or_style.font
    font.name = name
    # Word picks a font per script: set them all, so that Vietnamese never falls back to another face.
    element = run_or_style.element if hasattr(run_or_style, "element") else run_or_style._element
    properties = element.get_or_add_rPr()
    fonts = properties.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        properties.insert(0, fonts)
    for attribute in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attribute), name)
    for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:cstheme", "w:eastAsiaTheme"):   # a theme font wins
        fonts.attrib.pop(qn(attribute), None)
    if size is not None:
        font.size = size
    if bold is not None:
        font.bold = bold
    if italic is not None:
        font.italic = italic
    if color is not None:
        font.color.rgb = color


def _styles(doc) -> None:
    normal = doc.styles["Normal"]
    _font(normal, BODY)
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.15
    language = OxmlElement("w:lang")
    language.set(qn("w:val"), "vi-VN")
    normal.element.get_or_add_rPr().append(language)
    for level, size in ((1, Pt(14)), (2, Pt(14)), (3, Pt(14))):
        style = doc.styles[f"Heading {level}"]
        _font(style, size, bold=True, italic=level == 3, color=RGBColor(0, 0, 0))
        style.font.all_caps = level == 1
        style.paragraph_format.space_before = Pt(12 if level == 1 else 8)
        style.paragraph_format.space_after = Pt(4)
        style.paragraph_format.keep_with_next = True
    caption = doc.styles["Caption"]
    _font(caption, SMALL, bold=False, italic=True, color=RGBColor(0, 0, 0))
    caption.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _page(doc) -> None:
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    section.header_distance = Mm(10)
    section.different_first_page_header_footer = True      # no number on page 1
    paragraph = section.header.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _field(paragraph, "PAGE", "2")


def _field(paragraph, instruction: str, shown: str) -> None:
    """A real Word field (PAGE): Word computes it on every page."""
    def char(kind: str):
        run = paragraph.add_run()
        _font(run, Pt(13))
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        run._r.append(element)
        return run

    char("begin")
    run = paragraph.add_run()
    _font(run, Pt(13))
    text = OxmlElement("w:instrText")
    text.set(qn("xml:space"), "preserve")
    text.text = f" {instruction} "
    run._r.append(text)
    char("separate")
    _font(paragraph.add_run(shown), Pt(13))
    char("end")


def _paragraph(doc_or_cell, text: str = "", size=None, bold=None, italic=None, align=None, indent=False,
               color=None, space_after=None, style=None):
    paragraph = doc_or_cell.add_paragraph(style=style)
    if text:
        _font(paragraph.add_run(_xml(text)), size, bold, italic, color=color)
    if align is not None:
        paragraph.alignment = align
    if indent:
        paragraph.paragraph_format.first_line_indent = Mm(10)
    if space_after is not None:
        paragraph.paragraph_format.space_after = space_after
    return paragraph


def _rule(cell, width_share: float = 0.35) -> None:
    """The short line under the agency's name and the motto."""
    paragraph = cell.add_paragraph()
    paragraph.paragraph_format.space_after = Pt(2)
    indent = Mm(80 * (1 - width_share) / 2)
    paragraph.paragraph_format.left_indent = paragraph.paragraph_format.right_indent = indent
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().append(borders)
    paragraph.paragraph_format.line_spacing = Pt(2)


def _no_borders(table) -> None:
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{side}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    table._tbl.tblPr.append(borders)


def _widths(table, widths) -> None:
    """Fixed column widths (Word and LibreOffice both honour them; autofit would squeeze the text columns)."""
    table.autofit = False
    for column, width in zip(table._tbl.tblGrid.findall(qn("w:gridCol")), widths):
        column.set(qn("w:w"), str(int(width / 635)))          # EMU to twentieths of a point
    for row in table.rows:
        for cell, width in zip(row.cells, widths):
            cell.width = width


def _column_widths(header: list[str], rows: list[list[str]], total=TEXT_WIDTH) -> list[int]:
    """Share the text width by what each column holds: long names get room, numbers what they need."""
    weights = []
    for i, title in enumerate(header):
        longest_word = max((len(w) for w in str(title).split()), default=1)
        longest_cell = max((len(str(row[i])) for row in rows if i < len(row)), default=1)
        weights.append(min(max(longest_word, longest_cell), 28) + 3)     # + 3: the cell's own margins
    return [int(total * w / sum(weights)) for w in weights]


def _shade(cell, fill: str) -> None:
    shading = OxmlElement("w:shd")
    for key, value in (("w:val", "clear"), ("w:color", "auto"), ("w:fill", fill)):
        shading.set(qn(key), value)
    cell._tc.get_or_add_tcPr().append(shading)


def _cell_text(cell, text: str, size, bold=False, italic=False, align=WD_ALIGN_PARAGRAPH.CENTER, color=None):
    paragraph = cell.paragraphs[0] if not cell.paragraphs[0].text else cell.add_paragraph()
    paragraph.alignment = align
    paragraph.paragraph_format.space_after = Pt(0)
    paragraph.paragraph_format.line_spacing = 1.0
    _font(paragraph.add_run(_xml(text)), size, bold, italic, color=color)
    return paragraph


class _Writer:
    """Walks the report's cells in order and writes each into the document."""

    def __init__(self, numbers: numbering.Numbering | None = None):
        self.doc = Document()
        _styles(self.doc)
        _page(self.doc)
        self.numbers = numbers or numbering.Numbering([])
        self.left_out: list[str] = []      # what `sanitize` dropped from the cell being written
        self.parts = {"header": self.header, "key_figures": self.key_figures, "paragraphs": self.paragraphs,
                      "section": self.section, "note": self.note, "text": self.text_part, "table": self.table, "signature": self.signature}

    # Parts recorded by the package ------------------------------------------------------------------
    def header(self, r: dict) -> None:
        table = self.doc.add_table(rows=1, cols=2)
        _no_borders(table)
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        _widths(table, [Mm(68), Mm(97)])
        left, right = table.rows[0].cells
        _cell_text(left, r["parent_agency"], Pt(13))
        for line in r.get("agency_lines") or [r["agency"]]:
            _cell_text(left, line, Pt(13), bold=True)
        _rule(left)
        _cell_text(left, f"{r.get('number_label', 'Số:')}        /{r['symbol']}", Pt(13))
        _cell_text(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", Pt(12), bold=True)
        _cell_text(right, "Độc lập - Tự do - Hạnh phúc", Pt(13), bold=True)
        _rule(right, 0.55)
        _cell_text(right, r["place_date"], BODY, italic=True)
        _paragraph(self.doc, space_after=Pt(0))
        _paragraph(self.doc, r.get("kind_line", "BÁO CÁO"), BODY, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=Pt(0))
        _paragraph(self.doc, r["subject"], BODY, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=Pt(0))
        title_rule = self.doc.add_table(rows=1, cols=1)
        _no_borders(title_rule)
        _rule(title_rule.rows[0].cells[0], 0.3)
        if r.get("sample"):
            _paragraph(self.doc, r["sample"], SMALL, bold=True, color=RED)
        if r.get("missing"):
            _paragraph(self.doc, r["missing"], SMALL, color=RED)

    def key_figures(self, r: dict) -> None:
        cards = r["cards"]
        table = self.doc.add_table(rows=1, cols=len(cards))
        table.style = self.doc.styles["Table Grid"]
        for cell, card in zip(table.rows[0].cells, cards):
            color = {"met": GREEN, "missed": RED}.get(card["status"])
            _cell_text(cell, card["title"], SMALL, bold=True, align=WD_ALIGN_PARAGRAPH.LEFT)
            _cell_text(cell, card["rate"], Pt(20), bold=True, align=WD_ALIGN_PARAGRAPH.LEFT, color=color)
            for key in ("target", "verdict", "detail"):
                _cell_text(cell, card[key], SMALL, align=WD_ALIGN_PARAGRAPH.LEFT)
        _paragraph(self.doc, space_after=Pt(0))

    def paragraphs(self, r: dict) -> None:
        for item in r["paragraphs"]:
            if item["style"] == "footnote":
                _paragraph(self.doc, item["text"], SMALL, italic=True, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
            else:
                _paragraph(self.doc, item["text"], align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent=True)

    def text_part(self, r: dict) -> None:
        """Text from the wording templates: Markdown blocks, footnotes in small italics."""
        for block in r["blocks"]:
            if block["style"] == "footnote":
                soup = BeautifulSoup(self.numbers.html(markdown.to_html(block["markdown"])), "html.parser")
                for node in soup.find_all(["p", "li"]):      # the words of links and emphasis run on
                    _paragraph(self.doc, " ".join(node.get_text().split()), SMALL, italic=True,
                               align=WD_ALIGN_PARAGRAPH.JUSTIFY)
            else:
                self.prose(block["markdown"])

    def section(self, r: dict) -> None:
        self.doc.add_heading(_xml(r["heading"]), level=2)
        self.paragraphs(r)

    def note(self, r: dict) -> None:
        if r.get("heading"):
            self.doc.add_heading(_xml(r["heading"]), level=2)
        self.prose(r["markdown"])

    def table(self, r: dict, numbered: numbering.Numbered | None = None) -> None:
        """A table with its caption above it: "Bảng n. caption" when it is numbered, the caption as it is if not."""
        if r.get("caption"):
            caption = _paragraph(self.doc, numbered.title if numbered else r["caption"], SMALL, bold=True,
                                 align=WD_ALIGN_PARAGRAPH.CENTER, space_after=Pt(2))
            caption.paragraph_format.keep_with_next = True       # a caption never ends a page alone
        header, rows = r["header"], r["rows"]
        size = COMPACT if len(header) > 5 else TABLE
        table = self.doc.add_table(rows=1 + len(rows), cols=len(header))
        table.style = self.doc.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        repeat = OxmlElement("w:tblHeader")            # the header row again on every page
        repeat.set(qn("w:val"), "true")
        table.rows[0]._tr.get_or_add_trPr().append(repeat)
        for cell, text in zip(table.rows[0].cells, header):
            _cell_text(cell, text, size, bold=True)
            _shade(cell, "E9EEF4")
        numeric = r.get("numeric") or [False] * len(header)
        for i, row in enumerate(rows):
            cells = table.rows[i + 1].cells
            for cell, text, number in zip(cells, row, numeric):
                _cell_text(cell, str(text), size,
                           align=WD_ALIGN_PARAGRAPH.RIGHT if number else WD_ALIGN_PARAGRAPH.LEFT)
                if i in r.get("highlighted", []):
                    _shade(cell, "FBE9E7")
        _widths(table, _column_widths(header, rows))
        keep_together = len(rows) <= KEEP_ROWS
        for row in table.rows:
            row_properties = row._tr.get_or_add_trPr()
            row_properties.append(OxmlElement("w:cantSplit"))
            if keep_together and row is not table.rows[-1]:      # a short table stays on one page; a longer one
                # breaks between rows (never inside one), its header row repeated, rather than leave a gap
                for cell in row.cells:
                    for paragraph in cell.paragraphs:
                        paragraph.paragraph_format.keep_with_next = True
        if r.get("note"):
            note = BeautifulSoup(self.numbers.html(parts.link_references(r["note"])), "html.parser").get_text()
            _paragraph(self.doc, note, Pt(11), italic=True, color=GREY)
        else:
            _paragraph(self.doc, space_after=Pt(0))

    def figure(self, png: bytes, width_inches: float | None, caption: str = "") -> None:
        """A picture at its printed size, with its caption ("Biểu đồ n. caption", numbered as in the HTML) under it;
        a figure without a caption has none."""
        width = min(TEXT_WIDTH, Mm(width_inches * 25.4)) if width_inches else TEXT_WIDTH
        try:
            self.doc.add_picture(io.BytesIO(png), width=width)
        except Exception as exc:       # python-docx reads the picture's header: a broken or unknown image
            raise _BadImage(f"hình không đọc được ({type(exc).__name__}{f': {exc}' if str(exc) else ''}): "
                            "cần ảnh PNG hoặc JPEG hợp lệ") from None
        self.doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
        if caption:
            self.doc.paragraphs[-1].paragraph_format.keep_with_next = True
            _paragraph(self.doc, caption, style="Caption")

    def signature(self, r: dict) -> None:
        """"Nơi nhận" at left, the signer at right, in one row that never splits, kept with the end of the body: the
        last paragraph before it (whole) and the space between are "keep with next", so that Word (and LibreOffice)
        never leaves the block alone on a page."""
        self._keep_end_of_body()
        spacer = _paragraph(self.doc, space_after=Pt(6))
        spacer.paragraph_format.keep_with_next = True
        table = self.doc.add_table(rows=1, cols=2)
        _no_borders(table)
        _widths(table, [Mm(80), Mm(85)])
        table.rows[0]._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
        left, right = table.rows[0].cells
        _cell_text(left, r.get("noi_nhan_label", "Nơi nhận:"), SMALL, bold=True, italic=True, align=WD_ALIGN_PARAGRAPH.LEFT)
        for line in r["noi_nhan"]:
            _cell_text(left, f"- {line}", Pt(11), align=WD_ALIGN_PARAGRAPH.LEFT)
        for line in (r["chuc_vu"] or " ").split("\n"):
            _cell_text(right, line, BODY, bold=True)
        for _ in range(4):
            _cell_text(right, " ", BODY)
        _cell_text(right, r["nguoi_ky"] or " ", BODY, bold=True)

    def _keep_end_of_body(self) -> None:
        """The last paragraph written (or the last row of a table ending the body) kept whole and with what follows."""
        body = self.doc.element.body
        last = next((child for child in reversed(body) if child.tag in (qn("w:p"), qn("w:tbl"))), None)
        if last is None:
            return
        if last.tag == qn("w:tbl"):
            rows = last.findall(qn("w:tr"))
            paragraphs = rows[-1].iter(qn("w:p")) if rows else []
        else:
            paragraphs = [last]
            # An empty spacer paragraph (after a table, a list) carries the paragraph before it along too.
            previous = last.getprevious()
            if not "".join(last.itertext()).strip() and previous is not None and previous.tag == qn("w:p"):
                paragraphs.append(previous)
        for element in paragraphs:
            shape = Paragraph(element, self.doc._body).paragraph_format     # python-docx keeps the schema's order
            shape.keep_with_next = True
            shape.keep_together = True

    # What analysts add ------------------------------------------------------------------------------
    def prose(self, text: str) -> None:
        """The report's text or an analyst's note (`markdown.to_html`)."""
        self.html(BeautifulSoup(self.numbers.html(markdown.to_html(text)), "html.parser"))

    def markdown(self, text: str) -> None:
        """A Markdown cell or text/markdown output, as the page shows it (`markdown.safe_cell_html`); what was left
        out of it is kept in `left_out`, for the report's log."""
        html, dropped = markdown.safe_cell_html(text)
        self.left_out += dropped
        self.html(BeautifulSoup(self.numbers.html(html), "html.parser"))

    def html(self, soup) -> None:
        """An analyst's HTML, made safe as for the page (`sanitize`: an output's by `exporters.ReportOutputs`, a
        Markdown cell's by `markdown`): what the page does not show (comments, the elements `sanitize` drops) is not
        written either."""
        for node in soup.children:
            if isinstance(node, NavigableString):
                if not isinstance(node, PreformattedString) and node.strip():
                    _paragraph(self.doc, node.strip(), align=WD_ALIGN_PARAGRAPH.JUSTIFY)
                continue
            name = node.name
            if name in ("h1", "h2", "h3", "h4", "h5", "h6"):
                self.doc.add_heading(_xml(node.get_text(" ", strip=True)), level=min(3, max(1, int(name[1]) - 1)))
            elif name == "p":
                self.inline(_paragraph(self.doc, align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent=True), node)
            elif name in ("ul", "ol"):
                self.items(node, name, 0)
            elif name == "table":
                self.html_table(node)
            elif name == "pre":
                self.text(node.get_text())
            elif name == "blockquote":
                _paragraph(self.doc, node.get_text(" ", strip=True), italic=True, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
            elif name in ("div", "section", "figure", "main"):
                self.html(node)
            elif name not in sanitize.DROPPED and name not in ("hr", "img", "br"):
                text = node.get_text(" ", strip=True)
                if text:
                    _paragraph(self.doc, text, align=WD_ALIGN_PARAGRAPH.JUSTIFY)

    def items(self, node: Tag, kind: str, depth: int) -> None:
        style = "List Number" if kind == "ol" else "List Bullet"
        if depth:
            style += f" {min(depth + 1, 3)}"
        for item in node.find_all("li", recursive=False):
            nested = [child for child in item.find_all(["ul", "ol"], recursive=False)]
            for child in nested:
                child.extract()
            self.inline(self.doc.add_paragraph(style=style), item)
            for child in nested:
                self.items(child, child.name, depth + 1)

    def inline(self, paragraph, node: Tag, bold=False, italic=False, strike=False) -> None:
        for child in node.children:
            if isinstance(child, PreformattedString) or isinstance(child, Tag) and child.name in sanitize.DROPPED:
                continue
            if isinstance(child, NavigableString):
                text = re.sub(r"\s+", " ", str(child))
                if text:
                    run = paragraph.add_run(_xml(text))
                    _font(run, None, bold or None, italic or None)
                    run.font.strike = strike or None
            elif child.name in ("strong", "b"):
                self.inline(paragraph, child, True, italic, strike)
            elif child.name in ("em", "i"):
                self.inline(paragraph, child, bold, True, strike)
            elif child.name in ("s", "del", "strike"):       # ~~struck~~ words: still to be read as struck
                self.inline(paragraph, child, bold, italic, True)
            elif child.name == "code":
                _font(paragraph.add_run(_xml(child.get_text())), Pt(12), name=MONO)
            elif child.name == "br":
                paragraph.add_run().add_break()
            else:
                self.inline(paragraph, child, bold, italic, strike)

    def html_table(self, node: Tag) -> None:
        rows = [[cell.get_text(" ", strip=True) for cell in tr.find_all(["th", "td"])] for tr in node.find_all("tr")]
        rows = [row for row in rows if row]
        if not rows:
            return
        width = max(len(row) for row in rows)
        rows = [row + [""] * (width - len(row)) for row in rows]
        numeric = [all(re.fullmatch(r"[-—\d.,%\s]*", row[i]) for row in rows[1:]) for i in range(width)]
        caption = node.find("caption")
        self.table({"header": rows[0], "rows": rows[1:], "numeric": numeric,
                    "caption": caption.get_text(" ", strip=True) if caption else None})

    def text(self, text: str) -> None:
        """Text a cell printed, line for line, in a fixed-width font: one paragraph, its lines kept apart by line
        breaks, in time linear in the text. (Not a paragraph per line, which is quadratic: python-docx looks
        through the whole body for the place of each new paragraph.)"""
        paragraph = self.doc.add_paragraph()
        paragraph.paragraph_format.space_after = Pt(0)
        run = paragraph.add_run()
        _font(run, Pt(11), name=MONO)
        for number, line in enumerate(_xml(text.rstrip("\n")).split("\n")):
            if number:
                etree.SubElement(run._r, qn("w:br"))
            for place, piece in enumerate(line.split("\t")):
                if place:
                    etree.SubElement(run._r, qn("w:tab"))
                if piece:
                    etree.SubElement(run._r, qn("w:t"), {qn("xml:space"): "preserve"}).text = piece
        _paragraph(self.doc, space_after=Pt(0))

    def output(self, output, numbered: numbering.Numbered | None = None) -> None:
        """One output of a cell; `numbered` is its number in the document, if it shows a numbered part."""
        if output.get("output_type") == "stream":
            self.text(output.get("text", ""))
            return
        if output.get("output_type") == "error":
            _paragraph(self.doc, f"Lỗi khi tạo phần này của báo cáo: {output.get('ename')}: {output.get('evalue')}",
                       color=RED)
            return
        data, metadata = output.get("data", {}), output.get("metadata", {})
        record = data.get(parts.PART)
        png = data.get("image/png")
        if isinstance(record, dict):
            if record.get("kind") == "figure":
                if not png:
                    raise ThadsError(
                        f"Biểu đồ «{record.get('caption', '')}» trong notebook chỉ có dạng SVG, Word không nhận: "
                        "notebook này được tạo bởi thads run không kèm Word. Tạo lại báo cáo kèm Word: "
                        "thads run ... --format docx (hoặc chạy lại notebook trong JupyterLab rồi xuất).")
                self.figure(_decoded(png), record.get("width_inches"), numbered.title if numbered else "")
            elif record.get("kind") == "table":
                self.table(record, numbered)
            elif record.get("kind") in self.parts:
                self.parts[record["kind"]](record)
            return
        if png:
            meta = metadata.get("image/png", {})
            width = meta.get("width")
            self.figure(_decoded(png), _inches(width),
                        numbered.title if numbered else "")
        elif "image/jpeg" in data:
            self.figure(_decoded(data["image/jpeg"]), None)
        elif data.get("text/html"):
            shown = data["text/html"] if isinstance(data["text/html"], str) else "".join(data["text/html"])
            self.html(BeautifulSoup(self.numbers.html(shown, numbered), "html.parser"))
        elif "text/markdown" in data:
            self.markdown(data["text/markdown"])
        elif "text/plain" in data:
            self.text(data["text/plain"])


def to_docx(prepared, resources: dict | None = None, target: Path | None = None,
            deadline: float | None = None) -> bytes | None:
    """Write a prepared report notebook (`outputs.prepare`: the cells and outputs the page shows, numbered as the page
    numbers them, `resources['thads_numbering']`) as a Word document to `target`, or return its bytes. Without
    `resources`, the notebook is prepared here first. Past `deadline` (time.monotonic(), the report's time limit) it
    stops with OverTime."""
    from thads.errors import check_time

    if resources is None:
        prepared, resources = outputs.prepare(prepared, check=False)
    numbers = resources.get("thads_numbering") or numbering.number(prepared)
    where = resources.get("thads_cells", {})         # each cell as the analyst counts them, for messages
    notebook = prepared
    _dropped.clear()
    writer = _Writer(numbers)
    record = parts.recorded(notebook)
    if record:
        writer.doc.core_properties.title = _xml(record["title"])
    writer.doc.core_properties.language = "vi-VN"
    for i, cell in enumerate(notebook.cells):
        check_time(deadline, "xuất DOCX")
        if cell.cell_type == "markdown":
            writer.markdown(cell.source)
        elif cell.cell_type == "code":
            for j, output in enumerate(cell.get("outputs", [])):
                try:
                    writer.output(output, numbers.at(i, j))
                except _BadImage as exc:
                    raise ThadsError(f"{where.get(id(cell), f'ô {i + 1}')}: không đưa được hình vào Word: {exc}. Sửa "
                                     "ô đó, chạy lại notebook rồi xuất.") from None
        sanitize.tell(resources, where.get(id(cell), "ô Markdown"), writer.left_out)
        writer.left_out = []
    if _dropped:
        shown = ", ".join(dict.fromkeys(visible(c) for c in _dropped))
        message = (f"tệp Word: đã bỏ {len(_dropped)} ký tự Word không nhận ({shown}) trong chữ của báo cáo (tệp ký, "
                   "ghi chú, tên đơn vị hoặc ô của chuyên viên); thads validate chỉ ra chỗ của chúng")
        log.warning(f"{record['title'] if record else 'Báo cáo'}, {message}.")
        resources.setdefault("thads_hidden", []).append(message)
        _dropped.clear()
    if target is not None:
        writer.doc.save(str(target))
        return None
    buffer = io.BytesIO()
    writer.doc.save(buffer)
    return buffer.getvalue()
