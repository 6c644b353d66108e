"""The numbers of a report's tables, charts and annexes ("Bảng 2", "Biểu đồ 5", "Phụ lục 1"), given when the
report is exported, and the cross-references that name them.

A part is numbered when it has a caption: a table of the package or of an analyst (`r.table(df, "Tên bảng")`),
numbered "Bảng" or "Phụ lục"; a chart (`r.chart(fig, "Tên biểu đồ")`, the package's charts) or an analyst's
matplotlib figure with a title (`ax.set_title`, `fig.suptitle`), numbered "Biểu đồ". There is one counter per
word, in document order, over the cells that remain once the tagged ones are removed: deleting or moving a cell
renumbers what follows, in every format alike (HTML and PDF through `exporters`, Word through `word`).

A cross-reference is an in-page link whose words are a number, as `r.ref("don-vi")` writes it in a wording
template or a `%%report_text` cell: `[Bảng 3](#don-vi)`, or `[?](#don-vi)` before the table is shown. Its words
become the number the part with that label has in the document; a reference to a label no part has any more
(its cell deleted or hidden) reads `MISSING_REFERENCE` instead of a wrong number, and is said in the log.
Links with other words (`[kết quả theo đơn vị](#don-vi)`) are left as the analyst wrote them.

A section reference names the section a labelled part sits in: `r.muc("so-sanh-cung-ky")` writes
`[mục ?](#so-sanh-cung-ky)`, whose words become "mục 2 phần II" from the notebook's own headings above that part
(the nearest heading's leading number, and that of the heading above it when it is a Roman numeral), or
"mục «heading»" for a heading without a number. Renumbering or moving the headings moves the reference with them.
"""

from __future__ import annotations

import html
import re
from typing import NamedTuple
from urllib.parse import unquote

from markupsafe import escape

from thads import parts

FIGURE = parts.NUMBERED["figure"]
MISSING_REFERENCE = "(phần này không còn trong báo cáo)"
# The words of a cross-reference as `ref` writes them: "Bảng 3", "Biểu đồ ?", or "?" for a part not shown yet.
_REFERENCE_WORDS = re.compile(r"(?:(?:bảng|biểu đồ|phụ lục)\s+(?:\d+|\?)|\?)", re.I)
# The words of a section reference as `muc` writes it: "mục ?", or as resolved: "mục 2", "mục 2 phần II", "mục «…»".
_SECTION_WORDS = re.compile(r"mục\s+(?:\?|[0-9IVXLCDM]+(?:\s+phần\s+[IVXLCDM]+)?|«[^»]*»)")
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$", re.M)
_HEADING_NUMBER = re.compile(r"^([0-9]+|[IVXLCDM]+)\s*[.)]\s+")
_SPAN = re.compile(r'(<span class="thads-number"([^>]*)>)(.*?)(</span>)', re.S)
_DATA_LABEL = re.compile(r'data-label="([^"]*)"')
_LINK = re.compile(r'(<a\s[^>]*?href="#([^"]*)"[^>]*>)(.*?)</a>', re.S)
_TAG = re.compile(r"<[^>]*>")


class Numbered(NamedTuple):
    """One numbered part: where it is (cell and output index of the exported notebook), its number label
    ("Bảng 2"), its caption without the number, and its label ("don-vi", or None)."""

    cell: int
    output: int
    shown: str
    caption: str
    label: str | None

    @property
    def title(self) -> str:
        """The caption as printed: "Bảng 2. Kết quả theo đơn vị 11 tháng năm 2024"."""
        return f"{self.shown}. {self.caption}"


def captioned(output) -> tuple[str, str, str | None] | None:
    """(numbering word, caption, label) of an output numbered in the document, or None: a captioned table or chart
    record, or an analyst's PNG figure with a caption (its title) and no record."""
    data = output.get("data") or {}
    record = data.get(parts.PART)
    if isinstance(record, dict):
        caption = record.get("caption")
        if not caption or not isinstance(caption, str):
            return None
        if record.get("kind") == "table" and record.get("numbering"):
            return record["numbering"], caption, record.get("label") or None
        if record.get("kind") == "figure":        # figures recorded before they had a numbering word are charts too
            return record.get("numbering") or FIGURE, caption, record.get("label") or None
        return None
    if "image/png" in data:
        caption = (output.get("metadata") or {}).get("image/png", {}).get("caption")
        if caption and isinstance(caption, str):
            return FIGURE, caption, None
    return None


