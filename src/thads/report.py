"""What a report notebook calls: one object per province and period that displays each part.

Cells stay thin: `r = ProvinceReport(province, period, data_dir, notes_dir)` then `r.header()`,
`r.results()`, `r.chart_rates()`, ... Each method returns an IPython display object (HTML or a PNG
image), so the notebook shows the same thing in JupyterLab and in the exported HTML and PDF.
"""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import matplotlib.pyplot as plt
from IPython.display import HTML, Image
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from thads import charts, dataset, metrics, narrative, notes
from thads import formatting as fmt
from thads.periods import Period

_TEMPLATES = Environment(loader=PackageLoader("thads", "templates/fragments"),
                         autoescape=select_autoescape(default=True, default_for_string=True))
CHART_DPI = 200


def _render(name: str, **context) -> HTML:
    return HTML(_TEMPLATES.get_template(name).render(**context))


def _paragraphs(*texts: str | None, css: str = "") -> HTML:
    attr = f' class="{css}"' if css else ""
    return HTML("".join(f"<p{attr}>{escape(t)}</p>" for t in texts if t))


def _png(fig) -> Image:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=CHART_DPI)
    plt.close(fig)
    return Image(data=buffer.getvalue(), format="png")


def _table(header, rows, text_columns=1, caption=None, note=None, compact=False) -> HTML:
    return _render("table.html.j2", header=header, rows=rows, text_columns=text_columns, caption=caption,
                   note=note, compact=compact)


def _sample_notice(data: dataset.Dataset) -> str:
    return data.description.get("description", "Dữ liệu mẫu.") if data.is_sample else ""


class _Document:
    """What every report shares: key-figure cards built from `self.figures`."""

    figures: dict

    def key_figures(self) -> HTML:
        """Two cards: the cases and money rates against their targets, met or not."""
        cards = []
        for kind, title in (("viec", "Tỷ lệ thi hành xong về việc"), ("tien", "Tỷ lệ thi hành xong về tiền")):
            r = self.figures[kind]
            result = metrics.Result(**r)
            if result.met is None:
                status = "none"
                verdict = "Chưa có chỉ tiêu" if r["chi_tieu"] is None else "Chưa tính được tỷ lệ"
            elif result.met:
                status, verdict = "met", f"ĐẠT chỉ tiêu (vượt {fmt.points(r['chenh_lech'])})"
            else:
                status, verdict = "missed", f"CHƯA ĐẠT (thấp hơn {fmt.points(r['chenh_lech'])})"
            target = "Chỉ tiêu: chưa giao" if r["chi_tieu"] is None else f"Chỉ tiêu: {fmt.percent(r['chi_tieu'])}"
            detail = (f"{fmt.number(r['thi_hanh_xong'])}/{fmt.number(r['co_dieu_kien'])} việc có điều kiện"
                      if kind == "viec" else f"{fmt.money(r['thi_hanh_xong'])} / {fmt.money(r['co_dieu_kien'])}")
            cards.append({"title": title, "rate": fmt.percent(r["ty_le"], "—"), "target": target,
                          "verdict": verdict, "detail": detail, "status": status})
        return _render("key_figures.html.j2", cards=cards)



