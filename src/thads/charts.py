"""Matplotlib charts of a province report, in one print-friendly style with Vietnamese labels.

Each function returns a Figure made with the Figure API, never through pyplot: the package neither
switches the global backend nor leaves figures for the notebook's inline backend to show, so analysts'
own pyplot charts and the report's charts do not meet. `report` shows each Figure as SVG (`svg`): lines and
text, sharp on any screen and in the PDF, where its words stay text; and, for Word, as PNG (`png`).
"""

from __future__ import annotations

import functools
import io
import itertools
import pickle
from decimal import Decimal

import matplotlib as mpl
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from thads import formatting as fmt
from thads.metrics import KeyFigures, NationalFigures

CURRENT, LAST_YEAR, TARGET = "#1f4e79", "#a6b4c4", "#d35400"
MET, MISSED, NEUTRAL = "#2e7d32", "#c0392b", "#7f8c8d"
STYLE = {
    # The report's serif (Times New Roman, or Liberation Serif with the same metrics and every Vietnamese
    # glyph); DejaVu Serif, which matplotlib ships, when neither is installed.
    "font.family": "serif", "font.serif": ["Times New Roman", "Liberation Serif", "DejaVu Serif"],
    "font.size": 9.5, "axes.titlesize": 10.5, "axes.titleweight": "bold",
    "axes.spines.top": False, "axes.spines.right": False, "axes.grid": True, "grid.alpha": 0.3,
    "axes.axisbelow": True, "legend.frameon": False, "figure.dpi": 100,
}
WIDTH = 7.0  # inches: the text width of an A4 page with administrative margins
VIETNAMESE = 0x1EC7   # 'ệ': a glyph only fonts with the Vietnamese letters have


def _vietnamese_fonts_first() -> None:
    """Where two font files share a family name (Debian's fonts-liberation 1.x beside fonts-liberation2 2.x, which
    Chromium and LibreOffice pull in together), let matplotlib find the one with the Vietnamese letters: with the
    older file a chart drawn as PNG (for Word) showed boxes in place of 'ệ', 'ỉ', 'ớ'."""
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    manager = font_manager.fontManager
    for family in STYLE["font.serif"]:
        entries = [f for f in manager.ttflist if f.name == family]
        if len(entries) < 2:
            continue
        try:
            full = {f.fname for f in entries if FT2Font(f.fname).get_char_index(VIETNAMESE)}
        except (OSError, RuntimeError):
            continue
        if full and len(full) < len(entries):
            manager.ttflist = [f for f in manager.ttflist if f.name != family or f.fname in full]
            font_manager._get_font.cache_clear()
            manager._findfont_cached.cache_clear()


_vietnamese_fonts_first()


@functools.lru_cache(maxsize=1024)
def _tick(value: float) -> str:
    """A tick label's number, remembered: the same few values (0, 20, ..., 100) come back on every chart,
    and Babel takes longer to write one than matplotlib to draw it."""
    return fmt.number(value)


PERCENT_AXIS = FuncFormatter(lambda v, _: f"{_tick(round(v, 1))}%")
NUMBER_AXIS = FuncFormatter(lambda v, _: _tick(round(v, 1)))


