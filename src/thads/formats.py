"""The formats a report is exported to, one class each, in a registry: what a format needs, how it is built from an
executed notebook, its file name, and whether a clerk's edits to its file are kept (the clerk's rule, `folder`).

A format builds from an `exporters.Export` (the executed notebook as the report shows it, its HTML page, the
browser that prints, the report's deadline), so that every path (`thads run`, `thads export`, `jupyter nbconvert
--to thads_*`) builds it the same way. A new format is a subclass and a registry entry: `register` in this package,
or, from another package, an entry point in the group `thads.formats` naming the class (found in every process of a
batch, as nbconvert finds its exporters).
"""

from __future__ import annotations

from thads.errors import ThadsError


class Format:
    """A report format. `build(made)` returns the file's content (str or bytes)."""

    name = ""
    file = ""                  # its file in a report folder: report.html
    label = ""                 # what the log says while it is made: "xuất HTML"
    short = ""                 # its link in the index: "HTML"
    keeps_edits = False        # a file edited after it was written is never replaced (the clerk's rule)
    needs_printer = False      # it needs the browser that prints (`pdf.Printer`)
    charts_as_png = False      # the report's charts are also drawn as PNG for it (Word cannot take SVG)
    mimetype = "application/octet-stream"

    @property
    def suffix(self) -> str:
        """What a file exported by hand ends with (`thads export`, nbconvert): `<notebook>.html`."""
        return "." + self.file.rsplit(".", 1)[1]

    def build(self, made) -> str | bytes:
        raise NotImplementedError

    def reads(self, where) -> list:
        """Files of the project (`project.Project`) the format reads besides the notebook: a change to one makes the
        report again (`batch.fingerprint`)."""
        return []


class Html(Format):
    name, file, label, short, mimetype = "html", "report.html", "xuất HTML", "HTML", "text/html"

    def build(self, made) -> str:
        return made.page


class Pdf(Format):
    """The HTML page printed on A4 by the browser (`pdf`)."""

    name, file, label, short, mimetype = "pdf", "report.pdf", "xuất PDF", "PDF", "application/pdf"
    needs_printer = True

    def build(self, made) -> bytes:
        from thads import pdf

        return pdf.to_pdf(made.page, None, made.printer)


class Docx(Format):
    """A Word document an office finishes and signs (`word`), from the same prepared notebook as the page."""

    name, file, label, short = "docx", "report.docx", "xuất DOCX", "DOCX"
    mimetype = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    keeps_edits = charts_as_png = True

    def build(self, made) -> bytes:
        from thads import word

        return word.to_docx(made.prepared, made.resources, deadline=made.deadline)


class Pptx(Format):
    """A PowerPoint deck an office finishes and presents (`powerpoint`), on the project's reference deck
    (`reference_deck`), from the same prepared notebook: its slides are the report's (`deck`)."""

    name, file, label, short = "pptx", "report.pptx", "xuất PPTX", "PPTX"
    mimetype = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
    # The package's charts become PowerPoint's own from their recorded series; an analyst's chart is its picture.
    keeps_edits = charts_as_png = True

    def build(self, made) -> bytes:
        from thads import powerpoint

        return powerpoint.to_pptx(made.deck, reference_deck(made.project), deadline=made.deadline)

    def reads(self, where) -> list:
        return [reference_deck(where)]


class Slides(Format):
    """The same slides as one offline HTML page to present from a browser (`slideshow`, reveal.js inline)."""

    name, file, label, short, mimetype = "slides", "slides.html", "xuất trình chiếu HTML", "Trình chiếu", "text/html"
    suffix = ".slides.html"      # beside report.html when exported by hand: report.slides.html

    def build(self, made) -> str:
        from thads import slideshow

        return slideshow.to_html(made.deck)


def reference_deck(where):
    """The reference deck of a project (`slides_reference` in thads.yml): its file; the package's plain deck when the
    project keeps the default and has no such file (a project made before decks, the repository); a ThadsError when
    thads.yml names a file that is not there."""
    from pathlib import Path

    from thads.plain_deck import DECK

    if where is None:
        return DECK
    path = Path(where.slides_reference)
    if path.is_file():
        return path
    if not where.slides_reference_set:
        return DECK
    raise ThadsError(f"Không tìm thấy mẫu trình chiếu '{path}' (slides_reference trong thads.yml): đặt tệp .pptx ở đó, "
                     "sửa đường dẫn, hoặc bỏ dòng slides_reference để dùng mẫu của gói.")


_FORMATS: dict[str, Format] = {}
_FOUND: list[bool] = []


def register(format_: Format) -> Format:
    """Add a format (or replace the one of that name); the order of registration is the order they are made in."""
    _FORMATS[format_.name] = format_
    return format_


for _format in (Html(), Pdf(), Docx(), Pptx(), Slides()):
    register(_format)


def registry() -> dict[str, Format]:
    """Every format: the package's, then those other packages declare (entry points `thads.formats`, each naming a
    Format subclass), looked up on first use (a package declaring one imports this module)."""
    if not _FOUND:
        from importlib.metadata import entry_points

        _FOUND.append(True)
        for point in entry_points(group="thads.formats"):
            register(point.load()())
    return _FORMATS


def names() -> tuple[str, ...]:
    return tuple(registry())


def get(name: str) -> Format:
    try:
        return registry()[name]
    except KeyError:
        raise ThadsError(f"Định dạng '{name}' không có: chọn trong {', '.join(registry())}.") from None


def parse(text, source: str = "") -> tuple[str, ...]:
    """'html,pdf' (or a list) -> ('html', 'pdf'); anything unknown is refused with the choices (`source`: the file
    that gave them, for the message)."""
    items = text if isinstance(text, (list, tuple)) else str(text).split(",")
    chosen = tuple(dict.fromkeys(str(f).strip().lower() for f in items if str(f).strip()))
    unknown = [f for f in chosen if f not in registry()]
    if unknown or not chosen:
        where = f"{source}: định dạng" if source else "Định dạng"
        shown = ",".join(map(str, items)) if isinstance(text, (list, tuple)) else text
        raise ThadsError(f"{where} '{shown}' không hợp lệ: chọn trong {', '.join(registry())}, ví dụ --format "
                         "html,pdf,docx.")
    return chosen


def any_needs(wanted, attribute: str) -> bool:
    """Whether a format of `wanted` has `attribute` set (`needs_printer`, `charts_as_png`)."""
    return any(getattr(registry()[name], attribute) for name in wanted if name in registry())


def ordered(wanted) -> list[str]:
    """The formats of `wanted` in the registry's order."""
    return [name for name in registry() if name in wanted]
