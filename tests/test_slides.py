"""The two decks (issue 28): report.pptx (python-pptx, on a reference deck) and slides.html (reveal.js inline), built
from the same prepared notebook as every format.

Unit tests (no kernel, no browser): a notebook of the seed report's real parts (Hậu Giang, 11 months of 2024), as the
kernel would have recorded them, with an analyst's cells; the end-to-end, LibreOffice, nbconvert and browser tests are
in tests/test_slides_e2e.py (slow)."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
from pathlib import Path

import nbformat
import pytest
from PIL import Image
from pptx import Presentation
from traitlets.config import Config

from thads import charts, cli, deck, formats, init, parts, plain_deck, project
from thads.errors import ThadsError
from thads.exporters import Export, ReportPPTXExporter, ReportSlidesExporter
from thads.folder import ReportFolder
from thads.report import ProvinceReport

ROOT = Path(__file__).resolve().parents[1]
ANALYST_CHART = "Số việc có điều kiện chưa thi hành xong, theo đơn vị"
HIDDEN = "Bảng nháp của chuyên viên, không trình chiếu"


def shown(part: parts.Part, tags=()) -> nbformat.NotebookNode:
    """A code cell that displayed `part`, as the kernel records it."""
    data, metadata = part._repr_mimebundle_()
    return nbformat.v4.new_code_cell("r.part()", metadata={"tags": list(tags)}, outputs=[
        nbformat.v4.new_output("display_data", data=data, metadata=metadata)])


def markdown(text: str, tags=()) -> nbformat.NotebookNode:
    return nbformat.v4.new_markdown_cell(text, metadata={"tags": list(tags)})


def picture(title: str, tags=()) -> nbformat.NotebookNode:
    """An analyst's pyplot figure: a PNG, its title as alt text and caption (parts.figure_png)."""
    buffer = io.BytesIO()
    Image.new("RGB", (600, 300), "steelblue").save(buffer, "PNG")
    return nbformat.v4.new_code_cell("plt.show()", metadata={"tags": list(tags)}, outputs=[nbformat.v4.new_output(
        "display_data", data={"image/png": base64.b64encode(buffer.getvalue()).decode()},
        metadata={"image/png": {"alt": title, "caption": title}})])


@pytest.fixture(scope="module")
def seed() -> ProvinceReport:
    return ProvinceReport("93", "2024-M11", report_date="2024-09-26")


@pytest.fixture(scope="module")
def notebook(seed) -> nbformat.NotebookNode:
    """The shipped notebook's outline, run: every part of the package, and an analyst's cells (a chart and a
    Markdown cell tagged `slide`, a paragraph without the tag, a table tagged remove_cell)."""
    r = seed
    figures = {**r.figures.to_json(), **r._extra_summary()}
    record = nbformat.v4.new_code_cell("r = ProvinceReport(province, period)", outputs=[nbformat.v4.new_output(
        "display_data", data={"text/html": "", parts.FIGURES: {"report": "province", "subject": "93",
                                                              "period": "2024-M11", "title": r.document_title,
                                                              "figures": figures}})])
    record.outputs += shown(r.header()).outputs
    cells = [
        record, markdown("## I. Kết quả nổi bật"), shown(r.key_figures()),
        markdown("## II. Kết quả thi hành án dân sự\n\n### 1. Kết quả về việc và về tiền"),
        shown(r.results()), shown(r.structure_table()), shown(r.chart_rates()), shown(r.chart_structure()),
        markdown("### 2. So sánh với cùng kỳ năm trước"), shown(r.against_last_year()), shown(r.chart_last_year()),
        markdown("### 3. Diễn biến tỷ lệ thi hành xong theo tháng"), shown(r.monthly_note()), shown(r.chart_monthly()),
        markdown("### 4. Kết quả theo đơn vị"), shown(r.offices_text()), shown(r.office_table()),
        shown(r.chart_offices("viec")), picture(ANALYST_CHART, tags=["slide"]),
        shown(parts.frame(r.offices.head(3), caption=HIDDEN), tags=["remove_cell"]),
        markdown("## III. Các mặt công tác khác"), shown(r.other_work()),
        markdown("Chuyên viên ghi thêm: số liệu tiếp công dân lấy từ sổ tiếp công dân."),
        markdown("## IV. Tồn tại, hạn chế; nhiệm vụ, giải pháp thời gian tới"), shown(r.note("chi_dao")),
        shown(r.still_needed()), shown(r.note("giai_phap")),
        markdown("### Kiến nghị\n\n- Đề nghị Cục Quản lý THADS bổ sung biên chế cho các đơn vị.", tags=["slide"]),
        shown(r.signature()), markdown("## V. Phụ lục số liệu"), shown(r.annex_offices())]
    return nbformat.v4.new_notebook(cells=cells)


