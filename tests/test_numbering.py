"""Tables, charts and annexes are numbered by the export ("Bảng n", "Biểu đồ n", "Phụ lục n" in document order,
the package's and the analysts' together), the same in HTML, PDF and Word, and cross-references resolve by label:
deleting a cell never leaves a wrong number."""

import base64
import io
import shutil
import unicodedata
from pathlib import Path

import nbformat
import pytest
from bs4 import BeautifulSoup
from docx import Document
from PIL import Image
from pypdf import PdfReader

from thads import numbering, parts, word
from thads.exporters import ReportHTMLExporter

from tests.support import thads

ROOT = Path(__file__).resolve().parents[1]
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'
MISSING = numbering.MISSING_REFERENCE


def png(color: str = "white") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (300, 150), color).save(buffer, "PNG")
    return buffer.getvalue()


def shown(part: parts.Part, tags=()) -> nbformat.NotebookNode:
    """A code cell that displayed `part`, as the kernel records it."""
    data, metadata = part._repr_mimebundle_()
    return nbformat.v4.new_code_cell("r.part()", metadata={"tags": list(tags)}, outputs=[
        nbformat.v4.new_output("display_data", data=data, metadata=metadata)])


def table(caption, label=None, numbering_word="Bảng", number=None, tags=()):
    return shown(parts.table(["Đơn vị", "Việc"], [["A", "1"]], [False, True], caption=caption, numbering=numbering_word,
                             label=label, number=number), tags)


def chart(caption, label=None, color="white", tags=()):
    return shown(parts.figure(SVG, png(color), caption, caption, 6.0, label=label), tags)


def analyst_figure(title=None, color="yellow"):
    """A pyplot figure of an analyst: a PNG, its title as caption (parts.figure_png), no record."""
    metadata = {"image/png": {"alt": title, "caption": title}} if title else {}
    return nbformat.v4.new_code_cell("plt.show()", outputs=[nbformat.v4.new_output(
        "display_data", data={"image/png": base64.b64encode(png(color)).decode()}, metadata=metadata)])


def text(markdown, footnote=None):
    blocks = [(markdown, "")] + ([(footnote, "footnote")] if footnote else [])
    return shown(parts.text(blocks, {"shown": [], "files": {}, "search": []}))


RECORD = nbformat.v4.new_code_cell("r = ProvinceReport(...)", outputs=[nbformat.v4.new_output(
    "display_data", data={"text/html": "", parts.FIGURES: {"title": "Báo cáo thử"}})])


def report(*cells) -> nbformat.NotebookNode:
    return nbformat.v4.new_notebook(cells=[RECORD, *cells])


def html_of(notebook):
    page, resources = ReportHTMLExporter().from_notebook_node(notebook)
    return BeautifulSoup(page, "html.parser"), resources.get("thads_hidden", [])


def docx_of(notebook) -> Document:
    return Document(io.BytesIO(word.to_docx(notebook)))


def words(soup) -> str:
    return " ".join(soup.get_text().split())


def doc_text(doc) -> str:
    return " ".join(" ".join(p.text for p in doc.paragraphs).split())


def sample(rank_table: bool = True) -> nbformat.NotebookNode:
    """A small report: a reference before what it names, two tables (the second the rank table), the package's
    chart and an analyst's titled figure, an untitled one, a DataFrame, an annex, a Markdown cell referring too."""
    cells = [
        text("Kết quả từng đơn vị ở [?](#don-vi); vị trí của tỉnh ở [?](#xep-thu); xem [Biểu đồ ?](#bieu-do-ty-le).",
             footnote="Chú thích: [?](#phu-luc-don-vi)."),
        table("Kết quả thi hành án dân sự", "ket-qua", number=1),
        table("Vị trí của tỉnh", "xep-thu", number=2),
        chart("Tỷ lệ so với chỉ tiêu", "bieu-do-ty-le"),
        analyst_figure("Biểu đồ của chuyên viên"),
        analyst_figure(None, color="green"),
        shown(parts.frame(__import__("pandas").DataFrame({"a": [1]}))),
        table("Kết quả theo đơn vị", "don-vi", number=3),
        nbformat.v4.new_markdown_cell("Như [Bảng 3](#don-vi) cho thấy; [kết quả theo đơn vị](#don-vi); "
                                      "[trang](https://thads.moj.gov.vn)."),
        table("Số liệu theo đơn vị", "phu-luc-don-vi", numbering_word="Phụ lục", number=1),
    ]
    if not rank_table:
        del cells[2]
    return report(*cells)


