"""Who signs a report and who receives it ("Nơi nhận"), per province, from the project's signing file.

The file (`signing:` in thads.yml; `parameters/signing.yml` by default) maps a province code, `toan-quoc`
(the national overview), `mac-dinh` (every province and national report), `don-vi/<office code>` (an office's report)
or `don-vi/mac-dinh` (every office's report) to any of `nguoi_ky` (the signer's name), `chuc_vu`
(the position, in capitals; two lines such as "KT. CỤC TRƯỞNG\nPHÓ CỤC TRƯỞNG" for a deputy) and
`noi_nhan` (the recipients, one per line). What is not set is left blank for the clerk.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from thads.errors import ThadsError
from thads.project import read_yaml
from thads.text import control_message

DEFAULT = "mac-dinh"
TEXT_LIMIT, RECIPIENTS_LIMIT = 300, 50     # characters of a name, a position or a recipient; recipients
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
    loaded = read_yaml(path, f"cần các mục theo mã tỉnh, 'toan-quoc', '{DEFAULT}' hoặc '{OFFICE_PREFIX}<mã đơn vị>'")
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
            if len(entry.get(name, "")) > TEXT_LIMIT:
                raise ThadsError(f"{where}: {name} dài {len(entry[name])} ký tự; tối đa {TEXT_LIMIT} (một tên, một chức "
                                 "vụ).")
        if len(recipients) > RECIPIENTS_LIMIT or any(len(r) > TEXT_LIMIT for r in recipients):
            raise ThadsError(f"{where}: noi_nhan tối đa {RECIPIENTS_LIMIT} dòng, mỗi dòng tối đa {TEXT_LIMIT} ký tự.")
        settings[str(key).zfill(2) if str(key).isdigit() else str(key)] = entry
    return settings


def for_report(path: Path | None, code: str, position: str) -> Signing:
    """The signing of the report on `code`: its own entry over the default one; `position` unless one is set."""
    settings = _read(path) if path is not None and Path(path).is_file() else {}
    entry = {**settings.get(DEFAULT, {}), **settings.get(code, {})}
    recipients = tuple(r.strip() for r in entry.get("noi_nhan", []) if r.strip()) or BLANK_RECIPIENTS
    return Signing(entry.get("chuc_vu", position).strip(), entry.get("nguoi_ky", "").strip(), recipients)


OFFICE_PREFIX = "don-vi/"          # an office's entry: don-vi/<office code>; every office's: don-vi/mac-dinh


def office_key(code: str) -> str:
    """The signing file's entry of an office's report: 'don-vi/931', 'don-vi/92-KV01' ('don-vi/93': the report of
    the province's own office, apart from the province's report '93')."""
    return f"{OFFICE_PREFIX}{code}"


def for_office(path: Path | None, code: str, position: str) -> Signing:
    """The signing of an office's report: its entry `don-vi/<code>` over `don-vi/mac-dinh` (every office's report);
    `position` unless one is set. Never the province's entry nor `mac-dinh`: an office's report is signed by the
    office's head, never by the province's."""
    settings = _read(path) if path is not None and Path(path).is_file() else {}
    entry = {**settings.get(office_key(DEFAULT), {}), **settings.get(office_key(code), {})}
    recipients = tuple(r.strip() for r in entry.get("noi_nhan", []) if r.strip()) or BLANK_RECIPIENTS
    return Signing(entry.get("chuc_vu", position).strip(), entry.get("nguoi_ky", "").strip(), recipients)


def unknown_offices(path: Path | None, units) -> list[str]:
    """The office entries of the signing file (`don-vi/<code>`) naming no office of the units tables: no report
    would read them (a code typed wrong), said by `thads validate`."""
    if path is None or not Path(path).is_file():
        return []
    try:
        settings = _read(Path(path))
    except ThadsError:
        return []                      # said by `check`
    codes = {o.code for o in units.offices}
    return [f"{path}, mục {key}: không có đơn vị mã '{key.removeprefix(OFFICE_PREFIX)}' trong danh mục đơn vị "
            f"(units/offices.csv): không báo cáo nào đọc mục này; khóa của một đơn vị là {OFFICE_PREFIX}<mã đơn vị>, "
            f"ví dụ {OFFICE_PREFIX}931 hoặc {OFFICE_PREFIX}92-KV01"
            for key in settings if key.startswith(OFFICE_PREFIX)
            and key.removeprefix(OFFICE_PREFIX) not in codes | {DEFAULT}]


def check(path: Path | None) -> list[str]:
    """The problems of the signing file as `thads validate` lists them: what a report would refuse, and each value
    holding a control character (escaped in YAML, such as "\\x01", "\\e", "\\v", or written as it is), with
    its line and field."""
    import yaml

    from thads.project import _Loader

    if path is None or not Path(path).is_file():
        return []
    path = Path(path)
    problems = []
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [f"{path}: không đọc được ({exc}); cần tệp YAML UTF-8."]
    for number, line in enumerate(text.split("\n"), start=1):     # as written: YAML refuses them unescaped
        message = control_message(line)
        if message:
            key = line.split(":", 1)[0].strip(" -\t") if ":" in line else ""
            problems.append(f"{path}, dòng {number}{f', {key}' if key else ''}: {message}.")
    if problems:
        return problems
    try:
        _read(path)
    except ThadsError as exc:
        return [str(exc)]

    def scalars(node):
        if isinstance(node, yaml.ScalarNode):
            yield node
        elif isinstance(node, yaml.SequenceNode):
            for child in node.value:
                yield from scalars(child)
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                yield from scalars(key)
                yield from scalars(value)

    root = yaml.compose(text, Loader=_Loader)
    for entry_key, entry in root.value if isinstance(root, yaml.MappingNode) else []:
        for name, value in entry.value if isinstance(entry, yaml.MappingNode) else []:
            for scalar in scalars(value):
                message = control_message(str(scalar.value).strip())
                if message:
                    problems.append(f"{path}, dòng {scalar.start_mark.line + 1}, mục {entry_key.value}, "
                                    f"{name.value}: {message}.")
    return problems
