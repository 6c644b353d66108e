"""Benchmark of batch report generation: speed against the naive loop, where the time goes, the in-process
floor, and memory over long runs.

    .venv/bin/python -m bench.batch [--period 2026-M12] [--naive 4] [--quick]     # from the repository root

Prints, from one run on this machine:
  1. the naive way a user would script it (per report: the papermill CLI, `jupyter nbconvert --no-input`,
     the `weasyprint` command, one after another), timed on --naive reports and extrapolated, against
     `thads run` of every province of the period, HTML and PDF, 2 jobs; and a no-op rerun. Half the naive
     reports are timed just before `thads run` and half just after, so that a machine whose speed drifts
     during the benchmark weighs on both sides alike; both halves are printed, and for each phase the share
     of the machine's CPU time its host stole (a virtual machine's "steal", from /proc/stat);
  2. where a report's time goes in that run (from the report logs and the executed notebooks): kernel
     clean-up, notebook cells (of which the six charts), HTML, PDF, writing; and the in-process floor:
     the same notebooks' cells executed with no kernel in 2 processes, then the same export (bench/floor.py);
  3. memory (skipped with --quick): `thads run --jobs 1` over the period's reports and over twice as many,
     the whole process tree (PSS: shared pages counted once) sampled every 0.5 s; the peak in the first third
     of the run against the peak in the last third.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

from bench import floor

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DATA = ROOT / "data"
NOTEBOOK = ROOT / "notebooks" / "province_report.ipynb"
TARGET_SPEEDUP, TARGET_FLAT = 15.0, 10.0


def cpu_ticks() -> tuple[int, int]:
    """(stolen, all) CPU ticks of the machine so far, from /proc/stat (Linux; (0, 0) elsewhere): time a virtual
    machine's host gave to others while this one had work. It slows a phase without showing in its own CPU."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0, 0
    return fields[7], sum(fields[:8])


class Stolen:
    """The share of the machine's CPU time stolen during a `with` block (see cpu_ticks)."""

    def __enter__(self):
        self.start = cpu_ticks()
        return self

    def __exit__(self, *exc):
        end = cpu_ticks()
        self.share = (end[0] - self.start[0]) / (end[1] - self.start[1]) if end[1] > self.start[1] else None

    def __str__(self):
        return "steal unknown" if self.share is None else f"steal {100 * self.share:.0f}%"


def provinces(period: str) -> list[str]:
    out = subprocess.run([str(BIN / "thads"), "provinces", "--period", period], capture_output=True, text=True,
                         check=True, cwd=ROOT).stdout
    return [line.split()[0] for line in out.splitlines()[1:]]        # after the heading line


