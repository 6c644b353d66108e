"""The `thads` command line: parses options and calls the package."""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import sys
from pathlib import Path

from thads import __version__, formats, kinds, project
from thads.errors import DataError, ThadsError, visible
from thads.periods import Period, parse_periods
from thads.units import organised_on


# argparse's own words, in Vietnamese. argparse looks its messages up through gettext at the moment it
# prints them; no Vietnamese catalogue ships with Python, so the few it uses are given here.
_ARGPARSE = {
    "usage: ": "Cách dùng: ",
    "positional arguments": "đối số",
    "options": "tùy chọn",
    "show this help message and exit": "hiện hướng dẫn này rồi thoát",
    "show program's version number and exit": "hiện phiên bản rồi thoát",
    "%(prog)s: error: %(message)s\n": "%(prog)s: lỗi: %(message)s\n",
    "the following arguments are required: %s": "thiếu đối số bắt buộc: %s",
    "unrecognized arguments: %s": "đối số không hiểu được: %s",
    "invalid choice: %(value)r (choose from %(choices)s)": "lựa chọn không hợp lệ: %(value)r (chọn một trong: %(choices)s)",
    "argument %(argument_name)s: %(message)s": "đối số %(argument_name)s: %(message)s",
    "expected one argument": "cần một giá trị",
    "expected at least one argument": "cần ít nhất một giá trị",
    "expected at most one argument": "cần nhiều nhất một giá trị",
    "invalid %(type)s value: %(value)r": "giá trị không hợp lệ: %(value)r",
    "ambiguous option: %(option)s could match %(matches)s": "tùy chọn không rõ: %(option)s có thể là %(matches)s",
    "not allowed with argument %s": "không dùng cùng với %s",
    "one of the arguments %s is required": "cần một trong các đối số %s",
}
argparse._ = lambda text: _ARGPARSE.get(text, text)
argparse.ngettext = lambda singular, plural, n: _ARGPARSE.get(singular if n == 1 else plural, singular if n == 1
                                                              else plural)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"'{text}' không hợp lệ: cần số nguyên dương, ví dụ 2")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0 or value > project.TIMEOUT_MAX:
        raise argparse.ArgumentTypeError(f"'{text}' không hợp lệ: cần số giây dương, tối đa {project.TIMEOUT_MAX} "
                                         "(7 ngày), ví dụ 600")
    return value


def _as_of_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--as-of", default="", metavar="NGÀY",
                        help="lập theo các tỉnh, thành phố có vào ngày YYYY-MM-DD (ví dụ 2025-07-01), kể cả cho kỳ "
                             "trước đó: số liệu của tỉnh hình thành sau cuối kỳ là tổng các tỉnh hợp nhất (mặc định: "
                             "các tỉnh có tại cuối kỳ)")


def _data_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", type=Path, default=None, metavar="THƯ_MỤC",
                        help="thư mục dữ liệu (mặc định: data/ của dự án, theo thads.yml)")


def _command(commands, name: str, summary: str) -> argparse.ArgumentParser:
    """A subcommand, its one-line summary shown in the list of commands and atop its own help."""
    return commands.add_parser(name, help=summary, description=summary[0].upper() + summary[1:] + ".")


