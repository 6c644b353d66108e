"""Every province in one batch: parallel workers, incremental reruns, one failure among many, the index
and the national overview. These run the real command line on a copy of the sample data."""

import json
from decimal import Decimal
from functools import partial
import shutil

import pandas as pd
import pytest
from bs4 import BeautifulSoup

from thads import dataset, metrics
from thads import formatting as fmt
from thads.periods import Period

from tests import support
from tests.support import ROOT, counts, last_run, seed
from tests.support.batches import reports
from tests.support.ranking import independent_ranks

pytestmark = pytest.mark.slow   # real kernels, batches or a browser: make test, not make check

thads = partial(support.thads, timeout=900)      # whole batches


MADE = ("01", "92", "96")       # Hà Nội (the most offices), Cần Thơ (merged in 2025), Cà Mau (merged too)


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """Three provinces of 2026-M12 (HTML, PDF and Word) with 2 workers, and the national overviews of 2024 and
    2026, made once. All 34 provinces in one batch are bench.batch's work."""
    data = tmp_path_factory.mktemp("data") / "data"
    shutil.copytree(ROOT / "data", data)
    out = tmp_path_factory.mktemp("outputs")
    batch_file = data.parent / "batch.yml"
    batch_file.write_text("reports:\n"
                          f"  - {{periods: [2026-M12], provinces: [{', '.join(MADE)}], formats: [html, pdf, docx]}}\n"
                          "  - {periods: [2024-M12, 2026-M12], report: national}\n", "utf-8")
    done = thads("run", str(batch_file), "--data", str(data), "--out", str(out), "--jobs", "2")
    return data, out, done, last_run(out)


def test_the_provinces_of_a_batch_are_made_with_an_index_linking_them(batch):
    _, out, first, record = batch
    assert first.returncode == 0, first.stderr
    assert counts(record) == (5, 0, 0)         # the three provinces and the two national overviews
    assert {(r["period"], r["code"], r["kind"]) for r in record["reports"]} == {
        *(("2026-M12", code, "province") for code in MADE), ("2024-M12", "toan-quoc", "national"),
        ("2026-M12", "toan-quoc", "national")}
    assert record["options"]["jobs"] == 2 and record["started"] <= record["finished"]
    folders = sorted(p for p in (out / "2026-M12").iterdir() if p.name != "toan-quoc")
    assert [f.name for f in folders] == list(MADE)
    for folder in folders:
        assert (folder / "report.html").stat().st_size > 50_000 and (folder / "report.pdf").stat().st_size > 50_000
        assert (folder / "report.docx").stat().st_size > 50_000
        assert (folder / "summary.json").is_file() and (folder / "report.log").is_file()
    index = BeautifulSoup((out / "index.html").read_text("utf-8"), "html.parser")
    links = {a["href"] for a in index.find_all("a")}
    for folder in folders:
        assert {f"2026-M12/{folder.name}/report.{kind}" for kind in ("html", "pdf", "docx")} <= links
    can_tho = index.find("tr", attrs={"data-period": "2026-M12", "data-code": "92"})
    summary = json.loads((out / "2026-M12" / "92" / "summary.json").read_text("utf-8"))
    assert f"{summary['viec']['ty_le']:.2f}".replace(".", ",") + "%" in can_tho.get_text()


