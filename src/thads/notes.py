"""Analysts' notes: Markdown per province and period, split into the report's qualitative sections.

A note lives in `parameters/notes/<period>/<province code>.md` (an office's report: `<period>/don-vi/<office code>.md`,
docs/bao-cao-don-vi.md); its level-2 headings name sections:
"## Ý kiến chỉ đạo", "## Tồn tại, hạn chế và nguyên nhân", "## Nhiệm vụ, giải pháp", "## Công tác khác".
Notes are shown as text (`markdown.to_html`): any HTML in them is escaped, never rendered.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from thads import markdown
from thads.errors import ThadsError
from thads.periods import Period, parse_day
from thads.text import slugify

SECTIONS = {
    "chi_dao": "Ý kiến chỉ đạo",
    "han_che": "Tồn tại, hạn chế và nguyên nhân",
    "giai_phap": "Nhiệm vụ, giải pháp",
    "cong_tac_khac": "Công tác khác",
}
_BY_SLUG = {slugify(title): key for key, title in SECTIONS.items()}
SECTION_HEADING = re.compile(r"#{1,2}\s+(.*\S)\s*$")
NOTE_LIMIT = 100 * 1024        # bytes: a note is a few pages of text


AS_OF_FOLDER = "theo-{:%Y-%m-%d}"     # a report on the provinces of a later day: outputs and notes in a subfolder
OFFICE_FOLDER = "don-vi"              # an office's report: its note in <period>/don-vi/<office code>.md


def note_path(notes_dir: Path, period: Period, province_code: str, as_of: date | None = None) -> Path:
    """`<period>/<code>.md`; for a report on the provinces of a later day, `<period>/theo-<day>/<code>.md`: the
    note of the province that held the code at the period's end is never put in the report of another."""
    folder = Path(notes_dir) / period.code
    return (folder if as_of is None else folder / AS_OF_FOLDER.format(as_of)) / f"{province_code}.md"


def office_note_path(notes_dir: Path, period: Period, office_code: str) -> Path:
    """`<period>/don-vi/<office code>.md`: the note of an enforcement office's report."""
    return Path(notes_dir) / period.code / OFFICE_FOLDER / f"{office_code}.md"


def load(notes_dir: Path | str, period: Period, province_code: str, as_of: date | None = None) -> dict[str, str]:
    """Sections of the note for this province and period, as Markdown text; {} when there is none."""
    return read(note_path(Path(notes_dir), period, province_code, as_of))


def load_office(notes_dir: Path | str, period: Period, office_code: str) -> dict[str, str]:
    """Sections of the note for this office and period (`office_note_path`); {} when there is none."""
    return read(office_note_path(Path(notes_dir), period, office_code))


def read(path: Path) -> dict[str, str]:
    """Sections of the note in `path`, as Markdown text; {} when there is no such file."""
    if not path.is_file():
        return {}
    if path.stat().st_size > NOTE_LIMIT:
        raise ThadsError(f"{path}: ghi chú quá dài ({path.stat().st_size // 1024} KB; tối đa {NOTE_LIMIT // 1024} KB): "
                         "phần nhận xét của một báo cáo chỉ vài trang; tài liệu dài hãy đính kèm riêng.")
    try:
        text = path.read_text("utf-8-sig")
    except UnicodeDecodeError:
        raise ThadsError(f"{path}: ghi chú phải là tệp văn bản UTF-8.") from None
    pictures = markdown.images(text)
    if pictures:
        raise ThadsError(f"{path}, dòng {', '.join(map(str, pictures))}: ghi chú không chứa hình ảnh (![...](...)): một "
                         "hình trong ghi chú không hiện được như nhau trong HTML, PDF và Word. Hãy bỏ hình đó; biểu đồ "
                         "hãy vẽ trong notebook (một ô có biểu đồ), ảnh chụp hay tài liệu hãy gửi kèm riêng.")
    sections: dict[str, list[str]] = {}
    current = None
    for number, line in enumerate(text.splitlines(), start=1):
        heading = SECTION_HEADING.match(line)
        if heading:     # "# " or "## ": a section of the report; "### " and deeper stay inside a section
            current = _BY_SLUG.get(slugify(heading[1]))
            if current is None:
                names = "\n".join(f"  ## {title}" for title in SECTIONS.values())
                raise ThadsError(f"{path}, dòng {number}: mục '{heading[1].strip()}' không có trong báo cáo. "
                                 f"Mỗi mục của ghi chú bắt đầu bằng một trong các tiêu đề:\n{names}")
            sections.setdefault(current, [])
        elif current is not None:
            sections[current].append(line)
    return {key: "\n".join(lines).strip() for key, lines in sections.items() if "\n".join(lines).strip()}


