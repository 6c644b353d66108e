"""slides.html: the report's deck (`deck`) as one self-contained page to present from a browser, offline.

reveal.js (`templates/slides/reveal/`, vendored from its npm package, pinned, with its licence) drives it: keys
(arrows, Page Up/Down, space, Home/End), touch (swipe), an address per slide (#/3), a progress bar and the slide
number. Its script, the deck's few lines that start it (`deck.js`) and the licence travel inline in one <script>
that the page's Content-Security-Policy allows by its hash, as the index page does; its style sheet and the deck's
own are inline too, the charts are the report's own SVG (or PNG) as data: images: the page makes no request to any
network. On a phone (narrower than 700 px), or without scripts, the slides are a page that scrolls, one card each,
with their speaker notes under them. Printed, each slide takes one landscape page.
"""

from __future__ import annotations

import base64
import functools
import hashlib
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from thads import __version__
from thads import deck as slides_of

FOLDER = Path(__file__).parent / "templates" / "slides"
VERSION = "6.0.2"            # reveal.js, as vendored in templates/slides/reveal/ (its README says how)


def without_print_rules(css: str) -> str:
    """reveal.js's style sheet without its `@media print` block, whose rules (20 pt text everywhere, every block made a
    plain block) undo the slides' layout on paper: the deck's own print rules (`deck.css`) print each slide as it
    shows, one to a page."""
    start = css.find("@media print")
    if start < 0:
        return css
    depth, at = 0, css.index("{", start)
    for at in range(at, len(css)):
        depth += {"{": 1, "}": -1}.get(css[at], 0)
        if depth == 0:
            break
    return css[:start] + css[at + 1:]


@functools.cache
def _assets() -> tuple[str, str, str]:
    """(reveal.js's style sheet, the deck's, the one script: reveal.js's licence, reveal.js, deck.js)."""
    vendored = FOLDER / "reveal"
    licence = (vendored / "LICENSE").read_text("utf-8").strip().replace("*/", "* /")
    script = (f"/*! reveal.js {VERSION} (https://revealjs.com), vendored by thads-reports.\n{licence}\n*/\n"
              + (vendored / "reveal.js").read_text("utf-8").strip() + "\n"
              + (FOLDER / "deck.js").read_text("utf-8"))
    if "</script" in script.lower():
        raise ValueError("the deck's script cannot be inlined: it holds </script")
    return (without_print_rules((vendored / "reveal.css").read_text("utf-8")), (FOLDER / "deck.css").read_text("utf-8"),
            script)


def _image_uri(slide: slides_of.Slide) -> str:
    """A chart as the page shows it: its SVG (sharp at any size), else its PNG, as a data: address."""
    if slide.svg:
        return "data:image/svg+xml;base64," + base64.b64encode(slide.svg.encode("utf-8")).decode("ascii")
    if slide.png:
        return "data:image/png;base64," + base64.b64encode(slide.png).decode("ascii")
    return "data:,"


@functools.cache
def _template():
    environment = Environment(loader=FileSystemLoader(str(FOLDER)), autoescape=select_autoescape(default=True))
    environment.filters["image_uri"] = _image_uri
    return environment.get_template("slides.html.j2")


def script_hash() -> str:
    """The CSP source that allows the deck's one script: 'sha256-…' of its text."""
    script = _assets()[2]
    return "sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")


def to_html(the_deck: slides_of.Deck) -> str:
    reveal_css, deck_css, script = _assets()
    return _template().render(deck=the_deck, reveal_css=Markup(reveal_css), deck_css=Markup(deck_css),
                              script=Markup(script), script_hash=script_hash(), version=__version__)
