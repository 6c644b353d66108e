"""The in-process floor of a batch: each report notebook's cells executed in one Python process with no
kernel (IPython's InteractiveShell, outputs captured as the kernel would send them), then the same
export (nbconvert HTML, the same browser printing the PDF). What `thads run` would cost if talking to a
kernel were free; bench/batch.py runs it in as many processes as the batch has jobs.
"""

from __future__ import annotations

import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _make(codes: list[str], period: str, out: str) -> tuple[int, float]:
    """Make `codes` one after another in this process; return how many were made and the seconds spent."""
    import nbformat
    import papermill.iorw
    import papermill.parameterize
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output

    import thads.kernel
    from thads import batch, dataset, pdf, project, run
    from thads.exporters import Export
    from thads.periods import Period

    started = time.perf_counter()
    where = project.find(ROOT)
    shell = InteractiveShell.instance()
    # The last expression of a cell is shown as the kernel shows it: its rich data, not a printed repr.
    shell.displayhook.write_output_prompt = lambda: None
    shell.displayhook.write_format_data = lambda data, metadata=None: shell.display_pub.publish(data, metadata)
    thads.kernel.warm(str(where.data))
    runner = run.Runner(where.data, Path(out), where.notes, project_root=where.root)
    units = dataset.load(where.data).units
    jobs = batch.plan(units, [batch.Request((Period.parse(period),), tuple(codes), ("html", "pdf"))], where.notebooks)
    printer, made = pdf.Printer(), 0
    try:
        for job in jobs:
            notebook = papermill.parameterize.parameterize_notebook(papermill.iorw.load_notebook_node(str(job.notebook)),
                                                                    runner.parameters(job))
            thads.kernel.fresh(str(job.notebook.parent), word=False)
            for cell in notebook.cells:
                if cell.cell_type != "code":
                    continue
                with capture_output() as captured:
                    result = shell.run_cell(cell.source, store_history=False)
                if not result.success:
                    raise RuntimeError(f"{job.name}: {result.error_in_exec or result.error_before_exec}")
                cell.outputs = ([nbformat.v4.new_output("stream", name="stdout", text=captured.stdout)]
                                if captured.stdout else [])
                cell.outputs += [nbformat.v4.new_output("display_data", data=o.data, metadata=o.metadata)
                                 for o in captured.outputs]
            page = Export(notebook).page
            folder = Path(out) / job.period.code / job.folder
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "report.html").write_text(page, "utf-8")
            pdf.to_pdf(page, folder / "report.pdf", printer)
            made += 1
    finally:
        printer.close()
    return made, time.perf_counter() - started


def floor(codes: list[str], period: str, out: Path, processes: int) -> tuple[float, int]:
    """Wall seconds to make every report of `codes` in `processes` processes, and how many were made."""
    shares = [codes[i::processes] for i in range(processes)]
    started = time.perf_counter()
    with ProcessPoolExecutor(processes, mp_context=get_context("spawn")) as pool:
        results = list(pool.map(_make, shares, [period] * processes, [str(out)] * processes))
    return time.perf_counter() - started, sum(made for made, _ in results)
