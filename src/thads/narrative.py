"""Vietnamese sentences about the figures, in the voice of a provincial conference report.

Every function takes the key figures of `metrics.key_figures` (rates as Decimals) and returns plain
text; wording changes with the case: target met, missed or missing, no rate, last year missing or
merged from several provinces.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from thads import formatting as fmt
from thads.metrics import KeyFigures, NationalFigures, Result, rate
from thads.periods import Period
from thads.units import Province, organised_label

KINDS = {"viec": "việc", "tien": "tiền"}


def _amount(kind: str, value: int) -> str:
    return f"{fmt.number(value)} việc" if kind == "viec" else fmt.money(value)


def _whole(province: Province) -> str:
    return f"toàn {province.kind}"


def _target_note(r: Result) -> str:
    return "chưa có chỉ tiêu được giao" if r.chi_tieu is None else f"chỉ tiêu giao là {fmt.percent(r.chi_tieu)}"


def _reached(r: Result) -> str:
    if r.ty_le is None:
        return "chưa tính được tỷ lệ do không có số có điều kiện thi hành"
    return f"đạt {fmt.percent(r.ty_le)} ({_target_note(r)})"


def _rank(kf: KeyFigures, key: str) -> str:
    """' (xếp thứ 5/34)' when the province is ranked on the figure `key`, else ''."""
    r = (kf.xep_thu or {}).get(key)
    return f" (xếp thứ {r.hang}/{r.tren})" if r else ""


def _rate_with_rank(kf: KeyFigures, kind: str) -> str:
    r = kf.result(kind)
    if r.ty_le is None:
        return _reached(r)
    rank = _rank(kf, f"{kind}_ty_le")
    return f"đạt {fmt.percent(r.ty_le)} ({rank[2:-1] + '; ' if rank else ''}{_target_note(r)})"


def _intake(kf: KeyFigures, kind: str, whole: str) -> str:
    """'toàn tỉnh thụ lý tổng số … ; sau khi trừ …, tổng số phải thi hành là …' from the flow columns the data have,
    or '[toàn tỉnh] phải thi hành …' without them."""
    r, last = kf.result(kind), kf.cung_ky
    money = kind == "tien"
    due = f"{_amount(kind, r.phai_thi_hanh)}{_rank(kf, f'{kind}_phai_thi_hanh')}"
    if r.thu_ly is None:
        return f"Tổng số tiền phải thi hành là {due}" if money else f"{whole} phải thi hành {due}"
    text = (f"{'Về tiền, ' + whole if money else whole} thụ lý tổng số {_amount(kind, r.thu_ly)}"
            f"{_rank(kf, f'{kind}_thu_ly')}, gồm năm trước chuyển sang {_amount(kind, r.nam_truoc_chuyen_sang)} và "
            f"thụ lý mới {_amount(kind, r.thu_ly_moi)}")
    before = last.result(kind).thu_ly_moi if last else None
    if before is not None:
        text += f"; số thụ lý mới {_change(r.thu_ly_moi, before, kind)} so với cùng kỳ"
    deductions = [(label, value) for label, value in
                  (("ủy thác", r.uy_thac), ("thu hồi, hủy quyết định thi hành án", r.thu_hoi_huy)) if value is not None]
    taken = ", ".join(f"{label} {_amount(kind, value)}" for label, value in deductions)
    # "Sau khi trừ" only where the flow adds up: with a deduction the data lack, the figures are listed, not linked.
    if deductions and r.thu_ly - sum(value for _, value in deductions) == r.phai_thi_hanh:
        text += f"; sau khi trừ {taken},"
    else:
        text += f"; {taken};" if taken else ";"
    return text + f" tổng số {'tiền ' if money else ''}phải thi hành là {due}"


def _detailed(kf: KeyFigures, kind: str) -> bool:
    """Whether the paragraph gives the finer structure (share of có điều kiện, chưa có điều kiện): with the flow
    columns, or with ranks. Without either it stays in the words of the seed article."""
    return kf.result(kind).thu_ly is not None or bool(kf.xep_thu)


def _without_conditions(kf: KeyFigures, kind: str) -> str:
    r = kf.result(kind)
    if r.chua_co_dieu_kien is None or not _detailed(kf, kind):
        return ""
    return (f"; {fmt.number(r.chua_co_dieu_kien)} việc chưa có điều kiện thi hành" if kind == "viec"
            else f"; số tiền chưa có điều kiện thi hành là {fmt.money(r.chua_co_dieu_kien)}")


def _share(kf: KeyFigures, kind: str) -> str:
    r = kf.result(kind)
    if r.ty_le_co_dieu_kien is None or not _detailed(kf, kind):
        return ""
    return (f", chiếm {fmt.percent(r.ty_le_co_dieu_kien)} tổng số {'tiền ' if kind == 'tien' else ''}phải thi hành"
            f"{_rank(kf, f'{kind}_ty_le_co_dieu_kien')}")


def results(kf: KeyFigures, province: Province, period: Period) -> str:
    """The opening paragraph: cases, then money, from 01/10 to the period's end. With the optional columns of the
    flow, it starts from the cases received (năm trước chuyển sang, thụ lý mới, ủy thác, thu hồi, hủy); where the
    data hold every province, each figure a conference quotes carries its rank "(xếp thứ k/N)"."""
    v, t = kf.viec, kf.tien
    cases = (f"Tính từ ngày {fmt.day(period.start)} đến ngày {fmt.day(period.end)}, "
             f"{_intake(kf, 'viec', _whole(province))}. Trong đó, có {fmt.number(v.co_dieu_kien)} việc có điều kiện "
             f"thi hành{_rank(kf, 'viec_co_dieu_kien')}{_share(kf, 'viec')}{_without_conditions(kf, 'viec')}"
             f"{';' if _without_conditions(kf, 'viec') else ','} số thi hành xong là {fmt.number(v.thi_hanh_xong)} việc"
             f"{_rank(kf, 'viec_thi_hanh_xong')}, {_rate_with_rank(kf, 'viec')}.")
    money = (f"{_intake(kf, 'tien', _whole(province))}, số thi hành xong là {fmt.money(t.thi_hanh_xong)}"
             f"{_rank(kf, 'tien_thi_hanh_xong')}, {_rate_with_rank(kf, 'tien')}; số tiền có điều kiện thi hành là "
             f"{fmt.money(t.co_dieu_kien)}{_rank(kf, 'tien_co_dieu_kien')}{_share(kf, 'tien')}"
             f"{_without_conditions(kf, 'tien')}.")
    registered = [_amount(kind, r.so_theo_doi_rieng) for kind, r in (("viec", v), ("tien", t))
                  if r.so_theo_doi_rieng is not None]
    separate = (f" Ngoài ra, số chưa có điều kiện thi hành đã chuyển sổ theo dõi riêng là {' và '.join(registered)} "
                "(không tính trong tổng số phải thi hành)." if registered else "")
    return f"{cases} {money}{separate}"


def organised_footnote(kf: KeyFigures, province: Province) -> str | None:
    """For a report on the provinces of a later day (--as-of): whose figures the period's are."""
    if not kf.gop_tu:
        return None
    made = (f"{province.full_name} được thành lập ngày {fmt.day(province.valid_from)} trên cơ sở hợp nhất "
            f"{_provinces(kf.gop_tu)}; số liệu {kf.ten_ky} (đến {fmt.day(kf.den_ngay)}) là tổng số liệu của các đơn "
            "vị này" if len(kf.gop_tu) > 1 else
            f"số liệu {kf.ten_ky} (đến {fmt.day(kf.den_ngay)}) là số liệu của {_provinces(kf.gop_tu)} trước khi sắp "
            "xếp")
    return f"Báo cáo lập {organised_label(kf.theo_ngay)}: {made}."


