"""A format and a report kind of one's own: one class and one registry entry each (an entry point of an installed
distribution, as nbconvert finds exporters), and `thads run` makes a report with them, in its worker processes and
kernels too."""

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
PERIOD = "2026-M12"

EXTRA = '''
from thads import formats, kinds


class Markdown(formats.Format):
    """The report's text cells and printed outputs as one Markdown file."""

    name, file, label, short, mimetype = "md", "report.md", "xuất Markdown", "MD", "text/markdown"

    def build(self, made):
        lines = []
        for cell in made.prepared.cells:
            if cell.cell_type == "markdown":
                lines.append(cell.source)
            for output in cell.get("outputs", []):
                if output.get("output_type") == "stream":
                    lines.append(output["text"])
        return "\\n\\n".join(lines) + "\\n"


def _subjects(units, period, asked, as_of):
    return [kinds.Subject("tom-tat", "Tóm tắt", "tóm tắt kỳ")]


TOMTAT = kinds.Kind(
    name="tomtat", notebook="tom_tat.ipynb", subjects=_subjects, parameters=lambda subject, notes: {},
    scope=lambda ds, subject, period, day: kinds.Scope(None, None), has_data=lambda ds, subject, period: True,
    example="parts.record_figures(...)", label="tóm tắt một kỳ", folder="tom-tat", index_name="Tóm tắt kỳ")
'''

NOTEBOOK = [
    ("markdown", "# Tóm tắt kỳ"),
    ("code", 'period: str = "2026-M12"  # kỳ báo cáo\ndata_dir: str = ""  # thư mục dữ liệu\nreport_date: str = ""'),
    ("code", "from thads import dataset, parts\nfrom thads.periods import Period\n\n"
             "ds = dataset.load(data_dir)\nrows = ds.stats[ds.stats['nam'] == Period.parse(period).year]\n"
             "print(f'Số đơn vị có số liệu: {rows.don_vi.nunique()}')\n"
             "parts.record_figures('tomtat', 'tom-tat', period, 'Tóm tắt kỳ', {'don_vi': int(rows.don_vi.nunique())})"),
]


@pytest.fixture
def installed(tmp_path):
    """A distribution on PYTHONPATH declaring the format and the kind by entry points."""
    site = tmp_path / "site"
    info = site / "thads_extra-0.1.dist-info"
    info.mkdir(parents=True)
    (site / "thads_extra.py").write_text(EXTRA, "utf-8")
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: thads-extra\nVersion: 0.1\n", "utf-8")
    (info / "entry_points.txt").write_text("[thads.formats]\nmd = thads_extra:Markdown\n\n"
                                          "[thads.kinds]\ntomtat = thads_extra:TOMTAT\n", "utf-8")
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))}


@pytest.mark.slow
def test_a_format_and_a_kind_of_ones_own_make_a_report(tmp_path, installed):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    cells = [nbformat.v4.new_markdown_cell(text) if kind == "markdown" else nbformat.v4.new_code_cell(text)
             for kind, text in NOTEBOOK]
    cells[1].metadata["tags"] = ["parameters"]
    metadata = {"kernelspec": {"name": "thads", "display_name": "thads", "language": "python"},
                "language_info": {"name": "python"}}
    nbformat.write(nbformat.v4.new_notebook(cells=cells, metadata=metadata), notebooks / "tom_tat.ipynb")
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "thads", "run", "--report", "tomtat", "--period", PERIOD,
                           "--format", "html,md", "--notebooks", str(notebooks), "--out", str(out), "--jobs", "1"],
                          cwd=ROOT, capture_output=True, text=True, timeout=600, env=installed)
    assert done.returncode == 0, done.stderr
    folder = out / PERIOD / "tom-tat"
    units = json.loads((folder / "summary.json").read_text("utf-8"))["don_vi"]
    assert f"Số đơn vị có số liệu: {units}" in (folder / "report.md").read_text("utf-8")
    assert "# Tóm tắt kỳ" in (folder / "report.md").read_text("utf-8")
    assert json.loads((folder / "inputs.json").read_text("utf-8"))["formats"] == ["html", "md"]
    page = (out / "index.html").read_text("utf-8")
    assert f'href="{PERIOD}/tom-tat/report.md">MD</a>' in page
    help_text = subprocess.run([sys.executable, "-m", "thads", "run", "--help"], capture_output=True, text=True,
                               env=installed).stdout
    assert "tomtat: tóm tắt một kỳ" in " ".join(help_text.split())
