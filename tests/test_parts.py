"""Unit tests (no kernel, no browser) of what analysts' notebooks rely on: how outputs reach the report,
DataFrames as report tables, a kernel made clean between reports, the project root, notebook variants."""

import gc
import os
import weakref
from decimal import Decimal
from pathlib import Path

import matplotlib as mpl
import nbformat
import pandas as pd
import pytest
from bs4 import BeautifulSoup
from IPython.core.interactiveshell import InteractiveShell

from thads import batch, kernel, kinds, parts, project
from thads.errors import ThadsError
from thads.exporters import ReportHTMLExporter
from thads.periods import Period
from thads.units import Units

ROOT = Path(__file__).resolve().parents[1]
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
OTHER_PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="


def cell(source, *outputs, tags=()):
    return nbformat.v4.new_code_cell(source, outputs=list(outputs), metadata={"tags": list(tags)})


def result(data, kind="execute_result"):
    if kind == "execute_result":
        return nbformat.v4.new_output(kind, data=data, execution_count=1)
    return nbformat.v4.new_output(kind, data=data)


def stream(text, name="stdout"):
    return nbformat.v4.new_output("stream", name=name, text=text)


RECORD = nbformat.v4.new_code_cell("r = ProvinceReport(...)", outputs=[nbformat.v4.new_output(
    "display_data", data={"text/html": "", parts.FIGURES: {"title": "Báo cáo thử"}})])


def exported(*cells):
    notebook = nbformat.v4.new_notebook(cells=[RECORD, *cells])
    page, resources = ReportHTMLExporter().from_notebook_node(notebook)
    return BeautifulSoup(page, "html.parser"), resources.get("thads_hidden", [])


def test_analysts_outputs_show_as_jupyterlab_shows_them_and_code_never():
    soup, hidden = exported(
        nbformat.v4.new_markdown_cell("## Phần thêm\n\nMột **đoạn** văn."),
        cell("print('xin chào')", stream("xin chào\n")),
        cell("fig", result({"image/png": PNG, "text/plain": "<Figure size 640x480 with 1 Axes>"}),
             result({"image/png": PNG, "text/plain": "<Figure size 640x480 with 1 Axes>"}, "display_data")),
        cell("df", result({"text/html": "<table class='dataframe'><tr><td>1</td></tr></table>", "text/plain": "df"})),
        cell("Markdown('**x**')", result({"text/markdown": "**đậm**", "text/plain": "<Markdown>"})),
        cell("42", result({"text/plain": "42"})),
    )
    text = " ".join(soup.get_text(" ").split())
    assert "Phần thêm" in text and "xin chào" in text and "đậm" in text and "42" in text
    assert len(soup.find_all("img")) == 1 and soup.find("table", class_="dataframe")
    assert "print(" not in text and "fig" not in text.split()
    assert hidden == ["ô 4 («fig»): bỏ một hình lặp lại (ô hiện cùng một hình hai lần)"]


def test_what_a_static_report_cannot_show_is_left_out_and_said():
    soup, hidden = exported(
        cell("warnings.warn('x')", stream("UserWarning: cẩn thận\n", "stderr")),
        cell("ax.set_title('T')", result({"image/png": PNG, "text/plain": "<Figure>"}, "display_data"),
             result({"text/plain": "Text(0.5, 1.0, 'T')"})),
        cell("ax.bar(x, y)", result({"text/plain": "<BarContainer object of 3 artists>"})),
        cell("widget", result({"application/vnd.jupyter.widget-view+json": {"model_id": "1"}})),
        cell("plotly", result({"text/html": "<div></div><script>draw()</script>", "text/plain": "Figure"})),
        nbformat.v4.new_raw_cell("raw text"),
        cell("hidden on purpose", stream("bí mật\n", "stderr"), tags=["remove_cell"]),
        cell("other", result({"image/png": OTHER_PNG}, "display_data"), tags=["remove_output"]),
    )
    text = soup.get_text(" ")
    for gone in ("cẩn thận", "Text(0.5", "BarContainer", "raw text", "bí mật", "draw()"):
        assert gone not in text, gone
    assert len(soup.find_all("img")) == 1
    assert [h.split(": ", 1)[0] for h in hidden] == ["ô 2 («warnings.warn('x')»)", "ô 3 («ax.set_title('T')»)",
                                                     "ô 4 («ax.bar(x, y)»)", "ô 5 («widget»)", "ô 6 («plotly»)",
                                                     "ô 7 («raw text»)"]
    assert "cẩn thận" in hidden[0] and "application/vnd.jupyter.widget-view+json" in hidden[3]


