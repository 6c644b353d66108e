"""The `thads` command line: parses options and calls the package."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from thads import __version__, project
from thads.errors import DataError, ThadsError
from thads.periods import Period, parse_periods


def _data_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", type=Path, default=None,
                        help="thư mục dữ liệu (mặc định: data/ của dự án, theo thads.yml)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="thads", description="Báo cáo công tác thi hành án dân sự.")
    parser.add_argument("--version", action="version", version=f"thads {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="LỆNH")

    summary = commands.add_parser("summary", help="các chỉ số chính của một tỉnh, một kỳ (JSON)")
    summary.add_argument("--period", required=True, help="kỳ báo cáo, ví dụ 2024-M11")
    summary.add_argument("--province", required=True, help="mã, tên hoặc tên không dấu, ví dụ 93, 'Hậu Giang'")
    _data_option(summary)

    validate = commands.add_parser("validate", help="kiểm tra thư mục dữ liệu, liệt kê mọi lỗi")
    _data_option(validate)

    run = commands.add_parser("run", help="tạo báo cáo (HTML, PDF, Word) cho một hoặc nhiều tỉnh, kỳ")
    run.add_argument("batch", nargs="?", type=Path, help="tệp khai báo YAML trong parameters/ (thay cho --period)")
    run.add_argument("--period", nargs="+", help="một hoặc nhiều kỳ, hoặc khoảng: 2024-M11 2024-M12, 2025-M10..2026-M03")
    run.add_argument("--province", nargs="+", default=["all"],
                     help="mã, tên, tên không dấu, hoặc all (mọi tỉnh có tại cuối kỳ); mặc định all")
    run.add_argument("--report", choices=["province", "national"], default="province",
                     help="province: báo cáo từng tỉnh (mặc định); national: báo cáo tổng hợp toàn quốc")
    run.add_argument("--format", default=None,
                     help="html, pdf, docx hoặc nhiều định dạng: html,pdf,docx (mặc định: theo thads.yml, html,pdf)")
    run.add_argument("--jobs", type=int, default=None, help="số báo cáo làm song song (mặc định: số lõi CPU)")
    run.add_argument("--force", action="store_true", help="làm lại cả những báo cáo không thay đổi")
    run.add_argument("--timeout", type=float, default=None, help="giới hạn thời gian mỗi báo cáo, tính bằng giây")
    run.add_argument("--out", type=Path, default=None, help="thư mục kết quả (mặc định: outputs/ của dự án)")
    run.add_argument("--notes", type=Path, default=None, help="thư mục ghi chú (mặc định: parameters/notes/ của dự án)")
    run.add_argument("--date", default="", help="ngày ký báo cáo YYYY-MM-DD (mặc định: hôm nay)")
    run.add_argument("--notebooks", type=Path, default=None,
                     help="thư mục chứa province_report.ipynb và national_overview.ipynb (mặc định: notebooks/ "
                          "của dự án)")
    _data_option(run)

    export = commands.add_parser("export", help="xuất một notebook đã chạy (papermill, JupyterLab) ra HTML, PDF, Word")
    export.add_argument("notebook", type=Path, help="notebook đã chạy, ví dụ out.ipynb")
    export.add_argument("--format", default=None, help="html, pdf, docx (mặc định: theo thads.yml, html,pdf)")
    export.add_argument("--out", type=Path, default=None, help="thư mục ghi kết quả (mặc định: cạnh notebook)")

    provinces = commands.add_parser("provinces", help="danh sách tỉnh/thành phố tại cuối một kỳ")
    provinces.add_argument("--period", required=True, help="kỳ báo cáo, ví dụ 2026-M12")
    _data_option(provinces)
    return parser


def _data(args, where: project.Project) -> Path:
    return args.data if args.data is not None else where.data


def _summary(args) -> int:
    from thads import dataset, metrics

    period = Period.parse(args.period)
    ds = dataset.load(_data(args, project.find()))
    province = ds.units.resolve(args.province, period)
    print(json.dumps(metrics.summary(ds, province, period), ensure_ascii=False, indent=2))
    return 0


def _validate(args) -> int:
    from thads import dataset

    ds = dataset.load(_data(args, project.find()))
    for note in ds.notes:
        print(f"Ghi chú: {note}")
    years = sorted({y for y, _ in ds.periods()})
    print(f"Dữ liệu hợp lệ: {len(ds.stats)} dòng số liệu, {len(ds.periods())} kỳ "
          f"(năm {years[0]}–{years[-1]}), {len(ds.targets)} chỉ tiêu.")
    return 0


def _run(args) -> int:
    from thads import batch, export

    where = project.find()
    formats = export.parse_formats(args.format or ",".join(where.formats))
    if args.batch is not None:
        requests = batch.load_requests(args.batch, formats)
    elif args.period:
        requests = [batch.Request(tuple(parse_periods(args.period)), tuple(args.province), formats,
                                  batch.parse_date(args.date), args.report)]
    else:
        raise ThadsError("Cần --period (ví dụ --period 2024-M11) hoặc một tệp khai báo trong parameters/.")
    if args.jobs is not None and args.jobs < 1:
        raise ThadsError("--jobs phải là số nguyên dương.")
    if args.timeout is not None and args.timeout <= 0:
        raise ThadsError("--timeout phải là số giây dương.")
    outcomes = batch.run_all(_data(args, where), requests, args.out or where.outputs, notes_dir=args.notes or where.notes,
                             notebooks=args.notebooks or where.notebooks, jobs=args.jobs, force=args.force,
                             time_limit=args.timeout, where=where)
    return 0 if all(o.status != "failed" for o in outcomes) else 1


def _export(args) -> int:
    from thads import export

    formats = export.parse_formats(args.format or ",".join(project.find().formats))
    written, hidden = export.export_notebook(args.notebook, formats, args.out)
    for message in hidden:
        print(f"Không đưa vào báo cáo: {message}", file=sys.stderr)
    for path in written:
        print(f"Đã ghi {path}")
    return 0


def _provinces(args) -> int:
    from thads.units import Units

    period = Period.parse(args.period)
    units = Units.load(_data(args, project.find()) / "units")
    for p in units.provinces_on(period.end):
        before = f"  (hợp nhất từ {', '.join(p.predecessors)})" if p.merged else ""
        print(f"{p.code}  {p.full_name:<28} {p.slug}{before}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler = {"summary": _summary, "validate": _validate, "run": _run, "export": _export,
               "provinces": _provinces}[args.command]
    try:
        return handler(args)
    except DataError as exc:
        where = getattr(args, "data", None) or project.find().data
        print(f"Lỗi dữ liệu trong '{where}':\n{exc}", file=sys.stderr)
        return 1
    except ThadsError as exc:
        print(f"Lỗi: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Đã dừng theo yêu cầu.", file=sys.stderr)
        return 130
