"""End to end: `thads run` executes the notebook on a real kernel and exports HTML (nbconvert) and PDF
(printed by Chromium); the tests read the figures and sentences a user would read in both files."""

import json
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import nbformat
import pandas as pd
import papermill
import pytest
from bs4 import BeautifulSoup
from pypdf import PdfReader

from tests.support import seed
from tests.support import start as thads     # the runs go together: each waited for later

pytestmark = pytest.mark.slow   # real kernels, batches or a browser: make test, not make check

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"


def html_text(path: Path) -> str:
    return " ".join(BeautifulSoup(path.read_text("utf-8"), "html.parser").get_text(" ").split())


PAGE_NUMBER = re.compile(r"^\s*\d+\s*\n|\n\s*\d+\s*$")     # a page's number, alone on its line


def pdf_text(path: Path) -> str:
    """The text of every page, read on across page breaks: each page's number (from page 2, extracted first or last) is
    left out, so that a sentence split by a page break reads whole."""
    pages = [PAGE_NUMBER.sub("", page.extract_text() or "") for page in PdfReader(path).pages]
    return unicodedata.normalize("NFC", " ".join(" ".join(page.split()) for page in pages))


def no_conditions_data(folder: Path) -> Path:
    """Hậu Giang 2024 where nothing had conditions for enforcement: every rate is undefined."""
    shutil.copytree(DATA, folder, ignore=shutil.ignore_patterns("stats"))
    stats = pd.read_csv(DATA / "stats" / "2024.csv", dtype={"don_vi": str, "tinh": str})
    stats = stats[stats["tinh"] == "93"].copy()
    for kind in ("viec", "tien"):
        for column in ("co_dieu_kien", "xong", "dinh_chi", "hoan", "tam_dinh_chi"):
            stats[f"{kind}_{column}"] = 0
        stats[f"{kind}_chua_co_dieu_kien"] = stats[f"{kind}_phai_thi_hanh"]
        stats[f"{kind}_chuyen_ky_sau"] = stats[f"{kind}_phai_thi_hanh"]
    (folder / "stats").mkdir()
    stats.to_csv(folder / "stats" / "2024.csv", index=False)
    return folder


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """Four reports made at once (two cores): the seed, a merged province, no target, no conditions."""
    out = tmp_path_factory.mktemp("outputs")
    empty = no_conditions_data(tmp_path_factory.mktemp("data") / "no_conditions")
    batch = tmp_path_factory.mktemp("parameters") / "batch.yml"
    batch.write_text("reports:\n"
                     "  - {periods: [2024-M11], provinces: [93], date: 2024-09-26}\n"
                     "  - {periods: [2026-M12], provinces: [Cần Thơ, lai-chau], formats: [html, pdf]}\n", "utf-8")
    required = required_columns_data(tmp_path_factory.mktemp("data") / "required_only")
    runs = [thads("run", str(batch), "--out", str(out), "--jobs", "1"),
            thads("run", "--period", "2024-M11", "--province", "93", "--out", str(out / "empty"), "--data",
                  str(empty)),
            thads("run", "--period", "2024-M11", "--province", "93", "--out", str(out / "required"), "--data",
                  str(required))]
    for process in runs:
        _, err = process.communicate(timeout=600)
        assert process.returncode == 0, err
    return out


def required_columns_data(folder: Path) -> Path:
    """Hậu Giang 2024 with the required columns only: no indicator, no breakdown, no đình chỉ."""
    shutil.copytree(DATA, folder, ignore=shutil.ignore_patterns("stats"))
    stats = pd.read_csv(DATA / "stats" / "2024.csv", dtype={"don_vi": str, "tinh": str})
    stats = stats[stats["tinh"] == "93"][["nam", "thang", "don_vi", "viec_phai_thi_hanh", "viec_co_dieu_kien",
                                          "viec_xong", "tien_phai_thi_hanh", "tien_co_dieu_kien", "tien_xong"]]
    (folder / "stats").mkdir()
    stats.to_csv(folder / "stats" / "2024.csv", index=False)
    return folder


