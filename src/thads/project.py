"""The project folder: `thads.yml` marks its root and holds the defaults.

A project holds `notebooks/`, `parameters/`, `data/` and `outputs/`. Wherever a notebook runs (the
project root, `notebooks/`, JupyterLab, papermill), a relative path in its parameters is read from the
root, the nearest folder upwards that holds `thads.yml`; without one, from the current folder.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from thads.errors import ThadsError

FILE = "thads.yml"
DEFAULTS = {"data": "data", "notes": "parameters/notes", "notebooks": "notebooks", "outputs": "outputs",
            "formats": ["html", "pdf"]}


@dataclass(frozen=True)
class Project:
    root: Path
    data: Path                 # the data folder (stats/, targets.csv, units/)
    notes: Path                # analysts' notes: <period>/<province code>.md
    notebooks: Path            # the report notebooks
    outputs: Path              # where reports are written
    formats: tuple[str, ...]   # formats made when none is asked for
    marked: bool               # True when a thads.yml was found

    def path(self, value: str | Path | None, default: Path) -> Path:
        """`value` read from the project root (absolute paths as they are); `default` when empty."""
        if value is None or str(value).strip() == "":
            return default
        return (self.root / Path(str(value)).expanduser()).resolve()


def find_root(start: Path | None = None) -> Path | None:
    """The nearest folder from `start` (the current folder) upwards that holds thads.yml."""
    here = Path(start or Path.cwd()).resolve()
    return next((folder for folder in (here, *here.parents) if (folder / FILE).is_file()), None)


def _settings(path: Path) -> dict:
    try:
        loaded = yaml.safe_load(path.read_text("utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ThadsError(f"{path}: không đọc được YAML ({exc}).") from None
    if not isinstance(loaded, dict):
        raise ThadsError(f"{path}: cần các cặp khóa: giá trị, ví dụ data: data.")
    unknown = sorted(set(map(str, loaded)) - set(DEFAULTS))
    if unknown:
        raise ThadsError(f"{path}: khóa không hợp lệ {', '.join(unknown)}; dùng {', '.join(DEFAULTS)}.")
    for key, value in loaded.items():
        if key == "formats":
            if not isinstance(value, (list, str)):
                raise ThadsError(f"{path}: formats cần là danh sách, ví dụ formats: [html, pdf].")
        elif not isinstance(value, str) or not value.strip():
            raise ThadsError(f"{path}: {key} cần là đường dẫn thư mục (tính từ thư mục dự án).")
    return {**DEFAULTS, **loaded}


def find(start: Path | None = None) -> Project:
    """The project that holds `start` (the current folder), with its settings and defaults."""
    root = find_root(start)
    settings = _settings(root / FILE) if root else dict(DEFAULTS)
    base = root or Path(start or Path.cwd()).resolve()
    formats = settings["formats"]
    formats = [formats] if isinstance(formats, str) else formats
    return Project(root=base, data=base / settings["data"], notes=base / settings["notes"],
                   notebooks=base / settings["notebooks"], outputs=base / settings["outputs"],
                   formats=tuple(str(f).strip().lower() for f in formats), marked=root is not None)