def tree_memory(pid: int) -> int:
    """Bytes used by `pid` and all its descendants: PSS where the system has it (Linux), else RSS."""
    total = 0
    try:
        processes = [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
    except psutil.Error:
        return 0
    for process in processes:
        try:
            info = process.memory_full_info()
            total += getattr(info, "pss", info.rss)
        except psutil.Error:
            pass
    return total


def run_sampled(command: list[str]) -> tuple[float, list[tuple[float, int]], str]:
    """Run a command; return its seconds, (time, tree memory) samples every 0.5 s, and its stderr."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    samples: list[tuple[float, int]] = []

    def sample():
        while process.poll() is None:
            samples.append((time.perf_counter() - started, tree_memory(process.pid)))
            time.sleep(0.5)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    err = process.stderr.read()
    process.wait()
    sampler.join()
    if process.returncode != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{err[-2000:]}")
    return time.perf_counter() - started, samples, err


def naive(period: str, codes: list[str], work: Path) -> float:
    """Seconds for all `codes`, one command after another."""
    started = time.perf_counter()
    for code in codes:
        executed, page, pdf = work / f"{code}.ipynb", work / f"{code}.html", work / f"{code}.pdf"
        for step in (
            [str(BIN / "papermill"), "--no-progress-bar", "-k", "thads", "--cwd", str(NOTEBOOK.parent), str(NOTEBOOK),
             str(executed), "-p", "province", code, "-p", "period", period, "-p", "data_dir", str(DATA)],
            [str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(executed), "--output", str(page)],
            [str(BIN / "weasyprint"), str(page), str(pdf)],
        ):
            subprocess.run(step, check=True, capture_output=True, cwd=ROOT)
    return time.perf_counter() - started


def thads_run(periods: list[str], out: Path, jobs: int, force: bool = True):
    command = [str(BIN / "thads"), "run", "--period", *periods, "--province", "all", "--format", "html,pdf",
               "--jobs", str(jobs), "--out", str(out)] + (["--force"] if force else [])
    seconds, samples, err = run_sampled(command)
    caption = re.search(r"Đã tạo \d+, bỏ qua \d+, lỗi \d+\.", err)
    return seconds, samples, caption[0] if caption else "?"


def where_time_goes(out: Path) -> dict[str, float]:
    """Mean seconds per report of each step, from the report logs; charts from the executed notebooks' cells."""
    stages: dict[str, list[float]] = {}
    charts = []
    for log in out.glob("*/*/report.log"):
        line = re.search(r"thời gian \(giây\): (.*)", log.read_text("utf-8"))
        for stage, seconds in re.findall(r"(\w+) (\d+,\d+)", line[1] if line else ""):
            stages.setdefault(stage, []).append(float(seconds.replace(",", ".")))
        cells = json.loads((log.parent / "report.ipynb").read_text("utf-8"))["cells"]
        charts.append(sum(cell["metadata"].get("papermill", {}).get("duration") or 0 for cell in cells
                          if cell["cell_type"] == "code" and ".chart_" in "".join(cell["source"])))
    means = {stage: statistics.mean(values) for stage, values in stages.items()}
    means["charts"] = statistics.mean(charts) if charts else 0.0
    return means


def thirds(samples: list[tuple[float, int]]) -> tuple[float, float]:
    """Peak MB of the tree in the first and in the last third of the run."""
    end = samples[-1][0]
    first = [m for t, m in samples if t <= end / 3]
    last = [m for t, m in samples if t >= 2 * end / 3]
    return max(first) / 2**20, max(last) / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--period", default="2026-M12")
    parser.add_argument("--second-period", default="2026-M06", help="the period added for twice the reports")
    parser.add_argument("--naive", type=int, default=4,
                        help="naive loop over the first N reports (half before thads run, half after), extrapolated")
    parser.add_argument("--quick", action="store_true", help="skip the memory runs")
    args = parser.parse_args()

    codes = provinces(args.period)
    work = Path(tempfile.mkdtemp(prefix="thads-bench-"))
    print(f"Benchmark on {os.cpu_count()} cores, {len(codes)} reports of {args.period} (HTML and PDF), "
          f"work folder {work}", flush=True)
    try:
        (work / "naive").mkdir()
        before, after = codes[: (args.naive + 1) // 2], codes[(args.naive + 1) // 2: args.naive]
        with Stolen() as stolen_before:
            naive_before = naive(args.period, before, work / "naive")
        with Stolen() as stolen_thads:
            seconds, samples, caption = thads_run([args.period], work / "thads", jobs=2)
        with Stolen() as stolen_after:
            naive_after = naive(args.period, after, work / "naive")
        per_naive = (naive_before + naive_after) / len(before + after)
        per_thads = seconds / len(codes)
        noop, _, noop_caption = thads_run([args.period], work / "thads", jobs=2, force=False)
        steps = where_time_goes(work / "thads")
        floor_seconds, floor_made = floor.floor(codes, args.period, work / "floor", processes=2)
        per_floor = floor_seconds / floor_made

        print(f"\n1. Speed, seconds per report{'':27} {'s/report':>9}  {'ratio':>6}")
        print(f"   naive loop (timed on {args.naive}, extrapolated){'':16} {per_naive:9.2f}  "
              f"({len(before)} before thads run: {naive_before / len(before):.2f}, {stolen_before}"
              + (f"; {len(after)} after: {naive_after / len(after):.2f}, {stolen_after})" if after else ")"))
        print(f"   thads run --jobs 2 ({len(codes)} reports, {seconds:.1f} s: {caption}) {per_thads:6.2f}  "
              f"{per_naive / per_thads:5.1f}x  (target {TARGET_SPEEDUP:.0f}x: "
              f"{'met' if per_naive / per_thads >= TARGET_SPEEDUP else 'NOT met'}; {stolen_thads})")
        print(f"   no-op rerun ({noop:.1f} s: {noop_caption}){'':5} {noop / len(codes):9.2f}")
        print(f"   in-process floor, 2 processes (no kernel){'':12} {per_floor:9.2f}  "
              f"thads run = {per_thads / per_floor:.2f}x the floor (aim: within 2x)")
        print("\n2. Where a report's time goes in that run (mean seconds per report, in one worker):")
        names = {"kernel": "clean kernel", "notebook": "notebook cells (papermill)", "html": "HTML (nbconvert)",
                 "pdf": "PDF (Chromium)", "ghi": "writing files"}
        for stage, label in names.items():
            print(f"   {label:<40} {steps.get(stage, 0):6.2f}")
        print(f"     of which the six charts{'':17} {steps['charts']:6.2f}")
        print(f"   total{'':35} {sum(steps.get(s, 0) for s in names):6.2f}  (2 workers: about half per report)")

        if not args.quick:
            print("\n3. Memory of the whole process tree with --jobs 1 (PSS, sampled every 0.5 s):")
            print(f"   {'reports':>7} {'seconds':>8} {'peak, first third':>18} {'peak, last third':>17} {'change':>7}")
            for periods in ([args.period], [args.period, args.second_period]):
                count = sum(len(provinces(p)) for p in periods)
                seconds, samples, caption = thads_run(periods, work / f"memory-{len(periods)}", jobs=1)
                first, last = thirds(samples)
                change = 100 * (last - first) / first
                print(f"   {count:>7} {seconds:>8.1f} {first:>15.0f} MB {last:>14.0f} MB {change:>+6.1f}%  "
                      f"({'within' if abs(change) <= TARGET_FLAT else 'NOT within'} {TARGET_FLAT:.0f}%; {caption})",
                      flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
