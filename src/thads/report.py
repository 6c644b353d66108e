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

from markupsafe import Markup

from thads import charts, dataset, dating, markdown, metrics, narrative, notes, parts, project, signing
from thads import formatting as fmt
from thads.parts import Part
from thads.periods import Period
from thads.errors import ThadsError
from thads.units import organised_on
from thads.wording import Wording, unescape

CHART_DPI = 200                          # a chart's PNG, for Word: sharp in print


CAPTIONS = "chung/chu-thich.md.j2"
CURRENT = None                          # the report object built last in this kernel (for %%report_text)
RANK_LABELS = {"thu_ly": "Tổng số thụ lý", "phai_thi_hanh": "Tổng số phải thi hành", "co_dieu_kien": "Có điều kiện",
               "ty_le_co_dieu_kien": "Tỷ lệ có điều kiện trên phải thi hành", "thi_hanh_xong": "Thi hành xong",
               "ty_le": "Tỷ lệ thi hành xong"}


def _figure(fig, caption: str, label: str | None = None, templates: dict | None = None) -> Part:
    """A chart of the package's or an analyst's, numbered "Biểu đồ n" by the export; `templates`: where its caption's
    words come from."""
    png = charts.png(fig, CHART_DPI) if parts.CHART_PNG else None
    part = parts.figure(charts.svg(fig), png, caption, caption, fig.get_figwidth(), label=label,
                        chart=charts.recorded(fig))
    if templates:
        part.record["templates"] = templates
    return part


def _sample_notice(data: dataset.Dataset) -> str:
    """What the sample banner says after "DỮ LIỆU MẪU —", without saying "dữ liệu mẫu" twice."""
    if not data.is_sample:
        return ""
    text = str(data.description.get("description", "")).strip()
    if text.lower().startswith("dữ liệu mẫu"):
        text = text[len("dữ liệu mẫu"):].lstrip(" ,.:;-—")
    return text[:1].upper() + text[1:] if text else "số liệu không phải thống kê thật."


def _report_text(line: str, cell: str):
    """`%%report_text`: the cell's body is a wording template rendered with the fields of the report built last
    in this kernel (`r`), shown as Markdown in JupyterLab and in every format; its source is never shown."""
    from IPython.display import display

    if CURRENT is None:
        raise ThadsError("%%report_text cần đối tượng báo cáo: đặt ô này sau ô tạo r = ProvinceReport(...).")
    display(CURRENT.text(cell))


def _register_magic() -> None:
    from IPython import get_ipython

    shell = get_ipython()
    if shell is not None:
        shell.register_magic_function(_report_text, magic_kind="cell", magic_name="report_text")


def _table(header, rows, text_columns=1, caption=None, note=None, compact=False, highlighted=(), numbering="Bảng",
           label=None, number=None, templates: dict | None = None) -> Part:
    numeric = [i >= text_columns for i in range(len(header))]
    part = parts.table(header, [[str(c) for c in row] for row in rows], numeric, caption=caption, note=note,
                       highlighted=list(highlighted), compact=compact, numbering=numbering, label=label,
                       number=number)
    if templates:
        part.record["templates"] = templates
    return part


