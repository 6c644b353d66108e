"""The project folder: `thads.yml` marks its root and holds the defaults.

A project holds `notebooks/`, `parameters/`, `data/` and `outputs/`. Wherever a notebook runs (the
project root, `notebooks/`, JupyterLab, papermill), a relative path in its parameters is read from the
root, the nearest folder upwards that holds `thads.yml`; without one, from the current folder.
"""

from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import yaml

from thads import formats, schema
from thads.errors import ThadsError, visible

FILE = "thads.yml"
DEFAULTS = {"data": "data", "notes": "parameters/notes", "notebooks": "notebooks", "outputs": "outputs",
            "signing": "parameters/signing.yml", "formats": ["html", "pdf"], "timeout": 600, "templates": "templates",
            "ranks_in_text": ["viec_ty_le", "tien_ty_le"], "slides_reference": "templates/mau-trinh-chieu.pptx"}
ENVIRONMENT = "THADS_PROJECT"   # the project of a notebook run anywhere (plain papermill); thads.kernel.begin sets it
TIMEOUT_MAX = 7 * 24 * 3600     # seconds: a longer limit is none (1e308 overflows the timers), refused like infinity


@dataclass(frozen=True)
class Project:
    root: Path
    data: Path                 # the data folder (stats/, targets.csv, units/)
    notes: Path                # analysts' notes: <period>/<province code>.md
    notebooks: Path            # the report notebooks
    outputs: Path              # where reports are written
    signing: Path              # who signs each report and who receives it (signing.py)
    templates: Path            # the report's wording (wording.py): the project's templates over the package's
    ranks_in_text: tuple[str, ...]   # figures whose rank among provinces the prose states ("viec_ty_le", ...)
    slides_reference: Path     # the reference deck (.pptx: masters, fonts, colours, logo) report.pptx is built on
    slides_reference_set: bool  # thads.yml names another file than the default (which, missing, is the package's deck)
    formats: tuple[str, ...]   # formats made when none is asked for
    timeout: float             # seconds a report may take before it is stopped (--timeout overrides)
    marked: bool               # True when a thads.yml was found

    def path(self, value: str | Path | None, default: Path) -> Path:
        """`value` read from the project root (absolute paths as they are); `default` when empty.

        The data folder by default where no thads.yml was found, and none in the current folder either: the
        command or notebook runs outside any project; that is said (`outside`) rather than a missing 'data'."""
        if value is None or str(value).strip() == "":
            if default == self.data and not self.marked and not default.is_dir():
                raise ThadsError(outside(self.root))
            return default
        return (self.root / Path(str(value)).expanduser()).resolve()


def find_root(start: Path | None = None) -> Path | None:
    """The nearest folder from `start` (the current folder, or THADS_PROJECT when set) upwards that holds
    thads.yml."""
    here = Path(start or os.environ.get(ENVIRONMENT) or Path.cwd()).resolve()
    return next((folder for folder in (here, *here.parents) if (folder / FILE).is_file()), None)


def outside(here: Path) -> str:
    """What to do where no thads.yml is found (a command, or a notebook papermill runs, outside any project)."""
    missing = "" if Path(here).is_dir() else " (thư mục này không tồn tại)"
    return (f"Không tìm thấy {FILE} trong thư mục '{here}'{missing} hay các thư mục cha của nó: đây không phải một dự án "
            "thads, nên không biết lấy dữ liệu ở đâu. Nếu đã có dự án: chạy lệnh trong thư mục dự án (cd THƯ_MỤC_DỰ_ÁN), hoặc "
            "nêu nó: thads --project THƯ_MỤC_DỰ_ÁN <lệnh> (notebook chạy bằng papermill: đặt trong dự án, hoặc đặt "
            f"biến môi trường {ENVIRONMENT}=THƯ_MỤC_DỰ_ÁN). Nếu chưa có: thads init THƯ_MỤC_MỚI tạo một dự án, kèm "
            "dữ liệu mẫu.")


YAML_LIMIT = 256 * 1024           # bytes: settings files are a few hundred bytes; nothing legitimate is near this