@pytest.fixture(scope="module")
def made(notebook) -> Export:
    return Export(notebook, root=ROOT)


@pytest.fixture(scope="module")
def pptx(made) -> Presentation:
    return Presentation(io.BytesIO(made.build("pptx")))


def texts(slide) -> str:
    found = []
    for shape in slide.shapes:
        if shape.has_text_frame:
            found.append(shape.text_frame.text)
        if shape.has_table:
            found += [cell.text for row in shape.table.rows for cell in row.cells]
    return "\n".join(found)


def titled(presentation, start: str):
    return next(s for s in presentation.slides if s.shapes.title is not None and s.shapes.title.text.startswith(start))


def charts_of(slide):
    return [shape.chart for shape in slide.shapes if shape.has_chart]


# --- the deck: what the slides hold ----------------------------------------------------------------------------

def test_the_deck_has_the_slides_of_a_conference(made, seed):
    slides = made.deck.slides
    kinds = [(s.kind, s.title) for s in slides]
    assert kinds[0] == ("title", seed.title()) and slides[0].lines == [
        "TỔNG CỤC THI HÀNH ÁN DÂN SỰ", "CỤC THI HÀNH ÁN DÂN SỰ TỈNH HẬU GIANG",
        "Kỳ báo cáo: 11 tháng năm 2024 (từ 01/10/2023 đến 31/08/2024)", "Hậu Giang, ngày 26 tháng 9 năm 2024"]
    assert kinds[1] == ("figures", "I. Kết quả nổi bật")
    assert [c["rate"] for c in slides[1].cards] == ["76,97%", "33,89%"]
    assert [c["target"] for c in slides[1].cards] == ["Chỉ tiêu: 83,35%", "Chỉ tiêu: 46,75%"]
    assert [c["status"] for c in slides[1].cards] == ["missed", "missed"]
    titles = [title for _, title in kinds]
    for start in ("Bảng 1. Kết quả thi hành án dân sự", "Biểu đồ 1. ", "Biểu đồ 3. So sánh với cùng kỳ",
                  "Biểu đồ 4. Tỷ lệ thi hành xong lũy kế", "Bảng 2. Kết quả theo đơn vị", "Biểu đồ 5. ",
                  "III. Các mặt công tác khác", "Ý kiến chỉ đạo", "Chỉ tiêu còn phải thực hiện", "Nhiệm vụ, giải pháp",
                  "Kiến nghị"):
        assert any(t.startswith(start) for t in titles), (start, titles)
    assert ("chart", f"Biểu đồ 6. {ANALYST_CHART}") in kinds     # the analyst's `slide`-tagged chart, numbered
    # Never on a slide: the signature, the annexes, a removed cell, an untagged analyst's paragraph (notes only).
    assert not any("Phụ lục" in t or HIDDEN in t or "Nơi nhận" in t for t in titles)
    everything = json.dumps([s.__dict__ for s in slides], ensure_ascii=False, default=str)
    assert HIDDEN not in everything
    other = next(s for s in slides if s.title == "III. Các mặt công tác khác")
    assert "Chuyên viên ghi thêm" not in " ".join(b[1] for b in other.blocks)
    assert any("Chuyên viên ghi thêm" in note for note in other.notes)


