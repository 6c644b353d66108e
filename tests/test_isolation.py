"""What one report does to its kernel never reaches another report (hardening round 3, High 2).

A report may replace a function of a module (thads, pandas, builtins), change the data set the kernel loaded,
the decimal context, IPython's input transformers or event hooks, sys.stdout or sys.modules, or leave a thread
running. Each kind is done by one report of a batch run with --jobs 1 (one worker, so one template and one
kernel after another), in the last cell of its notebook, so that its own report is not changed; every report
of that batch, the next ones above all, must then equal the same report in a clean batch: its summary.json, the
text of its HTML (where the prints are too) and whether it was made at all.

The kinds share one batch, one report each, in order: the report right after a kind's report is the first to
show that kind. Each kind has its own test, which looks at that report: the first test to fail names the kind
that leaked.
"""

import json
import re
import shutil
import subprocess
from functools import partial
from pathlib import Path

import nbformat
import pytest
from bs4 import BeautifulSoup

from tests import support

pytestmark = pytest.mark.slow   # real kernels and whole batches: make test, not make check

ROOT = Path(__file__).resolve().parents[1]
PERIOD = "2026-M12"

# Each kind: (name, code run by one report at the end of its notebook). The report right after it must not see
# the change. A province with a variant notebook (`province_report.<slug>.ipynb`) does the first one.
KINDS = [
    ("thads-function", 'import thads.formatting as f\nf.number = lambda value: "X"'),
    ("pandas-function", "import pandas\npandas.DataFrame.sort_values = lambda self, *args, **kwargs: self"),
    ("builtin", "import builtins\nbuiltins.round = lambda number, ndigits=None: 0"),
    ("cached-data", "import thads.dataset as d\n"
                    "for loaded in d._CACHE.values():\n"
                    "    loaded.stats['viec_xong'] = 0\n"
                    "    for rows in loaded._by_period.values():\n"
                    "        rows['viec_xong'] = 0\n"
                    "    loaded._memo.clear()"),
    ("decimal-context", "import decimal\ndecimal.getcontext().prec = 3\n"
                        "decimal.getcontext().rounding = decimal.ROUND_DOWN"),
    ("input-transformer", "get_ipython().input_transformers_post.append(lambda lines: [\n"
                          "    line.replace('r.key_figures()', 'print(\"GIẢ MẠO\")') for line in lines])"),
    ("event-hook", "get_ipython().events.register('pre_run_cell', lambda info: print('GIẢ MẠO'))"),
    ("stdout", "import io, sys\nsys.stdout = io.StringIO()"),
    ("sys-modules", "import sys, types\n"
                    "sys.modules['thads.metrics'] = types.SimpleNamespace(rate=lambda a, b: 'GIẢ MẠO')"),
    ("thread", "import threading, time\nimport thads.formatting as f\n"
               "def forge():\n"
               "    while True:\n"
               "        f.percent = lambda *args, **kwargs: 'GIẢ%'\n"
               "        time.sleep(0.01)\n"
               "threading.Thread(target=forge, daemon=True).start()"),
]

# An analyst's cell in every report, clean or not: a print, a builtin, a module imported by name.
WITNESS = ("from thads.metrics import rate\n"
           "print(f'Ô kiểm tra {province}: tỷ lệ 2/3 = {rate(2, 3)}; round(2.675, 2) = {round(2.675, 2)}')")


thads = partial(support.thads, timeout=900)     # whole batches


def provinces(count: int) -> list[tuple[str, str]]:
    """(code, slug) of the first `count` provinces of the period."""
    listed = thads("provinces", "--period", PERIOD).stdout.splitlines()[1:]
    return [(line.split()[0], line.split()[-1] if "(" not in line else line.split("(")[0].split()[-1])
            for line in listed][:count]


def notebooks(folder: Path, acts: dict[str, str] | None = None, variant: tuple[str, str] | None = None) -> Path:
    """The project's notebooks with the witness cell after the report object; with `acts` ({province: code}),
    a last cell running that province's code; with `variant` (slug, code), that province's own notebook, the
    shared one with `code` as its last cell."""
    shutil.copytree(ROOT / "notebooks", folder)
    path = folder / "province_report.ipynb"
    notebook = nbformat.read(path, as_version=4)
    notebook.cells.insert(3, nbformat.v4.new_code_cell(WITNESS))
    if variant is not None:
        own = nbformat.from_dict(json.loads(nbformat.writes(notebook)))
        own.cells.append(nbformat.v4.new_code_cell(variant[1]))
        nbformat.write(own, folder / f"province_report.{variant[0]}.ipynb")
    if acts:
        notebook.cells.append(nbformat.v4.new_code_cell(
            "\n".join(f"if province == {code!r}:\n" + "\n".join(f"    {line}" for line in act.splitlines())
                      for code, act in acts.items())))
    nbformat.write(notebook, path)
    return folder