def _f(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _plain(value) -> float | None:
    """A drawn value as its record holds it: a float, None where nothing is drawn (missing, NaN)."""
    if value is None or value is pd.NA:
        return None
    number = float(value)
    return number if number == number and abs(number) != float("inf") else None


def _series(fig: Figure, *panels: dict) -> None:
    """Record on `fig` the numbers it draws, one dict per panel (axes), so that another format can draw the same chart
    again (PowerPoint's own charts, `powerpoint`): "title"; "type" ("bar": horizontal bars, "column", "stacked_bar",
    "line"); "unit" ("percent", "count", "billion": tỷ đồng); "categories" in reading order (top to bottom, left to
    right); "series": [{"name", "values", "color" or "colors" (one per category)}]; optionally "target" (a rate drawn
    as a line) and "target_label". The report's key figures and the chart's record are the same numbers."""
    for panel in panels:
        for series in panel["series"]:
            series["values"] = [_plain(v) for v in series["values"]]
        if panel.get("target") is not None:
            panel["target"] = _plain(panel["target"])
    fig.thads_chart = {"panels": list(panels)}


def recorded(fig) -> dict | None:
    """What a chart of the package draws (`_series`), or None for a figure it did not draw (an analyst's)."""
    found = getattr(fig, "thads_chart", None)
    return found if isinstance(found, dict) else None


def svg(fig: Figure) -> bytes:
    """The figure as SVG, drawn under the report's style (whatever the notebook's rcParams).

    Words are written as text in the report's fonts, not as outlines: a third of the bytes, searchable in the
    PDF. The same figure always gives the same bytes (no date, fixed ids), so an unchanged report is unchanged.
    """
    buffer = io.BytesIO()
    with mpl.rc_context({**STYLE, "svg.fonttype": "none", "svg.hashsalt": "thads"}):
        FigureCanvasSVG(fig).print_svg(buffer, metadata={"Date": None})
    return buffer.getvalue()


def png(fig: Figure, dpi: int = 200) -> bytes:
    """The figure as PNG bytes, drawn once under the report's style (whatever the notebook's rcParams).

    Opaque RGB, not matplotlib's RGBA: the charts have a white background, and a PDF keeps an RGBA image
    twice (colour and alpha mask). zlib level 3 encodes faster than the default 6, for slightly more bytes.
    Titles sit at a fixed height (`y=1`), where matplotlib would put them anyway: placing them automatically
    measures every tick label again.
    """
    from PIL import Image

    previous = fig.dpi
    try:
        fig.set_dpi(dpi)
        canvas = FigureCanvasAgg(fig)
        with mpl.rc_context(STYLE):
            canvas.draw()
        # Read as RGB straight from the RGBA buffer, the alpha byte skipped, rather than converted after.
        image = Image.frombytes("RGB", canvas.get_width_height(), canvas.buffer_rgba(), "raw", "RGBX")
        buffer = io.BytesIO()
        image.save(buffer, format="PNG", compress_level=3, dpi=(dpi, dpi))
    finally:
        fig.set_dpi(previous)
    return buffer.getvalue()


_BLANKS: dict[tuple, tuple[dict, bytes]] = {}
_KEEP_BLANKS = False


def keep_blanks(keep: bool) -> None:
    """Keep a copy of each blank figure made from now on (kernel.rehearse: for the kernels forked after it)."""
    global _KEEP_BLANKS
    _KEEP_BLANKS = keep


def _blank(rows: int, cols: int, ticks: tuple[int, int]) -> Figure:
    """An empty figure of `rows` × `cols` axes with `ticks` (x, y) ticks on each: a copy of the one kept, when the
    process keeps blank figures (`keep_blanks`), else made. Unpickling a copy costs a fifth of making the axes again
    (spines, axes, ticks and their labels), and a tick made in advance a seventh of one that matplotlib makes while
    drawing; a kernel that makes one report keeps none (making a figure to copy it would only cost more).

    Kept with the rcParams it was made under and made again when they change (an analyst's cell), so that
    a copy is always what a new figure would be, and nothing one report sets reaches the next.
    """
    rc = dict.copy(mpl.rcParams)
    kept = _BLANKS.get((rows, cols, ticks))
    if kept is not None and kept[0] == rc:
        return pickle.loads(kept[1])
    fig = Figure(figsize=(WIDTH, 3.0))
    for ax in fig.subplots(rows, cols, squeeze=False).ravel():
        ax.xaxis.get_major_ticks(ticks[0])
        ax.yaxis.get_major_ticks(ticks[1])
        # The charts have no axis labels: fixed label positions spare matplotlib measuring every tick
        # label of the figure again, at each drawing, to place two empty labels.
        ax.xaxis.set_label_coords(0.5, 0)
        ax.yaxis.set_label_coords(0, 0.5)
    if _KEEP_BLANKS:
        _BLANKS[(rows, cols, ticks)] = (rc, pickle.dumps(fig))
    return fig


def _figure(rows: int = 1, cols: int = 1, *, ticks: tuple[int, int], height: float = 3.0, left: float = 0.8,
            bottom: float = 0.4, top: float = 0.35, wspace: float = 0.25):
    """A figure with fixed margins, in inches (a layout engine would cost much of the drawing time), as a copy
    of a blank one. Called under `rc_context(STYLE)`, which each chart function holds around all its work.

    `ticks` is how many ticks each axes usually draws, x then y: a hint for speed only, as matplotlib
    makes any more it needs when drawing and leaves unused ones aside.
    """
    fig = _blank(rows, cols, ticks)
    fig.set_size_inches(WIDTH, height)
    fig.subplots_adjust(left=left / WIDTH, right=1 - 0.15 / WIDTH, bottom=bottom / height, top=1 - top / height,
                        wspace=wspace)
    return fig, fig.axes


def rates_vs_targets(kf: KeyFigures | NationalFigures) -> Figure:
    """Cases and money rates beside their targets."""
    with mpl.rc_context(STYLE):
        fig, (ax,) = _figure(height=2.2, left=0.7, bottom=0.3, ticks=(7, 2))
        kinds = ("viec", "tien")
        rates = [_f(kf.result(k).ty_le) or 0 for k in kinds]
        colors = [NEUTRAL if kf.result(k).met is None else (MET if kf.result(k).met else MISSED) for k in kinds]
        ax.barh([0, 1], rates, color=colors, height=0.45)
        for i, k in enumerate(kinds):
            ax.text(rates[i] + 1.5, i, fmt.percent(kf.result(k).ty_le, "chưa có tỷ lệ"), va="center", fontweight="bold")
            target = kf.result(k).chi_tieu
            if target is not None:
                ax.plot([float(target)] * 2, [i - 0.32, i + 0.32], color=TARGET, lw=2.5)
                ax.text(float(target), i - 0.36, f"chỉ tiêu {fmt.percent(target)}", color=TARGET, ha="center",
                        va="bottom", fontsize=8)
        ax.set_yticks([0, 1], ["Về việc", "Về tiền"])
        ax.set_ylim(1.6, -0.75)
        ax.set_xlim(0, 105)
        ax.xaxis.set_major_formatter(PERCENT_AXIS)
        ax.set_title("Tỷ lệ thi hành xong so với chỉ tiêu", y=1)
        _series(fig, {"title": "Tỷ lệ thi hành xong so với chỉ tiêu", "type": "bar", "unit": "percent",
                      "categories": ["Về việc", "Về tiền"],
                      "series": [{"name": "Tỷ lệ thi hành xong", "colors": colors,
                                  "values": [kf.result(k).ty_le for k in kinds]},
                                 {"name": "Chỉ tiêu", "color": TARGET, "values": [kf.result(k).chi_tieu for k in kinds]}]})
    return fig


def structure(kf: KeyFigures) -> Figure:
    """Shares of what must be enforced: completed, with conditions not completed, without conditions."""
    with mpl.rc_context(STYLE):
        fig, (ax,) = _figure(height=2.3, left=0.7, bottom=0.75, ticks=(6, 2))
        # The third part is phải thi hành − có điều kiện: "chưa có điều kiện" only where the data say so.
        # (other statuses may exist: the label holds only where có + chưa có điều kiện make up phải thi hành)
        known = all(r.chua_co_dieu_kien is not None and r.co_dieu_kien + r.chua_co_dieu_kien == r.phai_thi_hanh
                    for r in (kf.viec, kf.tien))
        names = ["Thi hành xong", "Có điều kiện, chưa xong", "Chưa có điều kiện" if known else "Ngoài số có điều kiện"]
        colors = [CURRENT, "#5b9bd5", LAST_YEAR]
        shares = []     # per kind, its three parts in % of what must be enforced
        for kind in ("viec", "tien"):
            r = kf.result(kind)
            parts = [r.thi_hanh_xong, r.co_dieu_kien - r.thi_hanh_xong, r.phai_thi_hanh - r.co_dieu_kien]
            shares.append([100 * value / (r.phai_thi_hanh or 1) for value in parts])
        starts = [list(itertools.accumulate(row[:-1], initial=0.0)) for row in shares]
        for j, (name, color) in enumerate(zip(names, colors)):
            # One call for a part of both bars: half the calls, the same bars.
            ax.barh([0, 1], [row[j] for row in shares], left=[start[j] for start in starts], color=color,
                    height=0.5, label=name)
            for i, (row, start) in enumerate(zip(shares, starts)):
                if row[j] >= 7:
                    ax.text(start[j] + row[j] / 2, i, f"{fmt.number(round(row[j], 1))}%",
                            ha="center", va="center", color="white" if color != LAST_YEAR else "black", fontsize=8)
        ax.set_yticks([0, 1], ["Về việc", "Về tiền"])
        ax.invert_yaxis()
        ax.set_xlim(0, 100)
        ax.xaxis.set_major_formatter(PERCENT_AXIS)
        ax.set_title("Cơ cấu số phải thi hành (% trên tổng số phải thi hành)", y=1)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=3)
        _series(fig, {"title": "Cơ cấu số phải thi hành (% trên tổng số phải thi hành)", "type": "stacked_bar",
                      "unit": "percent", "categories": ["Về việc", "Về tiền"],
                      "series": [{"name": name, "color": color, "values": [round(row[j], 2) for row in shares]}
                                 for j, (name, color) in enumerate(zip(names, colors))]})
    return fig


