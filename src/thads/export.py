"""Export an executed report notebook: HTML (nbconvert, the project's template), PDF (the same page printed
by a Chromium-family browser, `pdf`) and Word (python-docx, `word`).

The work is done by the nbconvert exporters of `exporters` and by `word`, imported on first use so that
a process that only plans reports does not pay for them.
"""

from __future__ import annotations

import functools
from pathlib import Path

from thads import files
from thads.errors import ThadsError

FORMATS = ("html", "pdf", "docx")


def parse_formats(text: str, allowed: tuple[str, ...] = FORMATS) -> tuple[str, ...]:
    """'html,pdf' -> ('html', 'pdf'); anything unknown is refused with the choices."""
    formats = tuple(dict.fromkeys(f.strip().lower() for f in str(text).split(",") if f.strip()))
    unknown = [f for f in formats if f not in allowed]
    if unknown or not formats:
        raise ThadsError(f"Định dạng '{text}' không hợp lệ: chọn trong {', '.join(allowed)}, ví dụ --format html,pdf,docx.")
    return formats


@functools.cache
def _html_exporter():
    from thads.exporters import ReportHTMLExporter

    try:
        return ReportHTMLExporter()
    except ValueError as exc:       # nbconvert's own templates (share/jupyter/nbconvert) are missing
        if "template" not in str(exc):
            raise
        import jupyter_core.paths

        raise ThadsError(
            "Không tìm thấy các mẫu trang của nbconvert (thư mục nbconvert/templates) trong: "
            f"{', '.join(jupyter_core.paths.jupyter_path())}. Môi trường Python này cài nbconvert chưa đủ: "
            "cài lại bằng 'python -m pip install --force-reinstall --no-deps nbconvert' rồi chạy lại.") from None


def to_html(notebook) -> tuple[str, list[str]]:
    """The report page, and what was left out of it (one message per output, for the log)."""
    page, resources = _html_exporter().from_notebook_node(notebook)
    return page, list(resources.get("thads_hidden", []))


def to_pdf(page: str, target: Path | None = None, printer=None) -> bytes | None:
    """Print the HTML page on A4 with a browser (a `pdf.Printer` kept by the caller, else one opened for
    this page); write it to `target`, or return its bytes."""
    from thads import pdf

    return pdf.to_pdf(page, target, printer)


def to_docx(notebook, target: Path | None = None) -> bytes | None:
    """The report as a Word document, from the same executed notebook; to `target`, or its bytes."""
    from thads.word import to_docx

    return to_docx(notebook, target)


def export_notebook(path: Path, formats: tuple[str, ...], out_dir: Path | None = None) -> tuple[list[Path], list[str]]:
    """Export a report notebook run by hand (papermill, JupyterLab) beside itself, or into `out_dir`.

    Returns the files written and what was left out of the page. Each file is written whole or not at all.
    """
    import nbformat

    path = Path(path)
    try:
        notebook = nbformat.read(path, as_version=4)
    except FileNotFoundError:
        raise ThadsError(f"Không tìm thấy notebook '{path}'.") from None
    except Exception as exc:  # nbformat raises several kinds of errors for a file that is not a notebook
        raise ThadsError(f"'{path}' không phải là notebook đọc được ({type(exc).__name__}: {exc}).") from None
    from thads.exporters import check_ran

    try:
        check_ran(notebook)
    except ValueError as exc:
        raise ThadsError(f"{path}: {exc}") from None
    page, hidden = to_html(notebook)
    out = files.make_folder(Path(out_dir) if out_dir is not None else path.parent)
    written = []
    for kind in formats:
        content = page if kind == "html" else to_pdf(page) if kind == "pdf" else to_docx(notebook)
        written.append(files.write_whole(out / f"{path.stem}.{kind}", content))
    return written, hidden
