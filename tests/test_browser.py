"""The shared HTML in a real browser: headless Chromium (Debian's, launched by path through Playwright) opens
the generated index and reports from disk with every network request refused, and checks what a reader
gets: links that lead somewhere, images that load, a clean console, a table of contents that jumps, a page
that fits a phone, the A4 print layout, filtering and sorting in the index, and addresses that survive a
rerun. Screenshots go to test-artifacts/screenshots/ to be looked at.

Without Chromium or Playwright these tests skip; with CI=true they fail instead, since CI must run them.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import url2pathname

import pytest
from pypdf import PdfReader

from tests.support import thads

pytestmark = pytest.mark.slow   # real kernels, batches or a browser: make test, not make check

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--no-first-run"]
DESKTOP = {"width": 1280, "height": 800}
PHONE = 375
A4_POINTS = (595.28, 841.89)

# What the reports are made from: the README's sample reports, a second 2026 province and the national overview.
SEED_RUN = ("run", "--period", "2024-M11", "--province", "93", "--date", "2024-09-26")
# The reports the reader opens, made by one batch with two workers.
BATCH = ("reports:\n"
         "  - {periods: [2024-M11], provinces: [93], date: 2024-09-26}\n"
         "  - {periods: [2026-M12], provinces: [92, 12]}\n"
         "  - {periods: [2026-M12], report: national, formats: [html]}\n")
REPORTS = ["2024-M11/93", "2026-M12/92", "2026-M12/12", "2026-M12/toan-quoc"]
ADDRESS = re.compile(r"^\d{4}-M\d{2}/(\d{2}|toan-quoc)/report\.(html|pdf)$")

# A page may load itself and its data: URLs. Chromium's own PDF viewer runs on chrome:// and
# chrome-extension:// URLs, which never leave the browser. Anything else would be the network: refused.
LOCAL = ("file:", "data:")
BROWSER_INTERNAL = ("chrome:", "chrome-extension:")


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1")


def unavailable(reason: str):
    if in_ci():
        pytest.fail(f"{reason}. CI=true: the browser tests must run, not skip.", pytrace=False)
    pytest.skip(reason)


def chromium_path() -> str | None:
    """THADS_CHROMIUM if set (and nothing else then), else Debian's chromium."""
    explicit = os.environ.get("THADS_CHROMIUM")
    candidates = [explicit] if explicit else [shutil.which("chromium"), shutil.which("chromium-browser"),
                                              "/usr/bin/chromium"]
    return next((c for c in candidates if c and os.access(c, os.X_OK)), None)


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for the module (not the session: the sync API must not outlive these tests)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("Playwright is not installed (pip install -e '.[dev]')")
    path = chromium_path()
    if path is None:
        unavailable("Chromium not found: install Debian's 'chromium' package (make test does, as root) "
                    "or set THADS_CHROMIUM to its path")
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=path, args=LAUNCH_ARGS)
    except Exception as exc:  # noqa: BLE001 - whatever stops the browser from starting is reported
        playwright.stop()
        unavailable(f"Chromium at {path} did not start: {exc}")
    yield chromium
    chromium.close()
    playwright.stop()


@pytest.fixture(scope="module")
def site(browser, tmp_path_factory) -> Path:
    """The outputs folder the reader opens, made once by the real command line (after the browser started,
    so that a machine without one skips before spending time on reports)."""
    out = tmp_path_factory.mktemp("browser") / "outputs"
    batch = out.parent / "batch.yml"
    batch.write_text(BATCH, "utf-8")
    result = thads("run", str(batch), "--jobs", "2", "--out", str(out))
    assert result.returncode == 0, result.stderr
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return out


