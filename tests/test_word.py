"""Word output and the end of the document: a report.docx an office can finish and sign, read back with
python-docx and opened by a real word processor (LibreOffice), and "Nơi nhận" with the signature block in
every format."""

import hashlib
import io
import json
import shutil
import subprocess
import unicodedata
from pathlib import Path

import nbformat
import pytest
from bs4 import BeautifulSoup
from docx import Document
from PIL import Image
from pypdf import PdfReader

from thads import parts, signing, word
from thads.folder import ReportFolder
from thads.errors import ThadsError

from tests.support import seed, thads

ROOT = Path(__file__).resolve().parents[1]
SEED = [*seed.SEED_SENTENCES,
        "tiếp 209 lượt công dân; thụ lý 41 đơn khiếu nại, tố cáo thuộc thẩm quyền, đã giải quyết 96,97% đơn khiếu nại "
        "và 75% đơn tố cáo"]


def document_text(doc) -> str:
    """The text of the body in reading order: paragraphs and tables (cell by cell) as they come."""
    texts = []
    for block in doc.iter_inner_content():
        if hasattr(block, "rows"):
            texts += [cell.text for row in block.rows for cell in row.cells]
        else:
            texts.append(block.text)
    return " ".join(" ".join(texts).split())


# Unit tests: no kernel ----------------------------------------------------------------------------------
def notebook_of(*records_and_pngs) -> nbformat.NotebookNode:
    cells = [nbformat.v4.new_markdown_cell("## II. Kết quả\n\n### 1. Chi tiết\n\nĐoạn **đậm** và *nghiêng*.\n\n- một\n- hai")]
    for record, png in records_and_pngs:
        data = {parts.PART: record, "text/html": "<p>x</p>"}
        if png:
            data = {parts.PART: record, "image/png": png}
        cells.append(nbformat.v4.new_code_cell("r.part()", outputs=[nbformat.v4.new_output("display_data", data=data)]))
    cells.append(nbformat.v4.new_code_cell("print('in ra')", outputs=[nbformat.v4.new_output(
        "stream", name="stdout", text="in ra\n")]))
    return nbformat.v4.new_notebook(cells=cells)


def png_of(width: int, height: int) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(buffer, "PNG")
    import base64

    return base64.b64encode(buffer.getvalue()).decode()


def test_a_word_document_follows_the_administrative_layout():
    table = parts.table(["Chỉ tiêu", "Việc"], [["Phải thi hành", "11.410"]], [False, True], caption="Bảng 1. X",
                        note="Ghi chú bảng.").record
    figure = parts.figure(b"", None, "Biểu đồ thử", "Tỷ lệ theo tháng", 7.0).record
    doc = Document(io.BytesIO(word.to_docx(notebook_of((table, None), (figure, png_of(1400, 600))))))
    section = doc.sections[0]
    mm = lambda length: round(length.mm)  # noqa: E731 - Word keeps lengths in twips
    assert (mm(section.page_width), mm(section.page_height)) == (210, 297)
    assert tuple(map(mm, (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin))) == \
        (20, 20, 30, 15)
    assert doc.styles["Normal"].font.name == "Times New Roman" and doc.styles["Normal"].font.size.pt == 14
    assert section.different_first_page_header_footer
    header = section.header._element.xml
    assert "PAGE" in header and "w:fldChar" in header and not section.first_page_header.paragraphs[0].text
    assert [(p.style.name, p.text) for p in doc.paragraphs if p.style.name.startswith("Heading")] == \
        [("Heading 1", "II. Kết quả"), ("Heading 2", "1. Chi tiết")]
    assert doc.tables[0].rows[1].cells[1].text == "11.410" and "Bảng 1. X" in document_text(doc)
    assert len(doc.inline_shapes) == 1
    shape = doc.inline_shapes[0]
    assert 1400 / (shape.width / 914400) >= 150          # pixels per printed inch
    assert "Biểu đồ 1. Tỷ lệ theo tháng" in [p.text for p in doc.paragraphs]
    assert "in ra" in [p.text for p in doc.paragraphs]


def test_a_chart_drawn_without_its_png_is_refused_with_what_to_do():
    """`thads run` without Word draws the charts as SVG alone, which Word cannot take: a Word file is never made
    without its charts."""
    figure = parts.figure(b"<svg/>", None, "Biểu đồ thử", "Tỷ lệ theo tháng", 7.0)
    data, _ = figure._repr_mimebundle_()
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("r.chart_monthly()", outputs=[
        nbformat.v4.new_output("display_data", data=data)])])
    with pytest.raises(ThadsError, match="«Tỷ lệ theo tháng» trong notebook chỉ có dạng SVG.*--format docx"):
        word.to_docx(notebook)