# The numbering -----------------------------------------------------------------------------------------------
def test_captioned_parts_are_numbered_in_document_order_one_counter_per_word():
    found = numbering.number(sample())
    assert [(p.shown, p.caption, p.label) for p in found.parts] == [
        ("Bảng 1", "Kết quả thi hành án dân sự", "ket-qua"), ("Bảng 2", "Vị trí của tỉnh", "xep-thu"),
        ("Biểu đồ 1", "Tỷ lệ so với chỉ tiêu", "bieu-do-ty-le"), ("Biểu đồ 2", "Biểu đồ của chuyên viên", None),
        ("Bảng 3", "Kết quả theo đơn vị", "don-vi"), ("Phụ lục 1", "Số liệu theo đơn vị", "phu-luc-don-vi")]
    assert found.labels == {"ket-qua": "Bảng 1", "xep-thu": "Bảng 2", "bieu-do-ty-le": "Biểu đồ 1",
                            "don-vi": "Bảng 3", "phu-luc-don-vi": "Phụ lục 1"}
    assert [(p.cell, p.output) for p in found.parts] == [(2, 0), (3, 0), (4, 0), (5, 0), (8, 0), (10, 0)]
    assert found.at(8, 0).title == "Bảng 3. Kết quả theo đơn vị" and found.at(6, 0) is None
    assert numbering.number(sample(rank_table=False)).labels["don-vi"] == "Bảng 2"


def test_a_table_without_a_caption_or_a_numbering_word_is_not_numbered():
    plain = shown(parts.table(["a"], [["1"]], [False], caption="Bảng 1. Đã có số"))     # older records: as written
    bare = shown(parts.table(["a"], [["1"]], [False], numbering="Bảng", label="x"))     # no caption
    old_figure = shown(parts.Part({"kind": "figure", "caption": "Biểu đồ cũ", "alt": ""}, png=png(), alt=""))
    found = numbering.number(report(plain, bare, old_figure))
    assert [p.shown for p in found.parts] == ["Biểu đồ 1"] and found.labels == {}


def test_only_links_worded_as_numbers_are_references():
    found = numbering.number(sample())
    assert found.reference("don-vi", "?") == "Bảng 3"
    assert found.reference("don-vi", "Bảng 2") == "Bảng 3"
    assert found.reference("don-vi", "bảng ?") == "Bảng 3"
    assert found.reference("don-vi", "kết quả theo đơn vị") is None
    assert found.reference("muc-2", "¶") is None and not found.messages
    assert found.reference("da-xoa", "Bảng 4") == MISSING
    assert found.messages and "«da-xoa»" in found.messages[0]
    assert found.reference("da-xoa", "Bảng 4") == MISSING and len(found.messages) == 1      # said once


def test_html_rewriting_sets_spans_links_and_labels_written_in_any_script():
    numbered = numbering.number(report(table("Bảng của tôi", "bảng-của-tôi", number=7)))
    rendered = parts.to_html("Xem [Bảng ?](#bảng-của-tôi) và **[?](#bảng-của-tôi)**.")
    assert "%E1%BA%A3" in rendered                                 # Markdown writes the link percent-encoded
    assert numbered.html(rendered).count(">Bảng 1</a>") == 2
    span = '<span class="thads-number" data-numbering="Bảng" data-label="bảng-của-tôi">Bảng 7</span>'
    assert numbered.html(span) == span.replace("Bảng 7", "Bảng 1")
    assert numbered.html('<a href="#bảng-khác">?</a>') == MISSING


def test_a_label_given_twice_is_said_and_refers_to_the_first():
    found = numbering.number(report(table("A", "x"), chart("B", "x")))
    assert found.labels == {"x": "Bảng 1"} and "nhãn «x» đặt cho hai phần (Bảng 1 và Biểu đồ 1)" in found.messages[0]


# HTML and Word agree -------------------------------------------------------------------------------------------
def test_the_page_numbers_tables_charts_and_references():
    page, hidden = html_of(sample())
    captions = [c.get_text() for c in page.select("table.data caption")]
    assert captions[:3] == ["Bảng 1. Kết quả thi hành án dân sự", "Bảng 2. Vị trí của tỉnh",
                            "Bảng 3. Kết quả theo đơn vị"] and captions[-1] == "Phụ lục 1. Số liệu theo đơn vị"
    assert [f.get_text() for f in page.select("figure.chart figcaption")] == [
        "Biểu đồ 1. Tỷ lệ so với chỉ tiêu", "Biểu đồ 2. Biểu đồ của chuyên viên"]
    assert len(page.select("figure.chart")) == 3                   # the untitled figure: shown, not numbered
    assert page.select_one("figure#bieu-do-ty-le img") is not None and page.select_one("div#don-vi table")
    text = words(page)
    assert ("Kết quả từng đơn vị ở Bảng 3; vị trí của tỉnh ở Bảng 2; xem Biểu đồ 1. Chú thích: Phụ lục 1." in text)
    assert "Như Bảng 3 cho thấy; kết quả theo đơn vị; trang." in text            # the Markdown cell
    assert [a["href"] for a in page.select(".thads-text a")] == ["#don-vi", "#xep-thu", "#bieu-do-ty-le",
                                                                  "#phu-luc-don-vi"]
    assert not [m for m in hidden if "tham chiếu" in m]


