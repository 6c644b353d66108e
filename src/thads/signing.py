"""Who signs a report and who receives it ("Nơi nhận"), per province, from the project's signing file.

The file (`signing:` in thads.yml; `parameters/signing.yml` by default) maps a province code, `toan-quoc`
(the national overview) or `mac-dinh` (every report) to any of `nguoi_ky` (the signer's name), `chuc_vu`
(the position, in capitals; two lines such as "KT. CỤC TRƯỞNG\nPHÓ CỤC TRƯỞNG" for a deputy) and
`noi_nhan` (the recipients, one per line). What is not set is left blank for the clerk.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from thads.errors import ThadsError
from thads.project import read_yaml

DEFAULT = "mac-dinh"
KEYS = ("nguoi_ky", "chuc_vu", "noi_nhan")
BLANK_RECIPIENTS = ("………………………………", "………………………………", "Lưu: VT.")


@dataclass(frozen=True)
class Signing:
    chuc_vu: str = ""                                  # the signer's position, blank for the clerk to fill
    nguoi_ky: str = ""                                 # the signer's name, blank likewise
    noi_nhan: tuple[str, ...] = field(default=BLANK_RECIPIENTS)


def _line(item):
    """`- Lưu: VT, VP.` reads in YAML as a mapping {Lưu: 'VT, VP.'}: take it back as the line it was."""
    if isinstance(item, dict) and len(item) == 1:
        (key, value), = item.items()
        return f"{key}: {value}"
    return item


def _read(path: Path) -> dict:
    loaded = read_yaml(path, f"cần các mục theo mã tỉnh, 'toan-quoc' hoặc '{DEFAULT}'")
    settings = {}
    for key, entry in loaded.items():
        where = f"{path}, mục {key}"
        if not isinstance(entry, dict) or set(map(str, entry)) - set(KEYS):
            raise ThadsError(f"{where}: dùng các khóa {', '.join(KEYS)}.")
        recipients = entry.get("noi_nhan", [])
        if isinstance(recipients, list):
            recipients = [_line(r) for r in recipients]
            entry = {**entry, "noi_nhan": recipients}
        if not isinstance(recipients, list) or not all(isinstance(r, str) for r in recipients):
            raise ThadsError(f"{where}: noi_nhan cần là danh sách, mỗi dòng một nơi nhận.")
        for name in ("nguoi_ky", "chuc_vu"):
            if not isinstance(entry.get(name, ""), str):
                raise ThadsError(f"{where}: {name} cần là chữ.")
        settings[str(key).zfill(2) if str(key).isdigit() else str(key)] = entry
    return settings


def for_report(path: Path | None, code: str, position: str) -> Signing:
    """The signing of the report on `code`: its own entry over the default one; `position` unless one is set."""
    settings = _read(path) if path is not None and Path(path).is_file() else {}
    entry = {**settings.get(DEFAULT, {}), **settings.get(code, {})}
    recipients = tuple(r.strip() for r in entry.get("noi_nhan", []) if r.strip()) or BLANK_RECIPIENTS
    return Signing(entry.get("chuc_vu", position).strip(), entry.get("nguoi_ky", "").strip(), recipients)
