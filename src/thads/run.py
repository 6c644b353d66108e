"""Generate reports: execute the notebook with papermill on a real kernel, then export it.

Each report is built in a private folder under `<out>/.work/` and moved into
`<out>/<period>/<province code>/` only when every file is ready, so a failure never leaves a
half-written report or overwrites a good earlier one.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import papermill
from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

from thads import dataset, export, metrics
from thads.errors import ThadsError
from thads.periods import Period
from thads.units import Province

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
PROVINCE_NOTEBOOK = NOTEBOOKS / "province_report.ipynb"
FORMATS = ("html", "pdf")
KERNEL = "thads"


@dataclass
class Outcome:
    period: str
    province: str
    name: str
    status: str                      # "ok", "failed" or "skipped"
    seconds: float = 0.0
    message: str = ""
    files: list[str] = field(default_factory=list)


def kernel_name() -> str:
    """The project's kernel when registered (`make setup`), else this interpreter's own."""
    try:
        KernelSpecManager().get_kernel_spec(KERNEL)
        return KERNEL
    except NoSuchKernel:
        return "python3"


def parse_formats(text: str) -> tuple[str, ...]:
    formats = tuple(dict.fromkeys(f.strip().lower() for f in text.split(",") if f.strip()))
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise ThadsError(f"Định dạng '{text}' không hợp lệ: chọn trong {', '.join(FORMATS)}, ví dụ --format html,pdf.")
    return formats


def _promote(work: Path, final: Path, names: list[str]) -> None:
    final.mkdir(parents=True, exist_ok=True)
    for name in names:
        os.replace(work / name, final / name)
    (final / "report.failed.ipynb").unlink(missing_ok=True)


def _failure(exc: Exception) -> str:
    if isinstance(exc, papermill.PapermillExecutionError):
        return f"lỗi khi chạy notebook (ô {exc.exec_count}): {exc.ename}: {exc.evalue}"
    return f"{type(exc).__name__}: {exc}" if not isinstance(exc, ThadsError) else str(exc)


def run_report(data: dataset.Dataset, province: Province, period: Period, out_dir: Path,
               formats: tuple[str, ...] = FORMATS, notes_dir: Path = ROOT / "parameters" / "notes",
               report_date: str = "", notebook: Path = PROVINCE_NOTEBOOK) -> Outcome:
    """Build one province report; return what happened, never raise for a failed report."""
    started = time.perf_counter()
    outcome = Outcome(period.code, province.code, province.name, "failed")
    final = out_dir / period.code / province.code
    work = out_dir / ".work" / f"{period.code}-{province.code}-{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    try:
        summary = metrics.summary(data, province, period)
        papermill.execute_notebook(
            str(notebook), str(work / "report.ipynb"), kernel_name=kernel_name(), cwd=str(notebook.parent),
            progress_bar=False, log_output=False,
            parameters={"province": province.code, "period": period.code, "data_dir": str(data.folder.resolve()),
                        "notes_dir": str(Path(notes_dir).resolve()), "report_date": report_date})
        names = ["report.ipynb", "summary.json"]
        (work / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2), "utf-8")
        executed = nbformat.read(work / "report.ipynb", as_version=4)
        page = export.to_html(executed, f"Báo cáo {period.label} - {province.full_name}")
        if "html" in formats:
            (work / "report.html").write_text(page, "utf-8")
            names.append("report.html")
        if "pdf" in formats:
            export.to_pdf(page, work / "report.pdf")
            names.append("report.pdf")
        _promote(work, final, names)
        outcome.status, outcome.files = "ok", [str(final / n) for n in names]
    except Exception as exc:  # one failing report must not stop a batch: report it instead
        outcome.message = _failure(exc)
        if (work / "report.ipynb").exists():
            final.mkdir(parents=True, exist_ok=True)
            os.replace(work / "report.ipynb", final / "report.failed.ipynb")
            outcome.files = [str(final / "report.failed.ipynb")]
    finally:
        shutil.rmtree(work, ignore_errors=True)
        outcome.seconds = time.perf_counter() - started
    return outcome
