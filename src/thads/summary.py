"""The table a batch prints at its end: each report, what became of it, and the counts ("Đã tạo 2, bỏ qua 32, lỗi
0."). It reads only the outcomes' fields, so that a rerun with nothing to do (`unchanged`) prints it without loading
the pipeline."""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table

from thads.errors import visible


def summary_table(outcomes) -> Table:
    """The table of `outcomes` (run.Outcome, or anything with its fields), failures first."""
    table = Table(title="Kết quả tạo báo cáo")
    for column in ("Kỳ", "Mã", "Tỉnh/thành phố", "Notebook", "Kết quả", "Giây", "Ghi chú"):
        table.add_column(column, overflow="fold")            # paths and messages wrap, never cut
    words = {"ok": "[green]đã tạo[/]", "skipped": "bỏ qua (không đổi)", "failed": "[red]LỖI[/]",
             "nodata": "không có số liệu", "stopped": "[yellow]đã dừng[/]"}
    for o in sorted(outcomes, key=lambda o: (o.status != "failed", o.period, o.province)):
        table.add_row(o.period, o.province, escape(o.name), escape(o.notebook), words[o.status],
                      f"{o.seconds:.1f}".replace(".", ","), escape(visible(o.message or o.folder)))
    counts = {s: sum(o.status == s for o in outcomes) for s in words}
    table.caption = (f"Đã tạo {counts['ok']}, bỏ qua {counts['skipped']}, lỗi {counts['failed']}."
                     + (f" Không có số liệu: {counts['nodata']}." if counts["nodata"] else "")
                     + (f" Chưa làm vì đã dừng: {counts['stopped']}." if counts["stopped"] else ""))
    return table
