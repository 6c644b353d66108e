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
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import test_bad_inputs as corpus  # noqa: E402


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
    failed = [o for o in outcomes if not o.ok]
    for o in failed:
        print("\n" + o.explain())
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