def test_a_second_run_skips_everything_and_a_changed_province_alone_is_rebuilt(batch):
    data, out, _, _ = batch
    again = thads("run", "--province", *MADE, "--period", "2026-M12", "--data", str(data), "--out", str(out),
                  "--format", "html,pdf,docx")
    assert again.returncode == 0 and counts(out) == (0, 3, 0)

    def change(month: str, column: str, by: int) -> None:
        stats = pd.read_csv(data / "stats" / "2026.csv", dtype=str, keep_default_na=False)
        row = (stats["don_vi"] == "96") & (stats["thang"] == month)
        assert row.sum() == 1
        stats.loc[row, column] = str(int(stats.loc[row, column].iloc[0]) + by)
        stats.to_csv(data / "stats" / "2026.csv", index=False)

    def made() -> list[str]:
        return sorted(code for code, time in mtimes().items() if time != before[code])

    def mtimes() -> dict[str, int]:
        return {p.parent.name: p.stat().st_mtime_ns for p in (out / "2026-M12").glob("*/report.html")}

    # A month before the period's end: only Cà Mau read it.
    before = mtimes()
    change("6", "viec_hoan", -1)
    third = thads("run", "--province", *MADE, "--period", "2026-M12", "--data", str(data), "--out", str(out),
                  "--format", "html,pdf,docx")
    assert third.returncode == 0 and counts(out) == (1, 2, 0)
    assert made() == ["96"]

    # The period's own figures of one province: every report ranks the provinces on them, so all are remade.
    before = mtimes()
    old = json.loads((out / "2026-M12" / "96" / "summary.json").read_text("utf-8"))
    change("12", "viec_xong", 1)
    change("12", "viec_chuyen_ky_sau", -1)
    fourth = thads("run", "--province", *MADE, "--period", "2026-M12", "--data", str(data), "--out", str(out),
                   "--format", "html,pdf,docx")
    assert fourth.returncode == 0 and counts(out) == (3, 0, 0)
    assert made() == list(MADE)
    new = json.loads((out / "2026-M12" / "96" / "summary.json").read_text("utf-8"))
    assert new["viec"]["thi_hanh_xong"] == old["viec"]["thi_hanh_xong"] + 1


def test_the_national_overview_agrees_with_the_province_reports(batch):
    """The overview's total is the sum of the 34 provinces' figures (summed here as their reports would), and
    the province reports made by the batch state the same figures."""
    data, out, national, _ = batch
    assert national.returncode == 0, national.stderr
    ds, period = dataset.load(data), Period.parse("2026-M12")
    provinces = [metrics.summary(ds, p, period) for p in ds.units.provinces_on(period.end)]
    assert len(provinces) == 34
    for code in MADE:
        made = json.loads((out / "2026-M12" / code / "summary.json").read_text("utf-8"))
        computed = next(p for p in provinces if p["tinh"] == code)
        assert {k: made[k] for k in ("viec", "tien")} == {k: computed[k] for k in ("viec", "tien")}, code
    page = BeautifulSoup((out / "2026-M12" / "toan-quoc" / "report.html").read_text("utf-8"), "html.parser")
    text = " ".join(page.get_text(" ").split())
    total = metrics.national_summary(ds, period)
    for kind in ("viec", "tien"):
        for key in ("phai_thi_hanh", "co_dieu_kien", "thi_hanh_xong"):
            assert total[kind][key] == sum(p[kind][key] for p in provinces), (kind, key)
    number = f"{total['viec']['phai_thi_hanh']:,}".replace(",", ".")
    assert f"toàn quốc phải thi hành {number} việc" in text
    assert f"{total['dat_chi_tieu']['viec']}/34 tỉnh, thành phố đạt chỉ tiêu về việc" in text
    assert len(page.select("table.data")[0].select("tbody tr")) == 34


