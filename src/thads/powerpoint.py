"""report.pptx: the report's deck (`deck`) as a PowerPoint file an office finishes, built with python-pptx on the
project's reference deck (`reference`: its masters, layouts, theme fonts and colours, logo), as Quarto's
reference-doc does.

Each slide takes its layout from the reference deck by what the layout holds, never by its name (an office's
PowerPoint in Vietnamese names them otherwise): the title slide the layout with a centred title, text the layout
with a title and one body, tables, charts and figures the layout with a title only, placed in the area the body
has there. Charts are PowerPoint's own (python-pptx's CategoryChartData from the series the report's chart
recorded): the office restyles them and sees the numbers; a chart without series is its picture. Words keep the
theme's fonts (the plain deck's: Arial, which every office has, with every Vietnamese letter) and are marked
Vietnamese; numbers are written the Vietnamese way in the labels (`formatting`), and the axes use formats that
read the same in every locale. Each slide's speaker notes carry the report's paragraph for it.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LABEL_POSITION, XL_LEGEND_POSITION, XL_MARKER_STYLE
from pptx.enum.dml import MSO_LINE
from pptx.enum.lang import MSO_LANGUAGE_ID
from pptx.enum.shapes import MSO_SHAPE, PP_PLACEHOLDER
from pptx.enum.text import MSO_AUTO_SIZE, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Emu, Pt

from thads import deck as slides_of
from thads import formatting as fmt
from thads.errors import ThadsError

MIMETYPE = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
TYPES = {"bar": XL_CHART_TYPE.BAR_CLUSTERED, "column": XL_CHART_TYPE.COLUMN_CLUSTERED,
         "stacked_bar": XL_CHART_TYPE.BAR_STACKED, "line": XL_CHART_TYPE.LINE_MARKERS}
# Axis number formats that read the same whatever the viewer's locale: no separator a locale would change; thousands
# marked with a literal dot, as Vietnamese writes them (7.942), by conditions.
AXIS_FORMATS = {"percent": '0"%"', "count": '[>=1000000]#\\.###\\.##0;[>=1000]#\\.##0;0',
                "billion": '[>=1000000]#\\.###\\.##0;[>=1000]#\\.##0;0'}
STATUS = {"met": "2E7D32", "missed": "C0392B"}
GREY, HIGHLIGHT, REMARK = "555555", "FBE9E7", "B03A2E"
BODY_SIZES = (24, 22, 20, 18, 16, 14, 12, 11, 10)
MONO = "Courier New"
LABELLED = 16                      # bars labelled with their value up to this many per series
CHAR_WIDTH = 0.5                   # an average letter's width in ems (Arial, Times New Roman): for fitting text


def _shade(hex_colour: str) -> RGBColor:
    return RGBColor.from_string(str(hex_colour).lstrip("#").upper())


def _vietnamese(frame) -> None:
    """Every run of a text frame marked Vietnamese (spelling, hyphenation)."""
    for paragraph in frame.paragraphs:
        for run in paragraph.runs:
            run.font.language_id = MSO_LANGUAGE_ID.VIETNAMESE


def _lines(text: str, size: float, width: int) -> int:
    """How many lines `text` takes at `size` points in a box `width` EMU wide (an estimate)."""
    per_line = max(1, int(Emu(width).pt / (size * CHAR_WIDTH)))
    return sum(max(1, math.ceil(len(part) / per_line)) for part in str(text).split("\n"))


def fitted(texts: list[str], width: int, height: int, sizes=BODY_SIZES) -> int:
    """The largest size of `sizes` at which the paragraphs `texts` fit a box of `width` × `height` EMU."""
    for size in sizes:
        needed = sum(_lines(t, size, width) * size * 1.2 + size * 0.4 for t in texts)
        if needed <= Emu(height).pt:
            return size
    return sizes[-1]


def _describe(shape, alt: str) -> None:
    """The shape's alternative text (what a screen reader says, and PowerPoint's "Alt Text")."""
    properties = shape._element.find(".//" + qn("p:cNvPr"))
    if properties is not None and alt:
        properties.set("descr", slides_of.clean(alt))


class _Layouts:
    """The reference deck's layouts chosen by what they hold, and the area its body takes."""

    def __init__(self, presentation):
        layouts = list(presentation.slide_layouts)
        if not layouts:
            raise ThadsError("Mẫu trình chiếu không có bố cục (slide layout) nào: hãy dùng một tệp .pptx có slide master.")

        def kinds(layout):
            return [p.placeholder_format.type for p in layout.placeholders]

        def bodies(layout):
            return [t for t in kinds(layout) if t in (PP_PLACEHOLDER.BODY, PP_PLACEHOLDER.OBJECT)]

        titled = [layout for layout in layouts if PP_PLACEHOLDER.TITLE in kinds(layout)]
        self.title = next((lay for lay in layouts if PP_PLACEHOLDER.CENTER_TITLE in kinds(lay)), layouts[0])
        self.text = next((lay for lay in titled if len(bodies(lay)) == 1), titled[0] if titled else layouts[0])
        only = [lay for lay in titled if not bodies(lay) and PP_PLACEHOLDER.PICTURE not in kinds(lay)]
        self.only = min(only, key=lambda lay: len(kinds(lay))) if only else self.text
        width, height = presentation.slide_width, presentation.slide_height
        body = next((p for p in self.text.placeholders
                     if p.placeholder_format.type in (PP_PLACEHOLDER.BODY, PP_PLACEHOLDER.OBJECT)), None)
        if body is not None and body.width and body.height:
            self.area = (body.left, body.top, body.width, body.height)
        else:
            self.area = (int(width * 0.05), int(height * 0.22), int(width * 0.9), int(height * 0.7))
        self.size = (width, height)


