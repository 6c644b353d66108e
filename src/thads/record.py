"""The record of the last batch, `last-run.json` beside the index: what the summary table shows, for programs and
tests to read (docs/ket-qua.md). It reads only the outcomes' fields, so that a rerun with nothing to do
(`unchanged`) writes it too without loading the pipeline."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from thads import __version__, files
from thads.errors import ThadsError

RECORD = "last-run.json"


def write(out_dir: Path, outcomes, options: dict | None, started: datetime,
          kinds: dict[tuple[str, str, str], str] | None = None) -> str | None:
    """Write `last-run.json` in `out_dir`, whole: the command's `options`, when the batch started and ended, and each
    of `outcomes` (run.Outcome, or anything with its fields) with its kind of report (`kinds`, by period, code and
    name). Returns why it could not be written, or None: a record not written does not undo the reports."""
    kinds = kinds or {}
    reports = [{"period": o.period, "code": o.province, "name": o.name,
                "kind": kinds.get((o.period, o.province, o.name), ""), "status": o.status, "message": o.message,
                "folder": o.folder, "files": list(getattr(o, "files", [])), "notebook": o.notebook,
                "log": getattr(o, "log", ""), "seconds": round(o.seconds, 3)} for o in outcomes]
    record = {"version": __version__, "options": options or {}, "started": started.isoformat(timespec="seconds"),
              "finished": datetime.now().astimezone().isoformat(timespec="seconds"), "reports": reports}
    try:
        files.write_whole(Path(out_dir) / RECORD, json.dumps(record, ensure_ascii=False, indent=2, default=str) + "\n")
    except ThadsError as exc:
        return str(exc)
    return None


def kinds_of(out_dir: Path) -> dict[tuple[str, str, str], str]:
    """The kind of each report of the record in `out_dir`, by period, code and name; empty when there is none."""
    try:
        reports = json.loads((Path(out_dir) / RECORD).read_text("utf-8"))["reports"]
        return {(r["period"], r["code"], r["name"]): r["kind"] for r in reports}
    except (OSError, ValueError, KeyError, TypeError):
        return {}
