"""The PDF printer (thads.pdf) on a real Chromium: a report is printed as it is, running no script and
loading nothing from outside itself, with one browser for many reports."""

import http.server
import threading

import pytest
from pypdf import PdfReader

from thads import pdf

pytestmark = pytest.mark.slow   # a real browser: make test, not make check


@pytest.fixture(scope="module")
def printer():
    printer = pdf.Printer()
    yield printer
    printer.close()


def text_of(data: bytes, tmp_path) -> str:
    path = tmp_path / "page.pdf"
    path.write_bytes(data)
    return " ".join(page.extract_text() for page in PdfReader(path).pages)


def test_a_page_runs_no_script_and_loads_nothing_from_outside(printer, tmp_path):
    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    address = f"http://127.0.0.1:{server.server_port}"
    try:
        data = printer.pdf(f'<html><head><link rel="stylesheet" href="{address}/style.css"></head><body>'
                           f'<p>Báo cáo 76,97%</p><img src="{address}/chart.png">'
                           "<script>document.body.innerHTML = '<p>SCRIPT RAN</p>';</script></body></html>")
    finally:
        server.shutdown()
    text = text_of(data, tmp_path)
    assert "Báo cáo 76,97%" in text and "SCRIPT RAN" not in text
    assert hits == []


def test_one_browser_prints_one_report_after_another(printer, tmp_path):
    first = printer.pdf("<p>Hậu Giang</p>")
    second = printer.pdf("<p>Cần Thơ</p>")
    assert "Hậu Giang" in text_of(first, tmp_path) and "Cần Thơ" in text_of(second, tmp_path)
    assert "Hậu Giang" not in text_of(second, tmp_path)


def test_a_browser_that_died_is_started_again(printer, tmp_path):
    printer.pdf("<p>trước</p>")
    printer._browser.close()                          # as if it had crashed between two reports
    assert "sau" in text_of(printer.pdf("<p>sau</p>"), tmp_path)


def test_each_page_is_printed_from_a_private_file_removed_after_it(printer, tmp_path):
    printer.pdf("<p>Hậu Giang</p>")
    folder = printer._folder
    assert folder.is_dir() and not any(folder.iterdir())          # nothing of a report is left behind
    printer.close()
    assert not folder.exists()
    assert "Cần Thơ" in text_of(printer.pdf("<p>Cần Thơ</p>"), tmp_path)   # opened again when needed


def test_the_browser_starts_no_page_but_the_report(printer):
    """Chromium's address-bar pages (chrome://omnibox-popup) would cost half the browser's start-up."""
    printer.pdf("<p>Hậu Giang</p>")
    session = printer._browser.new_browser_cdp_session()
    try:
        targets = session.send("Target.getTargets", {"filter": [{}]})["targetInfos"]
    finally:
        session.detach()
    assert [t["url"] for t in targets if t["url"].startswith("chrome://")] == []
    assert any(t["type"] == "page" for t in targets)


def test_the_documents_of_printed_reports_are_freed(printer):
    """Each report leaves documents in the renderer (its page and one for each SVG chart) that a page without
    scripts seldom collects: a hundred were held after ten reports, and the renderer grew past 300 MB in 50."""
    import base64

    def chart(n):
        return base64.b64encode(f'<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><rect width="{n}0" '
                                f'height="20" fill="#336"/></svg>'.encode()).decode()

    page = "<p>Hậu Giang</p>" + "".join(f'<img alt="Biểu đồ {n}" src="data:image/svg+xml;base64,{chart(n)}">'
                                        for n in range(1, 7))
    for _ in range(pdf.COLLECT_EVERY):
        printer.pdf(page)
    while printer._printed % pdf.COLLECT_EVERY:     # on to the next collection
        printer.pdf(page)
    documents = printer._session.send("Memory.getDOMCounters")["documents"]
    # The last report's page and its six charts (7), not five reports' or more (24 without the collection).
    assert documents < 2 * (1 + 6)
