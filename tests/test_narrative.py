import re

import pytest
from dataclasses import replace
from datetime import date
from decimal import Decimal

from thads import formatting as fmt
from thads import narrative
import pandas as pd

from thads.metrics import (RANKED, Answered, CasesMoney, Followed, Handled, Indicators, KeyFigures, LastYear, Rank, Training,
                           result)
from thads.periods import Period
from thads.units import Units

UNITS = Units.load()
P11 = Period.parse("2024-M11")
HAU_GIANG = UNITS.resolve("93", P11)


def figures(viec=(11410, 7942, 6113, "83.35"), tien=(3_343_486_215, 1_500_198_775, 508_417_365, "46.75"),
            last=None, merged=()) -> KeyFigures:
    now = {kind: result(*v[:3], Decimal(v[3]) if v[3] else None) for kind, v in (("viec", viec), ("tien", tien))}
    before = None if last is None else LastYear("2023-M11", "11 tháng năm 2023", result(*last[0], None),
                                                 result(*last[1], None), list(merged))
    return KeyFigures("93", "Hậu Giang", "Tỉnh Hậu Giang", "2024-M11", "11 tháng năm 2024", P11.start, P11.end,
                      now["viec"], now["tien"], khac=None, don_vi=9, don_vi_thieu_so_lieu=[], du_lieu_mau=True,
                      cung_ky=before)


def test_numbers_the_vietnamese_way():
    assert fmt.number(11410) == "11.410"
    assert fmt.percent(Decimal("76.97")) == "76,97%"
    assert fmt.percent(Decimal("75.00")) == "75%" and fmt.percent(Decimal("43.40")) == "43,40%"
    assert fmt.money(3_343_486_215) == "trên 3.343 tỷ đồng"
    assert fmt.money(508_000_000) == "508 tỷ đồng"
    assert fmt.money(2_500) == "trên 2 triệu đồng"
    assert fmt.day(date(2024, 8, 31)) == "31/08/2024"
    assert fmt.long_day(date(2024, 9, 26)) == "ngày 26 tháng 9 năm 2024"
    assert fmt.long_day(date(2025, 2, 5)) == "ngày 05 tháng 02 năm 2025"


def test_the_opening_paragraph_reads_like_the_seed_article():
    text = narrative.results(figures(), HAU_GIANG, P11)
    assert ("toàn tỉnh phải thi hành 11.410 việc. Trong đó, có 7.942 việc có điều kiện thi hành, số thi hành xong "
            "là 6.113 việc, đạt 76,97% (chỉ tiêu giao là 83,35%)") in text
    assert ("Tổng số tiền phải thi hành là trên 3.343 tỷ đồng, số thi hành xong là trên 508 tỷ đồng, đạt 33,89% "
            "(chỉ tiêu giao là 46,75%)") in text
    assert text.startswith("Tính từ ngày 01/10/2023 đến ngày 31/08/2024")