def test_below_target_offices_are_named_and_what_remains_is_said(made, seed):
    offices = next(s for s in made.deck.slides if s.title.startswith("Bảng 2. Kết quả theo đơn vị"))
    below = [row["don_vi"] for row in seed.offices.to_dict("records") if row["viec_dat"] is False or row["tien_dat"] is False]
    assert offices.remark == f"Đơn vị chưa đạt chỉ tiêu về việc hoặc về tiền (tô màu): {'; '.join(below)}."
    assert sorted(offices.table["highlighted"]) == list(range(len(below)))
    remaining = next(s for s in made.deck.slides if s.title == "Chỉ tiêu còn phải thực hiện")
    assert "507 việc" in remaining.blocks[0][1] and "trên 192 tỷ đồng" in remaining.blocks[0][1]


def test_a_tables_shaded_rows_are_named_as_its_note_says():
    """An office's report shades its own row, not those below a target: the words under the table follow the note."""
    own = parts.table(["Hạng", "Đơn vị", "Tỷ lệ việc"], [["1", "Phòng THADS KV1", "90,00%"],
                                                          ["2", "Phòng THADS KV5", "73,03%"]],
                      [False, False, True], caption="Kết quả các đơn vị", highlighted=[1], numbering="Bảng",
                      note="Dòng tô màu: đơn vị của báo cáo này. Xếp theo tỷ lệ thi hành xong về việc.",
                      label="cac-don-vi").record
    (slide,) = deck._table_slides(own, None, "Các đơn vị", [own["note"]])
    assert slide.remark == "Đơn vị của báo cáo này (tô màu): Phòng THADS KV5."
    (plain,) = deck._table_slides({**own, "note": None}, None, "Các đơn vị", [])
    assert plain.remark == "Dòng tô màu: Phòng THADS KV5." and plain.title == "Kết quả các đơn vị"


# --- report.pptx -----------------------------------------------------------------------------------------------

def test_the_pptx_title_slide_says_what_the_header_says(pptx, seed):
    first = pptx.slides[0]
    assert first.shapes.title.text == seed.title()
    said = texts(first)
    for words in ("CỤC THI HÀNH ÁN DÂN SỰ TỈNH HẬU GIANG", "Kỳ báo cáo: 11 tháng năm 2024 (từ 01/10/2023 đến 31/08/2024)",
                  "Hậu Giang, ngày 26 tháng 9 năm 2024", "DỮ LIỆU MẪU"):
        assert words in said
    assert pptx.core_properties.title == seed.document_title and pptx.core_properties.language == "vi-VN"


def test_the_key_figures_are_large_and_say_met_or_not(pptx):
    slide = titled(pptx, "I. Kết quả nổi bật")
    said = texts(slide)
    for words in ("76,97%", "33,89%", "Chỉ tiêu: 83,35%", "Chỉ tiêu: 46,75%", "CHƯA ĐẠT (thấp hơn 6,38%)"):
        assert words in said
    sizes = [run.font.size.pt for shape in slide.shapes if shape.has_text_frame
             for p in shape.text_frame.paragraphs for run in p.runs if run.text == "76,97%"]
    assert sizes == [66]
    assert "CHƯA ĐẠT" in slide.notes_slide.notes_text_frame.text