LABEL_SIZE, LABEL_PITCH = 9.0, 1.5       # a row label's size (pt) and the row's height in label sizes
ROWS_HEIGHT = 8.8                        # inches: the most the rows of a ranked chart take (it fits an A4 page)


def _label_size(rows: int) -> tuple[float, float]:
    """A ranked chart's label size in points and row height in inches, sized to the number of rows: the body's 9 pt
    (8,4 pt printed at the text's width) up to 46 rows, a 25-office chart included; smaller only as needed for the
    rows to fit a page (63 provinces: 6,7 pt)."""
    rows = max(rows, 1)
    size = min(LABEL_SIZE, ROWS_HEIGHT * 72 / (LABEL_PITCH * rows))
    # A few offices get airier rows: 0,28 inch each, the rows never more than 3,6 inches together.
    return round(size, 1), max(size * LABEL_PITCH / 72, min(0.28, 3.6 / rows))


def offices_ranked(table: pd.DataFrame, kind: str, target: Decimal | None, by_row_target: bool = False,
                   title: str | None = None) -> Figure:
    """Offices (or provinces) ranked by their rate, the target as a line, those below it in red.

    With `by_row_target`, each row is judged against its own target (column `<kind>_chi_tieu`), marked
    by a tick, and the line is the national target.
    """
    with mpl.rc_context(STYLE):
        ranked = table.assign(_r=table[f"{kind}_ty_le"].map(lambda v: -1 if v is None else float(v)))
        ranked = ranked.sort_values("_r")
        size, pitch = _label_size(len(ranked))
        longest = max((len(str(name)) for name in ranked["don_vi"]), default=10)
        fig, (ax,) = _figure(height=max(2.4, pitch * len(ranked) + 1), left=0.35 + longest * size * 0.0075,
                             ticks=(6, 16))
        ax.tick_params(axis="y", labelsize=size)
        rates = [float(v) if v is not None else 0 for v in ranked[f"{kind}_ty_le"]]
        own = list(ranked[f"{kind}_chi_tieu"]) if by_row_target else [target] * len(ranked)
        colors = [NEUTRAL if t is None or v is None else (MET if v >= t else MISSED)
                  for v, t in zip(ranked[f"{kind}_ty_le"], own)]  # compared as Decimals, as in the tables
        ax.barh(list(ranked["don_vi"]), rates, color=colors, height=0.6)
        if by_row_target:
            marks = [(i, float(t)) for i, t in enumerate(own) if t is not None]
            ax.scatter([t for _, t in marks], [i for i, _ in marks], marker="|", s=60, color="black", zorder=3,
                       label="Chỉ tiêu của tỉnh")
        if target is not None:
            label = f"Chỉ tiêu {'toàn quốc ' if by_row_target else ''}{fmt.percent(target)}"
            ax.axvline(float(target), color=TARGET, lw=1.5, ls="--", label=label)
        if target is not None or by_row_target:
            ax.legend(loc="lower right", fontsize=8)
        ax.set_xlim(0, 100)
        ax.xaxis.set_major_formatter(PERCENT_AXIS)
        ax.set_title(title or f"Tỷ lệ thi hành xong về {'việc' if kind == 'viec' else 'tiền'} theo đơn vị", y=1)
        # Recorded top to bottom, as read: the highest rate first.
        series = [{"name": f"Tỷ lệ thi hành xong về {'việc' if kind == 'viec' else 'tiền'}", "colors": colors[::-1],
                   "values": list(ranked[f"{kind}_ty_le"])[::-1]}]
        if by_row_target:
            series.append({"name": "Chỉ tiêu của tỉnh", "color": "#000000", "values": own[::-1]})
        _series(fig, {"title": ax.get_title(), "type": "bar", "unit": "percent",
                      "categories": [str(name) for name in ranked["don_vi"]][::-1], "series": series,
                      "target": target, "target_label": label if target is not None else None})
    return fig