def test_frames_are_shown_like_the_reports_tables():
    df = pd.DataFrame({"don_vi": ["Vị Thanh", "Ngã Bảy"], "viec": [11410, 7942], "ty_le": [Decimal("76.97"), None],
                       "dat": [True, False]})
    part = parts.frame(df, caption="Bảng thêm")
    assert part.record["rows"] == [["Vị Thanh", "11.410", "76,97", "có"], ["Ngã Bảy", "7.942", "—", "không"]]
    assert part.record["numeric"] == [False, True, True, False] and part.record["caption"] == "Bảng thêm"
    soup = BeautifulSoup(part.html, "html.parser")
    assert "data" in soup.table["class"] and [td["class"][0] for td in soup.find_all("td")][:2] == ["short", "num"]
    indexed = parts.frame(df.set_index("don_vi"))
    assert indexed.record["header"][0] == "don_vi"
    long = parts.frame(pd.DataFrame({"n": range(100)}))
    assert len(long.record["rows"]) == 11 and long.record["note"] == "Hiển thị 10/100 dòng."


@pytest.fixture
def shell():
    shell = InteractiveShell.instance()
    yield shell
    InteractiveShell.clear_instance()


def test_a_frame_displayed_in_a_report_kernel_carries_its_record(shell):
    parts.setup_display(shell)
    data, _ = shell.display_formatter.format(pd.DataFrame({"a": [11410]}))
    assert 'class="data"' in data["text/html"] and "11.410" in data["text/html"]
    assert data[parts.PART]["rows"] == [["11.410"]]


def test_fresh_gives_the_next_report_a_clean_kernel(shell, tmp_path):
    here = os.getcwd()
    try:
        kernel.fresh(str(tmp_path))
        shell.run_cell("import pandas as pd, matplotlib as mpl, warnings, os, sys\n"
                       "leftover = 1\npd.set_option('display.max_rows', 3)\nmpl.rcParams['lines.linewidth'] = 9\n"
                       "warnings.simplefilter('error')\nsys.path.append('/nowhere')\nos.environ['THADS_TEST'] = '1'\n"
                       "os.chdir('/')")
        assert pd.get_option("display.max_rows") == 3 and os.getcwd() == "/"
        kernel.fresh(str(tmp_path))
        assert "leftover" not in shell.user_ns and "pd" not in shell.user_ns
        assert pd.get_option("display.max_rows") == 60 and mpl.rcParams["lines.linewidth"] != 9
        assert ("error", None, Warning, None, 0) not in [(f[0], f[1], f[2], f[3], f[4]) for f in __import__(
            "warnings").filters]
        assert "/nowhere" not in __import__("sys").path and "THADS_TEST" not in os.environ
        assert os.getcwd() == str(tmp_path)
    finally:
        kernel._SNAPSHOT = None
        kernel._since_frozen = None
        gc.unfreeze()
        os.chdir(here)


class _Page:
    """Stands for a report's page held by its garbage: an exception's frames, a Markdown renderer."""


def _old_cycle() -> weakref.ref:
    """A reference cycle that is garbage already old, as a report's is by the end of the report."""
    page = _Page()
    page.cycle = page
    gc.collect()
    return weakref.ref(page)


@pytest.fixture
def collector():
    """No collection but the ones asked for; the process's collector as it was afterwards."""
    gc.disable()
    yield
    gc.enable()
    gc.unfreeze()
    kernel._since_frozen = None


