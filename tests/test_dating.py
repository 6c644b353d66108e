"""A report's date and what it decides (docs/van-ban.md): the date without --date, the agency and the line above it,
the signer's title, the sentences about the rest of the year, and the refusal of a report no agency could sign."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from thads import charts, dating, parts
from thads.errors import ThadsError
from thads.periods import Period

REPO = Path(__file__).resolve().parents[1]
DOTS = "……………………………"


@pytest.fixture
def at_repo(monkeypatch):
    """Reports of the repository's project (its data, notes and signing file), made on 06/12/2026."""
    monkeypatch.chdir(REPO)
    monkeypatch.setattr(dating, "today", lambda: date(2026, 12, 6))


def province(code, period, report_date="", as_of=""):
    from thads.report import ProvinceReport

    return ProvinceReport(code, period, report_date=report_date, as_of=as_of)


def national(period, report_date="", as_of=""):
    from thads.report import NationalReport

    return NationalReport(period, report_date=report_date, as_of=as_of)


# The date --------------------------------------------------------------------------------------------------------
def test_a_period_whose_season_is_now_is_dated_today():
    year_end = Period.parse("2026-M12")                      # 30/09/2026: its season runs to 31/12/2026
    assert dating.season_end(year_end) == date(2026, 12, 31)
    for today in (date(2026, 9, 30), date(2026, 10, 3), date(2026, 12, 6), date(2026, 12, 31)):
        assert dating.signing_date(year_end, "", now=today) == dating.Signed(today, "hom_nay")
    assert dating.season_end(Period.parse("2027-M03")) == date(2027, 3, 31)     # 31/12/2026 + 3 months


def test_an_older_period_is_dated_in_its_own_season():
    """The first Monday-to-Friday at least 10 days after the period's end."""
    today = date(2026, 12, 6)
    expected = {"2024-M11": date(2024, 9, 10),     # 31/08/2024 + 10 = Tuesday 10/09/2024
                "2025-M12": date(2025, 10, 10),    # a Friday
                "2025-M09": date(2025, 7, 10),     # after the merger of 01/07/2025
                "2026-M06": date(2026, 4, 10),     # the bench's second period
                "2025-M04": date(2025, 2, 10)}     # 31/01/2025 + 10 = Monday
    for code, day in expected.items():
        assert dating.signing_date(Period.parse(code), "", now=today) == dating.Signed(day, "mua_bao_cao"), code
    # 30/09/2026 + 10 is a Saturday: the Monday after, once the season of 2026-M12 is over.
    assert dating.signing_date(Period.parse("2026-M12"), None, now=date(2027, 1, 4)).day == date(2026, 10, 12)
    # With --as-of, never before that day.
    assert dating.season_day(Period.parse("2025-M09"), date(2025, 7, 21)) == date(2025, 7, 21)


def test_a_given_date_is_used_and_checked():
    p11 = Period.parse("2024-M11")
    assert dating.signing_date(p11, "2024-09-26", now=date(2026, 12, 6)) == dating.Signed(date(2024, 9, 26), "chon")
    assert dating.signing_date(p11, date(2024, 8, 31)).day == date(2024, 8, 31)      # the period's last day
    with pytest.raises(ThadsError, match=r"Ngày ký 30/08/2024 \(--date\) trước ngày cuối kỳ 11 tháng năm 2024 "
                                         r"\(31/08/2024\)"):
        dating.signing_date(p11, "2024-08-30")
    with pytest.raises(ThadsError, match="Ngày ký '26/09/2024' .* cần dạng YYYY-MM-DD"):
        dating.signing_date(p11, "26/09/2024")
    with pytest.raises(ThadsError, match="trước ngày 01/07/2025 của --as-of"):
        dating.signing_date(Period.parse("2025-M09"), "2025-06-30", as_of=date(2025, 7, 1))


def test_the_current_season_without_date_in_a_report(at_repo):
    r = province("92", "2026-M12")
    assert r.signed == dating.Signed(date(2026, 12, 6), "hom_nay")
    assert r.header().record["place_date"] == "Cần Thơ, ngày 06 tháng 12 năm 2026"