def against_target(kf: KeyFigures, kind: str, province: Province, period: Period) -> str:
    """One sentence comparing the cases (or money) rate with the target, and what is still needed."""
    r, what = kf.result(kind), KINDS[kind]
    if r.chi_tieu is None:
        return (f"Chưa có chỉ tiêu năm {period.year} về {what} giao cho {province.label} nên báo cáo không so sánh "
                "với chỉ tiêu.")
    if r.ty_le is None:
        return (f"Không có {'việc' if kind == 'viec' else 'tiền'} có điều kiện thi hành nên chưa so sánh được với "
                f"chỉ tiêu {fmt.percent(r.chi_tieu)} về {what}.")
    share = f"đạt {fmt.percent(r.dat_so_voi_chi_tieu)} so với chỉ tiêu"
    if r.chenh_lech > 0:
        return f"Tỷ lệ thi hành xong về {what} vượt {fmt.points(r.chenh_lech)} so với chỉ tiêu ({share})."
    if r.chenh_lech == 0:
        return f"Tỷ lệ thi hành xong về {what} bằng chỉ tiêu được giao ({share})."
    missing = _amount(kind, r.con_phai_xong)
    if period.month == 12:
        rest = f"kết thúc năm {period.year}, còn thiếu {missing} so với chỉ tiêu"
    else:
        rest = (f"để đạt chỉ tiêu đến ngày {fmt.day(period.year_end.end)} cần thi hành xong thêm ít nhất "
                f"{missing} (tính trên số có điều kiện hiện nay)")
    return (f"Tỷ lệ thi hành xong về {what} còn thấp hơn chỉ tiêu {fmt.points(r.chenh_lech)} ({share}); "
            f"{rest}.")


