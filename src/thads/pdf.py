"""Print a report's HTML page to an A4 PDF with a Chromium-family browser, driven by Playwright.

Chromium lays out the same page (its print styles: A4, margins, page numbers from page 2) with the same pages,
fonts and breaks as WeasyPrint, for less CPU time (bench/export.py compares them); on Windows it needs no GTK:
Edge or Chrome is already there. A `Printer` keeps one browser and one page
for all the reports of a worker; the browser is found by `find_browser`.

The page runs no script and loads nothing but itself: a report is printed as it is. Each report is a new
document, opened from a private temporary file by a browser context that is offline; the report's own
Content-Security-Policy (images from data: URLs only, no scripts, no styles from elsewhere) refuses the
rest. The printer prints only the page it was given: the CSP does not govern navigation, and a
`<meta http-equiv="refresh">` to file:///etc/passwd could have the browser print that file instead, and
succeed. So the browser pauses every request of the page (the DevTools Fetch domain, on the
printer's own session, `_request`): the page's own file goes on, once; anything else is refused as aborted,
which leaves the report in place (a blocked navigation would show an error page, and print it), and a page
that tried to open another document (a refresh, a frame, an object) fails its PDF with the address it asked
for, as does a page no longer at its own address just before and after printing. A report's page makes one
request only, its own (its images are data: URLs, never requested, and the CSP stops the rest inside the
renderer): one round trip to the driver per report, too little to matter. The page is still opened from a
file, never served through the interception: Playwright's request interception serving the page costs the
browser and its driver more CPU, and slows the page. Each report is a new document opened from the same file
(written anew, removed after printing): the browser keeps part of every page whose content is replaced in
place, and of every file name it opened, so either would grow with the batch. The documents a report leaves
(its page, one for each SVG chart) wait for the renderer's garbage collector, which a page without scripts
seldom runs, so the renderer would grow too: the printer asks for a collection every COLLECT_EVERY reports.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path
from urllib.parse import unquote

from thads.errors import ThadsError

BROWSER = "THADS_BROWSER"       # environment variable: the browser to print with, when not found by itself
TIMEOUT_MS = 120_000            # a page that takes longer to load or print fails its report
COLLECT_EVERY = 5               # reports printed between two garbage collections in the browser's renderer
# Chromium starts the address bar's two drop-down pages (chrome://omnibox-popup) in a renderer of their own
# even in headless mode, with no window to show them: a large part of every start of the browser.
# Chromium keeps only the last --disable-features it is given, so this one repeats Playwright's own list
# (its chromiumSwitches.js; a unit test checks it against the installed Playwright).
PLAYWRIGHT_DISABLED = ("AcceptCHFrame", "AvoidUnnecessaryBeforeUnloadCheckSync", "DestroyProfileOnBrowserClose",
                       "DialMediaRouteProvider", "GlobalMediaControls", "HttpsUpgrades", "LensOverlay", "MediaRouter",
                       "PaintHolding", "ThirdPartyStoragePartitioning", "Translate", "AutoDeElevate")
LAUNCH_ARGS = ("--disable-features=" + ",".join((*PLAYWRIGHT_DISABLED, "WebUIOmniboxPopup", "WebUIOmniboxAimPopup")),)
_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "microsoft-edge", "msedge", "chrome")
_WINDOWS = (("Microsoft", "Edge", "Application", "msedge.exe"), ("Google", "Chrome", "Application", "chrome.exe"),
            ("Chromium", "Application", "chrome.exe"))
_POSIX = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/snap/bin/chromium", "/usr/bin/google-chrome",
          "/usr/bin/microsoft-edge")
_MACOS = ("/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
          "/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge",
          "/Applications/Chromium.app/Contents/MacOS/Chromium")
HOW_TO_INSTALL = ("cài Chromium (Debian/Ubuntu: sudo apt install chromium), Google Chrome hoặc Microsoft Edge, "
                  f"hoặc chỉ đường dẫn tới trình duyệt bằng biến môi trường {BROWSER}; HTML và Word vẫn làm được: "
                  "--format html,docx")


def find_browser() -> Path | None:
    """The browser to print with: $THADS_BROWSER, else the first Chromium, Chrome or Edge installed."""
    named = os.environ.get(BROWSER)
    if named:
        path = Path(named)
        if path.is_dir():
            raise ThadsError(f"Biến môi trường {BROWSER} chỉ tới thư mục {named}, không phải tệp chạy được của trình "
                             f"duyệt: {HOW_TO_INSTALL}")
        if not path.is_file():
            raise ThadsError(f"Biến môi trường {BROWSER} chỉ tới {named}, nhưng không có tệp đó: {HOW_TO_INSTALL}")
        return path
    for name in _NAMES:
        found = shutil.which(name)
        if found:
            return Path(found)
    places = (windows_places(os.environ) if os.name == "nt" else
              [*_MACOS, *_POSIX] if sys.platform == "darwin" else list(_POSIX))
    return next((Path(place) for place in places if os.path.isfile(place)), None)


def windows_places(environ) -> list[str]:
    """Where Edge, Chrome and Chromium install themselves on Windows (Edge comes with Windows 10 and 11)."""
    roots = [environ.get(name) for name in ("PROGRAMFILES(X86)", "PROGRAMFILES", "LOCALAPPDATA")]
    return [os.path.join(root, *tail) for root in roots if root for tail in _WINDOWS]


def _same(url: str, address: str) -> bool:
    """Whether the browser's `url` is the file `address` (Path.as_uri), however either escapes its letters."""
    return unquote(url) == unquote(address)


