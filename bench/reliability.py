"""Reliability of `thads run` on bad inputs (issue 5, "nothing lost, nobody fooled").

    .venv/bin/python bench/reliability.py [--jobs 2] [--verbose] [CASE ...]

Runs the corpus of tests/test_bad_inputs.py (imported from there, the one home of the case list) against a
good earlier report: makes one report with the small Hậu Giang folder, then, for each case, a bad or
differently written copy of the folder goes through `thads run` into the same output folder (a case to be
read right, into a copy of it). Prints per case what was expected (refused / read right), what happened,
whether the error was clear (exit code 1, no traceback, the message names the file and, where relevant, the
row and column, and says what was expected) and how many files of the good report were lost or changed
(must be 0), then the totals. Exits 1 when a case is not as expected.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path


ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import test_bad_inputs as corpus  # noqa: E402
from test_faults import notebooks_with  # noqa: E402  (the notebook with a fault cell, as the tests make it)

# Faults during a run: a cell added to the province notebook after the report object is made.
FAULTS = [
    ("cell-raises", 'raise RuntimeError("lỗi cố ý")', [], "RuntimeError: lỗi cố ý"),
    ("kernel-dies", "import os\nos.kill(os.getpid(), 9)", [], "kernel dừng đột ngột"),
    ("cell-hangs", "import time\ntime.sleep(600)", ["--timeout", "20"], "quá thời gian cho phép"),
    ("ctrl-c", "import time\ntime.sleep(60)", ["ctrl-c"], "Ctrl-C"),
    ("second-run-at-once", "import time\ntime.sleep(15)", ["concurrent"], "đang được một lần chạy khác"),
]
REPORT_FILES = ("report.html", "report.pdf", "report.ipynb", "summary.json", "inputs.json")


def try_fault(name: str, code: str, options: list[str], words: str, good, work: Path) -> tuple:
    """Run the good report again (--force) with a fault; the good report's files must stay as they were."""
    started = time.perf_counter()
    command = [str(Path(sys.executable).parent / "thads"), "run", "--data", str(good.data), "--period",
               corpus.PERIOD, "--province", corpus.PROVINCE, "--format", "html,pdf", "--force", "--out",
               str(good.out), "--notebooks", str(notebooks_with(work, code)),
               *[o for o in options if o not in ("ctrl-c", "concurrent")]]
    if "ctrl-c" in options:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   start_new_session=True)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not list((good.out / ".work").glob(f"{corpus.PERIOD}-*")):
            time.sleep(0.2)
        time.sleep(8)                     # the report is now in its notebook, inside the slow cell
        os.killpg(process.pid, signal.SIGINT)
        _, err = process.communicate(timeout=120)
        code_expected, code_got = 130, process.returncode
    elif "concurrent" in options:
        first = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        lock = good.out / ".lock"
        while time.monotonic() < deadline and not (lock.exists() and lock.read_text().strip()):
            time.sleep(0.1)
        second = subprocess.run(command[:-2] + ["--format", "html"], capture_output=True, text=True)
        first.communicate(timeout=600)    # the first run goes on and remakes the report (a new good one)
        err, code_expected, code_got = second.stderr, 1, second.returncode
        if first.returncode != 0:
            err += "\n(the first run failed)"
        good.files.update(corpus.snapshot(good.out))
    else:
        done = subprocess.run(command, capture_output=True, text=True, timeout=600)
        err, code_expected, code_got = done.stderr, 1, done.returncode
    now = corpus.snapshot(good.out)
    report = f"{corpus.PERIOD}/{corpus.PROVINCE}/"
    lost = [n for n in REPORT_FILES if now.get(report + n) != good.files.get(report + n)]
    half = [p for p in now if p.startswith(".work/")]
    clear = code_got == code_expected and "Traceback" not in err and words in " ".join(err.split())
    return name, clear, lost + half, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("cases", nargs="*", help="ids of the cases to run (default: all)")
    parser.add_argument("--jobs", type=int, default=2, help="cases run at the same time (default 2)")
    parser.add_argument("--verbose", action="store_true", help="print the message each refused case gave")
    args = parser.parse_args()
    cases = [c for c in corpus.CASES if not args.cases or c.id in args.cases]
    unknown = set(args.cases) - {c.id for c in corpus.CASES}
    if unknown:
        parser.error(f"unknown case(s): {', '.join(sorted(unknown))}")

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="thads-reliability-") as work:
        work = Path(work)
        good = corpus.make_good(corpus.write_small_folder(work / "good"), work / "good-out")
        print(f"good report: {len(good.files)} files in {good.out} ({time.perf_counter() - started:.1f} s); "
              f"{len(cases)} cases, {args.jobs} at a time\n")

        def attempt(numbered):
            number, case = numbered
            (work / str(number)).mkdir()
            return corpus.try_case(case, good, work / str(number))

        with ThreadPoolExecutor(args.jobs) as pool:
            outcomes = list(pool.map(attempt, enumerate(cases)))
        faults = [] if args.cases else [try_fault(*fault, good, work / f"fault-{number}")
                                        for number, fault in enumerate(FAULTS)]

    width = max(len(c.id) for c in cases)
    print(f"{'case':<{width}}  {'expected':<10}  {'got':<10}  {'clear error':<11}  {'lost/changed':>12}  {'s':>5}")
    print("-" * (width + 60))
    for o in outcomes:
        clear = "-" if o.case.read else "yes" if o.clear else "NO"
        print(f"{o.case.id:<{width}}  {o.case.expected:<10}  {o.got:<10}  {clear:<11}  {len(o.lost):>12}  "
              f"{o.seconds:>5.1f}" + ("" if o.ok else "   <-- not as expected"))
        if args.verbose and not o.case.read:
            print(f"{'':<{width}}  {o.message or o.stderr.strip().splitlines()[-1:]}")
    refused = [o for o in outcomes if not o.case.read]
    read = [o for o in outcomes if o.case.read]
    lost = sum(len(o.lost) for o in outcomes)
    print("-" * (width + 60))
    print(f"tried {len(outcomes)}: clear errors {sum(o.clear for o in refused)}/{len(refused)}, "
          f"read right {sum(o.read_right for o in read)}/{len(read)}, lost or changed outputs {lost}; "
          f"{time.perf_counter() - started:.0f} s in all")
    if faults:
        print(f"\n{'fault':<{width}}  {'clear error':<11}  {'lost/changed':>12}  {'s':>5}")
        print("-" * (width + 36))
        for name, clear, lost, seconds in faults:
            print(f"{name:<{width}}  {'yes' if clear else 'NO':<11}  {len(lost):>12}  {seconds:>5.1f}")
        print(f"faults tried {len(faults)}: clear errors {sum(f[1] for f in faults)}/{len(faults)}, lost or "
              f"changed outputs {sum(len(f[2]) for f in faults)}")
    failed = [o for o in outcomes if not o.ok]
    for o in failed:
        print("\n" + o.explain())
    return 1 if failed or any(not f[1] or f[2] for f in faults) else 0


if __name__ == "__main__":
    sys.exit(main())
