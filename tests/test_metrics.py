from decimal import Decimal
from pathlib import Path

import pytest

from thads import dataset, metrics
from thads.periods import Period

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(scope="module")
def ds():
    return dataset.load(DATA)


def test_rates_round_half_up_to_two_decimals():
    assert metrics.rate(620657, 739974) == Decimal("83.88")   # truncation would give 83,87
    assert metrics.rate(6113, 7942) == Decimal("76.97")
    assert metrics.rate(1, 8) == Decimal("12.50")
    assert metrics.rate(1, 800) == Decimal("0.13")             # 0,125 rounds up, not to even


def test_zero_denominators_give_no_rate_and_no_crash():
    assert metrics.rate(0, 0) is None
    r = metrics.result(10, 0, 0, Decimal("83.35"))
    assert (r.ty_le, r.chenh_lech, r.dat_so_voi_chi_tieu, r.met) == (None, None, None, None)
    assert r.con_phai_xong == 0
    assert metrics.result(10, 5, 4, None).con_phai_xong is None


def test_comparison_with_target_both_ways():
    r = metrics.result(100, 7942, 6113, Decimal("83.35"))
    assert (r.chenh_lech, r.dat_so_voi_chi_tieu, r.con_phai_xong) == (Decimal("-6.38"), Decimal("92.35"), 507)
    # Thanh Hóa, 6 months 2024: 58,51 / 83,25 = 70,28% of the target
    assert metrics.rate(Decimal("58.51"), Decimal("83.25")) == Decimal("70.28")
    assert metrics.result(100, 100, 90, Decimal("83.35")).con_phai_xong == 0


def test_seed_figures_of_hau_giang(ds):
    province = ds.units.resolve("93", Period.parse("2024-M11"))
    s = metrics.summary(ds, province, Period.parse("2024-M11"))
    assert (s["tu_ngay"], s["den_ngay"]) == ("2023-10-01", "2024-08-31")
    assert {k: v for k, v in s["viec"].items() if k not in metrics.FLOW} == {
        "phai_thi_hanh": 11410, "co_dieu_kien": 7942, "thi_hanh_xong": 6113, "ty_le": 76.97, "chi_tieu": 83.35,
        "chenh_lech": -6.38, "dat_so_voi_chi_tieu": 92.35, "con_phai_xong": 507, "chua_co_dieu_kien": 3468,
        "ty_le_co_dieu_kien": 69.61}                                     # 7.942 / 11.410
    flow = s["viec"]
    assert flow["nam_truoc_chuyen_sang"] + flow["thu_ly_moi"] - flow["uy_thac"] - flow["thu_hoi_huy"] == 11410
    money = s["tien"]
    assert 3_343_000_000 <= money["phai_thi_hanh"] < 3_344_000_000        # "trên 3.343 tỷ đồng"
    assert 508_000_000 <= money["thi_hanh_xong"] < 509_000_000            # "trên 508 tỷ đồng"
    assert (money["ty_le"], money["chi_tieu"]) == (33.89, 46.75)
    other = s["khac"]
    assert other["tiep_cong_dan"] == 209
    assert other["khieu_nai"]["thu_ly"] + other["to_cao"]["thu_ly"] == 41
    # The article prints 96,96%: 32/33 = 96,9696...% rounds half-up to 96,97; the article truncated.
    assert other["khieu_nai"]["ty_le"] == 96.97 and other["to_cao"]["ty_le"] == 75.0
    assert other["xin_y_kien"] == {"nhan": 7, "tra_loi": 7, "ty_le": 100.0}
    assert other["cong_chuc_tap_huan"] == 126
    assert other["tap_huan_phan_mem"] == {"don_vi": 8, "tong_don_vi": 8}
    assert s["du_lieu_mau"] is True and s["don_vi_thieu_so_lieu"] == []


