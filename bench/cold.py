"""One report made cold from the command line against the import floor, and a no-op rerun against the full batch.

    .venv/bin/python -m bench.cold [--period 2026-M12] [--province 92] [--rounds 5]

Prints, from runs on this machine (medians of --rounds, each a new process):
  1. the import floor: `python -c "import pandas, matplotlib.pyplot"`;
  2. one report (HTML) made by `thads run --force` into a new output folder: with the data never read before (an
     empty user cache folder: the data folder read and checked first), and with the data read by an earlier command
     (kept, sealed, in the user's cache folder: thads.seal), each against the floor;
  3. every report of the period (HTML) made by `thads run`, then the same command again with nothing changed: the
     no-op rerun as a share of the full batch;
  4. (--offices) one whole-country office batch: a report for every enforcement office of the period (HTML), its time
     and its cost per report beside the province batch's.
Wall-clock seconds, and the CPU seconds of the whole process tree (children included) beside them.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
THADS = [sys.executable, "-m", "thads"]
TARGET_COLD, TARGET_NOOP = 4.0, 0.02


def timed(command: list[str], cache: Path | None = None) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the command and every process it waited for) of one run, which must succeed;
    with `cache` as the user's cache folder."""
    env = {**os.environ, **({"XDG_CACHE_HOME": str(cache)} if cache else {})}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr[-2000:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def median(runs: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--period", default="2026-M12")
    parser.add_argument("--province", default="92")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--offices", action="store_true", help="also time a report for every office of the period")
    args = parser.parse_args()
    one = ["run", "--period", args.period, "--province", args.province, "--format", "html", "--force"]
    with tempfile.TemporaryDirectory(prefix="thads-cold-") as work:
        work = Path(work)
        timed([*THADS, *one, "--out", str(work / "first")], work / "cache")          # reads the data once
        rounds = []           # the floor and both reports in turn: a drift in the machine's speed meets all three
        for i in range(args.rounds):
            rounds.append((timed([sys.executable, "-c", "import pandas, matplotlib.pyplot"]),
                           timed([*THADS, *one, "--out", str(work / f"fresh-{i}")], work / f"cache-{i}"),
                           timed([*THADS, *one, "--out", str(work / f"kept-{i}")], work / "cache")))
        floor, fresh, kept = (median([r[k] for r in rounds]) for k in range(3))
        ratios = [statistics.median(r[k][0] / r[0][0] for r in rounds) for k in (1, 2)]
        batch = ["run", "--period", args.period, "--province", "all", "--format", "html", "--out", str(work / "all")]
        full = timed([*THADS, *batch, "--force", "--jobs", str(os.cpu_count() or 1)], work / "cache")
        provinces = sum(1 for _ in (work / "all" / args.period).glob("*/report.html"))
        noop = median([timed([*THADS, *batch], work / "cache") for _ in range(args.rounds)])
        offices = None
        if args.offices:
            wanted = ["run", "--report", "office", "--period", args.period, "--province", "all", "--format", "html",
                      "--out", str(work / "offices")]
            offices = timed([*THADS, *wanted], work / "cache")
            made = sum(1 for _ in (work / "offices" / args.period).glob("*/don-vi/*/report.html"))
    print(f"machine: {os.cpu_count()} CPUs; medians of {args.rounds} runs; seconds wall (CPU of the process tree); "
          "each report against the floor measured in the same round")
    print(f"  import floor (pandas, matplotlib.pyplot)       {floor[0]:6.2f} ({floor[1]:5.2f})")
    for label, (wall, cpu), ratio in (("one report, data never read before", fresh, ratios[0]),
                                      ("one report, data read before", kept, ratios[1])):
        print(f"  {label:<46} {wall:6.2f} ({cpu:5.2f})  = {ratio:4.1f}x the floor (aim: within {TARGET_COLD:g}x)")
    print(f"  every report of {args.period} (HTML, --force)         {full[0]:6.2f} ({full[1]:5.2f})")
    print(f"  the same command again, nothing changed         {noop[0]:6.2f} ({noop[1]:5.2f})  = "
          f"{100 * noop[0] / full[0]:4.1f}% of the batch (aim: within {100 * TARGET_NOOP:g}%)")
    if offices is not None:
        print(f"  every office of {args.period} ({made} reports, HTML)       {offices[0]:6.1f} ({offices[1]:6.1f})  = "
              f"{offices[0] / made:.2f} s per report (provinces: {full[0] / provinces:.2f})")


if __name__ == "__main__":
    main()