class _Document:
    """What every report shares: its date, its words (templates), the key-figure cards and the record of its
    figures."""

    kind: str
    figures: metrics.KeyFigures | metrics.NationalFigures
    as_of: date | None                 # for the provinces of this day (--as-of); None: those of the period's end
    period: Period
    date: date                         # the signing date (`dating.signing_date`): `signed.day`
    signed: dating.Signed
    title_template: str

    def _start(self, where: project.Project) -> None:
        """The report's words: the project's templates over the package's (a variant may add its own)."""
        self.project = where
        self.wording = Wording(folders=(where.templates,))
        self._numbers: dict[str, int] = {}
        self._labels: dict[str, str] = {}
        global CURRENT
        CURRENT = self

    def use_templates(self, folder: str) -> None:
        """Take templates from `folder` (read from the project root) first, for the parts shown after this call: a
        province variant's own wording, e.g. `r.use_templates("templates/can-tho")`."""
        self.wording.folders = (self.project.path(folder, self.project.templates), *self.wording.folders)

    def context(self) -> dict:
        """The fields every template of this report sees (docs/loi-van.md)."""
        raise NotImplementedError

    @property
    def issuer(self) -> dict:
        """The agency that signs the report on its date, as templates see it (`ban_hanh`): `ten` (its name) and `loai`
        ("cuc", "thads_tinh", "tong_cuc" or "cuc_quan_ly")."""
        raise NotImplementedError

    def _dated(self) -> dict:
        """The fields every template gets from the report's date (docs/loi-van.md)."""
        return {"ngay_bao_cao": self.date, "chua_het_nam": dating.still_running(self.period, self.date),
                "ban_hanh": self.issuer}

    def _context(self) -> dict:
        """`context()` and the cross-reference functions (`ref`, `muc`)."""
        return {**self.context(), "ref": self.ref, "muc": self.muc}

    def _fields(self, name: str, **extra) -> dict:
        return self.wording.fields(name, **{**self._context(), **extra})

    def _text(self, *blocks: tuple[str, str] | None, label: str | None = None, **extra) -> Part:
        """A text part from templates: each block `(template name, style)`; None blocks are skipped. `label` names
        it for a section reference (`muc`)."""
        fields = {**self._context(), **extra}
        rendered = [(self.wording.text(name, **fields), style) for name, style in filter(None, blocks)]
        return parts.text(rendered, self._used(*(name for name, _ in filter(None, blocks))), label=label)

    def ref(self, label: str) -> Markup:
        """A cross-reference to a numbered table, chart or annex by its label: a Markdown link `[Bảng 2](#label)`
        whose words the export sets to the number the part has in the document ("Bảng ?" until it is shown)."""
        shown = self._labels.get(label, "?")
        return Markup(f"[{shown}](#{label})")

    def muc(self, label: str) -> Markup:
        """A reference to the section holding the part labelled `label`: a Markdown link `[mục ?](#label)` whose
        words the export sets from the headings above that part ("mục 2 phần II")."""
        return Markup(f"[mục ?](#{label})")

    def text(self, source: str) -> Part:
        """An analyst's templated text (the `%%report_text` cell magic): `source` rendered as a wording template
        with this report's fields, shown as Markdown."""
        said = self.wording.text_from_string(source, **self._context())
        return parts.text([(said, "")], {"shown": ["ô của chuyên viên (%%report_text)"], "files": {},
                                              "search": list(self.wording.search_path)})

    def table(self, df, caption: str, label: str | None = None) -> Part:
        """An analyst's DataFrame as a numbered report table ("Bảng n. caption"), `label` for cross-references."""
        shown = parts.frame(df, caption=caption)
        record = shown.record
        return parts.table(record["header"], record["rows"], record["numeric"], caption=caption, note=record["note"],
                           compact=len(record["header"]) > 6, numbering="Bảng", label=label,
                           number=self._number("Bảng", label))

    def chart(self, fig, caption: str, label: str | None = None) -> Part:
        """An analyst's matplotlib figure as a numbered chart ("Biểu đồ n. caption"), `label` for
        cross-references."""
        import matplotlib.pyplot as plt

        part = _figure(fig, caption, label)
        plt.close(fig)
        self._number("Biểu đồ", label)
        return part

    def _chart(self, fig, label: str, macro: str, *args) -> Part:
        """One of the package's charts, captioned by macro `macro` of the captions template."""
        return _figure(fig, self._caption(macro, *args), label, self._used(CAPTIONS))

    def _caption(self, macro: str, *args) -> str:
        return self.wording.call(self._fields(CAPTIONS), macro, *args, name=CAPTIONS)

    def _number(self, numbering: str, label: str | None = None) -> int:
        """The number a table or chart has when shown in order (the export numbers them again, in document order)."""
        self._numbers[numbering] = self._numbers.get(numbering, 0) + 1
        if label:
            self._labels[label] = parts.number_label(numbering, self._numbers[numbering])
        return self._numbers[numbering]

    def _record(self, subject: str) -> None:
        self.document_title = unescape(self._fields(self.title_template)["ten_tai_lieu"])
        figures = self.figures.to_json()
        figures.update(self._extra_summary())
        parts.setup_display()
        _register_magic()
        parts.record_figures(self.kind, subject, self.period.code, self.document_title, figures)

    @property
    def day(self) -> date:
        """The day whose provinces the report is for: `as_of`, or the end of the period."""
        return self.as_of or self.period.end

    def _extra_summary(self) -> dict:
        return {}

    def title(self) -> str:
        """The subject line under "BÁO CÁO" (the title template's `trich_yeu`)."""
        return unescape(self._fields(self.title_template)["trich_yeu"])

    def templates_used(self) -> list[str]:
        """The template files this report has used so far (the project's, or the package's)."""
        return self.wording.files_used(self.project.root)

    def monthly_note(self) -> Part:
        """What the monthly chart shows: last year's line only when there are last year's figures."""
        last = any(self.monthly[f"{k}_ty_le_cung_ky"].notna().any() for k in ("viec", "tien"))
        target = any(self.figures.result(k).chi_tieu is not None for k in ("viec", "tien"))
        return self._text(("chung/dien-bien-thang.md.j2", ""), label="dien-bien-thang", co_cung_ky=last,
                          co_chi_tieu=target)

    def key_figures(self) -> Part:
        """Two cards: the cases and money rates against their targets, met or not."""
        name = "chung/the-so-lieu.md.j2"
        words = self._fields(name)
        cards = []
        for kind in ("viec", "tien"):
            r = self.figures.result(kind)
            cards.append({"title": self.wording.call(words, "tieu_de", kind, name=name),
                          "rate": fmt.percent(r.ty_le, "—"),
                          "target": self.wording.call(words, "chi_tieu", kind, r, name=name),
                          "verdict": self.wording.call(words, "ket_luan", kind, r, name=name),
                          "detail": self.wording.call(words, "chi_tiet", kind, r, name=name),
                          "status": "none" if r.met is None else "met" if r.met else "missed"})
        return parts.block("key_figures", "key_figures.html.j2", cards=cards, templates=self._used(name))

    def _used(self, *names: str) -> dict:
        """The templates behind `names` (and what they import), for a part's record: `shown` as report.log names
        them, `files` (name → file) and the `search` path they were found in (what a rebuild checks)."""
        closure = self.wording._closure(names)
        return {"shown": self.wording.files_used(self.project.root, names),
                "files": {name: self.wording.used[name] for name in sorted(closure)},
                "search": list(self.wording.search_path)}

    def _signature(self, code: str, province_kind: str = "tỉnh") -> Part:
        """"Nơi nhận" and the signer of the signing file's entry `code`; the title, where the file sets none, is the
        one of the agency signing on the report's date (the template's `chuc_vu_mac_dinh`); what is not set shows the
        template's dotted line (`dong_nguoi_ky`)."""
        name = "chung/ky.md.j2"
        words = self._fields(name)
        default = words.get("chuc_vu_mac_dinh")
        default = unescape(default) if isinstance(default, str) else dating.title(self.issuer["loai"], province_kind)
        chosen = signing.for_report(self.project.signing, code, default)
        blank = unescape(words.get("dong_nguoi_ky", ""))
        return parts.block("signature", "signature.html.j2", chuc_vu=chosen.chuc_vu or blank,
                           nguoi_ky=chosen.nguoi_ky or blank,
                           noi_nhan=list(chosen.noi_nhan), noi_nhan_label=unescape(words["tieu_de_noi_nhan"]),
                           templates=self._used(name))

    def _header(self, agency: str, agency_kind: str, place: str, missing_offices: list[str]) -> Part:
        name = "chung/dau-van-ban.md.j2"
        words = {key: unescape(value) for key, value in self._fields(
            name, ban_hanh={"ten": agency, "loai": agency_kind}, dia_danh=place, ngay_bao_cao=self.date,
            du_lieu_mau=_sample_notice(self.data), don_vi_thieu_so_lieu=missing_offices).items()
            if isinstance(value, str)}
        issuer = words["co_quan_ban_hanh"]
        # The agency's name breaks where it reads naturally: "CỤC THI HÀNH ÁN DÂN SỰ" / "TỈNH HẬU GIANG".
        at = next((issuer.index(m) for m in (" TỈNH ", " THÀNH PHỐ ") if m in issuer), None)
        lines = [issuer] if at is None else [issuer[:at], issuer[at + 1:]]
        return parts.block("header", "header.html.j2", parent_agency=words["co_quan_chu_quan"], agency=issuer,
                           agency_lines=lines, number_label=words["nhan_so"], symbol=words["ky_hieu"],
                           place_date=words["dia_danh_ngay"], kind_line=words["loai_van_ban"], subject=self.title(),
                           sample=words["mau"], missing=words["thieu_so_lieu"],
                           templates=self._used(name, self.title_template))