def _title(slide, layouts: _Layouts, text: str) -> None:
    """The slide's title in its placeholder (shrunk when long), or in a box at the top when the layout has none."""
    shape = slide.shapes.title
    if shape is None:
        width, height = layouts.size
        shape = slide.shapes.add_textbox(int(width * 0.05), int(height * 0.04), int(width * 0.9), int(height * 0.14))
    shape.text_frame.text = text
    shape.text_frame.word_wrap = True
    size = fitted([text], shape.width, shape.height, (32, 28, 24, 22, 20, 18))
    if size < 32:
        for run in shape.text_frame.paragraphs[0].runs:
            run.font.size = Pt(size)
    _vietnamese(shape.text_frame)


def _notes(slide, notes: list[str]) -> None:
    if notes:
        frame = slide.notes_slide.notes_text_frame
        frame.text = "\n".join(slides_of.clean(n) for n in notes)
        _vietnamese(frame)


def _paragraph(frame, text: str, size: float | None = None, bold=None, colour: str | None = None,
               align=None, first: bool = False):
    paragraph = frame.paragraphs[0] if first else frame.add_paragraph()
    run = paragraph.add_run()
    run.text = text
    if size:
        run.font.size = Pt(size)
    if bold is not None:
        run.font.bold = bold
    if colour:
        run.font.color.rgb = _shade(colour)
    if align is not None:
        paragraph.alignment = align
    run.font.language_id = MSO_LANGUAGE_ID.VIETNAMESE
    return paragraph


# The slides ---------------------------------------------------------------------------------------------------------
def title_slide(presentation, layouts: _Layouts, s: slides_of.Slide) -> None:
    slide = presentation.slides.add_slide(layouts.title)
    _title(slide, layouts, s.title)
    subtitle = next((p for p in slide.placeholders if p.placeholder_format.type == PP_PLACEHOLDER.SUBTITLE), None)
    if subtitle is not None:
        subtitle.text_frame.text = "\n".join(s.lines)
        subtitle.text_frame.word_wrap = True
        size = fitted(s.lines, subtitle.width, subtitle.height, (20, 18, 16, 14, 12))
        for paragraph in subtitle.text_frame.paragraphs:
            for run in paragraph.runs:
                run.font.size = Pt(size)
        _vietnamese(subtitle.text_frame)
    if s.remark:
        width, height = layouts.size
        box = slide.shapes.add_textbox(int(width * 0.05), int(height * 0.86), int(width * 0.9), int(height * 0.1))
        box.text_frame.word_wrap = True
        _paragraph(box.text_frame, s.remark, 11, colour=REMARK, first=True)
    _notes(slide, s.notes)


