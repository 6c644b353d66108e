"""A rerun that would change nothing, told before the data are loaded.

After a batch in which every report was made or already current, `remember` keeps, in the output folder, what the
batch was asked (`request`) and a hash of every file it read or wrote: the data, notes, notebooks, templates and
signing folders or files, the project file, the batch file, the package's own code, and each report folder with
the index. The same command run again (without --force, the same day) finds them all unchanged (`check`) and says
so at once, without importing pandas or reading a table: the reports are the ones that batch left. Anything changed,
added or removed, and the batch runs as usual, where staleness is decided report by report, by content.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path

from thads import files
from thads.errors import ThadsError

STATE = Path(".thads") / "unchanged.json"
VERSION = 1


def _digest(paths: list[Path]) -> str:
    """One hash of every file under `paths` (folders walked in a stable order): names, sizes and contents."""
    digest = hashlib.sha256()
    for root in paths:
        root = Path(root)
        found = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else [root] if root.is_file() \
            else []
        digest.update(f"{root}\0{len(found)}\0".encode())
        for path in found:
            if {".work", ".thads"} & set(path.parts[len(root.parts):]):
                continue
            try:
                data = path.read_bytes()
            except OSError:
                data = b"\0unreadable"
            digest.update(f"{path}\0{len(data)}\0".encode())
            digest.update(hashlib.sha256(data).digest())
    return digest.hexdigest()


def _package() -> Path:
    return Path(__file__).resolve().parent


def _key(request: dict) -> str:
    return json.dumps({**request, "today": date.today().isoformat(), "version": VERSION}, sort_keys=True, default=str)


def remember(out_dir: Path, request: dict, read: list[Path], reports: list[dict]) -> None:
    """Keep the state of a batch that left every report made or current (`reports`: name, period, code, folder of
    each), for the next same command. A state that cannot be written only costs the next run its shortcut."""
    out_dir = Path(out_dir)
    state = {"request": _key(request), "read": [str(p) for p in read], "reports": reports,
             "digest": _digest([*read, _package(), *(Path(r["folder"]) for r in reports), out_dir / "index.html"])}
    try:
        files.make_folder(out_dir / STATE.parent)
        files.write_whole(out_dir / STATE, json.dumps(state, ensure_ascii=False))
    except (OSError, ThadsError):
        pass


def forget(out_dir: Path) -> None:
    (Path(out_dir) / STATE).unlink(missing_ok=True)


def check(out_dir: Path, request: dict) -> list[dict] | None:
    """The reports of the last batch when the same command would change nothing now; else None."""
    try:
        state = json.loads((Path(out_dir) / STATE).read_text("utf-8"))
        if state["request"] != _key(request):
            return None
        reports = state["reports"]
        read = [Path(p) for p in state["read"]]
        folders = [Path(r["folder"]) for r in reports]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if _digest([*read, _package(), *folders, Path(out_dir) / "index.html"]) != state.get("digest"):
        return None
    return reports
