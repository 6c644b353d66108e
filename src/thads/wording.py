"""The report's words: Jinja2 templates of Vietnamese Markdown that the project holds and analysts edit.

Every sentence of a report comes from a template. The package ships them (templates/wording/); `thads init`
copies them into the project's `templates/` folder (`templates:` in thads.yml), and a project file is used
over the package's file of the same name; a variant notebook may put a folder of its own first
(`r.use_templates(...)`). What a template may use is in docs/loi-van.md and at the top of each template:
the report's figures as fields, and the filters and functions below for the phrases whose rules belong to
the package (numbers, money, changes, targets, ranks, absent figures).

Templates run sandboxed (they read the figures, never change them or reach Python's internals), undefined
names are errors, and fields are escaped for Markdown (a name holding `*`, `[` or `<` prints as written).
A template's error names its file and line and fails that report alone.
"""

from __future__ import annotations

import hashlib
import re
import traceback
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from jinja2 import ChoiceLoader, FileSystemLoader, StrictUndefined, TemplateError, TemplateNotFound, \
    TemplateSyntaxError, UndefinedError
from jinja2.bccache import FileSystemBytecodeCache
from jinja2.debug import rewrite_traceback_stack
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from thads import formatting as fmt
from thads.errors import ThadsError

PACKAGE = Path(__file__).parent / "templates" / "wording"
SUFFIX = ".md.j2"
KINDS = {"viec": "việc", "tien": "tiền"}
# Backslash-escaped in fields: what Markdown would read as emphasis, code, links, images, HTML or tables.
_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~!&])")


class TemplateFailure(ThadsError):
    """A template that does not parse, names something undefined, or fails while rendering."""


# Filters: the phrases whose rules the package keeps --------------------------------------------------
def amount(value, kind: str = "viec") -> str:
    """'11.410 việc' for cases, 'trên 3.343 tỷ đồng' for money (in nghìn đồng)."""
    return f"{fmt.number(value)} việc" if kind == "viec" else fmt.money(value)


def change(now, before, kind: str = "viec") -> str:
    """'tăng 390 việc (5,61%)', 'giảm trên 12 tỷ đồng (3,20%)', 'không đổi'."""
    from thads.rates import rate

    diff = int(now) - int(before)
    if diff == 0:
        return "không đổi"
    share = f" ({fmt.percent(rate(abs(diff), before))})" if before else ""
    return f"{'tăng' if diff > 0 else 'giảm'} {amount(abs(diff), kind)}{share}"


def rate_change(now, before) -> str:
    """'tỷ lệ tăng 2,10% (từ 74,87% lên 76,97%)'; 'chưa so sánh được tỷ lệ' when either rate is missing."""
    if now is None or before is None:
        return "chưa so sánh được tỷ lệ"
    if now == before:
        return f"tỷ lệ không đổi ({fmt.percent(now)})"
    word, direction = ("tăng", "lên") if now > before else ("giảm", "xuống")
    return f"tỷ lệ {word} {fmt.points(now - before)} (từ {fmt.percent(before)} {direction} {fmt.percent(now)})"


def rank(value) -> str:
    """A Rank as the text says it: 'xếp thứ 12/34'; '' for none."""
    return f"xếp thứ {value.hang}/{value.tren}" if value else ""


def names(items, last: str = "và") -> str:
    """'a, b và c'."""
    items = [str(i) for i in items]
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {last} {items[-1]}" if items else ""


def lower_first(text) -> str:
    """'Tỉnh Hậu Giang' -> 'tỉnh Hậu Giang', as a name reads inside a sentence."""
    text = str(text)
    return text[:1].lower() + text[1:]


def upper_first(text) -> str:
    text = str(text)
    return text[:1].upper() + text[1:]


def short_office(name) -> str:
    """'Chi cục Thi hành án dân sự huyện X' -> 'Chi cục THADS huyện X'."""
    return str(name).replace("Thi hành án dân sự", "THADS")


def verdict(result) -> str:
    """'met', 'missed' or 'none' (no target, or no rate): for `{% if r | verdict == "met" %}`."""
    return "none" if result.met is None else "met" if result.met else "missed"


FILTERS = {"number": fmt.number, "percent": fmt.percent, "points": fmt.points, "money": fmt.money, "day": fmt.day,
           "long_day": fmt.long_day, "amount": amount, "change": change, "rate_change": rate_change, "rank": rank,
           "names": names, "lower_first": lower_first, "upper_first": upper_first, "short_office": short_office,
           "verdict": verdict}


def flow_adds_up(result) -> bool:
    """Whether 'sau khi trừ …' is true: thụ lý − every deduction the data have = phải thi hành, with at least one
    deduction known. With a deduction the data lack, the figures are listed, not linked."""
    deductions = [v for v in (result.uy_thac, result.thu_hoi_huy) if v is not None]
    return result.thu_ly is not None and bool(deductions) and result.thu_ly - sum(deductions) == result.phai_thi_hanh