class ProvinceReport(_Document):
    """The figures, sentences, tables and charts of one province's report for one period."""

    def __init__(self, province: str, period: str, data_dir: str | Path = "data",
                 notes_dir: str | Path = "parameters/notes", report_date: str = ""):
        self.period = Period.parse(period)
        self.data = dataset.load(data_dir)
        self.province = self.data.units.resolve(province, self.period)
        self.figures = metrics.key_figures(self.data, self.province, self.period)
        self.offices = metrics.office_table(self.data, self.province, self.period)
        self.path = metrics.monthly_path(self.data, self.province, self.period)
        self.notes = notes.load(notes_dir, self.period, self.province.code)
        self.date = date.fromisoformat(report_date) if report_date else date.today()

    # Header and key figures -------------------------------------------------------------------
    def title(self) -> str:
        kind = "Tổng kết" if self.period.month == 12 else "Sơ kết"
        subject = (f"{kind} công tác thi hành án dân sự, theo dõi thi hành án hành chính {self.period.label}")
        if self.period.month < 12:
            subject += f" và nhiệm vụ, giải pháp hoàn thành các chỉ tiêu năm {self.period.year}"
        return subject

    def header(self) -> HTML:
        """Agency and national motto, number, place and date, the title, and the sample-data notice."""
        provincial = next(o for o in self.data.units.offices_of(self.province, self.period.end) if o.is_provincial)
        before_merger = provincial.kind == "cuc"
        sample = _sample_notice(self.data)
        return _render("header.html.j2", parent_agency="BỘ TƯ PHÁP", agency=provincial.name.upper(),
                       symbol="BC-CTHADS" if before_merger else "BC-THADS", place=self.province.name,
                       long_date=fmt.long_day(self.date), subject=self.title(), sample=sample,
                       missing_offices=self.figures["don_vi_thieu_so_lieu"])

    # Results ----------------------------------------------------------------------------------
    def results(self) -> HTML:
        """The opening paragraph and the comparison with the targets."""
        kf, p = self.figures, self.province
        return _paragraphs(narrative.results(kf, p, self.period),
                           narrative.against_target(kf, "viec", p, self.period),
                           narrative.against_target(kf, "tien", p, self.period))

    def structure_table(self) -> HTML:
        """Cases and money by structure, this period and the same period last year."""
        kf, last = self.figures, self.figures["cung_ky"]
        header = ["Chỉ tiêu thống kê", "Việc", "Tiền (nghìn đồng)"]
        if last:
            mark = " (*)" if last["gop_tu"] else ""
            header += [f"Việc cùng kỳ {last['ky'][:4]}{mark}", f"Tiền cùng kỳ {last['ky'][:4]}{mark} (nghìn đồng)"]
        lines = [("Tổng số phải thi hành", "phai_thi_hanh", fmt.number),
                 ("Có điều kiện thi hành", "co_dieu_kien", fmt.number),
                 ("Thi hành xong (gồm đình chỉ)", "thi_hanh_xong", fmt.number),
                 ("Tỷ lệ thi hành xong", "ty_le", fmt.percent),
                 ("Chỉ tiêu được giao", "chi_tieu", lambda v: fmt.percent(v, "chưa giao"))]
        rows = []
        for label, key, show in lines:
            cells = [label, show(kf["viec"][key]), show(kf["tien"][key])]
            if last:
                cells += [show(last["viec"][key]), show(last["tien"][key])]
            rows.append({"cells": cells})
        rows.insert(3, {"cells": ["Chưa có điều kiện thi hành",
                                  *(fmt.number(kf[k]["phai_thi_hanh"] - kf[k]["co_dieu_kien"]) for k in ("viec", "tien")),
                                  *((fmt.number(last[k]["phai_thi_hanh"] - last[k]["co_dieu_kien"])
                                     for k in ("viec", "tien")) if last else ())]})
        note = "(*) Xem chú thích ở mục 2 (so sánh với cùng kỳ)." if last and last["gop_tu"] else None
        return _table(header, rows, caption=f"Bảng 1. Kết quả thi hành án dân sự {self.period.label}", note=note)

    def against_last_year(self) -> HTML:
        kf = self.figures
        return HTML(_paragraphs(narrative.against_last_year(kf, self.province)).data +
                    _paragraphs(narrative.merged_footnote(kf, self.province), css="footnote").data)

    # Offices ----------------------------------------------------------------------------------
    def offices_text(self) -> HTML:
        return _paragraphs(narrative.offices(self.offices, self.figures))

    def office_table(self) -> HTML:
        """Offices ranked by the cases rate; those below a target highlighted."""
        header = ["Hạng", "Đơn vị", "Việc có ĐK", "Việc xong", "Tỷ lệ việc", "Tiền có ĐK (nghìn đồng)",
                  "Tiền xong (nghìn đồng)", "Tỷ lệ tiền"]
        rows = []
        for r in self.offices.itertuples():
            missed = r.viec_dat is False or r.tien_dat is False
            rows.append({"css": "missed" if missed else "", "cells": [
                r.hang, r.don_vi, fmt.number(r.viec_co_dieu_kien), fmt.number(r.viec_thi_hanh_xong),
                fmt.percent(r.viec_ty_le), fmt.number(r.tien_co_dieu_kien), fmt.number(r.tien_thi_hanh_xong),
                fmt.percent(r.tien_ty_le)]})
        return _table(header, rows, text_columns=2, compact=True,
                      caption=f"Bảng 2. Kết quả theo đơn vị {self.period.label}",
                      note="Dòng tô màu: đơn vị chưa đạt chỉ tiêu về việc hoặc về tiền.")

    # Other work and notes ---------------------------------------------------------------------
    def other_work(self) -> HTML:
        return _paragraphs(*narrative.other_work(self.figures, self.province, self.period))

    def note(self, key: str, heading: bool = True) -> HTML:
        """An analyst's note section, with its heading; nothing when the note has no such section."""
        text = self.notes.get(key)
        if not text:
            return HTML("")
        title = f"<h3>{escape(notes.SECTIONS[key])}</h3>" if heading else ""
        return HTML(f'{title}<div class="analyst-note">{Markup(notes.to_html(text))}</div>')

    def still_needed(self) -> HTML:
        return HTML(f"<h3>Chỉ tiêu còn phải thực hiện</h3>"
                    f"<p>{escape(narrative.still_needed(self.figures, self.province, self.period))}</p>")

    # Charts -----------------------------------------------------------------------------------
    def chart_rates(self) -> Image:
        return _png(charts.rates_vs_targets(self.figures))

    def chart_structure(self) -> Image:
        return _png(charts.structure(self.figures))

    def chart_last_year(self) -> Image:
        return _png(charts.against_last_year(self.figures))

    def chart_monthly(self) -> Image:
        return _png(charts.monthly(self.path, self.figures))

    def chart_offices(self, kind: str = "viec") -> Image:
        return _png(charts.offices_ranked(self.offices, kind, self.figures[kind]["chi_tieu"]))

    # Annex ------------------------------------------------------------------------------------
    def annex_offices(self) -> HTML:
        """Every office's full figures."""
        header = ["Mã", "Đơn vị", "Việc phải TH", "Việc có ĐK", "Việc xong", "Tiền phải TH (nghìn đồng)",
                  "Tiền có ĐK (nghìn đồng)", "Tiền xong (nghìn đồng)"]
        rows = [{"cells": [r.ma, r.ten, fmt.number(r.viec_phai_thi_hanh), fmt.number(r.viec_co_dieu_kien),
                           fmt.number(r.viec_thi_hanh_xong), fmt.number(r.tien_phai_thi_hanh),
                           fmt.number(r.tien_co_dieu_kien), fmt.number(r.tien_thi_hanh_xong)]}
                for r in self.offices.sort_values("ma").itertuples()]
        return _table(header, rows, text_columns=2, compact=True, caption="Phụ lục 1. Số liệu theo đơn vị",
                      note="Thi hành xong gồm cả số đình chỉ thi hành án.")

    def annex_monthly(self) -> HTML:
        """The cumulative rates month by month."""
        header = ["Tháng", "Tỷ lệ việc", "Tỷ lệ việc cùng kỳ", "Tỷ lệ tiền", "Tỷ lệ tiền cùng kỳ"]
        rows = [{"cells": [r.nhan, fmt.percent(r.viec), fmt.percent(r.viec_cung_ky), fmt.percent(r.tien),
                           fmt.percent(r.tien_cung_ky)]} for r in self.path.itertuples()]
        return _table(header, rows, compact=True, caption="Phụ lục 2. Tỷ lệ thi hành xong lũy kế theo tháng",
                      note="Mỗi tháng: lũy kế từ ngày 01/10 đến hết tháng.")


