"""The provinces of a later day over an earlier period (`--as-of`), ranks among all provinces, and targets that
name their organisation. No kernel: the figures, the plan, the paths and the index a report relies on."""

import json
import shutil
from dataclasses import replace
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from thads import batch, cli, dataset, index, metrics, narrative, notes, run
from thads.errors import ThadsError
from thads.periods import Period
from thads.units import organised_on

from tests.support.ranking import independent_ranks

ROOT = Path(__file__).resolve().parents[1]
P9 = Period.parse("2025-M09")            # 9 tháng năm 2025: 01/10/2024 - 30/06/2025, the day before the merger
MERGER = date(2025, 7, 1)


@pytest.fixture(scope="module")
def ds():
    return dataset.load(ROOT / "data")


def figures(ds, code: str, period: Period, as_of: date | None = None) -> metrics.KeyFigures:
    return metrics.key_figures(ds, ds.units.resolve(code, period, as_of), period, as_of)


COUNTS = ("phai_thi_hanh", "co_dieu_kien", "thi_hanh_xong", "nam_truoc_chuyen_sang", "thu_ly_moi", "uy_thac",
          "thu_hoi_huy", "chua_co_dieu_kien", "so_theo_doi_rieng")


def test_new_dong_thap_over_the_9_months_before_the_merger_sums_old_dong_thap_and_tien_giang(ds):
    new = figures(ds, "82", P9, MERGER)
    old_dong_thap, tien_giang = figures(ds, "87", P9), figures(ds, "82", P9)
    assert (tien_giang.ten_tinh, old_dong_thap.ten_tinh, new.ten_tinh) == ("Tiền Giang", "Đồng Tháp", "Đồng Tháp")
    assert (new.tinh, new.ten_day_du, new.theo_ngay) == ("82", "Tỉnh Đồng Tháp", MERGER)
    assert new.gop_tu == ["Tỉnh Đồng Tháp (87)", "Tỉnh Tiền Giang (82)"]
    for kind in ("viec", "tien"):
        for name in COUNTS:       # this year and last year, cases and money
            assert getattr(new.result(kind), name) == sum(getattr(f.result(kind), name)
                                                          for f in (old_dong_thap, tien_giang)), (kind, name)
            assert getattr(new.cung_ky.result(kind), name) == sum(getattr(f.cung_ky.result(kind), name)
                                                                  for f in (old_dong_thap, tien_giang)), (kind, name)
    assert new.don_vi == old_dong_thap.don_vi + tien_giang.don_vi
    # The rate is the rate of the sums, never a sum or mean of percentages.
    v = new.viec
    assert v.ty_le == metrics.rate(v.thi_hanh_xong, v.co_dieu_kien)


def test_a_merged_province_missing_one_predecessor_is_refused_not_summed_in_part(ds, tmp_path):
    folder = tmp_path / "data"
    shutil.copytree(ROOT / "data", folder)
    stats = pd.read_csv(folder / "stats" / "2025.csv", dtype=str, keep_default_na=False)
    stats = stats[(stats["tinh"] != "87") | (stats["thang"].astype(int) < 9)]       # old Đồng Tháp stops at 8 months
    stats = stats[stats["thang"].astype(int) <= 9]
    stats.to_csv(folder / "stats" / "2025.csv", index=False)
    partial = dataset.load(folder)
    with pytest.raises(ThadsError, match=r"Không có số liệu kỳ 9 tháng năm 2025 của tỉnh Đồng Tháp \(mã 87\), một phần "
                                         r"của tỉnh Đồng Tháp \(mã 82\)"):
        figures(partial, "82", P9, MERGER)
    assert metrics.coverage(partial, P9, MERGER) == (33, 34)     # and no province is ranked on a partial set
    assert figures(partial, "01", P9, MERGER).xep_thu is None


