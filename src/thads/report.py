"""What a report notebook calls: one object per report that holds its figures and displays each part.

Cells stay thin: `r = ProvinceReport(province, period)` then `r.header()`, `r.results()`,
`r.chart_rates()`, ... Each method returns a `parts.Part` (HTML or a chart, with a structured
record), so the notebook shows the same thing in JupyterLab and in the exported HTML, PDF and other
formats. Building the object records its key figures in the notebook; `summary.json` and the index
are written from that record.

For analysts' own cells (README, "Sửa và viết thêm báo cáo"):
- `r.figures`: the key figures (`metrics.KeyFigures`): `r.figures.viec.ty_le` (Decimal),
  `r.figures.tien.chi_tieu`, `r.figures.viec.con_phai_xong`, `r.figures.cung_ky` (last year, or None),
  `r.figures.khac` (citizens, complaints, ...);
- `r.offices`: one row per office, ranked (`metrics.office_table`);
- `r.monthly`: the cumulative rates month by month (`metrics.monthly_path`);
- `r.data`: the validated data (a copy: changing it changes nothing for the next report);
- `thads.formatting`: `number`, `percent`, `money`, `day` write figures the Vietnamese way.
"""

from __future__ import annotations

from datetime import date

from markupsafe import Markup

from thads import charts, dataset, metrics, narrative, notes, parts, project, signing
from thads import formatting as fmt
from thads.parts import Part
from thads.periods import Period
from thads.units import organised_label, organised_on

CHART_DPI = 200                          # a chart's PNG, for Word: sharp in print
REORGANISED = date(2025, 7, 1)          # Cục THADS tỉnh become THADS tỉnh/thành phố (QĐ 1898/QĐ-BTP)
DEPARTMENT = date(2025, 3, 1)           # the Tổng cục THADS becomes the Cục Quản lý THADS (NĐ 39/2025)


RANK_LABELS = {"thu_ly": "Tổng số thụ lý", "phai_thi_hanh": "Tổng số phải thi hành", "co_dieu_kien": "Có điều kiện",
               "ty_le_co_dieu_kien": "Tỷ lệ có điều kiện trên phải thi hành", "thi_hanh_xong": "Thi hành xong",
               "ty_le": "Tỷ lệ thi hành xong"}


def _figure(fig, alt: str) -> Part:
    caption = fig.axes[0].get_title() if len(fig.axes) == 1 else alt
    png = charts.png(fig, CHART_DPI) if parts.CHART_PNG else None
    return parts.figure(charts.svg(fig), png, alt, caption or alt, fig.get_figwidth())


def _sample_notice(data: dataset.Dataset) -> str:
    """What the sample banner says after "DỮ LIỆU MẪU —", without saying "dữ liệu mẫu" twice."""
    if not data.is_sample:
        return ""
    text = str(data.description.get("description", "")).strip()
    if text.lower().startswith("dữ liệu mẫu"):
        text = text[len("dữ liệu mẫu"):].lstrip(" ,.:;-—")
    return text[:1].upper() + text[1:] if text else "số liệu không phải thống kê thật."


def _date(value) -> date:
    return date.fromisoformat(str(value)) if value not in (None, "") else date.today()


def _table(header, rows, text_columns=1, caption=None, note=None, compact=False, highlighted=()) -> Part:
    numeric = [i >= text_columns for i in range(len(header))]
    return parts.table(header, [[str(c) for c in row] for row in rows], numeric, caption=caption, note=note,
                       highlighted=list(highlighted), compact=compact)