class NationalReport(_Document):
    """The national overview of a period: every province ranked against its target, the national totals."""

    def __init__(self, period: str, data_dir: str | Path = "data", report_date: str = ""):
        self.period = Period.parse(period)
        self.data = dataset.load(data_dir)
        self.ranking = metrics.province_ranking(self.data, self.period)
        self.figures = metrics.national_key_figures(self.data, self.period, self.ranking)
        self.path = metrics.national_path(self.data, self.period)
        self.date = date.fromisoformat(report_date) if report_date else date.today()

    def title(self) -> str:
        return f"Tổng hợp kết quả thi hành án dân sự toàn quốc {self.period.label}"

    def header(self) -> HTML:
        agency = "TỔNG CỤC THI HÀNH ÁN DÂN SỰ" if self.period.end < date(2025, 3, 1) else \
            "CỤC QUẢN LÝ THI HÀNH ÁN DÂN SỰ"
        return _render("header.html.j2", parent_agency="BỘ TƯ PHÁP", agency=agency, symbol="BC-THADS",
                       place="Hà Nội", long_date=fmt.long_day(self.date), subject=self.title(),
                       sample=_sample_notice(self.data), missing_offices=[])

    def results(self) -> HTML:
        kf = self.figures
        return _paragraphs(narrative.national_results(kf, self.period),
                           narrative.national_target(kf, "viec", self.period),
                           narrative.national_target(kf, "tien", self.period))

    def against_last_year(self) -> HTML:
        kf = self.figures
        text = narrative.against_last_year(kf, None)
        last = kf["cung_ky"]
        note = None
        if last and last["so_tinh"] != kf["so_tinh"]:
            note = (f"Cùng kỳ {last['ten_ky']} có {last['so_tinh']} tỉnh, thành phố, nay là {kf['so_tinh']} sau khi "
                    "sắp xếp đơn vị hành chính từ ngày 01/07/2025; số liệu toàn quốc so sánh được vì là tổng của "
                    "mọi đơn vị.")
        return HTML(_paragraphs(text).data + _paragraphs(note, css="footnote").data)

    def ranking_text(self) -> HTML:
        return _paragraphs(narrative.ranking(self.ranking, self.figures))

    def ranking_table(self) -> HTML:
        """Provinces ranked by the cases rate, each against its own target."""
        header = ["Hạng", "Tỉnh/thành phố", "Tỷ lệ việc", "Chỉ tiêu việc", "Tỷ lệ việc cùng kỳ", "Tỷ lệ tiền",
                  "Chỉ tiêu tiền", "Tỷ lệ tiền cùng kỳ"]
        rows = [{"css": "missed" if r.viec_dat is False or r.tien_dat is False else "", "cells": [
            r.hang, r.ten, fmt.percent(r.viec_ty_le), fmt.percent(r.viec_chi_tieu, "chưa giao"),
            fmt.percent(r.viec_ty_le_cung_ky), fmt.percent(r.tien_ty_le), fmt.percent(r.tien_chi_tieu, "chưa giao"),
            fmt.percent(r.tien_ty_le_cung_ky)]} for r in self.ranking.itertuples()]
        return _table(header, rows, text_columns=2, compact=True,
                      caption=f"Bảng 1. Xếp hạng các tỉnh, thành phố {self.period.label}",
                      note="Dòng tô màu: chưa đạt chỉ tiêu về việc hoặc về tiền. Cùng kỳ của tỉnh, thành phố hình "
                           "thành sau sắp xếp là tổng của các tỉnh hợp nhất.")

    def chart_rates(self) -> Image:
        return _png(charts.rates_vs_targets(self.figures))

    def chart_ranking(self, kind: str = "viec") -> Image:
        table = self.ranking.rename(columns={"tinh": "don_vi"})
        return _png(charts.offices_ranked(table, kind, self.figures[kind]["chi_tieu"], by_row_target=True,
                                          title=f"Tỷ lệ thi hành xong về {narrative.KINDS[kind]} theo tỉnh, thành phố"))

    def chart_monthly(self) -> Image:
        return _png(charts.monthly(self.path, self.figures))

    def annex(self) -> HTML:
        header = ["Mã", "Tỉnh/thành phố", "Việc phải TH", "Việc có ĐK", "Việc xong", "Tiền có ĐK (nghìn đồng)",
                  "Tiền xong (nghìn đồng)"]
        rows = [{"cells": [r.ma, r.ten, fmt.number(r.viec_phai_thi_hanh), fmt.number(r.viec_co_dieu_kien),
                           fmt.number(r.viec_thi_hanh_xong), fmt.number(r.tien_co_dieu_kien),
                           fmt.number(r.tien_thi_hanh_xong)]} for r in self.ranking.sort_values("ma").itertuples()]
        return _table(header, rows, text_columns=2, compact=True, caption="Phụ lục. Số liệu theo tỉnh, thành phố",
                      note="Thi hành xong gồm cả số đình chỉ thi hành án.")