def test_with_the_flow_columns_and_ranks_it_reads_like_a_merged_provinces_report():
    # The figures of new Đồng Tháp, 9 months of 2025 (a real conference report): 53.640 thụ lý, − 368 ủy thác
    # − 6 thu hồi, hủy = 53.266 phải thi hành; 34.110 có điều kiện (64,04%); 17.034 chưa có điều kiện.
    flow = dict(nam_truoc_chuyen_sang=23_775, thu_ly_moi=29_865, uy_thac=368, thu_hoi_huy=6, so_theo_doi_rieng=4_321)
    viec = result(53_266, 34_110, 21_468, Decimal("84.00"), 17_034, **flow)
    tien = result(9_000_000_000, 4_000_000_000, 1_500_000_000, None)
    last = result(50_000, 30_000, 20_000, None, thu_ly_moi=28_000)
    ranks = {"viec_thu_ly": Rank(5, 34), "viec_phai_thi_hanh": Rank(5, 34), "viec_co_dieu_kien": Rank(6, 34),
             "viec_ty_le_co_dieu_kien": Rank(34, 34), "viec_thi_hanh_xong": Rank(5, 34), "viec_ty_le": Rank(20, 34)}
    kf = replace(figures(), viec=viec, tien=tien, xep_thu=ranks,
                 cung_ky=LastYear("2024-M09", "9 tháng năm 2024", last, result(1, 1, 1, None), []))
    every = [f"{kind}_{figure}" for kind, figure in RANKED]
    text = narrative.results(kf, HAU_GIANG, P11, ranks_in_text=every)
    assert ("toàn tỉnh thụ lý tổng số 53.640 việc (xếp thứ 5/34), gồm năm trước chuyển sang 23.775 việc và thụ lý "
            "mới 29.865 việc; số thụ lý mới tăng 1.865 việc (6,66%) so với cùng kỳ; sau khi trừ ủy thác 368 việc, "
            "thu hồi, hủy quyết định thi hành án 6 việc, tổng số phải thi hành là 53.266 việc (xếp thứ 5/34). Trong "
            "đó, có 34.110 việc có điều kiện thi hành (xếp thứ 6/34), chiếm 64,04% tổng số phải thi hành (xếp thứ "
            "34/34); 17.034 việc chưa có điều kiện thi hành; số thi hành xong là 21.468 việc (xếp thứ 5/34), đạt "
            "62,94% (xếp thứ 20/34; chỉ tiêu giao là 84%), thấp hơn chỉ tiêu 21,06% (đạt 74,93% so với chỉ tiêu).") in text
    assert ("Ngoài ra, 4.321 việc chưa có điều kiện thi hành đã chuyển sổ theo dõi riêng (không tính trong tổng số "
            "phải thi hành).") in text
    # By default the text ranks only the two completion rates, as published reports do.
    default = narrative.results(kf, HAU_GIANG, P11)
    assert default.count("xếp thứ") == 1 and "đạt 62,94% (xếp thứ 20/34; chỉ tiêu giao là 84%)" in default
    # Money has no flow columns and no ranks here: its own paragraph starts from phải thi hành, with no rank.
    assert "\n\nTổng số tiền" in text
    assert ("Tổng số tiền phải thi hành là 9.000 tỷ đồng, số thi hành xong là 1.500 tỷ đồng, đạt 37,50% (chưa có "
            "chỉ tiêu được giao); số tiền có điều kiện thi hành là 4.000 tỷ đồng, chiếm 44,44%") in text


def test_a_deduction_the_data_lack_leaves_the_figures_listed_not_linked():
    # Without thu hồi, hủy, "sau khi trừ ủy thác 368 việc, tổng số phải thi hành là …" would claim 53.640 − 368.
    viec = result(53_266, 34_110, 21_468, None, 17_034, nam_truoc_chuyen_sang=23_775, thu_ly_moi=29_865, uy_thac=368)
    text = narrative.results(replace(figures(), viec=viec), HAU_GIANG, P11)
    assert "thụ lý mới 29.865 việc; ủy thác 368 việc; tổng số phải thi hành là 53.266 việc" in text
    assert "sau khi trừ" not in text


def test_without_the_flow_columns_nothing_is_said_of_them():
    text = narrative.results(figures(), HAU_GIANG, P11)
    for absent in ("thụ lý", "ủy thác", "thu hồi", "sổ theo dõi riêng", "xếp thứ", "chưa có điều kiện"):
        assert absent not in text


def test_a_missed_target_says_by_how_much_and_what_remains_is_stated_once():
    text = narrative.results(figures(), HAU_GIANG, P11)
    cases, money = text.split("\n\n")
    assert "đạt 76,97% (chỉ tiêu giao là 83,35%), thấp hơn chỉ tiêu 6,38% (đạt 92,35% so với chỉ tiêu)." in cases
    assert "Tỷ lệ thi hành xong về tiền thấp hơn chỉ tiêu 12,86% (đạt 72,49% so với chỉ tiêu)." in money
    # What remains is stated once, under its own heading, not again beside the rate (the seed said 507 twice).
    assert "507" not in text
    needed = narrative.still_needed(figures(), HAU_GIANG, P11)
    assert needed.startswith("### Chỉ tiêu còn phải thực hiện")
    assert ("Từ nay đến ngày 30/09/2024, toàn tỉnh cần thi hành xong thêm ít nhất 507 việc để đạt chỉ tiêu 83,35% về "
            "việc và trên 192 tỷ đồng để đạt chỉ tiêu 46,75% về tiền") in needed
    assert needed.count("507") == 1


def test_a_met_target_says_vuot():
    kf = figures(viec=(1000, 800, 700, "83.45"))   # 87,50%
    assert ", vượt chỉ tiêu 4,05% (đạt 104,85% so với chỉ tiêu)." in narrative.results(kf, HAU_GIANG, P11)