def monthly(path: pd.DataFrame, kf: KeyFigures | NationalFigures) -> Figure:
    """The cumulative rate month by month this year, against last year and the target."""
    with mpl.rc_context(STYLE):
        fig, axes = _figure(1, 2, height=2.8, left=0.55, bottom=0.75, ticks=(12, 6))
        for ax, kind, title in ((axes[0], "viec", "Về việc"), (axes[1], "tien", "Về tiền")):
            x = list(path["nhan"])
            this = [_f(v) for v in path[f"{kind}_ty_le"]]
            last = [_f(v) for v in path[f"{kind}_ty_le_cung_ky"]]
            if any(v is not None for v in last):
                ax.plot(x, last, color=LAST_YEAR, marker="o", ms=3, label="Cùng kỳ năm trước")
            ax.plot(x, this, color=CURRENT, marker="o", ms=3, lw=2, label="Năm nay")
            if kf.result(kind).chi_tieu is not None:
                ax.axhline(float(kf.result(kind).chi_tieu), color=TARGET, ls="--", lw=1.2, label="Chỉ tiêu")
            ax.set_ylim(0, 100)
            ax.yaxis.set_major_formatter(PERCENT_AXIS)
            ax.set_title(title, y=1)
            ax.tick_params(axis="x", rotation=45, labelsize=7)
        axes[0].legend(loc="lower right", fontsize=7)
        panels = []
        for kind, title in (("viec", "Về việc"), ("tien", "Về tiền")):
            series = [{"name": "Cùng kỳ năm trước", "color": LAST_YEAR, "values": list(path[f"{kind}_ty_le_cung_ky"])}
                      ] if path[f"{kind}_ty_le_cung_ky"].notna().any() else []
            series.append({"name": "Năm nay", "color": CURRENT, "values": list(path[f"{kind}_ty_le"])})
            if kf.result(kind).chi_tieu is not None:
                series.append({"name": "Chỉ tiêu", "color": TARGET, "values": [kf.result(kind).chi_tieu] * len(path)})
            panels.append({"title": title, "type": "line", "unit": "percent",
                           "categories": [str(x) for x in path["nhan"]], "series": series})
        _series(fig, *panels)
    return fig


