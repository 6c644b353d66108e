"""The plain reference deck the package ships (`templates/slides/mau-trinh-chieu.pptx`): the masters and layouts
report.pptx is built on when a project has no deck of its own (`thads init` copies it into the project's
`templates/`, where an office restyles it: docs/trinh-chieu.md).

It is python-pptx's own default template made 16:9 (13,333 × 7,5 inches, every placeholder widened to match), its
theme's fonts Arial (installed with every Windows, with every Vietnamese letter; LibreOffice shows it as Liberation
Sans, with the same metrics), its colours the report's (dark blue titles, the charts' blue, orange, green and red),
titles left-aligned, and a thin blue line along the foot of every slide. Nothing else: no logo, no picture.

Made by `python -m thads.plain_deck` (the file above) or `python -m thads.plain_deck OUT.pptx`, and committed as
package data; run it again after changing this module. python-pptx writes the time into the zip, so two runs give
the same deck in different bytes.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from lxml import etree

DECK = Path(__file__).parent / "templates" / "slides" / "mau-trinh-chieu.pptx"
WIDTH, HEIGHT = 12_192_000, 6_858_000          # EMU: 13,333 × 7,5 inches, PowerPoint's 16:9
FONT = "Arial"
COLOURS = {"dk2": "1F4E79", "lt2": "EEF1F4", "accent1": "1F4E79", "accent2": "D35400", "accent3": "2E7D32",
           "accent4": "C0392B", "accent5": "5B9BD5", "accent6": "7F8C8D", "hlink": "1F4E79", "folHlink": "5B2C6F"}
A = "http://schemas.openxmlformats.org/drawingml/2006/main"
P = "http://schemas.openxmlformats.org/presentationml/2006/main"


def _theme(blob: bytes) -> bytes:
    """The theme with Arial for headings and text (Latin script, which Vietnamese is written in) and the colours."""
    root = etree.fromstring(blob)
    for font in root.iter(f"{{{A}}}majorFont", f"{{{A}}}minorFont"):
        font.find(f"{{{A}}}latin").set("typeface", FONT)
        font.find(f"{{{A}}}cs").set("typeface", FONT)
    scheme = root.find(f".//{{{A}}}clrScheme")
    scheme.set("name", "THADS")
    for name, value in COLOURS.items():
        slot = scheme.find(f"{{{A}}}{name}")
        for child in list(slot):
            slot.remove(child)
        etree.SubElement(slot, f"{{{A}}}srgbClr", val=value)
    root.find(f".//{{{A}}}fontScheme").set("name", "THADS")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _widen(shapes, factor: float) -> None:
    """Placeholders made for 4:3 spread over 16:9: x and width scaled, y and height kept. Only those placed by
    themselves: one that takes its place from the master follows it."""
    for shape in shapes:
        if shape._element.spPr.find(f"{{{A}}}xfrm") is not None:
            shape.left, shape.width = int(shape.left * factor), int(shape.width * factor)


def _styles(master) -> None:
    """Titles left-aligned, 32 pt, in the theme's dark blue; body text 24, 20, 18 pt."""
    title = master._element.find(f".//{{{P}}}titleStyle/{{{A}}}lvl1pPr")
    title.set("algn", "l")
    run = title.find(f"{{{A}}}defRPr")
    run.set("sz", "3200")
    run.set("b", "1")
    fill = run.find(f"{{{A}}}solidFill")
    fill.find(f"{{{A}}}schemeClr").set("val", "tx2")
    body = master._element.find(f".//{{{P}}}bodyStyle")
    for level, size in (("lvl1pPr", "2400"), ("lvl2pPr", "2000"), ("lvl3pPr", "1800")):
        found = body.find(f"{{{A}}}{level}/{{{A}}}defRPr")
        if found is not None:
            found.set("sz", size)


def _rule(master) -> None:
    """A thin line of the theme's blue along the foot of every slide, drawn first (under the placeholders). The
    master's shapes take no new shape through python-pptx's API: the shape's XML is made, then styled as any shape."""
    from pptx.dml.color import RGBColor
    from pptx.oxml.shapes.autoshape import CT_Shape
    from pptx.shapes.autoshape import Shape

    tree = master.shapes._spTree
    element = CT_Shape.new_autoshape_sp(tree.max_shape_id + 1, "Đường kẻ chân trang", "rect", 0, HEIGHT - 54_000,
                                        WIDTH, 54_000)
    tree.insert(2, element)                      # after the group's own properties: drawn first
    bar = Shape(element, master.shapes)
    bar.fill.solid()
    bar.fill.fore_color.rgb = RGBColor.from_string(COLOURS["accent1"])
    bar.line.fill.background()


def make() -> bytes:
    """The plain reference deck's bytes."""
    from pptx import Presentation
    from pptx.opc.constants import RELATIONSHIP_TYPE as RT

    deck = Presentation()
    factor = WIDTH / deck.slide_width
    deck.slide_width, deck.slide_height = WIDTH, HEIGHT
    master = deck.slide_master
    theme = master.part.part_related_by(RT.THEME)
    theme._blob = _theme(theme.blob)
    _widen(master.placeholders, factor)
    for layout in master.slide_layouts:
        _widen(layout.placeholders, factor)
    _styles(master)
    _rule(master)
    deck.core_properties.title = "Mẫu trình chiếu báo cáo thi hành án dân sự"
    deck.core_properties.language = "vi-VN"
    buffer = io.BytesIO()
    deck.save(buffer)
    return buffer.getvalue()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    target = Path(argv[0]) if argv else DECK
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(make())
    print(f"Đã ghi {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
