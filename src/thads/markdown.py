"""Markdown to HTML: one renderer for every piece of Markdown in a report, on the page, in Word and on the slides.

CommonMark with tables and strikethrough (markdown-it-py), in time linear in the text (long runs of backticks or
brackets included). Markdown comes from two kinds of places, rendered alike but trusted differently:

- `to_html`: the report's own text and analysts' notes (the wording templates, `parameters/notes/`). Any HTML in them
  is shown as text, never as markup, and only web, mail and in-page links are kept.
- `cell_to_html`: a notebook's Markdown cells and text/markdown outputs. Their raw HTML passes, as in JupyterLab,
  and is then made safe as any output's HTML is (`sanitize.clean`; `safe_cell_html` does both). On the page their
  headings carry the ids and anchor links nbconvert gives them (`anchors`), which the table of contents and the
  analysts' links to a heading use.
"""

from __future__ import annotations

import functools
import re

_UNSAFE_LINK = re.compile(r'href="(?!https?:|mailto:|#)[^"]*"')


def to_html(source: str) -> str:
    """The report's text or an analyst's note: any HTML in it shown as text, and only web, mail and in-page links
    kept."""
    return _UNSAFE_LINK.sub('href="#"', _renderer(raw_html=False).render(source))


def cell_to_html(source: str, anchors: bool = False) -> str:
    """A Markdown cell or text/markdown output, its raw HTML passed on for `sanitize.clean`; with `anchors`, each
    heading with nbconvert's id and anchor link."""
    renderer = _renderer(raw_html=True)
    if not anchors:
        return renderer.render(source)
    return _with_anchors(renderer, renderer.parse(source))


def safe_cell_html(source: str) -> str:
    """A Markdown cell or text/markdown output as Word and the slides show it: what the page shows of it."""
    from thads import sanitize

    return sanitize.clean(cell_to_html(source))[0]


def images(source: str) -> list[int]:
    """The lines of the images in `source` (![...](...)), first line 1."""
    found = []
    for token in _renderer(raw_html=False).parse(source):
        if token.type == "inline" and any(child.type == "image" for child in token.children or []):
            line = token.map[0] + 1 if token.map else 0
            if line not in found:
                found.append(line)
    return found


@functools.cache
def _renderer(raw_html: bool):
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": raw_html}).enable(["table", "strikethrough"])


def _with_anchors(renderer, tokens) -> str:
    """`tokens` rendered with each heading given an id and an anchor link by nbconvert's own `add_anchor`, as
    nbconvert's Markdown filter gives them."""
    from nbconvert.filters.strings import add_anchor

    html, start = [], 0
    for at, token in enumerate(tokens):
        if token.type == "heading_open":
            html.append(renderer.renderer.render(tokens[start:at], renderer.options, {}))
            words = renderer.renderer.renderInline(tokens[at + 1].children or [], renderer.options, {})
            html.append(str(add_anchor(f"<{token.tag}>{words}</{token.tag}>")) + "\n")
            start = at + 3                 # heading_open, its inline words, heading_close
    html.append(renderer.renderer.render(tokens[start:], renderer.options, {}))
    return "".join(html)
