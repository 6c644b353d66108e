"""The project's notebooks, changed for a test."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat

from tests.support.commands import ROOT


def notebooks_with(tmp_path: Path, code: str) -> Path:
    """A copy of the project's notebooks with one more cell, after the report object is made."""
    folder = tmp_path / "notebooks"
    shutil.copytree(ROOT / "notebooks", folder)
    path = folder / "province_report.ipynb"
    notebook = nbformat.read(path, as_version=4)
    notebook.cells.insert(3, nbformat.v4.new_code_cell(code))
    nbformat.write(notebook, path)
    return folder
