"""What a batch made, from its record: `last-run.json`, which `thads run` writes beside the index."""

from __future__ import annotations

import json
from pathlib import Path

RECORD = "last-run.json"


def last_run(out: Path) -> dict:
    """The record of the last `thads run` into the output folder `out`."""
    return json.loads((Path(out) / RECORD).read_text("utf-8"))


def counts(out: Path | dict) -> tuple[int, int, int]:
    """(made, skipped, failed) by the last `thads run` into the output folder `out` (or of the record `out`): what
    the summary table's caption says."""
    record = out if isinstance(out, dict) else last_run(out)
    statuses = [report["status"] for report in record["reports"]]
    return statuses.count("ok"), statuses.count("skipped"), statuses.count("failed")


def reports(out: Path, status: str | None = None) -> dict[tuple[str, str], dict]:
    """The reports of the last `thads run` into `out` (those of `status` only, if given), by (period, code)."""
    return {(r["period"], r["code"]): r for r in last_run(out)["reports"] if status is None or r["status"] == status}