def test_native_charts_hold_the_reports_numbers(pptx, seed):
    figures = seed.figures
    (rates,) = charts_of(titled(pptx, "Biểu đồ 1. "))
    assert list(rates.plots[0].categories) == ["Về việc", "Về tiền"]
    assert [s.name for s in rates.plots[0].series] == ["Tỷ lệ thi hành xong", "Chỉ tiêu"]
    assert rates.plots[0].series[0].values == (76.97, 33.89) == (float(figures.viec.ty_le), float(figures.tien.ty_le))
    assert rates.plots[0].series[1].values == (83.35, 46.75)
    assert rates.value_axis.tick_labels.number_format == '0"%"'
    labels = [p.data_label.text_frame.text for p in rates.plots[0].series[0].points]
    assert labels == ["76,97%", "33,89%"]                       # Vietnamese, whatever the viewer's locale
    cases, money = charts_of(titled(pptx, "Biểu đồ 3. So sánh với cùng kỳ"))
    last = figures.cung_ky
    assert cases.plots[0].series[0].values == (last.viec.co_dieu_kien, last.viec.thi_hanh_xong)
    assert cases.plots[0].series[1].values == (figures.viec.co_dieu_kien, figures.viec.thi_hanh_xong) == (7942, 6113)
    assert money.plots[0].series[1].values == pytest.approx((1500.198775, 508.417365))
    assert [p.data_label.text_frame.text for p in cases.plots[0].series[1].points] == ["7.942", "6.113"]
    path_cases, path_money = charts_of(titled(pptx, "Biểu đồ 4. "))
    year = {s.name: s.values for s in path_cases.plots[0].series}
    assert year["Năm nay"] == tuple(float(v) for v in seed.monthly["viec_ty_le"]) and year["Năm nay"][-1] == 76.97
    assert set(year["Chỉ tiêu"]) == {83.35}
    assert {s.name: s.values for s in path_money.plots[0].series}["Năm nay"][-1] == 33.89
    (offices,) = charts_of(titled(pptx, "Biểu đồ 5. "))
    ranked = seed.offices.sort_values("viec_ty_le", ascending=False)
    assert list(offices.plots[0].categories) == list(ranked["don_vi"])
    assert offices.plots[0].series[0].values == tuple(float(v) for v in ranked["viec_ty_le"])
    assert offices.category_axis.reverse_order                  # the highest rate at the top, as in the report


def test_every_chart_of_the_package_records_what_it_draws(seed):
    for fig in (charts.rates_vs_targets(seed.figures), charts.structure(seed.figures),
                charts.against_last_year(seed.figures), charts.monthly(seed.monthly, seed.figures),
                charts.offices_ranked(seed.offices, "tien", seed.figures.tien.chi_tieu)):
        found = charts.recorded(fig)
        assert found and found["panels"], fig
        json.dumps(found, allow_nan=False)                       # a record a notebook can hold
        for panel in found["panels"]:
            assert panel["type"] in ("bar", "column", "stacked_bar", "line")
            assert all(len(s["values"]) == len(panel["categories"]) for s in panel["series"])
    structure = charts.recorded(charts.structure(seed.figures))["panels"][0]
    assert [round(sum(s["values"][i] for s in structure["series"]), 1) for i in (0, 1)] == [100.0, 100.0]


def test_speaker_notes_carry_the_reports_paragraphs(pptx, seed):
    results = seed.results().record["blocks"][0]["markdown"]
    assert results[:120] in titled(pptx, "Bảng 1. ").notes_slide.notes_text_frame.text
    against = seed.against_last_year().record["blocks"][0]["markdown"].split("\n")[0]
    assert against in titled(pptx, "Biểu đồ 3. ").notes_slide.notes_text_frame.text
    offices = titled(pptx, "Biểu đồ 5. ").notes_slide.notes_text_frame.text
    assert "các đơn vị chưa đạt" in offices
    assert "Từ nay đến ngày 30/09/2024" in titled(pptx, "Chỉ tiêu còn phải thực hiện").notes_slide.notes_text_frame.text