def test_every_summary_json_states_the_figures_its_html_shows(batch):
    """summary.json and the index come from what the executed notebook recorded: for every report of the
    batch, the figures in summary.json are the ones the HTML page prints."""
    _, out, _, _ = batch
    index = BeautifulSoup((out / "index.html").read_text("utf-8"), "html.parser")
    folders = [*(out / "2026-M12").iterdir(), out / "2024-M12" / "toan-quoc"]
    for folder in (f for f in folders if f.is_dir()):
        summary = json.loads((folder / "summary.json").read_text("utf-8"))
        page = BeautifulSoup((folder / "report.html").read_text("utf-8"), "html.parser")
        cards = page.select(".card")
        for card, kind in zip(cards, ("viec", "tien"), strict=True):
            assert card.select_one(".card-rate").get_text() == fmt.percent(summary[kind]["ty_le"], "—"), folder
            assert card.select(".card-line")[0].get_text() == (
                "Chỉ tiêu: chưa giao" if summary[kind]["chi_tieu"] is None
                else f"Chỉ tiêu: {fmt.percent(summary[kind]['chi_tieu'])}")
        text = seed.unranked(" ".join(page.get_text(" ").split()))
        assert (f"phải thi hành {fmt.number(summary['viec']['phai_thi_hanh'])} việc" in text
                or f"phải thi hành là {fmt.number(summary['viec']['phai_thi_hanh'])} việc" in text), folder
        assert f"số thi hành xong là {fmt.number(summary['viec']['thi_hanh_xong'])} việc" in text, folder
        if folder.name != "toan-quoc":
            rows = {tr.find("td").get_text(): [td.get_text() for td in tr.find_all("td")[1:3]]
                    for tr in page.select("table.data")[0].select("tbody tr")}
            for label, key in (("Tổng số phải thi hành", "phai_thi_hanh"), ("Có điều kiện thi hành", "co_dieu_kien"),
                               ("Thi hành xong (gồm đình chỉ)", "thi_hanh_xong")):
                assert rows[label] == [fmt.number(summary["viec"][key]), fmt.number(summary["tien"][key])], folder
            row = index.find("tr", attrs={"data-period": "2026-M12", "data-code": folder.name})
            assert fmt.percent(summary["viec"]["ty_le"], "—", table=True) in row.get_text(), folder


def test_the_national_overview_of_2024_ranks_the_63_provinces(batch):
    data, out, _, _ = batch
    folder = out / "2024-M12" / "toan-quoc"
    page = BeautifulSoup((folder / "report.html").read_text("utf-8"), "html.parser")
    assert len(page.select("table.data")[0].select("tbody tr")) == 63
    assert (folder / "report.pdf").stat().st_size > 50_000
    ds = dataset.load(data)
    period = Period.parse("2024-M12")
    total = metrics.national_summary(ds, period)
    parts = [metrics.summary(ds, p, period) for p in ds.units.provinces_on(period.end)]
    assert total["viec"]["thi_hanh_xong"] == sum(p["viec"]["thi_hanh_xong"] for p in parts)
    assert total["tien"]["co_dieu_kien"] == sum(p["tien"]["co_dieu_kien"] for p in parts)
    text = " ".join(page.get_text(" ").split())
    assert f"{total['dat_chi_tieu']['viec']}/63 tỉnh, thành phố đạt chỉ tiêu về việc" in text


def test_one_failing_report_does_not_stop_the_others(tmp_path):
    notes = tmp_path / "notes" / "2026-M06"
    notes.mkdir(parents=True)
    (notes / "92.md").write_text("## Việc không có trong báo cáo\n\nNội dung.\n", "utf-8")
    out = tmp_path / "out"
    done = thads("run", "--period", "2026-M06", "--province", "92", "96", "04", "--format", "html",
                 "--notes", str(tmp_path / "notes"), "--out", str(out), "--jobs", "2")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert counts(out) == (2, 0, 1)
    assert "mục 'Việc không có trong báo cáo' không có trong báo cáo" in " ".join(done.stderr.split())
    assert "lỗi khi chạy notebook" not in done.stderr        # the note's own message, not the cell that read it
    assert (out / "2026-M06" / "96" / "report.html").is_file() and (out / "2026-M06" / "04" / "report.html").is_file()
    failed = out / "2026-M06" / "92"
    assert (failed / "report.failed.ipynb").is_file() and not (failed / "report.html").exists()
    assert "LỖI" in (failed / "report.failed.log").read_text("utf-8") and not (failed / "report.log").exists()
    row = BeautifulSoup((out / "index.html").read_text("utf-8"), "html.parser").find(
        "tr", attrs={"data-code": "92"})
    assert "lỗi" in row.get_text()