def test_signing_settings_fill_the_end_of_the_document(tmp_path):
    path = tmp_path / "signing.yml"
    path.write_text("mac-dinh:\n  noi_nhan: [Như trên;]\n93:\n  nguoi_ky: Lê Phước Toàn\n  noi_nhan:\n"
                    "    - Tổng cục THADS;\n    - Lưu: VT, VP.\n", "utf-8")
    own = signing.for_report(path, "93", "CỤC TRƯỞNG")
    assert own == signing.Signing("CỤC TRƯỞNG", "Lê Phước Toàn", ("Tổng cục THADS;", "Lưu: VT, VP."))
    other = signing.for_report(path, "94", "")
    assert other.chuc_vu == "" and other.nguoi_ky == "" and other.noi_nhan == ("Như trên;",)
    assert signing.for_report(None, "94", "").noi_nhan == signing.BLANK_RECIPIENTS
    path.write_text("93:\n  ky: x\n", "utf-8")
    with pytest.raises(ThadsError, match="mục 93: dùng các khóa nguoi_ky, chuc_vu, noi_nhan"):
        signing.for_report(path, "93", "")


def test_a_word_file_a_clerk_changed_is_never_overwritten(tmp_path):
    assert ReportFolder(tmp_path).place("docx", {}) == "report.docx"
    (tmp_path / "report.docx").write_bytes(b"made")
    made = hashlib.sha256(b"made").hexdigest()
    assert ReportFolder(tmp_path).place("docx", {"report.docx": made}) == "report.docx"
    (tmp_path / "report.docx").write_bytes(b"edited by the clerk")
    assert ReportFolder(tmp_path).place("docx", {"report.docx": made}) == "report.new.docx"
    (tmp_path / "report.new.docx").write_bytes(b"edited too")
    assert ReportFolder(tmp_path).place("docx", {"report.docx": made}) == "report.new-2.docx"


# End to end: thads run, python-docx, LibreOffice ------------------------------------------------------------
@pytest.fixture(scope="module")
def made(tmp_path_factory):
    out = tmp_path_factory.mktemp("word")
    batch = out.parent / f"{out.name}.yml"
    batch.write_text("reports:\n"
                     "  - {periods: [2024-M11], provinces: [93], date: 2024-09-26}\n"
                     "  - {periods: [2026-M12], provinces: [92]}\n", "utf-8")
    done = thads("run", str(batch), "--format", "html,pdf,docx", "--jobs", "2", "--out", str(out))
    assert done.returncode == 0, done.stderr
    return out


@pytest.mark.slow
def test_the_seed_report_in_word_carries_the_figures_tables_and_charts(made):
    doc = Document(made / "2024-M11" / "93" / "report.docx")
    text = document_text(doc)
    assert all(sentence in seed.unranked(text) for sentence in SEED)
    heading = doc.tables[0]
    assert "CỤC THI HÀNH ÁN DÂN SỰ\nTỈNH HẬU GIANG" in heading.cell(0, 0).text
    assert "Số:" in heading.cell(0, 0).text and "/BC-CTHADS" in heading.cell(0, 0).text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in heading.cell(0, 1).text
    assert "Hậu Giang, ngày 26 tháng 9 năm 2024" in heading.cell(0, 1).text
    structure = next(t for t in doc.tables if t.cell(0, 0).text == "Chỉ tiêu thống kê")
    rows = {row.cells[0].text: [c.text for c in row.cells[1:3]] for row in structure.rows}
    assert rows["Tổng số phải thi hành"] == ["11.410", "3.343.486.215"]
    assert rows["Tỷ lệ thi hành xong"] == ["76,97%", "33,89%"]
    outline = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert "I. Kết quả nổi bật" in outline and "V. Phụ lục số liệu" in outline
    assert len(doc.inline_shapes) == 6
    for shape in doc.inline_shapes:
        blip = shape._inline.graphic.graphicData.pic.blipFill.blip.embed
        pixels = Image.open(io.BytesIO(doc.part.related_parts[blip].blob)).width
        assert pixels / (shape.width / 914400) >= 150
    assert sum(p.style.name == "Caption" for p in doc.paragraphs) == 6
    fonts = {r.font.name for p in doc.paragraphs for r in p.runs if r.font.name}
    assert fonts <= {"Times New Roman", "Courier New"}, fonts
    assert "Đồng Văn Thanh" in text                       # the analyst's note


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["html", "pdf", "docx"])
def test_every_format_ends_with_the_recipients_and_the_signer(made, kind):
    seed, merged = made / "2024-M11" / "93" / f"report.{kind}", made / "2026-M12" / "92" / f"report.{kind}"
    if kind == "docx":
        texts = [document_text(Document(path)) for path in (seed, merged)]
    elif kind == "html":
        texts = [" ".join(BeautifulSoup(p.read_text("utf-8"), "html.parser").get_text(" ").split()) for p in (seed, merged)]
    else:
        texts = [unicodedata.normalize("NFC", " ".join(" ".join((pg.extract_text() or "").split())
                                                        for pg in PdfReader(p).pages)) for p in (seed, merged)]
    before, after = texts
    # Hậu Giang signed 26/09/2024: a Cục THADS tỉnh, its Cục trưởng, the recipients of parameters/signing.yml.
    assert "Nơi nhận:" in before and "CỤC TRƯỞNG" in before and "Lê Phước Toàn" in before
    assert "Ban Chỉ đạo Thi hành án dân sự tỉnh (để báo cáo)" in before
    assert before.index("Lê Phước Toàn", before.index("Nơi nhận:")) < before.index("Phụ lục 1")
    # Cần Thơ signed in 2026: a THADS thành phố, its head's title; no signer set: dotted lines for the clerk.
    assert "Nơi nhận:" in after and "………" in after and "CỤC TRƯỞNG" not in after
    assert "TRƯỞNG THI HÀNH ÁN DÂN SỰ THÀNH PHỐ" in after


