"""The report of one enforcement office for one period: a Chi cục THADS huyện (until 30/06/2025), a Phòng THADS khu
vực (from 01/07/2025), or the province's own office (the cases the Cục THADS tỉnh, then the THADS tỉnh, handles
itself; its code is the province code). docs/bao-cao-don-vi.md says what it holds and why.

Its notebook calls `r = OfficeReport(office, period)` then `r.header()`, `r.results()`, ... as a province report's
does (`report.ProvinceReport`), from the same figures of the same data: the office's own row of each period, with
the same flow, rates, targets and absent-figure rules (`metrics.office_key_figures`). Its words are the templates of
`don-vi/` (and the shared `chung/the-so-lieu.md.j2`, `chung/dien-bien-thang.md.j2`).

The header, the agency line and the signer's title follow the office and the report's date: a Chi cục's report is
headed by the Cục THADS of its province, a Phòng's by the THADS tỉnh it belongs to; the province's own office's by the
national office of the date, as the province's report. The signer comes from the signing file's entry
`don-vi/<office code>` (`signing.for_office`), never from the province's.
"""

from __future__ import annotations

from datetime import timedelta

import pandas as pd

from thads import dataset, dating, metrics, notes, parts, project, signing
from thads import formatting as fmt
from thads.errors import ThadsError
from thads.narrative import FOOTNOTE_MARK, RANKS_IN_TEXT
from thads.parts import Part
from thads.periods import Period
from thads.report import RANK_LABELS, _Local, _figure, _sample_notice, _table
from thads.units import Office, Province, resolve_office
from thads.wording import unescape

CAPTIONS = "don-vi/chu-thich.md.j2"
HEADER, SIGNATURE, TITLE = "don-vi/dau-van-ban.md.j2", "don-vi/ky.md.j2", "don-vi/tieu-de.md.j2"
# How an office's short name starts; without it, the name of its place ("TP. Vị Thanh" -> "Vị Thanh").
PLACE_PREFIXES = ("TP. ", "TX. ", "H. ", "Q. ")


def _vn(day) -> str:
    return day.strftime("%d/%m/%Y")


def agencies(units, office: Office, province: Province, period: Period, signed: dating.Signed) -> tuple[dict, dict]:
    """(the agency that signs the office's report on `signed.day`, the agency above it), each {"ten", "loai"}:
    - a Chi cục signs as itself, under the Cục THADS of its province; a Chi cục gone by the report's date (every
      Chi cục ended on 30/06/2025) has no one to sign: refused, naming --date;
    - a Phòng THADS khu vực signs as itself, under the THADS tỉnh, thành phố it belongs to;
    - the province's own office signs as the province's report does (`dating.provincial_agency`), under the
      national office of the date."""
    day = signed.day
    if office.is_provincial:
        agency = dating.provincial_agency(units, province, period, signed)
        central, kind = dating.central_agency(day)
        return {"ten": agency.name, "loai": agency.kind}, {"ten": central, "loai": kind}
    if office.valid_to is not None and day > office.valid_to:
        after = office.valid_to + timedelta(days=1)
        successor = units.office(office.successor, after) if office.successor else None
        then = f" (từ {_vn(after)} thuộc {successor.name}, mã {successor.code})" if successor else ""
        raise ThadsError(
            f"Báo cáo {period.label} (đến {_vn(period.end)}) của {office.name} ({province.label}), ký ngày "
            f"{signed.described}: vào ngày đó đơn vị đã không còn{then}, nên không còn cơ quan nào ký báo cáo này. Ghi "
            f"ngày ký trước {_vn(after)}: --date {max(period.end, office.valid_to).isoformat()} (date: trong tệp khai "
            "báo); số liệu từng đơn vị không so sánh qua thời điểm sắp xếp năm 2025.")
    holder = units.province(office.province, day) if _exists(units, office.province, day) else province
    above = [o for o in units.offices_of(holder, day) if o.is_provincial] or \
        [o for o in units.offices_of(province, period.end) if o.is_provincial]
    return ({"ten": own_name(office, province), "loai": office.kind},
            {"ten": above[0].name if above else province.full_name, "loai": above[0].kind if above else ""})


