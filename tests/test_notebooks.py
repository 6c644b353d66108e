"""Analysts write the report: what they add to a notebook shows in the HTML and the PDF, each report in a
warm kernel starts clean, a province can have its own notebook, the plain Jupyter tools give the same
report as `thads run`, and summary.json holds what the executed notebook recorded."""

import io
import json
import re
import shutil
import socket
import subprocess
import sys
import time
import unicodedata
import urllib.request
from pathlib import Path

import nbformat
import pytest
from bs4 import BeautifulSoup
from pypdf import PdfReader

from thads import parts

from tests.support import seed, thads

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

ANALYST_CELLS = [
    ("markdown", "### Nhận xét của chuyên viên\n\nĐoạn viết thêm: **ĐOẠN-CỦA-CHUYÊN-VIÊN**."),
    ("code", "import os\nimport pandas as pd\n"
             "print('THẤY-BIẾN-CŨ:', 'bien_cua_bao_cao_truoc' in globals())\n"
             "print('TÙY-CHỌN-PANDAS:', pd.get_option('display.max_rows'))\n"
             "print('TỔNG-VIỆC-XONG:', int(r.data.stats['viec_xong'].sum()))\n"
             "print('THƯ-MỤC:', os.getcwd())"),
    ("code", "import matplotlib.pyplot as plt\nfig, ax = plt.subplots(figsize=(6, 2.5))\nax.bar(['A', 'B'], [3, 5])\n"
             "ax.set_title('Biểu đồ thứ nhất của chuyên viên')\nplt.show()"),
    ("code", "fig2, ax2 = plt.subplots(figsize=(6, 2.5))\nax2.plot([1, 2, 3], [2, 1, 3])\nfig2"),
    ("code", "pd.DataFrame({'Đơn vị': ['Bảng-chuyên-viên', 'Khác'], 'Số việc': [11410, 7942], 'Tỷ lệ': [76.97, 0.5]})"),
    ("code", "print('DÒNG-IN-CỦA-CHUYÊN-VIÊN', r.figures.viec.ty_le)"),
    ("code", "import sys\nprint('cảnh-báo-stderr', file=sys.stderr)"),
    ("code", "bien_cua_bao_cao_truoc = 1\npd.set_option('display.max_rows', 3)\nr.data.stats['viec_xong'] = 0\n"
             "os.chdir('/')"),
]