SEED_SENTENCES = [
    *seed.SEED_SENTENCES,
    "tiếp 209 lượt công dân; thụ lý 41 đơn khiếu nại, tố cáo thuộc thẩm quyền, đã giải quyết 96,97% đơn khiếu nại "
    "và 75% đơn tố cáo",
    "đã tiếp nhận 7 văn bản xin ý kiến nghiệp vụ của các Chi cục Thi hành án dân sự trực thuộc, xem xét giải quyết "
    "đạt 100%",
    "cử 126 công chức trong hệ thống tham gia các lớp tập huấn",
    "tổ chức tập huấn kỹ năng sử dụng các phần mềm, ứng dụng tại 8/8 Chi cục Thi hành án dân sự trực thuộc",
]


@pytest.mark.parametrize("kind", ["html", "pdf"])
def test_the_seed_report_carries_every_figure_of_the_article_in_its_sentence(reports, kind):
    folder = reports / "2024-M11" / "93"
    text = html_text(folder / "report.html") if kind == "html" else pdf_text(folder / "report.pdf")
    for sentence in SEED_SENTENCES:
        assert sentence in seed.unranked(text)
    # The article prints 96,96% for 32 of 33 complaints: 96,9696...% rounds half-up to 96,97%.
    assert "96,96%" not in text
    assert "BÁO CÁO" in text and "Sơ kết công tác thi hành án dân sự, theo dõi thi hành án hành chính 11 tháng năm 2024" in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "Độc lập - Tự do - Hạnh phúc" in text
    assert "Hậu Giang, ngày 26 tháng 9 năm 2024" in text
    assert "DỮ LIỆU MẪU" in text
    assert "thấp hơn chỉ tiêu 6,38% (đạt 92,35% so với chỉ tiêu)" in text
    assert "cần thi hành xong thêm ít nhất 507 việc" in text
    # The prose ranks the two completion rates only (ranks_in_text), as published reports do; the rank table keeps
    # every rank.
    results = text[text.index("Tính từ ngày 01/10/2023"):text.index("Vị trí của tỉnh Hậu Giang")]
    assert re.findall(r"xếp thứ \d+/\d+", results) == ["xếp thứ 63/63", "xếp thứ 63/63"]
    assert "đạt 76,97% (xếp thứ 63/63; chỉ tiêu giao là 83,35%)" in results
    assert "đạt 33,89% (xếp thứ 63/63; chỉ tiêu giao là 46,75%)" in results
    assert text.count("507 việc") == 1
    assert "Đồng Văn Thanh" in text and "Lê Phước Toàn" in text       # the analysts' notes
    for code in ("ProvinceReport", "import ", "r.header()", "data_dir", "In [", "Out["):
        assert code not in text


def test_the_html_is_one_self_contained_file(reports):
    page = (reports / "2024-M11" / "93" / "report.html").read_text("utf-8")
    soup = BeautifulSoup(page, "html.parser")
    assert soup.find("script") is None and soup.find("link") is None and soup.find("iframe") is None
    images = soup.find_all("img")
    assert len(images) >= 6 and all(img["src"].startswith("data:image/svg+xml;base64,") for img in images)
    for tag in soup.find_all(src=True) + soup.find_all(href=True):
        value = tag.get("src") or tag.get("href")
        assert value.startswith(("data:", "#")), value
    assert "http://" not in page.replace("http://www.w3.org", "") and "https://" not in page
    csp = soup.find("meta", attrs={"http-equiv": "Content-Security-Policy"})["content"]
    assert "default-src 'none'" in csp
    toc = soup.find("nav", class_="toc")
    targets = [a["href"][1:] for a in toc.find_all("a")]
    assert len(targets) >= 8 and all(soup.find(id=t) for t in targets)