class Numbering:
    """The numbers of one exported notebook (`number`): `labels` maps a label to its number label, `parts` lists
    the numbered outputs in document order. References to labels no part has are collected in `messages`
    (pass a list to collect them in, such as the export's `resources['thads_hidden']`)."""

    def __init__(self, numbered: list[Numbered], messages: list[str] | None = None,
                 sections: dict[str, str] | None = None):
        self.parts = numbered
        self.labels: dict[str, str] = {}
        self.sections = sections or {}           # a part's label -> the words naming its section ("mục 2 phần II")
        self._at = {(p.cell, p.output): p for p in numbered}
        self.messages = messages if messages is not None else []
        for p in numbered:
            if p.label is None:
                continue
            if p.label in self.labels:
                self._say(f"nhãn «{p.label}» đặt cho hai phần ({self.labels[p.label]} và {p.shown}): tham chiếu "
                          f"«{p.label}» chỉ tới {self.labels[p.label]}; đặt cho mỗi bảng, biểu đồ một nhãn riêng")
            else:
                self.labels[p.label] = p.shown

    def at(self, cell: int, output: int) -> Numbered | None:
        """The numbered part shown by this output of this cell, if any."""
        return self._at.get((cell, output))

    def reference(self, target: str, words: str) -> str | None:
        """What a link to `#target` with these words reads: the number label of the part named `target`,
        `MISSING_REFERENCE` when no part has that label any more, or None when the link is no cross-reference
        (other words, a link to a heading...)."""
        target = unquote(html.unescape(target))
        words = " ".join(words.split())
        if _SECTION_WORDS.fullmatch(words):
            if target in self.sections:
                return self.sections[target]
            self._say(f"tham chiếu «{words}» tới «{target}»: không còn phần nào mang nhãn này dưới một tiêu đề của báo "
                      f"cáo, in thành «{MISSING_REFERENCE}»; sửa hoặc bỏ tham chiếu")
            return MISSING_REFERENCE
        if not _REFERENCE_WORDS.fullmatch(words):
            return None
        if target in self.labels:
            return self.labels[target]
        self._say(f"tham chiếu «{words}» tới «{target}»: không còn bảng, biểu đồ nào mang nhãn này trong báo cáo "
                  f"(ô của nó đã bị xóa hoặc ẩn), in thành «{MISSING_REFERENCE}»; sửa hoặc bỏ tham chiếu")
        return MISSING_REFERENCE

    def html(self, text: str, part: Numbered | None = None) -> str:
        """HTML with its numbers set: the number of each `thads-number` span (`part`'s, or that of the span's label),
        and the words of each cross-reference link (a reference to a missing part becomes plain text)."""
        if "thads-number" in text:
            text = _SPAN.sub(lambda m: self._span(m, part), text)
        if 'href="#' in text:
            text = _LINK.sub(self._link, text)
        return text

    def _span(self, match: re.Match, part: Numbered | None) -> str:
        shown = part.shown if part is not None else None
        if shown is None:
            label = _DATA_LABEL.search(match[2])
            shown = self.labels.get(html.unescape(label[1])) if label else None
        if shown is None:
            return match[0]
        ending = "." if match[3].rstrip().endswith(".") else ""      # "Bảng 2." : the number and its stop, one word
        return f"{match[1]}{escape(shown)}{ending}{match[4]}"

    def _link(self, match: re.Match) -> str:
        words = html.unescape(_TAG.sub("", match[3]))
        shown = self.reference(match[2], words)
        if shown is None:
            return match[0]
        if shown == MISSING_REFERENCE:
            return str(escape(shown))
        return f"{match[1]}{escape(shown)}</a>"

    def _say(self, message: str) -> None:
        if message not in self.messages:
            self.messages.append(message)


def section_words(headings: list[tuple[int, str]]) -> str | None:
    """How a reference names the section under these headings (outermost first, as (level, text)): "mục 2 phần II"
    for a numbered heading under a Roman-numbered one, "mục 2", or "mục «Kết quả theo đơn vị»"; None for none."""
    if not headings:
        return None
    text = " ".join(_TAG.sub("", headings[-1][1]).replace("*", "").split())
    own = _HEADING_NUMBER.match(text)
    if own is None:
        return f"mục «{text}»"
    words = f"mục {own[1]}"
    if own[1].isdigit():
        above = [_HEADING_NUMBER.match(t) for _, t in headings[:-1]]
        roman = [m[1] for m in above if m and not m[1].isdigit()]
        if roman:
            words += f" phần {roman[-1]}"
    return words


class _Headings:
    """The headings above the current place of a notebook, read in document order."""

    def __init__(self):
        self.open: list[tuple[int, str]] = []

    def read(self, markdown: str) -> None:
        for found in _HEADING.finditer(markdown):
            level = len(found[1])
            self.open = [h for h in self.open if h[0] < level] + [(level, found[2])]


def number(nb, messages: list[str] | None = None) -> Numbering:
    """Number the captioned tables, charts and annexes of an executed notebook, in document order: one counter per
    numbering word; and name the section each labelled part sits in (for `[mục ?](#label)`). `nb` is the notebook
    as exported (after `ReportOutputs` and the removal of tagged cells)."""
    counters: dict[str, int] = {}
    found = []
    sections: dict[str, str] = {}
    headings = _Headings()
    for i, cell in enumerate(nb.cells):
        if cell.get("cell_type") == "markdown":
            source = cell.get("source", "")
            headings.read(source if isinstance(source, str) else "".join(source))
        if cell.get("cell_type") != "code":
            continue
        for j, output in enumerate(cell.get("outputs", [])):
            record = (output.get("data") or {}).get(parts.PART)
            if isinstance(record, dict):
                label = record.get("label")
                blocks = record.get("blocks") if record.get("kind") == "text" else None
                text = "\n\n".join(b.get("markdown", "") for b in blocks if isinstance(b, dict)) if blocks else ""
                if text.lstrip().startswith("#"):    # a part that opens with its own heading is in that section
                    first, _, text = text.lstrip().partition("\n")
                    headings.read(first)
                if isinstance(label, str) and label and label not in sections:
                    words = section_words(headings.open)
                    if words:
                        sections[label] = words
                if text:
                    headings.read(text)
            numbered = captioned(output)
            if numbered is None:
                continue
            word, caption, label = numbered
            counters[word] = counters.get(word, 0) + 1
            found.append(Numbered(i, j, parts.number_label(word, counters[word]), caption, label))
    return Numbering(found, messages, sections)