def _records_of(table) -> list[dict]:
    """Rows as dicts with None for missing values (a template tests `is known`, never NaN)."""
    if table is None or table.empty:
        return []
    return [{k: (None if v is pd.NA or (isinstance(v, float) and v != v) else v) for k, v in row.items()}
            for row in table.to_dict("records")]


def _exists(units, code: str, day) -> bool:
    return any(p.code == code and p.valid_on(day) for p in units.provinces)


def own_name(office: Office, province: Province) -> str:
    """The office's name under the agency it belongs to: 'Phòng Thi hành án dân sự khu vực 1' (the units tables add
    ' - Cần Thơ' to tell the Phòng of each province apart)."""
    return office.name.removesuffix(f" - {province.name}")


def place_name(office: Office, province: Province) -> str:
    """Where the report is signed (before the date): a Chi cục's district ('Châu Thành'), else the province."""
    if office.kind == "chi_cuc":
        for prefix in PLACE_PREFIXES:
            if office.short_name.startswith(prefix):
                return office.short_name.removeprefix(prefix)
    return province.name


def agency_lines(name: str) -> list[str]:
    """The agency's name in capitals, broken where it reads naturally: 'CHI CỤC THI HÀNH ÁN DÂN SỰ' / 'HUYỆN CHÂU
    THÀNH', 'PHÒNG THI HÀNH ÁN DÂN SỰ' / 'KHU VỰC 1'."""
    mark = "THI HÀNH ÁN DÂN SỰ "
    at = name.find(mark)
    return [name] if at < 0 else [name[:at + len(mark) - 1], name[at + len(mark):]]


def office_context(kf: metrics.OfficeFigures, office: Office, province: Province, period: Period, monthly,
                   offices, whole: dict | None, ranks_in_text=RANKS_IN_TEXT, **extra) -> dict:
    """The fields of an office report's templates (docs/loi-van.md, "Báo cáo của đơn vị")."""
    ranked = kf.xep_thu or {}
    return {"loai_bao_cao": "office", "ky": period, "tinh": province, "don_vi": office,
            "ten_don_vi": own_name(office, province), "cap_tinh": kf.cap_tinh, "viec": kf.viec, "tien": kf.tien,
            "cung_ky": kf.cung_ky, "khong_cung_ky": kf.khong_cung_ky, "khac": kf.khac,
            "xep_thu": {key: (ranked.get(key) if key in ranks_in_text else None) for key in
                        (f"{kind}_{figure}" for kind, figure in metrics.RANKED)},
            "xep_thu_day_du": dict(ranked), "co_xep_hang": bool(ranked), "so_don_vi": kf.so_don_vi,
            "don_vi_thieu_so_lieu": list(kf.don_vi_thieu_so_lieu), "chi_tieu_cua": kf.chi_tieu_cua,
            "chi_tieu_tinh": kf.chi_tieu_tinh, "toan_tinh": whole, "cac_don_vi": _records_of(offices),
            "thang": _records_of(monthly), "dau_chu_thich": FOOTNOTE_MARK, "theo_ngay": None, "gop_tu": [], **extra}