def test_an_older_period_without_date_in_a_report(at_repo):
    r = province("93", "2024-M11")
    assert r.signed == dating.Signed(date(2024, 9, 10), "mua_bao_cao")
    header = r.header().record
    assert header["place_date"] == "Hậu Giang, ngày 10 tháng 9 năm 2024"
    assert (header["parent_agency"], header["agency_lines"]) == ("TỔNG CỤC THI HÀNH ÁN DÂN SỰ",
                                                                  ["CỤC THI HÀNH ÁN DÂN SỰ", "TỈNH HẬU GIANG"])
    assert r.signature().record["chuc_vu"] == "CỤC TRƯỞNG"


# The agency of the report's date -----------------------------------------------------------------------------------
def test_9_months_of_2025_dated_after_the_merger_is_refused_with_what_to_ask(at_repo):
    """2025-M09 ended 30/06/2025; without --date it is dated 10/07/2025, when Hậu Giang was part of Cần Thơ."""
    with pytest.raises(ThadsError) as refused:
        province("93", "2025-M09")
    message = str(refused.value)
    assert message.startswith("Báo cáo 9 tháng năm 2025 (đến 30/06/2025) của tỉnh Hậu Giang, ký ngày 10/07/2025 "
                              "(không ghi --date: ngày làm việc đầu tiên từ 10 ngày sau cuối kỳ): vào ngày đó tỉnh "
                              "Hậu Giang đã hợp nhất vào thành phố Cần Thơ (mã 92, từ 01/07/2025)")
    assert "--as-of 2025-07-01" in message and "--date 2025-06-30" in message
    with pytest.raises(ThadsError, match="--as-of 2025-07-01 .*--date 2025-06-30"):
        province("82", "2025-M09", report_date="2025-08-15")         # Tiền Giang, dated by hand, likewise
    # Either way out is taken.
    before = province("93", "2025-M09", report_date="2025-06-30")
    assert before.header().record["agency"] == "CỤC THI HÀNH ÁN DÂN SỰ TỈNH HẬU GIANG"
    after = province("92", "2025-M09", as_of="2025-07-01")
    assert after.signed.day == date(2025, 7, 10)
    assert after.header().record["agency"] == "THI HÀNH ÁN DÂN SỰ THÀNH PHỐ CẦN THƠ"
    # A report for the provinces of 01/07/2025 cannot be signed before they existed.
    with pytest.raises(ThadsError, match="trước ngày 01/07/2025 của --as-of"):
        province("92", "2025-M09", report_date="2025-06-30", as_of="2025-07-01")


def test_a_province_that_only_renamed_its_office_is_headed_by_the_new_one(at_repo):
    r = province("01", "2025-M09")                  # Hà Nội, unchanged on 01/07/2025
    header = r.header().record
    assert (header["parent_agency"], header["agency"]) == ("CỤC QUẢN LÝ THI HÀNH ÁN DÂN SỰ",
                                                           "THI HÀNH ÁN DÂN SỰ THÀNH PHỐ HÀ NỘI")
    assert r.signature().record["chuc_vu"] == "TRƯỞNG THI HÀNH ÁN DÂN SỰ THÀNH PHỐ"


@pytest.mark.parametrize("code, period, signed, parent, agency, symbol, title", [
    ("93", "2025-M05", "2025-02-28", "TỔNG CỤC THI HÀNH ÁN DÂN SỰ", "CỤC THI HÀNH ÁN DÂN SỰ TỈNH HẬU GIANG",
     "BC-CTHADS", "CỤC TRƯỞNG"),
    ("93", "2025-M06", "2025-04-10", "TỔNG CỤC THI HÀNH ÁN DÂN SỰ", "CỤC THI HÀNH ÁN DÂN SỰ TỈNH HẬU GIANG",
     "BC-CTHADS", "CỤC TRƯỞNG"),
    ("93", "2025-M09", "2025-06-30", "TỔNG CỤC THI HÀNH ÁN DÂN SỰ", "CỤC THI HÀNH ÁN DÂN SỰ TỈNH HẬU GIANG",
     "BC-CTHADS", "CỤC TRƯỞNG"),
    ("82", "2025-M12", "2025-10-10", "CỤC QUẢN LÝ THI HÀNH ÁN DÂN SỰ", "THI HÀNH ÁN DÂN SỰ TỈNH ĐỒNG THÁP",
     "BC-THADS", "TRƯỞNG THI HÀNH ÁN DÂN SỰ TỈNH"),
    ("92", "2026-M12", "", "CỤC QUẢN LÝ THI HÀNH ÁN DÂN SỰ", "THI HÀNH ÁN DÂN SỰ THÀNH PHỐ CẦN THƠ",
     "BC-THADS", "TRƯỞNG THI HÀNH ÁN DÂN SỰ THÀNH PHỐ"),
])
def test_province_headers_and_signers_across_2025(at_repo, code, period, signed, parent, agency, symbol, title):
    r = province(code, period, report_date=signed)
    header, signature = r.header().record, r.signature().record
    assert (header["parent_agency"], header["agency"], header["symbol"]) == (parent, agency, symbol)
    assert signature["chuc_vu"] == title