class _Document:
    """What every report shares: its date, the key-figure cards and the record of its figures."""

    kind: str
    figures: metrics.KeyFigures | metrics.NationalFigures
    as_of: date | None                 # for the provinces of this day (--as-of); None: those of the period's end
    period: Period
    date: date

    def _record(self, subject: str, full_name: str) -> None:
        self.document_title = f"Báo cáo {self.period.label} - {full_name}" + (
            f" ({organised_label(self.as_of)})" if self.as_of else "")
        figures = self.figures.to_json()
        figures.update(self._extra_summary())
        parts.setup_display()
        parts.record_figures(self.kind, subject, self.period.code, self.document_title, figures)

    @property
    def day(self) -> date:
        """The day whose provinces the report is for: `as_of`, or the end of the period."""
        return self.as_of or self.period.end

    def _extra_summary(self) -> dict:
        return {}

    def monthly_note(self) -> Part:
        """What the monthly chart shows: last year's line only when there are last year's figures."""
        last = any(self.monthly[f"{k}_ty_le_cung_ky"].notna().any() for k in ("viec", "tien"))
        target = any(self.figures.result(k).chi_tieu is not None for k in ("viec", "tien"))
        compared = [words for words, shown in (("cùng kỳ năm trước", last), (self.target_words, target)) if shown]
        return parts.paragraphs("Tỷ lệ lũy kế từ ngày 01/10 đến hết từng tháng của năm thống kê"
                                + (f", so với {' và '.join(compared)}" if compared else "") + ".")

    def key_figures(self) -> Part:
        """Two cards: the cases and money rates against their targets, met or not."""
        cards = []
        for kind, title in (("viec", "Tỷ lệ thi hành xong về việc"), ("tien", "Tỷ lệ thi hành xong về tiền")):
            r = self.figures.result(kind)
            if r.met is None:
                status = "none"
                verdict = "Chưa có chỉ tiêu" if r.chi_tieu is None else "Chưa tính được tỷ lệ"
            elif r.met:
                status, verdict = "met", f"ĐẠT chỉ tiêu (vượt {fmt.points(r.chenh_lech)})"
            else:
                status, verdict = "missed", f"CHƯA ĐẠT (thấp hơn {fmt.points(r.chenh_lech)})"
            target = "Chỉ tiêu: chưa giao" if r.chi_tieu is None else f"Chỉ tiêu: {fmt.percent(r.chi_tieu)}"
            detail = (f"{fmt.number(r.thi_hanh_xong)}/{fmt.number(r.co_dieu_kien)} việc có điều kiện"
                      if kind == "viec" else f"{fmt.money(r.thi_hanh_xong)} / {fmt.money(r.co_dieu_kien)}")
            cards.append({"title": title, "rate": fmt.percent(r.ty_le, "—"), "target": target,
                          "verdict": verdict, "detail": detail, "status": status})
        return parts.block("key_figures", "key_figures.html.j2", cards=cards)

    def _signature(self, code: str, position: str) -> Part:
        chosen = signing.for_report(project.find().signing, code, position)
        return parts.block("signature", "signature.html.j2", chuc_vu=chosen.chuc_vu, nguoi_ky=chosen.nguoi_ky,
                           noi_nhan=list(chosen.noi_nhan))

    def _header(self, agency: str, symbol: str, place: str, missing_offices: list[str]) -> Part:
        # The agency's name breaks where it reads naturally: "CỤC THI HÀNH ÁN DÂN SỰ" / "TỈNH HẬU GIANG".
        at = next((agency.index(m) for m in (" TỈNH ", " THÀNH PHỐ ") if m in agency), None)
        lines = [agency] if at is None else [agency[:at], agency[at + 1:]]
        return parts.block("header", "header.html.j2", parent_agency="BỘ TƯ PHÁP", agency=agency, agency_lines=lines,
                           symbol=symbol,
                           place=place, long_date=fmt.long_day(self.date), subject=self.title(),
                           sample=_sample_notice(self.data), missing_offices=missing_offices)


