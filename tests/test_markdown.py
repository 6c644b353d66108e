"""One Markdown renderer (thads.markdown) for the page, Word and the slides: an analyst's Markdown cell says the same
in each, its headings keep the ids the table of contents and links use, and notes stay text."""

from __future__ import annotations

import io
import re
from pathlib import Path

import nbformat
from docx import Document
from nbconvert.filters.markdown import markdown2html

from thads import deck, markdown, parts, word
from thads.exporters import Export

ROOT = Path(__file__).resolve().parents[1]
CELL = ("## Phần riêng của đơn vị\n\nĐoạn có chữ <b>đậm</b> viết bằng HTML, chữ ~~gạch bỏ~~ và **đậm**.\n\n"
        "| Chỉ tiêu | Việc |\n|---|---:|\n| Xong | 6.113 |\n\n<script>alert(1)</script>\n\nĐoạn cuối, xem https://moj.gov.vn.")


def notebook() -> nbformat.NotebookNode:
    """The least notebook the exporters take (a figures record, as tests/test_sanitize.py), then the cell, tagged to
    be a slide of its own."""
    record = nbformat.v4.new_output("display_data", data={"text/html": "", parts.FIGURES: {"title": "thads"}})
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("r = ProvinceReport(...)", outputs=[record]),
                                           nbformat.v4.new_markdown_cell(CELL, metadata={"tags": ["slide"]})])


def test_a_markdown_cell_says_the_same_on_the_page_in_word_and_on_the_slides():
    page = Export(notebook()).page
    body = page.split("<main", 1)[1]
    assert "<b>đậm</b>" in body and "<s>gạch bỏ</s>" in body and "<td>6.113</td>" in body.replace(' style="text-align:right"', "")
    assert "<script" not in body and "alert(1)" not in body
    assert '<a href="https://moj.gov.vn">https://moj.gov.vn</a>.' in body          # a bare address is a link

    doc = Document(io.BytesIO(word.to_docx(notebook())))
    said = " ".join(p.text for p in doc.paragraphs)
    assert "Đoạn có chữ đậm viết bằng HTML" in said and "<b>" not in said and "Đoạn cuối, xem" in said
    assert "alert(1)" not in said
    bold = [run.text for p in doc.paragraphs for run in p.runs if run.bold]
    assert bold == ["đậm", "đậm"], bold                    # the HTML <b> and the Markdown ** alike
    assert [run.text for p in doc.paragraphs for run in p.runs if run.font.strike] == ["gạch bỏ"]
    assert [[c.text for c in row.cells] for row in doc.tables[0].rows] == [["Chỉ tiêu", "Việc"], ["Xong", "6.113"]]

    slides = deck.build(notebook())
    words = " ".join(text for slide in slides.slides for _, text, _ in slide.blocks)
    assert "Đoạn có chữ đậm viết bằng HTML" in words and "<b>" not in words and "alert(1)" not in words


def test_headings_keep_the_ids_nbconvert_gave_them_which_the_contents_and_links_use():
    def tags(html: str) -> str:
        return re.sub(r">\s+<", "><", html).strip()

    cells = [cell.source for path in sorted((ROOT / "notebooks").glob("*.ipynb"))
             for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "markdown"]
    assert sum("\n## " in f"\n{source}" for source in cells) >= 6
    for source in cells:
        assert tags(markdown.cell_to_html(source, anchors=True)) == tags(markdown2html(source)), source
    page = Export(notebook()).page
    assert '<li class="h2"><a href="#Ph%E1%BA%A7n-ri%C3%AAng-c%E1%BB%A7a-%C4%91%C6%A1n-v%E1%BB%8B">' in page


def test_a_note_is_text_and_keeps_only_web_mail_and_in_page_links():
    html = markdown.to_html("Chữ <b>đậm</b> [tệp](../../du-lieu/bi-mat.csv) [web](https://moj.gov.vn) [mục](#muc)")
    assert "&lt;b&gt;đậm&lt;/b&gt;" in html and "bi-mat" not in html and '<a href="#">tệp</a>' in html
    assert 'href="https://moj.gov.vn"' in html and 'href="#muc"' in html


PNG = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")


def test_an_image_pasted_into_a_cell_is_embedded_on_the_page_as_nbconvert_embeds_it():
    nb = notebook()
    nb.cells.append(nbformat.v4.new_markdown_cell("![Sơ đồ tổ chức](attachment:so-do.png)",
                                                  attachments={"so-do.png": {"image/png": PNG}}))
    page = Export(nb).page
    assert f'<img src="data:image/png;base64,{PNG}" alt="Sơ đồ tổ chức"' in page


def test_what_is_left_out_of_a_cell_is_logged_once_whichever_formats_are_made():
    for formats in (["docx"], ["pptx"], ["html", "docx", "pptx"]):
        made = Export(notebook())
        for name in formats:
            made.build(name)
        said = [line for line in made.hidden if "<script>" in line]
        assert len(said) == 1 and "Phần riêng của đơn vị" in said[0], (formats, made.hidden)


def test_struck_words_are_struck_in_word_and_left_off_the_slides():
    slides = deck.build(notebook())
    words = " ".join(text for slide in slides.slides for _, text, _ in slide.blocks)
    assert "chữ và" in " ".join(words.split()) and "gạch bỏ" not in words


def test_a_kernel_is_told_its_project_in_the_one_call_that_begins_its_report(tmp_path, monkeypatch):
    from thads import kernel, parts, project

    monkeypatch.setenv(project.ENVIRONMENT, "/somewhere/else")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(parts, "CHART_PNG", parts.CHART_PNG)
    kernel.begin(str(ROOT), word=False, project=str(tmp_path))
    assert Path.cwd() == ROOT and parts.CHART_PNG is False
    assert project.find().root == tmp_path.resolve() and project.find_root() is None    # no thads.yml there