def _change(now: int, before: int, kind: str) -> str:
    diff = now - before
    if diff == 0:
        return "không đổi"
    share = f" ({fmt.percent(rate(abs(diff), before))})" if before else ""
    return f"{'tăng' if diff > 0 else 'giảm'} {_amount(kind, abs(diff))}{share}"


def _rate_change(now, before) -> str:
    if now is None or before is None:
        return "chưa so sánh được tỷ lệ"
    if now == before:
        return f"tỷ lệ không đổi ({fmt.percent(now)})"
    word, direction = ("tăng", "lên") if now > before else ("giảm", "xuống")
    return f"tỷ lệ {word} {fmt.points(now - before)} (từ {fmt.percent(before)} {direction} {fmt.percent(now)})"


def against_last_year(kf: KeyFigures | NationalFigures, province: Province | None) -> str:
    """Comparison with the same period a year earlier (tăng/giảm), or why there is none."""
    last = kf.cung_ky
    if last is None:
        return "Không có số liệu cùng kỳ năm trước để so sánh."
    marker = " (*)" if last.gop_tu else ""
    parts = []
    for kind in ("viec", "tien"):
        now, before = kf.result(kind), last.result(kind)
        label = "Về việc" if kind == "viec" else "Về tiền"
        parts.append(f"{label}, số có điều kiện thi hành {_change(now.co_dieu_kien, before.co_dieu_kien, kind)}, "
                     f"số thi hành xong {_change(now.thi_hanh_xong, before.thi_hanh_xong, kind)}; "
                     f"{_rate_change(now.ty_le, before.ty_le)}.")
    return f"So với cùng kỳ {last.ten_ky}{marker}: " + " ".join(parts)


def merged_footnote(kf: KeyFigures, province: Province) -> str | None:
    """The footnote saying last year's figures sum the provinces merged into this one."""
    last = kf.cung_ky
    if not last or not last.gop_tu:
        return None
    return (f"(*) {province.full_name} được thành lập ngày {fmt.day(province.valid_from)} trên cơ sở hợp nhất "
            f"{_provinces(last.gop_tu)}; số liệu cùng kỳ {last.ten_ky} là tổng số liệu của các đơn vị này.")


