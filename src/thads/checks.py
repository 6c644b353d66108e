"""The checks `thads validate` makes of a project beyond its data: every wording template rendered against sample
figures, as the reports render them (`check_templates`), and characters a Word file cannot hold in the signing file,
the units' names and the analysts' notes (`check_characters`)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from thads import dataset, metrics, narrative, notes, sample, signing, units
from thads.periods import Period
from thads.text import control_message
from thads.wording import SUFFIX, TemplateFailure, Wording, shipped


TEMPLATE_PROVINCE = "93"                         # Hậu Giang, the sample's seed
TEMPLATE_OFFICE = "931"                          # its Chi cục THADS thành phố Ngã Bảy: the office templates' figures
TEMPLATE_PERIOD, TEMPLATE_NATIONAL_PERIOD = "2024-M11", "2024-M12"
TEMPLATE_DATE, TEMPLATE_NATIONAL_DATE = date(2024, 9, 26), date(2024, 10, 15)
# The templates a report only reads fields and macros from (`_Document._fields`); every other template is
# rendered as a text part. Both see the report's fields with `ref` and `muc`.
FIELD_TEMPLATES = {"chung/chu-thich.md.j2", "chung/the-so-lieu.md.j2", "chung/dau-van-ban.md.j2",
                   "tinh/tieu-de.md.j2", "toan-quoc/tieu-de.md.j2", "chung/ky.md.j2", "don-vi/tieu-de.md.j2",
                   "don-vi/dau-van-ban.md.j2", "don-vi/ky.md.j2", "don-vi/chu-thich.md.j2"}
TEMPLATE_AREAS = ("chung", "tinh", "toan-quoc", "don-vi")


def template_files(folder: Path) -> list[Path]:
    """The project's templates (`*.md.j2`, in subfolders too), without the copies an update leaves (a '~' in the
    name)."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob(f"*{SUFFIX}") if p.is_file() and "~" not in p.name)