def test_the_garbage_a_report_leaves_is_freed_before_the_next(collector):
    """Python's full collection, the only one that frees old reference cycles, came about every 40 reports in a
    worker or kernel: a worker grew 0.5 MB a report between two."""
    freed = _old_cycle()
    assert freed() is not None
    kernel.release_memory()
    assert freed() is None
    assert gc.get_freeze_count() > 0      # what the process keeps is frozen after its first report


def test_what_was_kept_then_dropped_is_freed_at_the_next_freeze(collector):
    """A kernel or browser started again after a crash leaves its old objects frozen: freed within
    REFREEZE_EVERY reports."""
    page = _Page()
    page.cycle = page
    freed = weakref.ref(page)
    kernel.freeze()                       # as after the warm-up: the page is kept by the process
    del page
    for _ in range(kernel.REFREEZE_EVERY):
        kernel.release_memory()
    assert freed() is not None            # frozen: the collection after each report skips it
    kernel.release_memory()
    assert freed() is None


def test_the_project_root_is_the_nearest_folder_with_thads_yml(tmp_path):
    (tmp_path / "thads.yml").write_text("data: du-lieu\nformats: [pdf]\n", "utf-8")
    (tmp_path / "notebooks" / "sub").mkdir(parents=True)
    found = project.find(tmp_path / "notebooks" / "sub")
    assert found.marked and found.root == tmp_path.resolve()
    assert found.data == tmp_path.resolve() / "du-lieu" and found.formats == ("pdf",)
    assert found.notes == tmp_path.resolve() / "parameters" / "notes"
    assert found.path("khac", found.data) == tmp_path.resolve() / "khac"
    assert found.path("", found.data) == found.data and found.path("/x", found.data) == Path("/x")
    assert project.find(ROOT / "notebooks").root == ROOT


def test_a_bad_project_file_is_refused_with_its_name(tmp_path):
    (tmp_path / "thads.yml").write_text("dta: data\n", "utf-8")
    with pytest.raises(ThadsError, match="thads.yml: khóa không hợp lệ dta"):
        project.find(tmp_path)


def test_province_codes_that_papermill_turned_into_numbers_still_resolve():
    units = Units.load()
    assert units.resolve(1, Period.parse("2024-M12")).name == "Hà Nội"
    assert units.resolve(93, Period.parse("2024-M11")).name == "Hậu Giang"


def test_a_province_variant_beside_the_shared_notebook_is_used_for_that_province(tmp_path):
    for name in ("province_report.ipynb", "province_report.hau-giang.ipynb", "special.ipynb",
                 "national_overview.ipynb"):
        (tmp_path / name).write_text("{}", "utf-8")
    units = Units.load()
    requests = [batch.Request((Period.parse("2024-M11"),), ("93", "94")),
                batch.Request((Period.parse("2024-M11"),), ("95",), notebook="special.ipynb"),
                batch.Request((Period.parse("2024-M11"),), kind="national")]
    made_by = {job.folder: job.notebook.name for job in batch.plan(units, requests, tmp_path)}
    assert made_by == {"93": "province_report.hau-giang.ipynb", "94": "province_report.ipynb",
                       "95": "special.ipynb", "toan-quoc": "national_overview.ipynb"}
    with pytest.raises(ThadsError, match="Không tìm thấy notebook"):
        batch.plan(units, [batch.Request((Period.parse("2024-M11"),), ("93",), notebook="missing.ipynb")], tmp_path)


def test_batch_files_name_a_notebook_per_entry(tmp_path):
    path = tmp_path / "batch.yml"
    path.write_text("reports:\n  - {periods: [2024-M11], provinces: [93], notebook: special.ipynb}\n", "utf-8")
    assert batch.load_requests(path)[0].notebook == "special.ipynb"
    path.write_text("reports:\n  - {periods: [2024-M11], notebook: [a, b]}\n", "utf-8")
    with pytest.raises(ThadsError, match="mục 1 của reports: notebook cần là tên tệp .ipynb"):
        batch.load_requests(path)


