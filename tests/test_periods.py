from datetime import date

import pytest

from thads.errors import ThadsError
from thads.periods import Period, parse_periods


def test_eleven_months_of_2024():
    p = Period.parse("2024-M11")
    assert (p.start, p.end) == (date(2023, 10, 1), date(2024, 8, 31))
    assert p.label == "11 tháng năm 2024"
    assert p.same_period_last_year.code == "2023-M11"


def test_whole_year_and_first_month():
    assert Period.parse("2024-M12").label == "năm 2024"
    assert Period.parse("2024-M12").end == date(2024, 9, 30)
    assert Period.parse("2027-M01").end == date(2026, 10, 31)
    assert Period.parse("2024-M05").end == date(2024, 2, 29)  # leap year February


@pytest.mark.parametrize("text", ["2024-11", "2024-M13", "2024-M00", "2024-M1", "24-M11", "2024M11", "", "../x"])
def test_other_forms_are_refused_with_the_expected_form(text):
    with pytest.raises(ThadsError, match="2024-M11"):
        Period.parse(text)


def test_ranges_and_lists():
    got = parse_periods(["2025-M11..2026-M02", "2024-M12,2024-M12"])
    assert [p.code for p in got] == ["2025-M11", "2025-M12", "2026-M01", "2026-M02", "2024-M12"]
    with pytest.raises(ThadsError, match="ngược"):
        parse_periods(["2026-M02..2025-M11"])
