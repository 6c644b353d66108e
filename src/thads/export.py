"""`thads export`: a report notebook run by hand (papermill, JupyterLab) exported beside itself or into a folder,
through the same exporters as `thads run` (`exporters.Export`, the `formats`) and, into a report folder, under the
same clerk's rule (`folder.ReportFolder`)."""

from __future__ import annotations

from pathlib import Path

from thads import formats
from thads.errors import ThadsError
from thads.exporters import Export
from thads.folder import ReportFolder


def read_notebook(path: Path):
    """The notebook at `path`, or a ThadsError saying why not."""
    import nbformat

    try:
        return nbformat.read(path, as_version=4)
    except FileNotFoundError:
        raise ThadsError(f"Không tìm thấy notebook '{path}'.") from None
    except Exception as exc:  # nbformat raises several kinds of errors for a file that is not a notebook
        raise ThadsError(f"'{path}' không phải là notebook đọc được ({type(exc).__name__}: {exc}).") from None


def export_notebook(path: Path, wanted: tuple[str, ...], out_dir: Path | None = None) -> tuple[list[Path], list[str]]:
    """Export a report notebook run by hand beside itself, or into `out_dir`: the files written and what was left
    out of the report. Each file is written whole or not at all; into a report folder of `thads run` an edited
    report.docx is kept (the new one goes beside it) and the report is marked as to be made again."""
    path = Path(path)
    try:
        made = Export(read_notebook(path), root=path.parent)      # the notebook's project: its reference deck
    except ValueError as exc:
        raise ThadsError(f"{path}: {exc}") from None
    target = ReportFolder(Path(out_dir) if out_dir is not None else path.parent)
    written = [target.export(name, made.build(name), path.stem) for name in formats.ordered(wanted)]
    return written, made.hidden