def _office(row, kind: str) -> str:
    return f"{row.ten.replace('Thi hành án dân sự', 'THADS')} ({fmt.percent(getattr(row, f'{kind}_ty_le'))})"


def offices(table: pd.DataFrame, kf: KeyFigures) -> str:
    """Offices meeting and missing the targets, named, each list in the order of its own rate."""
    if table.empty:
        return "Không có số liệu theo đơn vị."
    sentences = []
    for kind in ("viec", "tien"):
        if kf.result(kind).chi_tieu is None:
            sentences.append(f"Chưa có chỉ tiêu về {KINDS[kind]} nên các đơn vị được xếp hạng theo tỷ lệ, "
                             "không xếp loại đạt, chưa đạt.")
            continue
        rated = table[table[f"{kind}_ty_le"].notna()].copy()
        rated = rated.assign(_rate=rated[f"{kind}_ty_le"].astype(float)).sort_values("_rate", ascending=False)
        met = rated[rated[f"{kind}_dat"] == True]  # noqa: E712 - None means no rate
        missed = rated[rated[f"{kind}_dat"] == False]  # noqa: E712
        what = KINDS[kind]
        if len(rated) and not len(met):
            best, worst = rated.iloc[0], rated.iloc[-1]
            sentence = (f"Về {what}, chưa có đơn vị nào đạt chỉ tiêu; tỷ lệ cao nhất là {_office(best, kind)}, "
                        f"thấp nhất là {_office(worst, kind)}")
        elif len(met) == len(table):
            sentence = f"Về {what}, cả {len(table)} đơn vị đều đạt chỉ tiêu"
        else:
            sentence = f"Về {what}, {len(met)}/{len(table)} đơn vị đạt chỉ tiêu"
            if len(missed):
                sentence += f"; các đơn vị chưa đạt: {'; '.join(_office(r, kind) for r in missed.itertuples())}"
        sentences.append(sentence + ".")
    return " ".join(sentences)


def _offices_words(province: Province, kf: KeyFigures) -> tuple[str, str]:
    """(the provincial office, its local offices) as the narrative names the offices whose figures these are:
    for a province of a later day over an earlier period (`--as-of`), its predecessors' Cục and Chi cục."""
    if kf.gop_tu:
        many = len(kf.gop_tu) > 1
        return ("các Cục Thi hành án dân sự" if many else f"Cục Thi hành án dân sự {province.kind}",
                "Chi cục Thi hành án dân sự")
    if province.valid_from is None:
        return f"Cục Thi hành án dân sự {province.kind}", "Chi cục Thi hành án dân sự"
    return f"Thi hành án dân sự {province.kind}", "Phòng Thi hành án dân sự khu vực"


def _provinces(names: list[str]) -> str:
    """'tỉnh Đồng Tháp (87) và tỉnh Tiền Giang (82)': names as they read inside a sentence."""
    names = [n[:1].lower() + n[1:] for n in names]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} và {names[-1]}"