class _Loader(yaml.SafeLoader):
    """YAML's safe loader without aliases: `*a` repeated over `&a` can make a few hundred bytes into
    gigabytes (a 'billion laughs'); settings files never need them."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.YAMLError(f"dòng {event.start_mark.line + 1}: không dùng bí danh YAML (*{event.anchor}) trong "
                                 "tệp cấu hình; hãy viết đầy đủ giá trị")
        return super().compose_node(parent, index)


def read_yaml(path: Path, expected: str):
    """A YAML settings file (thads.yml, a batch file, the signing file, dataset.yml), read safely and within
    limits (no tags, no aliases, at most YAML_LIMIT bytes): a mapping, or a clear error naming the file and
    what it should hold (`expected`)."""
    path = Path(path)
    try:
        if path.is_dir():
            raise ThadsError(f"'{path}' là một thư mục, không phải tệp YAML.")
        if path.stat().st_size > YAML_LIMIT:
            raise ThadsError(f"{path}: tệp quá lớn ({path.stat().st_size // 1024} KB) cho một tệp cấu hình "
                             f"(tối đa {YAML_LIMIT // 1024} KB).")
        loaded = yaml.load(path.read_text("utf-8"), Loader=_Loader) or {}  # noqa: S506 - a safe loader
    except FileNotFoundError:
        raise ThadsError(f"Không tìm thấy tệp '{path}'.") from None
    except (yaml.YAMLError, UnicodeDecodeError, OSError, ValueError, TypeError) as exc:   # 2024-02-30 is a ValueError
        raise ThadsError(f"{path}: không đọc được YAML ({exc}).") from None
    if not isinstance(loaded, dict):
        raise ThadsError(f"{path}: {expected}.")
    return loaded


def _settings(path: Path) -> dict:
    loaded = read_yaml(path, "cần các cặp khóa: giá trị, ví dụ data: data")
    unknown = sorted(set(map(str, loaded)) - set(DEFAULTS))
    if unknown:
        raise ThadsError(f"{path}: khóa không hợp lệ {', '.join(unknown)}; dùng {', '.join(DEFAULTS)}.")
    for key, value in loaded.items():
        if key == "formats":
            values = value if isinstance(value, list) else [value] if isinstance(value, str) else None
            unknown = [str(v) for v in values or [] if str(v).strip().lower() not in formats.names()]
            if not values or unknown:
                raise ThadsError(f"{path}: formats cần là danh sách trong {', '.join(formats.names())}, ví dụ "
                                 f"formats: [html, pdf]" + (f"; không có định dạng {', '.join(unknown)}." if unknown
                                                            else "."))
        elif key == "ranks_in_text":
            known = [f"{kind}_{figure}" for kind, figure in schema.RANKED]
            if not isinstance(value, list) or any(str(v) not in known for v in value):
                raise ThadsError(f"{path}: ranks_in_text cần là danh sách (có thể rỗng) trong {', '.join(known)}, "
                                 "ví dụ ranks_in_text: [viec_ty_le, tien_ty_le].")
        elif key == "slides_reference":
            if not isinstance(value, str) or not value.strip().lower().endswith(".pptx") or any(
                    unicodedata.category(char) in ("Cc", "Cf") for char in value):
                raise ThadsError(f"{path}: slides_reference cần là đường dẫn tới một tệp PowerPoint .pptx (tính từ thư "
                                 "mục dự án), ví dụ slides_reference: templates/mau-trinh-chieu.pptx.")
        elif key == "timeout":
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= TIMEOUT_MAX:
                raise ThadsError(f"{path}: timeout cần là số giây dương, tối đa {TIMEOUT_MAX} (7 ngày), ví dụ "
                                 "timeout: 600.")
        elif not isinstance(value, str) or not value.strip():
            raise ThadsError(f"{path}: {key} cần là đường dẫn thư mục (tính từ thư mục dự án).")
        elif any(unicodedata.category(char) in ("Cc", "Cf") for char in value):
            raise ThadsError(f"{path}: {key} có ký tự điều khiển ({visible(value)}): đường dẫn thư mục chỉ gồm chữ, số "
                             "và dấu; hãy sửa lại.")
    return {**DEFAULTS, **loaded}


def find(start: Path | None = None) -> Project:
    """The project that holds `start` (the current folder), with its settings and defaults."""
    root = find_root(start)
    settings = _settings(root / FILE) if root else dict(DEFAULTS)
    base = root or Path(start or os.environ.get(ENVIRONMENT) or Path.cwd()).resolve()
    chosen = settings["formats"]
    chosen = [chosen] if isinstance(chosen, str) else chosen
    return Project(root=base, data=base / settings["data"], notes=base / settings["notes"],
                   notebooks=base / settings["notebooks"], outputs=base / settings["outputs"],
                   signing=base / settings["signing"], templates=base / settings["templates"],
                   ranks_in_text=tuple(str(v) for v in settings["ranks_in_text"]),
                   formats=tuple(str(f).strip().lower() for f in chosen), timeout=float(settings["timeout"]),
                   slides_reference=base / Path(str(settings["slides_reference"]).strip()).expanduser(),
                   slides_reference_set=str(settings["slides_reference"]).strip() != DEFAULTS["slides_reference"],
                   marked=root is not None)
