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
import shutil
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
        lock = good.out / ".lock.pid"
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


# Round two (issue 11): signals, dead workers, the file system, and small inputs that cost too much. Each
# returns (clear error, files of the good report lost or changed, seconds, what it measured).
THADS = [sys.executable, "-m", "thads"]


def _run(*args, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([*THADS, *map(str, args)], cwd=ROOT, capture_output=True, text=True, timeout=600, **kwargs)


def _lost(good) -> list[str]:
    now = corpus.snapshot(good.out)
    report = f"{corpus.PERIOD}/{corpus.PROVINCE}/"
    return [n for n in REPORT_FILES if now.get(report + n) != good.files.get(report + n)] + \
        [p for p in now if p.startswith(".work/") or p.endswith(".tmp")]


def _descendants(pid: int) -> list:
    import psutil

    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return []


def _still_running(processes: list, within: float = 20) -> int:
    import psutil

    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        alive = [p for p in processes if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
        if not alive:
            return 0
        time.sleep(0.2)
    return len(alive)


def _signalled(good, work: Path, signals: list[tuple[float, int]], code: int, stubborn: bool = False) -> tuple:
    """A batch of three reports into the good report's folder, stopped by `signals` (delay, signal) once its
    second report runs: exit `code`, no traceback, every process ended, the good report whole."""
    ready = work / "ready"
    ready.mkdir()
    cell = (f"import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n" if stubborn else
            "import time\n") + f"open({str(ready)!r} + '/' + str(province), 'w').close()\ntime.sleep(60)"
    process = subprocess.Popen([*THADS, "run", "--data", good.data, "--period", corpus.PERIOD, "--province",
                                corpus.PROVINCE, "--format", "html", "--force", "--out", good.out, "--notebooks",
                                notebooks_with(work, cell)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, start_new_session=True)
    deadline = time.monotonic() + 120
    while not list(ready.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.2)
    started = time.perf_counter()
    processes = _descendants(process.pid)
    for delay, number in signals:
        time.sleep(delay)
        os.killpg(process.pid, number)
    _, err = process.communicate(timeout=120)
    seconds = time.perf_counter() - started
    left = _still_running(processes)
    clear = process.returncode == code and "Traceback" not in err and left == 0
    return clear, _lost(good), seconds, f"exit {process.returncode}, {left} processes left, stopped in {seconds:.1f} s"


def _worker_killed(good, work: Path) -> tuple:
    import psutil

    ready = work / "ready"
    ready.mkdir()
    out = work / "out"
    cell = f"import time\nopen({str(ready)!r} + '/' + str(province), 'w').close()\ntime.sleep(3)"
    process = subprocess.Popen([*THADS, "run", "--data", good.data, "--period", corpus.PERIOD, "--province",
                                "93", "--format", "html", "--out", out, "--notebooks", notebooks_with(work, cell)],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    deadline = time.monotonic() + 120
    while not list(ready.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.2)
    started = time.perf_counter()
    workers = [p for p in _descendants(process.pid) if any("ipykernel" in " ".join(c.cmdline()) for c in p.children())]
    kernels = [c for w in workers for c in w.children()]
    for worker in workers:
        worker.kill()
    _, err = process.communicate(timeout=300)
    log = out / corpus.PERIOD / corpus.PROVINCE / "report.failed.log"
    clear = (process.returncode == 1 and "dừng đột ngột" in err and log.is_file() and "Traceback" not in err
             and _still_running(kernels) == 0)
    del psutil
    return clear, _lost(good), time.perf_counter() - started, "the report failed alone, its log exists, kernel ended"


def _small_disk(work: Path, read_only: bool, good) -> tuple:
    if os.geteuid() != 0:
        return None, [], 0.0, "skipped: mounting a tmpfs needs root"
    disk = work / "disk"
    disk.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", disk], capture_output=True).returncode:
        return None, [], 0.0, "skipped: tmpfs cannot be mounted here"
    try:
        out = disk / "out"
        made = _run("run", "--data", good.data, "--period", corpus.PERIOD, "--province", corpus.PROVINCE,
                    "--format", "html", "--out", out)
        before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
        if read_only:
            subprocess.run(["mount", "-o", "remount,ro", disk], check=True)
        else:
            free = os.statvfs(disk)
            (disk / "filler").write_bytes(b"\0" * max(0, free.f_bavail * free.f_frsize - 150_000))
        started = time.perf_counter()
        done = _run("run", "--data", good.data, "--period", corpus.PERIOD, "--province", corpus.PROVINCE,
                    "--format", "html", "--out", out, "--force")
        seconds = time.perf_counter() - started
        after = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
        lost = [str(p) for p, data in before.items() if after.get(p) != data]
        lost += [str(p) for p in after if p not in before and ".work" in p.parts or p.name.endswith(".tmp")]
        words = "ổ đĩa chỉ cho đọc" if read_only else "ổ đĩa đã đầy"
        clear = made.returncode == 0 and done.returncode == 1 and words in done.stderr and "Traceback" not in done.stderr
        return clear, lost, seconds, words
    finally:
        subprocess.run(["umount", "-l", disk], capture_output=True)


def _refused_before_running(good, work: Path, prepare, words: str) -> tuple:
    """`prepare(out)` plants something in a copy of the good outputs; the run is refused with `words`."""
    out = work / "out"
    shutil.copytree(good.out, out, symlinks=True)
    target = prepare(out)
    before = target.read_bytes() if target is not None else None
    started = time.perf_counter()
    done = _run("run", "--data", good.data, "--period", corpus.PERIOD, "--province", corpus.PROVINCE, "--format",
                "html", "--out", out, "--force")
    clear = done.returncode == 1 and words in done.stderr and "Traceback" not in done.stderr
    untouched = target is None or target.read_bytes() == before
    return clear and untouched, _lost(good), time.perf_counter() - started, f"refused: {words}"


def _planted_link(name: str):
    def prepare(out: Path) -> Path:
        target = out.parent / f"{name.strip('.')}-target.txt"
        target.write_text("không được ghi vào đây", "utf-8")
        (out / name).unlink(missing_ok=True)
        (out / name).symlink_to(target)
        return target
    return prepare


def _folder(path: Path) -> Path:
    path.mkdir(parents=True)
    return path


def _in_process(check) -> tuple:
    started = time.perf_counter()
    clear, measured = check()
    return clear, [], time.perf_counter() - started, measured


def _yaml_bomb(work: Path) -> tuple[bool, str]:
    path = work / "batch.yml"
    path.write_text("a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{b}: &{b} [{', '.join(['*' + a] * 9)}]\n" for a, b in zip("abcdefgh", "bcdefghi")), "utf-8")
    done = _run("run", path)
    return done.returncode == 1 and "bí danh YAML" in done.stderr, f"{path.stat().st_size} bytes refused"


def _note_cost(work: Path) -> tuple[bool, str]:
    from thads import notes

    costs = []
    for name, text in (("backticks", "`" * 5000), ("brackets", "[" * 5000), ("links", "[x](" * 1250)):
        started = time.perf_counter()
        notes.to_html(text)
        costs.append(f"{name} {time.perf_counter() - started:.3f} s")
    return True, "5 KB of " + ", ".join(costs)


def _note_too_large(work: Path) -> tuple[bool, str]:
    from thads import notes
    from thads.errors import ThadsError
    from thads.periods import Period

    (work / "notes" / corpus.PERIOD).mkdir(parents=True)
    (work / "notes" / corpus.PERIOD / "93.md").write_text("## Công tác khác\n\n" + "x" * 300_000, "utf-8")
    try:
        notes.load(work / "notes", Period.parse(corpus.PERIOD), "93")
    except ThadsError as exc:
        return "ghi chú quá dài" in str(exc), "300 KB note refused"
    return False, "accepted"


def _million_rows(good, work: Path) -> tuple[bool, str]:
    from test_safety import typed, workbook

    from thads import dataset

    folder = work / "data"
    shutil.copytree(good.data, folder)
    rows = [line.split(",") for line in (folder / "stats" / "2024.csv").read_text("utf-8").splitlines()]
    (folder / "stats" / "2024.csv").unlink()
    workbook(folder / "stats" / "2024.xlsx", {"Số liệu": [rows[0], *typed(rows[1:])]}, hidden=(),
             claimed_rows=1_048_576)
    started = time.perf_counter()
    ds = dataset.load(folder)
    return len(ds.stats) == len(rows) - 1, f"{len(ds.stats)} rows read in {time.perf_counter() - started:.2f} s"


ROUND_TWO = [
    ("sigterm", lambda good, work: _signalled(good, work, [(0, signal.SIGTERM)], 143)),
    ("sighup (terminal closed)", lambda good, work: _signalled(good, work, [(0, signal.SIGHUP)], 129)),
    ("double ctrl-c", lambda good, work: _signalled(good, work, [(0, signal.SIGINT), (1.5, signal.SIGINT)], 130,
                                                     stubborn=True)),
    ("worker killed", _worker_killed),
    ("disk full", lambda good, work: _small_disk(work, False, good)),
    ("read-only output folder", lambda good, work: _small_disk(work, True, good)),
    ("--out is a file", lambda good, work: _refused_before_running(
        good, work, lambda out: (shutil.rmtree(out), out.write_text("x", "utf-8"), out)[2], "là một tệp")),
    ("lock is a link", lambda good, work: _refused_before_running(good, work, _planted_link(".lock"), "liên kết")),
    ("index is a link", lambda good, work: _refused_before_running(good, work, _planted_link("index.html"),
                                                                   "liên kết")),
    ("yaml aliases (billion laughs)", lambda good, work: _in_process(lambda: _yaml_bomb(work))),
    ("note: 5 KB of backticks", lambda good, work: _in_process(lambda: _note_cost(work))),
    ("note over 100 KB", lambda good, work: _in_process(lambda: _note_too_large(work))),
    ("xlsx claiming 1M rows", lambda good, work: _in_process(lambda: _million_rows(good, work))),
]


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
        second = [] if args.cases else [(name, *check(good, _folder(work / f"round-two-{number}")))
                                         for number, (name, check) in enumerate(ROUND_TWO)]

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
    if second:
        wide = max(len(s[0]) for s in second)
        print(f"\n{'round two':<{wide}}  {'clear error':<11}  {'lost/changed':>12}  {'s':>6}  measured")
        print("-" * (wide + 70))
        for name, clear, lost, seconds, measured in second:
            shown = "skipped" if clear is None else "yes" if clear else "NO"
            print(f"{name:<{wide}}  {shown:<11}  {len(lost):>12}  {seconds:>6.2f}  {measured}")
        ran = [s for s in second if s[1] is not None]
        print(f"round two tried {len(ran)} (skipped {len(second) - len(ran)}): clear {sum(s[1] for s in ran)}/"
              f"{len(ran)}, lost or changed outputs {sum(len(s[2]) for s in second)}")
    failed = [o for o in outcomes if not o.ok]
    for o in failed:
        print("\n" + o.explain())
    return 1 if failed or any(not f[1] or f[2] for f in faults) or any(s[1] is False or s[2] for s in second) else 0


if __name__ == "__main__":
    sys.exit(main())