# The lines of a results table: (label, Result attribute), the flow from thụ lý to the cases not yet executable.
STRUCTURE_LINES = [("Tổng số thụ lý", "thu_ly"), ("- Năm trước chuyển sang", "nam_truoc_chuyen_sang"),
                   ("- Thụ lý mới", "thu_ly_moi"), ("Ủy thác", "uy_thac"),
                   ("Thu hồi, hủy quyết định thi hành án", "thu_hoi_huy"),
                   ("Tổng số phải thi hành", "phai_thi_hanh"), ("Có điều kiện thi hành", "co_dieu_kien"),
                   ("Thi hành xong (gồm đình chỉ)", "thi_hanh_xong"), ("Chưa có điều kiện thi hành", "chua_co_dieu_kien"),
                   ("Chưa có điều kiện đã chuyển sổ theo dõi riêng", "so_theo_doi_rieng")]


class _Local(_Document):
    """What a province's and an office's reports show alike: the analyst's note sections and four charts."""

    def note(self, key: str, heading: bool = True) -> Part:
        """An analyst's note section, with its heading; nothing when the note has no such section."""
        text = self.notes.get(key)
        if not text:
            return parts.paragraphs()
        return parts.note(notes.SECTIONS[key] if heading else None, text, Markup(markdown.to_html(text)))

    def chart_rates(self) -> Part:
        return self._chart(charts.rates_vs_targets(self.figures), "bieu-do-ty-le", "bieu_do_ty_le")

    def chart_structure(self) -> Part:
        return self._chart(charts.structure(self.figures), "bieu-do-co-cau", "bieu_do_co_cau")

    def chart_last_year(self) -> Part:
        """This period beside last year's (the same province's or office's); nothing without last year's figures."""
        if self.figures.cung_ky is None:
            return parts.paragraphs()
        return self._chart(charts.against_last_year(self.figures), "bieu-do-cung-ky", "bieu_do_cung_ky")

    def chart_monthly(self) -> Part:
        return self._chart(charts.monthly(self.monthly, self.figures), "bieu-do-thang", "bieu_do_thang")

    @staticmethod
    def _structure_rows(sources: list, target_label: str) -> list[list[str]]:
        """The rows of the results table, one column per Result of `sources`: the flow from thụ lý to the rate and
        the target. A line the data have for none of the columns is left out: never derived, never shown as 0."""
        def count(name: str):
            return lambda r: "—" if getattr(r, name) is None else fmt.number(getattr(r, name))

        lines = [(label, count(name)) for label, name in STRUCTURE_LINES
                 if any(getattr(r, name) is not None for r in sources)]
        lines += [("Tỷ lệ thi hành xong", lambda r: fmt.percent(r.ty_le, table=True)),
                  (target_label, lambda r: fmt.percent(r.chi_tieu, "chưa giao", table=True))]
        return [[label, *(show(r) for r in sources)] for label, show in lines]

    def _ranked_offices(self, highlighted: list[int], label: str, caption: str, note: str) -> Part:
        """The offices of `self.offices`, ranked by the cases rate, rows `highlighted`; captioned by the macros
        `caption` and `note` of the captions template."""
        header = ["Hạng", "Đơn vị", "Việc có ĐK", "Việc xong", "Tỷ lệ việc", "Tiền có ĐK (nghìn đồng)",
                  "Tiền xong (nghìn đồng)", "Tỷ lệ tiền"]
        rows = [[r.hang, r.don_vi, fmt.number(r.viec_co_dieu_kien), fmt.number(r.viec_thi_hanh_xong),
                 fmt.percent(r.viec_ty_le, table=True), fmt.number(r.tien_co_dieu_kien),
                 fmt.number(r.tien_thi_hanh_xong), fmt.percent(r.tien_ty_le, table=True)]
                for r in self.offices.itertuples()]
        return _table(header, rows, text_columns=2, compact=True, highlighted=highlighted, label=label,
                      caption=self._caption(caption), note=self._caption(note), number=self._number("Bảng", label),
                      templates=self._used(CAPTIONS))

    def annex_monthly(self) -> Part:
        """The cumulative rates month by month ('—' for a month before an office existed)."""
        header = ["Tháng", "Tỷ lệ việc", "Tỷ lệ việc cùng kỳ", "Tỷ lệ tiền", "Tỷ lệ tiền cùng kỳ"]
        rows = [[r.nhan, *(fmt.percent(v, table=True) for v in (r.viec_ty_le, r.viec_ty_le_cung_ky, r.tien_ty_le,
                                                                 r.tien_ty_le_cung_ky))]
                for r in self.monthly.itertuples()]
        return _table(header, rows, compact=True, caption=self._caption("phu_luc_thang"),
                      note=self._caption("ghi_chu_thang"), numbering="Phụ lục", label="phu-luc-thang",
                      number=self._number("Phụ lục", "phu-luc-thang"), templates=self._used(CAPTIONS))


