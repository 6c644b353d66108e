"""The two decks end to end (issue 28), slow: `thads run --format pptx,slides` on a real kernel, report.pptx opened
by LibreOffice Impress (converted to PDF, its pages kept as pictures in test-artifacts/slides/ to be looked at), the
clerk's rule on an edited report.pptx through `thads run` and `jupyter nbconvert --to thads_pptx`, and slides.html
in a real Chromium (launched by path, as tests/test_browser.py does): offline, keys and touch, printed one slide a
page, readable on a phone, and no finding of axe-core (bundled with axe-playwright-python).

Without LibreOffice Impress, Chromium or Playwright these tests skip; with CI=true they fail instead."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from pptx import Presentation
from pypdf import PdfReader

from tests.support import ROOT, thads
from tests.test_browser import LAUNCH_ARGS, LOCAL, WCAG, chromium_path, unavailable

pytestmark = pytest.mark.slow

PERIOD, CODE = "2026-M12", "92"
ANALYST_CHART = "Số việc có điều kiện chưa thi hành xong, theo đơn vị"
ARTIFACTS = ROOT / "test-artifacts" / "slides"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
ANALYST_CELLS = [
    ("import matplotlib.pyplot as plt\n\nfig, ax = plt.subplots(figsize=(7, 3))\n"
     "ax.barh(r.offices['don_vi'], r.offices['viec_co_dieu_kien'] - r.offices['viec_thi_hanh_xong'])\n"
     f"r.chart(fig, {ANALYST_CHART!r})", ["slide"]),
    ("r.table(r.offices[['don_vi', 'viec_ty_le']].head(3), 'Bảng nháp không trình chiếu')", ["remove_cell"]),
]


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> Path:
    """Cần Thơ (merged in 2025), the year 2026, made by the command line with both decks, from the project's notebook
    with an analyst's `slide`-tagged chart and a removed cell after the offices' chart."""
    base = tmp_path_factory.mktemp("decks")
    notebooks = base / "notebooks"
    shutil.copytree(ROOT / "notebooks", notebooks)
    path = notebooks / "province_report.ipynb"
    notebook = nbformat.read(path, as_version=4)
    at = next(i for i, c in enumerate(notebook.cells) if 'r.chart_offices("viec")' in c.source) + 1
    for offset, (code, tags) in enumerate(ANALYST_CELLS):
        notebook.cells.insert(at + offset, nbformat.v4.new_code_cell(code, metadata={"tags": tags}))
    nbformat.write(notebook, path)
    out = base / "outputs"
    done = thads("run", "--period", PERIOD, "--province", CODE, "--format", "pptx,slides", "--notebooks",
                 str(notebooks), "--out", str(out), "--jobs", "1")
    assert done.returncode == 0, done.stderr
    return out


def folder_of(out: Path) -> Path:
    return out / PERIOD / CODE


def test_thads_run_makes_both_decks_and_the_index_links_them(made):
    folder = folder_of(made)
    assert {"report.pptx", "slides.html", "report.ipynb", "summary.json"} <= {p.name for p in folder.iterdir()}
    recorded = json.loads((folder / "inputs.json").read_text("utf-8"))
    assert recorded["formats"] == ["pptx", "slides"] and recorded["files"]["pptx"] == "report.pptx"
    assert recorded["written"]["report.pptx"] == sha(folder / "report.pptx")
    page = (made / "index.html").read_text("utf-8")
    assert f'href="{PERIOD}/{CODE}/report.pptx">PPTX</a>' in page
    assert f'href="{PERIOD}/{CODE}/slides.html">Trình chiếu</a>' in page
    log = (folder / "report.log").read_text("utf-8")
    assert "xuất PPTX" in log and "xuất trình chiếu HTML" in log
    summary = json.loads((folder / "summary.json").read_text("utf-8"))
    deck = Presentation(str(folder / "report.pptx"))
    said = "\n".join(shape.text_frame.text for slide in deck.slides for shape in slide.shapes if shape.has_text_frame)
    rate = f"{summary['viec']['ty_le']:.2f}".replace(".", ",") + "%"
    assert rate in said and "Bảng nháp không trình chiếu" not in said
    analyst = [s for s in deck.slides if s.shapes.title is not None and s.shapes.title.text.endswith(ANALYST_CHART)]
    assert len(analyst) == 1 and any(shape.shape_type == 13 for shape in analyst[0].shapes)     # its picture
    (rates,) = [shape.chart for slide in deck.slides for shape in slide.shapes
                if shape.has_chart and slide.shapes.title.text.startswith("Biểu đồ 1.")]
    assert rates.plots[0].series[0].values == (summary["viec"]["ty_le"], summary["tien"]["ty_le"])
    html = (folder / "slides.html").read_text("utf-8")
    assert ANALYST_CHART in html and "Bảng nháp không trình chiếu" not in html


def test_libreoffice_impress_opens_the_deck(made, tmp_path):
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if office is None:
        unavailable("LibreOffice is not installed (make test installs libreoffice-impress-nogui)")
    deck = folder_of(made) / "report.pptx"
    done = subprocess.run([office, "--headless", f"-env:UserInstallation=file://{tmp_path / 'profile'}",
                           "--convert-to", "pdf", "--outdir", str(tmp_path), str(deck)],
                          capture_output=True, text=True, timeout=300)
    pdf = tmp_path / "report.pdf"
    if not pdf.is_file() and "impress_pdf_Export" not in done.stdout:
        unavailable(f"LibreOffice Impress could not convert the deck (libreoffice-impress-nogui): {done.stderr[-300:]}")
    pages = PdfReader(str(pdf)).pages
    assert len(pages) == len(Presentation(str(deck)).slides)
    width, height = float(pages[0].mediabox.width), float(pages[0].mediabox.height)
    assert abs(width / height - 16 / 9) < 0.01
    text = "\n".join(page.extract_text() for page in pages)
    assert "Kỳ báo cáo: năm 2026" in text and "Chỉ tiêu" in text
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(pdf, ARTIFACTS / "report-pptx-impress.pdf")
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(ARTIFACTS / "trang")], check=True, timeout=120)


def test_an_edited_pptx_survives_a_rebuild_and_nbconvert(made, tmp_path):
    out = tmp_path / "outputs"
    shutil.copytree(made, out)
    folder = folder_of(out)
    deck = Presentation(str(folder / "report.pptx"))
    deck.slides[0].shapes.title.text_frame.text = "Báo cáo đã chỉnh sửa của văn phòng"
    deck.save(str(folder / "report.pptx"))
    edited = (folder / "report.pptx").read_bytes()
    done = thads("run", "--period", PERIOD, "--province", CODE, "--format", "pptx,slides", "--out", str(out),
                 "--jobs", "1", "--force")
    assert done.returncode == 0, done.stderr
    assert (folder / "report.pptx").read_bytes() == edited
    assert Presentation(str(folder / "report.new.pptx")).slides[0].shapes.title.text != "Báo cáo đã chỉnh sửa của văn phòng"
    recorded = json.loads((folder / "inputs.json").read_text("utf-8"))
    assert recorded["files"]["pptx"] == "report.new.pptx"
    run = json.loads((out / "last-run.json").read_text("utf-8"))
    assert any("report.pptx đã được sửa" in entry["message"] for entry in run["reports"])
    assert 'href="2026-M12/92/report.new.pptx">PPTX</a>' in (out / "index.html").read_text("utf-8")
    nbconvert = subprocess.run([str(Path(sys.executable).parent / "jupyter"), "nbconvert", "--to", "thads_pptx",
                                str(folder / "report.ipynb")], capture_output=True, text=True, timeout=300)
    assert nbconvert.returncode == 0, nbconvert.stderr
    assert (folder / "report.pptx").read_bytes() == edited and not (folder / "report.new-2.pptx").exists()
    assert json.loads((folder / "inputs.json").read_text("utf-8"))["written"]["report.new.pptx"] == sha(
        folder / "report.new.pptx")
    slides = subprocess.run([str(Path(sys.executable).parent / "jupyter"), "nbconvert", "--to", "thads_slides",
                             str(folder / "report.ipynb")], capture_output=True, text=True, timeout=300)
    assert slides.returncode == 0, slides.stderr
    assert (folder / "slides.html").is_file() and not (folder / "slides.slides.html").exists()


# --- slides.html in a browser ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("Playwright is not installed (pip install -e '.[dev]')")
    path = chromium_path()
    if path is None:
        unavailable("Chromium not found: install Debian's 'chromium' package or set THADS_CHROMIUM")
    playwright = sync_playwright().start()
    chromium = playwright.chromium.launch(executable_path=path, args=LAUNCH_ARGS)
    yield chromium
    chromium.close()
    playwright.stop()


class Offline:
    """A browser context that refuses every request leaving the file, and records what went wrong."""

    def __init__(self, browser, **options):
        self.context = browser.new_context(**options)
        self.context.set_default_timeout(15_000)
        self.blocked, self.console, self.errors = [], [], []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}") if m.type in ("error", "warning")
                     else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def _route(self, route):
        if route.request.url.startswith(LOCAL):
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort("blockedbyclient")

    def present(self) -> int:
        """The number of the slide shown (data-slide of reveal.js's present section)."""
        return int(self.page.get_attribute(".slides > section.present", "data-slide"))

    def assert_clean(self):
        assert not self.blocked, f"requests to the network: {self.blocked}"
        assert not self.console, f"console errors or warnings (a CSP violation is one): {self.console}"
        assert not self.errors, f"uncaught errors: {self.errors}"


def test_slides_html_presents_offline_with_keys_and_touch(made, browser):
    page_file = folder_of(made) / "slides.html"
    count = page_file.read_text("utf-8").count("<section ")
    session = Offline(browser, viewport={"width": 1280, "height": 800}, has_touch=True)
    try:
        page = session.page
        page.goto(page_file.as_uri())
        page.wait_for_selector(".reveal.deck .slides > section.present")
        assert session.present() == 1 and page.locator("h1").count() == 1
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "slides-1.png"))
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        assert session.present() == 3
        page.keyboard.press("ArrowLeft")
        assert session.present() == 2
        page.screenshot(path=str(SCREENSHOTS / "slides-2.png"))
        page.keyboard.press("End")
        assert session.present() == count
        page.keyboard.press("Home")
        assert session.present() == 1
        page.keyboard.press("PageDown")
        assert session.present() == 2
        swipe = session.context.new_cdp_session(page)
        for kind, x in (("touchStart", 1000), ("touchMove", 700), ("touchMove", 300), ("touchEnd", None)):
            points = [] if x is None else [{"x": x, "y": 400}]
            swipe.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})
        page.wait_for_function("document.querySelector('.slides > section.present').dataset.slide === '3'")
        page.emulate_media(media="print")
        printed = PdfReader(io.BytesIO(page.pdf(prefer_css_page_size=True))).pages
        assert len(printed) == count                                 # one slide a page
        assert float(printed[0].mediabox.width) > float(printed[0].mediabox.height)
        session.assert_clean()
    finally:
        session.context.close()