class Session:
    """A browser context with the network cut off, and a record of everything that went wrong in it."""

    def __init__(self, browser, phone: bool = False):
        if phone:
            self.context = browser.new_context(viewport={"width": PHONE, "height": 812}, is_mobile=True,
                                               has_touch=True, device_scale_factor=2)
        else:
            self.context = browser.new_context(viewport=DESKTOP)
        self.context.set_default_timeout(15_000)
        self.blocked: list[str] = []
        self.failed: list[str] = []
        self.console: list[str] = []
        self.errors: list[str] = []
        self.context.route("**/*", self._route)
        self.context.on("requestfailed", self._failed)
        self.context.on("console", self._console)
        self.context.on("weberror", lambda e: self.errors.append(str(e.error)))
        self.page = self.context.new_page()

    def _route(self, route):
        url = route.request.url
        if url.startswith(LOCAL + BROWSER_INTERNAL):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort("blockedbyclient")

    def _failed(self, request):
        # Leaving a PDF before Chromium's viewer has finished loading cancels the viewer's own requests:
        # that is the test navigating on, not the page failing.
        if not request.url.startswith(BROWSER_INTERNAL):
            self.failed.append(f"{request.url[:120]} ({request.failure})")

    def _console(self, message):
        if message.type in ("error", "warning"):
            self.console.append(f"{message.type}: {message.text}")

    def open(self, path: Path):
        response = self.page.goto(path.as_uri())
        assert response is not None and response.ok, path
        return response

    def assert_clean(self):
        assert not self.blocked, f"requests to the network: {self.blocked}"
        assert not self.failed, f"failed requests: {self.failed}"
        assert not self.console, f"console errors or warnings: {self.console}"
        assert not self.errors, f"uncaught errors: {self.errors}"

    def close(self):
        self.context.close()


@pytest.fixture
def desktop(browser):
    session = Session(browser)
    yield session
    session.close()


@pytest.fixture
def phone(browser):
    session = Session(browser, phone=True)
    yield session
    session.close()


def shot_name(relative: str) -> str:
    return "report-" + relative.replace("/", "-")


def assert_images_loaded(page, at_least: int = 1):
    page.wait_for_function("Array.from(document.images).every(i => i.complete)")
    images = page.evaluate("Array.from(document.images).map(i => ({w: i.naturalWidth, alt: i.alt}))")
    assert len(images) >= at_least
    assert all(image["w"] > 0 for image in images), images
    assert all(image["alt"].strip() for image in images), "every chart has a text alternative"


def index_links(out: Path) -> list[str]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup((out / "index.html").read_text("utf-8"), "html.parser")
    return [a["href"] for a in soup.select("#reports a[href]")]


def assert_a4_pdf(data: bytes, source: str):
    assert data.startswith(b"%PDF-"), source
    pages = PdfReader(io.BytesIO(data)).pages
    assert len(pages) > 1, source
    for number, page in enumerate(pages, 1):
        size = (float(page.mediabox.width), float(page.mediabox.height))
        assert all(abs(a - b) < 1 for a, b in zip(size, A4_POINTS)), f"{source} page {number}: {size}"


def visible_rows(page) -> list[str]:
    return page.eval_on_selector_all("#reports tbody tr:not([hidden])", "rows => rows.map(r => r.dataset.code)")


# --- the index and its links -----------------------------------------------------------------------------


def test_index_links_open_the_reports_and_their_pdfs(site, desktop):
    links = index_links(site)
    assert sorted(links) == sorted([f"{r}/report.html" for r in REPORTS]
                                   + [f"{r}/report.pdf" for r in REPORTS if "toan-quoc" not in r])
    assert all(ADDRESS.match(link) for link in links), links

    page = desktop.page
    desktop.open(site / "index.html")
    assert page.title() == "Báo cáo công tác thi hành án dân sự"
    page.screenshot(path=SCREENSHOTS / "index-desktop.png", full_page=True)

    row = page.locator('#reports tr[data-period="2026-M12"][data-code="92"]')
    with page.expect_navigation():
        row.get_by_role("link", name="HTML").click()
    assert page.url.endswith("/2026-M12/92/report.html")
    assert page.title() == "Báo cáo năm 2026 - Thành phố Cần Thơ"
    assert_images_loaded(page)

    page.go_back()
    assert page.url.endswith("/index.html")
    # Chromium may show a PDF in its viewer or download it; either way the link must lead to a real file.
    with page.expect_navigation() as navigation:
        row.get_by_role("link", name="PDF").click()
    response = navigation.value
    assert response is not None and response.ok and response.headers.get("content-type") == "application/pdf"
    assert page.url.endswith("/2026-M12/92/report.pdf")
    for relative in REPORTS[:3]:
        assert_a4_pdf((site / relative / "report.pdf").read_bytes(), f"PDF {relative}")
    desktop.assert_clean()


@pytest.mark.parametrize("relative", REPORTS)
def test_a_report_loads_everything_from_itself(site, desktop, relative):
    page = desktop.page
    desktop.open(site / relative / "report.html")
    csp = page.get_attribute('meta[http-equiv="Content-Security-Policy"]', "content")
    assert "default-src 'none'" in csp
    assert page.evaluate("document.scripts.length") == 0
    assert_images_loaded(page, at_least=4)
    page.screenshot(path=SCREENSHOTS / f"{shot_name(relative)}-desktop.png", full_page=True)
    desktop.assert_clean()


