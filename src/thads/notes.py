"""Analysts' notes: Markdown per province and period, split into the report's qualitative sections.

A note lives in `parameters/notes/<period>/<province code>.md`; its level-2 headings name sections:
"## Ý kiến chỉ đạo", "## Tồn tại, hạn chế và nguyên nhân", "## Nhiệm vụ, giải pháp", "## Công tác khác".
Notes are shown as text: any HTML in them is escaped, never rendered.
"""

from __future__ import annotations

import functools
import re
from datetime import date
from pathlib import Path

from thads.errors import ThadsError
from thads.periods import Period
from thads.text import slugify

SECTIONS = {
    "chi_dao": "Ý kiến chỉ đạo",
    "han_che": "Tồn tại, hạn chế và nguyên nhân",
    "giai_phap": "Nhiệm vụ, giải pháp",
    "cong_tac_khac": "Công tác khác",
}
_BY_SLUG = {slugify(title): key for key, title in SECTIONS.items()}
_UNSAFE_LINK = re.compile(r'href="(?!https?:|mailto:|#)[^"]*"')
_SECTION_HEADING = re.compile(r"#{1,2}\s+(.*\S)\s*$")
NOTE_LIMIT = 100 * 1024        # bytes: a note is a few pages of text


AS_OF_FOLDER = "theo-{:%Y-%m-%d}"     # a report on the provinces of a later day: outputs and notes in a subfolder


def note_path(notes_dir: Path, period: Period, province_code: str, as_of: date | None = None) -> Path:
    """`<period>/<code>.md`; for a report on the provinces of a later day, `<period>/theo-<day>/<code>.md`: the
    note of the province that held the code at the period's end is never put in the report of another."""
    folder = Path(notes_dir) / period.code
    return (folder if as_of is None else folder / AS_OF_FOLDER.format(as_of)) / f"{province_code}.md"


def load(notes_dir: Path | str, period: Period, province_code: str, as_of: date | None = None) -> dict[str, str]:
    """Sections of the note for this province and period, as Markdown text; {} when there is none."""
    path = note_path(Path(notes_dir), period, province_code, as_of)
    if not path.is_file():
        return {}
    if path.stat().st_size > NOTE_LIMIT:
        raise ThadsError(f"{path}: ghi chú quá dài ({path.stat().st_size // 1024} KB; tối đa {NOTE_LIMIT // 1024} KB): "
                         "phần nhận xét của một báo cáo chỉ vài trang; tài liệu dài hãy đính kèm riêng.")
    try:
        text = path.read_text("utf-8-sig")
    except UnicodeDecodeError:
        raise ThadsError(f"{path}: ghi chú phải là tệp văn bản UTF-8.") from None
    sections: dict[str, list[str]] = {}
    current = None
    for number, line in enumerate(text.splitlines(), start=1):
        heading = _SECTION_HEADING.match(line)
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


@functools.cache
def _markdown():
    from markdown_it import MarkdownIt

    # CommonMark, in time linear in the text (a few KB of backticks or brackets take milliseconds); raw HTML
    # in a note is shown as text, never as markup.
    return MarkdownIt("commonmark", {"html": False}).enable("table")


def to_html(text: str) -> str:
    """Markdown to HTML: any HTML in the text shown as text, and only web or mail links kept."""
    return _UNSAFE_LINK.sub('href="#"', _markdown().render(text))


def check(notes_dir: Path | str) -> list[str]:
    """Every problem of every note under `notes_dir` (<period>/<code>.md, <period>/theo-<day>/<code>.md), as `load`
    would meet them."""
    problems = []
    folder = Path(notes_dir)
    found = sorted([*folder.glob("*/*.md"), *folder.glob("*/theo-*/*.md")]) if folder.is_dir() else []
    for path in found:
        as_of = None
        if path.parent.name.startswith("theo-"):
            try:
                as_of = date.fromisoformat(path.parent.name.removeprefix("theo-"))
            except ValueError:
                problems.append(f"{path.parent}: tên thư mục phải là theo-NĂM-THÁNG-NGÀY, ví dụ theo-2025-07-01")
                continue
        try:
            period = Period.parse((path.parent.parent if as_of else path.parent).name)
        except ThadsError:
            problems.append(f"{path.parent}: tên thư mục phải là một kỳ NĂM-Mkk, ví dụ 2024-M11")
            continue
        try:
            load(folder, period, path.stem, as_of)
        except ThadsError as exc:
            problems.append(str(exc))
    return problems