def test_deleting_the_rank_table_renumbers_every_table_and_reference_in_html_and_word():
    hidden_cell = sample()
    assert hidden_cell.cells[3].outputs[0].data[parts.PART]["label"] == "xep-thu"
    hidden_cell.cells[3].metadata["tags"] = ["remove_cell"]     # tagged: gone from the report and from the numbers
    for notebook in (sample(rank_table=False), hidden_cell):
        page, hidden = html_of(notebook)
        text = words(page)
        assert [c.get_text() for c in page.select("table.data caption")] == [
            "Bảng 1. Kết quả thi hành án dân sự", "Bảng 2. Kết quả theo đơn vị", "Phụ lục 1. Số liệu theo đơn vị"]
        assert f"Kết quả từng đơn vị ở Bảng 2; vị trí của tỉnh ở {MISSING}; xem Biểu đồ 1." in text
        assert "Như Bảng 2 cho thấy" in text and "Bảng 3" not in text
        assert [m for m in hidden if "tham chiếu «?» tới «xep-thu»" in m]
        doc = docx_of(notebook)
        body = doc_text(doc)
        assert f"Kết quả từng đơn vị ở Bảng 2; vị trí của tỉnh ở {MISSING}; xem Biểu đồ 1." in body
        assert "Chú thích: Phụ lục 1." in body and "Như Bảng 2 cho thấy; kết quả theo đơn vị; trang." in body
        assert [p.text for p in doc.paragraphs if p.text.startswith(("Bảng", "Phụ lục"))] == [
            "Bảng 1. Kết quả thi hành án dân sự", "Bảng 2. Kết quả theo đơn vị", "Phụ lục 1. Số liệu theo đơn vị"]
        assert "Bảng 3" not in body


def test_word_prints_the_same_numbers_as_the_page():
    notebook = sample()
    page, _ = html_of(notebook)
    doc = docx_of(notebook)
    page_captions = [" ".join(c.get_text().split()) for c in page.select("table.data caption, figcaption")]
    word_captions = [p.text for p in doc.paragraphs if p.text.startswith(("Bảng", "Biểu đồ", "Phụ lục"))]
    assert sorted(page_captions) == sorted(word_captions) and len(word_captions) == 6
    assert [p.text for p in doc.paragraphs if p.style.name == "Caption"] == [
        "Biểu đồ 1. Tỷ lệ so với chỉ tiêu", "Biểu đồ 2. Biểu đồ của chuyên viên"]     # the untitled figure: none
    assert len(doc.inline_shapes) == 3


# End to end: thads run on a notebook without its rank table ------------------------------------------------------
def pdf_text(path: Path) -> str:
    text = " ".join(page.extract_text() or "" for page in PdfReader(path).pages)
    return unicodedata.normalize("NFC", " ".join(text.split()))


@pytest.mark.slow
def test_deleting_the_rank_table_cell_renumbers_the_report_in_every_format(tmp_path):
    folder = tmp_path / "notebooks"
    shutil.copytree(ROOT / "notebooks", folder)
    notebook = nbformat.read(folder / "province_report.ipynb", as_version=4)
    header = next(i for i, c in enumerate(notebook.cells) if c.source.rstrip().endswith("r.header()"))
    notebook.cells[header + 1:header + 1] = [
        nbformat.v4.new_code_cell('%%report_text\nXem {{ ref("don-vi") }}.'),
        nbformat.v4.new_code_cell('%%report_text\nVị trí của tỉnh: {{ ref("xep-thu") }}.')]
    nbformat.write(notebook, folder / "with-rank.ipynb")
    notebook.cells = [c for c in notebook.cells if c.source.strip() != "r.rank_table()"]
    nbformat.write(notebook, folder / "without-rank.ipynb")
    (tmp_path / "batch.yml").write_text(
        "reports:\n"
        "  - {periods: [2024-M11], provinces: [93], date: 2024-09-26, notebook: without-rank.ipynb}\n"
        "  - {periods: [2024-M11], provinces: [94], date: 2024-09-26, notebook: with-rank.ipynb}\n", "utf-8")
    out = tmp_path / "out"
    done = thads("run", str(tmp_path / "batch.yml"), "--notebooks", str(folder), "--format", "html,pdf,docx",
                 "--jobs", "2", "--out", str(out))
    assert done.returncode == 0, done.stderr

    def texts(code: str) -> dict[str, str]:
        folder = out / "2024-M11" / code
        page = BeautifulSoup((folder / "report.html").read_text("utf-8"), "html.parser")
        return {"html": words(page), "pdf": pdf_text(folder / "report.pdf"),
                "docx": doc_text(Document(folder / "report.docx"))}

    for kind, text in texts("93").items():
        assert "Bảng 2. Kết quả theo đơn vị 11 tháng năm 2024" in text, kind
        assert "Xem Bảng 2." in text and "kết quả từng đơn vị ở Bảng 2," in text, kind
        assert f"Vị trí của tỉnh: {MISSING}." in text, kind
        assert "Bảng 3" not in text and "Vị trí của tỉnh Hậu Giang trong" not in text, kind
        assert "Biểu đồ 6. Tỷ lệ thi hành xong về tiền theo đơn vị" in text and "Phụ lục 2." in text, kind
    log = (out / "2024-M11" / "93" / "report.log").read_text("utf-8")
    assert "tham chiếu «?» tới «xep-thu»" in log
    for kind, text in texts("94").items():         # the same notebook with the rank table: one more table
        assert "Bảng 3. Kết quả theo đơn vị 11 tháng năm 2024" in text, kind
        assert "Xem Bảng 3." in text and "Vị trí của tỉnh: Bảng 2." in text, kind
    assert "xep-thu" not in (out / "2024-M11" / "94" / "report.log").read_text("utf-8")