@pytest.mark.slow
def test_libreoffice_opens_the_word_file_and_prints_the_seed_figures(made, tmp_path):
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if office is None:
        pytest.fail("LibreOffice not found: install Debian's libreoffice-writer-nogui (make test does, as root)")
    done = subprocess.run([office, "--headless", f"-env:UserInstallation=file://{tmp_path}/profile", "--convert-to",
                           "pdf", "--outdir", str(tmp_path), str(made / "2024-M11" / "93" / "report.docx")],
                          capture_output=True, text=True, timeout=300)
    pdf = tmp_path / "report.pdf"
    assert pdf.is_file(), done.stderr
    reader = PdfReader(pdf)
    text = unicodedata.normalize("NFC", " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages))
    assert all(sentence in seed.unranked(text) for sentence in SEED)
    assert (round(float(reader.pages[0].mediabox.width) / 72 * 25.4),
            round(float(reader.pages[0].mediabox.height) / 72 * 25.4)) == (210, 297)
    first, second = (" ".join((p.extract_text() or "").split()) for p in reader.pages[:2])
    assert second.startswith("2") and not first.startswith("1")     # PAGE field from page 2 only


@pytest.mark.slow
def test_a_rebuild_keeps_the_word_file_a_clerk_edited_and_writes_the_new_one_beside_it(made, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(made, out)
    folder = out / "2024-M11" / "93"
    doc = Document(folder / "report.docx")
    doc.add_paragraph("Đoạn văn lãnh đạo yêu cầu sửa.")
    doc.save(folder / "report.docx")
    edited = (folder / "report.docx").read_bytes()
    done = thads("run", "--period", "2024-M11", "--province", "93", "--date", "2024-09-26", "--format",
                 "html,pdf,docx", "--out", str(out), "--force")
    assert done.returncode == 0, done.stderr
    assert (folder / "report.docx").read_bytes() == edited
    assert "Đoạn văn lãnh đạo yêu cầu sửa." not in document_text(Document(folder / "report.new.docx"))
    for where in (done.stderr, (folder / "report.log").read_text("utf-8")):
        assert "report.docx đã được sửa sau khi tạo nên được giữ nguyên; bản mới ghi vào report.new.docx" in \
            " ".join(where.split())
    links = {a["href"]: a.get_text() for a in BeautifulSoup((out / "index.html").read_text("utf-8"),
                                                            "html.parser").find_all("a")}
    assert links["2024-M11/93/report.new.docx"] == "DOCX" and links["2024-M11/93/report.docx"] == "DOCX đã sửa"
    assert json.loads((folder / "inputs.json").read_text("utf-8"))["docx"] == "report.new.docx"


@pytest.mark.slow
def test_a_rebuild_remakes_every_format_the_folder_holds(made, tmp_path):
    """Asked for HTML alone after a change, the report's PDF and Word file are made again too: a folder never
    holds files made from different inputs."""
    out = tmp_path / "out"
    shutil.copytree(made, out)
    folder = out / "2024-M11" / "93"
    before = {name: (folder / name).stat().st_mtime_ns for name in ("report.html", "report.pdf", "report.docx")}
    done = thads("run", "--period", "2024-M11", "--province", "93", "--date", "2024-09-27", "--format", "html",
                 "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert all((folder / name).stat().st_mtime_ns > when for name, when in before.items())
    assert json.loads((folder / "inputs.json").read_text("utf-8"))["formats"] == ["html", "pdf", "docx"]
    assert "ngày 27 tháng 9 năm 2024" in document_text(Document(folder / "report.docx"))