def test_slides_html_reads_on_a_phone(made, browser):
    session = Offline(browser, viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True,
                      device_scale_factor=2)
    try:
        page = session.page
        page.goto((folder_of(made) / "slides.html").as_uri())
        assert page.evaluate("document.documentElement.classList.contains('flow')")
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        size = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.slide-text p, .slide-text li'))"
                             ".fontSize)")
        assert size >= 16
        page.screenshot(path=str(SCREENSHOTS / "slides-phone.png"))
        session.assert_clean()
    finally:
        session.context.close()


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 800}, {"width": 375, "height": 812}])
def test_slides_html_passes_axe_core(made, browser, viewport):
    """axe-core is injected as a script, which the page's own policy forbids: this context bypasses the policy; the
    network stays cut off."""
    from axe_playwright_python.sync_playwright import Axe

    context = browser.new_context(viewport=viewport, bypass_csp=True)
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(LOCAL)
                  else route.abort("blockedbyclient"))
    try:
        page = context.new_page()
        page.goto((folder_of(made) / "slides.html").as_uri())
        page.wait_for_selector(".slides > section")
        results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG}, "resultTypes": ["violations"]})
        violations = results.response["violations"]
        assert not violations, "\n".join(f"{v['id']} ({v['impact']}): {v['help']} — "
                                         f"{[n['target'] for n in v['nodes'][:3]]}" for v in violations)
    finally:
        context.close()