def test_every_kind_of_report_has_its_notebook():
    for kind in kinds.KINDS.values():
        assert (ROOT / "notebooks" / kind.notebook).is_file()
    with pytest.raises(ThadsError, match="chọn province, national, office"):
        kinds.get("don-vi")


def test_a_notebook_that_did_not_run_through_is_not_exported():
    never = nbformat.v4.new_notebook(cells=[cell("r = ProvinceReport(province, period)")])
    with pytest.raises(ValueError, match="Notebook chưa được chạy"):
        ReportHTMLExporter().from_notebook_node(never)
    stopped = nbformat.v4.new_notebook(cells=[RECORD, cell("r.offices['sai']", nbformat.v4.new_output(
        "error", ename="KeyError", evalue="'sai'", traceback=[]))])
    with pytest.raises(ValueError, match=r"ô 2 \(«r.offices\['sai'\]»\): KeyError"):
        ReportHTMLExporter().from_notebook_node(stopped)
    other = nbformat.v4.new_notebook(cells=[cell("print(1)", stream("1\n"))])
    with pytest.raises(ValueError, match="không ghi lại số liệu chính"):
        ReportHTMLExporter().from_notebook_node(other)


def test_a_format_the_project_file_does_not_know_is_refused_there(tmp_path):
    (tmp_path / "thads.yml").write_text("formats: [html, pfd]\n", "utf-8")
    with pytest.raises(ThadsError, match=r"thads.yml: formats .* không có định dạng pfd"):
        project.find(tmp_path)


def test_rates_in_a_frame_keep_their_two_decimals():
    row = parts.frame(pd.DataFrame({"ty_le": [Decimal("72.30"), Decimal("83.76"), Decimal("75")]})).record["rows"]
    assert row == [["72,30"], ["83,76"], ["75"]]


def test_the_reports_charts_use_its_serif_font():
    from matplotlib.font_manager import findfont

    from thads import charts, dataset, metrics

    data = dataset.load(ROOT / "data")
    period = Period.parse("2024-M11")
    figure = charts.rates_vs_targets(metrics.key_figures(data, data.units.resolve("93", period), period))
    charts.png(figure)
    fonts = {Path(findfont(t.get_fontproperties())).name for t in figure.findobj(lambda a: hasattr(a, "get_fontproperties"))}
    assert fonts and all("Serif" in name for name in fonts), fonts


def test_a_chart_is_svg_with_its_words_as_text_and_png_only_when_word_is_made(monkeypatch):
    from thads import charts, dataset, metrics, report

    data = dataset.load(ROOT / "data")
    period = Period.parse("2024-M11")
    figures = metrics.key_figures(data, data.units.resolve("93", period), period)
    svg = charts.svg(charts.rates_vs_targets(figures))
    assert svg == charts.svg(charts.rates_vs_targets(figures))     # an unchanged report stays byte for byte
    text = svg.decode("utf-8")
    assert ">Tỷ lệ thi hành xong so với chỉ tiêu</text>" in text and ">Về việc</text>" in text
    assert "font-family: 'Times New Roman', 'Liberation Serif'" in text
    monkeypatch.setattr(parts, "CHART_PNG", True)
    kernel_data, metadata = report._figure(charts.rates_vs_targets(figures), "Biểu đồ")._repr_mimebundle_()
    assert set(kernel_data) == {"image/svg+xml", "image/png", parts.PART} and metadata["image/svg+xml"]["alt"]
    parts.chart_png(False)                                     # what kernel.fresh does for a report without Word
    kernel_data, metadata = report._figure(charts.rates_vs_targets(figures), "Biểu đồ")._repr_mimebundle_()
    assert set(kernel_data) == {"image/svg+xml", parts.PART}
    shown = nbformat.v4.new_output("display_data", data=kernel_data, metadata=metadata)
    page = BeautifulSoup(ReportHTMLExporter().from_notebook_node(nbformat.v4.new_notebook(cells=[
        RECORD, cell("r.chart_rates()", shown)]))[0], "html.parser")
    image = page.select_one("figure.chart img")
    assert image["src"].startswith("data:image/svg+xml;base64,") and image["class"] == ["text-width"]