def other_work(kf: KeyFigures, province: Province, period: Period) -> list[str]:
    """Paragraphs on citizen reception, complaints, guidance, training and other indicators.

    Only what the data report is stated; what they lack is named once as "chưa có số liệu", never as 0.
    """
    k = kf.khac
    head, local = _offices_words(province, kf)
    lacking = []
    complaints = [(name, h) for name, h in (("khiếu nại", k.khieu_nai), ("tố cáo", k.to_cao)) if h.thu_ly is not None]
    received = sum(h.thu_ly for _, h in complaints)
    clauses = []
    if k.tiep_cong_dan is not None:
        clauses.append(f"tiếp {fmt.number(k.tiep_cong_dan)} lượt công dân")
    else:
        lacking.append("tiếp công dân")
    if complaints and received:
        solved = [f"{fmt.percent(h.ty_le)} đơn {name}" for name, h in complaints if h.thu_ly and h.ty_le is not None]
        clauses.append(f"thụ lý {fmt.number(received)} đơn {', '.join(n for n, _ in complaints)} thuộc thẩm quyền"
                       + (f", đã giải quyết {' và '.join(solved)}" if solved else ""))
    elif complaints:
        clauses.append(f"không có đơn {', '.join(n for n, _ in complaints)} thuộc thẩm quyền phải giải quyết")
    if len(complaints) < 2:
        lacking.append(" và ".join(n for n, h in (("khiếu nại", k.khieu_nai), ("tố cáo", k.to_cao)) if h.thu_ly is None))
    paragraphs = [f"Các cơ quan thi hành án dân sự {'; '.join(clauses)}."] if clauses else []
    guidance = k.xin_y_kien
    if guidance.nhan is None:
        lacking.append("văn bản xin ý kiến nghiệp vụ")
    elif guidance.nhan:
        paragraphs.append(f"{head[:1].upper()}{head[1:]} đã tiếp nhận {fmt.number(guidance.nhan)} văn bản xin ý kiến "
                          "nghiệp vụ của các "
                          f"{local} trực thuộc" + (f", xem xét giải quyết đạt {fmt.percent(guidance.ty_le)}."
                                                   if guidance.ty_le is not None else "."))
    training = []
    if k.cong_chuc_tap_huan:
        training.append(f"cử {fmt.number(k.cong_chuc_tap_huan)} công chức trong hệ thống tham gia các lớp tập "
                        "huấn, đào tạo, bồi dưỡng kiến thức, kỹ năng")
    software = k.tap_huan_phan_mem
    if software.don_vi:
        training.append(f"tổ chức tập huấn kỹ năng sử dụng các phần mềm, ứng dụng tại "
                        f"{software.don_vi}/{software.tong_don_vi} {local} trực thuộc")
    if k.cong_chuc_tap_huan is None and software.don_vi is None:
        lacking.append("tập huấn, bồi dưỡng")
    if training:
        paragraphs.append(f"Ngoài ra, {head} đã {'; '.join(training)}.")
    admin = k.hanh_chinh
    if admin.theo_doi is None:
        lacking.append("theo dõi thi hành án hành chính")
    elif admin.theo_doi:
        paragraphs.append(f"Công tác theo dõi thi hành án hành chính: theo dõi {fmt.number(admin.theo_doi)} "
                          f"bản án, quyết định" + (f"; đã thi hành xong {fmt.number(admin.xong)}, đạt "
                                                   f"{fmt.percent(admin.ty_le)}." if admin.xong is not None else "."))
    extra = []
    for label, cases, what in (("án tín dụng ngân hàng", k.tin_dung, "án tín dụng, ngân hàng"),
                               ("án tham nhũng, kinh tế", k.tham_nhung, "án tham nhũng, kinh tế")):
        if cases.viec is None:
            lacking.append(what)
        elif cases.viec:
            amount = f", {fmt.money(cases.tien)}" if cases.tien is not None else ""
            extra.append(f"{label} {fmt.number(cases.viec)} việc{amount}")
    carried = k.chuyen_ky_sau
    extra.append(f"số chuyển kỳ sau {fmt.number(carried.viec)} việc, {fmt.money(carried.tien)}")
    paragraphs.append("Một số chỉ tiêu khác: " + "; ".join(extra) + ".")
    if lacking:
        paragraphs.append(f"Chưa có số liệu về: {'; '.join(lacking)}.")
    return paragraphs


