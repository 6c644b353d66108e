"""Analysts' notes: the sections a note may have, headings at level 1 or 2, and what a wrong heading gets."""

import pytest

from thads import notes
from thads.errors import ThadsError
from thads.periods import Period

P11 = Period.parse("2024-M11")


def note(tmp_path, text: str) -> dict:
    (tmp_path / "2024-M11").mkdir(exist_ok=True)
    (tmp_path / "2024-M11" / "93.md").write_text(text, "utf-8")
    return notes.load(tmp_path, P11, "93")


def test_a_section_may_start_with_a_level_1_or_2_heading_and_keeps_its_subheadings(tmp_path):
    found = note(tmp_path, "# Ý kiến chỉ đạo\n\nMột.\n\n### Chi tiết\n\nHai.\n\n## Nhiệm vụ, giải pháp\n\nBa.\n")
    assert found["chi_dao"] == "Một.\n\n### Chi tiết\n\nHai."
    assert found["giai_phap"] == "Ba."


@pytest.mark.parametrize("heading", ["# Kết quả nổi bật", "## Việc khác"])
def test_an_unknown_heading_names_the_file_the_line_and_the_four_sections(tmp_path, heading):
    with pytest.raises(ThadsError) as caught:
        note(tmp_path, f"## Ý kiến chỉ đạo\n\nMột.\n\n{heading}\n\nHai.\n")
    message = str(caught.value)
    assert "93.md, dòng 5: mục" in message and heading.lstrip("# ") in message
    assert message.endswith("\n  ## Ý kiến chỉ đạo\n  ## Tồn tại, hạn chế và nguyên nhân\n  ## Nhiệm vụ, giải pháp\n"
                            "  ## Công tác khác")


def test_validate_checks_the_notes_too(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    (tmp_path / "2024-M11").mkdir()
    (tmp_path / "2024-M11" / "93.md").write_text("## Ý kiến chỉ đạo\n\nMột.\n\n## Việc khác\n", "utf-8")
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-m", "thads", "validate", "--notes", str(tmp_path)], cwd=root,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "Dữ liệu hợp lệ" in done.stdout
    assert f"Ghi chú của chuyên viên ({tmp_path}) có 1 lỗi:" in done.stderr and "dòng 5: mục 'Việc khác'" in done.stderr