def test_the_pdf_is_a4_with_a_vietnamese_serif_font_and_page_numbers(reports):
    reader = PdfReader(reports / "2024-M11" / "93" / "report.pdf")
    width, height = float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)
    assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (210, 297)
    fonts = {str(f.get_object()["/BaseFont"]) for p in reader.pages
             for f in (p["/Resources"].get("/Font") or {}).values()}
    assert fonts and all(re.search(r"Liberation-?Serif|Times", f) for f in fonts), fonts
    assert len(reader.pages) >= 3
    def top_margin_text(number: int) -> str:
        """The text of page `number` inside its top margin (20 mm), as poppler reads it."""
        points = round(20 / 25.4 * 72)
        return subprocess.run(["pdftotext", "-r", "72", "-x", "0", "-y", "0", "-W", str(round(width)), "-H", str(points),
                               "-f", str(number), "-l", str(number), str(reports / "2024-M11" / "93" / "report.pdf"), "-"],
                              capture_output=True, text=True, check=True).stdout.strip()

    # Page numbers centred in the top margin, from page 2 on; none on the first page.
    assert [top_margin_text(n) for n in (1, 2, 3)] == ["", "2", "3"]


def test_summary_json_and_the_executed_notebook_are_kept(reports):
    folder = reports / "2024-M11" / "93"
    summary = json.loads((folder / "summary.json").read_text("utf-8"))
    assert summary["viec"]["ty_le"] == 76.97 and summary["tien"]["ty_le"] == 33.89
    notebook = nbformat.read(folder / "report.ipynb", as_version=4)
    assert any(cell.get("outputs") for cell in notebook.cells)
    assert not list((reports / ".work").glob("*"))                  # nothing half-made left behind


@pytest.mark.parametrize("kind", ["html", "pdf"])
def test_a_merged_province_compares_with_its_predecessors_summed(reports, kind):
    folder = reports / "2026-M12" / "92"
    text = html_text(folder / "report.html") if kind == "html" else pdf_text(folder / "report.pdf")
    assert "toàn thành phố thụ lý tổng số" in text and "Tổng kết công tác thi hành án dân sự" in text
    assert "So với cùng kỳ năm 2025 (*)" in text
    assert ("(*) Thành phố Cần Thơ được thành lập ngày 01/07/2025 trên cơ sở hợp nhất thành phố Cần Thơ (92), "
            "tỉnh Sóc Trăng (94) và tỉnh Hậu Giang (93)") in text
    assert "THI HÀNH ÁN DÂN SỰ THÀNH PHỐ CẦN THƠ" in text and "Phòng Thi hành án dân sự khu vực" in text
    summary = json.loads((folder / "summary.json").read_text("utf-8"))
    assert summary["cung_ky"]["gop_tu"] == ["Thành phố Cần Thơ (92)", "Tỉnh Sóc Trăng (94)", "Tỉnh Hậu Giang (93)"]


@pytest.mark.parametrize("kind", ["html", "pdf"])
def test_a_province_without_target_says_so(reports, kind):
    folder = reports / "2026-M12" / "12"
    text = html_text(folder / "report.html") if kind == "html" else pdf_text(folder / "report.pdf")
    assert "Chưa có chỉ tiêu năm 2026 về việc giao cho tỉnh Lai Châu" in text
    assert "chưa có chỉ tiêu được giao" in text
    assert "vượt" not in text.split("III.")[0] and "thấp hơn chỉ tiêu" not in text


@pytest.mark.parametrize("kind", ["html", "pdf"])
def test_nothing_with_conditions_gives_no_rates_and_no_crash(reports, kind):
    folder = reports / "empty" / "2024-M11" / "93"
    text = html_text(folder / "report.html") if kind == "html" else pdf_text(folder / "report.pdf")
    assert ("có 0 việc có điều kiện thi hành, chiếm 0% tổng số phải thi hành; 11.410 việc chưa có điều kiện thi hành; "
            "số thi hành xong là 0 việc, chưa tính được tỷ lệ") in text
    assert "Không có việc có điều kiện thi hành nên chưa so sánh được" in text
    summary = json.loads((folder / "summary.json").read_text("utf-8"))
    assert summary["viec"]["ty_le"] is None and summary["tien"]["ty_le"] is None