class ProvinceReport(_Local):
    """The figures, sentences, tables and charts of one province's report for one period.

    `province` is a code (`"93"`, or `93` as papermill passes it), a name or a slug; `data_dir` and
    `notes_dir` are read from the project root (the folder holding thads.yml), empty for its defaults.
    """

    kind = "province"
    title_template = "tinh/tieu-de.md.j2"

    def __init__(self, province: str | int, period: str, data_dir: str = "", notes_dir: str = "",
                 report_date: str = "", as_of: str = ""):
        where = project.find()
        self._start(where)
        self.period = Period.parse(period)
        self.data = dataset.load(where.path(data_dir, where.data))
        self.as_of = organised_on(self.period, as_of, self.data.units)
        self.province = self.data.units.resolve(province, self.period, self.as_of)
        # The date first: a report no agency could have signed on it is refused before anything is computed.
        self.signed = dating.signing_date(self.period, report_date, self.as_of)
        self.date = self.signed.day
        self.agency = dating.provincial_agency(self.data.units, self.province, self.period, self.signed, self.as_of)
        self.figures: metrics.KeyFigures = metrics.key_figures(self.data, self.province, self.period, self.as_of)
        self.offices = metrics.office_table(self.data, self.province, self.period)
        self.monthly = metrics.monthly_path(self.data, self.province, self.period)
        self.notes = notes.load(where.path(notes_dir, where.notes), self.period, self.province.code, self.as_of)
        self._record(self.province.code)

    @property
    def issuer(self) -> dict:
        return {"ten": self.agency.name, "loai": self.agency.kind}

    def context(self) -> dict:
        return narrative.province_context(self.figures, self.province, self.period, self.offices, self.monthly,
                                          ranks_in_text=self.project.ranks_in_text, **self._dated())

    # Header and key figures -------------------------------------------------------------------
    def header(self) -> Part:
        """Agency and national motto, number, place and date, the title, and the sample-data notice. The agency is
        the one that signs on the report's date (`dating.provincial_agency`): a report on the provinces of a later
        day (`as_of`) takes theirs."""
        return self._header(self.agency.name, self.agency.kind, self.province.name, self.figures.don_vi_thieu_so_lieu)

    def signature(self) -> Part:
        """The end of the document: "Nơi nhận" and the signer (parameters/signing.yml). Without a title in the
        signing file, the one of the agency signing on the report's date: CỤC TRƯỞNG of a Cục THADS tỉnh until
        30/06/2025, then TRƯỞNG THI HÀNH ÁN DÂN SỰ TỈNH (THÀNH PHỐ) (template chung/ky.md.j2)."""
        return self._signature(self.province.code, self.province.kind)

    # Results ----------------------------------------------------------------------------------
    def results(self) -> Part:
        """Cases, then money, each against its target; for a province of a later day (`as_of`), a footnote saying
        whose figures these are."""
        return self._text(("tinh/ket-qua-viec.md.j2", ""), ("tinh/ket-qua-tien.md.j2", ""),
                          ("tinh/theo-ngay.md.j2", "footnote") if self.figures.gop_tu else None, label="ket-qua-chung")

    def rank_table(self) -> Part:
        """Where the province stands among all provinces on the figures a conference quotes; when the data do
        not hold every province, a line saying why there is no rank."""
        ranked = self.figures.xep_thu
        if not ranked:
            having, total = metrics.coverage(self.data, self.period, self.day)
            return parts.text([(self._caption("khong_xep_thu", having, total), "footnote")], self._used(CAPTIONS))
        rows = []
        for key, rank in ranked.items():
            kind, figure = key.split("_", 1)
            value = getattr(self.figures.result(kind), figure)
            shown = fmt.percent(value, table=True) if figure.startswith("ty_le") else fmt.number(value)
            rows.append([f"{RANK_LABELS[figure]} ({'việc' if kind == 'viec' else 'nghìn đồng'})"
                         if not figure.startswith("ty_le") else f"{RANK_LABELS[figure]} về {narrative.KINDS[kind]}",
                         shown, f"{rank.hang}/{rank.tren}"])
        total = max(r.tren for r in ranked.values())
        note = self._caption("ghi_chu_xep_thu")
        if self.figures.ngoai_xep_hang:          # provinces lacking some offices' data: named, never ranked
            note += " " + self._caption("ngoai_xep_hang", self.figures.ngoai_xep_hang)
        return _table(["Chỉ tiêu", "Số liệu", "Xếp thứ"], rows, compact=True, label="xep-thu",
                      caption=self._caption("bang_xep_thu", total), note=note,
                      number=self._number("Bảng", "xep-thu"), templates=self._used(CAPTIONS))

    def structure_table(self) -> Part:
        """Cases and money by structure, this period and the same period last year."""
        kf, last = self.figures, self.figures.cung_ky
        header = ["Chỉ tiêu thống kê", "Việc", "Tiền (nghìn đồng)"]
        mark = self._fields(CAPTIONS)["dau_chu_thich"]
        if last:
            mark = f" {mark}" if last.gop_tu else ""
            header += [f"Việc cùng kỳ {last.ky[:4]}{mark}", f"Tiền cùng kỳ {last.ky[:4]}{mark} (nghìn đồng)"]
        rows = self._structure_rows([kf.viec, kf.tien] + ([last.viec, last.tien] if last else []), "Chỉ tiêu được giao")
        note = self._caption("ghi_chu_cung_ky_hop_nhat") if last and last.gop_tu else None
        return _table(header, rows, caption=self._caption("bang_ket_qua"), note=note, label="ket-qua",
                      number=self._number("Bảng", "ket-qua"), templates=self._used(CAPTIONS))

    def against_last_year(self) -> Part:
        merged = self.figures.cung_ky is not None and bool(self.figures.cung_ky.gop_tu)
        return self._text(("tinh/so-sanh-cung-ky.md.j2", ""), ("tinh/hop-nhat.md.j2", "footnote") if merged else None,
                          label="so-sanh-cung-ky")

    # Offices ----------------------------------------------------------------------------------
    def offices_text(self) -> Part:
        return self._text(("tinh/don-vi.md.j2", ""), label="ket-qua-don-vi")

    def office_table(self) -> Part:
        """Offices ranked by the cases rate; those below a target highlighted."""
        missed = [i for i, r in enumerate(self.offices.itertuples()) if r.viec_dat is False or r.tien_dat is False]
        return self._ranked_offices(missed, "don-vi", "bang_don_vi", "ghi_chu_don_vi")

    # Other work and notes ---------------------------------------------------------------------
    def other_work(self) -> Part:
        return self._text(("tinh/cong-tac-khac.md.j2", ""), label="cong-tac-khac")

    def still_needed(self) -> Part:
        """What remains to reach the targets by 30/09, under its own heading."""
        return self._text(("tinh/con-phai-thuc-hien.md.j2", ""), label="con-phai-thuc-hien")

    # Charts -----------------------------------------------------------------------------------
    def chart_offices(self, kind: str = "viec") -> Part:
        return self._chart(charts.offices_ranked(self.offices, kind, self.figures.result(kind).chi_tieu),
                           f"bieu-do-don-vi-{kind}", "bieu_do_don_vi", kind)

    # Annex ------------------------------------------------------------------------------------
    def annex_offices(self) -> Part:
        """Every office's full figures."""
        header = ["Mã", "Đơn vị", "Việc phải TH", "Việc có ĐK", "Việc xong", "Tiền phải TH (nghìn đồng)",
                  "Tiền có ĐK (nghìn đồng)", "Tiền xong (nghìn đồng)"]
        rows = [[r.ma, r.ten, fmt.number(r.viec_phai_thi_hanh), fmt.number(r.viec_co_dieu_kien),
                 fmt.number(r.viec_thi_hanh_xong), fmt.number(r.tien_phai_thi_hanh),
                 fmt.number(r.tien_co_dieu_kien), fmt.number(r.tien_thi_hanh_xong)]
                for r in self.offices.sort_values("ma").itertuples()]
        return _table(header, rows, text_columns=2, compact=True, caption=self._caption("phu_luc_don_vi"),
                      note=self._caption("ghi_chu_thi_hanh_xong"), numbering="Phụ lục", label="phu-luc-don-vi",
                      number=self._number("Phụ lục", "phu-luc-don-vi"), templates=self._used(CAPTIONS))



