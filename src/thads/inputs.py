"""What a report reads, declared once: used to plan a batch (is a report current?) and to record what a report was
made from (inputs.json): a cheap hash of its input files (`inputs_digest`), and the wording templates its parts
used (`templates_used`, `templates_changed`)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from thads.folder import sha256 as _sha256


def inputs_digest(job, data_dir: Path, notes_dir: Path, signing: Path | None,
                  templates: Path | None = None) -> str:
    """A cheap hash of the files a report reads (the data folder's files by size and time, the note, the signing
    file, the notebook, the project's wording templates by size and time): taken when the batch is planned and
    again when the report is done, so that a report made while its inputs changed is not recorded as current.

    The templates count here because inputs.json records the hash of each template file after the notebook ran:
    a template edited while the report was being made would otherwise be recorded as the one it was made from."""
    from thads.dataset import signature

    digest = hashlib.sha256(repr(signature(Path(data_dir))).encode())
    if templates is not None and Path(templates).is_dir():
        digest.update(repr(signature(Path(templates))).encode())
    for path in (job.note(notes_dir), signing, job.notebook):
        digest.update(path.read_bytes() if path is not None and Path(path).is_file() else b"-")
    return digest.hexdigest()


def _package_templates() -> Path:
    from thads.wording import PACKAGE

    return PACKAGE


def resolve_template(name: str, search: list[str]) -> Path | None:
    """The file template `name` resolves to through `search` (the first folder holding it), None when none does.
    The last folder of a recorded search path is the package's: the package as installed now is searched instead."""
    for folder in [*search[:-1], str(_package_templates())]:
        path = Path(folder) / name
        if path.is_file():
            return path
    return None


def templates_changed(recorded) -> bool:
    """Whether a template a report used would now give other words: for each template name recorded in its
    inputs.json (`templates`), the file it resolves to through the recorded search path has another content than
    the one it was made from (edited; removed from the project, so that the package's is used; or added to a
    project folder, where it now hides the package's). Only the recorded files are read: a handful per report.
    Nothing recorded (a report made before templates were recorded) counts as changed."""
    if not isinstance(recorded, list):
        return True
    for entry in recorded:
        try:
            name, search, wanted = str(entry["name"]), [str(f) for f in entry["search"]], entry["sha256"]
            found = resolve_template(name, search) if search else None
            if found is None or _sha256(found) != wanted:
                return True
        except (KeyError, TypeError, OSError):
            return True
    return False


def templates_used(notebook, project_templates: Path | None = None) -> tuple[list[str], list[dict]]:
    """The wording templates behind an executed notebook's parts (each part's record names them, `templates`):
    their labels as report.log shows them, unique in order of first use, and what inputs.json records of them,
    one entry per template name and search path: {"name", "search", "file", "sha256"}.

    A search path lists only the folders that existed when the report was made; the project's templates folder
    (`project_templates`) is put back before the package's, so that a file added there later is seen."""
    from thads import parts

    shown: list[str] = []
    entries: dict[tuple, dict] = {}
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            record = output.get("data", {}).get(parts.PART)
            used = record.get("templates") if isinstance(record, dict) else None
            if not isinstance(used, dict):
                continue
            shown += [label for label in used.get("shown", []) if label not in shown]
            search = [str(Path(f)) for f in used.get("search", [])]
            if project_templates is not None and search and str(Path(project_templates)) not in search:
                search.insert(len(search) - 1, str(Path(project_templates)))
            for name, path in sorted(used.get("files", {}).items()):
                if (name, tuple(search)) not in entries:
                    try:
                        digest = _sha256(path)
                    except OSError:          # gone since: the next run sees a change and makes the report again
                        digest = ""
                    entries[name, tuple(search)] = {"name": name, "search": search, "file": str(path),
                                                    "sha256": digest}
    return shown, list(entries.values())