def test_charts_copied_from_a_blank_figure_share_nothing_and_follow_their_own_reports_rcparams():
    from thads import charts, dataset, metrics

    data = dataset.load(ROOT / "data")
    period = Period.parse("2024-M11")
    figures = metrics.key_figures(data, data.units.resolve("93", period), period)
    charts.keep_blanks(True)                                  # as a template rehearsing does (kernel.rehearse)
    try:
        first, second = charts.rates_vs_targets(figures), charts.rates_vs_targets(figures)
        assert charts._BLANKS                                 # the second is a copy of the kept blank figure
        assert first.axes[0] is not second.axes[0] and len(first.axes[0].patches) == len(second.axes[0].patches) == 2
        with mpl.rc_context({"axes.facecolor": "#eeeeee"}):  # an analyst's cell, in one report
            changed = charts.rates_vs_targets(figures)
        after = charts.rates_vs_targets(figures)              # the next report, its kernel made clean
    finally:
        charts.keep_blanks(False)
        charts._BLANKS.clear()
    assert changed.axes[0].get_facecolor()[:3] == pytest.approx((0.933, 0.933, 0.933), abs=1e-3)
    assert after.axes[0].get_facecolor() == first.axes[0].get_facecolor() == (1, 1, 1, 1)


def test_the_structure_chart_says_chua_co_dieu_kien_only_where_it_makes_up_the_rest():
    from dataclasses import replace

    from thads import charts, dataset, metrics

    data = dataset.load(ROOT / "data")
    period = Period.parse("2024-M11")
    figures = metrics.key_figures(data, data.units.resolve("93", period), period)

    def legend(kf) -> list[str]:
        return [t.get_text() for t in charts.structure(kf).axes[0].get_legend().get_texts()]

    assert legend(figures)[2] == "Chưa có điều kiện"           # the sample: có + chưa có = phải thi hành
    # Other statuses (34.110 + 17.034 < 53.266 in a real report): the rest is not all "chưa có điều kiện".
    other = replace(figures, viec=replace(figures.viec, chua_co_dieu_kien=figures.viec.chua_co_dieu_kien - 1))
    assert legend(other)[2] == "Ngoài số có điều kiện"


def test_a_chart_drawn_as_png_has_every_vietnamese_letter(recwarn):
    # Debian installs fonts-liberation 1.x (no Vietnamese) beside fonts-liberation2 when Chromium or LibreOffice
    # is installed; the PNG for Word then drew boxes for 'ệ', 'ỉ', 'ớ' and matplotlib warned "Glyph … missing".
    import matplotlib.pyplot as plt

    from thads import charts

    fig, ax = plt.subplots()
    ax.set_title("Tỷ lệ thi hành xong về việc theo đơn vị")
    charts.png(fig)
    plt.close(fig)
    assert not [w for w in recwarn if "missing from font" in str(w.message)]


def test_parts_carry_their_style_into_jupyterlab_scoped_and_the_export_drops_it():
    data, _ = parts.table(["Đơn vị", "Tỷ lệ"], [["A", "76,97%"]], [False, True], caption="Bảng thử",
                          numbering="Bảng", number=1)._repr_mimebundle_()
    page = BeautifulSoup(data["text/html"], "html.parser")
    style = page.find("style")
    assert style is not None and "thads-lab-style" in style["class"] and page.find("script") is None
    rules = [rule.split("{")[0] for rule in style.get_text().split("}") if "{" in rule]
    assert rules and all(sel.strip().startswith(".thads-part") for rule in rules for sel in rule.split(","))
    assert "Bảng 1." in page.find("caption").get_text()
    exported = parts.without_lab_style(data["text/html"])
    assert "<style" not in exported and "Bảng thử" in exported