@pytest.mark.parametrize("signed, parent, agency, title", [
    ("2025-02-28", "BỘ TƯ PHÁP", "TỔNG CỤC THI HÀNH ÁN DÂN SỰ", "TỔNG CỤC TRƯỞNG"),
    ("2025-03-01", "BỘ TƯ PHÁP", "TỔNG CỤC THI HÀNH ÁN DÂN SỰ", "TỔNG CỤC TRƯỞNG"),
    ("2025-06-30", "BỘ TƯ PHÁP", "TỔNG CỤC THI HÀNH ÁN DÂN SỰ", "TỔNG CỤC TRƯỞNG"),
    ("2025-07-01", "BỘ TƯ PHÁP", "CỤC QUẢN LÝ THI HÀNH ÁN DÂN SỰ", "CỤC TRƯỞNG"),
])
def test_national_headers_and_signers_across_2025(at_repo, signed, parent, agency, title):
    """The Tổng cục THADS signs until 30/06/2025 (documents carried its name until then, docs/van-ban.md)."""
    r = national("2025-M05", report_date=signed)
    assert (r.header().record["parent_agency"], r.header().record["agency"]) == (parent, agency)
    assert r.signature().record["chuc_vu"] == title


def test_with_no_signer_set_the_signer_side_shows_a_dotted_line(at_repo):
    unset = province("94", "2024-M11", report_date="2024-09-26").signature().record      # Sóc Trăng: not in the file
    assert (unset["chuc_vu"], unset["nguoi_ky"]) == ("CỤC TRƯỞNG", DOTS)
    assert unset["noi_nhan"] == ["………………………………", "………………………………", "Lưu: VT."]
    seed = province("93", "2024-M11", report_date="2024-09-26").signature().record
    assert (seed["chuc_vu"], seed["nguoi_ky"]) == ("CỤC TRƯỞNG", "Lê Phước Toàn")


# The rest of the year ------------------------------------------------------------------------------------------------
def test_tu_nay_den_only_while_that_day_is_after_the_report_date(at_repo):
    def needed(*args, **kwargs):
        r = province(*args, **kwargs)
        return " ".join(r.still_needed().record["blocks"][0]["markdown"].split()), r._context()["chua_het_nam"]

    text, running = needed("82", "2025-M09", as_of="2025-07-01")               # dated 10/07/2025
    assert running and "Từ nay đến ngày 30/09/2025, toàn tỉnh cần thi hành xong thêm ít nhất" in text
    text, running = needed("82", "2025-M09", as_of="2025-07-01", report_date="2026-12-06")
    assert not running and "Từ nay" not in text and "từ nay" not in text
    assert re.search(r"Đến ngày 30/06/2025, toàn tỉnh còn thiếu ít nhất [\d.]+ việc để đạt chỉ tiêu", text), text
    text, running = needed("93", "2024-M11", report_date="2024-09-30")         # the year's last day: nothing left
    assert not running and text.endswith("(tính trên số có điều kiện thi hành đến ngày đó).")
    assert "Đến ngày 31/08/2024, toàn tỉnh còn thiếu ít nhất 507 việc để đạt chỉ tiêu 83,35% về việc" in text


# Print: tables and charts ---------------------------------------------------------------------------------------------
def test_only_short_tables_are_kept_whole():
    """A table of up to 6 rows stays on one page; a longer one breaks between rows (CSS and Word alike)."""
    from thads import word

    def wrap(rows: int) -> str:
        return parts.table(["Đơn vị", "Số"], [["a", "1"]] * rows, [False, True], caption="Bảng").html

    assert 'class="table-wrap keep"' in wrap(6)
    assert 'class="table-wrap keep"' not in wrap(7) and 'class="table-wrap keep"' not in wrap(12)
    assert word.KEEP_ROWS == 6