@pytest.mark.parametrize("content, words", [
    ("reports:\n  - {periods: [2026-M12], provinces: all, colour: red}\n", "khóa không hợp lệ colour"),
    ("reports: []\n", "cần khóa 'reports'"),
    ("reports:\n  - {provinces: all}\n", "cần khóa 'periods'"),
    ("reports:\n  - {periods: [2026-M13]}\n", "NĂM-Mkk"),
    ("reports: [unclosed\n", "không đọc được YAML"),
    ("!!python/object/apply:os.system ['echo hacked']\n", "không đọc được YAML"),
])
def test_a_bad_batch_file_is_refused_with_its_name(tmp_path, content, words):
    path = tmp_path / "batch.yml"
    path.write_text(content, "utf-8")
    done = thads("run", str(path), "--out", str(tmp_path / "out"))
    assert done.returncode == 1 and words in done.stderr and str(path) in done.stderr
    assert "Traceback" not in done.stderr and "hacked" not in done.stdout
    assert not (tmp_path / "out").exists()


def test_the_shipped_batch_file_plans_every_report_of_the_conference():
    from thads import batch as batches

    requests = batches.load_requests(ROOT / "parameters" / "year-end-2026.yml")
    jobs = batches.plan(dataset.load(ROOT / "data").units, requests, ROOT / "notebooks")
    assert sum(j.kind == "province" for j in jobs) == 34 + 34 and sum(j.kind == "national" for j in jobs) == 1
    assert {j.notebook.name for j in jobs} == {"province_report.ipynb", "national_overview.ipynb"}


def test_a_folder_with_some_provinces_makes_what_it_can(hau_giang_2024, tmp_path):
    """`--province all` on a folder holding Hậu Giang alone: the others are listed as having no data and the
    run succeeds; a province named explicitly without data fails alone, with a clear message."""
    out = tmp_path / "out"
    every = thads("run", "--period", "2024-M11", "--data", str(hau_giang_2024), "--out", str(out), "--format", "html")
    assert every.returncode == 0, every.stderr
    assert counts(out) == (1, 0, 0) and len(reports(out, "nodata")) == 62
    assert reports(out)["2024-M11", "01"]["name"] == "Hà Nội"
    assert reports(out)["2024-M11", "01"]["status"] == "nodata"
    assert [p.name for p in (out / "2024-M11").iterdir()] == ["93"]
    named = thads("run", "--period", "2024-M11", "--province", "93", "Hà Nội", "--data", str(hau_giang_2024),
                  "--out", str(out), "--format", "html")
    assert named.returncode == 1 and counts(out) == (0, 1, 1) and "Traceback" not in named.stderr
    assert ("Lỗi 2024-M11 01 Hà Nội: Không có số liệu của thành phố Hà Nội (mã 01) kỳ 11 tháng năm 2024 (đến "
            "31/08/2024)") in named.stderr
    assert not (out / "2024-M11" / "01").exists()


RANKED = ("viec_thu_ly", "viec_phai_thi_hanh", "viec_co_dieu_kien", "viec_ty_le_co_dieu_kien", "viec_thi_hanh_xong",
          "viec_ty_le", "tien_thu_ly", "tien_phai_thi_hanh", "tien_co_dieu_kien", "tien_ty_le_co_dieu_kien",
          "tien_thi_hanh_xong", "tien_ty_le")