class ProvinceReport(_Document):
    """The figures, sentences, tables and charts of one province's report for one period.

    `province` is a code (`"93"`, or `93` as papermill passes it), a name or a slug; `data_dir` and
    `notes_dir` are read from the project root (the folder holding thads.yml), empty for its defaults.
    """

    kind = "province"
    target_words = "chỉ tiêu"

    def __init__(self, province: str | int, period: str, data_dir: str = "", notes_dir: str = "",
                 report_date: str = "", as_of: str = ""):
        where = project.find()
        self.period = Period.parse(period)
        self.data = dataset.load(where.path(data_dir, where.data))
        self.as_of = organised_on(self.period, as_of, self.data.units)
        self.province = self.data.units.resolve(province, self.period, self.as_of)
        self.figures: metrics.KeyFigures = metrics.key_figures(self.data, self.province, self.period, self.as_of)
        self.offices = metrics.office_table(self.data, self.province, self.period)
        self.monthly = metrics.monthly_path(self.data, self.province, self.period)
        self.notes = notes.load(where.path(notes_dir, where.notes), self.period, self.province.code, self.as_of)
        self.date = _date(report_date)
        self._record(self.province.code, self.province.full_name)

    # Header and key figures -------------------------------------------------------------------
    def title(self) -> str:
        kind = "Tổng kết" if self.period.month == 12 else "Sơ kết"
        subject = (f"{kind} công tác thi hành án dân sự, theo dõi thi hành án hành chính {self.period.label}")
        if self.period.month < 12:
            subject += f" và nhiệm vụ, giải pháp hoàn thành các chỉ tiêu năm {self.period.year}"
        return subject

    def header(self) -> Part:
        """Agency and national motto, number, place and date, the title, and the sample-data notice."""
        # A report on the provinces of a later day takes their header.
        provincial = next(o for o in self.data.units.offices_of(self.province, self.day) if o.is_provincial)
        before_merger = provincial.kind == "cuc"
        return self._header(provincial.name.upper(), "BC-CTHADS" if before_merger else "BC-THADS",
                            self.province.name, self.figures.don_vi_thieu_so_lieu)

    def signature(self) -> Part:
        """The end of the document: "Nơi nhận" and the signer (parameters/signing.yml). The position is the one
        in force on the signing date: CỤC TRƯỞNG of a Cục THADS tỉnh until 30/06/2025, then the one set in the
        signing file, blank by default."""
        return self._signature(self.province.code, "CỤC TRƯỞNG" if self.date < REORGANISED else "")

    # Results ----------------------------------------------------------------------------------
    def results(self) -> Part:
        """The opening paragraph and the comparison with the targets; for a province of a later day (`as_of`),
        a footnote saying whose figures these are."""
        kf, p = self.figures, self.province
        return parts.paragraphs(narrative.results(kf, p, self.period),
                                narrative.against_target(kf, "viec", p, self.period),
                                narrative.against_target(kf, "tien", p, self.period),
                                (narrative.organised_footnote(kf, p), "footnote"))

    def rank_table(self) -> Part:
        """Where the province stands among all provinces on the figures a conference quotes; when the data do
        not hold every province, a line saying why there is no rank."""
        ranked = self.figures.xep_thu
        if not ranked:
            having, total = metrics.coverage(self.data, self.period, self.day)
            return parts.paragraphs((f"Không xếp thứ so với các tỉnh, thành phố: thư mục dữ liệu có số liệu kỳ này "
                                     f"của {having}/{total} tỉnh, thành phố.", "footnote"))
        rows = []
        for key, rank in ranked.items():
            kind, figure = key.split("_", 1)
            value = getattr(self.figures.result(kind), figure)
            shown = fmt.percent(value, table=True) if figure.startswith("ty_le") else fmt.number(value)
            rows.append([f"{RANK_LABELS[figure]} ({'việc' if kind == 'viec' else 'nghìn đồng'})"
                         if not figure.startswith("ty_le") else f"{RANK_LABELS[figure]} về {narrative.KINDS[kind]}",
                         shown, f"{rank.hang}/{rank.tren}"])
        total = max(r.tren for r in ranked.values())
        return _table(["Chỉ tiêu", "Số liệu", "Xếp thứ"], rows, compact=True,
                      caption=f"Bảng 2. Vị trí của {self.province.label} trong {total} tỉnh, thành phố "
                              f"{self.period.label}",
                      note="Xếp thứ 1 là số lớn nhất hoặc tỷ lệ cao nhất; bằng nhau thì cùng thứ hạng.")

    def structure_table(self) -> Part:
        """Cases and money by structure, this period and the same period last year."""
        kf, last = self.figures, self.figures.cung_ky
        header = ["Chỉ tiêu thống kê", "Việc", "Tiền (nghìn đồng)"]
        if last:
            mark = " (*)" if last.gop_tu else ""
            header += [f"Việc cùng kỳ {last.ky[:4]}{mark}", f"Tiền cùng kỳ {last.ky[:4]}{mark} (nghìn đồng)"]

        def count(name: str):
            return lambda r: "—" if getattr(r, name) is None else fmt.number(getattr(r, name))

        lines = [("Tổng số thụ lý", "thu_ly"), ("- Năm trước chuyển sang", "nam_truoc_chuyen_sang"),
                 ("- Thụ lý mới", "thu_ly_moi"), ("Ủy thác", "uy_thac"),
                 ("Thu hồi, hủy quyết định thi hành án", "thu_hoi_huy"),
                 ("Tổng số phải thi hành", "phai_thi_hanh"), ("Có điều kiện thi hành", "co_dieu_kien"),
                 ("Thi hành xong (gồm đình chỉ)", "thi_hanh_xong"), ("Chưa có điều kiện thi hành", "chua_co_dieu_kien"),
                 ("Chưa có điều kiện đã chuyển sổ theo dõi riêng", "so_theo_doi_rieng")]
        sources = [kf.viec, kf.tien] + ([last.viec, last.tien] if last else [])
        # A line the data have for none of the columns is left out: never derived, never shown as 0.
        lines = [(label, count(name)) for label, name in lines if any(getattr(r, name) is not None for r in sources)]
        lines += [("Tỷ lệ thi hành xong", lambda r: fmt.percent(r.ty_le, table=True)),
                  ("Chỉ tiêu được giao", lambda r: fmt.percent(r.chi_tieu, "chưa giao", table=True))]
        rows = [[label, *(show(r) for r in sources)] for label, show in lines]
        note = "(*) Xem chú thích ở mục 2 (so sánh với cùng kỳ)." if last and last.gop_tu else None
        return _table(header, rows, caption=f"Bảng 1. Kết quả thi hành án dân sự {self.period.label}", note=note)

    def against_last_year(self) -> Part:
        kf = self.figures
        return parts.paragraphs(narrative.against_last_year(kf, self.province),
                                (narrative.merged_footnote(kf, self.province), "footnote"))

    # Offices ----------------------------------------------------------------------------------
    def offices_text(self) -> Part:
        return parts.paragraphs(narrative.offices(self.offices, self.figures))

    def office_table(self) -> Part:
        """Offices ranked by the cases rate; those below a target highlighted."""
        header = ["Hạng", "Đơn vị", "Việc có ĐK", "Việc xong", "Tỷ lệ việc", "Tiền có ĐK (nghìn đồng)",
                  "Tiền xong (nghìn đồng)", "Tỷ lệ tiền"]
        rows, missed = [], []
        for i, r in enumerate(self.offices.itertuples()):
            if r.viec_dat is False or r.tien_dat is False:
                missed.append(i)
            rows.append([r.hang, r.don_vi, fmt.number(r.viec_co_dieu_kien), fmt.number(r.viec_thi_hanh_xong),
                         fmt.percent(r.viec_ty_le, table=True), fmt.number(r.tien_co_dieu_kien),
                         fmt.number(r.tien_thi_hanh_xong), fmt.percent(r.tien_ty_le, table=True)])
        return _table(header, rows, text_columns=2, compact=True, highlighted=missed,
                      caption=f"Bảng {3 if self.figures.xep_thu else 2}. Kết quả theo đơn vị {self.period.label}",
                      note="Dòng tô màu: đơn vị chưa đạt chỉ tiêu về việc hoặc về tiền.")

    # Other work and notes ---------------------------------------------------------------------
    def other_work(self) -> Part:
        return parts.paragraphs(*narrative.other_work(self.figures, self.province, self.period))

    def note(self, key: str, heading: bool = True) -> Part:
        """An analyst's note section, with its heading; nothing when the note has no such section."""
        text = self.notes.get(key)
        if not text:
            return parts.paragraphs()
        return parts.note(notes.SECTIONS[key] if heading else None, text, Markup(notes.to_html(text)))

    def still_needed(self) -> Part:
        sentence = narrative.still_needed(self.figures, self.province, self.period)
        return parts.Part({"kind": "section", "heading": "Chỉ tiêu còn phải thực hiện",
                           "paragraphs": [{"text": sentence, "style": ""}]},
                          f"<h3>Chỉ tiêu còn phải thực hiện</h3>{parts.paragraphs(sentence).html}")

    # Charts -----------------------------------------------------------------------------------
    def chart_rates(self) -> Part:
        return _figure(charts.rates_vs_targets(self.figures), "Tỷ lệ thi hành xong về việc và về tiền so với chỉ tiêu")

    def chart_structure(self) -> Part:
        return _figure(charts.structure(self.figures), "Cơ cấu số phải thi hành về việc và về tiền")

    def chart_last_year(self) -> Part:
        """This period beside last year's; nothing when there are no figures for last year."""
        if self.figures.cung_ky is None:
            return parts.paragraphs()
        return _figure(charts.against_last_year(self.figures), "So sánh với cùng kỳ năm trước về việc và về tiền")

    def chart_monthly(self) -> Part:
        return _figure(charts.monthly(self.monthly, self.figures), "Tỷ lệ thi hành xong lũy kế theo tháng")

    def chart_offices(self, kind: str = "viec") -> Part:
        return _figure(charts.offices_ranked(self.offices, kind, self.figures.result(kind).chi_tieu),
                       f"Tỷ lệ thi hành xong về {narrative.KINDS[kind]} theo đơn vị")

    # Annex ------------------------------------------------------------------------------------
    def annex_offices(self) -> Part:
        """Every office's full figures."""
        header = ["Mã", "Đơn vị", "Việc phải TH", "Việc có ĐK", "Việc xong", "Tiền phải TH (nghìn đồng)",
                  "Tiền có ĐK (nghìn đồng)", "Tiền xong (nghìn đồng)"]
        rows = [[r.ma, r.ten, fmt.number(r.viec_phai_thi_hanh), fmt.number(r.viec_co_dieu_kien),
                 fmt.number(r.viec_thi_hanh_xong), fmt.number(r.tien_phai_thi_hanh),
                 fmt.number(r.tien_co_dieu_kien), fmt.number(r.tien_thi_hanh_xong)]
                for r in self.offices.sort_values("ma").itertuples()]
        return _table(header, rows, text_columns=2, compact=True, caption="Phụ lục 1. Số liệu theo đơn vị",
                      note="Thi hành xong gồm cả số đình chỉ thi hành án.")

    def annex_monthly(self) -> Part:
        """The cumulative rates month by month."""
        header = ["Tháng", "Tỷ lệ việc", "Tỷ lệ việc cùng kỳ", "Tỷ lệ tiền", "Tỷ lệ tiền cùng kỳ"]
        rows = [[r.nhan, *(fmt.percent(v, table=True) for v in (r.viec_ty_le, r.viec_ty_le_cung_ky, r.tien_ty_le,
                                                                 r.tien_ty_le_cung_ky))]
                for r in self.monthly.itertuples()]
        return _table(header, rows, compact=True, caption="Phụ lục 2. Tỷ lệ thi hành xong lũy kế theo tháng",
                      note="Mỗi tháng: lũy kế từ ngày 01/10 đến hết tháng.")


