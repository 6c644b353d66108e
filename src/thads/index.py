"""`outputs/index.html`: every report by period and province, its key figures, links to HTML, PDF, DOCX.

One self-contained page, rewritten (atomically) after every run. Filtering by period and province and
sorting by the figures work offline with a small inline script that the page's CSP allows by its hash.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import date
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from thads import __version__, files, formats, kinds
from thads import formatting as fmt
from thads.folder import ReportFolder
from thads.periods import Period
from thads.units import organised_label

_TEMPLATES = Environment(loader=PackageLoader("thads", "templates/index"), autoescape=select_autoescape(default=True))


def _status(rate, target) -> str:
    if rate is None or target is None:
        return "none"
    return "met" if rate >= target else "missed"


def _links(folder: Path) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The report's files to link, as (label, file name), in the formats' order: the file each format was last
    written to (report.new.docx beside a report.docx a clerk edited); and the edited files kept beside them."""
    record = ReportFolder(folder)
    made = record.recorded()
    links, edited = [], []
    for name, format_ in formats.registry().items():
        written = record.file_of(made, name)
        if (folder / written).is_file():
            links.append((format_.short, written))
        if written != format_.file and (folder / format_.file).is_file():
            edited.append((f"{format_.short} đã sửa", format_.file))
    return links, edited


def _kinds(summary: dict) -> dict:
    """The rates and targets of a summary.json, checked: a damaged or foreign file gives ValueError."""
    kinds = {}
    for kind in ("viec", "tien"):
        r = summary[kind]
        rate, target = r["ty_le"], r["chi_tieu"]
        if not all(v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)) for v in (rate, target)):
            raise ValueError(kind)
        kinds[kind] = {"rate": rate, "target": target, "rate_text": fmt.percent(rate, table=True),
                       "target_text": fmt.percent(target, "chưa giao", table=True), "status": _status(rate, target)}
    return kinds


def _report_folders(out_dir: Path) -> list[tuple[Path, str]]:
    """(folder, organised) of every candidate report folder: `<period>/<code>/`, `<period>/theo-<day>/<code>/` for
    reports on the provinces of a later day (organised: that day, ISO; '' for the others), and the offices' reports
    inside a province's folder, `<period>/<code>/don-vi/<office code>/`."""
    found = []
    for folder in sorted(p for p in Path(out_dir).glob("*-M[0-9][0-9]/*") if p.is_dir()):
        if folder.name.startswith("theo-") and not folder.is_symlink():
            found += [(inner, folder.name.removeprefix("theo-")) for inner in sorted(folder.iterdir()) if inner.is_dir()]
            continue
        found.append((folder, ""))
        offices = folder / kinds.OFFICES_FOLDER
        if not folder.is_symlink() and offices.is_dir() and not offices.is_symlink():
            found += [(inner, "") for inner in sorted(offices.iterdir()) if inner.is_dir()]
    return found


def _place(out_dir: Path, folder: Path, organised: str) -> tuple[str, str]:
    """(period folder's name, the report's folder under it or under its theo- folder: '93', '93/don-vi/931')."""
    parts = folder.relative_to(out_dir).parts
    inner = parts[2:] if organised else parts[1:]
    return parts[0], "/".join(inner)


def entries(out_dir: Path, warn=None) -> list[dict]:
    """One entry per report folder `<period>/<code>/` (or `<period>/theo-<day>/<code>/`) that holds a report or a
    failed attempt. Anything else under the output folder (a foreign folder, a damaged summary.json) is passed
    over, and `warn` told."""
    warn = warn or (lambda message: None)
    found = []
    for folder, organised in _report_folders(out_dir):
        period_name, place = _place(out_dir, folder, organised)
        try:
            period = Period.parse(period_name)
            day = date.fromisoformat(organised) if organised else None
        except Exception:
            warn(f"mục lục bỏ qua '{folder}': không phải thư mục báo cáo của thads")
            continue
        kind = kinds.of_folder(place)
        if kind is None and "/" in place:          # a folder of one's own inside a province's folder: not a report
            continue
        if kind is None or folder.is_symlink():
            warn(f"mục lục bỏ qua '{folder}': không phải thư mục báo cáo của thads")
            continue
        summary_path = folder / "summary.json"
        links, edited = _links(folder)
        entry = {"period": period.code, "period_label": period.label, "code": folder.name,
                 "path": folder.relative_to(out_dir).as_posix(), "as_of": organised,
                 "organised": organised_label(day) if day else "", "links": links, "edited": edited,
                 "order": kind.index_order, "failed": (folder / "report.failed.ipynb").is_file(),
                 "name": kind.index_name or folder.name, "kinds": {}, "kind": kind.name, "sample": False,
                 "notebook": _notebook(folder), "level": 1 if "/" in place else 0,
                 "province": place.split("/", 1)[0]}
        if summary_path.is_file():
            try:
                s = json.loads(summary_path.read_text("utf-8"))
                entry["kinds"] = _kinds(s)
                entry["name"] = str(s.get("ten_day_du", s.get("ten_tinh", folder.name)))
                entry["sample"] = bool(s.get("du_lieu_mau"))
            except (ValueError, KeyError, TypeError, AttributeError, OSError):
                warn(f"mục lục bỏ qua số liệu của '{summary_path}': tệp hỏng hoặc không phải của thads")
        if entry["links"] or entry["failed"]:
            found.append(entry)
    return _grouped(found)