def test_the_table_of_contents_jumps_to_each_section(site, desktop):
    page = desktop.page
    desktop.open(site / "2026-M12" / "92" / "report.html")
    links = page.locator("nav.toc a")
    count = links.count()
    assert count >= 8
    for i in range(count):
        page.evaluate("window.scrollTo(0, 0)")
        link = links.nth(i)
        href = link.get_attribute("href")
        link.click()
        page.wait_for_function("href => location.hash === href", arg=href)
        # :target is the element the browser jumped to (nbconvert's ids are percent-encoded, as the links are).
        where = page.evaluate("""() => {
            const target = document.querySelector(':target');
            if (!target) return null;
            const box = target.getBoundingClientRect();
            const atEnd = window.scrollY + innerHeight >= document.documentElement.scrollHeight - 1;
            return {top: box.top, bottom: box.bottom, height: innerHeight, atEnd: atEnd, scrolled: window.scrollY,
                    tag: target.tagName, text: target.innerText};
        }""")
        assert where is not None, f"no element is the target of {href}"
        assert where["text"].strip().lower() == link.inner_text().strip().lower(), (href, where)
        assert where["tag"] in ("H2", "H3"), (href, where)
        assert where["scrolled"] > 0, (href, where)
        # The heading is brought to the top (a little below it: scroll-margin), or as near as the end of the
        # page allows; it is on screen either way.
        assert -1 <= where["top"] and where["bottom"] <= where["height"], (href, where)
        assert where["top"] <= 40 or where["atEnd"], (href, where)
    desktop.assert_clean()


# --- a phone and a printer ------------------------------------------------------------------------------


@pytest.mark.parametrize("relative", ["index", *REPORTS])
def test_the_page_fits_a_phone_without_sideways_scrolling(site, phone, relative):
    page = phone.page
    phone.open(site / ("index.html" if relative == "index" else f"{relative}/report.html"))
    assert page.evaluate("innerWidth") == PHONE
    width = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate("""limit => Array.from(document.querySelectorAll('body *'))
        .filter(e => e.getBoundingClientRect().right > limit + 0.5 && !e.closest('.table-wrap'))
        .slice(0, 5).map(e => e.tagName + '.' + e.className)""", PHONE)
    assert width <= PHONE and not wide, f"{width} px wide; sticking out: {wide}"
    if relative == "index":
        # Each report's links are on screen, not hidden in a table that scrolls sideways.
        boxes = page.eval_on_selector_all("#reports a", "links => links.map(a => a.getBoundingClientRect().right)")
        assert boxes and max(boxes) <= PHONE, boxes
        page.screenshot(path=SCREENSHOTS / "index-phone.png", full_page=True)
    else:
        assert_images_loaded(page, at_least=4)
        page.screenshot(path=SCREENSHOTS / f"{shot_name(relative)}-phone.png", full_page=True)
    phone.assert_clean()


def test_printing_gives_the_a4_layout(site, desktop):
    page = desktop.page
    desktop.open(site / "2024-M11" / "93" / "report.html")
    page.emulate_media(media="print")
    style = page.evaluate("""() => {
        const css = (selector, property) => getComputedStyle(document.querySelector(selector))[property];
        return {toc: css('nav.toc', 'display'), background: css('body', 'backgroundColor'),
                padding: css('main.report', 'paddingLeft'), maxWidth: css('main.report', 'maxWidth'),
                table: css('table.data', 'fontSize'), body: css('body', 'fontSize')};
    }""")
    assert style == {"toc": "none", "background": "rgb(255, 255, 255)", "padding": "0px", "maxWidth": "none",
                     "table": "14px", "body": "18px"}, style       # 10.5pt and 13.5pt
    # No paper size asked for: Chromium takes it from the page's @page rule (else it would print Letter).
    assert_a4_pdf(page.pdf(prefer_css_page_size=True), "Chromium, the page's own @page size")
    assert_a4_pdf(page.pdf(format="A4"), "Chromium, A4")
    desktop.assert_clean()


# --- the index without a server ---------------------------------------------------------------------------