def figures_slide(presentation, layouts: _Layouts, s: slides_of.Slide) -> None:
    """The key figures: one card per rate, the rate large in green (met) or red (not met), its target and verdict."""
    slide = presentation.slides.add_slide(layouts.only)
    _title(slide, layouts, s.title)
    left, top, width, height = layouts.area
    gap = int(width * 0.04)
    each = (width - gap * (len(s.cards) - 1)) // max(len(s.cards), 1)
    for number, card in enumerate(s.cards):
        colour = STATUS.get(card["status"], GREY)
        box = slide.shapes.add_shape(MSO_SHAPE.ROUNDED_RECTANGLE, left + number * (each + gap), top, each, height)
        box.fill.solid()
        box.fill.fore_color.rgb = _shade("FFFFFF")
        box.line.color.rgb = _shade(colour)
        box.line.width = Pt(3)
        box.shadow.inherit = False
        frame = box.text_frame
        frame.word_wrap = True
        _paragraph(frame, card["title"], 20, bold=True, colour="222222", align=PP_ALIGN.CENTER, first=True)
        _paragraph(frame, card["rate"], 66, bold=True, colour=colour, align=PP_ALIGN.CENTER)
        _paragraph(frame, card["target"], 20, colour="222222", align=PP_ALIGN.CENTER)
        _paragraph(frame, card["verdict"], 20, bold=True, colour=colour, align=PP_ALIGN.CENTER)
        _paragraph(frame, card["detail"], 16, colour=GREY, align=PP_ALIGN.CENTER)
        _describe(box, f"{card['title']}: {card['rate']}; {card['target']}; {card['verdict']}")
    _notes(slide, s.notes)


def text_slide(presentation, layouts: _Layouts, s: slides_of.Slide) -> None:
    """Text in the layout's body: paragraphs without bullets, list items with the master's bullets, at one size that
    fits (the body also shrinks on overflow, in PowerPoint and LibreOffice alike)."""
    slide = presentation.slides.add_slide(layouts.text)
    _title(slide, layouts, s.title)
    body = next((p for p in slide.placeholders if p.placeholder_format.idx != 0), None)
    if body is None:
        body = slide.shapes.add_textbox(*layouts.area)
    frame = body.text_frame
    frame.word_wrap = True
    size = fitted([text for _, text, _ in s.blocks], body.width, body.height)
    for number, (kind, text, depth) in enumerate(s.blocks):
        paragraph = _paragraph(frame, text, size, first=number == 0)
        paragraph.level = min(depth, 4) if kind == "li" else 0
        if kind != "li":
            paragraph._p.get_or_add_pPr().insert(0, paragraph._p.makeelement(qn("a:buNone"), {}))
            paragraph._p.get_or_add_pPr().set("indent", "0")
            paragraph._p.get_or_add_pPr().set("marL", "0")
        if kind == "pre":
            for run in paragraph.runs:
                run.font.name = MONO
    frame.auto_size = MSO_AUTO_SIZE.TEXT_TO_FIT_SHAPE
    _notes(slide, s.notes)


def _column_widths(header: list[str], rows: list[list[str]], total: int) -> list[int]:
    weights = []
    for i, title in enumerate(header):
        longest_word = max((len(w) for w in str(title).split()), default=1)
        longest_cell = max((len(str(row[i])) for row in rows if i < len(row)), default=1)
        weights.append(min(max(longest_word, longest_cell), 28) + 3)
    return [int(total * w / sum(weights)) for w in weights]


