import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def thads(*args):
    """Run the command line as a user would, from the project folder."""
    return subprocess.run([sys.executable, "-m", "thads", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


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
    lines = thads("provinces", "--period", "2026-M12").stdout.splitlines()
    assert len(lines) == 34 and any("Cần Thơ" in line and "92, 94, 93" in line for line in lines)
    assert len(thads("provinces", "--period", "2024-M12").stdout.splitlines()) == 63
