import pytest

from thads.errors import ThadsError
from thads.periods import Period
from thads.units import Units

UNITS = Units.load()
P2024, P2026 = Period.parse("2024-M11"), Period.parse("2026-M12")


def test_counts_before_and_after_the_merger():
    assert len(UNITS.provinces_on(P2024.end)) == 63
    assert len(UNITS.provinces_on(P2026.end)) == 34
    before = [o for o in UNITS.offices if o.valid_on(P2024.end)]
    after = [o for o in UNITS.offices if o.valid_on(P2026.end)]
    assert sum(o.kind == "chi_cuc" for o in before) == 705
    assert sum(o.kind == "phong_khu_vuc" for o in after) == 355
    assert sum(o.kind == "cuc" for o in before) == 63 and sum(o.kind == "thads_tinh" for o in after) == 34


@pytest.mark.parametrize("text", ["93", "Hậu Giang", "hau-giang", "Tỉnh Hậu Giang", "hau giang", "HẬU GIANG"])
def test_hau_giang_by_code_name_or_slug(text):
    assert UNITS.resolve(text, P2024).full_name == "Tỉnh Hậu Giang"


def test_hau_giang_offices_are_its_eight_chi_cuc():
    offices = UNITS.offices_of(UNITS.resolve("93", P2024), P2024.end)
    assert offices[0].name == "Cục Thi hành án dân sự tỉnh Hậu Giang"
    assert [o.short_name for o in offices[1:]] == [
        "TP. Vị Thanh", "TP. Ngã Bảy", "H. Châu Thành A", "H. Châu Thành", "H. Phụng Hiệp", "H. Vị Thủy",
        "H. Long Mỹ", "TX. Long Mỹ"]


def test_codes_are_time_scoped():
    assert UNITS.resolve("15", Period.parse("2024-M12")).name == "Yên Bái"
    lao_cai = UNITS.resolve("15", P2026)
    assert lao_cai.name == "Lào Cai" and lao_cai.predecessors == ("10", "15")
    assert UNITS.resolve("Lào Cai", Period.parse("2024-M12")).code == "10"
    assert [p.code for p in UNITS.lineage(lao_cai, Period.parse("2025-M06").end)] == ["10", "15"]


def test_a_province_that_no_longer_exists_names_its_successor():
    with pytest.raises(ThadsError) as err:
        UNITS.resolve("93", Period.parse("2026-M06"))
    assert "Hậu Giang" in str(err.value) and "Cần Thơ (mã 92)" in str(err.value)


def test_a_province_not_yet_formed_names_its_predecessors():
    with pytest.raises(ThadsError) as err:
        UNITS.resolve("Huế", Period.parse("2024-M12"))
    assert "01/07/2025" in str(err.value) and "Thừa Thiên Huế (mã 46)" in str(err.value)


def test_unknown_province_is_refused():
    with pytest.raises(ThadsError, match="Không tìm thấy"):
        UNITS.resolve("Atlantis", P2024)


def test_every_new_province_lists_predecessors_that_existed():
    merged = [p for p in UNITS.provinces_on(P2026.end) if p.merged]
    assert len(merged) == 23
    can_tho = UNITS.resolve("92", P2026)
    assert [p.name for p in UNITS.predecessors(can_tho)] == ["Cần Thơ", "Sóc Trăng", "Hậu Giang"]