def test_tables_text_and_the_analysts_slides(pptx, seed):
    table = titled(pptx, "Bảng 1. ")
    cells = texts(table)
    assert "11.410" in cells and "3.343.486.215" in cells and "76,97%" in cells and "11,410" not in cells
    offices = texts(titled(pptx, "Bảng 2. Kết quả theo đơn vị"))
    assert "Đơn vị chưa đạt chỉ tiêu về việc hoặc về tiền (tô màu): TP. Ngã Bảy" in offices
    tasks = titled(pptx, "Nhiệm vụ, giải pháp")
    assert "Tích cực rà soát, phân loại án" in texts(tasks)
    assert "Đề nghị Cục Quản lý THADS bổ sung biên chế" in texts(titled(pptx, "Kiến nghị"))
    analyst = titled(pptx, f"Biểu đồ 6. {ANALYST_CHART}")
    (image,) = [shape for shape in analyst.shapes if shape.shape_type == 13]       # a picture
    assert image._element.find(".//{*}cNvPr").get("descr") == ANALYST_CHART
    everywhere = "\n".join(texts(s) for s in pptx.slides)
    assert HIDDEN not in everywhere and "Nơi nhận" not in everywhere
    languages = {run.font.language_id for s in pptx.slides for shape in s.shapes if shape.has_text_frame
                 for p in shape.text_frame.paragraphs for run in p.runs}
    assert {str(v) for v in languages} == {"VIETNAMESE (1066)"}


def test_the_plain_reference_deck_gives_16_9_arial_and_its_layouts(pptx):
    assert (pptx.slide_width, pptx.slide_height) == (plain_deck.WIDTH, plain_deck.HEIGHT)
    theme = pptx.slide_master.part.part_related_by(
        "http://schemas.openxmlformats.org/officeDocument/2006/relationships/theme").blob.decode()
    assert theme.count('<a:latin typeface="Arial"/>') == 2
    assert [s.slide_layout.name for s in list(pptx.slides)[:3]] == ["Title Slide", "Title Only", "Title Only"]
    assert "Title and Content" in {s.slide_layout.name for s in pptx.slides}


# --- an office's own reference deck ----------------------------------------------------------------------------

def office_deck(path: Path) -> None:
    """An office's deck: the plain one with a logo box on its master, Vietnamese layout names, and a slide of its own
    (which the report's deck must not keep)."""
    from pptx.oxml.shapes.autoshape import CT_Shape

    presentation = Presentation(io.BytesIO(plain_deck.make()))
    tree = presentation.slide_master.shapes._spTree
    tree.append(CT_Shape.new_autoshape_sp(tree.max_shape_id + 1, "Logo Cục THADS", "ellipse", 100, 100, 500_000,
                                          500_000))
    for layout in presentation.slide_layouts:
        layout.name = f"Bố cục {layout.name}"
    slide = presentation.slides.add_slide(presentation.slide_layouts[0])
    slide.shapes.title.text = "Trang mẫu của văn phòng"
    presentation.save(str(path))


def test_a_projects_reference_deck_gives_its_masters(tmp_path, notebook):
    (tmp_path / "mau").mkdir()
    office_deck(tmp_path / "mau" / "van-phong.pptx")
    (tmp_path / "thads.yml").write_text("slides_reference: mau/van-phong.pptx\n", "utf-8")
    where = project.find(tmp_path)
    assert where.slides_reference == tmp_path / "mau" / "van-phong.pptx"
    assert formats.reference_deck(where) == where.slides_reference
    made = Export(notebook, root=tmp_path)
    presentation = Presentation(io.BytesIO(made.build("pptx")))
    assert "Logo Cục THADS" in [shape.name for shape in presentation.slide_master.shapes]
    assert len(presentation.slides) == len(made.deck.slides)
    assert "Trang mẫu của văn phòng" not in "\n".join(texts(s) for s in presentation.slides)
    assert {s.slide_layout.name for s in presentation.slides} <= {f"Bố cục {n}" for n in (
        "Title Slide", "Title Only", "Title and Content")}
    assert formats.get("pptx").reads(where) == [where.slides_reference]     # a new deck makes the report again


