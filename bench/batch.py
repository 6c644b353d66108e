"""Benchmark of batch report generation: the naive loop against `thads run`.

    .venv/bin/python bench/batch.py [--period 2026-M12] [--naive N] [--quick]

Times, in one run on this machine:
  (a) the naive way a user would script it: for each report the papermill CLI, then
      `jupyter nbconvert`, then the `weasyprint` command, one after another;
  (b) `thads run` of the same reports with 2 jobs (HTML and PDF);
  (c) a no-op rerun of (b);
and the scaling of `thads run` from 1 to 2 jobs and from 34 to 68 reports (the period and the one six
months before it). Prints seconds per report, the ratios, and peak memory per process.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DATA = ROOT / "data"
NOTEBOOK = ROOT / "notebooks" / "province_report.ipynb"


def run_with_peak(command: list[str]) -> tuple[float, float, str]:
    """Run a command and measure its own peak memory with wait4 (children included once they exit)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(process.pid, 0)
    err = process.stderr.read()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{err[-2000:]}")
    return time.perf_counter() - started, usage.ru_maxrss / 1024, err


def provinces(period: str) -> list[str]:
    out = subprocess.run([str(BIN / "thads"), "provinces", "--period", period], capture_output=True, text=True,
                         check=True).stdout
    return [line.split()[0] for line in out.splitlines()]


def naive(period: str, codes: list[str], work: Path) -> tuple[float, float]:
    """Seconds for all reports and the largest peak memory of any one command."""
    peak, started = 0.0, time.perf_counter()
    for code in codes:
        executed, page, pdf = work / f"{code}.ipynb", work / f"{code}.html", work / f"{code}.pdf"
        steps = [
            [str(BIN / "papermill"), "--no-progress-bar", "-k", "thads", "--cwd", str(NOTEBOOK.parent), str(NOTEBOOK),
             str(executed), "-p", "province", code, "-p", "period", period, "-p", "data_dir", str(DATA)],
            [str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(executed), "--output", str(page)],
            [str(BIN / "weasyprint"), str(page), str(pdf)],
        ]
        for step in steps:
            peak = max(peak, run_with_peak(step)[1])
    return time.perf_counter() - started, peak


def thads_run(periods: list[str], out: Path, jobs: int, force: bool = True) -> tuple[float, float, float, str]:
    """Seconds, peak memory of the parent and the largest worker/kernel peak from the report logs."""
    command = [str(BIN / "thads"), "run", "--period", *periods, "--province", "all", "--jobs", str(jobs),
               "--out", str(out)] + (["--force"] if force else [])
    seconds, parent_peak, err = run_with_peak(command)
    worker, kernel = 0.0, 0.0
    for log in out.glob("*/*/report.log"):
        for match in re.finditer(r"bộ nhớ đỉnh: tiến trình (\d+) MB, kernel (\d+) MB", log.read_text("utf-8")):
            worker, kernel = max(worker, float(match[1])), max(kernel, float(match[2]))
    caption = re.search(r"Đã tạo \d+, bỏ qua \d+, lỗi \d+\.", err)
    return seconds, parent_peak, max(worker, kernel), caption[0] if caption else "?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--period", default="2026-M12")
    parser.add_argument("--second-period", default="2026-M06", help="the period added for 68 reports")
    parser.add_argument("--naive", type=int, default=0, help="naive loop over the first N reports (0: all)")
    parser.add_argument("--quick", action="store_true", help="skip the scaling runs")
    args = parser.parse_args()

    codes = provinces(args.period)
    naive_codes = codes[: args.naive] if args.naive else codes
    work = Path(tempfile.mkdtemp(prefix="thads-bench-"))
    print(f"Benchmark on {os.cpu_count()} cores, {len(codes)} reports of {args.period}, work folder {work}")
    rows = []
    try:
        (work / "naive").mkdir()
        seconds, peak = naive(args.period, naive_codes, work / "naive")
        per_naive = seconds / len(naive_codes)
        rows.append(("(a) naive loop: papermill, nbconvert, weasyprint", len(naive_codes), seconds, per_naive, peak, ""))

        out = work / "thads"
        seconds, parent, worker, caption = thads_run([args.period], out, jobs=2)
        per_thads = seconds / len(codes)
        rows.append(("(b) thads run --jobs 2", len(codes), seconds, per_thads, max(parent, worker), caption))

        seconds, parent, _, caption = thads_run([args.period], out, jobs=2, force=False)
        noop = seconds
        rows.append(("(c) no-op rerun", len(codes), seconds, seconds / len(codes), parent, caption))
        full = rows[1][2]

        if not args.quick:
            s1, p1, w1, c1 = thads_run([args.period], work / "one", jobs=1)
            rows.append(("thads run --jobs 1", len(codes), s1, s1 / len(codes), max(p1, w1), c1))
            s68, p68, w68, c68 = thads_run([args.period, args.second_period], work / "double", jobs=2)
            count68 = len(codes) + len(provinces(args.second_period))
            rows.append(("thads run --jobs 2, two periods", count68, s68, s68 / count68, max(p68, w68), c68))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(f"\n{'run':<52} {'reports':>7} {'seconds':>8} {'s/report':>9} {'peak MB':>8}  summary")
    for name, count, seconds, per, peak, caption in rows:
        print(f"{name:<52} {count:>7} {seconds:>8.1f} {per:>9.2f} {peak:>8.0f}  {caption}")
    print(f"\nspeed-up per report, naive / thads run (2 jobs): {per_naive / per_thads:.1f}x")
    print(f"no-op rerun / full run: {100 * noop / full:.1f}%")
    if not args.quick:
        print(f"scaling 1 -> 2 jobs: {rows[3][2] / rows[1][2]:.2f}x faster")
        print(f"scaling {len(codes)} -> {rows[4][1]} reports: {rows[4][2] / rows[1][2]:.2f}x the time, "
              f"peak memory {rows[1][4]:.0f} -> {rows[4][4]:.0f} MB")


if __name__ == "__main__":
    main()