# Section references: "mục 2 phần II" from the headings above a labelled part ------------------------------------
def heading(markdown):
    return nbformat.v4.new_markdown_cell(markdown)


def labelled_text(markdown, label):
    return shown(parts.text([(markdown, "")], {"shown": [], "files": {}, "search": []}, label=label))


def test_a_section_is_named_by_the_numbers_of_the_headings_above_it():
    assert numbering.section_words([(2, "II. Kết quả"), (3, "2. So sánh với cùng kỳ năm trước")]) == "mục 2 phần II"
    assert numbering.section_words([(2, "III. Các mặt công tác khác")]) == "mục III"
    assert numbering.section_words([(3, "4) Đơn vị")]) == "mục 4"
    assert numbering.section_words([(2, "Kết quả theo **đơn vị**")]) == "mục «Kết quả theo đơn vị»"
    assert numbering.section_words([]) is None


def section_report(order):
    """A report whose structure table's note refers to the section of the comparison with last year."""
    note = 'Xem chú thích ở [mục ?](#so-sanh-cung-ky) (so sánh với cùng kỳ).'
    cells = {"ket-qua": [heading("### 1. Kết quả"), shown(parts.table(
                 ["Chỉ tiêu", "Số"], [["Việc", "1"]], [False, True], caption="Kết quả", note=note, numbering="Bảng"))],
             "cung-ky": [heading("### 2. So sánh với cùng kỳ năm trước"),
                         labelled_text("Năm nay tăng.", "so-sanh-cung-ky")]}
    return report(heading("## II. Kết quả thi hành án dân sự"), *[c for key in order for c in cells[key]],
                  text("Như đã nêu ở [mục ?](#so-sanh-cung-ky); [mục ?](#khong-co)."))


def test_a_section_reference_follows_the_headings_in_every_format():
    page, hidden = html_of(section_report(["ket-qua", "cung-ky"]))
    assert "Xem chú thích ở mục 2 phần II (so sánh với cùng kỳ)." in words(page)
    assert f"Như đã nêu ở mục 2 phần II; {MISSING}." in words(page)
    assert [m for m in hidden if "tham chiếu «mục ?» tới «khong-co»" in m]
    body = doc_text(docx_of(section_report(["ket-qua", "cung-ky"])))
    assert "Xem chú thích ở mục 2 phần II (so sánh với cùng kỳ)." in body
    assert "Như đã nêu ở mục 2 phần II;" in body
    # The analyst moves the comparison first and renumbers the headings: the reference follows them.
    moved = section_report(["cung-ky", "ket-qua"])
    moved.cells[2].source, moved.cells[4].source = "### 1. So sánh với cùng kỳ năm trước", "### 2. Kết quả"
    page, _ = html_of(moved)
    assert "Xem chú thích ở mục 1 phần II (so sánh với cùng kỳ)." in words(page)
    # Without numbers in the headings, the section is named by its heading.
    unnumbered = section_report(["ket-qua", "cung-ky"])
    unnumbered.cells[4].source = "### So sánh với cùng kỳ năm trước"
    page, _ = html_of(unnumbered)
    assert "Xem chú thích ở mục «So sánh với cùng kỳ năm trước» (so sánh với cùng kỳ)." in words(page)