def test_reference_deck_settings_are_checked(tmp_path, notebook):
    (tmp_path / "thads.yml").write_text("slides_reference: mau/khong-co.pptx\n", "utf-8")
    with pytest.raises(ThadsError, match="mau/khong-co.pptx"):
        Export(notebook, root=tmp_path).build("pptx")
    (tmp_path / "thads.yml").write_text("slides_reference: mau/trinh-chieu.odp\n", "utf-8")
    with pytest.raises(ThadsError, match="slides_reference cần là đường dẫn tới một tệp PowerPoint .pptx"):
        project.find(tmp_path)
    (tmp_path / "thads.yml").write_text("data: data\n", "utf-8")            # the default, missing: the package's deck
    assert formats.reference_deck(project.find(tmp_path)) == plain_deck.DECK
    (tmp_path / "hong.pptx").write_bytes(b"not a deck")
    (tmp_path / "thads.yml").write_text("slides_reference: hong.pptx\n", "utf-8")
    with pytest.raises(ThadsError, match="không phải tệp PowerPoint .pptx đọc được"):
        Export(notebook, root=tmp_path).build("pptx")


def test_init_puts_the_plain_deck_where_thads_yml_says_once(tmp_path):
    (tmp_path / "thads.yml").write_text("data: data\n", "utf-8")
    assert init._reference_deck(tmp_path) == ["thêm templates/mau-trinh-chieu.pptx (mẫu trình chiếu của report.pptx)"]
    target = tmp_path / "templates" / "mau-trinh-chieu.pptx"
    assert target.read_bytes() == plain_deck.DECK.read_bytes()
    target.write_bytes(b"ban cua van phong")
    assert init._reference_deck(tmp_path) == [] and target.read_bytes() == b"ban cua van phong"


def test_the_shipped_plain_deck_is_what_the_script_makes():
    shipped, made = Presentation(str(plain_deck.DECK)), Presentation(io.BytesIO(plain_deck.make()))
    assert (shipped.slide_width, shipped.slide_height) == (made.slide_width, made.slide_height)
    assert [lay.name for lay in shipped.slide_layouts] == [lay.name for lay in made.slide_layouts]
    assert [sh.name for sh in shipped.slide_master.shapes] == [sh.name for sh in made.slide_master.shapes]
    assert len(shipped.slides) == 0


# --- slides.html -------------------------------------------------------------------------------------------------

def test_slides_html_is_one_offline_page_its_script_allowed_by_hash(made, seed):
    page = made.build("slides")
    scripts = re.findall(r"<script>(.*?)</script>", page, re.S)
    assert len(scripts) == 1 and "<script " not in page
    digest = base64.b64encode(hashlib.sha256(scripts[0].encode()).digest()).decode()
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', page)[1]
    assert f"script-src 'sha256-{digest}'" in policy and "default-src 'none'" in policy
    assert "Permission is hereby granted" in scripts[0] and "reveal.js 6.0.2" in scripts[0]     # its licence travels
    markup = page.replace(scripts[0], "")
    assert not re.search(r'(?:src|href)="(?!data:|#)', markup)               # nothing loaded from anywhere
    assert "<link" not in markup and "@import" not in markup
    assert all(u.startswith("data:") for u in re.findall(r"url\(([^)]*)\)", markup))
    assert "@media print{html:not(.print-pdf)" not in page                   # reveal.js's print rules left out
    assert page.count("<section ") == len(made.deck.slides)
    assert "76,97%" in page and "Chỉ tiêu: 83,35%" in page and ANALYST_CHART in page
    assert f"<h1 id=\"tieu-de-1\">{seed.title()}</h1>" in page
    assert '<aside class="notes" aria-label="Lời thuyết minh">' in page
    assert HIDDEN not in page


