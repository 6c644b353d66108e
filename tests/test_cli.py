import json
import os
import subprocess
import sys
from functools import partial
from pathlib import Path

import pytest

from tests import support

pytestmark = pytest.mark.slow   # the real command in a new process, as a user runs it: make test

ROOT = Path(__file__).resolve().parents[1]
thads = partial(support.thads, timeout=120)     # the command line as a user runs it, from the project folder


@pytest.mark.parametrize("province", ["93", "Hậu Giang", "hau-giang"])
def test_summary_prints_the_seed_figures(province):
    done = thads("summary", "--period", "2024-M11", "--province", province)
    assert done.returncode == 0, done.stderr
    s = json.loads(done.stdout)
    assert (s["tinh"], s["ten_tinh"], s["ky"]) == ("93", "Hậu Giang", "2024-M11")
    assert (s["viec"]["phai_thi_hanh"], s["viec"]["co_dieu_kien"], s["viec"]["thi_hanh_xong"]) == (11410, 7942, 6113)
    assert (s["viec"]["ty_le"], s["viec"]["chi_tieu"]) == (76.97, 83.35)
    assert (s["tien"]["ty_le"], s["tien"]["chi_tieu"]) == (33.89, 46.75)
    assert s["tien"]["phai_thi_hanh"] // 1_000_000 == 3343 and s["tien"]["thi_hanh_xong"] // 1_000_000 == 508


def test_a_province_merged_away_names_its_successor():
    done = thads("summary", "--period", "2026-M06", "--province", "93")
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert "Hậu Giang" in done.stderr and "Cần Thơ (mã 92)" in done.stderr
    assert done.stdout == ""


def test_code_15_is_yen_bai_before_the_merger_and_lao_cai_after():
    before = json.loads(thads("summary", "--period", "2024-M12", "--province", "15").stdout)
    after = json.loads(thads("summary", "--period", "2026-M12", "--province", "15").stdout)
    assert before["ten_tinh"] == "Yên Bái" and before["cung_ky"]["gop_tu"] == []
    assert after["ten_tinh"] == "Lào Cai"
    assert after["cung_ky"]["gop_tu"] == ["Tỉnh Lào Cai (10)", "Tỉnh Yên Bái (15)"]


@pytest.mark.parametrize("period", ["2024-11", "2024-M13", "M11"])
def test_a_bad_period_is_refused_with_the_expected_form(period):
    done = thads("summary", "--period", period, "--province", "93")
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert "NĂM-Mkk" in done.stderr and "2024-M11" in done.stderr


def test_a_missing_data_folder_is_named():
    done = thads("summary", "--period", "2024-M11", "--province", "93", "--data", "no/such/folder")
    assert done.returncode != 0 and "no/such/folder" in done.stderr and "Traceback" not in done.stderr


def test_provinces_lists_the_provinces_of_the_period():
    heading, *lines = thads("provinces", "--period", "2026-M12").stdout.splitlines()
    assert heading == "34 tỉnh, thành phố vào ngày 30/09/2026 (cuối kỳ năm 2026):"
    assert len(lines) == 34 and any("Cần Thơ" in line and "Cần Thơ (92), Sóc Trăng (94), Hậu Giang (93)" in line
                                    for line in lines)
    assert len(thads("provinces", "--period", "2024-M12").stdout.splitlines()) == 1 + 63


def test_help_and_usage_are_in_vietnamese():
    for args in (["--help"], ["run", "--help"], ["export", "--help"]):
        done = thads(*args)
        assert done.returncode == 0 and done.stdout.startswith("Cách dùng: thads")
        for english in ("usage:", "positional arguments", "options:", "show this help", "show program"):
            assert english not in done.stdout, (args, english)
    done = thads()
    assert done.returncode == 2 and "thads: lỗi: thiếu đối số bắt buộc: LỆNH" in done.stderr
    done = thads("run", "--jobs", "0")
    assert done.returncode == 2 and "đối số --jobs: '0' không hợp lệ: cần số nguyên dương" in done.stderr
    for bad in ("0", "-5", "nan", "inf", "abc"):
        done = thads("run", "--period", "2024-M11", "--timeout", bad)
        assert done.returncode == 2 and "cần số giây dương" in done.stderr, bad


def test_a_reader_that_stops_early_gets_no_traceback():
    """`thads summary | head -1`, at its worst: the reader has gone before the first line is written."""
    import os

    read, write = os.pipe()
    os.close(read)
    try:
        done = subprocess.run([sys.executable, "-m", "thads", "summary", "--period", "2024-M11", "--province", "93"],
                              cwd=ROOT, stdout=write, stderr=subprocess.PIPE, text=True, timeout=120)
    finally:
        os.close(write)
    assert done.returncode == 0 and "Traceback" not in done.stderr and "BrokenPipeError" not in done.stderr