def _grouped(found: list[dict]) -> list[dict]:
    """The entries of each period in order, each office's report under its province's row (`group`, and `offices`:
    how many office reports a province's row has under it)."""
    province_order = kinds.get("province").index_order
    for e in found:
        e["group"] = f"{e['period']}|{e['as_of']}|{e['province'] if e['level'] else e['code']}"
    counts: dict[str, int] = {}
    for e in found:
        if e["level"]:
            counts[e["group"]] = counts.get(e["group"], 0) + 1
    heads = {e["group"] for e in found if not e["level"]}
    for e in found:
        e["offices"] = 0 if e["level"] else counts.get(e["group"], 0)
        e["headed"] = not e["level"] or e["group"] in heads       # an office whose province has a row above it
    found.sort(key=lambda e: (e["period"], e["as_of"], province_order if e["level"] else e["order"],
                              e["province"] if e["level"] else e["code"], e["level"], e["code"]))
    return found


def _notebook(folder: Path) -> str:
    """The notebook that made the report, as its inputs.json records it ('' when it does not say)."""
    try:
        name = json.loads((folder / "inputs.json").read_text("utf-8")).get("notebook", "")
    except (OSError, ValueError, AttributeError):
        return ""
    return name if isinstance(name, str) else ""


CHART_WIDTH, ROW_HEIGHT, LABEL_WIDTH = 640, 16, 150


def overviews(items: list[dict]) -> list[dict]:
    """For each period (and day of the provinces, --as-of) with province reports: how many provinces met each
    target, the national rates (from the national overview's report, linked, where it was made), and a chart of
    every province's two rates against its targets: bars for the rates, a tick for each target, drawn as inline SVG
    (the page needs no network and no script for it)."""
    found = []
    for key in sorted({(e["period"], e["as_of"]) for e in items}, reverse=True):
        rows = [e for e in items if (e["period"], e["as_of"]) == key and e["kind"] == "province" and e["kinds"]]
        if not rows:
            continue
        national = next((e for e in items if (e["period"], e["as_of"]) == key and e["kind"] == "national"), None)
        met = {kind: sum(1 for e in rows if e["kinds"][kind]["status"] == "met") for kind in ("viec", "tien")}
        given = {kind: sum(1 for e in rows if e["kinds"][kind]["target"] is not None) for kind in ("viec", "tien")}
        ordered = sorted(rows, key=lambda e: -(e["kinds"]["viec"]["rate"] or -1))
        bars = []
        for i, e in enumerate(ordered):
            for j, kind in enumerate(("viec", "tien")):
                k = e["kinds"][kind]
                y = i * ROW_HEIGHT * 2 + j * ROW_HEIGHT
                width = (CHART_WIDTH - LABEL_WIDTH) * min(float(k["rate"] or 0), 100) / 100
                target = None if k["target"] is None else \
                    LABEL_WIDTH + (CHART_WIDTH - LABEL_WIDTH) * min(float(k["target"]), 100) / 100
                bars.append({"y": y, "width": width, "target": target, "kind": kind, "status": k["status"],
                             "label": e["name"] if j == 0 else "", "text": k["rate_text"]})
        found.append({"period": key[0], "as_of": key[1], "label": rows[0]["period_label"],
                      "organised": rows[0]["organised"], "count": len(rows), "met": met, "given": given,
                      "national": national, "bars": bars, "height": len(ordered) * ROW_HEIGHT * 2 + 20})
    return found


def render(out_dir: Path, warn=None) -> str:
    script = _TEMPLATES.get_template("index.js").render()
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    items = entries(out_dir, warn)
    periods = sorted({(e["period"], e["period_label"]) for e in items}, reverse=True)
    samples = sum(e["sample"] for e in items)
    return _TEMPLATES.get_template("index.html.j2").render(
        entries=items, periods=periods, script=script, script_hash=f"sha256-{digest}", version=__version__,
        overviews=overviews(items), samples=samples, mixed=0 < samples < len(items), chart_width=CHART_WIDTH,
        label_width=LABEL_WIDTH, row_height=ROW_HEIGHT)


def write(out_dir: Path, warn=None) -> Path:
    """Write `out_dir/index.html` whole (readers never see half a page; never through a link); `warn` is told
    about folders and summaries the index passed over."""
    out_dir = files.make_folder(out_dir)
    return files.write_whole(out_dir / "index.html", render(out_dir, warn))