TESTS = {"known": lambda value: value is not None, "positive": lambda value: value is not None and value > 0}
GLOBALS = {"flow_adds_up": flow_adds_up, "KINDS": KINDS}


def _escape_field(value):
    """Every `{{ field }}` is Markdown-escaped; what a macro or `caller()` made is template text, left as it is."""
    if isinstance(value, Markup):
        return value
    if isinstance(value, Decimal):
        value = fmt.number(value)
    return Markup(_SPECIAL.sub(r"\\\1", "" if value is None else str(value)))


class _CompiledCache(FileSystemBytecodeCache):
    """Templates compiled once for this user, kept in Jinja's own private folder (the user's alone, checked by Jinja;
    a file is used only for the very source it was compiled from): a report's kernel then loads its templates instead
    of compiling them, a third of a lone report's notebook. A cache that cannot be read or written is only slower."""

    def load_bytecode(self, bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # noqa: BLE001 (a damaged or unreadable file: compiled again)
            bucket.reset()

    def dump_bytecode(self, bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except Exception:  # noqa: BLE001 (a full or read-only disk: compiled again next time)
            pass


@lru_cache(maxsize=1)
def _compiled_cache() -> _CompiledCache | None:
    try:
        return _CompiledCache(pattern="thads-%s.cache")       # its own names: no other program's settings
    except (OSError, RuntimeError):                          # no private folder can be had: no cache
        return None


@lru_cache(maxsize=16)
def _environment(folders: tuple[str, ...]) -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(loader=ChoiceLoader([FileSystemLoader(list(folders))]),
                                        undefined=StrictUndefined, autoescape=True, finalize=_escape_field,
                                        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False,
                                        auto_reload=True, bytecode_cache=_compiled_cache())
    env.filters.update(FILTERS)
    env.tests.update(TESTS)
    env.globals.update(GLOBALS)
    return env


def unescape(text: str) -> str:
    """A rendered field as plain text (for a header line or a table caption): the Markdown escapes taken out."""
    return re.sub(r"\\([\\`*_\[\]<>#|~!&])", r"\1", str(text))


@dataclass
class Wording:
    """The templates one report uses: `folders` first (a variant's own, then the project's), then the package's.

    It remembers every template it rendered (`used`: name → file), for the part's record and report.log.
    """

    folders: tuple[Path, ...] = ()
    used: dict[str, str] = field(default_factory=dict)

    @property
    def search_path(self) -> tuple[str, ...]:
        return tuple(str(Path(f)) for f in self.folders if Path(f).is_dir()) + (str(PACKAGE),)

    def file(self, name: str) -> Path:
        """The file that `name` resolves to."""
        for folder in self.search_path:
            path = Path(folder) / name
            if path.is_file():
                return path
        raise TemplateFailure(f"Không tìm thấy mẫu lời văn '{name}' (tìm trong: {', '.join(self.search_path)}).")

    def _template(self, name: str):
        env = _environment(self.search_path)
        try:
            template = env.get_template(name)
            self._referenced(env, name, template.filename)
        except TemplateSyntaxError as exc:
            raise TemplateFailure(f"{exc.filename or name}, dòng {exc.lineno}: lỗi cú pháp mẫu lời văn: "
                                  f"{exc.message}") from None
        except TemplateNotFound as exc:
            raise TemplateFailure(f"Không tìm thấy mẫu lời văn '{exc.name}' (tìm trong: "
                                  f"{', '.join(self.search_path)}).") from None
        return template

    def _referenced(self, env, name: str, filename: str) -> None:
        """Record `name` and every template it imports or includes (what the part's record names)."""
        if name in self.used:
            return
        self.used[name] = filename
        for other in _references(env, name, filename):
            found = env.get_template(other)
            self._referenced(env, other, found.filename)

    def _failed(self, exc: Exception, name: str) -> TemplateFailure:
        """The template file and line an error came from (Jinja keeps them in the traceback)."""
        if isinstance(exc, TemplateSyntaxError):
            return TemplateFailure(f"{exc.filename or name}, dòng {exc.lineno}: lỗi cú pháp mẫu lời văn: "
                                   f"{exc.message}")
        where = next((f"{frame.filename}, dòng {frame.lineno}" for frame in
                      reversed(traceback.extract_tb(exc.__traceback__)) if frame.filename.endswith(SUFFIX)),
                     name)
        message = str(exc).strip() or type(exc).__name__
        if isinstance(exc, UndefinedError):
            missing = re.search(r"has no (?:attribute|element) '?([^']+?)'?$|'([^']+)' is undefined", message)
            name_shown = next((g for g in missing.groups() if g), message) if missing else message
            message = f"tên không có trong mẫu lời văn: '{name_shown}' (xem docs/loi-van.md)"
        return TemplateFailure(f"{where}: {message}")

    def text(self, name: str, **context) -> str:
        """Render template `name` to Markdown, trimmed, with blank-line runs folded."""
        try:
            rendered = self._template(name).render(**context)
        except TemplateFailure:
            raise
        except (TemplateError, ArithmeticError, TypeError, ValueError, AttributeError, KeyError,
                IndexError) as exc:
            raise self._failed(exc, name) from None
        return re.sub(r"\n{3,}", "\n\n", "\n".join(line.rstrip() for line in rendered.split("\n"))).strip()

    def text_from_string(self, source: str, where: str = "<ô %%report_text>", **context) -> str:
        """Render `source` (an analyst's cell) as a template with the same filters; errors name the cell's line."""
        env = _environment(self.search_path)
        try:
            rendered = env.from_string(source).render(**context)
        except TemplateSyntaxError as exc:
            raise TemplateFailure(f"{where}, dòng {exc.lineno}: lỗi cú pháp mẫu lời văn: {exc.message}") from None
        except TemplateFailure:
            raise
        except (TemplateError, ArithmeticError, TypeError, ValueError, AttributeError, KeyError,
                IndexError) as exc:
            line = next((frame.lineno for frame in reversed(traceback.extract_tb(exc.__traceback__))
                         if frame.filename == "<template>"), None)
            failure = self._failed(exc, where)
            raise TemplateFailure(str(failure).replace(where, f"{where}, dòng {line}" if line else where, 1)) from None
        return re.sub(r"\n{3,}", "\n\n", "\n".join(l.rstrip() for l in rendered.split("\n"))).strip()

    def fields(self, name: str, **context) -> dict[str, object]:
        """The variables a template sets (`{% set agency_line = … %}`) and its macros, as a dict."""
        try:
            module = self._template(name).make_module(context)
        except TemplateFailure:
            raise
        except (TemplateError, ArithmeticError, TypeError, ValueError, AttributeError, KeyError,
                IndexError):
            raise self._failed(rewrite_traceback_stack(), name) from None
        found = {key: getattr(module, key) for key in dir(module) if not key.startswith("_")}
        return found

    def call(self, fields: dict, macro: str, *args, name: str = "") -> str:
        """Call macro `macro` of a template's `fields`, as plain text (escapes taken out)."""
        if macro not in fields:
            raise TemplateFailure(f"{name}: thiếu macro '{macro}' (xem docs/loi-van.md).")
        try:
            return unescape(str(fields[macro](*args)).strip())
        except (TemplateError, ArithmeticError, TypeError, ValueError, AttributeError, KeyError, IndexError):
            raise self._failed(rewrite_traceback_stack(), name) from None

    def files_used(self, root: Path | None = None, names=None) -> list[str]:
        """The files of the templates used (those of `names` and what they import, or all), relative to `root`
        where they are inside it (the project's own), else marked as the package's."""
        shown = []
        wanted = None if names is None else self._closure(names)
        for name, path in self.used.items():
            if wanted is not None and name not in wanted:
                continue
            p = Path(path)
            label = f"gói thads: {name}" if p.is_relative_to(PACKAGE) else (
                str(p.relative_to(root)) if root is not None and p.is_relative_to(root) else str(p))
            shown.append(label)
        return shown

    def _closure(self, names) -> set[str]:
        env, seen, todo = _environment(self.search_path), set(), list(names)
        while todo:
            name = todo.pop()
            if name in seen or name not in self.used:
                continue
            seen.add(name)
            todo += _references(env, name, self.used[name])
        return seen


_REFERENCES: dict[tuple, tuple[str, ...]] = {}     # (file, its size and time) -> the templates it names


def _references(env, name: str, filename: str) -> tuple[str, ...]:
    """The templates a template file imports or includes, parsed once for each version of the file."""
    from jinja2 import meta

    stat = Path(filename).stat()
    key = (filename, stat.st_size, stat.st_mtime_ns)
    if key not in _REFERENCES:
        source = Path(filename).read_text("utf-8")
        _REFERENCES[key] = tuple(n for n in meta.find_referenced_templates(env.parse(source, name, filename)) if n)
    return _REFERENCES[key]


def digest(paths) -> str:
    """A hash of template files' contents (a report's inputs)."""
    h = hashlib.sha256()
    for path in paths:
        h.update(str(path).encode() + b"\0")
        h.update(Path(path).read_bytes() if Path(path).is_file() else b"-")
    return h.hexdigest()


def shipped() -> list[Path]:
    """Every template the package ships, relative to its folder."""
    return sorted(p.relative_to(PACKAGE) for p in PACKAGE.rglob(f"*{SUFFIX}"))