def _sample_data():
    """The package's sample data (`thads.sample`), generated into a temporary folder and loaded."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="thads-mau-") as folder:
        sample.generate(Path(folder))
        return dataset.load(Path(folder))


def template_contexts(data, ranks_in_text=None) -> dict[str, dict]:
    """The fields a province report (Hậu Giang, 11 tháng năm 2024) and the national overview (năm 2024) give their
    templates, computed from `data` as `report.ProvinceReport` and `report.NationalReport` compute them, without a
    kernel. Raises when the data do not hold those periods."""
    from markupsafe import Markup

    def ref(label: str) -> Markup:
        return Markup(f"[Bảng ?](#{label})")

    def muc(label: str) -> Markup:
        return Markup(f"[mục ?](#{label})")

    period = Period.parse(TEMPLATE_PERIOD)
    province = data.units.resolve(TEMPLATE_PROVINCE, period, None)
    figures = metrics.key_figures(data, province, period, None)
    offices = metrics.office_table(data, province, period)
    monthly = metrics.monthly_path(data, province, period)
    options = {} if ranks_in_text is None else {"ranks_in_text": tuple(ranks_in_text)}
    provincial = narrative.province_context(figures, province, period, offices, monthly, ngay_bao_cao=TEMPLATE_DATE,
                                            **options)
    agency = next(o for o in data.units.offices_of(province, period.end) if o.is_provincial)
    national_period = Period.parse(TEMPLATE_NATIONAL_PERIOD)
    ranking = metrics.province_ranking(data, national_period, None)
    national = narrative.national_context(metrics.national_key_figures(data, national_period, ranking, None),
                                          national_period, ranking, metrics.national_path(data, national_period),
                                          ngay_bao_cao=TEMPLATE_NATIONAL_DATE)
    links = {"ref": ref, "muc": muc}
    # The agency signing on the sample dates (`report._Document.issuer`): every template may name it (`ban_hanh`).
    provincial = {**provincial, **links, "ban_hanh": {"ten": agency.name, "loai": agency.kind}}
    national = {**national, **links, "ban_hanh": {"ten": "Tổng cục Thi hành án dân sự", "loai": "tong_cuc"}}
    office = {**_office_context(data, period, ranks_in_text), **links}
    return {"province": provincial, "national": national,
            "header": {**provincial, "ban_hanh": {"ten": agency.name, "loai": agency.kind},
                       "dia_danh": province.name, "du_lieu_mau": ""},
            "province_fields": provincial, "national_fields": national,
            "monthly": {**provincial, "co_cung_ky": True, "co_chi_tieu": True},
            "office": office, "office_header": {**office, "dia_danh": "Ngã Bảy", "du_lieu_mau": ""}}


def _office_context(data, period: Period, ranks_in_text=None) -> dict:
    """The fields an office report (the sample's Chi cục THADS thành phố Ngã Bảy, 11 tháng năm 2024) gives the
    templates of don-vi/, computed as `office.OfficeReport` computes them."""
    from thads import dating
    from thads.office import office_context, own_name   # the report's stack (charts...): only when templates are checked

    office = data.units.office(TEMPLATE_OFFICE, period.end)
    province = metrics.office_province(data, office, period.end)
    above = next(o for o in data.units.offices_of(province, period.end) if o.is_provincial)
    options = {} if ranks_in_text is None else {"ranks_in_text": tuple(ranks_in_text)}
    return office_context(metrics.office_key_figures(data, office, period), office, province, period,
                          metrics.office_path(data, office, period), metrics.office_table(data, province, period),
                          metrics.province_results(data, province, period), ngay_bao_cao=TEMPLATE_DATE,
                          chua_het_nam=dating.still_running(period, TEMPLATE_DATE),
                          ban_hanh={"ten": own_name(office, province), "loai": office.kind},
                          cap_tren={"ten": above.name, "loai": above.kind}, **options)


def _template_name(relative: Path, shipped: set[str]) -> tuple[str, tuple[str, ...]]:
    """A project file's template name and the subfolder it sits in: `can-tho/tinh/ket-qua-viec.md.j2` is
    `tinh/ket-qua-viec.md.j2` of the folder `can-tho` (a variant's own wording, `r.use_templates`)."""
    parts = relative.parts
    for at in range(len(parts)):
        name = "/".join(parts[at:])
        if name in shipped or (parts[at] in TEMPLATE_AREAS and at < len(parts) - 1):
            return name, parts[:at]
    return "/".join(parts), ()


def _macro_arguments(macro, kind: str, context: dict) -> list | None:
    """Plausible arguments for a macro of the package's templates (kind, r, key, so_tinh, co, tong, label); None
    when it takes one of another name."""
    known = {"kind": kind, "r": context.get(kind), "key": f"{kind}_ty_le", "so_tinh": 34, "co": 30, "tong": 34,
             "label": "xep-thu", "ngoai": [metrics.LeftOut("93", "tỉnh Hậu Giang", 2, 9)]}
    if any(name not in known for name in macro.arguments):
        return None
    return [known[name] for name in macro.arguments]


def _at_template_line(failure: Exception) -> str:
    """A template failure's message with the line of the template file. Jinja maps its compiled code back to the
    template's lines when a template is rendered, but not for a template's fields (`make_module`) nor a macro
    called from Python: the line `Wording` names there is one of the compiled code, put right here."""
    tb, found = getattr(failure.__context__, "__traceback__", None), None
    while tb is not None:
        template = tb.tb_frame.f_globals.get("__jinja_template__")
        if template is not None and template.filename:
            found = template.filename, tb.tb_lineno, template.get_corresponding_lineno(tb.tb_lineno)
        tb = tb.tb_next
    if found is None:
        return str(failure)
    filename, compiled, line = found
    return str(failure).replace(f"{filename}, dòng {compiled}", f"{filename}, dòng {line}", 1)


def _context_of(name: str) -> str:
    """Which of `template_contexts` template `name` is rendered with: the fields of the report (and part) using it."""
    national = name.startswith("toan-quoc/")
    if name in ("chung/dau-van-ban.md.j2", "chung/dien-bien-thang.md.j2"):     # with the fields their part adds
        return "header" if name == "chung/dau-van-ban.md.j2" else "monthly"
    if name.startswith("don-vi/"):                                          # an office report's
        return "office_header" if name == "don-vi/dau-van-ban.md.j2" else "office"
    if name in FIELD_TEMPLATES:
        return "national_fields" if national else "province_fields"
    return "national" if national else "province"


def check_templates(folder: Path, data=None, ranks_in_text=None) -> tuple[int, list[str]]:
    """Render every template of the project's templates folder against sample figures, as the reports render them:
    the number of templates checked and each error, with its file and line (the same words a report's failure
    has). Templates under `toan-quoc/` get the national overview's fields (năm 2024), those under `don-vi/` an
    office's (Chi cục THADS thành phố Ngã Bảy, 11 tháng năm 2024), the others a province's (Hậu Giang, 11 tháng năm
    2024); every macro a template defines is called too, once for cases and once for
    money, when its arguments are the package's usual ones.

    `data` is the project's data, used when it holds those periods; otherwise the package's sample data are
    generated for the check."""
    from jinja2.runtime import Macro

    folder = Path(folder)
    found = template_files(folder)
    if not found:
        return 0, []
    contexts = None
    if data is not None:
        try:
            contexts = template_contexts(data, ranks_in_text)
        except Exception:   # the project's data lack the sample periods (real data): the sample data are used
            contexts = None
    if contexts is None:
        contexts = template_contexts(_sample_data(), ranks_in_text)
    names = {str(p).replace("\\", "/") for p in shipped()}
    problems: list[str] = []

    def report(failure: Exception) -> None:
        message = _at_template_line(failure)
        if message not in problems:      # an error in an imported template shows in each template importing it
            problems.append(message)

    for path in found:
        name, subfolder = _template_name(path.relative_to(folder), names)
        wording = Wording(folders=((folder.joinpath(*subfolder), folder) if subfolder else (folder,)))
        context = contexts[_context_of(name)]
        try:
            fields = wording.fields(name, **context)
        except TemplateFailure as failure:
            report(failure)
            continue
        for macro, value in fields.items():
            if not isinstance(value, Macro):
                continue
            for kind in ("viec", "tien"):
                arguments = _macro_arguments(value, kind, context)
                if arguments is None:
                    break
                try:
                    wording.call(fields, macro, *arguments, name=name)
                except TemplateFailure as failure:
                    report(failure)
    return len(found), problems


# --- characters no Word file can hold, in what reports quote (`thads validate`) ---------------------------------------
def note_characters(notes_dir: Path | None) -> list[str]:
    """Lines of the analysts' notes (<period>/<code>.md, <period>/theo-<day>/<code>.md) holding control characters,
    each with its file, line and section."""

    folder = Path(notes_dir) if notes_dir is not None else None
    if folder is None or not folder.is_dir():
        return []
    problems = []
    for path in sorted([*folder.glob("*/*.md"), *folder.glob("*/theo-*/*.md"), *folder.glob("*/don-vi/*.md")]):
        try:
            text = path.read_text("utf-8-sig")
        except (OSError, UnicodeDecodeError):
            continue                      # `notes.check` says so
        section = None
        for number, line in enumerate(text.split("\n"), start=1):       # the lines an editor shows
            heading = notes.SECTION_HEADING.match(line)
            if heading:
                section = heading[1].strip()
            message = control_message(line)
            if message:
                where = f"mục '{section}'" if section else "trước mục đầu tiên"
                problems.append(f"{path}, dòng {number}, {where}: {message}.")
    return problems


def check_characters(signing_file: Path | None, units_folder: Path | None, notes_dir: Path | None) -> list[str]:
    """What `thads validate` lists of the texts a report quotes besides the data: the signing file's problems (what
    a report would refuse, and control characters), control characters in the units tables' names and in the
    analysts' notes; each names its file, line and field. A report is never lost to a control character (the Word
    file drops it and its log says so), but the text would not be what was written."""
    return [*signing.check(signing_file), *(str(p) for p in units.name_problems(units_folder)),
            *note_characters(notes_dir)]