def _first_line(exc: Exception) -> str:
    """Playwright's errors carry a call log after their first line; a user needs the first line."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def require_browser() -> Path:
    """The browser to print with, or a ThadsError saying what to install."""
    browser = find_browser()
    if browser is None:
        raise ThadsError(f"Không tạo được PDF: không tìm thấy trình duyệt để in; {HOW_TO_INSTALL}")
    return browser


class Printer:
    """One browser and one page, started on first use, kept for the next report, closed by `close`."""

    def __init__(self):
        self._playwright = self._browser = self._page = self._session = None
        self._folder: Path | None = None     # where the pages being printed are written, private to this printer
        self._printed = 0
        self._expected: str | None = None    # the address of the page being printed, until the browser asks for it
        self._refused: list[str] = []         # the documents the page being printed tried to open instead
        self.browser: Path | None = None     # the browser that prints, once started

    def _start(self) -> None:
        from playwright.sync_api import Error, sync_playwright

        browser = self.browser = require_browser()
        self._folder = Path(tempfile.mkdtemp(prefix="thads-print-"))
        self._playwright = sync_playwright().start()
        try:
            self._browser = self._playwright.chromium.launch(executable_path=str(browser), args=LAUNCH_ARGS,
                                                             timeout=TIMEOUT_MS)
            context = self._browser.new_context(java_script_enabled=False, offline=True)
            context.set_default_timeout(TIMEOUT_MS)
            self._page = context.new_page()
            self._session = context.new_cdp_session(self._page)
            self._session.on("Fetch.requestPaused", self._request)
            self._session.send("Fetch.enable", {"patterns": [{"urlPattern": "*"}]})
        except Error as exc:
            self.close()
            raise ThadsError(f"Không tạo được PDF: không mở được trình duyệt {browser} ({_first_line(exc)}); "
                             f"{HOW_TO_INSTALL}") from None

    def start(self) -> None:
        """Open the browser now (a worker does it while its kernel warms up)."""
        if self._page is None:
            self._start()

    def pdf(self, page: str) -> bytes:
        """The page printed on A4 with its print styles, headings as the PDF's outline. A browser that
        crashed is started again once."""
        from playwright.sync_api import Error

        for attempt in (1, 2):
            self.start()
            path = self._folder / "page.html"
            address = path.as_uri()
            try:
                path.write_text(page, "utf-8")
                self._expected, self._refused = address, []
                self._page.goto(address, wait_until="load")
                self._stayed(address)
                data = self._page.pdf(prefer_css_page_size=True, print_background=True, outline=True, tagged=True)
                self._stayed(address)
            except Error as exc:
                self._stayed(None)           # a page that tried to leave says so, whatever the browser made of it
                self.close()
                if attempt == 2 or "closed" not in str(exc).lower() and "crash" not in str(exc).lower():
                    raise ThadsError(f"Không in được PDF bằng trình duyệt: {_first_line(exc)}") from None
            else:
                self._collect_garbage()
                return data
            finally:
                path.unlink(missing_ok=True)
        raise AssertionError("unreachable")

    def _request(self, event: dict) -> None:
        """Every request of the page, paused by the browser until answered: the report's own file goes on, once;
        anything else is refused, as aborted (a refused navigation leaves the report in place: no error page)."""
        from playwright.sync_api import Error

        url, kind = event["request"]["url"], event.get("resourceType")
        allowed = kind == "Document" and self._expected is not None and _same(url, self._expected)
        if allowed:
            self._expected = None
        elif kind == "Document" and self._expected is None:
            # A navigation asked for by the report's page (a <meta> refresh, a frame). One asked for before the
            # report's page was requested came from the previous page, already left: refused, not counted.
            self._refused.append(url)
        try:
            if allowed:
                self._session.send("Fetch.continueRequest", {"requestId": event["requestId"]})
            else:
                self._session.send("Fetch.failRequest", {"requestId": event["requestId"], "errorReason": "Aborted"})
        except Error:        # the browser or its page is gone: the print fails and says so
            pass

    def _stayed(self, address: str | None) -> None:
        """Refuse the PDF of a page that tried to open another document, or is not at `address` (if given)."""
        if self._refused or address is not None and not _same(self._page.url, address):
            where = self._refused[0] if self._refused else self._page.url
            raise ThadsError(f"Không in PDF: trang báo cáo tìm cách mở một trang khác ({where[:200]}); trình in đã "
                             "chặn và chỉ in đúng trang báo cáo. Kiểm tra các ô của notebook hiển thị HTML (thẻ <meta "
                             "http-equiv=\"refresh\">, <iframe>...).")

    def _collect_garbage(self) -> None:
        """Every COLLECT_EVERY reports, have the renderer free the documents of the reports it printed."""
        from playwright.sync_api import Error

        self._printed += 1
        if self._printed % COLLECT_EVERY == 0:
            try:
                self._session.send("HeapProfiler.collectGarbage")
            except Error:    # a browser that cannot is only slower to free its memory; a crash shows at the next report
                pass

    def close(self) -> None:
        for step in (lambda: self._browser.close(), lambda: self._playwright.stop()):
            try:
                step()
            except Exception:   # already closed, or the driver is gone with its browser
                pass
        self._playwright = self._browser = self._page = self._session = None
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None


def to_pdf(page: str, target: Path | None = None, printer: Printer | None = None) -> bytes | None:
    """Print `page` (with `printer`, else a browser opened and closed for this page); write it to
    `target` when given."""
    own = printer is None
    printer = printer or Printer()
    try:
        data = printer.pdf(page)
    finally:
        if own:
            printer.close()
    if target is None:
        return data
    Path(target).write_bytes(data)
    return None