def batch(out: Path, folder: Path, codes: list[str], env=None) -> subprocess.CompletedProcess:
    return thads("run", "--period", PERIOD, "--province", *codes, "--format", "html", "--jobs", "1",
                 "--date", "2026-12-31", "--notebooks", str(folder), "--out", str(out), env=env)


def made(out: Path, code: str) -> dict | None:
    """What a report shows: its key figures (summary.json) and the words of its HTML; None when not made."""
    folder = out / PERIOD / code
    if not (folder / "report.html").is_file():
        failed = folder / "report.failed.log"
        return {"failed": failed.read_text("utf-8") if failed.is_file() else "no report"}
    text = BeautifulSoup((folder / "report.html").read_text("utf-8"), "html.parser").get_text(" ")
    return {"summary": json.loads((folder / "summary.json").read_text("utf-8")), "text": " ".join(text.split())}


def difference(clean: dict, seen: dict) -> str:
    """Where a report differs from the clean one, briefly."""
    if "failed" in seen:
        return f"not made: {seen['failed'][-400:]}"
    if seen["summary"] != clean["summary"]:
        keys = [k for k in clean["summary"] if clean["summary"].get(k) != seen["summary"].get(k)]
        return f"summary.json differs in {keys[:8]}"
    words, other = clean["text"].split(), seen["text"].split()
    at = next((i for i, (a, b) in enumerate(zip(words, other)) if a != b), min(len(words), len(other)))
    return f"HTML text differs at word {at}: {' '.join(words[at:at + 12])!r} != {' '.join(other[at:at + 12])!r}"


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """A clean batch, and the same batch where report i (of the first len(KINDS)) does kind i; their outputs."""
    work = tmp_path_factory.mktemp("isolation")
    chosen = provinces(len(KINDS) + 1)
    codes = [code for code, _ in chosen]
    clean = batch(work / "clean", notebooks(work / "clean-notebooks"), codes)
    assert clean.returncode == 0, clean.stderr
    acts = {code: act for code, (_, act) in zip(codes[1:], KINDS[1:])}
    forged = batch(work / "forged", notebooks(work / "forged-notebooks", acts, (chosen[0][1], KINDS[0][1])), codes)
    return {"codes": codes, "clean": work / "clean", "forged": work / "forged", "stderr": forged.stderr}


@pytest.mark.parametrize("index", range(len(KINDS)), ids=[name for name, _ in KINDS])
def test_what_a_report_does_to_its_kernel_does_not_reach_the_next_report(runs, index):
    kind, code, after = KINDS[index][0], runs["codes"][index], runs["codes"][index + 1]
    clean, seen = made(runs["clean"], code), made(runs["forged"], code)
    # The report that does it (in its last cell, which changes nothing it shows) differs only if a kind before
    # this one leaked: the first test to fail names that kind.
    assert seen == clean, f"report {code}, before it does {kind}, already differs: {difference(clean, seen)}"
    clean, seen = made(runs["clean"], after), made(runs["forged"], after)
    assert seen == clean, f"{kind} (done by report {code}) reached report {after}: {difference(clean, seen)}"


def test_every_report_of_the_batch_equals_the_clean_one_and_ran_in_a_kernel_of_its_own(runs):
    pids = []
    for code in runs["codes"]:
        assert made(runs["forged"], code) == made(runs["clean"], code), code
        log = (runs["forged"] / PERIOD / code / "report.log").read_text("utf-8")
        found = re.search(r"kernel: \S+, pid (\d+), mới cho báo cáo này", log)
        assert found, log
        pids.append(found[1])
    assert len(set(pids)) == len(pids)
    assert f"Đã tạo {len(KINDS) + 1}, bỏ qua 0, lỗi 0." in " ".join(runs["stderr"].split())


def test_without_fork_each_report_also_gets_a_clean_kernel(runs, tmp_path):
    """Where there is no fork (Windows; here THADS_FORK=0), each report's kernel is started for it: the same
    reports as the forked kernels make, and nothing leaks either."""
    codes = runs["codes"][:4]
    acts = [act for name, act in KINDS if name in ("thads-function", "sys-modules", "thread")]
    done = batch(tmp_path / "out", notebooks(tmp_path / "notebooks", dict(zip(codes, acts))), codes,
                 env={"THADS_FORK": "0"})
    assert done.returncode == 0, done.stderr
    for code in codes:
        clean, seen = made(runs["clean"], code), made(tmp_path / "out", code)
        assert seen == clean, f"report {code}: {difference(clean, seen)}"
        log = (tmp_path / "out" / PERIOD / code / "report.log").read_text("utf-8")
        assert "mới cho báo cáo này" in log and "tách từ tiến trình mẫu" not in log
