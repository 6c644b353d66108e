"""Plan and run many reports: periods × provinces, with progress and a closing summary table."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from thads import dataset, run
from thads.errors import ThadsError
from thads.periods import Period
from thads.units import Province

console = Console(stderr=True)


def plan(data: dataset.Dataset, periods: list[Period], provinces: list[str]) -> list[tuple[Province, Period]]:
    """Every (province, period) asked for; `all` means the provinces that existed at each period's end.

    A province or period that cannot be reported raises before anything runs.
    """
    jobs: list[tuple[Province, Period]] = []
    for period in periods:
        if period.end >= date.today():
            raise ThadsError(f"Kỳ {period.code} ({period.label}) chưa kết thúc: kết thúc ngày {period.end:%d/%m/%Y}.")
        if [p.lower() for p in provinces] == ["all"]:
            chosen = data.units.provinces_on(period.end)
        else:
            chosen = [data.units.resolve(text, period) for text in provinces]
        jobs += [(p, period) for p in chosen if (p, period) not in jobs]
    return jobs


def summary_table(outcomes: list[run.Outcome]) -> Table:
    table = Table(title="Kết quả tạo báo cáo")
    for column in ("Kỳ", "Mã", "Tỉnh/thành phố", "Kết quả", "Giây", "Ghi chú"):
        table.add_column(column)
    words = {"ok": "[green]đã tạo[/]", "skipped": "bỏ qua", "failed": "[red]LỖI[/]"}
    for o in outcomes:
        table.add_row(o.period, o.province, o.name, words[o.status], f"{o.seconds:.1f}",
                      o.message or (o.files[0].rsplit("/", 1)[0] if o.files else ""))
    return table


def run_all(data_dir: Path, periods: list[Period], provinces: list[str], out_dir: Path,
            formats: tuple[str, ...], notes_dir: Path | None = None, report_date: str = "") -> list[run.Outcome]:
    """Run every planned report one after another; print progress and the summary table."""
    data = dataset.load(data_dir)
    jobs = plan(data, periods, provinces)
    notes_dir = notes_dir or run.ROOT / "parameters" / "notes"
    outcomes = []
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as progress:
        task = progress.add_task("Đang tạo báo cáo", total=len(jobs))
        for province, period in jobs:
            progress.update(task, description=f"{period.code} {province.name}")
            outcomes.append(run.run_report(data, province, period, out_dir, formats, notes_dir, report_date))
            progress.advance(task)
    console.print(summary_table(outcomes))
    for o in outcomes:
        if o.status == "ok":
            console.print(f"Mở báo cáo: {Path(o.files[0]).parent}/report.html")
    return outcomes