def _run_command(commands) -> None:
    """`thads run` and its options."""
    run = _command(commands, "run", "tạo báo cáo (HTML, PDF, Word, trình chiếu) cho một hoặc nhiều tỉnh, kỳ")
    run.add_argument("batch", nargs="?", type=Path, metavar="TỆP_KHAI_BÁO", help="tệp khai báo YAML trong parameters/ (thay cho --period)")
    run.add_argument("--period", nargs="+", metavar="KỲ", help="một hoặc nhiều kỳ, hoặc khoảng: 2024-M11 2024-M12, 2025-M10..2026-M03")
    run.add_argument("--province", nargs="+", default=None, metavar="TỈNH",
                     help="mã, tên, tên không dấu, hoặc all (mọi tỉnh có tại cuối kỳ); mặc định all")
    run.add_argument("--office", nargs="+", default=None, metavar="ĐƠN_VỊ",
                     help="báo cáo của các đơn vị này (--report office): mã (933, 92-KV01) hoặc tên duy nhất trong các "
                          "đơn vị có tại cuối kỳ (\"huyện Châu Thành\" trùng ở nhiều tỉnh: thêm --province); không "
                          "ghi thì mọi đơn vị của các tỉnh --province")
    run.add_argument("--report", choices=list(kinds.known()), default=None, metavar="LOẠI",
                     help="; ".join(f"{k.name}: {k.label}" + (" (mặc định)" if k.name == "province" else "")
                                    for k in kinds.known().values()))
    run.add_argument("--format", default=None, metavar="ĐỊNH_DẠNG",
                     help=f"{', '.join(formats.names())} hoặc nhiều định dạng: {','.join(formats.names())} (mặc định: theo thads.yml, "
                          "html,pdf)")
    run.add_argument("--jobs", type=_positive_int, default=None, metavar="SỐ", help="số báo cáo làm song song (mặc định: số lõi CPU)")
    run.add_argument("--force", action="store_true", help="làm lại cả những báo cáo không thay đổi")
    run.add_argument("--timeout", type=_seconds, default=None, metavar="GIÂY", help="giới hạn thời gian mỗi báo cáo, tính bằng giây (mặc định: timeout trong thads.yml, 600)")
    run.add_argument("--out", type=Path, default=None, metavar="THƯ_MỤC", help="thư mục kết quả (mặc định: outputs/ của dự án)")
    run.add_argument("--notes", type=Path, default=None, metavar="THƯ_MỤC", help="thư mục ghi chú (mặc định: parameters/notes/ của dự án)")
    run.add_argument("--date", default="", metavar="NGÀY", help="ngày ký báo cáo YYYY-MM-DD (mặc định: hôm nay trong mùa báo cáo của kỳ, "
                     "kỳ đã qua thì một ngày trong mùa của nó; xem docs/van-ban.md)")
    _as_of_option(run)
    run.add_argument("--notebooks", type=Path, default=None, metavar="THƯ_MỤC",
                     help=f"thư mục chứa {', '.join(k.notebook for k in kinds.known().values())} (mặc định: "
                          "notebooks/ của dự án)")
    _data_option(run)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="thads", description="Báo cáo công tác thi hành án dân sự.")
    parser.add_argument("--version", action="version", version=f"thads {__version__}", help="hiện phiên bản rồi thoát")
    parser.add_argument("--project", type=Path, default=None, metavar="THƯ_MỤC",
                        help="thư mục dự án (nơi có thads.yml; mặc định: tìm từ thư mục hiện tại trở lên)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="LỆNH", title="các lệnh")

    summary = _command(commands, "summary", "các chỉ số chính của một tỉnh, một kỳ (JSON)")
    summary.add_argument("--period", required=True, metavar="KỲ", help="kỳ báo cáo, ví dụ 2024-M11")
    summary.add_argument("--province", required=True, metavar="TỈNH", help="mã, tên hoặc tên không dấu, ví dụ 93, 'Hậu Giang'")
    _as_of_option(summary)
    _data_option(summary)

    validate = _command(commands, "validate", "kiểm tra thư mục dữ liệu, ghi chú của chuyên viên và mẫu lời văn, liệt kê mọi lỗi")
    _data_option(validate)
    validate.add_argument("--notes", type=Path, default=None, metavar="THƯ_MỤC",
                          help="thư mục ghi chú (mặc định: parameters/notes/ của dự án)")

    _run_command(commands)

    export = _command(commands, "export", "xuất một notebook đã chạy (papermill, JupyterLab) ra HTML, PDF, Word")
    export.add_argument("notebook", type=Path, metavar="NOTEBOOK", help="notebook đã chạy, ví dụ out.ipynb")
    export.add_argument("--format", default=None, metavar="ĐỊNH_DẠNG",
                        help=f"{', '.join(formats.names())} (mặc định: theo thads.yml, html,pdf)")
    export.add_argument("--out", type=Path, default=None, metavar="THƯ_MỤC", help="thư mục ghi kết quả (mặc định: cạnh notebook)")

    init = _command(commands, "init", "tạo một dự án mới (notebook, mẫu lời văn, dữ liệu mẫu, tham số, tài liệu) hoặc "
                                      "cập nhật notebook, mẫu lời văn và tài liệu")
    init.add_argument("folder", type=Path, metavar="THƯ_MỤC", help="thư mục của dự án, ví dụ bao-cao-thads")
    init.add_argument("--update", action="store_true",
                      help="cập nhật các notebook, mẫu lời văn, tài liệu docs/ và requirements.lock chưa sửa của một "
                           "dự án có sẵn sau khi nâng cấp thads "
                           "(tệp đã sửa được giữ nguyên, bản mới ghi bên cạnh)")

    provinces = _command(commands, "provinces", "danh sách tỉnh/thành phố tại cuối một kỳ (hoặc vào ngày --as-of)")
    provinces.add_argument("--period", required=True, metavar="KỲ", help="kỳ báo cáo, ví dụ 2026-M12")
    _as_of_option(provinces)
    _data_option(provinces)

    lab = _command(commands, "lab", "mở JupyterLab trên thư mục dự án, notebook chạy bằng kernel thads của dự án "
                                    "(cần phần [lab] của gói)")
    lab.add_argument("--port", type=_positive_int, default=None, metavar="CỔNG",
                     help="cổng của JupyterLab (mặc định: 8888, hoặc cổng trống kế tiếp)")
    lab.add_argument("--no-browser", dest="browser", action="store_false",
                     help="không tự mở trình duyệt (JupyterLab in địa chỉ để mở)")
    lab.add_argument("jupyter", nargs="*", metavar="TÙY_CHỌN_JUPYTER",
                     help="tùy chọn chuyển nguyên cho JupyterLab, đặt sau --, ví dụ: thads lab -- --ServerApp.ip=0.0.0.0")
    return parser


def _where(args) -> project.Project:
    """The project the command works in: --project, else the folder holding thads.yml from here upwards."""
    return project.find(getattr(args, "project", None))


def _data(args, where: project.Project) -> Path:
    """--data, else the project's data folder; outside any project (and no data/ here), what to do about it."""
    return args.data if args.data is not None else where.path(None, where.data)


def _summary(args) -> int:
    from thads import dataset, metrics

    period = Period.parse(args.period)
    ds = dataset.load(_data(args, _where(args)))
    as_of = organised_on(period, args.as_of, ds.units)
    province = ds.units.resolve(args.province, period, as_of)
    print(json.dumps(metrics.summary(ds, province, period, as_of), ensure_ascii=False, indent=2))
    return 0


def _check_templates(where: project.Project, data=None) -> bool:
    """The project's wording templates rendered against sample figures (`checks.check_templates`); True when
    they hold no error. Nothing is printed for a project without templates of its own."""
    from thads import checks

    checked, problems = checks.check_templates(where.templates, data, where.ranks_in_text)
    if problems:
        print(f"Mẫu lời văn ({where.templates}) có {len(problems)} lỗi:", file=sys.stderr)
        for problem in problems:
            print(visible(f"  - {problem}"), file=sys.stderr)
    elif checked:
        print(visible(f"Mẫu lời văn hợp lệ: {checked} tệp trong {where.templates} (thử với số liệu của Hậu Giang 11 "
                      "tháng năm 2024, một Chi cục của tỉnh và toàn quốc năm 2024)."))
    return not problems


def _validate(args) -> int:
    from thads import checks, dataset, notes, signing

    where = _where(args)
    try:
        ds = dataset.load(_data(args, where))
    except DataError:
        _check_templates(where)      # the templates' errors too; the data's are printed by main
        raise
    for note in ds.notes:
        print(visible(f"Ghi chú: {note}"))
    years = sorted({y for y, _ in ds.periods()})
    print(f"Dữ liệu hợp lệ: {len(ds.stats)} dòng số liệu, {len(ds.periods())} kỳ "
          f"(năm {years[0]}{'' if years[0] == years[-1] else f'–{years[-1]}'}), {len(ds.targets)} chỉ tiêu.")
    print("Các kỳ có số liệu (thang = k là số liệu k tháng của năm thống kê, tính từ 01/10 năm trước):")
    for year in years:
        found = [Period(y, m).months for y, m in ds.periods() if y == year]
        print(f"  năm {year}: {', '.join(found)}")
    folder = args.notes or where.notes
    for said in notes.waiting(folder, ds.periods()):
        print(visible(f"Ghi chú: {said}"))
    problems = notes.check(folder, ds.units)
    if problems:
        print(visible(f"Ghi chú của chuyên viên ({folder}) có {len(problems)} lỗi:"), file=sys.stderr)
        for problem in problems:
            print(visible(f"  - {problem}"), file=sys.stderr)
    texts = checks.check_characters(where.signing, _data(args, where) / "units", folder)   # signing, units, notes
    texts += signing.unknown_offices(where.signing, ds.units)       # an office's entry naming no office
    for problem in texts:
        print(visible(f"Lỗi: {problem}"), file=sys.stderr)
    return 0 if _check_templates(where, ds) and not problems and not texts else 1


def _run(args) -> int:
    from thads import forks, unchanged
    from thads.formats import parse as parse_formats

    where = _where(args)
    formats = parse_formats(args.format or ",".join(where.formats))
    out_dir = Path(args.out or where.outputs)
    request, read = _request(args, where, formats)
    if not args.force and (known := unchanged.check(out_dir, request)) is not None:
        return _nothing_changed(known, out_dir, vars(args))
    with forks.started(_data(args, where)) as template:     # warm while the data are read
        outcomes = _run_batch(args, where, formats, template)
    if outcomes and any(o.status in ("ok", "skipped") for o in outcomes) and all(
            o.status in ("ok", "skipped", "nodata") for o in outcomes):
        unchanged.remember(out_dir, request, read, [{"period": o.period, "province": o.province, "name": o.name,
                                                     "notebook": o.notebook, "folder": o.folder, "status": o.status}
                                                    for o in outcomes])
    else:
        unchanged.forget(out_dir)
    if outcomes and all(o.status == "nodata" for o in outcomes):
        print("Lỗi: không có báo cáo nào được tạo: thư mục dữ liệu không có số liệu của kỳ đã chọn cho tỉnh nào "
              "(thads validate liệt kê các kỳ có số liệu).", file=sys.stderr)
        return 1
    return 0 if all(o.status != "failed" for o in outcomes) else 1


def _request(args, where: project.Project, formats: tuple[str, ...]) -> tuple[dict, list[Path]]:
    """What a `thads run` asks (for `unchanged`: the same command finds its last batch), and the files and folders
    its reports read."""
    data, notes, notebooks = _data(args, where), args.notes or where.notes, args.notebooks or where.notebooks
    request = {"batch": str(Path(args.batch).resolve()) if args.batch else None, "period": args.period,
               "province": args.province, "office": args.office, "report": args.report, "formats": formats,
               "date": args.date,
               "as_of": args.as_of, "timeout": args.timeout or where.timeout, "root": str(where.root),
               **{name: str(Path(path).resolve()) for name, path in (("data", data), ("notes", notes),
                                                                     ("notebooks", notebooks))}}
    read = [Path(p) for p in (data, notes, notebooks, where.templates, where.signing, where.root / project.FILE,
                              where.slides_reference, args.batch) if p is not None]
    return request, read


def _nothing_changed(reports: list[dict], out_dir: Path, options: dict) -> int:
    """What a rerun with nothing to do prints: the table of the reports the last batch left, all current; and what
    it records (`record`: last-run.json, the kinds of report as the last batch recorded them)."""
    from datetime import datetime
    from types import SimpleNamespace

    from rich.console import Console

    from thads import record
    from thads.summary import summary_table

    started = datetime.now().astimezone()
    shown = [SimpleNamespace(**{**r, "status": "nodata" if r["status"] == "nodata" else "skipped", "seconds": 0.0,
                                "message": ""}) for r in reports]
    problem = record.write(out_dir, shown, options, started, record.kinds_of(out_dir))
    console = Console(stderr=True)
    console.print(summary_table(shown))
    if problem is not None:
        console.print(visible(f"Cảnh báo: không ghi được {record.RECORD}: {problem}"), highlight=False, markup=False)
    console.print("Không có gì thay đổi từ lần chạy trước (dữ liệu, ghi chú, notebook, mẫu lời văn, báo cáo): không làm "
                  "lại báo cáo nào; --force để làm lại.", highlight=False)
    console.print(f"Mục lục các báo cáo: {visible(out_dir / 'index.html')}", highlight=False, markup=False)
    return 0


def _run_batch(args, where: project.Project, formats: tuple[str, ...], template) -> list:
    from thads import batch

    if args.batch is not None:
        given = [option for option, value in (("--period", args.period), ("--province", args.province),
                                              ("--report", args.report), ("--office", args.office)) if value]
        if given:
            raise ThadsError(f"Tệp khai báo đã nêu loại báo cáo, kỳ và tỉnh: bỏ {', '.join(given)}, hoặc bỏ tệp khai báo.")
        # thads.yml < the batch file < the command line: --format and --date given here win over the file's.
        requests = [dataclasses.replace(r, formats=formats if args.format else r.formats,
                                        report_date=batch.parse_date(args.date) if args.date else r.report_date,
                                        as_of=args.as_of or r.as_of)
                    for r in batch.load_requests(args.batch, formats)]
    elif args.period:
        # --office alone means office reports, its names looked up among every province's offices.
        requests = [batch.Request(tuple(parse_periods(args.period)), tuple(args.province or ([] if args.office
                                                                                          else ["all"])),
                                  formats, batch.parse_date(args.date),
                                  args.report or ("office" if args.office else "province"), as_of=args.as_of,
                                  offices=tuple(args.office or ()))]
    else:
        raise ThadsError("Cần --period (ví dụ --period 2024-M11) hoặc một tệp khai báo trong parameters/.")
    return batch.run_all(_data(args, where), requests, args.out or where.outputs, notes_dir=args.notes or where.notes,
                         notebooks=args.notebooks or where.notebooks, jobs=args.jobs, force=args.force,
                         time_limit=args.timeout or where.timeout, where=where, options=vars(args), template=template)


def _export(args) -> int:
    from thads import export
    from thads.formats import parse as parse_formats

    formats = parse_formats(args.format or ",".join(_where(args).formats))
    written, hidden = export.export_notebook(args.notebook, formats, args.out)
    for message in hidden:
        print(visible(f"Không đưa vào báo cáo: {message}"), file=sys.stderr)
    for path in written:
        print(visible(f"Đã ghi {path}"))
    return 0


def _init(args) -> int:
    from thads import init

    for line in (init.update if args.update else init.create)(args.folder):
        print(visible(line))
    return 0


def _provinces(args) -> int:
    from thads.units import Units

    period = Period.parse(args.period)
    units = Units.load((args.data or _where(args).data) / "units")   # outside a project: the shipped tables
    as_of = organised_on(period, args.as_of, units)
    day = as_of or period.end
    listed = units.provinces_on(day)
    print(f"{len(listed)} tỉnh, thành phố vào ngày {day:%d/%m/%Y}" + ("" if as_of else f" (cuối kỳ {period.label})")
          + ":")
    for p in listed:
        before = (f"  (hợp nhất từ {', '.join(f'{q.name} ({q.code})' for q in units.predecessors(p))})"
                  if p.merged else "")
        print(visible(f"{p.code}  {p.full_name:<28} {p.slug}{before}"))
    return 0


def _lab(args) -> int:
    from thads import lab

    return lab.open_lab(_where(args), port=args.port, browser=args.browser, extra=args.jupyter)


def _speak_utf8() -> None:
    """Vietnamese cannot be written in a legacy code page (a Windows console redirected to a file writes
    cp1252): write UTF-8 there rather than fail on the first 'ạ'."""
    for stream in (sys.stdout, sys.stderr):
        if (getattr(stream, "encoding", "") or "").lower().replace("_", "-") not in ("utf-8", "utf8"):
            try:
                stream.reconfigure(encoding="utf-8", errors="replace")
            except (AttributeError, ValueError):     # a stream replaced by a test or an embedding program
                pass


def main(argv: list[str] | None = None) -> int:
    _speak_utf8()
    args = build_parser().parse_args(argv)
    handler = {"summary": _summary, "validate": _validate, "run": _run, "export": _export, "init": _init,
               "provinces": _provinces, "lab": _lab}[args.command]
    try:
        return handler(args)
    except DataError as exc:
        where = getattr(args, "data", None) or _where(args).data
        print(visible(f"Lỗi dữ liệu trong '{where}':\n{exc}"), file=sys.stderr)
        return 1
    except ThadsError as exc:
        print(visible(f"Lỗi: {exc}"), file=sys.stderr)
        return 1
    except KeyboardInterrupt as exc:      # Ctrl-C, SIGTERM or SIGHUP: 128 + the signal, as shells expect
        try:
            print("Đã dừng theo yêu cầu.", file=sys.stderr)
        except OSError:                   # the terminal is gone
            pass
        return 128 + getattr(exc, "signum", 2)
    except BrokenPipeError:
        # The reader went away (`thads summary | head`): stop quietly, as Python's documentation advises.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