def table_slide(presentation, layouts: _Layouts, s: slides_of.Slide) -> None:
    """A real table, numbers right-aligned, the rows below a target shaded and named under it."""
    slide = presentation.slides.add_slide(layouts.only)
    _title(slide, layouts, s.title)
    left, top, width, height = layouts.area
    header, rows, numeric = s.table["header"], s.table["rows"], s.table["numeric"]
    size = 16 if len(header) <= 4 and len(rows) <= 8 else 14 if len(header) <= 8 and len(rows) <= 12 else 12
    row_height = min(Pt(size * 2.1), (height - Pt(44 if s.remark else 0)) // (len(rows) + 1))
    shape = slide.shapes.add_table(len(rows) + 1, len(header), left, top, width, row_height * (len(rows) + 1))
    table = shape.table
    table.horz_banding = False
    for column, column_width in zip(table.columns, _column_widths(header, rows, width)):
        column.width = column_width
    for r, values in enumerate([header, *rows]):
        table.rows[r].height = row_height
        for c, value in enumerate(values[:len(header)]):
            cell = table.cell(r, c)
            cell.margin_top = cell.margin_bottom = Pt(2)
            frame = cell.text_frame
            frame.word_wrap = True
            align = PP_ALIGN.CENTER if r == 0 else PP_ALIGN.RIGHT if numeric[c] else PP_ALIGN.LEFT
            _paragraph(frame, value, size, bold=True if r == 0 else None, align=align, first=True)
            if r and r - 1 in s.table["highlighted"]:
                cell.fill.solid()
                cell.fill.fore_color.rgb = _shade(HIGHLIGHT)
                for run in frame.paragraphs[0].runs:
                    run.font.color.rgb = _shade("222222")
    _describe(shape, s.title)
    if s.remark:
        below = top + row_height * (len(rows) + 1) + Pt(6)
        box = slide.shapes.add_textbox(left, min(below, top + height - Pt(40)), width, Pt(40))
        box.text_frame.word_wrap = True
        _paragraph(box.text_frame, s.remark, 14, colour=REMARK, first=True)
    _notes(slide, s.notes)


# Charts ---------------------------------------------------------------------------------------------------------------
def label(value: float | None, unit: str) -> str:
    """A data label the Vietnamese way: 76,97%; 7.942; 1.500,2 (tỷ đồng)."""
    if value is None:
        return ""
    if unit == "percent":
        return fmt.percent(value, table=True)
    if unit == "billion":
        return fmt.number(round(value, 1) if value < 100 else round(value))
    return fmt.number(round(value))


def _style_series(chart, panel: dict) -> None:
    kind, unit = panel["type"], panel["unit"]
    for series, recorded in zip(chart.plots[0].series, panel["series"]):
        colour = recorded.get("color")
        if kind == "line":
            series.smooth = False
            series.format.line.color.rgb = _shade(colour or "1F4E79")
            series.format.line.width = Pt(2.5 if recorded["name"] == "Năm nay" else 1.75)
            if recorded["name"] == "Chỉ tiêu":
                series.format.line.dash_style = MSO_LINE.DASH
                series.marker.style = XL_MARKER_STYLE.NONE
            else:
                series.marker.style = XL_MARKER_STYLE.CIRCLE
                series.marker.size = 5
                series.marker.format.fill.solid()
                series.marker.format.fill.fore_color.rgb = _shade(colour or "1F4E79")
            continue
        if colour:
            series.format.fill.solid()
            series.format.fill.fore_color.rgb = _shade(colour)
        for index, value in enumerate(recorded["values"]):
            point = series.points[index]
            if recorded.get("colors") and index < len(recorded["colors"]):
                point.format.fill.solid()
                point.format.fill.fore_color.rgb = _shade(recorded["colors"][index])
            if value is None or (kind == "stacked_bar" and value < 7) or len(recorded["values"]) > LABELLED:
                continue                      # a long ranking reads on its axis: labels on every bar would overlap
            data_label = point.data_label
            data_label.text_frame.text = label(value, unit)
            data_label.position = XL_LABEL_POSITION.CENTER if kind == "stacked_bar" else XL_LABEL_POSITION.OUTSIDE_END
            data_label.font.size = Pt(12)
            if kind == "stacked_bar" and colour and colour.lower() != "#a6b4c4":
                data_label.font.color.rgb = _shade("FFFFFF")


def _axes(chart, panel: dict) -> None:
    kind, unit = panel["type"], panel["unit"]
    axis = chart.value_axis
    axis.has_major_gridlines = True
    axis.major_gridlines.format.line.color.rgb = _shade("D9D9D9")
    axis.minimum_scale = 0
    if unit == "percent":
        axis.maximum_scale = 100
    axis.tick_labels.number_format = AXIS_FORMATS[unit]
    axis.tick_labels.number_format_is_linked = False
    axis.tick_labels.font.size = Pt(12)
    categories = chart.category_axis
    categories.tick_labels.font.size = Pt(12 if len(panel["categories"]) <= 12 else 9 if len(panel["categories"]) <= 30
                                          else 7)
    if kind in ("bar", "stacked_bar"):
        # Read top to bottom as recorded: the first category at the top, the value axis kept at the foot.
        categories.reverse_order = True
        crosses = axis._element.find(qn("c:crosses"))
        if crosses is not None:
            crosses.set("val", "max")


def _panel(slide, panel: dict, box: tuple[int, int, int, int], titled: bool):
    data = CategoryChartData()
    data.categories = [slides_of.clean(c) for c in panel["categories"]]
    for series in panel["series"]:
        data.add_series(slides_of.clean(series["name"]), series["values"],
                        number_format="0.00" if panel["unit"] == "percent" else "#,##0.##")
    frame = slide.shapes.add_chart(TYPES[panel["type"]], *box, data)
    chart = frame.chart
    chart.font.size = Pt(12)
    chart.has_title = titled
    if titled:
        chart.chart_title.text_frame.text = slides_of.clean(panel["title"])
        chart.chart_title.text_frame.paragraphs[0].runs[0].font.size = Pt(16)
        _vietnamese(chart.chart_title.text_frame)
    chart.has_legend = len(panel["series"]) > 1
    if chart.has_legend:
        chart.legend.position = XL_LEGEND_POSITION.BOTTOM
        chart.legend.include_in_layout = False
        chart.legend.font.size = Pt(12)
    if panel["type"] in ("bar", "column"):
        chart.plots[0].gap_width = 60
    _axes(chart, panel)
    _style_series(chart, panel)
    return frame


def chart_slide(presentation, layouts: _Layouts, s: slides_of.Slide) -> None:
    """PowerPoint's own chart (each recorded panel side by side), or the chart's picture; a target drawn as a line
    in the report is said under the chart."""
    slide = presentation.slides.add_slide(layouts.only)
    _title(slide, layouts, s.title)
    left, top, width, height = layouts.area
    panels = (s.chart or {}).get("panels") or []
    targets = [p["target_label"] for p in panels if p.get("target_label")]
    if targets:
        height -= Pt(36)
    if panels:
        each = width // len(panels)
        for number, panel in enumerate(panels):
            frame = _panel(slide, panel, (left + number * each, top, each, height), titled=len(panels) > 1)
            _describe(frame, s.alt if len(panels) == 1 else f"{s.alt} — {panel['title']}")
    elif s.png:
        _picture(slide, s.png, (left, top, width, height), s.alt)
    else:
        raise ThadsError(f"Biểu đồ «{s.title}» trong notebook chỉ có dạng SVG, PowerPoint không nhận: tạo lại báo cáo "
                         "kèm --format pptx (hoặc chạy lại notebook trong JupyterLab rồi xuất).")
    if targets:
        box = slide.shapes.add_textbox(left, top + height + Pt(4), width, Pt(30))
        _paragraph(box.text_frame, "; ".join(targets) + " (tô đỏ: chưa đạt).", 14, colour="D35400", first=True)
    _notes(slide, s.notes)


def _picture(slide, png: bytes, box: tuple[int, int, int, int], alt: str) -> None:
    """A picture as large as fits the box, its proportions kept, centred."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(png)) as image:
            pixels = image.size
    except Exception as exc:        # PIL names what it could not read
        raise ThadsError(f"hình «{alt}» không đọc được ({type(exc).__name__}): cần ảnh PNG hợp lệ") from None
    left, top, width, height = box
    scale = min(width / pixels[0], height / pixels[1])
    shown = (int(pixels[0] * scale), int(pixels[1] * scale))
    picture = slide.shapes.add_picture(io.BytesIO(png), left + (width - shown[0]) // 2, top + (height - shown[1]) // 2,
                                       *shown)
    _describe(picture, alt)


WRITERS = {"title": title_slide, "figures": figures_slide, "text": text_slide, "table": table_slide,
           "chart": chart_slide}


def _drop_slides(presentation) -> None:
    """The reference deck's own slides are not the report's: only its masters, layouts and theme are kept."""
    listed = presentation.slides._sldIdLst
    for entry in list(listed):
        presentation.part.drop_rel(entry.rId)
        listed.remove(entry)


def open_reference(path: Path):
    """The reference deck, or a ThadsError naming the file and what to do."""
    try:
        return Presentation(str(path))
    except FileNotFoundError:
        raise ThadsError(f"Không tìm thấy mẫu trình chiếu '{path}' (slides_reference trong thads.yml).") from None
    except Exception as exc:          # python-pptx raises several kinds for a file that is no deck
        raise ThadsError(f"Mẫu trình chiếu '{path}' không phải tệp PowerPoint .pptx đọc được ({type(exc).__name__}): "
                         "hãy lưu lại nó bằng PowerPoint (Tệp → Lưu thành → .pptx) hoặc dùng mẫu của gói.") from None


def to_pptx(the_deck: slides_of.Deck, reference: Path, deadline: float | None = None) -> bytes:
    """The deck as a .pptx on `reference`'s masters. Past `deadline` (time.monotonic()) it stops with OverTime."""
    from thads.errors import check_time

    presentation = open_reference(reference)
    _drop_slides(presentation)
    layouts = _Layouts(presentation)
    for s in the_deck.slides:
        check_time(deadline, "xuất PPTX")
        WRITERS[s.kind](presentation, layouts, s)
    presentation.core_properties.title = slides_of.clean(the_deck.title)
    presentation.core_properties.language = "vi-VN"
    buffer = io.BytesIO()
    presentation.save(buffer)
    return buffer.getvalue()