def test_no_function_text_reaches_a_slide_unescaped(notebook, seed):
    """An analyst's Markdown with HTML in a `slide` cell: shown as text in both decks, never as markup."""
    extra = nbformat.v4.new_notebook(cells=[*notebook.cells, markdown(
        "### Ghi chú <script>alert(1)</script>\n\nMột dòng <b>đậm</b> \x0bcó ký tự điều khiển.", tags=["slide"])])
    made = Export(extra, root=ROOT)
    page = made.build("slides")
    assert "<script>alert" not in page and page.count("<script>") == 1
    presentation = Presentation(io.BytesIO(made.build("pptx")))
    last = presentation.slides[len(presentation.slides) - 1]
    assert "có ký tự điều khiển" in texts(last) and "\x0b" not in texts(last)


# --- the clerk's rule, thads export and the nbconvert exporters --------------------------------------------------

def report_folder(tmp_path: Path, notebook) -> Path:
    folder = tmp_path / "outputs" / "2024-M11" / "93"
    folder.mkdir(parents=True)
    nbformat.write(notebook, folder / "report.ipynb")
    (folder / "report.pptx").write_bytes(b"ban trinh chieu da sua")
    (folder / "inputs.json").write_text(json.dumps({"fingerprint": "x", "formats": ["html", "pptx"],
                                                    "written": {"report.pptx": "0" * 64}}), "utf-8")
    return folder


def test_an_edited_pptx_is_kept_by_thads_export(tmp_path, notebook):
    folder = report_folder(tmp_path, notebook)
    assert cli.main(["export", str(folder / "report.ipynb"), "--format", "pptx,slides"]) == 0
    assert (folder / "report.pptx").read_bytes() == b"ban trinh chieu da sua"
    made = json.loads((folder / "inputs.json").read_text("utf-8"))
    assert made["files"]["pptx"] == "report.new.pptx" and made["fingerprint"] == ""
    assert made["written"]["report.new.pptx"] == hashlib.sha256((folder / "report.new.pptx").read_bytes()).hexdigest()
    assert len(Presentation(str(folder / "report.new.pptx")).slides) > 10
    assert (folder / "slides.html").is_file()
    elsewhere = tmp_path / "ban-xuat"
    assert cli.main(["export", str(folder / "report.ipynb"), "--format", "html,pptx,slides", "--out",
                     str(elsewhere)]) == 0
    assert sorted(p.name for p in elsewhere.iterdir()) == ["report.html", "report.pptx", "report.slides.html"]


@pytest.mark.parametrize("exporter, kept, suffix", [(ReportPPTXExporter, "report.new", ".pptx"),
                                                    (ReportSlidesExporter, "slides", ".html")])
def test_the_nbconvert_exporters_know_both_decks(tmp_path, notebook, exporter, kept, suffix):
    folder = report_folder(tmp_path, notebook)
    content, resources = exporter(config=Config()).from_notebook_node(
        notebook, resources={"unique_key": "report", "metadata": {"path": str(folder), "name": "report"}})
    assert resources["unique_key"] == kept and resources["output_extension"] == suffix
    assert (folder / f"{kept}{suffix}").is_file() and (folder / "report.pptx").read_bytes() == b"ban trinh chieu da sua"
    _, elsewhere = exporter(config=Config()).from_notebook_node(
        notebook, resources={"unique_key": "bao-cao", "metadata": {"path": str(tmp_path), "name": "bao-cao"}})
    assert elsewhere["output_extension"] == formats.get(exporter is ReportPPTXExporter and "pptx" or "slides").suffix


def test_the_index_links_both_decks(tmp_path, notebook):
    from thads import index

    folder = report_folder(tmp_path, notebook)
    ReportFolder(folder).export("slides", Export(notebook, root=ROOT).build("slides"))
    links, edited = index._links(folder)
    assert ("Trình chiếu", "slides.html") in links and ("PPTX", "report.pptx") in links
    assert formats.names()[:5] == ("html", "pdf", "docx", "pptx", "slides")