class NationalReport(_Document):
    """The national overview of a period: every province ranked against its target, the national totals."""

    kind = "national"
    title_template = "toan-quoc/tieu-de.md.j2"

    def __init__(self, period: str, data_dir: str = "", report_date: str = "", as_of: str = ""):
        where = project.find()
        self._start(where)
        self.period = Period.parse(period)
        self.data = dataset.load(where.path(data_dir, where.data))
        self.as_of = organised_on(self.period, as_of, self.data.units)
        self.ranking = metrics.province_ranking(self.data, self.period, self.as_of)
        self.figures: metrics.NationalFigures = metrics.national_key_figures(self.data, self.period, self.ranking,
                                                                             self.as_of)
        self.monthly = metrics.national_path(self.data, self.period)
        self.signed = dating.signing_date(self.period, report_date, self.as_of)
        self.date = self.signed.day
        self._record("toan-quoc")

    @property
    def issuer(self) -> dict:
        name, kind = dating.central_agency(self.date)
        return {"ten": name, "loai": kind}

    def context(self) -> dict:
        return narrative.national_context(self.figures, self.period, self.ranking, self.monthly, **self._dated())

    def _extra_summary(self) -> dict:
        ranked = self.ranking
        return {"xep_hang": metrics.plain(ranked[metrics.RANKING_COLUMNS].to_dict("records")) if not ranked.empty
                else []}

    def header(self) -> Part:
        """The national office of the report's date: the Tổng cục THADS until 30/06/2025, then the Cục Quản lý THADS
        (`dating.central_agency`)."""
        return self._header(self.issuer["ten"], self.issuer["loai"], "Hà Nội", [])

    def signature(self) -> Part:
        """"Nơi nhận" and the signer: TỔNG CỤC TRƯỞNG until 30/06/2025, then CỤC TRƯỞNG, unless the signing file
        (entry `toan-quoc`) sets another."""
        return self._signature("toan-quoc")

    def results(self) -> Part:
        return self._text(("toan-quoc/ket-qua.md.j2", ""), label="ket-qua-chung")

    def against_last_year(self) -> Part:
        last = self.figures.cung_ky
        other_count = last is not None and last.so_tinh != self.figures.so_tinh
        return self._text(("toan-quoc/so-sanh-cung-ky.md.j2", ""),
                          ("toan-quoc/so-tinh-cung-ky.md.j2", "footnote") if other_count else None,
                          label="so-sanh-cung-ky")

    def ranking_text(self) -> Part:
        return self._text(("toan-quoc/xep-hang.md.j2", ""),
                          ("toan-quoc/theo-ngay.md.j2", "footnote") if self.as_of is not None else None,
                          label="xep-hang-van-ban")

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
        note = self._caption("ghi_chu_xep_hang_tinh")
        if self.figures.ngoai_xep_hang:          # provinces lacking some offices' data: named, never ranked
            note += " " + self._caption("ngoai_xep_hang", self.figures.ngoai_xep_hang)
        return _table(header, rows, text_columns=2, compact=True, highlighted=missed, label="xep-hang",
                      caption=self._caption("bang_xep_hang_tinh"), note=note,
                      number=self._number("Bảng", "xep-hang"), templates=self._used(CAPTIONS))

    def chart_rates(self) -> Part:
        return self._chart(charts.rates_vs_targets(self.figures), "bieu-do-ty-le", "bieu_do_ty_le_toan_quoc")

    def chart_ranking(self, kind: str = "viec") -> Part:
        table = self.ranking.rename(columns={"tinh": "don_vi"})
        title = self._caption("bieu_do_tinh", kind)
        return _figure(charts.offices_ranked(table, kind, self.figures.result(kind).chi_tieu, by_row_target=True,
                                             title=title), title, f"bieu-do-tinh-{kind}", self._used(CAPTIONS))

    def chart_monthly(self) -> Part:
        return self._chart(charts.monthly(self.monthly, self.figures), "bieu-do-thang", "bieu_do_thang_toan_quoc")

    def annex(self) -> Part:
        header = ["Mã", "Tỉnh/thành phố", "Việc phải TH", "Việc có ĐK", "Việc xong", "Tiền có ĐK (nghìn đồng)",
                  "Tiền xong (nghìn đồng)"]
        rows = [[r.ma, r.ten, fmt.number(r.viec_phai_thi_hanh), fmt.number(r.viec_co_dieu_kien),
                 fmt.number(r.viec_thi_hanh_xong), fmt.number(r.tien_co_dieu_kien),
                 fmt.number(r.tien_thi_hanh_xong)] for r in self.ranking.sort_values("ma").itertuples()]
        return _table(header, rows, text_columns=2, compact=True, caption=self._caption("phu_luc_tinh"),
                      note=self._caption("ghi_chu_thi_hanh_xong"), numbering="Phụ lục", label="phu-luc-tinh",
                      number=self._number("Phụ lục", "phu-luc-tinh"), templates=self._used(CAPTIONS))
