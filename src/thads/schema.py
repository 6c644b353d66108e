"""The data contract: the columns of the statistics and targets files and the rules between them."""

from __future__ import annotations

KEYS = ["nam", "thang", "don_vi"]

# Required figures, per office and period, cumulative since 01/10; money in nghìn đồng.
REQUIRED = ["viec_phai_thi_hanh", "viec_co_dieu_kien", "viec_xong",
            "tien_phai_thi_hanh", "tien_co_dieu_kien", "tien_xong"]

# Optional figures: the finer breakdown of forms 01/02 and the other indicators.
# thu_hoi_huy: decisions withdrawn or annulled (thu hồi, hủy quyết định thi hành án); so_theo_doi_rieng: cases
# without conditions moved to the separate register (chưa có điều kiện đã chuyển sổ theo dõi riêng), which are
# outside phải thi hành.
BREAKDOWN = ["dinh_chi", "nam_truoc_chuyen_sang", "thu_ly_moi", "uy_thac", "thu_hoi_huy", "chua_co_dieu_kien",
             "hoan", "tam_dinh_chi", "chuyen_ky_sau", "so_theo_doi_rieng"]
INDICATORS = [
    "tiep_cong_dan",                              # lượt tiếp công dân
    "khieu_nai_thu_ly", "khieu_nai_giai_quyet",   # đơn khiếu nại thuộc thẩm quyền
    "to_cao_thu_ly", "to_cao_giai_quyet",         # đơn tố cáo thuộc thẩm quyền
    "xin_y_kien_nhan", "xin_y_kien_tra_loi",      # văn bản xin ý kiến nghiệp vụ
    "cong_chuc_tap_huan",                         # công chức được cử tập huấn
    "tap_huan_phan_mem",                          # 1 if the office held software training
    "hanh_chinh_theo_doi", "hanh_chinh_xong",     # theo dõi thi hành án hành chính
    "tin_dung_viec", "tin_dung_tien",             # án tín dụng ngân hàng
    "tham_nhung_viec", "tham_nhung_tien",         # án tham nhũng, kinh tế
]
OPTIONAL = [f"{kind}_{name}" for kind in ("viec", "tien") for name in BREAKDOWN] + INDICATORS
FIGURES = REQUIRED + OPTIONAL
# Reported "thi hành xong" includes đình chỉ: absent, it counts as 0. Every other optional figure that a
# file lacks (or leaves empty) is unknown, never 0: a report leaves it out or says it has no data.
ZERO_WHEN_ABSENT = ["viec_dinh_chi", "tien_dinh_chi"]
ALWAYS = REQUIRED + ZERO_WHEN_ABSENT              # known in every row once loaded
MAYBE = [c for c in OPTIONAL if c not in ZERO_WHEN_ABSENT]
# Optional text column: the province the office belongs to, checked against units/.
PROVINCE_COLUMN = "tinh"
# Optional: the period's end date (31/08/2024) or its code (2024-M11), checked against nam and thang, so that
# a table filled with calendar months is caught (thang = 11 is "11 tháng", data as of 31/08).
END_COLUMN, PERIOD_COLUMN = "den_ngay", "ky"
STATS_COLUMNS = KEYS + FIGURES + [PROVINCE_COLUMN]                 # what the sample data carry
ACCEPTED_COLUMNS = STATS_COLUMNS + [END_COLUMN, PERIOD_COLUMN]
MONEY = [c for c in FIGURES if c.startswith("tien_") or c.endswith("_tien")]   # nghìn đồng

# Flows counted since 01/10 never fall from one month to the next; stocks may.
CUMULATIVE = [f"{kind}_{name}" for kind in ("viec", "tien") for name in ("thu_ly_moi", "xong", "dinh_chi")]

# (smaller, larger): the sum of the left columns may not exceed the right one.
NOT_ABOVE = [
    (("viec_xong", "viec_dinh_chi"), "viec_co_dieu_kien"),
    (("viec_co_dieu_kien",), "viec_phai_thi_hanh"),
    (("viec_co_dieu_kien", "viec_chua_co_dieu_kien"), "viec_phai_thi_hanh"),
    (("tien_xong", "tien_dinh_chi"), "tien_co_dieu_kien"),
    (("tien_co_dieu_kien",), "tien_phai_thi_hanh"),
    (("tien_co_dieu_kien", "tien_chua_co_dieu_kien"), "tien_phai_thi_hanh"),
    (("khieu_nai_giai_quyet",), "khieu_nai_thu_ly"),
    (("to_cao_giai_quyet",), "to_cao_thu_ly"),
    (("xin_y_kien_tra_loi",), "xin_y_kien_nhan"),
    (("hanh_chinh_xong",), "hanh_chinh_theo_doi"),
]
# The flow of cases and money, checked where a file has every column of it: phải thi hành = năm trước chuyển
# sang + thụ lý mới − ủy thác − thu hồi, hủy. (Có điều kiện + chưa có điều kiện may fall short of phải thi hành:
# other statuses exist, so that sum is only checked not to exceed it.)
FLOW = {kind: (f"{kind}_phai_thi_hanh", (f"{kind}_nam_truoc_chuyen_sang", f"{kind}_thu_ly_moi"),
               (f"{kind}_uy_thac", f"{kind}_thu_hoi_huy")) for kind in ("viec", "tien")}

# Largest plausible value for one office and period: counts and money (nghìn đồng).
MAX_COUNT = 10_000_000
MAX_MONEY = 10**15

TARGET_COLUMNS = ["nam", "tinh", "chi_tieu_viec", "chi_tieu_tien"]
# Optional: the day whose organisation of provinces the row's code means (2025-07-01: the provinces formed
# that day). Without it, a code means the province that holds it at the end of the report's period.
TARGET_ORGANISATION = "theo_ngay"
# Optional: an office's code. A row naming one is that office's own target for the year (`tinh` is its province);
# an office without one is compared with its province's target.
TARGET_OFFICE = "don_vi"
NATIONAL = "00"   # targets.csv code for the national target

# (kind, Result attribute): the figures a conference quotes with their rank.
RANKED = [(kind, figure) for kind in ("viec", "tien")
          for figure in ("thu_ly", "phai_thi_hanh", "co_dieu_kien", "ty_le_co_dieu_kien", "thi_hanh_xong", "ty_le")]
