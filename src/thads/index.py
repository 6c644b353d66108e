"""`outputs/index.html`: every report by period and province, its key figures, links to HTML, PDF, DOCX.

One self-contained page, rewritten (atomically) after every run. Filtering by period and province and
sorting by the figures work offline with a small inline script that the page's CSP allows by its hash.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from datetime import date
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from thads import __version__, files
from thads import formatting as fmt
from thads.periods import Period
from thads.units import organised_label

_TEMPLATES = Environment(loader=PackageLoader("thads", "templates/index"), autoescape=select_autoescape(default=True))


def _status(rate, target) -> str:
    if rate is None or target is None:
        return "none"
    return "met" if rate >= target else "missed"


def _docx(folder: Path) -> str | None:
    """The Word file the last run wrote (report.docx, or report.new.docx beside one a clerk edited)."""
    try:
        name = json.loads((folder / "inputs.json").read_text("utf-8")).get("docx", "report.docx")
    except (OSError, ValueError, AttributeError):
        name = "report.docx"
    return name if isinstance(name, str) and name.endswith(".docx") and "/" not in name and (folder / name).is_file() \
        else None


_FOLDER = re.compile(r"\d{2}|toan-quoc")


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
    """(folder, organised) of every candidate report folder: `<period>/<code>/`, and `<period>/theo-<day>/<code>/`
    for reports on the provinces of a later day (organised: that day, ISO; '' for the others)."""
    found = []
    for folder in sorted(p for p in Path(out_dir).glob("*-M[0-9][0-9]/*") if p.is_dir()):
        if folder.name.startswith("theo-") and not folder.is_symlink():
            found += [(inner, folder.name.removeprefix("theo-")) for inner in sorted(folder.iterdir()) if inner.is_dir()]
        else:
            found.append((folder, ""))
    return found


def entries(out_dir: Path, warn=None) -> list[dict]:
    """One entry per report folder `<period>/<code>/` (or `<period>/theo-<day>/<code>/`) that holds a report or a
    failed attempt. Anything else under the output folder (a foreign folder, a damaged summary.json) is passed
    over, and `warn` told."""
    warn = warn or (lambda message: None)
    found = []
    for folder, organised in _report_folders(out_dir):
        period_folder = folder.parent.parent if organised else folder.parent
        try:
            period = Period.parse(period_folder.name)
            day = date.fromisoformat(organised) if organised else None
        except Exception:
            warn(f"mục lục bỏ qua '{folder}': không phải thư mục báo cáo của thads")
            continue
        if not _FOLDER.fullmatch(folder.name) or folder.is_symlink():
            warn(f"mục lục bỏ qua '{folder}': không phải thư mục báo cáo của thads")
            continue
        summary_path = folder / "summary.json"
        docx = _docx(folder)
        entry = {"period": period.code, "period_label": period.label, "code": folder.name,
                 "path": folder.relative_to(out_dir).as_posix(), "as_of": organised,
                 "organised": organised_label(day) if day else "",
                 "html": (folder / "report.html").is_file(), "pdf": (folder / "report.pdf").is_file(),
                 "docx": docx, "edited_docx": docx not in (None, "report.docx") and (folder / "report.docx").is_file(),
                 "failed": (folder / "report.failed.ipynb").is_file(), "name": folder.name, "kinds": {}}
        if summary_path.is_file():
            try:
                s = json.loads(summary_path.read_text("utf-8"))
                entry["kinds"] = _kinds(s)
                entry["name"] = str(s.get("ten_day_du", s.get("ten_tinh", folder.name)))
            except (ValueError, KeyError, TypeError, AttributeError, OSError):
                warn(f"mục lục bỏ qua số liệu của '{summary_path}': tệp hỏng hoặc không phải của thads")
        elif folder.name == "toan-quoc":
            entry["name"] = "Toàn quốc (báo cáo tổng hợp)"
        if entry["html"] or entry["pdf"] or entry["docx"] or entry["failed"]:
            found.append(entry)
    found.sort(key=lambda e: (e["period"], e["as_of"], e["code"] != "toan-quoc", e["code"]))
    return found


def render(out_dir: Path, warn=None) -> str:
    script = _TEMPLATES.get_template("index.js").render()
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    items = entries(out_dir, warn)
    periods = sorted({(e["period"], e["period_label"]) for e in items}, reverse=True)
    return _TEMPLATES.get_template("index.html.j2").render(
        entries=items, periods=periods, script=script, script_hash=f"sha256-{digest}", version=__version__)


def write(out_dir: Path, warn=None) -> Path:
    """Write `out_dir/index.html` whole (readers never see half a page; never through a link); `warn` is told
    about folders and summaries the index passed over."""
    out_dir = files.make_folder(out_dir)
    return files.write_whole(out_dir / "index.html", render(out_dir, warn))