class OfficeReport(_Local):
    """The figures, sentences, tables and charts of one enforcement office's report for one period.

    `office` is a code (`"931"`, `"92-KV01"`, or `93` for the province's own office) or a name unique among the
    offices at the period's end ('huyện Châu Thành' is not: `province` narrows it); `data_dir` and `notes_dir` are
    read from the project root. `as_of` is refused: office figures are never regrouped for a later day.
    """

    kind = "office"
    title_template = TITLE

    def __init__(self, office: str | int, period: str, data_dir: str = "", notes_dir: str = "",
                 report_date: str = "", as_of: str = "", province: str | int = ""):
        where = project.find()
        self._start(where)
        self.period = Period.parse(period)
        if as_of not in (None, ""):
            raise ThadsError("as_of (--as-of) không dùng với báo cáo đơn vị: số liệu từng đơn vị không gộp theo các "
                             "tỉnh, thành phố của một ngày sau kỳ; để trống as_of.")
        self.as_of = None
        self.data = dataset.load(where.path(data_dir, where.data))
        units = self.data.units
        within = units.resolve(province, self.period) if str(province).strip() else None
        self.office = resolve_office(units, str(office).zfill(2) if str(office).isdigit() else str(office),
                                     self.period, within)
        self.province = metrics.office_province(self.data, self.office, self.period.end)
        # The date first: a report no agency could have signed on it is refused before anything is computed.
        self.signed = dating.signing_date(self.period, report_date)
        self.date = self.signed.day
        self.agency, self.above = agencies(units, self.office, self.province, self.period, self.signed)
        self.figures: metrics.OfficeFigures = metrics.office_key_figures(self.data, self.office, self.period)
        self.monthly = metrics.office_path(self.data, self.office, self.period)
        self.offices = metrics.office_table(self.data, self.province, self.period)
        self.whole = metrics.province_results(self.data, self.province, self.period)
        self.notes = notes.load_office(where.path(notes_dir, where.notes), self.period, self.office.code)
        self._record(self.office.code)

    @property
    def issuer(self) -> dict:
        return dict(self.agency)

    def context(self) -> dict:
        return office_context(self.figures, self.office, self.province, self.period, self.monthly, self.offices,
                              self.whole, ranks_in_text=self.project.ranks_in_text, cap_tren=dict(self.above),
                              **self._dated())

    # Header, signature, captions: the office's own templates -----------------------------------------------------
    def header(self) -> Part:
        """The agency above the office and the office (on the report's date), number, place and date, the title and
        the sample-data notice."""
        words = {key: unescape(value) for key, value in self._fields(
            HEADER, dia_danh=place_name(self.office, self.province), du_lieu_mau=_sample_notice(self.data)).items()
            if isinstance(value, str)}
        issuer = words["co_quan_ban_hanh"]
        return parts.block("header", "header.html.j2", parent_agency=words["co_quan_chu_quan"], agency=issuer,
                           agency_lines=agency_lines(issuer), number_label=words["nhan_so"], symbol=words["ky_hieu"],
                           place_date=words["dia_danh_ngay"], kind_line=words["loai_van_ban"], subject=self.title(),
                           sample=words["mau"], missing=words["thieu_so_lieu"], templates=self._used(HEADER, TITLE))

    def signature(self) -> Part:
        """"Nơi nhận" and the signer: the signing file's entry `don-vi/<office code>` (over `don-vi/mac-dinh`); the
        title, where it sets none, that of the office's head on the report's date: CHI CỤC TRƯỞNG, TRƯỞNG PHÒNG, or
        the province's own office's (template don-vi/ky.md.j2)."""
        words = self._fields(SIGNATURE)
        default = words.get("chuc_vu_mac_dinh")
        chosen = signing.for_office(self.project.signing, self.office.code,
                                    unescape(default) if isinstance(default, str) else "")
        blank = unescape(words.get("dong_nguoi_ky", ""))
        return parts.block("signature", "signature.html.j2", chuc_vu=chosen.chuc_vu or blank,
                           nguoi_ky=chosen.nguoi_ky or blank, noi_nhan=list(chosen.noi_nhan),
                           noi_nhan_label=unescape(words["tieu_de_noi_nhan"]), templates=self._used(SIGNATURE))

    def _chart(self, fig, label: str, macro: str, *args) -> Part:
        return _figure(fig, self._caption(macro, *args), label, self._used(CAPTIONS))

    def _caption(self, macro: str, *args) -> str:
        return self.wording.call(self._fields(CAPTIONS), macro, *args, name=CAPTIONS)

    # Results -----------------------------------------------------------------------------------------------------
    def results(self) -> Part:
        """Cases, then money, each against the target (its own, or the province's: said so)."""
        return self._text(("don-vi/ket-qua-viec.md.j2", ""), ("don-vi/ket-qua-tien.md.j2", ""),
                          ("don-vi/chi-tieu.md.j2", ""), label="ket-qua-chung")

    def structure_table(self) -> Part:
        """Cases and money by structure, this period and (the same office's) same period last year."""
        kf, last = self.figures, self.figures.cung_ky
        header = ["Chỉ tiêu thống kê", "Việc", "Tiền (nghìn đồng)"]
        if last:
            header += [f"Việc cùng kỳ {last.ky[:4]}", f"Tiền cùng kỳ {last.ky[:4]} (nghìn đồng)"]
        rows = self._structure_rows([kf.viec, kf.tien] + ([last.viec, last.tien] if last else []), "Chỉ tiêu")
        return _table(header, rows, caption=self._caption("bang_ket_qua"), note=self._caption("ghi_chu_chi_tieu"),
                      label="ket-qua", number=self._number("Bảng", "ket-qua"), templates=self._used(CAPTIONS))

    def against_last_year(self) -> Part:
        """The same office a year earlier; none across the 2025 reorganisation, saying why."""
        return self._text(("don-vi/so-sanh-cung-ky.md.j2", ""), label="so-sanh-cung-ky")

    # Place in the province ---------------------------------------------------------------------------------------
    def place_in_province(self) -> Part:
        """'xếp thứ k/N trong tỉnh' on the two completion rates, beside the province's rates; no rank unless every
        office of the province has data for the period."""
        return self._text(("don-vi/vi-tri-trong-tinh.md.j2", ""), label="vi-tri-trong-tinh")

    def rank_table(self) -> Part:
        """Where the office stands among the offices of its province on the figures a conference quotes; nothing
        without a rank (the text says why)."""
        ranked = self.figures.xep_thu
        if not ranked:
            return parts.paragraphs()
        rows = []
        for key, rank in ranked.items():
            kind, figure = key.split("_", 1)
            value = getattr(self.figures.result(kind), figure)
            shown = fmt.percent(value, table=True) if figure.startswith("ty_le") else fmt.number(value)
            label = (f"{RANK_LABELS[figure]} về {'việc' if kind == 'viec' else 'tiền'}" if figure.startswith("ty_le")
                     else f"{RANK_LABELS[figure]} ({'việc' if kind == 'viec' else 'nghìn đồng'})")
            rows.append([label, shown, f"{rank.hang}/{rank.tren}"])
        return _table(["Chỉ tiêu", "Số liệu", "Xếp thứ trong tỉnh"], rows, compact=True, label="xep-thu",
                      caption=self._caption("bang_xep_thu"), note=self._caption("ghi_chu_xep_thu"),
                      number=self._number("Bảng", "xep-thu"), templates=self._used(CAPTIONS))

    def province_table(self) -> Part:
        """Every office of the province that reported, ranked by the cases rate, this office's row highlighted."""
        mine = [i for i, r in enumerate(self.offices.itertuples()) if r.ma == self.office.code]
        return self._ranked_offices(mine, "cac-don-vi", "bang_cac_don_vi", "ghi_chu_cac_don_vi")

    # Other work and notes ----------------------------------------------------------------------------------------
    def other_work(self) -> Part:
        return self._text(("don-vi/cong-tac-khac.md.j2", ""), label="cong-tac-khac")

    def still_needed(self) -> Part:
        """What remains to reach the target by 30/09, under its own heading."""
        return self._text(("don-vi/con-phai-thuc-hien.md.j2", ""), label="con-phai-thuc-hien")

    # Charts and annex --------------------------------------------------------------------------------------------