def test_the_34_provinces_of_today_over_the_9_months_before_the_merger(tmp_path):
    """`--province all --as-of 2025-07-01 --period 2025-M09` (here from a batch file, with the national overview):
    34 reports beside, never over, those of the 63 provinces of 30/06/2025, each ranked among the 34."""
    out = tmp_path / "out"
    requests = tmp_path / "as-of.yml"
    requests.write_text("reports:\n"
                        # Tiền Giang's own report is dated before the merger: signed later, no agency could sign it.
                        "  - {periods: [2025-M09], provinces: [82], date: 2025-06-30, formats: [html]}\n"
                        "  - {periods: [2025-M09], provinces: all, as_of: 2025-07-01, formats: [html]}\n"
                        "  - {report: national, periods: [2025-M09], as_of: 2025-07-01, formats: [html]}\n", "utf-8")
    done = thads("run", str(requests), "--out", str(out), "--jobs", "2")
    assert done.returncode == 0 and counts(out) == (36, 0, 0), done.stderr
    organised = out / "2025-M09" / "theo-2025-07-01"
    summaries = {p.name: json.loads((p / "summary.json").read_text("utf-8"))
                 for p in organised.iterdir() if p.name != "toan-quoc"}
    assert len(summaries) == 34 and all(s["theo_ngay"] == "2025-07-01" for s in summaries.values())
    # The report of the province that held code 82 on 30/06/2025 is still there, and still Tiền Giang's.
    assert json.loads((out / "2025-M09" / "82" / "summary.json").read_text("utf-8"))["ten_tinh"] == "Tiền Giang"

    for key in RANKED:
        expected = independent_ranks(summaries, key)
        assert {code: (s["xep_thu"][key]["hang"], s["xep_thu"][key]["tren"]) for code, s in summaries.items()
                if key in s["xep_thu"]} == expected, key
    for code, s in summaries.items():
        text = " ".join(BeautifulSoup((organised / code / "report.html").read_text("utf-8"), "html.parser")
                        .get_text(" ").split())
        rank = s["xep_thu"]["viec_ty_le"]       # the text ranks the completion rates (ranks_in_text)
        assert (f"đạt {fmt.percent(Decimal(str(s['viec']['ty_le'])))} (xếp thứ {rank['hang']}/34;" in text), code

    page = BeautifulSoup((organised / "82" / "report.html").read_text("utf-8"), "html.parser")
    text = " ".join(page.get_text(" ").split())
    assert [x.strip() for x in page.select_one(".agency-name").stripped_strings] == [
        "THI HÀNH ÁN DÂN SỰ", "TỈNH ĐỒNG THÁP"]
    assert "Số: /BC-THADS" in text and "Đồng Tháp, ngày" in text
    assert ("Báo cáo lập theo các tỉnh, thành phố từ ngày 01/07/2025: Tỉnh Đồng Tháp được thành lập ngày 01/07/2025 "
            "trên cơ sở hợp nhất tỉnh Đồng Tháp (87) và tỉnh Tiền Giang (82); số liệu 9 tháng năm 2025 (đến "
            "30/06/2025) là tổng số liệu của các đơn vị này.") in text
    assert "Các Cục Thi hành án dân sự đã tiếp nhận" in text and "Phòng Thi hành án dân sự khu vực" not in text
    # Offices of the same name in the two old provinces are told apart.
    assert "Chi cục Thi hành án dân sự huyện Châu Thành, tỉnh Tiền Giang" in text
    assert "Bảng 2. Vị trí của tỉnh Đồng Tháp trong 34 tỉnh, thành phố 9 tháng năm 2025" in text
    national = " ".join(BeautifulSoup((organised / "toan-quoc" / "report.html").read_text("utf-8"), "html.parser")
                        .get_text(" ").split())
    assert "Xếp hạng 34 tỉnh, thành phố có từ ngày 01/07/2025" in national and "Tỉnh Đồng Tháp" in national

    index = BeautifulSoup((out / "index.html").read_text("utf-8"), "html.parser")
    rows = index.find_all("tr", attrs={"data-period": "2025-M09", "data-code": "82"})
    assert [" ".join(r.find("td", class_="name").get_text(" ").split()) for r in rows] == [
        "Tỉnh Tiền Giang", "Tỉnh Đồng Tháp theo các tỉnh, thành phố từ ngày 01/07/2025"]