def test_every_target_met_says_which_and_no_stock_phrase():
    kf = figures(viec=(1000, 800, 700, "83.45"), tien=(1000, 800, 700, "46.75"))
    text = narrative.still_needed(kf, HAU_GIANG, P11)
    assert "Toàn tỉnh đã đạt chỉ tiêu về việc và về tiền; từ nay đến ngày 30/09/2024 cần giữ vững kết quả" in text
    assert "có thể so sánh" not in text
    year_end = narrative.still_needed(kf, HAU_GIANG, Period.parse("2024-M12"))
    assert "Kết thúc năm 2024, toàn tỉnh đã hoàn thành chỉ tiêu về việc và về tiền." in year_end
    # One met, one missed: the missed one is quantified and the met one named.
    mixed = narrative.still_needed(figures(tien=(1000, 800, 700, "46.75")), HAU_GIANG, P11)
    assert "cần thi hành xong thêm ít nhất 507 việc để đạt chỉ tiêu 83,35% về việc" in mixed
    assert "chỉ tiêu về tiền đã đạt, cần giữ vững" in mixed


def test_a_missing_target_is_said_and_not_compared():
    kf = figures(viec=(1000, 800, 700, None))
    text = narrative.results(kf, HAU_GIANG, P11).split("\n\n")[0]
    assert "đạt 87,50% (chưa có chỉ tiêu được giao). Chưa có chỉ tiêu năm 2024 về việc giao cho tỉnh Hậu Giang" in text


def test_nothing_with_conditions_gives_no_rate():
    kf = figures(viec=(50, 0, 0, "83.35"), tien=(900, 0, 0, "46.75"))
    text = narrative.results(kf, HAU_GIANG, P11)
    assert "chưa tính được tỷ lệ do không có số có điều kiện thi hành." in text
    assert "Không có việc có điều kiện thi hành nên chưa so sánh được với chỉ tiêu 83,35% về việc." in text
    assert "không xác định được" in narrative.still_needed(kf, HAU_GIANG, P11)


def test_year_end_says_what_was_missing():
    text = narrative.still_needed(figures(), HAU_GIANG, Period.parse("2024-M12"))
    assert "Kết thúc năm 2024, toàn tỉnh còn thiếu 507 việc để đạt chỉ tiêu 83,35% về việc" in text


def test_last_year_increase_and_decrease():
    kf = figures(last=((10293, 7676, 6320), (2_704_452_830, 1_198_986_352, 520_374_378)))
    text = narrative.against_last_year(kf, HAU_GIANG, P11)
    assert "So với cùng kỳ 11 tháng năm 2023, " in text
    assert "số việc có điều kiện thi hành tăng 266 việc (3,47%)" in text
    assert "số việc thi hành xong giảm 207 việc (3,28%)" in text
    assert "tỷ lệ giảm 5,36% (từ 82,33% xuống 76,97%)" in text
    assert narrative.merged_footnote(kf, HAU_GIANG, P11) is None


def test_no_last_year_and_merged_last_year():
    assert narrative.against_last_year(figures(), HAU_GIANG, P11) == "Không có số liệu cùng kỳ năm trước để so sánh."
    can_tho = UNITS.resolve("92", Period.parse("2026-M12"))
    kf = figures(last=((1, 1, 1), (1, 1, 1)), merged=["Thành phố Cần Thơ (92)", "Tỉnh Sóc Trăng (94)",
                                                     "Tỉnh Hậu Giang (93)"])
    assert "(*)" in narrative.against_last_year(kf, can_tho, P11)
    note = narrative.merged_footnote(kf, can_tho, P11)
    assert note.startswith("(*) Thành phố Cần Thơ được thành lập ngày 01/07/2025")
    assert "hợp nhất thành phố Cần Thơ (92), tỉnh Sóc Trăng (94) và tỉnh Hậu Giang (93);" in note


def absent() -> Indicators:
    """The other indicators of a data folder holding the required columns only."""
    none = Handled(None, None, None)
    return Indicators(None, none, none, Answered(None, None, None), None, Training(None, 8),
                      Followed(None, None, None), CasesMoney(None, None), CasesMoney(None, None), CasesMoney(5297, 2_835_460_070))