def against_last_year(kf: KeyFigures) -> Figure:
    """This period beside the same period last year: with conditions, completed, and the rate."""
    with mpl.rc_context(STYLE):
        fig, axes = _figure(1, 2, height=2.8, left=0.7, bottom=0.7, wspace=0.35, ticks=(2, 7))
        last = kf.cung_ky
        for ax, kind, title, scale in ((axes[0], "viec", "Số việc", 1),
                                       (axes[1], "tien", "Số tiền (tỷ đồng)", fmt.THOUSANDS_PER_BILLION)):
            names = ["Có điều kiện", "Thi hành xong"]
            keys = ["co_dieu_kien", "thi_hanh_xong"]
            xs = range(len(names))
            now = [getattr(kf.result(kind), k) / scale for k in keys]
            ax.bar([x + 0.2 for x in xs], now, width=0.4, color=CURRENT, label=kf.ten_ky)
            if last is not None:
                before = [getattr(last.result(kind), k) / scale for k in keys]
                ax.bar([x - 0.2 for x in xs], before, width=0.4, color=LAST_YEAR, label=last.ten_ky)
            ax.set_xticks(list(xs), names)
            ax.yaxis.set_major_formatter(NUMBER_AXIS)
            ax.set_title(title, y=1)
        _series(fig, *({"title": title, "type": "column", "unit": unit, "categories": ["Có điều kiện", "Thi hành xong"],
                        "series": ([{"name": last.ten_ky, "color": LAST_YEAR,
                                     "values": [getattr(last.result(kind), k) / scale for k in keys]}] if last else [])
                        + [{"name": kf.ten_ky, "color": CURRENT,
                            "values": [getattr(kf.result(kind), k) / scale for k in keys]}]}
                       for kind, title, scale, unit in (("viec", "Số việc", 1, "count"),
                                                        ("tien", "Số tiền (tỷ đồng)", fmt.THOUSANDS_PER_BILLION,
                                                         "billion"))))
        handles, labels = axes[0].get_legend_handles_labels()
        fig.legend(handles[::-1], labels[::-1], loc="lower center", ncol=2)
    return fig
