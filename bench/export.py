"""What each part of a report's output costs, in this process (no kernel), median of several rounds:

    .venv/bin/python -m bench.export [--rounds 5] [--period 2026-M12] [--provinces 01 79 92]

  1. each format from an executed notebook: HTML (nbconvert), PDF (Chromium), Word (python-docx), and what a deck
     adds: PowerPoint (python-pptx, native charts) and the HTML slides (reveal.js inline), with their sizes;
  2. the two PDF engines side by side on the same HTML pages: WeasyPrint and Chromium's print-to-PDF (one
     browser reused, driven by Playwright): seconds and CPU seconds per report, pages, fonts, and whether
     the layout holds (page numbers from page 2, the header block on page 1, no page ending on a table's
     caption);
  3. the six charts of a province report: building the figure, then drawing it as SVG (what the HTML and the
     PDF show) and as PNG (for Word only).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import psutil

from thads import pdf
from thads.exporters import Export

ROOT = Path(__file__).resolve().parents[1]


def cpu_seconds() -> float:
    """CPU seconds of this process and its children (the browser and Playwright's driver)."""
    total = 0.0
    for process in [psutil.Process(), *psutil.Process().children(recursive=True)]:
        try:
            times = process.cpu_times()
            total += times.user + times.system
        except psutil.Error:
            pass
    return total


def layout(data: bytes) -> dict:
    """What a reader checks in a PDF: pages, fonts, page numbers, the header block, captions."""
    from pypdf import PdfReader

    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(data)
        file.flush()
        reader = PdfReader(file.name)

        def text(page: int, top_mm: float | None = None) -> str:
            crop = ["-x", "0", "-y", "0", "-W", "595", "-H", str(round(top_mm / 25.4 * 72))] if top_mm else []
            return subprocess.run(["pdftotext", "-r", "72", *crop, "-f", str(page), "-l", str(page), file.name, "-"],
                                  capture_output=True, text=True, check=True).stdout

        pages = len(reader.pages)
        numbers = [text(n, 20).strip() for n in range(1, min(pages, 3) + 1)]
        first = " ".join(text(1).split())
        endings = [[line for line in text(n).splitlines() if line.strip()][-1:] for n in range(1, pages + 1)]
    fonts = sorted({str(f.get_object()["/BaseFont"]).split("+")[-1] for p in reader.pages
                    for f in (p["/Resources"].get("/Font") or {}).values()})
    return {"pages": pages, "fonts": fonts,
            "page numbers from page 2": numbers == ["", "2", "3"][: len(numbers)],
            "header block on page 1": "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in first and "Độc lập - Tự do - Hạnh phúc" in first,
            "no page ends on a caption": not any(e and e[0].strip().startswith(("Bảng ", "Phụ lục ")) for e in endings)}


def weasyprint_pdf(page: str) -> bytes:
    from weasyprint import HTML, default_url_fetcher

    def fetch(url: str, *args, **kwargs):
        if not url.startswith("data:"):
            raise ValueError(f"refused {url[:80]}")
        return default_url_fetcher(url, *args, **kwargs)

    return HTML(string=page, base_url=None, url_fetcher=fetch).write_pdf()


def timed(make, rounds: int) -> tuple[float, float, bytes]:
    """Median seconds and median CPU seconds of `make()`, and its last result."""
    walls, cpus = [], []
    for _ in range(rounds):
        cpu, started = cpu_seconds(), time.perf_counter()
        result = make()
        walls.append(time.perf_counter() - started)
        cpus.append(cpu_seconds() - cpu)
    return statistics.median(walls), statistics.median(cpus), result


def chart_costs(period: str, code: str, rounds: int) -> list[tuple[str, float, float, int, float, int]]:
    from thads import charts, project
    from thads.report import CHART_DPI, ProvinceReport

    where = project.find(ROOT)
    r = ProvinceReport(code, period, where.data, where.notes, None)
    makers = {
        "rates against targets": lambda: charts.rates_vs_targets(r.figures),
        "structure": lambda: charts.structure(r.figures),
        "against last year": lambda: charts.against_last_year(r.figures),
        "month by month": lambda: charts.monthly(r.monthly, r.figures),
        "offices, cases": lambda: charts.offices_ranked(r.offices, "viec", r.figures.result("viec").chi_tieu),
        "offices, money": lambda: charts.offices_ranked(r.offices, "tien", r.figures.result("tien").chi_tieu),
    }
    rows = []
    for name, make in makers.items():
        charts.svg(make())
        charts.png(make(), CHART_DPI)
        build, svg, png = [], [], []
        for _ in range(rounds):
            started = time.perf_counter()
            fig = make()
            built = time.perf_counter()
            vector = charts.svg(fig)
            drawn = time.perf_counter()
            image = charts.png(fig, CHART_DPI)
            build.append(built - started)
            svg.append(drawn - built)
            png.append(time.perf_counter() - drawn)
        rows.append((name, statistics.median(build), statistics.median(svg), len(vector), statistics.median(png),
                     len(image)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--period", default="2026-M12")
    parser.add_argument("--provinces", nargs="+", default=["01", "79", "92"])
    args = parser.parse_args()
    printer = pdf.Printer()
    try:
        with tempfile.TemporaryDirectory() as work:
            out = Path(work)
            subprocess.run([sys.executable, "-m", "thads", "run", "--period", args.period, "--province",
                            *args.provinces, "--format", "html,docx", "--out", str(out)], check=True, capture_output=True,
                           cwd=ROOT)
            notebooks = [nbformat.read(p, as_version=4) for p in sorted(out.glob(f"{args.period}/*/report.ipynb"))]
        pages = [Export(notebook).page for notebook in notebooks]
        pdf.to_pdf(pages[0], printer=printer)                  # imports, browser start, first layout
        weasyprint_pdf(pages[0])
        Export(notebooks[0]).build("docx")
        Export(notebooks[0], root=ROOT).build("pptx")

        seconds = {"html": [], "pdf": [], "docx": [], "pptx": [], "slides": []}
        sizes = {"pptx": [], "slides": []}
        for notebook, page in zip(notebooks, pages):
            seconds["html"].append(timed(lambda: Export(notebook).page, args.rounds)[0])
            seconds["pdf"].append(timed(lambda: pdf.to_pdf(page, printer=printer), args.rounds)[0])
            seconds["docx"].append(timed(lambda: Export(notebook).build("docx"), args.rounds)[0])
            for deck in ("pptx", "slides"):          # each from a new Export: its slides read again, as a report does
                wall, _, data = timed(lambda: Export(notebook, root=ROOT).build(deck), args.rounds)
                seconds[deck].append(wall)
                sizes[deck].append(len(data if isinstance(data, bytes) else data.encode("utf-8")))
        print(f"1. {len(notebooks)} reports of {args.period} x {args.rounds} rounds, seconds per report (median, max):")
        for kind, values in seconds.items():
            size = f"  {statistics.median(sizes[kind]) // 1024:5.0f} KB" if kind in sizes else ""
            print(f"   {kind:6} {statistics.median(values):6.3f} {max(values):6.3f}{size}")

        print("\n2. PDF engines on the same HTML pages (median of rounds; CPU includes the browser's processes):")
        engines = {"WeasyPrint": weasyprint_pdf, "Chromium": lambda page: pdf.to_pdf(page, printer=printer)}
        for code, page in zip(sorted(args.provinces), pages):
            for engine, make in engines.items():
                wall, cpu, data = timed(lambda: make(page), args.rounds)
                checks = layout(data)
                held = [name for name in ("page numbers from page 2", "header block on page 1",
                                          "no page ends on a caption") if checks[name]]
                print(f"   {code} {engine:<10} {wall:6.3f} s  CPU {cpu:6.3f} s  {checks['pages']:2} pages  "
                      f"{len(data) // 1024:4} KB  fonts: {', '.join(checks['fonts'])}")
                print(f"      layout holds: {len(held)}/3 ({'; '.join(held) or 'none'})")
    finally:
        printer.close()

    print(f"\n3. The six charts of report {args.provinces[0]} (median seconds of {args.rounds}):")
    rows = chart_costs(args.period, args.provinces[0], args.rounds)
    print(f"   {'chart':<24} {'build':>6} {'SVG':>6} {'SVG KB':>7} {'PNG':>6} {'PNG KB':>7}  (PNG: for Word only)")
    for name, build, svg, svg_size, png, png_size in rows:
        print(f"   {name:<24} {build:6.3f} {svg:6.3f} {svg_size // 1024:7} {png:6.3f} {png_size // 1024:7}")
    print(f"   {'total':<24} {sum(r[1] for r in rows):6.3f} {sum(r[2] for r in rows):6.3f} "
          f"{sum(r[3] for r in rows) // 1024:7} {sum(r[4] for r in rows):6.3f} {sum(r[5] for r in rows) // 1024:7}")


if __name__ == "__main__":
    main()