def test_indicators_the_data_lack_are_never_stated_as_zero():
    kf = figures()
    kf = KeyFigures(**{**kf.__dict__, "khac": absent()})
    text = narrative.other_work(kf, HAU_GIANG, P11)
    for zero in ("0 lượt", "không có đơn", "0 văn bản", "0 công chức", "0/8", "0 bản án"):
        assert zero not in text, zero
    assert ("Chưa có số liệu về: tiếp công dân; khiếu nại và tố cáo; văn bản xin ý kiến nghiệp vụ; tập huấn, bồi "
            "dưỡng; theo dõi thi hành án hành chính; án tín dụng, ngân hàng; án tham nhũng, kinh tế.") in text
    assert "số chuyển kỳ sau 5.297 việc, trên 2.835 tỷ đồng" in text


def test_offices_wording_when_none_or_all_meet_the_target():
    table = pd.DataFrame({"ten": ["Chi cục Thi hành án dân sự huyện A", "Chi cục Thi hành án dân sự huyện B",
                                  "Cục Thi hành án dân sự tỉnh C"],
                          "viec_ty_le": [Decimal("90.00"), Decimal("95.10"), Decimal("88.00")],
                          "viec_dat": [True, True, True],
                          "tien_ty_le": [Decimal("20.00"), Decimal("40.16"), Decimal("28.45")],
                          "tien_dat": [False, False, False]})
    text = narrative.offices(table, figures(), HAU_GIANG, P11)
    assert "Về việc, cả 3 đơn vị đều đạt chỉ tiêu." in text
    assert ("Về tiền, chưa có đơn vị nào đạt chỉ tiêu; tỷ lệ cao nhất là Chi cục THADS huyện B (40,16%), thấp nhất "
            "là Chi cục THADS huyện A (20%).") in text
    assert "0/3" not in text


def test_offices_below_the_money_target_in_the_order_of_the_money_rate():
    table = pd.DataFrame({"ten": ["Đơn vị A", "Đơn vị B", "Đơn vị C"],
                          "viec_ty_le": [Decimal("90"), Decimal("80"), Decimal("70")], "viec_dat": [True, False, False],
                          "tien_ty_le": [Decimal("10"), Decimal("60"), Decimal("30")], "tien_dat": [False, True, False]})
    text = narrative.offices(table, figures(), HAU_GIANG, P11)
    assert "Về tiền, 1/3 đơn vị đạt chỉ tiêu; các đơn vị chưa đạt: Đơn vị C (30%); Đơn vị A (10%)." in text


def test_rates_in_tables_keep_two_decimals():
    assert fmt.percent(Decimal("33"), table=True) == "33,00%" and fmt.percent(Decimal("33")) == "33%"
    assert fmt.percent(Decimal("35.47"), table=True) == "35,47%"


def test_no_list_item_of_zero_and_no_figure_twice():
    # Sóc Trăng 2024-M11: nothing was withdrawn or cancelled; the old text listed "thu hồi, hủy … 0 việc".
    viec = result(8_747, 6_532, 5_813, Decimal("83.99"), 2_215, nam_truoc_chuyen_sang=3_185, thu_ly_moi=5_673,
                  uy_thac=111, thu_hoi_huy=0)
    text = narrative.results(replace(figures(), viec=viec), HAU_GIANG, P11)
    assert "0 việc" not in text and "thu hồi" not in text
    assert "sau khi trừ ủy thác 111 việc, tổng số phải thi hành là 8.747 việc" in text
    for paragraph in text.split("\n\n"):
        numbers = re.findall(r"\d[\d.]*(?:,\d+)?%?", paragraph)
        figures_stated = [n for n in numbers if len(n.strip(".")) > 2]
        assert len(figures_stated) == len(set(figures_stated)), paragraph


def test_fields_are_escaped_for_markdown():
    from thads.wording import Wording

    text = Wording().text_from_string("{{ name }} và **đậm**", name="*Tỉnh* [x](file:///etc/passwd) <b>")
    assert text == "\\*Tỉnh\\* \\[x\\](file:///etc/passwd) \\<b\\> và **đậm**"


def test_a_misspelt_field_is_named_in_vietnamese_with_its_line():
    from thads.wording import TemplateFailure, Wording

    for source, name in (("Dòng một\n{{ viec.tyle }}", "tyle"), ("{{ khong_co }}", "khong_co")):
        with pytest.raises(TemplateFailure) as failed:
            Wording().text_from_string(source, viec=figures().viec)
        assert f"tên không có trong mẫu lời văn: '{name}'" in str(failed.value)
    assert ", dòng 2:" in str(pytest.raises(TemplateFailure, Wording().text_from_string, "Dòng một\n{{ viec.tyle }}",
                                            viec=figures().viec).value)