def _notes(folder: Path) -> list[Path]:
    """The notes of a notes folder where reports look for them: <period>/<code>.md, <period>/theo-<day>/<code>.md and
    <period>/don-vi/<office code>.md."""
    return sorted([*folder.glob("*/*.md"), *folder.glob("*/theo-*/*.md"), *folder.glob(f"*/{OFFICE_FOLDER}/*.md")]) \
        if folder.is_dir() else []


def check(notes_dir: Path | str, units=None) -> list[str]:
    """Every problem of every note under `notes_dir` (<period>/<code>.md, <period>/theo-<day>/<code>.md,
    <period>/don-vi/<office code>.md), as `load` would meet them; and every note no report reads, never ignored unseen:
    a Markdown file deeper in a period's folder, and, given the data's `units`, a note whose name is no province code
    on the period's end (or its theo- day), or no office code on the period's end for an office's note."""
    problems = []
    folder = Path(notes_dir)
    found = _notes(folder)
    where = ("ghi chú đặt ở <kỳ>/<mã tỉnh>.md, ví dụ 2024-M11/93.md, <kỳ>/theo-<ngày>/<mã tỉnh>.md cho báo cáo "
             "theo --as-of, hoặc <kỳ>/don-vi/<mã đơn vị>.md cho báo cáo của một đơn vị, ví dụ 2024-M11/don-vi/931.md")
    problems += [f"{path}: không báo cáo nào đọc tệp này: {where}" for path in sorted(folder.rglob("*.md"))
                 if folder.is_dir() and path not in found and len(path.relative_to(folder).parts) > 2
                 and not any(part.startswith((".", "~$")) for part in path.relative_to(folder).parts)]
    for path in found:
        if path.parent.name == OFFICE_FOLDER:
            problems += _check_office_note(path, units)
            continue
        as_of = None
        if path.parent.name.startswith("theo-"):
            try:
                as_of = parse_day(path.parent.name.removeprefix("theo-"))
            except ValueError:
                problems.append(f"{path.parent}: tên thư mục phải là theo-NĂM-THÁNG-NGÀY, ví dụ theo-2025-07-01")
                continue
        try:
            period = Period.parse((path.parent.parent if as_of else path.parent).name)
        except ThadsError:
            problems.append(f"{path.parent}: tên thư mục phải là một kỳ NĂM-Mkk, ví dụ 2024-M11")
            continue
        if units is not None and path.stem not in {p.code for p in units.provinces_on(as_of or period.end)}:
            day = f"vào ngày {as_of:%d/%m/%Y}" if as_of else f"tại cuối kỳ {period.label} ({period.end:%d/%m/%Y})"
            problems.append(f"{path}: không báo cáo nào đọc ghi chú này: không có tỉnh, thành phố mã '{path.stem}' "
                            f"{day}; tên tệp là mã tỉnh, ví dụ 93.md (thads provinces --period {period.code} liệt kê "
                            "các mã)")
            continue
        try:
            load(folder, period, path.stem, as_of)
        except ThadsError as exc:
            problems.append(str(exc))
    return problems


def _check_office_note(path: Path, units=None) -> list[str]:
    """The problems of an office's note (<period>/don-vi/<office code>.md): its period folder, its name (an office of
    the period's end, given the data's `units`) and its content, as `read` meets it."""
    try:
        period = Period.parse(path.parent.parent.name)
    except ThadsError:
        return [f"{path.parent.parent}: tên thư mục phải là một kỳ NĂM-Mkk, ví dụ 2024-M11"]
    if units is not None and units.office(path.stem, period.end) is None:
        return [f"{path}: không báo cáo nào đọc ghi chú này: không có đơn vị mã '{path.stem}' tại cuối kỳ {period.label} "
                f"({period.end:%d/%m/%Y}); tên tệp là mã đơn vị, ví dụ 931.md hoặc 92-KV01.md (units/offices.csv)"]
    try:
        read(path)
    except ThadsError as exc:
        return [str(exc)]
    return []


def waiting(notes_dir: Path | str, periods) -> list[str]:
    """The periods that have notes but no figures in the data (`periods`: (year, month) pairs): no report reads those
    notes yet. Said by `thads validate`, not an error: notes may be written before the figures come."""
    folders = sorted({(path.parent.parent if path.parent.name.startswith("theo-") or path.parent.name == OFFICE_FOLDER
                       else path.parent) for path in _notes(Path(notes_dir))})
    said = []
    for folder in folders:
        try:
            period = Period.parse(folder.name)
        except ThadsError:
            continue            # said by `check`
        if (period.year, period.month) not in set(periods):
            said.append(f"{folder}: dữ liệu chưa có số liệu kỳ {period.code} ({period.label}): chưa báo cáo nào dùng "
                        "các ghi chú trong thư mục này")
    return said