def readme_example() -> list[tuple[str, str]]:
    """The code cells of README's worked example (section "Sửa và viết thêm báo cáo")."""
    section = (ROOT / "README.md").read_text("utf-8").split("## Sửa và viết thêm báo cáo", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    assert len(blocks) == 2
    return [("code", block.strip()) for block in blocks]


PAGE_NUMBER = re.compile(r"^\s*\d+\s*\n|\n\s*\d+\s*$")     # a page's number, alone on its line


def text_of(path: Path) -> str:
    if path.suffix == ".pdf":
        # Each page's number (from page 2, extracted first or last) is left out: a sentence split by a page break reads whole.
        pages = [PAGE_NUMBER.sub("", page.extract_text() or "") for page in PdfReader(path).pages]
        return unicodedata.normalize("NFC", " ".join(" ".join(page.split()) for page in pages))
    return " ".join(BeautifulSoup(path.read_text("utf-8"), "html.parser").get_text(" ").split())


def pdf_images(path: Path) -> int:
    """Images drawn on the pages (each `Do` of an image XObject; a page's resources may list more)."""
    drawn = 0
    for page in PdfReader(path).pages:
        names = [name for name, ref in (page["/Resources"].get("/XObject") or {}).items()
                 if ref.get_object().get("/Subtype") == "/Image"]
        content = page.get_contents().get_data()
        drawn += sum(len(re.findall(re.escape(name.encode()) + rb"\s+Do\b", content)) for name in names)
    return drawn


def with_cells(source: Path, target: Path, cells, before: str = "## V. Phụ lục") -> None:
    """A copy of a notebook with `cells` inserted before the Markdown cell that starts with `before`."""
    notebook = nbformat.read(source, as_version=4)
    at = next(i for i, c in enumerate(notebook.cells) if c.cell_type == "markdown" and c.source.startswith(before))
    new = [nbformat.v4.new_markdown_cell(s) if kind == "markdown" else nbformat.v4.new_code_cell(s) for kind, s in cells]
    notebook.cells[at:at] = new
    nbformat.write(notebook, target)


@pytest.fixture(scope="module")
def analyst(tmp_path_factory):
    """One batch, one worker: 93 and 94 from the shared notebook with the analyst's cells (94 has its own
    variant, found by its slug), 95 from a notebook named in the batch file, 89 from a notebook that
    builds no report."""
    base = tmp_path_factory.mktemp("analyst")
    folder = base / "notebooks"
    shutil.copytree(ROOT / "notebooks", folder)
    shared = folder / "province_report.ipynb"
    with_cells(shared, shared, ANALYST_CELLS + readme_example())
    with_cells(shared, folder / "province_report.soc-trang.ipynb", [("markdown", "## Mục riêng của Sóc Trăng")])
    with_cells(shared, folder / "special.ipynb", [("markdown", "Notebook đặc biệt của tệp khai báo.")])
    nbformat.write(nbformat.v4.new_notebook(metadata=nbformat.read(shared, as_version=4).metadata, cells=[
        nbformat.v4.new_code_cell('province = "93"\nperiod = "2024-M11"', metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("print('không có đối tượng báo cáo')")]), folder / "norecord.ipynb")
    batch = base / "batch.yml"
    batch.write_text("reports:\n"
                     "  - {periods: [2024-M11], provinces: [93, 94], date: 2024-09-26, formats: [html, pdf, docx]}\n"
                     "  - {periods: [2024-M11], provinces: [95], notebook: special.ipynb}\n"
                     "  - {periods: [2024-M11], provinces: [89], notebook: norecord.ipynb}\n", "utf-8")
    out = base / "out"
    # Run from the batch's own folder, as an analyst with a folder of notebooks would.
    done = thads("run", "batch.yml", "--notebooks", "notebooks", "--out", "out", "--jobs", "1",
                 "--data", str(ROOT / "data"), "--notes", str(ROOT / "parameters" / "notes"), cwd=base)
    return {"out": out / "2024-M11", "folder": folder, "done": done}


@pytest.mark.parametrize("kind", ["html", "pdf"])
def test_what_an_analyst_adds_shows_in_the_html_and_the_pdf(analyst, kind):
    report = analyst["out"] / "93" / f"report.{kind}"
    text = text_of(report)
    for words in ("Nhận xét của chuyên viên", "ĐOẠN-CỦA-CHUYÊN-VIÊN", "DÒNG-IN-CỦA-CHUYÊN-VIÊN 76.97",
                  "Bảng-chuyên-viên", "11.410", "76,97"):
        assert words in text, words
    for code in ("plt.subplots", "import ", "print(", "pd.DataFrame", "cảnh-báo-stderr"):
        assert code not in text, code
    # 6 charts of the package + the analyst's 2 + README's example, each once (a figure left as the last
    # expression is also shown by the inline backend: the duplicate is dropped).
    if kind == "html":
        images = BeautifulSoup(report.read_text("utf-8"), "html.parser").find_all("img")
        assert len(images) == 9 and len({img["src"] for img in images}) == 9
        table = next(t for t in BeautifulSoup(report.read_text("utf-8"), "html.parser").find_all("table")
                     if "Bảng-chuyên-viên" in t.get_text())
        assert "data" in table["class"] and [td.get_text() for td in table.find_all("td")][:3] == \
            ["Bảng-chuyên-viên", "11.410", "76,97"]
    else:
        # The package's charts are drawn as lines and words (SVG), their titles text of the PDF; the analyst's
        # three figures are images.
        assert pdf_images(report) == 3
        for title in ("Tỷ lệ thi hành xong so với chỉ tiêu", "Cơ cấu số phải thi hành (% trên tổng số phải thi hành)",
                      "Tỷ lệ thi hành xong về việc theo đơn vị", "Tỷ lệ thi hành xong về tiền theo đơn vị"):
            assert title in text, title
    log = (analyst["out"] / "93" / "report.log").read_text("utf-8")
    assert "cảnh-báo-stderr" in log and "bỏ một hình lặp lại" in log


def test_what_an_analyst_adds_is_in_the_word_file_too(analyst):
    from docx import Document
    from PIL import Image

    doc = Document(analyst["out"] / "93" / "report.docx")
    text = " ".join(" ".join(p.text for p in doc.paragraphs).split())
    for words in ("ĐOẠN-CỦA-CHUYÊN-VIÊN", "DÒNG-IN-CỦA-CHUYÊN-VIÊN 76.97", "việc có điều kiện chưa thi hành xong"):
        assert words in text, words
    assert "cảnh-báo-stderr" not in text and "plt.subplots" not in text
    assert ("Heading 2", "Nhận xét của chuyên viên") in [(p.style.name, p.text) for p in doc.paragraphs]
    frame = next(t for t in doc.tables if t.cell(0, 0).text == "Đơn vị")
    assert [c.text for c in frame.rows[1].cells] == ["Bảng-chuyên-viên", "11.410", "76,97"]
    assert len(doc.inline_shapes) == 9
    for shape in doc.inline_shapes:            # every chart at least 150 dpi at its printed size
        blip = shape._inline.graphic.graphicData.pic.blipFill.blip.embed
        assert Image.open(io.BytesIO(doc.part.related_parts[blip].blob)).width / (shape.width / 914400) >= 150
    assert "Biểu đồ 7. Biểu đồ thứ nhất của chuyên viên" in [p.text for p in doc.paragraphs]


@pytest.mark.parametrize("kind", ["html", "pdf"])
def test_the_readme_example_adds_its_paragraph_with_the_reports_own_figures(analyst, kind):
    summary = json.loads((analyst["out"] / "93" / "summary.json").read_text("utf-8"))
    v = summary["viec"]
    still = f"{v['co_dieu_kien'] - v['thi_hanh_xong']:,}".replace(",", ".")
    assert (f"Còn {still} việc có điều kiện chưa thi hành xong; tỷ lệ hiện nay là 76,97%, chỉ tiêu 83,35%."
            in text_of(analyst["out"] / "93" / f"report.{kind}"))


def test_each_report_in_a_warm_kernel_starts_clean(analyst):
    """93 sets a global, a pandas option, the working folder and changes the shared table in place;
    94 and 95, made after it by the same worker, each in a kernel of its own, see none of it."""
    seen = {}
    for code in ("93", "94", "95"):
        text = text_of(analyst["out"] / code / "report.html")
        assert "THẤY-BIẾN-CŨ: False" in text and "TÙY-CHỌN-PANDAS: 60" in text, code
        assert f"THƯ-MỤC: {analyst['folder']}" in text, code
        seen[code] = int(re.search(r"TỔNG-VIỆC-XONG: (\d+)", text)[1])
    assert len(set(seen.values())) == 1 and seen["93"] > 0
    kernels = [re.search(r"kernel: .*pid (\d+), mới cho báo cáo này( \(tách từ tiến trình mẫu pid \d+\))?",
                         (analyst["out"] / c / "report.log").read_text("utf-8")) for c in ("93", "94", "95")]
    assert len({k[1] for k in kernels}) == 3, kernels                     # a new kernel for each report,
    assert len({k[2] for k in kernels}) == 1, kernels                     # forked from one template on Linux


def test_a_province_can_have_its_own_notebook(analyst):
    out, done = analyst["out"], analyst["done"]
    assert "notebook: " + str(analyst["folder"] / "province_report.soc-trang.ipynb") in \
        (out / "94" / "report.log").read_text("utf-8")
    assert "Mục riêng của Sóc Trăng" in text_of(out / "94" / "report.html")
    assert "Mục riêng của Sóc Trăng" not in text_of(out / "93" / "report.html")
    assert "notebook: " + str(analyst["folder"] / "special.ipynb") in (out / "95" / "report.log").read_text("utf-8")
    assert "Notebook đặc biệt của tệp khai báo." in text_of(out / "95" / "report.pdf")
    for name in ("province_report.soc-trang.ipynb", "special.ipynb", "norecord.ipynb"):
        assert f"notebooks/{name}" in done.stderr, name        # the summary table names each one


def test_a_notebook_that_records_no_figures_fails_clearly(analyst):
    done = analyst["done"]
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "không ghi lại số liệu chính" in done.stderr and "ProvinceReport" in done.stderr
    folder = analyst["out"] / "89"
    assert not (folder / "summary.json").exists() and (folder / "report.failed.ipynb").is_file()
    assert "Đã tạo 3, bỏ qua 0, lỗi 1." in done.stderr


def test_summary_json_is_what_the_executed_notebook_recorded(analyst):
    folder = analyst["out"] / "93"
    recorded = parts.recorded(nbformat.read(folder / "report.ipynb", as_version=4), "province", "93", "2024-M11")
    summary = json.loads((folder / "summary.json").read_text("utf-8"))
    assert summary == recorded["figures"] and summary["viec"]["ty_le"] == 76.97


# The plain Jupyter path ------------------------------------------------------------------------------
def papermill(out: Path, *params: str, cwd: Path = ROOT, notebook: str = "notebooks/province_report.ipynb"):
    """The papermill command line, as an analyst types it, and the folder it runs in."""
    args = [str(BIN / "papermill"), notebook, str(out), "--no-progress-bar"]
    for param in params:
        args += ["-p", *param.split("=", 1)]
    return args, cwd


def together(*commands: tuple[list[str], Path]) -> None:
    """Run independent commands at the same time (each is mostly one core's work), each checked."""
    running = [(subprocess.Popen(args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True), args)
               for args, cwd in commands]
    for process, args in running:
        _, err = process.communicate(timeout=600)
        assert process.returncode == 0, f"{' '.join(args)}: {err[-3000:]}"


@pytest.fixture(scope="module")
def plain(tmp_path_factory):
    """papermill from the project root and from notebooks/, the nbconvert exporters, and `thads run`."""
    out = tmp_path_factory.mktemp("plain")
    thads_cli = [sys.executable, "-m", "thads"]
    together(papermill(out / "root.ipynb", "province=93", "period=2024-M11", "report_date=2024-09-26"),
             papermill(out / "inside.ipynb", "province=93", "period=2024-M11", "report_date=2024-09-26",
                       cwd=ROOT / "notebooks", notebook="province_report.ipynb"),
             papermill(out / "ha-noi.ipynb", "province=01", "period=2024-M12"),
             ([*thads_cli, "run", "--period", "2024-M11", "--province", "93", "--date", "2024-09-26", "--format",
               "html", "--out", str(out / "run")], ROOT))
    together(*[([str(BIN / "jupyter"), "nbconvert", "--to", fmt, str(out / "root.ipynb")], ROOT)
               for fmt in ("thads_html", "thads_pdf")],
             ([*thads_cli, "export", str(out / "ha-noi.ipynb"), "--format", "html"], ROOT))
    return out


SEED = seed.SEED_SENTENCES


@pytest.mark.parametrize("name", ["root.html", "root.pdf"])
def test_papermill_then_nbconvert_gives_the_report_without_code(plain, name):
    text = text_of(plain / name)
    assert all(sentence in seed.unranked(text) for sentence in SEED)
    for code in ("ProvinceReport", "import ", "r.header()", "data_dir", "In [", "Out["):
        assert code not in text


def test_plain_jupyter_and_thads_run_give_the_same_report(plain):
    from thads.exporters import Export

    made = text_of(plain / "run" / "2024-M11" / "93" / "report.html")
    for name in ("root.ipynb", "inside.ipynb"):
        page = Export(nbformat.read(plain / name, as_version=4)).page
        (plain / f"{name}.html").write_text(page, "utf-8")
        assert text_of(plain / f"{name}.html") == made, name


def test_papermill_passes_01_as_the_number_1_and_it_still_means_ha_noi(plain):
    text = text_of(plain / "ha-noi.html")
    assert "THI HÀNH ÁN DÂN SỰ THÀNH PHỐ HÀ NỘI" in text.upper() and "Tổng kết" in text


def test_jupyterlab_lists_the_exporters_and_exports_with_them(plain):
    """The Jupyter server behind JupyterLab's "Save and Export Notebook As" menu lists thads_html and
    thads_pdf and converts a notebook with each."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([str(BIN / "jupyter"), "server", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
                               "--allow-root", "--ServerApp.token=secret", f"--ServerApp.root_dir={plain}"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        def get(path: str) -> tuple[str, bytes]:
            request = urllib.request.Request(f"http://127.0.0.1:{port}{path}",
                                             headers={"Authorization": "token secret"})
            with urllib.request.urlopen(request, timeout=120) as response:
                return response.headers["Content-Type"], response.read()

        body = None
        for _ in range(150):
            try:
                _, body = get("/api/nbconvert")
                break
            except OSError:
                assert server.poll() is None, "jupyter server stopped"
                time.sleep(0.2)
        exporters = json.loads(body)
        assert exporters["thads_html"]["output_mimetype"] == "text/html"
        assert exporters["thads_pdf"]["output_mimetype"] == "application/pdf"
        kind, page = get("/nbconvert/thads_html/root.ipynb?download=true")
        assert kind.startswith("text/html") and SEED[0] in seed.unranked(" ".join(page.decode("utf-8").split()))
        kind, pdf = get("/nbconvert/thads_pdf/root.ipynb?download=true")
        assert kind.startswith("application/pdf") and pdf.startswith(b"%PDF")
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_thads_export_refuses_a_notebook_that_was_not_run(tmp_path):
    shutil.copy(ROOT / "notebooks" / "province_report.ipynb", tmp_path / "chua-chay.ipynb")
    done = thads("export", str(tmp_path / "chua-chay.ipynb"))
    assert done.returncode == 1 and "Notebook chưa được chạy" in done.stderr and "Traceback" not in done.stderr
    assert not list(tmp_path.glob("*.html"))