def test_a_flow_figure_some_offices_left_blank_is_unknown_not_summed_in_part(ds, tmp_path):
    folder = tmp_path / "data"
    shutil.copytree(ROOT / "data", folder)
    stats = pd.read_csv(folder / "stats" / "2025.csv", dtype=str, keep_default_na=False)
    tien_giang = stats["tinh"] == "82"
    for column in ("viec_nam_truoc_chuyen_sang", "viec_thu_ly_moi", "viec_uy_thac", "viec_thu_hoi_huy"):
        stats.loc[tien_giang, column] = ""
    stats.to_csv(folder / "stats" / "2025.csv", index=False)
    partial = dataset.load(folder)
    kf = figures(partial, "82", P9, MERGER)
    assert (kf.viec.thu_ly, kf.viec.uy_thac, kf.viec.thu_hoi_huy) == (None, None, None)
    assert kf.viec.phai_thi_hanh == figures(ds, "82", P9, MERGER).viec.phai_thi_hanh
    assert "viec_thu_ly" not in kf.xep_thu and "tien_thu_ly" in kf.xep_thu
    text = narrative.results(kf, ds.units.resolve("82", P9, MERGER), P9)
    assert "toàn tỉnh thụ lý" not in text.split("Về tiền")[0] and "ủy thác" not in text.split("Về tiền")[0]


def test_the_national_overview_never_ranks_a_province_on_part_of_its_predecessors(ds, tmp_path):
    folder = tmp_path / "data"
    shutil.copytree(ROOT / "data", folder)
    stats = pd.read_csv(folder / "stats" / "2025.csv", dtype=str, keep_default_na=False)
    stats = stats[((stats["tinh"] != "87") | (stats["thang"].astype(int) < 9)) & (stats["thang"].astype(int) <= 9)]
    stats.to_csv(folder / "stats" / "2025.csv", index=False)
    national = metrics.national_summary(dataset.load(folder), P9, MERGER)
    assert "82" not in {r["ma"] for r in national["xep_hang"]} and national["so_tinh_co_so_lieu"] == 33


def test_offices_of_two_old_provinces_are_told_apart(ds):
    table = metrics.office_table(ds, ds.units.resolve("82", P9, MERGER), P9)
    names = list(table["ten"])
    assert "Chi cục Thi hành án dân sự huyện Châu Thành, tỉnh Tiền Giang" in names
    assert "Chi cục Thi hành án dân sự huyện Châu Thành, tỉnh Đồng Tháp" in names
    assert "Cục Thi hành án dân sự tỉnh Đồng Tháp" in names          # a Cục is named by its province already
    plain = metrics.office_table(ds, ds.units.resolve("82", P9), P9)
    assert "Chi cục Thi hành án dân sự huyện Châu Thành" in list(plain["ten"])


def test_without_as_of_the_code_means_the_province_at_the_periods_end(ds):
    assert figures(ds, "82", P9).ten_tinh == "Tiền Giang" and figures(ds, "82", P9).theo_ngay is None
    assert figures(ds, "82", Period.parse("2025-M12")).ten_tinh == "Đồng Tháp"


def test_the_predecessors_target_is_never_used_only_one_naming_the_organisation(ds):
    tien_giang = figures(ds, "82", P9)
    assert tien_giang.viec.chi_tieu == ds.targets[(2025, "82")][0]
    new = figures(ds, "82", P9, MERGER)
    assert new.viec.chi_tieu == ds.organised_targets[(2025, "82", MERGER)][0] != tien_giang.viec.chi_tieu
    without = replace(ds, organised_targets={})          # a targets.csv without theo_ngay
    unnamed = figures(without, "82", P9, MERGER)
    assert (unnamed.viec.chi_tieu, unnamed.tien.chi_tieu) == (None, None)
    assert unnamed.viec.ty_le == new.viec.ty_le


def test_an_as_of_day_before_the_periods_end_in_the_future_or_changing_nothing_is_refused(ds):
    with pytest.raises(ThadsError, match=r"--as-of \(as_of: trong tệp khai báo\) 29/06/2025 trước ngày cuối kỳ 9 tháng "
                                         r"năm 2025 \(30/06/2025\)"):
        organised_on(P9, "2025-06-29")
    with pytest.raises(ThadsError, match="'2025-02-30' không phải một ngày: cần dạng YYYY-MM-DD và là ngày có thật"):
        organised_on(P9, "2025-02-30")
    with pytest.raises(ThadsError, match="chưa đến"):
        organised_on(P9, "2099-01-01")
    # The provinces of 30/06/2025 are those of the period's end: the report would be the plain one, again.
    with pytest.raises(ThadsError, match="vẫn như vào ngày cuối kỳ 9 tháng năm 2025 .30/06/2025.*bỏ ngày này"):
        organised_on(P9, "2025-06-30", ds.units)
    assert organised_on(P9, "2025-07-01", ds.units) == MERGER and organised_on(P9, "") is None