def test_the_index_filters_by_period_and_province_and_sorts_by_the_rates(site, desktop):
    rates = {}
    for relative in REPORTS:
        period, code = relative.split("/")
        summary = json.loads((site / relative / "summary.json").read_text("utf-8"))
        rates[code] = (period, summary["viec"]["ty_le"], summary["tien"]["ty_le"])

    page = desktop.page
    desktop.open(site / "index.html")
    count = page.locator("#count")
    assert sorted(visible_rows(page)) == sorted(rates) and count.inner_text() == "4 báo cáo"

    page.select_option("#period", "2026-M12")
    assert sorted(visible_rows(page)) == ["12", "92", "toan-quoc"] and count.inner_text() == "3 báo cáo"

    province = page.locator("#province")
    province.press_sequentially("can tho")              # typed without diacritics
    assert visible_rows(page) == ["92"] and count.inner_text() == "1 báo cáo"
    province.fill("")
    province.press_sequentially("LAI CHÂU")             # capitals, with diacritics
    assert visible_rows(page) == ["12"]
    province.fill("")
    page.select_option("#period", "2024-M11")
    province.press_sequentially("hau giang")
    assert visible_rows(page) == ["93"]
    province.press_sequentially("x")
    assert visible_rows(page) == [] and count.inner_text() == "0 báo cáo"

    province.fill("")
    page.select_option("#period", "")
    cases = page.locator('th button[data-sort="viec"]')
    by_cases = sorted(rates, key=lambda code: rates[code][1], reverse=True)
    cases.click()
    assert visible_rows(page) == by_cases
    assert cases.locator("..").get_attribute("aria-sort") == "descending"
    cases.click()
    assert visible_rows(page) == by_cases[::-1]
    assert cases.locator("..").get_attribute("aria-sort") == "ascending"

    page.locator('th button[data-sort="tien"]').click()
    assert visible_rows(page) == sorted(rates, key=lambda code: rates[code][2], reverse=True)
    assert cases.locator("..").get_attribute("aria-sort") is None

    page.select_option("#period", "2026-M12")            # a filter keeps the sorted order
    assert visible_rows(page) == [c for c in sorted(rates, key=lambda c: rates[c][2], reverse=True)
                                  if rates[c][0] == "2026-M12"]
    desktop.assert_clean()


# --- last: it reruns the reports in place ---------------------------------------------------------------


def test_a_forced_rerun_keeps_every_address(site, desktop):
    def files() -> set[str]:
        return {p.relative_to(site).as_posix() for p in site.rglob("*")
                if p.is_file() and not any(part.startswith(".") for part in p.relative_to(site).parts)}

    links, before = index_links(site), files()
    report = site / "2024-M11" / "93" / "report.html"
    stamp = report.stat().st_mtime_ns
    again = thads(*SEED_RUN, "--out", str(site), "--force")
    assert again.returncode == 0, again.stderr
    assert report.stat().st_mtime_ns != stamp, "the report was made again"
    assert files() == before
    assert index_links(site) == links

    page = desktop.page
    for link in links:                      # the addresses shared before the rerun
        response = desktop.open(site / link)
        if link.endswith(".html"):
            assert_images_loaded(page)
        else:
            assert response.headers.get("content-type") == "application/pdf"
    desktop.open(site / "index.html")
    for link in page.eval_on_selector_all("#reports a", "links => links.map(a => a.href)"):
        assert link.startswith("file://") and Path(url2pathname(urlparse(link).path)).is_file(), link
    desktop.assert_clean()


# --- accessibility -----------------------------------------------------------------------------------------

WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.mark.parametrize("relative", ["index", *REPORTS])
def test_every_page_passes_an_automated_wcag_2_audit(site, browser, relative):
    """axe-core (bundled with axe-playwright-python, no download) audits the index and each report against
    WCAG 2.0/2.1 A and AA. It is injected as a script, which the pages' own policy forbids: this one context
    bypasses the policy; the network stays cut off."""
    from axe_playwright_python.sync_playwright import Axe

    context = browser.new_context(viewport=DESKTOP, bypass_csp=True)
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(LOCAL)
                  else route.abort("blockedbyclient"))
    try:
        page = context.new_page()
        page.goto((site / ("index.html" if relative == "index" else f"{relative}/report.html")).as_uri())
        results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG}, "resultTypes": ["violations"]})
        violations = results.response["violations"]
        assert not violations, "\n".join(f"{v['id']} ({v['impact']}): {v['help']} — "
                                         f"{[n['target'] for n in v['nodes'][:3]]}" for v in violations)
        assert page.locator("h1").count() == 1 and page.locator("h1").inner_text().strip()
    finally:
        context.close()