def test_same_period_last_year_of_a_merged_province_sums_its_predecessors(ds):
    lao_cai = ds.units.resolve("15", Period.parse("2026-M06"))
    s = metrics.summary(ds, lao_cai, Period.parse("2026-M06"))
    old = [metrics.totals(ds, ds.units.province(code, Period.parse("2025-M06").end), Period.parse("2025-M06"))
           for code in ("10", "15")]
    last = s["cung_ky"]
    assert last["ky"] == "2025-M06"
    assert last["viec"]["phai_thi_hanh"] == sum(int(t["viec_phai_thi_hanh"]) for t in old)
    assert last["tien"]["co_dieu_kien"] == sum(int(t["tien_co_dieu_kien"]) for t in old)
    assert last["gop_tu"] == ["Tỉnh Lào Cai (10)", "Tỉnh Yên Bái (15)"]
    assert last["viec"]["chi_tieu"] is None   # no single target for two provinces


def test_year_2026_of_lao_cai_compares_with_2025_carried_over_from_its_predecessors(ds):
    p12 = Period.parse("2026-M12")
    lao_cai = ds.units.resolve("15", p12)
    s = metrics.summary(ds, lao_cai, p12)
    assert s["ten_tinh"] == "Lào Cai" and s["cung_ky"]["ky"] == "2025-M12"
    assert s["cung_ky"]["gop_tu"] == ["Tỉnh Lào Cai (10)", "Tỉnh Yên Bái (15)"]
    # 2025-M12 is reported by the new offices, which carried over the old ones' figures of 2025-M09.
    m09 = Period.parse("2025-M09")
    before = sum(int(metrics.totals(ds, ds.units.province(c, m09.end), m09)["viec_xong"]) for c in ("10", "15"))
    assert s["cung_ky"]["viec"]["thi_hanh_xong"] > before


def test_national_totals_match_the_published_results(ds):
    published = {  # docs/du-lieu.md: cases phải / có điều kiện / xong; money phải / xong in tỷ đồng
        2023: (922_311, 574_819 / 0.8325, 574_819, 388_509, 89_412),
        2024: (1_021_783, 739_974, 620_657, 494_893, 116_531),
        2025: (1_064_419, 685_898, 577_876, 686_000, 150_000),
    }
    for year, expected in published.items():
        period = Period(year, 12)
        t = sum(metrics.totals(ds, p, period) for p in ds.units.provinces_on(period.end))
        got = (t["viec_phai_thi_hanh"], t["viec_co_dieu_kien"], t["viec_xong"] + t["viec_dinh_chi"],
               t["tien_phai_thi_hanh"] / 1e6, (t["tien_xong"] + t["tien_dinh_chi"]) / 1e6)
        for g, e in zip(got, expected):
            assert abs(g - e) / e < 0.01, (year, g, e)


def test_offices_table_ranks_and_flags_offices_below_target(ds):
    period = Period.parse("2024-M11")
    table = metrics.office_table(ds, ds.units.resolve("93", period), period)
    assert len(table) == 9 and list(table["hang"]) == list(range(1, 10))
    rates = [r for r in table["viec_ty_le"]]
    assert rates == sorted(rates, reverse=True)
    assert all(table["viec_dat"] == (table["viec_ty_le"] >= Decimal("83.35")))
    assert table["viec_co_dieu_kien"].sum() == 7942


def test_monthly_path_is_cumulative_and_rises(ds):
    period = Period.parse("2024-M11")
    path = metrics.monthly_path(ds, ds.units.resolve("93", period), period)
    assert list(path["nhan"]) == ["10/2023", "11/2023", "12/2023", "01/2024", "02/2024", "03/2024", "04/2024",
                                  "05/2024", "06/2024", "07/2024", "08/2024"]
    assert path["viec_ty_le"].iloc[-1] == Decimal("76.97")
    assert path["viec_ty_le"].iloc[2] < path["viec_ty_le"].iloc[-1]
    assert path["viec_ty_le_cung_ky"].notna().all()
