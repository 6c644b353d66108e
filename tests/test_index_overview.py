"""The index a leader opens: the period at a glance above the table (how many provinces met each target, the national
rates, a chart of every province's rates against its targets), a notice when the reports are made from sample data,
and the notebook that made each report."""

import json
from pathlib import Path

from bs4 import BeautifulSoup

from thads import index


def report(out: Path, place: str, name: str, viec: tuple, tien: tuple, sample: str = "", notebook: str = "") -> None:
    folder = out / "2026-M12" / place
    folder.mkdir(parents=True)
    (folder / "report.html").write_text("<p>x</p>", "utf-8")
    summary = {"ten_day_du": name, "du_lieu_mau": sample, "viec": {"ty_le": viec[0], "chi_tieu": viec[1]},
               "tien": {"ty_le": tien[0], "chi_tieu": tien[1]}}
    (folder / "summary.json").write_text(json.dumps(summary), "utf-8")
    (folder / "inputs.json").write_text(json.dumps({"formats": ["html"], "written": {}, "notebook": notebook}), "utf-8")


def page_of(out: Path) -> BeautifulSoup:
    return BeautifulSoup(index.render(out), "html.parser")


def test_the_period_at_a_glance_counts_the_targets_met_and_links_the_national_overview(tmp_path):
    report(tmp_path, "92", "Thành phố Cần Thơ", (85.5, 84.0), (50.0, 52.0), notebook="province_report.ipynb")
    report(tmp_path, "82", "Tỉnh Đồng Tháp", (80.0, 84.0), (55.0, 52.0), notebook="province_report.dong-thap.ipynb")
    report(tmp_path, "01", "Thành phố Hà Nội", (90.0, None), (60.0, None))
    report(tmp_path, "toan-quoc", "Toàn quốc", (84.25, 84.0), (56.13, 52.0))
    page = page_of(tmp_path)
    overview = page.select_one("section.overview")
    text = " ".join(overview.get_text(" ").split())
    assert "3 tỉnh, thành phố có báo cáo; đạt chỉ tiêu về việc: 1/2 tỉnh được giao, về tiền: 1/2." in text
    assert "Toàn quốc: tỷ lệ về việc 84,25% (chỉ tiêu 84,00%), về tiền 56,13% (chỉ tiêu 52,00%)." in text
    assert overview.select_one("a")["href"] == "2026-M12/toan-quoc/report.html"
    bars = overview.select("svg rect.bar")
    assert len(bars) == 6 and len(overview.select("svg line.target")) == 4      # Hà Nội has no targets
    assert [t.get_text() for t in overview.select("svg text") if t.get_text().startswith("Thành phố Hà")] == \
        ["Thành phố Hà Nội"]                                                  # ordered by the cases rate: first
    assert "notebook: province_report.dong-thap.ipynb" in page.get_text()
    assert not page.select(".sample-banner")


def test_the_index_says_when_its_reports_are_made_from_sample_data(tmp_path):
    report(tmp_path, "92", "Thành phố Cần Thơ", (85.5, 84.0), (50.0, 52.0), sample="số liệu tạo ngẫu nhiên")
    assert "mọi báo cáo dưới đây được làm từ dữ liệu mẫu" in page_of(tmp_path).select_one(".sample-banner").get_text()
    report(tmp_path, "82", "Tỉnh Đồng Tháp", (80.0, 84.0), (55.0, 52.0))
    page = page_of(tmp_path)
    assert "1/2 báo cáo dưới đây (đánh dấu «mẫu»)" in page.select_one(".sample-banner").get_text()
    marked = [row.select_one("td.name").get_text(" ", strip=True) for row in page.select("#reports tbody tr")
              if row.select(".sample-mark")]
    assert marked == ["Thành phố Cần Thơ mẫu"]


def test_a_plain_run_keeps_a_report_a_batch_entry_made_with_its_own_notebook(tmp_path):
    from thads import batch, run
    from thads.kinds import Subject
    from thads.periods import Period

    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    for name in ("province_report.ipynb", "province_report.dac-biet.ipynb", "province_report.can-tho.ipynb"):
        (notebooks / name).write_text("{}", "utf-8")
    job = run.Job("province", Period.parse("2026-M12"), Subject("92", "Cần Thơ", "Thành phố Cần Thơ"),
                  notebooks / "province_report.ipynb")
    folder = run.output_folder(tmp_path / "out", job)
    folder.mkdir(parents=True)
    (folder / "inputs.json").write_text(json.dumps({"formats": ["html"], "written": {},
                                                    "notebook": "province_report.dac-biet.ipynb"}), "utf-8")
    kept = batch._made_by_another_notebook(tmp_path / "out", job)
    assert kept.startswith("giữ báo cáo do notebook province_report.dac-biet.ipynb làm") and "--force" in kept
    from dataclasses import replace

    assert batch._made_by_another_notebook(tmp_path / "out", replace(job, chosen=True)) is None   # named: remade
    (folder / "inputs.json").write_text(json.dumps({"formats": ["html"], "written": {},
                                                    "notebook": "province_report.ipynb"}), "utf-8")
    variant = replace(job, notebook=notebooks / "province_report.can-tho.ipynb")
    assert batch._made_by_another_notebook(tmp_path / "out", variant) is None   # its own variant added: it takes over
    (folder / "inputs.json").write_text(json.dumps({"formats": ["html"], "written": {},
                                                    "notebook": "province_report.dac-biet.ipynb"}), "utf-8")
    (notebooks / "province_report.dac-biet.ipynb").unlink()
    assert batch._made_by_another_notebook(tmp_path / "out", job) is None     # that notebook is gone: remade