def test_the_command_line_refuses_it_with_a_message_not_a_traceback(capsys):
    assert cli.main(["summary", "--period", "2025-M09", "--province", "82", "--as-of", "2025-05-01"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Lỗi: --as-of (as_of: trong tệp khai báo) 01/05/2025 trước ngày cuối kỳ")
    assert "Traceback" not in err
    assert cli.main(["summary", "--period", "2025-M09", "--province", "Xyz", "--as-of", "2025-07-01"]) == 1
    assert "thads provinces --period 2025-M09 --as-of 2025-07-01." in capsys.readouterr().err


def test_summary_and_provinces_accept_as_of(capsys):
    assert cli.main(["summary", "--period", "2025-M09", "--province", "dong-thap", "--as-of", "2025-07-01"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["tinh"], summary["theo_ngay"], summary["xep_thu"]["viec_phai_thi_hanh"]["tren"]) == (
        "82", "2025-07-01", 34)
    assert cli.main(["provinces", "--period", "2025-M09", "--as-of", "2025-07-01"]) == 0
    heading, *lines = capsys.readouterr().out.splitlines()
    assert heading == "34 tỉnh, thành phố vào ngày 01/07/2025:" and len(lines) == 34
    assert any(line.startswith("82  Tỉnh Đồng Tháp") and line.endswith("(hợp nhất từ Đồng Tháp (87), Tiền Giang (82))")
               for line in lines)


def test_ranks_match_a_ranking_computed_from_the_province_summaries(ds):
    provinces = ds.units.provinces_on(MERGER)
    summaries = {p.code: metrics.summary(ds, p, P9, MERGER) for p in provinces}
    assert len(summaries) == 34
    for key in ("viec_thu_ly", "viec_phai_thi_hanh", "viec_co_dieu_kien", "viec_ty_le_co_dieu_kien",
                "viec_thi_hanh_xong", "viec_ty_le", "tien_phai_thi_hanh", "tien_ty_le"):
        expected = independent_ranks(summaries, key)
        assert {code: (s["xep_thu"][key]["hang"], s["xep_thu"][key]["tren"])
                for code, s in summaries.items()} == expected, key


def test_ties_share_a_rank_and_a_province_without_a_rate_is_not_ranked_on_it(ds):
    day = Period.parse("2026-M12").end
    peers = metrics.peers(ds, Period.parse("2026-M12"), day)
    codes = sorted(peers)
    tied = dict(peers)
    tied[codes[1]] = {**tied[codes[1]], "viec": replace(tied[codes[1]]["viec"],
                                                        ty_le=tied[codes[0]]["viec"].ty_le)}
    tied[codes[2]] = {**tied[codes[2]], "viec": replace(tied[codes[2]]["viec"], ty_le=None)}
    copy = ds.copy()
    copy._original._memo[("peers", "2026-M12", day)] = tied
    try:
        r0 = metrics.ranks(copy, copy.units.province(codes[0], day), Period.parse("2026-M12"), day)
        r1 = metrics.ranks(copy, copy.units.province(codes[1], day), Period.parse("2026-M12"), day)
        r2 = metrics.ranks(copy, copy.units.province(codes[2], day), Period.parse("2026-M12"), day)
    finally:
        del copy._original._memo[("peers", "2026-M12", day)]
    assert r0["viec_ty_le"] == r1["viec_ty_le"] and r0["viec_ty_le"].tren == 33
    assert "viec_ty_le" not in r2 and r2["viec_phai_thi_hanh"].tren == 34


def test_no_rank_from_a_folder_holding_some_provinces(hau_giang_2024):
    partial = dataset.load(hau_giang_2024)
    period = Period.parse("2024-M11")
    kf = metrics.key_figures(partial, partial.units.resolve("93", period), period)
    assert kf.xep_thu is None and kf.to_json()["xep_thu"] is None
    assert metrics.coverage(partial, period, period.end) == (1, 63)


def test_the_national_overview_ranks_the_34_over_a_period_before_the_merger(ds):
    national = metrics.national_summary(ds, P9, MERGER)
    assert national["theo_ngay"] == "2025-07-01" and national["so_tinh"] == 34
    assert len(national["xep_hang"]) == 34 and "82" in {r["ma"] for r in national["xep_hang"]}
    before = metrics.national_summary(ds, P9)
    assert len(before["xep_hang"]) == 63 and before["viec"] == national["viec"]


def test_plan_makes_34_reports_stored_under_the_organisation_day(ds, tmp_path):
    request = batch.Request((P9,), ("all",), ("html",), as_of="2025-07-01")
    jobs = batch.plan(ds.units, [request], ROOT / "notebooks")
    assert len(jobs) == 34 and {j.as_of for j in jobs} == {MERGER}
    dong_thap = next(j for j in jobs if j.folder == "82")
    assert run.output_folder(tmp_path, dong_thap) == tmp_path / "2025-M09" / "theo-2025-07-01" / "82"
    assert run.Runner(ROOT / "data", tmp_path, tmp_path).parameters(dong_thap)["as_of"] == "2025-07-01"
    plain = batch.plan(ds.units, [batch.Request((P9,), ("82",), ("html",))], ROOT / "notebooks")
    assert run.output_folder(tmp_path, plain[0]) == tmp_path / "2025-M09" / "82"
    assert "as_of" not in run.Runner(ROOT / "data", tmp_path, tmp_path).parameters(plain[0])
    with pytest.raises(ThadsError, match="trước ngày cuối kỳ"):
        batch.plan(ds.units, [replace(request, as_of="2025-01-01")], ROOT / "notebooks")


def test_a_batch_file_takes_as_of_and_its_errors_name_the_entry(ds, tmp_path):
    path = tmp_path / "b.yml"
    path.write_text("reports:\n  - {periods: [2025-M09], provinces: all, as_of: 2025-07-01}\n", "utf-8")
    assert batch.load_requests(path)[0].as_of == "2025-07-01"
    for entry, words in (("{periods: [2025-M09], as_of: 1/7/2025}", "'1/7/2025' không phải một ngày"),
                         ("{periods: [2025-M09], as_of: 2025-06-01}", "trước ngày cuối kỳ"),
                         ("{periods: [2025-M09], provinces: [87], as_of: 2025-07-01}", "không còn tồn tại")):
        path.write_text(f"reports:\n  - {{periods: [2024-M12]}}\n  - {entry}\n", "utf-8")
        with pytest.raises(ThadsError, match=f"b.yml, mục 2 của reports: .*{words}"):
            batch.plan(ds.units, batch.load_requests(path), ROOT / "notebooks")


def test_a_ranked_report_depends_on_every_provinces_figures(ds, tmp_path):
    jobs = batch.plan(ds.units, [batch.Request((P9,), ("82", "01"), ("html",), as_of="2025-07-01")],
                      ROOT / "notebooks")
    before = [batch.fingerprint(ds, j, tmp_path) for j in jobs]
    folder = tmp_path / "data"
    shutil.copytree(ROOT / "data", folder)
    stats = pd.read_csv(folder / "stats" / "2025.csv", dtype=str, keep_default_na=False)
    hue = (stats["don_vi"] == "46") & (stats["thang"] == "9")            # Cục THADS Huế, neither 82 nor 01
    stats.loc[hue, "viec_hoan"] = str(int(stats.loc[hue, "viec_hoan"].iloc[0]) + 1)
    stats.to_csv(folder / "stats" / "2025.csv", index=False)
    changed = dataset.load(folder)
    after = [batch.fingerprint(changed, j, tmp_path) for j in jobs]
    assert all(b != a for b, a in zip(before, after))


def test_a_report_depends_on_its_own_offices_rows_of_the_year_not_on_other_provinces_months(ds, tmp_path):
    # Hậu Giang's (93) figures of an earlier month change: its report of 2024-M11 changes; Cần Thơ's (92), ranked
    # among the provinces of that month only, does not.
    period = Period.parse("2024-M11")
    jobs = batch.plan(ds.units, [batch.Request((period,), ("93", "92"), ("html",))], ROOT / "notebooks")
    before = [batch.fingerprint(ds, j, tmp_path) for j in jobs]
    folder = tmp_path / "data"
    shutil.copytree(ROOT / "data", folder)
    stats = pd.read_csv(folder / "stats" / "2024.csv", dtype=str, keep_default_na=False)
    row = (stats["tinh"] == "93") & (stats["thang"] == "3")
    assert row.any()
    stats.loc[row.idxmax(), "viec_hoan"] = str(int(stats.loc[row.idxmax(), "viec_hoan"]) + 1)
    stats.to_csv(folder / "stats" / "2024.csv", index=False)
    after = [batch.fingerprint(dataset.load(folder), j, tmp_path) for j in jobs]
    assert [j.folder for j in jobs] == ["93", "92"]
    assert before[0] != after[0] and before[1] == after[1]


def test_an_unranked_report_depends_on_how_many_provinces_the_data_hold(ds, tmp_path):
    # It says "có số liệu kỳ này của k/N tỉnh, thành phố": one more province changes k, so the report.
    folder = tmp_path / "data"
    shutil.copytree(ROOT / "data", folder)
    stats = pd.read_csv(folder / "stats" / "2024.csv", dtype=str, keep_default_na=False)
    stats[stats["tinh"].isin(["93", "92", "94"])].to_csv(folder / "stats" / "2024.csv", index=False)
    for name in ("2023.csv", "2025.csv", "2026.csv", "2027.csv"):
        (folder / "stats" / name).unlink()
    period = Period.parse("2024-M11")
    job = batch.plan(ds.units, [batch.Request((period,), ("93",), ("html",))], ROOT / "notebooks")[0]
    before = batch.fingerprint(dataset.load(folder), job, tmp_path)
    stats[stats["tinh"].isin(["93", "92"])].to_csv(folder / "stats" / "2024.csv", index=False)
    after = batch.fingerprint(dataset.load(folder), job, tmp_path)
    assert before != after


def test_notes_of_a_later_days_province_live_in_their_own_folder(tmp_path):
    assert notes.note_path(tmp_path, P9, "82") == tmp_path / "2025-M09" / "82.md"
    assert notes.note_path(tmp_path, P9, "82", MERGER) == tmp_path / "2025-M09" / "theo-2025-07-01" / "82.md"
    (tmp_path / "2025-M09" / "theo-2025-07-01").mkdir(parents=True)
    (tmp_path / "2025-M09" / "theo-2025-07-01" / "82.md").write_text("## Sai mục\n", "utf-8")
    (tmp_path / "2025-M09" / "theo-hom-nay").mkdir()
    (tmp_path / "2025-M09" / "theo-hom-nay" / "82.md").write_text("## Ý kiến chỉ đạo\n", "utf-8")
    problems = notes.check(tmp_path)
    assert any("theo-2025-07-01/82.md, dòng 1: mục 'Sai mục'" in p for p in problems)
    assert any("theo-hom-nay: tên thư mục phải là theo-NĂM-THÁNG-NGÀY" in p for p in problems)


def test_the_index_lists_both_reports_of_code_82_labelled(tmp_path):
    for place, name in (("82", "Tỉnh Tiền Giang"), ("theo-2025-07-01/82", "Tỉnh Đồng Tháp")):
        folder = tmp_path / "2025-M09" / place
        folder.mkdir(parents=True)
        (folder / "report.html").write_text("<p>x</p>", "utf-8")
        (folder / "summary.json").write_text(json.dumps({"ten_day_du": name, "viec": {"ty_le": 80.0, "chi_tieu": None},
                                                         "tien": {"ty_le": 50.0, "chi_tieu": None}}), "utf-8")
    found = index.entries(tmp_path)
    assert [(e["name"], e["path"], e["organised"]) for e in found] == [
        ("Tỉnh Tiền Giang", "2025-M09/82", ""),
        ("Tỉnh Đồng Tháp", "2025-M09/theo-2025-07-01/82", "theo các tỉnh, thành phố từ ngày 01/07/2025")]
    page = index.render(tmp_path)
    assert 'href="2025-M09/theo-2025-07-01/82/report.html"' in page and 'href="2025-M09/82/report.html"' in page
    assert "theo các tỉnh, thành phố từ ngày 01/07/2025" in page
