"""A report for every enforcement office (`--report office`, `office.OfficeReport`): the offices' figures add up to
their province's, the rank in the province and when it is given, the ambiguous name refused with its candidates,
the refusals across the 2025 reorganisation, the office's own target or the province's, the header and signer of
the office and date, the signing keys and notes, the batch plan and the index; and, as slow tests, whole batches."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from tests import support
from tests.support.batches import counts, last_run
from tests.support.ranking import independent_ranks
from thads import batch, checks, cli, dataset, index, kinds, metrics, notes, run, signing
from thads.dating import Signed
from thads.errors import ThadsError
from thads.office import OfficeReport, agencies, agency_lines, own_name
from thads.periods import Period
from thads.units import resolve_office
from thads.wording import PACKAGE

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
P11, P26 = Period.parse("2024-M11"), Period.parse("2026-M12")
RATES = ("viec_ty_le", "tien_ty_le")


@pytest.fixture(scope="module")
def data():
    return dataset.load(DATA)


def office_reports(ds, province_code: str, period: Period) -> dict[str, dict]:
    province = ds.units.resolve(province_code, period)
    return {o.code: metrics.office_summary(ds, o, period) for o in ds.units.offices_of(province, period.end)}


# Figures -------------------------------------------------------------------------------------------------------
def test_hau_giang_offices_add_up_to_the_province_and_the_seed(data):
    offices = office_reports(data, "93", P11)
    assert sorted(offices) == ["93", "930", "931", "932", "933", "934", "935", "936", "937"]   # Cục + 8 Chi cục
    province = metrics.summary(data, data.units.resolve("93", P11), P11)
    for kind in ("viec", "tien"):
        for figure in ("phai_thi_hanh", "co_dieu_kien", "thi_hanh_xong", "thu_ly_moi", "nam_truoc_chuyen_sang"):
            assert sum(s[kind][figure] for s in offices.values()) == province[kind][figure], (kind, figure)
    assert sum(s["viec"]["co_dieu_kien"] for s in offices.values()) == 7942
    assert sum(s["viec"]["thi_hanh_xong"] for s in offices.values()) == 6113
    assert offices["93"]["cap_tinh"] and not offices["931"]["cap_tinh"]


def test_can_tho_2026_offices_add_up_to_the_merged_city(data):
    offices = office_reports(data, "92", P26)
    assert len(offices) == 15 and "92" in offices and "92-KV14" in offices
    province = metrics.summary(data, data.units.resolve("92", P26), P26)
    for kind in ("viec", "tien"):
        for figure in ("phai_thi_hanh", "co_dieu_kien", "thi_hanh_xong"):
            assert sum(s[kind][figure] for s in offices.values()) == province[kind][figure]


@pytest.mark.parametrize("code, period", [("93", P11), ("92", P26)])
def test_ranks_in_the_province_match_an_independent_ranking(data, code, period):
    offices = office_reports(data, code, period)
    for kind, figure in metrics.RANKED:
        key = f"{kind}_{figure}"
        expected = independent_ranks(offices, key)
        got = {c: (s["xep_thu"][key]["hang"], s["xep_thu"][key]["tren"]) for c, s in offices.items()
               if key in s["xep_thu"]}
        assert got == expected, key
    # the seed's Chi cục Ngã Bảy has the best cases rate of the nine
    if code == "93":
        assert offices["931"]["xep_thu"]["viec_ty_le"] == {"hang": 1, "tren": 9}


def test_no_rank_unless_every_office_of_the_province_has_data(hau_giang_2024, tmp_path):
    folder = tmp_path / "thieu"
    shutil.copytree(hau_giang_2024, folder)
    stats = folder / "stats" / "2024.csv"
    lines = stats.read_text("utf-8").splitlines()
    header = lines[0].split(",")
    at, month = header.index("don_vi"), header.index("thang")
    kept = [lines[0]] + [line for line in lines[1:] if not (line.split(",")[at] == "937"
                                                           and int(line.split(",")[month]) >= 11)]
    stats.write_text("\n".join(kept) + "\n", "utf-8")
    ds = dataset.load(folder)
    office = ds.units.office("931", P11.end)
    figures = metrics.office_key_figures(ds, office, P11)
    assert figures.xep_thu is None and figures.don_vi_thieu_so_lieu == ["937"] and figures.so_don_vi == 9
    assert metrics.office_key_figures(ds, office, Period.parse("2024-M10")).xep_thu is not None


def test_a_phong_of_2025_is_not_compared_with_the_chi_cuc_before_it(data):
    office = data.units.office("92-KV11", Period.parse("2025-M12").end)
    then = metrics.office_key_figures(data, office, Period.parse("2025-M12"))
    assert then.cung_ky is None and then.khong_cung_ky == "thanh_lap"
    later = metrics.office_key_figures(data, office, P26)
    assert later.cung_ky is not None and later.cung_ky.ky == "2025-M12"
    path = metrics.office_path(data, office, Period.parse("2025-M12"))
    assert path["viec_ty_le"].iloc[:9].isna().all() and path["viec_ty_le"].iloc[9:].notna().all()
    # the city's own office: the Cục until 30/06/2025, the THADS thành phố after: two offices, never compared
    own = data.units.office("92", Period.parse("2025-M12").end)
    assert metrics.office_key_figures(data, own, Period.parse("2025-M12")).khong_cung_ky == "thanh_lap"


# Targets -------------------------------------------------------------------------------------------------------
def test_an_office_without_a_target_of_its_own_is_compared_with_the_provinces_and_says_so(data):
    figures = metrics.office_key_figures(data, data.units.office("931", P11.end), P11)
    assert figures.chi_tieu_cua == "tinh" and figures.viec.chi_tieu == Decimal("83.35")
    assert figures.tien.chi_tieu == Decimal("46.75") == figures.chi_tieu_tinh.tien
    report = OfficeReport("931", "2024-M11")
    said = " ".join(b["markdown"] for b in report.results().record["blocks"])
    assert "Đơn vị chưa được giao chỉ tiêu riêng năm 2024" in said and "chỉ tiêu của tỉnh Hậu Giang" in said


def test_an_office_target_of_its_own_from_targets_csv(hau_giang_2024, tmp_path):
    folder = tmp_path / "chi-tieu"
    shutil.copytree(hau_giang_2024, folder)
    targets = folder / "targets.csv"
    text = targets.read_text("utf-8").splitlines()
    text[0] += ",don_vi"
    text = [text[0]] + [line + "," for line in text[1:]] + ["2024,93,85.00,48.50,,931"]
    targets.write_text("\n".join(text) + "\n", "utf-8")
    ds = dataset.load(folder)
    own = metrics.office_key_figures(ds, ds.units.office("931", P11.end), P11)
    other = metrics.office_key_figures(ds, ds.units.office("930", P11.end), P11)
    assert own.chi_tieu_cua == "don_vi" and (own.viec.chi_tieu, own.tien.chi_tieu) == (Decimal("85.00"),
                                                                                         Decimal("48.50"))
    assert own.chi_tieu_tinh.viec == Decimal("83.35") and other.chi_tieu_cua == "tinh"
    assert metrics.key_figures(ds, ds.units.resolve("93", P11), P11).viec.chi_tieu == Decimal("83.35")


def test_an_office_target_must_name_an_office_of_its_province(hau_giang_2024, tmp_path):
    folder = tmp_path / "sai"
    shutil.copytree(hau_giang_2024, folder)
    targets = folder / "targets.csv"
    lines = targets.read_text("utf-8").splitlines()
    lines = [lines[0] + ",don_vi"] + [line + "," for line in lines[1:]] + ["2024,93,85,48,,916",
                                                                          "2024,93,85,48,,931", "2024,93,86,49,,931"]
    targets.write_text("\n".join(lines) + "\n", "utf-8")
    with pytest.raises(Exception) as raised:
        dataset.load(folder)
    said = str(raised.value)
    assert "'916' không phải một đơn vị của tỉnh mã 93" in said and "chỉ tiêu năm 2024 của đơn vị 931" in said


# Names and refusals ------------------------------------------------------------------------------------------------
def test_an_ambiguous_name_is_refused_with_every_candidate_and_its_province(data):
    office = kinds.get("office")
    with pytest.raises(ThadsError) as refused:
        office.subjects(data.units, P11, (), None, offices=("huyện Châu Thành",))
    said = str(refused.value)
    assert "có 10 đơn vị mang tên này" in said and "--province" in said
    for code, province in (("933", "tỉnh Hậu Giang"), ("942", "tỉnh Sóc Trăng"), ("708", "tỉnh Tây Ninh")):
        assert f"(mã {code}, {province})" in said
    [chosen] = office.subjects(data.units, P11, ("93",), None, offices=("huyện Châu Thành",))
    assert (chosen.code, chosen.place, chosen.named) == ("933", "93/don-vi/933", True)
    assert resolve_office(data.units, "thanh pho nga bay", P11).code == "931"      # without accents


def test_the_cli_refuses_the_ambiguous_name_before_anything_runs(tmp_path, capsys):
    code = cli.main(["run", "--period", "2024-M11", "--office", "huyện Châu Thành", "--format", "html",
                     "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err and "có 10 đơn vị mang tên này" in err
    assert not (tmp_path / "out" / "2024-M11").exists()


def test_offices_across_the_reorganisation_are_refused_naming_predecessors_or_successor(data):
    office = kinds.get("office")
    with pytest.raises(ThadsError) as before:
        office.subjects(data.units, P11, (), None, offices=("92-KV01",))
    said = str(before.value)
    assert "có từ ngày 01/07/2025" in said and "(mã 916, thành phố Cần Thơ)" in said and "(mã 917" in said
    assert "thads run --report province --period 2024-M11 --province 92" in said
    with pytest.raises(ThadsError) as after:
        office.subjects(data.units, P26, (), None, offices=("931",))
    assert "không còn vào ngày 30/09/2026" in str(after.value) and "--office 92-KV11" in str(after.value)
    with pytest.raises(ThadsError, match="--as-of không dùng với báo cáo đơn vị"):
        office.subjects(data.units, Period.parse("2025-M09"), ("92",), Period.parse("2025-M10").end)
    with pytest.raises(ThadsError, match="as_of"):
        OfficeReport("931", "2024-M11", as_of="2025-07-01")


def test_a_chi_cuc_report_dated_after_it_ended_is_refused_naming_date(data):
    with pytest.raises(ThadsError) as refused:
        OfficeReport("931", "2025-M09")              # dated 10/07/2025 by default
    said = str(refused.value)
    assert "đơn vị đã không còn" in said and "--date 2025-06-30" in said and "92-KV11" in said


# Header, signer, signing keys, notes -------------------------------------------------------------------------------
def test_header_and_signer_follow_the_office_and_the_date(data):
    chi_cuc, hau_giang = data.units.office("931", P11.end), data.units.resolve("93", P11)
    issuer, above = agencies(data.units, chi_cuc, hau_giang, P11, Signed(P11.end, "chon"))
    assert issuer == {"ten": "Chi cục Thi hành án dân sự thành phố Ngã Bảy", "loai": "chi_cuc"}
    assert above == {"ten": "Cục Thi hành án dân sự tỉnh Hậu Giang", "loai": "cuc"}
    phong, can_tho = data.units.office("92-KV01", P26.end), data.units.resolve("92", P26)
    issuer, above = agencies(data.units, phong, can_tho, P26, Signed(P26.end, "chon"))
    assert issuer == {"ten": "Phòng Thi hành án dân sự khu vực 1", "loai": "phong_khu_vuc"}
    assert above == {"ten": "Thi hành án dân sự thành phố Cần Thơ", "loai": "thads_tinh"}
    assert own_name(phong, can_tho) == "Phòng Thi hành án dân sự khu vực 1"
    assert agency_lines("PHÒNG THI HÀNH ÁN DÂN SỰ KHU VỰC 1") == ["PHÒNG THI HÀNH ÁN DÂN SỰ", "KHU VỰC 1"]


@pytest.mark.parametrize("code, period, parent, agency, symbol, title, place", [
    ("931", "2024-M11", "CỤC THI HÀNH ÁN DÂN SỰ TỈNH HẬU GIANG", ["CHI CỤC THI HÀNH ÁN DÂN SỰ", "THÀNH PHỐ NGÃ BẢY"],
     "BC-CCTHADS", "CHI CỤC TRƯỞNG", "Ngã Bảy, ngày 10 tháng 9 năm 2024"),
    ("92-KV01", "2026-M12", "THI HÀNH ÁN DÂN SỰ THÀNH PHỐ CẦN THƠ", ["PHÒNG THI HÀNH ÁN DÂN SỰ", "KHU VỰC 1"],
     "BC-PTHADS", "TRƯỞNG PHÒNG", "Cần Thơ, ngày"),
    ("93", "2024-M11", "TỔNG CỤC THI HÀNH ÁN DÂN SỰ", ["CỤC THI HÀNH ÁN DÂN SỰ", "TỈNH HẬU GIANG"], "BC-CTHADS",
     "CỤC TRƯỞNG", "Hậu Giang, ngày 10 tháng 9 năm 2024"),
    ("92", "2026-M12", "CỤC QUẢN LÝ THI HÀNH ÁN DÂN SỰ", ["THI HÀNH ÁN DÂN SỰ", "THÀNH PHỐ CẦN THƠ"], "BC-THADS",
     "TRƯỞNG THI HÀNH ÁN DÂN SỰ THÀNH PHỐ", "Cần Thơ, ngày"),
])
def test_the_report_header_and_signature_blocks(code, period, parent, agency, symbol, title, place):
    report = OfficeReport(code, period)
    header, signature = report.header().record, report.signature().record
    assert (header["parent_agency"], header["agency_lines"], header["symbol"]) == (parent, agency, symbol)
    assert header["place_date"].startswith(place)
    assert signature["chuc_vu"] == title and signature["nguoi_ky"] == "……………………………"
    if code in ("93", "92"):
        assert "trực tiếp tổ chức thi hành" in header["subject"]


def test_signing_keys_per_office_never_the_provinces(tmp_path, monkeypatch):
    project = tmp_path / "du-an"
    (project / "parameters").mkdir(parents=True)
    (project / "thads.yml").write_text(f"data: {DATA.as_posix()}\n", "utf-8")
    signing_file = project / "parameters" / "signing.yml"
    signing_file.write_text('"93":\n  nguoi_ky: Lê Phước Toàn\nmac-dinh:\n  nguoi_ky: Người Mặc Định\n'
                            'don-vi/mac-dinh:\n  noi_nhan:\n    - Cục THADS tỉnh;\n    - "Lưu: VT."\n'
                            'don-vi/931:\n  nguoi_ky: Nguyễn Văn A\ndon-vi/999:\n  nguoi_ky: Không Có\n', "utf-8")
    assert signing.for_office(signing_file, "931", "CHI CỤC TRƯỞNG").nguoi_ky == "Nguyễn Văn A"
    other = signing.for_office(signing_file, "930", "CHI CỤC TRƯỞNG")
    assert other.nguoi_ky == "" and other.noi_nhan == ("Cục THADS tỉnh;", "Lưu: VT.")
    assert signing.for_office(signing_file, "93", "CỤC TRƯỞNG").nguoi_ky == ""   # never the province's "93"
    [unknown] = signing.unknown_offices(signing_file, dataset.load(DATA).units)
    assert "don-vi/999" in unknown
    monkeypatch.chdir(project)
    block = OfficeReport("931", "2024-M11").signature().record
    assert block["nguoi_ky"] == "Nguyễn Văn A" and block["chuc_vu"] == "CHI CỤC TRƯỞNG"
    assert "Lê Phước Toàn" not in json.dumps(OfficeReport("93", "2024-M11").signature().record, ensure_ascii=False)


def test_office_notes_are_read_and_checked(data, tmp_path):
    folder = tmp_path / "notes"
    (folder / "2024-M11" / "don-vi").mkdir(parents=True)
    (folder / "2024-M11" / "don-vi" / "931.md").write_text("## Tồn tại, hạn chế và nguyên nhân\n\nThiếu người.\n",
                                                          "utf-8")
    (folder / "2024-M11" / "don-vi" / "92-KV01.md").write_text("## Nhiệm vụ, giải pháp\n\nx\n", "utf-8")
    (folder / "2024-M11" / "don-vi" / "933.md").write_text("## Mục lạ\n\nx\n", "utf-8")
    assert notes.load_office(folder, P11, "931") == {"han_che": "Thiếu người."}
    problems = notes.check(folder, data.units)
    assert len(problems) == 2
    assert any("92-KV01.md" in p and "không có đơn vị mã '92-KV01'" in p for p in problems)
    assert any("933.md" in p and "Mục lạ" in p for p in problems)
    job = run.Job("office", P11, kinds.get("office").subjects(data.units, P11, (), None, offices=("931",))[0],
                  ROOT / "notebooks" / "office_report.ipynb")
    assert job.note(folder) == folder / "2024-M11" / "don-vi" / "931.md"


def test_the_office_templates_are_checked_by_validate(tmp_path):
    folder = tmp_path / "templates" / "don-vi"
    folder.mkdir(parents=True)
    shutil.copy(PACKAGE / "don-vi" / "chi-tieu.md.j2", folder / "chi-tieu.md.j2")
    with open(folder / "chi-tieu.md.j2", "a", encoding="utf-8") as f:
        f.write("{{ chi_tieu_khong_co }}\n")
    checked, problems = checks.check_templates(tmp_path / "templates", dataset.load(DATA))
    assert checked == 1 and len(problems) == 1 and "chi_tieu_khong_co" in problems[0]


# Plan, folders, index ----------------------------------------------------------------------------------------------
def test_a_batch_file_plans_office_reports_inside_their_provinces_folder(data, tmp_path):
    path = tmp_path / "don-vi.yml"
    path.write_text("reports:\n  - {report: office, periods: [2026-M12], provinces: [92]}\n"
                    "  - {report: office, periods: [2024-M11], offices: ['huyện Châu Thành'], provinces: [93]}\n",
                    "utf-8")
    jobs = batch.plan(data.units, batch.load_requests(path), ROOT / "notebooks")
    assert len(jobs) == 16 and {j.notebook.name for j in jobs} == {"office_report.ipynb"}
    places = {j.place for j in jobs}
    assert "92/don-vi/92" in places and "92/don-vi/92-KV01" in places and "93/don-vi/933" in places
    assert all(not j.named for j in jobs if j.period == P26) and [j.named for j in jobs if j.period == P11] == [True]
    assert all(kinds.of_folder(j.place).name == "office" for j in jobs)
    assert kinds.of_folder("92").name == "province" and kinds.of_folder("toan-quoc").name == "national"
    with pytest.raises(ThadsError, match="chỉ dùng với báo cáo đơn vị"):
        batch.plan(data.units, [batch.Request((P11,), ("93",), kind="province", offices=("931",))], ROOT / "notebooks")


def _fake_report(folder: Path, name: str, rate: float) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "report.html").write_text("<html></html>", "utf-8")
    (folder / "summary.json").write_text(json.dumps({
        "ten_day_du": name, "du_lieu_mau": True, **{k: {"ty_le": rate, "chi_tieu": 80.0} for k in ("viec", "tien")}},
        ensure_ascii=False), "utf-8")


def test_the_index_groups_offices_under_their_provinces_row(tmp_path):
    out = tmp_path / "out"
    _fake_report(out / "2026-M12" / "92", "Thành phố Cần Thơ", 79.5)
    _fake_report(out / "2026-M12" / "01", "Thành phố Hà Nội", 81.0)
    for code, rate in (("92", 83.5), ("92-KV01", 80.0), ("92-KV02", 75.0)):
        _fake_report(out / "2026-M12" / "92" / "don-vi" / code, f"Đơn vị {code}", rate)
    _fake_report(out / "2024-M11" / "93" / "don-vi" / "931", "Chi cục Ngã Bảy", 83.76)   # no province report
    (out / "2026-M12" / "92" / "don-vi" / "rieng").mkdir()                              # not a report
    found = index.entries(out)
    rows = [(e["period"], e["code"], e["kind"], e["level"]) for e in found]
    assert rows == [("2024-M11", "931", "office", 1), ("2026-M12", "01", "province", 0),
                    ("2026-M12", "92", "province", 0), ("2026-M12", "92", "office", 1),
                    ("2026-M12", "92-KV01", "office", 1), ("2026-M12", "92-KV02", "office", 1)]
    can_tho = next(e for e in found if e["code"] == "92" and e["kind"] == "province")
    assert can_tho["offices"] == 3 and all(e["group"] == can_tho["group"] for e in found if e["province"] == "92")
    assert not found[0]["headed"] and found[3]["headed"]
    page = index.render(out)
    assert "Báo cáo của 3 đơn vị" in page and 'data-level="1"' in page and "2026-M12/92/don-vi/92-KV01/report.html" in page
    assert [o["count"] for o in index.overviews(found)] == [2]      # offices never count as provinces


# Whole batches (kernels, exports) -----------------------------------------------------------------------------------
@pytest.mark.slow
def test_every_office_of_can_tho_2026_in_html_and_word(tmp_path):
    out = tmp_path / "out"
    (out / "2026-M12" / "92").mkdir(parents=True)
    mine = out / "2026-M12" / "92" / "report.html"
    mine.write_text("báo cáo của thành phố, không được động tới", "utf-8")
    done = support.thads("run", "--period", "2026-M12", "--report", "office", "--province", "92",
                         "--format", "html,docx", "--out", out, "--jobs", "2", timeout=1800)
    assert done.returncode == 0, done.stderr
    assert counts(out) == (15, 0, 0)
    record = last_run(out)
    assert {r["kind"] for r in record["reports"]} == {"office"}
    folders = sorted((out / "2026-M12" / "92" / "don-vi").iterdir())
    assert [f.name for f in folders] == ["92"] + [f"92-KV{n:02d}" for n in range(1, 15)]
    for folder in folders:
        for name in ("report.html", "report.docx", "report.ipynb", "summary.json", "inputs.json", "report.log"):
            assert (folder / name).is_file(), (folder, name)
    assert mine.read_text("utf-8") == "báo cáo của thành phố, không được động tới"
    page = (out / "index.html").read_text("utf-8")
    for folder in folders:
        assert f"2026-M12/92/don-vi/{folder.name}/report.html" in page
    html = (out / "2026-M12" / "92" / "don-vi" / "92-KV01" / "report.html").read_text("utf-8")
    assert "TRƯỞNG PHÒNG" in html and "THI HÀNH ÁN DÂN SỰ THÀNH PHỐ CẦN THƠ" in html and "BC-PTHADS" in html
    assert "xếp thứ" in html and "trong thành phố" in html
    summary = json.loads((folders[1] / "summary.json").read_text("utf-8"))
    assert summary["don_vi"] == "92-KV01" and summary["tinh"] == "92" and summary["cung_ky"]["ky"] == "2025-M12"
    seconds = [r["seconds"] for r in record["reports"]]
    print(f"\n15 office reports (html, docx), 2 jobs: {sum(seconds) / len(seconds):.1f} s each")


@pytest.mark.slow
def test_a_chi_cuc_report_of_2024_has_its_header_and_signer(tmp_path):
    project = tmp_path / "du-an"
    (project / "parameters").mkdir(parents=True)
    (project / "thads.yml").write_text(f"data: {DATA.as_posix()}\nnotebooks: {(ROOT / 'notebooks').as_posix()}\n",
                                       "utf-8")
    (project / "parameters" / "signing.yml").write_text('"93":\n  nguoi_ky: Lê Phước Toàn\n'
                                                        'don-vi/931:\n  nguoi_ky: Nguyễn Văn Ngã Bảy\n', "utf-8")
    done = support.thads("run", "--period", "2024-M11", "--office", "Ngã Bảy", "--format", "html", "--jobs", "1",
                         cwd=project, timeout=900)
    assert done.returncode == 0, done.stderr
    folder = project / "outputs" / "2024-M11" / "93" / "don-vi" / "931"
    html = (folder / "report.html").read_text("utf-8")
    for said in ("CỤC THI HÀNH ÁN DÂN SỰ TỈNH HẬU GIANG", "CHI CỤC THI HÀNH ÁN DÂN SỰ", "THÀNH PHỐ NGÃ BẢY",
                 "BC-CCTHADS", "CHI CỤC TRƯỞNG", "Nguyễn Văn Ngã Bảy", "Ngã Bảy, ngày 10 tháng 9 năm 2024",
                 "xếp thứ 1/9 trong tỉnh", "Đơn vị chưa được giao chỉ tiêu riêng năm 2024"):
        assert said in html, said
    assert "Lê Phước Toàn" not in html and "TRƯỞNG PHÒNG" not in html
    summary = json.loads((folder / "summary.json").read_text("utf-8"))
    assert (summary["don_vi"], summary["loai_don_vi"], summary["chi_tieu_cua"]) == ("931", "chi_cuc", "tinh")


@pytest.mark.slow
def test_the_index_opens_a_provinces_offices_and_keeps_them_under_it_when_sorted(tmp_path):
    from playwright.sync_api import sync_playwright

    from thads.pdf import LAUNCH_ARGS, find_browser

    out = tmp_path / "out"
    for code, rate in (("92", 79.5), ("01", 81.0), ("96", 70.0)):
        _fake_report(out / "2026-M12" / code, f"Tỉnh {code}", rate)
    for code, rate in (("92", 83.5), ("92-KV01", 60.0), ("92-KV03", 90.0)):
        _fake_report(out / "2026-M12" / "92" / "don-vi" / code, f"Đơn vị khu vực {code}", rate)
    index.write(out)
    browser = find_browser()
    if browser is None:
        pytest.skip("no Chromium to open the index with")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(browser), args=LAUNCH_ARGS)
        page = chromium.new_page()
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto((out / "index.html").as_uri())

        def shown():
            return page.evaluate("Array.from(document.querySelectorAll('#reports tbody tr'))"
                                 ".filter(r => !r.hidden).map(r => r.dataset.code + ':' + r.dataset.level)")

        assert shown() == ["01:0", "92:0", "96:0"]                       # offices folded under their province
        page.click(".offices-toggle[data-group='2026-M12||92']")
        assert shown() == ["01:0", "92:0", "92:1", "92-KV01:1", "92-KV03:1", "96:0"]
        page.click("th button[data-sort='viec']")                          # highest first, offices kept under it
        assert shown() == ["01:0", "92:0", "92-KV03:1", "92:1", "92-KV01:1", "96:0"]
        page.click(".offices-toggle[data-group='2026-M12||92']")
        page.fill("#province", "KV01")                                   # an office found by its name or code
        assert shown() == ["92-KV01:1"]
        page.fill("#province", "")
        page.check("#offices")
        assert len(shown()) == 6 and not errors
        chromium.close()