class NationalReport(_Document):
    """The national overview of a period: every province ranked against its target, the national totals."""

    kind = "national"
    target_words = "chỉ tiêu toàn quốc"

    def __init__(self, period: str, data_dir: str = "", report_date: str = "", as_of: str = ""):
        where = project.find()
        self.period = Period.parse(period)
        self.data = dataset.load(where.path(data_dir, where.data))
        self.as_of = organised_on(self.period, as_of, self.data.units)
        self.ranking = metrics.province_ranking(self.data, self.period, self.as_of)
        self.figures: metrics.NationalFigures = metrics.national_key_figures(self.data, self.period, self.ranking,
                                                                             self.as_of)
        self.monthly = metrics.national_path(self.data, self.period)
        self.date = _date(report_date)
        self._record("toan-quoc", "toàn quốc")

    def _extra_summary(self) -> dict:
        ranked = self.ranking
        return {"xep_hang": metrics.plain(ranked[metrics.RANKING_COLUMNS].to_dict("records")) if not ranked.empty
                else []}

    def title(self) -> str:
        return f"Tổng hợp kết quả thi hành án dân sự toàn quốc {self.period.label}"

    def header(self) -> Part:
        agency = "TỔNG CỤC THI HÀNH ÁN DÂN SỰ" if self.period.end < DEPARTMENT else "CỤC QUẢN LÝ THI HÀNH ÁN DÂN SỰ"
        return self._header(agency, "BC-THADS", "Hà Nội", [])

    def signature(self) -> Part:
        """"Nơi nhận" and the signer: TỔNG CỤC TRƯỞNG until 28/02/2025, then CỤC TRƯỞNG, unless the signing file
        (entry `toan-quoc`) sets another."""
        return self._signature("toan-quoc", "TỔNG CỤC TRƯỞNG" if self.date < DEPARTMENT else "CỤC TRƯỞNG")

    def results(self) -> Part:
        kf = self.figures
        return parts.paragraphs(narrative.national_results(kf, self.period),
                                narrative.national_target(kf, "viec", self.period),
                                narrative.national_target(kf, "tien", self.period))

    def against_last_year(self) -> Part:
        kf = self.figures
        last = kf.cung_ky
        note = None
        if last and last.so_tinh != kf.so_tinh:
            note = (f"Cùng kỳ {last.ten_ky} có {last.so_tinh} tỉnh, thành phố, nay là {kf.so_tinh} sau khi "
                    "sắp xếp đơn vị hành chính từ ngày 01/07/2025; số liệu toàn quốc so sánh được vì là tổng của "
                    "mọi đơn vị.")
        return parts.paragraphs(narrative.against_last_year(kf, None), (note, "footnote"))

    def ranking_text(self) -> Part:
        note = None
        if self.as_of is not None:
            note = (f"Xếp hạng {self.figures.so_tinh} tỉnh, thành phố có từ ngày {fmt.day(self.as_of)}; số liệu "
                    f"{self.period.label} của tỉnh, thành phố hình thành sau ngày {fmt.day(self.period.end)} là tổng "
                    "số liệu của các tỉnh hợp nhất; chỉ tiêu chỉ so sánh khi được giao theo tổ chức đó.")
        return parts.paragraphs(narrative.ranking(self.ranking, self.figures), (note, "footnote"))

    def ranking_table(self) -> Part:
        """Provinces ranked by the cases rate, each against its own target."""
        header = ["Hạng", "Tỉnh/thành phố", "Tỷ lệ việc", "Chỉ tiêu việc", "Tỷ lệ việc cùng kỳ", "Tỷ lệ tiền",
                  "Chỉ tiêu tiền", "Tỷ lệ tiền cùng kỳ"]
        rows, missed = [], []
        for i, r in enumerate(self.ranking.itertuples()):
            if r.viec_dat is False or r.tien_dat is False:
                missed.append(i)
            rows.append([r.hang, r.ten, *(fmt.percent(v, "chưa giao" if i % 3 == 1 else "—", table=True) for i, v in
                                          enumerate((r.viec_ty_le, r.viec_chi_tieu, r.viec_ty_le_cung_ky, r.tien_ty_le,
                                                     r.tien_chi_tieu, r.tien_ty_le_cung_ky)))])
        return _table(header, rows, text_columns=2, compact=True, highlighted=missed,
                      caption=f"Bảng 1. Xếp hạng các tỉnh, thành phố {self.period.label}",
                      note="Dòng tô màu: chưa đạt chỉ tiêu về việc hoặc về tiền. Cùng kỳ của tỉnh, thành phố hình "
                           "thành sau sắp xếp là tổng của các tỉnh hợp nhất.")

    def chart_rates(self) -> Part:
        return _figure(charts.rates_vs_targets(self.figures), "Tỷ lệ thi hành xong toàn quốc so với chỉ tiêu")

    def chart_ranking(self, kind: str = "viec") -> Part:
        table = self.ranking.rename(columns={"tinh": "don_vi"})
        title = f"Tỷ lệ thi hành xong về {narrative.KINDS[kind]} theo tỉnh, thành phố"
        return _figure(charts.offices_ranked(table, kind, self.figures.result(kind).chi_tieu, by_row_target=True,
                                             title=title), title)

    def chart_monthly(self) -> Part:
        return _figure(charts.monthly(self.monthly, self.figures), "Tỷ lệ thi hành xong toàn quốc lũy kế theo tháng")

    def annex(self) -> Part:
        header = ["Mã", "Tỉnh/thành phố", "Việc phải TH", "Việc có ĐK", "Việc xong", "Tiền có ĐK (nghìn đồng)",
                  "Tiền xong (nghìn đồng)"]
        rows = [[r.ma, r.ten, fmt.number(r.viec_phai_thi_hanh), fmt.number(r.viec_co_dieu_kien),
                 fmt.number(r.viec_thi_hanh_xong), fmt.number(r.tien_co_dieu_kien),
                 fmt.number(r.tien_thi_hanh_xong)] for r in self.ranking.sort_values("ma").itertuples()]
        return _table(header, rows, text_columns=2, compact=True, caption="Phụ lục. Số liệu theo tỉnh, thành phố",
                      note="Thi hành xong gồm cả số đình chỉ thi hành án.")
