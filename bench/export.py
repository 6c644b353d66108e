"""What each format costs per report: HTML (nbconvert), PDF (WeasyPrint) and Word (python-docx), timed on
executed report notebooks in this process (no kernel), median of several rounds.

    .venv/bin/python bench/export.py [--rounds 5] [--period 2026-M12] [--provinces 01 79 92]
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

from thads import export

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--period", default="2026-M12")
    parser.add_argument("--provinces", nargs="+", default=["01", "79", "92"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        out = Path(work)
        subprocess.run([sys.executable, "-m", "thads", "run", "--period", args.period, "--province", *args.provinces,
                        "--format", "html", "--out", str(out)], check=True, capture_output=True, cwd=ROOT)
        notebooks = [nbformat.read(p, as_version=4) for p in sorted(out.glob(f"{args.period}/*/report.ipynb"))]
        export.to_pdf(export.to_html(notebooks[0])[0])          # imports and first layout out of the timing
        export.to_docx(notebooks[0])
        seconds = {"html": [], "pdf": [], "docx": []}
        for _ in range(args.rounds):
            for notebook in notebooks:
                started = time.perf_counter()
                page, _ = export.to_html(notebook)
                seconds["html"].append(time.perf_counter() - started)
                started = time.perf_counter()
                export.to_pdf(page)
                seconds["pdf"].append(time.perf_counter() - started)
                started = time.perf_counter()
                export.to_docx(notebook)
                seconds["docx"].append(time.perf_counter() - started)
    print(f"{len(notebooks)} reports of {args.period} x {args.rounds} rounds, seconds per report (median, max):")
    for kind, values in seconds.items():
        print(f"  {kind:5} {statistics.median(values):6.3f} {max(values):6.3f}")


if __name__ == "__main__":
    main()