@pytest.mark.parametrize("rows, smallest", [(8, 9.0), (25, 9.0), (34, 9.0), (63, 6.5)])
def test_a_ranked_chart_is_sized_to_its_rows(rows, smallest):
    import pandas as pd

    table = pd.DataFrame({"don_vi": [f"Phòng THADS khu vực {i}" for i in range(rows)],
                          "viec_ty_le": [50 + i % 40 for i in range(rows)]})
    fig = charts.offices_ranked(table, "viec", None)
    sizes = {label.get_fontsize() for label in fig.axes[0].get_yticklabels()}
    assert min(sizes) >= smallest, sizes
    # Printed at the text's width (165 mm for a 7-inch figure), it fits the 257 mm of an A4 page's text height.
    assert fig.get_figheight() * 165 / 7 <= 235
    assert fig.get_figheight() >= rows * min(sizes) * 1.4 / 72            # rows do not overlap


# Whole reports (slow) ------------------------------------------------------------------------------------------------
def _run(*args, cwd=REPO):
    return subprocess.run([sys.executable, "-m", "thads", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=1800)


@pytest.mark.slow
def test_the_refusal_fails_that_report_alone_in_plain_words(tmp_path):
    done = _run("run", "--period", "2025-M09", "--province", "93", "01", "--format", "html", "--jobs", "2",
                "--out", str(tmp_path / "out"))
    assert done.returncode == 1
    assert "Traceback" not in done.stderr + done.stdout
    said = " ".join((done.stderr + done.stdout).split())
    assert "--as-of 2025-07-01" in said and "--date 2025-06-30" in said
    assert (tmp_path / "out" / "2025-M09" / "01" / "report.html").is_file()
    assert not (tmp_path / "out" / "2025-M09" / "93" / "report.html").exists()


def signature_page(pdf: Path) -> tuple[int, str]:
    """The page holding "Nơi nhận" and what that page shows above it."""
    from pypdf import PdfReader

    for number, page in enumerate(PdfReader(str(pdf)).pages, start=1):
        text = " ".join((page.extract_text() or "").split())
        if "Nơi nhận" in text:
            return number, text[:text.index("Nơi nhận")].strip()
    raise AssertionError(f"{pdf}: no 'Nơi nhận'")


# 2024-M11 provinces whose "Nơi nhận" started a page before (issue 27), the seed, two of 2026-M12, and the national
# overview of the 63 provinces (its body ends with the ranking table; the page-tall charts are in the annex).
ALONE_BEFORE = ("06", "08", "10", "11", "12", "15", "24", "93")


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    out = tmp_path_factory.mktemp("printed")
    for asked in (("--period", "2024-M11", "--province", *ALONE_BEFORE, "--date", "2024-09-26"),
                  ("--period", "2026-M12", "--province", "79", "01"),
                  ("--report", "national", "--period", "2024-M12")):
        done = _run("run", *asked, "--format", "pdf,docx", "--jobs", "2", "--out", str(out))
        assert done.returncode == 0, done.stderr
    return out


@pytest.mark.slow
def test_the_signature_block_is_never_alone_on_a_pdf_page(printed):
    pdfs = sorted(printed.glob("*/*/report.pdf"))
    assert len(pdfs) == len(ALONE_BEFORE) + 3
    for pdf in pdfs:
        number, above = signature_page(pdf)
        # Above "Nơi nhận" on its page: more than the page number, at least the end of the body.
        assert not re.fullmatch(r"\d*", above), f"{pdf}: 'Nơi nhận' starts page {number}"
        assert len(above) > 40, (pdf, above)


@pytest.mark.slow
def test_the_signature_block_keeps_with_the_body_in_word(printed):
    from docx import Document
    from docx.oxml.ns import qn
    from docx.text.paragraph import Paragraph

    for path in sorted(printed.glob("*/*/report.docx")):
        doc = Document(str(path))
        body = list(doc.element.body)
        table = next(t for t in doc.tables if t.rows[0].cells[0].paragraphs[0].text == "Nơi nhận:")
        at = body.index(table._tbl)
        spacer, last = (Paragraph(body[at - 1], doc._body), Paragraph(body[at - 2], doc._body))
        assert spacer.paragraph_format.keep_with_next, path
        assert last.text.strip() and last.paragraph_format.keep_with_next and last.paragraph_format.keep_together, path
        assert table.rows[0]._tr.trPr.find(qn("w:cantSplit")) is not None, path
        assert DOTS in table.rows[0].cells[1].paragraphs[-1].text or path.parent.name == "93"