def test_comments_and_messages_point_inside_the_repository():
    """The domain is documented in docs/; nothing refers to files that only a checkout of the workplace has."""
    for path in [*(ROOT / "src").rglob("*.py"), *(ROOT / "tests").rglob("*.py"), *(ROOT / "bench").rglob("*.py")]:
        text = path.read_text("utf-8")
        for outside in ("shared/domain", "DESIGN.md", "FACTS.md", "../shared"):
            assert outside not in text or path.name == "test_cli.py", (path, outside)
    assert (ROOT / "docs" / "ky-bao-cao.md").is_file() and (ROOT / "docs" / "du-lieu.md").is_file()


def test_the_command_line_overrides_a_batch_file_which_overrides_thads_yml(monkeypatch, tmp_path):
    """thads.yml < parameters/<batch>.yml < options: what reaches the batch, without running it."""
    from thads import batch, cli

    asked = {}
    monkeypatch.setattr(batch, "run_all", lambda data, requests, *a, **k: asked.setdefault("requests", requests) and [])
    monkeypatch.chdir(ROOT)
    file = tmp_path / "hoi-nghi.yml"
    file.write_text("reports:\n  - periods: [2024-M11]\n    provinces: [93]\n    formats: [pdf]\n"
                    "  - periods: [2024-M12]\n    date: 2024-12-20\n", "utf-8")

    cli.main(["run", str(file)])
    assert [(r.formats, r.report_date) for r in asked.pop("requests")] == [(("pdf",), ""), (("html", "pdf"), "2024-12-20")]
    cli.main(["run", str(file), "--format", "docx", "--date", "2024-12-01"])
    assert [(r.formats, r.report_date) for r in asked.pop("requests")] == [(("docx",), "2024-12-01")] * 2


def test_a_batch_file_with_period_or_province_options_is_refused():
    done = thads("run", "parameters/year-end-2026.yml", "--province", "93")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "bỏ --province, hoặc bỏ tệp khai báo" in done.stderr


def test_without_a_browser_a_pdf_batch_stops_before_any_report(tmp_path):
    """The browser is looked for once, before anything runs: not one failure per report after its notebook ran."""
    env = {**os.environ, "THADS_BROWSER": str(tmp_path / "chrome.exe")}
    done = subprocess.run([sys.executable, "-m", "thads", "run", "--period", "2024-M11", "--province", "93",
                           "--format", "html,pdf", "--out", str(tmp_path / "out")], cwd=ROOT, capture_output=True,
                          text=True, env=env, timeout=300)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "THADS_BROWSER chỉ tới" in done.stderr and "--format html,docx" in " ".join(done.stderr.split())
    assert not (tmp_path / "out" / "2024-M11").exists()


def test_a_browser_that_does_not_start_fails_each_report_before_its_notebook_runs(tmp_path):
    """A browser that is there but does not start (here a program that exits at once): the report fails at
    once, saying which browser, without running its notebook."""
    env = {**os.environ, "THADS_BROWSER": "/bin/true"}
    done = subprocess.run([sys.executable, "-m", "thads", "run", "--period", "2024-M11", "--province", "93",
                           "--format", "html,pdf", "--out", str(tmp_path / "out")], cwd=ROOT, capture_output=True,
                          text=True, env=env, timeout=300)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "không mở được trình duyệt /bin/true" in " ".join(done.stderr.split())
    log = (tmp_path / "out" / "2024-M11" / "93" / "report.failed.log").read_text("utf-8")
    assert "chạy notebook" not in log and not (tmp_path / "out" / "2024-M11" / "93" / "report.html").exists()


def test_a_folder_holding_a_pdf_says_why_it_needs_a_browser_for_html_alone(tmp_path):
    """Formats already in a folder are remade with the ones asked for: without a browser, asking for HTML alone
    in a folder that holds a PDF fails with that reason and what to do, not with a hint to drop the PDF."""
    out = tmp_path / "out"
    first = subprocess.run([sys.executable, "-m", "thads", "run", "--period", "2024-M11", "--province", "93",
                            "--format", "html,pdf", "--out", str(out)], cwd=ROOT, capture_output=True, text=True,
                           timeout=300)
    assert first.returncode == 0, first.stderr
    env = {**os.environ, "THADS_BROWSER": str(tmp_path / "chrome.exe")}
    again = subprocess.run([sys.executable, "-m", "thads", "run", "--period", "2024-M11", "--province", "93",
                            "--format", "html", "--force", "--out", str(out)], cwd=ROOT, capture_output=True,
                           text=True, env=env, timeout=300)
    said = " ".join(again.stderr.split())
    assert again.returncode == 1 and "Traceback" not in again.stderr
    assert "không yêu cầu PDF nhưng thư mục" in said and "đã có report.pdf" in said and "xóa report.pdf" in said
    assert (out / "2024-M11" / "93" / "report.pdf").is_file()          # the good earlier report is untouched