def test_the_notebook_runs_top_to_bottom_with_its_defaults(tmp_path):
    """As an analyst runs it in JupyterLab: no parameters injected, from the notebooks folder."""
    out = tmp_path / "run.ipynb"
    papermill.execute_notebook(str(ROOT / "notebooks" / "province_report.ipynb"), str(out), kernel_name="python3",
                               cwd=str(ROOT / "notebooks"), progress_bar=False)
    html = " ".join(o.get("data", {}).get("text/html", "") for c in nbformat.read(out, as_version=4).cells
                    for o in c.get("outputs", []))
    assert "tổng số phải thi hành là 11.410 việc" in seed.unranked(html)


def test_committed_notebooks_are_thin_and_clean():
    for path in (ROOT / "notebooks").glob("*.ipynb"):
        notebook = nbformat.read(path, as_version=4)
        code = [c for c in notebook.cells if c.cell_type == "code"]
        assert sum("parameters" in c.metadata.get("tags", []) for c in code) == 1
        for cell in code:
            assert not cell.outputs and cell.execution_count is None
            assert "def " not in cell.source and "class " not in cell.source
            assert len(cell.source.splitlines()) <= 8


@pytest.mark.parametrize("args, words", [
    (["--period", "2024-13", "--province", "93"], "NĂM-Mkk"),
    (["--period", "2026-M06", "--province", "93"], "Cần Thơ (mã 92)"),
    (["--period", "2024-M11", "--province", "Atlantis"], "Không tìm thấy"),
    (["--period", "2024-M11", "--province", "93", "--format", "xlsx"], "html, pdf, docx"),
])
def test_bad_options_are_refused_before_anything_runs(tmp_path, args, words):
    process = thads("run", *args, "--out", str(tmp_path / "out"))
    _, err = process.communicate(timeout=120)
    assert process.returncode != 0 and words in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()



@pytest.mark.parametrize("kind", ["html", "pdf"])
def test_a_report_from_the_required_columns_only_states_no_figure_the_data_lack(reports, kind):
    folder = reports / "required" / "2024-M11" / "93"
    text = html_text(folder / "report.html") if kind == "html" else pdf_text(folder / "report.pdf")
    assert "toàn tỉnh phải thi hành 11.410 việc" in text          # the words of the seed: no flow columns, no rank
    # The sentences the package writes about these indicators (the analyst's note may speak of them freely).
    for stated in ("lượt công dân", "thụ lý 0", "không có đơn khiếu nại", "văn bản xin ý kiến nghiệp vụ của các",
                   "công chức trong hệ thống tham gia", "bản án, quyết định", "án tín dụng ngân hàng 0",
                   "tại 0/"):
        assert stated not in text, stated
    assert ("Chưa có số liệu về: tiếp công dân; khiếu nại và tố cáo; văn bản xin ý kiến nghiệp vụ; tập huấn, bồi "
            "dưỡng; theo dõi thi hành án hành chính; án tín dụng, ngân hàng; án tham nhũng, kinh tế.") in text
    if kind == "html":      # nothing derived as "chưa có điều kiện"; no last-year chart without last year
        page = BeautifulSoup((folder / "report.html").read_text("utf-8"), "html.parser")
        assert "Chưa có điều kiện thi hành" not in page.select("table.data")[0].get_text()
        assert len(page.find_all("img")) == 5
    other = json.loads((folder / "summary.json").read_text("utf-8"))["khac"]
    assert other["tiep_cong_dan"] is None and other["khieu_nai"] == {"thu_ly": None, "giai_quyet": None, "ty_le": None}
    assert other["chuyen_ky_sau"]["viec"] > 0           # computed from the required columns


