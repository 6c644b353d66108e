"""Shared fixtures."""

from __future__ import annotations

import csv
import os
import shutil
from pathlib import Path

import pytest

from thads import dataset


@pytest.fixture(scope="session", autouse=True)
def own_cache_folder(tmp_path_factory):
    """The user's cache folder (the checked data batches keep, thads.seal) is the test session's own, and every
    command the tests run inherits it: no test reads what another session or the developer's own runs left."""
    previous = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if previous is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = previous

REPO = Path(__file__).resolve().parents[1]
SAMPLE_DATA = REPO / "data"


@pytest.fixture(scope="session")
def hau_giang_2024(tmp_path_factory) -> Path:
    """A small valid data folder, built once per session: Hậu Giang (tinh 93: offices 93, 930..937),
    the 12 months of 2024, with the sample targets.csv and dataset.yml. Copy it before changing it."""
    folder = tmp_path_factory.mktemp("hau_giang_2024")
    (folder / "stats").mkdir()
    with open(SAMPLE_DATA / "stats" / "2024.csv", encoding="utf-8", newline="") as source, \
            open(folder / "stats" / "2024.csv", "w", encoding="utf-8", newline="") as target:
        reader, writer = csv.reader(source), csv.writer(target, lineterminator="\n")
        header = next(reader)
        writer.writerow(header)
        province = header.index("tinh")
        writer.writerows(row for row in reader if row[province] == "93")
    for name in ("targets.csv", "dataset.yml"):
        shutil.copy(SAMPLE_DATA / name, folder / name)
    dataset.load(folder)      # raises DataError, listing the problems, if the small folder is not clean
    return folder