def still_needed(kf: KeyFigures, province: Province, period: Period) -> str:
    """The computed part of 'tasks and solutions': what remains to reach the targets by 30/09."""
    parts = []
    for kind in ("viec", "tien"):
        r = kf.result(kind)
        if r.chi_tieu is None or r.ty_le is None:
            continue
        if r.con_phai_xong:
            parts.append(f"{_amount(kind, r.con_phai_xong)} để đạt chỉ tiêu {fmt.percent(r.chi_tieu)} về "
                         f"{KINDS[kind]}")
    if not parts:
        if any(kf.result(kind).chi_tieu is not None and kf.result(kind).ty_le is not None for kind in KINDS):
            return f"Các chỉ tiêu có thể so sánh đã đạt; cần duy trì kết quả đến hết ngày {fmt.day(period.year_end.end)}."
        return "Chưa có chỉ tiêu hoặc chưa tính được tỷ lệ nên không xác định được số còn phải thi hành xong."
    if period.month == 12:
        return f"Kết thúc năm {period.year}, {_whole(province)} còn thiếu " + " và ".join(parts) + "."
    return (f"Từ nay đến ngày {fmt.day(period.year_end.end)}, {_whole(province)} cần thi hành xong thêm ít nhất "
            + " và ".join(parts) + " (tính trên số có điều kiện thi hành hiện nay).")


def national_results(kf: NationalFigures, period: Period) -> str:
    """The opening paragraph of the national overview."""
    v, t = kf.viec, kf.tien
    return (f"Tính từ ngày {fmt.day(period.start)} đến ngày {fmt.day(period.end)}, toàn quốc phải thi hành "
            f"{fmt.number(v.phai_thi_hanh)} việc. Trong đó, có {fmt.number(v.co_dieu_kien)} việc có điều kiện "
            f"thi hành, số thi hành xong là {fmt.number(v.thi_hanh_xong)} việc, {_reached(v)}. Tổng số tiền phải "
            f"thi hành là {fmt.money(t.phai_thi_hanh)}, số có điều kiện thi hành là {fmt.money(t.co_dieu_kien)}, "
            f"số thi hành xong là {fmt.money(t.thi_hanh_xong)}, {_reached(t)}.")


def national_target(kf: NationalFigures, kind: str, period: Period) -> str:
    """The national rate against the national target."""
    r, what = kf.result(kind), KINDS[kind]
    if r.chi_tieu is None:
        return f"Chưa có chỉ tiêu toàn quốc năm {period.year} về {what}."
    if r.ty_le is None:
        return f"Chưa tính được tỷ lệ về {what} do không có số có điều kiện thi hành."
    share = f"đạt {fmt.percent(r.dat_so_voi_chi_tieu)} so với chỉ tiêu"
    if r.chenh_lech >= 0:
        return f"Tỷ lệ chung về {what} vượt {fmt.points(r.chenh_lech)} so với chỉ tiêu toàn quốc ({share})."
    return (f"Tỷ lệ chung về {what} thấp hơn chỉ tiêu toàn quốc {fmt.points(r.chenh_lech)} ({share}); còn "
            f"phải thi hành xong thêm ít nhất {_amount(kind, r.con_phai_xong)} để đạt chỉ tiêu.")


def ranking(table: pd.DataFrame, kf: NationalFigures) -> str:
    """How many provinces met their targets, the best and the lowest."""
    if table.empty:
        return "Không có số liệu theo tỉnh, thành phố."
    total = len(table)
    parts = [f"Có {kf.dat_chi_tieu.viec}/{total} tỉnh, thành phố đạt chỉ tiêu về việc và "
             f"{kf.dat_chi_tieu.tien}/{total} đạt chỉ tiêu về tiền."]
    rated = table[table["viec_ty_le"].notna()]
    if len(rated) >= 6:
        top = "; ".join(f"{r.ten} ({fmt.percent(r.viec_ty_le)})" for r in rated.head(3).itertuples())
        low = "; ".join(f"{r.ten} ({fmt.percent(r.viec_ty_le)})" for r in rated.tail(3).iloc[::-1].itertuples())
        parts.append(f"Tỷ lệ về việc cao nhất: {top}. Thấp nhất: {low}.")
    return " ".join(parts)
