"""What the tests and bench/ share: the command line as a process (`commands`), a batch's record (`batches`),
notebooks with a cell added (`notebooks`), small builders (`seed`, `tables`, `ranking`) and the bad-input corpus
(`corpus`). Imported as `tests.support`, from the repository root (pytest puts it on sys.path; bench/ runs as
`python -m bench.NAME` from there)."""

from tests.support.batches import counts, last_run
from tests.support.commands import ROOT, installed_thads, start, thads
from tests.support.notebooks import notebooks_with

__all__ = ["ROOT", "counts", "installed_thads", "last_run", "notebooks_with", "start", "thads"]
