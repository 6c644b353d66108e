"""Markdown to HTML: one renderer for every piece of Markdown in a report, on the page, in Word and on the slides.

CommonMark with tables and strikethrough (markdown-it-py), in time linear in the text (long runs of backticks or
brackets included). Markdown comes from two kinds of places, rendered alike but trusted differently:

- `to_html`: the report's own text and analysts' notes (the wording templates, `parameters/notes/`). Any HTML in them
  is shown as text, never as markup, and only web, mail and in-page links are kept.
- `cell_to_html`: a notebook's Markdown cells and text/markdown outputs. Their raw HTML passes, as in JupyterLab,
  and is then made safe as any output's HTML is (`sanitize.clean`; `safe_cell_html` does both). Images pasted into
  the cell (`attachment:` addresses, kept in the cell's attachments) are embedded, as nbconvert embeds them. On the
  page their headings carry the ids and anchor links nbconvert gives them (`anchors`), which the table of contents
  and the analysts' links to a heading use.
"""

from __future__ import annotations

import functools
import re

_UNSAFE_LINK = re.compile(r'href="(?!https?:|mailto:|#)[^"]*"')


def to_html(source: str) -> str:
    """The report's text or an analyst's note: any HTML in it shown as text, and only web, mail and in-page links
    kept."""
    return _UNSAFE_LINK.sub('href="#"', _renderer(raw_html=False).render(source))


def cell_to_html(source: str, anchors: bool = False, attachments: dict | None = None) -> str:
    """A Markdown cell or text/markdown output, its raw HTML passed on for `sanitize.clean`, its images from the
    cell's `attachments` embedded; with `anchors`, each heading with nbconvert's id and anchor link."""
    renderer = _renderer(raw_html=True)
    tokens = renderer.parse(source)
    if attachments:
        _embed(tokens, attachments)
    if not anchors:
        return renderer.renderer.render(tokens, renderer.options, {})
    return _with_anchors(renderer, tokens)


def safe_cell_html(source: str) -> tuple[str, list[str]]:
    """A Markdown cell or text/markdown output as Word and the slides show it, what the page shows of it; and what
    `sanitize.clean` left out of it."""
    from thads import sanitize

    return sanitize.clean(cell_to_html(source))


_PREFERRED = ("image/svg+xml", "image/png", "image/jpeg")      # nbconvert's order: vector, then lossless


def _embed(tokens, attachments: dict) -> None:
    """Each image whose address is `attachment:NAME` given the attachment's data as a data: address; one the cell
    does not hold keeps its address, which `sanitize.clean` leaves out, and says so."""
    for token in tokens:
        for child in token.children or []:
            source = child.attrGet("src") if child.type == "image" else None
            found = attachments.get(source[len("attachment:"):]) if source and source.startswith("attachment:") \
                else None
            if isinstance(found, dict) and found:
                kind = next((k for k in _PREFERRED if k in found), next(iter(found)))
                data = "".join(found[kind]) if isinstance(found[kind], list) else str(found[kind])
                child.attrSet("src", f"data:{kind};base64,{''.join(data.split())}")


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
    """CommonMark with tables and strikethrough; for cells (`raw_html`) also bare web addresses made links, as
    nbconvert's renderer made them (http and https only: no guessing that a word with a dot is a site)."""
    from markdown_it import MarkdownIt

    renderer = MarkdownIt("commonmark", {"html": raw_html, "linkify": raw_html}).enable(["table", "strikethrough"])
    if raw_html:
        renderer.enable("linkify")
        renderer.linkify.set({"fuzzy_link": False, "fuzzy_email": False, "fuzzy_ip": False})
    return renderer


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
