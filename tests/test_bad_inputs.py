"""Bad inputs through `thads run`: nothing lost, nobody fooled.

One good report is made first, with the small valid folder (Hậu Giang, 2024; see conftest.py), and the
bytes of every file it wrote are recorded. Then each case of the corpus changes a copy of the folder
and runs `thads run` into the SAME output folder, as a user would after editing their data:

- data that breaks the contract must be refused: exit code 1, no traceback, a message naming the file (and
  the row and column where the case has them) and saying what was expected;
- data that is only written differently (Vietnamese thousands separators, decimal commas, UTF-16, BOM and
  CRLF, Excel title rows and merged header cells) must be read right, into a copy of the good output folder:
  summary.json has the right figures and `thads validate` notes what was done. Where the file holds the
  very figures of the good folder in another form, the run must find the report current and skip it: the
  report's fingerprint hashes every row it reads, so the data was read exactly as the good CSV (and no
  kernel starts). Where the figures differ, the report is made again and its summary.json checked;
- either way, every file of the good report keeps its bytes, and no new file appears beside it.

Unsupported files in stats/ (.xls, .ods, .txt...) are refused rather than ignored: a file put there is
meant as data, and leaving it out unseen could leave an office out of the report. Hidden files and
folders are passed over; an Excel lock file (~$...) is refused, since its workbook is open, maybe mid-edit.

The corpus is tests/support/corpus.py; `python -m bench.reliability` runs it too and prints a table.
"""

from __future__ import annotations

import pytest

from tests.support.corpus import CASES, PERIOD, PROVINCE, Good, make_good, try_case

pytestmark = pytest.mark.slow   # real kernels, batches or a browser: make test, not make check


# --- the tests ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def good(hau_giang_2024, tmp_path_factory) -> Good:
    """One good report, made before any bad input is tried."""
    made = make_good(hau_giang_2024, tmp_path_factory.mktemp("good") / "out")
    assert {f"{PERIOD}/{PROVINCE}/{name}" for name in ("report.html", "report.pdf", "report.ipynb", "summary.json")
            } <= set(made.files)
    return made


def test_corpus_ids_are_unique():
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", [c for c in CASES if not c.read], ids=lambda c: c.id)
def test_refused_clearly_and_nothing_lost(case, good, tmp_path):
    outcome = try_case(case, good, tmp_path)
    assert outcome.code == 1, outcome.explain()
    assert not outcome.traceback, outcome.explain()
    assert outcome.message is not None, outcome.explain()
    assert outcome.stdout == "", outcome.explain()
    assert not outcome.lost, outcome.explain()


@pytest.mark.parametrize("case", [c for c in CASES if c.read], ids=lambda c: c.id)
def test_read_right_and_nothing_lost(case, good, tmp_path):
    outcome = try_case(case, good, tmp_path)
    assert outcome.code == 0 and not outcome.traceback, outcome.explain()
    assert not outcome.wrong_figures, outcome.explain()
    assert not outcome.missing_notes, outcome.explain()
    assert not outcome.lost, outcome.explain()