@pytest.mark.parametrize("kind", ["html", "pdf"])
def test_the_seed_report_reads_as_an_office_would_write_it(reports, kind):
    folder = reports / "2024-M11" / "93"
    text = html_text(folder / "report.html") if kind == "html" else pdf_text(folder / "report.pdf")
    assert "Ngoài ra, Cục Thi hành án dân sự tỉnh đã cử 126 công chức" in text       # a name keeps its capital
    assert "DỮ LIỆU MẪU — Tổng hợp (không phải số liệu thống kê thật)" in text         # "mẫu" said once
    assert "Dữ liệu mẫu, tổng hợp" not in text
    assert "Vị Thủy" in text and "Vị Thuỷ" not in text                                  # official spelling
    assert "Tỷ lệ lũy kế từ ngày 01/10 đến hết từng tháng của năm thống kê, so với cùng kỳ năm trước và chỉ tiêu." \
        in text
    assert "Về tiền, chưa có đơn vị nào đạt chỉ tiêu; tỷ lệ cao nhất là" in text


@pytest.mark.parametrize("kind", ["html", "pdf"])
def test_a_report_from_a_one_province_folder_gives_no_rank_and_says_why(reports, kind):
    folder = reports / "required" / "2024-M11" / "93"
    text = html_text(folder / "report.html") if kind == "html" else pdf_text(folder / "report.pdf")
    assert "Không xếp thứ so với các tỉnh, thành phố: thư mục dữ liệu có số liệu kỳ này của 1/63 tỉnh, thành phố." \
        in text
    assert "xếp thứ " not in text.replace("Không xếp thứ so với", "") and "Vị trí của" not in text
    # ... and the sample data, which hold every province, rank the seed report among the 63.
    seed_report = reports / "2024-M11" / "93"
    text = html_text(seed_report / "report.html") if kind == "html" else pdf_text(seed_report / "report.pdf")
    summary = json.loads((seed_report / "summary.json").read_text("utf-8"))
    rank = summary["xep_thu"]["viec_ty_le"]
    assert f"đạt 76,97% (xếp thứ {rank['hang']}/63; chỉ tiêu giao là 83,35%)" in text and rank["tren"] == 63
    assert "tổng số phải thi hành là 11.410 việc." in text     # ranked in the table, not in the text (ranks_in_text)
    assert "Bảng 2. Vị trí của tỉnh Hậu Giang trong 63 tỉnh, thành phố 11 tháng năm 2024" in text


def test_the_header_breaks_the_agency_name_where_it_reads_and_has_one_h1(reports):
    page = BeautifulSoup((reports / "2024-M11" / "93" / "report.html").read_text("utf-8"), "html.parser")
    name = page.select_one(".agency-name")
    assert [s.strip() for s in name.stripped_strings] == ["CỤC THI HÀNH ÁN DÂN SỰ", "TỈNH HẬU GIANG"]
    assert [h.get_text(" ", strip=True) for h in page.find_all("h1")] == [
        "BÁO CÁO Sơ kết công tác thi hành án dân sự, theo dõi thi hành án hành chính 11 tháng năm 2024 và nhiệm vụ, "
        "giải pháp hoàn thành các chỉ tiêu năm 2024"]
    offices = next(t for t in page.select("table.data") if "Kết quả theo đơn vị" in t.caption.get_text())
    rates = [td.get_text() for td in offices.select("tbody td")][4::8]
    assert rates and all(re.fullmatch(r"\d+,\d\d%", r) for r in rates), rates       # two decimals in tables


def test_no_pdf_page_ends_with_a_table_caption_or_a_lone_row(reports):
    """A caption never ends a page without its table (the browser honours the print styles)."""
    reader = PdfReader(reports / "2024-M11" / "93" / "report.pdf")
    for number, page in enumerate(reader.pages, 1):
        lines = [line.strip() for line in (page.extract_text() or "").splitlines() if line.strip()]
        assert not re.match(r"(Bảng \d|Phụ lục \d)", lines[-1]), (number, lines[-1])
