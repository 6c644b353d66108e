"""The synthetic sample data in data/: made by thads.sample, calibrated, and internally consistent.

Expected figures are copied from docs/du-lieu.md (not imported from thads.sample), so a
wrong constant in the generator shows up here.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd
import pytest
import yaml

from thads.periods import Period
from thads.sample import allocate, generate
from thads.schema import CUMULATIVE, INDICATORS, NOT_ABOVE, STATS_COLUMNS, TARGET_COLUMNS
from thads.units import Units

DATA = Path(__file__).resolve().parents[1] / "data"
YEARS = range(2023, 2028)
TODAY = date(2026, 11, 27)
MAX_BYTES = 5 * 1024 * 1024
TY = 1_000_000  # nghìn đồng per tỷ đồng
FIGURES = [c for c in STATS_COLUMNS if c not in ("nam", "thang", "don_vi", "tinh")]
FLOWS = CUMULATIVE + ["viec_uy_thac", "tien_uy_thac"] + INDICATORS

# docs/du-lieu.md national results: (phải thi hành, có điều kiện, thi hành xong incl. đình chỉ, rate %).
NATIONAL = {
    2023: {"viec": (922_311, 574_819 / 0.8325, 574_819, 83.25),
           "tien": (388_509 * TY, 89_412 * TY / 0.4678, 89_412 * TY, 46.78)},
    2024: {"viec": (1_021_783, 739_974, 620_657, 83.88),
           "tien": (494_893 * TY, 224_775 * TY, 116_531 * TY, 51.84)},
    2025: {"viec": (1_064_419, 685_898, 577_876, 84.25),
           "tien": (686_000 * TY, 267_000 * TY, 150_000 * TY, 56.13)},
}
HAU_GIANG = ["93"] + [str(c) for c in range(930, 938)]


def rate(done, eligible) -> Decimal:
    """Completion rate in percent, rounded half up to 2 decimals, as the reports print it."""
    return (Decimal(int(done)) * 100 / Decimal(int(eligible))).quantize(Decimal("0.01"), ROUND_HALF_UP)


@pytest.fixture(scope="module")
def units() -> Units:
    return Units.load()


@pytest.fixture(scope="module")
def stats() -> pd.DataFrame:
    frames = []
    for year in YEARS:
        frame = pd.read_csv(DATA / "stats" / f"{year}.csv", dtype={"don_vi": str, "tinh": str})
        frame["file_year"] = year
        frames.append(frame)
    df = pd.concat(frames, ignore_index=True)
    for kind in ("viec", "tien"):
        df[f"{kind}_done"] = df[f"{kind}_xong"] + df[f"{kind}_dinh_chi"]
    # 2025 months 10-12 belong to the new offices, whose codes may repeat old ones ('92').
    df["era"] = ((df.nam == 2025) & (df.thang >= 10)).astype(int)
    return df


@pytest.fixture(scope="module")
def targets() -> pd.DataFrame:
    return pd.read_csv(DATA / "targets.csv", dtype={"tinh": str, "chi_tieu_viec": str, "chi_tieu_tien": str})


def test_allocate_is_exact_and_respects_caps():
    assert allocate(10, [1, 1, 1]) == [4, 3, 3]
    assert allocate(100, [5, 1, 1], caps=[50, 100, 100]) == [50, 25, 25]
    assert sum(allocate(987_654, [3, 7, 11, 0, 13])) == 987_654
    with pytest.raises(ValueError):
        allocate(10, [1, 1], caps=[2, 3])


def test_committed_data_is_the_generators_output(tmp_path):
    generate(tmp_path)
    made = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert [str(p) for p in made] == ["dataset.yml", *(f"stats/{y}.csv" for y in YEARS), "targets.csv"]
    for rel in made:
        assert (DATA / rel).read_bytes() == (tmp_path / rel).read_bytes(), f"data/{rel} differs: rerun thads.sample"
    committed_stats = sorted(p.name for p in (DATA / "stats").iterdir())
    assert committed_stats == [f"{y}.csv" for y in YEARS]


def test_file_format_and_size():
    for path in [*(DATA / "stats").glob("*.csv"), DATA / "targets.csv", DATA / "dataset.yml"]:
        raw = path.read_bytes()
        assert len(raw) < MAX_BYTES, f"{path.name}: {len(raw)} bytes"
        assert not raw.startswith(b"\xef\xbb\xbf") and b"\r" not in raw, path.name
        raw.decode("utf-8")
    for year in YEARS:
        lines = (DATA / "stats" / f"{year}.csv").read_text(encoding="utf-8").splitlines()
        assert lines[0].split(",") == STATS_COLUMNS
        assert all(line.startswith(f"{year},") for line in lines[1:])
        assert all(len(line.split(",")) == len(STATS_COLUMNS) for line in lines[1:])
    assert (DATA / "targets.csv").read_text(encoding="utf-8").splitlines()[0].split(",") == [*TARGET_COLUMNS,
                                                                                              "theo_ngay"]


def test_figures_are_plain_non_negative_integers(stats):
    for column in FIGURES:
        assert pd.api.types.is_integer_dtype(stats[column]), column
        assert (stats[column] >= 0).all(), column


def test_periods_and_offices(stats, units):
    periods = sorted(set(zip(stats.nam, stats.thang)))
    expected = [(y, m) for y in range(2023, 2027) for m in range(1, 13)] + [(2027, 1)]
    assert periods == expected
    assert all(Period(y, m).end <= TODAY for y, m in periods)
    for (year, month), rows in stats.groupby(["nam", "thang"]):
        day = Period(year, month).end
        valid = {o.code: o for o in units.offices if o.valid_on(day)}
        assert sorted(rows.don_vi) == sorted(valid), (year, month)
        assert all(valid[c].province == t for c, t in zip(rows.don_vi, rows.tinh)), (year, month)
        kinds = {valid[c].kind for c in rows.don_vi}
        old = year < 2025 or (year == 2025 and month <= 9)
        assert kinds == ({"cuc", "chi_cuc"} if old else {"thads_tinh", "phong_khu_vuc"}), (year, month)
    assert len(stats[(stats.nam == 2025) & (stats.thang <= 9)]) == 768 * 9
    assert not stats[(stats.nam == 2025) & (stats.thang <= 9)].don_vi.str.contains("-KV").any()
    assert len(stats[(stats.nam == 2025) & (stats.thang >= 10)]) == 389 * 3
    assert not stats[(stats.nam == 2025) & (stats.thang >= 10)].don_vi.str.fullmatch(r"\d{3}").any()


def test_row_identities(stats):
    for parts, total in NOT_ABOVE:
        bad = stats[stats[list(parts)].sum(axis=1) > stats[total]]
        assert bad.empty, f"{parts} > {total}: {bad[['nam', 'thang', 'don_vi']].head().values.tolist()}"
    for kind in ("viec", "tien"):
        c = {name: stats[f"{kind}_{name}"] for name in ("phai_thi_hanh", "co_dieu_kien", "chua_co_dieu_kien",
             "nam_truoc_chuyen_sang", "thu_ly_moi", "uy_thac", "thu_hoi_huy", "chuyen_ky_sau", "hoan", "tam_dinh_chi",
             "so_theo_doi_rieng")}
        assert (c["phai_thi_hanh"] == c["co_dieu_kien"] + c["chua_co_dieu_kien"]).all(), kind
        assert (c["phai_thi_hanh"] == c["nam_truoc_chuyen_sang"] + c["thu_ly_moi"] - c["uy_thac"]
                - c["thu_hoi_huy"]).all(), kind
        assert (c["thu_hoi_huy"] > 0).any() and (c["thu_hoi_huy"] * 100 <= c["thu_ly_moi"]).all(), kind
        assert (c["so_theo_doi_rieng"] <= c["chua_co_dieu_kien"]).all() and (c["so_theo_doi_rieng"] > 0).any(), kind
        assert (c["chuyen_ky_sau"] == c["phai_thi_hanh"] - stats[f"{kind}_done"]).all(), kind
        assert (c["hoan"] <= c["chuyen_ky_sau"]).all() and (c["tam_dinh_chi"] <= c["chuyen_ky_sau"]).all(), kind
    assert stats.tap_huan_phan_mem.isin([0, 1]).all()


def test_flows_never_fall_within_a_year(stats):
    ordered = stats.sort_values(["nam", "era", "don_vi", "thang"])
    groups = ordered.groupby(["nam", "era", "don_vi"])
    gaps = groups.thang.diff().dropna()
    assert (gaps == 1).all(), "a month is missing or repeated"
    for column in FLOWS:
        falls = groups[column].diff() < 0
        assert not falls.any(), f"{column} falls: {ordered[falls][['nam', 'thang', 'don_vi']].head().values.tolist()}"
    for kind in ("viec", "tien"):
        assert (groups[f"{kind}_nam_truoc_chuyen_sang"].nunique() == 1).all(), kind


def test_carried_over_equals_last_years_chuyen_ky_sau(stats):
    for year in range(2024, 2028):
        first = stats[(stats.nam == year) & (stats.thang == 1)].set_index("don_vi")
        last = stats[(stats.nam == year - 1) & (stats.thang == 12)].set_index("don_vi")
        assert sorted(first.index) == sorted(last.index), year
        for kind in ("viec", "tien"):
            assert first[f"{kind}_nam_truoc_chuyen_sang"].equals(last[f"{kind}_chuyen_ky_sau"].loc[first.index]), year


def test_new_offices_take_over_their_predecessors_figures(stats, units):
    old = stats[(stats.nam == 2025) & (stats.thang == 9)].set_index("don_vi")
    new = stats[(stats.nam == 2025) & (stats.thang == 10)].set_index("don_vi")
    new_codes = {o.code for o in units.offices if o.kind in ("thads_tinh", "phong_khu_vuc")}
    heirs = {o.code: o.successor for o in units.offices if o.kind in ("cuc", "chi_cuc")}
    taken = old.assign(heir=[heirs[c] for c in old.index]).groupby("heir")
    assert set(taken.groups) == new_codes
    for kind in ("viec", "tien"):
        carried = f"{kind}_nam_truoc_chuyen_sang"
        assert (new[carried] == taken[carried].sum().loc[new.index]).all(), kind
    for column in FLOWS:
        if column != "tap_huan_phan_mem":
            assert (new[column] >= taken[column].sum().loc[new.index]).all(), column
    assert (new.tap_huan_phan_mem >= taken.tap_huan_phan_mem.max().loc[new.index]).all()
    # a new province's year = its predecessors' whole year: Cần Thơ (92) 2025-M10 > old Cần Thơ alone
    assert new[new.tinh == "92"].viec_phai_thi_hanh.sum() > 2 * old[old.tinh == "92"].viec_phai_thi_hanh.sum()


@pytest.mark.parametrize("year", sorted(NATIONAL))
def test_national_calibration(stats, units, year):
    day = Period(year, 12).end
    valid = {o.code for o in units.offices if o.valid_on(day)}
    rows = stats[(stats.nam == year) & (stats.thang == 12)]
    assert set(rows.don_vi) == valid
    for kind, (due, eligible, done, expected_rate) in NATIONAL[year].items():
        got = rows[[f"{kind}_phai_thi_hanh", f"{kind}_co_dieu_kien", f"{kind}_done"]].sum()
        for value, target in zip(got, (due, eligible, done)):
            assert abs(value - target) <= 0.01 * target, (year, kind, int(value), target)
        got_rate = rate(got.iloc[2], got.iloc[1])
        assert abs(got_rate - Decimal(str(expected_rate))) <= Decimal("0.3"), (year, kind, got_rate)
        if year == 2025 and kind == "tien":  # published as "trên ..."
            assert got.iloc[0] > due and got.iloc[1] > eligible and got.iloc[2] > done


def test_2026_is_about_2025_times_1_03(stats):
    m12 = stats[stats.thang == 12].groupby("nam")[["viec_phai_thi_hanh", "tien_phai_thi_hanh", "tien_done"]].sum()
    ratio = m12.loc[2026] / m12.loc[2025]
    assert ((ratio > 1.02) & (ratio < 1.04)).all(), ratio.to_dict()


def test_seed_hau_giang_2024_m11(stats, targets):
    rows = stats[(stats.nam == 2024) & (stats.thang == 11) & (stats.tinh == "93")].set_index("don_vi")
    assert sorted(rows.index) == sorted(HAU_GIANG)
    total = rows.sum(numeric_only=True)
    assert (total.viec_phai_thi_hanh, total.viec_co_dieu_kien, total.viec_done) == (11_410, 7_942, 6_113)
    assert rate(total.viec_done, total.viec_co_dieu_kien) == Decimal("76.97")
    assert 3_343_000_000 <= total.tien_phai_thi_hanh <= 3_343_999_999
    assert 508_000_000 <= total.tien_done <= 508_999_999
    assert rate(total.tien_done, total.tien_co_dieu_kien) == Decimal("33.89")
    expected = {"tiep_cong_dan": 209, "khieu_nai_thu_ly": 33, "khieu_nai_giai_quyet": 32, "to_cao_thu_ly": 8,
                "to_cao_giai_quyet": 6, "xin_y_kien_nhan": 7, "xin_y_kien_tra_loi": 7, "cong_chuc_tap_huan": 126}
    assert {k: int(total[k]) for k in expected} == expected
    assert rows.loc["93", "xin_y_kien_nhan"] == 7 and rows.loc["93", "xin_y_kien_tra_loi"] == 7
    chi_cuc = rows.drop(index="93")
    assert (chi_cuc.tap_huan_phan_mem == 1).all()
    # the split is uneven: some Chi cục below the 83,35% target, sizes differ
    below = chi_cuc[chi_cuc.viec_done * 10_000 < chi_cuc.viec_co_dieu_kien * 8335]
    assert len(below) >= 2
    assert chi_cuc.viec_phai_thi_hanh.max() >= 1.5 * chi_cuc.viec_phai_thi_hanh.min()
    assert chi_cuc.viec_done.nunique() == len(chi_cuc)
    row = targets[(targets.nam == 2024) & (targets.tinh == "93")]
    assert row[["chi_tieu_viec", "chi_tieu_tien"]].values.tolist() == [["83.35", "46.75"]]


def test_seed_path_around_the_anchor(stats):
    hg = stats[(stats.nam == 2024) & (stats.tinh == "93")].groupby("thang")[FLOWS].sum()
    assert list(hg.index) == list(range(1, 13))
    assert (hg.diff().dropna() >= 0).all().all()
    assert (hg.loc[12] >= hg.loc[11]).all() and hg.loc[12, "viec_thu_ly_moi"] > hg.loc[11, "viec_thu_ly_moi"]


def test_rates_rise_toward_year_end(stats, units):
    successor = {p.code: p.successor for p in units.provinces if p.successor}
    # in 2025 compare each new province with its predecessors' months 1-9
    final = stats.tinh.where((stats.nam != 2025) | (stats.era == 1), stats.tinh.map(successor))
    for year in range(2023, 2027):
        by_province = stats[stats.nam == year].groupby([final, "thang"])[
            ["viec_done", "viec_co_dieu_kien", "tien_done", "tien_co_dieu_kien"]].sum()
        for kind in ("viec", "tien"):
            r = (by_province[f"{kind}_done"] / by_province[f"{kind}_co_dieu_kien"] * 100).unstack("thang")
            assert (r[3] < r[12] - 5).all(), (year, kind)
        national = stats[stats.nam == year].groupby("thang")[
            ["viec_done", "viec_co_dieu_kien", "tien_done", "tien_co_dieu_kien"]].sum()
        cases = national.viec_done / national.viec_co_dieu_kien * 100
        money = national.tien_done / national.tien_co_dieu_kien * 100
        assert 40 <= cases[1] <= 55 and 80 <= cases[12] <= 88, (year, cases[1], cases[12])
        assert 20 <= money[1] <= 30 and 45 <= money[12] <= 58, (year, money[1], money[12])


def test_dinh_chi_is_a_modest_share(stats):
    m12 = stats[stats.thang == 12]
    for kind in ("viec", "tien"):
        share = m12.groupby("nam")[f"{kind}_dinh_chi"].sum() / m12.groupby("nam")[f"{kind}_done"].sum()
        assert ((share >= 0.03) & (share <= 0.10)).all(), share.to_dict()
        assert (m12[f"{kind}_dinh_chi"] <= m12[f"{kind}_done"] * 0.10 + 1).all()


def test_offices_and_provinces_differ(stats, units, targets):
    m12 = stats[(stats.nam == 2024) & (stats.thang == 12)].copy()
    goal = targets[targets.nam == 2024].set_index("tinh").chi_tieu_viec.astype(float)
    m12["rate"] = m12.viec_done / m12.viec_co_dieu_kien * 100
    below = (m12.rate < m12.tinh.map(goal)).mean()
    assert 0.2 <= below <= 0.8, below
    provinces = m12.groupby("tinh")[["viec_phai_thi_hanh", "tien_phai_thi_hanh"]].sum()
    median = provinces.viec_phai_thi_hanh.median()
    assert provinces.loc["01", "viec_phai_thi_hanh"] > 3 * median and provinces.loc["79", "viec_phai_thi_hanh"] > 3 * median
    assert provinces.viec_phai_thi_hanh.max() > 2 * provinces.viec_phai_thi_hanh.nsmallest(10).max()
    # the provincial office holds a bigger share of money than of cases
    kind = {o.code: o.kind for o in units.offices if o.kind in ("cuc", "chi_cuc")}
    cuc = m12[m12.don_vi.map(kind) == "cuc"].set_index("tinh")
    share_cases = cuc.viec_phai_thi_hanh / provinces.viec_phai_thi_hanh
    share_money = cuc.tien_phai_thi_hanh / provinces.tien_phai_thi_hanh
    assert (share_money > share_cases).mean() > 0.9
    # city Chi cục are bigger than rural huyện on average
    short = {o.code: o.short_name for o in units.offices if o.kind == "chi_cuc"}
    chi = m12[m12.don_vi.map(kind) == "chi_cuc"]
    urban = chi.don_vi.map(short).str.match(r"(Q|TP|TX)\.")
    assert chi[urban].viec_phai_thi_hanh.mean() > 1.2 * chi[~urban].viec_phai_thi_hanh.mean()


def test_indicators_are_small_and_placed(stats, units):
    provincial = {o.code for o in units.offices if o.is_provincial}
    m12 = stats[stats.thang == 12]
    assert (m12[~m12.don_vi.isin(provincial)].xin_y_kien_nhan == 0).all()
    assert m12[m12.don_vi.isin(provincial)].xin_y_kien_nhan.sum() > 0
    per_office = m12[["tiep_cong_dan", "khieu_nai_thu_ly", "to_cao_thu_ly", "cong_chuc_tap_huan",
                      "hanh_chinh_theo_doi"]].max()
    assert (per_office < 200).all(), per_office.to_dict()
    assert 0 < m12.tap_huan_phan_mem.mean() < 1
    assert (m12.tin_dung_viec < m12.viec_phai_thi_hanh).all() and (m12.tin_dung_tien < m12.tien_phai_thi_hanh).all()


def test_targets(targets, units):
    raw = (DATA / "targets.csv").read_text(encoding="utf-8").splitlines()[1:]
    assert all(re.fullmatch(r"\d{4},\d{2},\d{2}\.\d{2},\d{2}\.\d{2},(2025-07-01)?", line) for line in raw)
    assert not targets.duplicated(["nam", "tinh", "theo_ngay"]).any()
    # The 34 provinces formed on 01/07/2025 have their own 2025 targets, naming that organisation.
    organised = targets[targets.theo_ngay.notna()]
    assert set(organised.nam) == {2025} and set(organised.tinh) == {p.code for p in units.provinces_on(date(2025, 7, 1))}
    assert len(organised) == 34
    targets = targets[targets.theo_ngay.isna()]
    national = {2023: ("82.50", "45.50"), 2024: ("83.25", "46.45"), 2025: ("83.90", "51.90"),
                2026: ("84.00", "52.00"), 2027: ("84.00", "52.00")}
    for year in YEARS:
        first, last = Period(year, 1).start, Period(year, 12).end
        codes = {p.code for p in units.provinces
                 if (p.valid_from or date.min) <= last and first <= (p.valid_to or date.max)}
        rows = targets[targets.nam == year].set_index("tinh")
        expected_codes = {"00"} | codes - ({"12"} if year == 2026 else set())
        assert set(rows.index) == expected_codes, year
        assert tuple(rows.loc["00", ["chi_tieu_viec", "chi_tieu_tien"]]) == national[year]
        for column, base in zip(("chi_tieu_viec", "chi_tieu_tien"), national[year]):
            spread = (rows[column].astype(float) - float(base)).abs()
            assert (spread <= 1.5 + 1e-9).all() and spread.max() > 0.5, (year, column)
    assert len(targets[targets.nam == 2025]) == 64 and len(targets[targets.nam == 2026]) == 34


def test_dataset_description():
    meta = yaml.safe_load((DATA / "dataset.yml").read_text(encoding="utf-8"))
    assert meta["sample"] is True
    assert "dữ liệu mẫu" in meta["description"].lower() and "tổng hợp" in meta["description"]
    assert "Hậu Giang" in meta["description"]
    assert any("Lai Châu" in note for note in meta["notes"])
    assert meta["missing_targets"] == [{"nam": 2026, "tinh": "12"}]
