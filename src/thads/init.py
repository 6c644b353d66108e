"""A project folder made from what the package ships: `thads init DIR` and, after an upgrade, `thads init
--update DIR`.

A project holds `thads.yml`, `notebooks/`, `templates/` (the report's wording, Jinja2 templates of Markdown),
`parameters/` (a batch file, the signing file, an example note), `data/` (the sample data, made by the
package's generator and marked as sample), `outputs/`, `docs/` (the user documentation, in Vietnamese) and
`requirements.lock` (the versions of every dependency the package was tested with: `pip install -c
requirements.lock` in an environment made from the wheel alone).

The files the package may later fix, notebooks, wording templates, documentation and pins, are handled by one
mechanism (SHIPPED: a package folder, the project folder thads.yml names, how to compare two versions).
`.thads/manifest.json` records the package version and, per file, a digest of its content as the package
made it:

    {"format": 2, "version": "0.3.0",
     "files": {"notebooks/province_report.ipynb": "<sha256>", "templates/tinh/ket-qua-viec.md.j2": "<sha256>",
               "docs/du-lieu.md": "<sha256>", "requirements.lock": "<sha256>"},
     "notebooks": {"province_report.ipynb": "<sha256 of the bytes>"}}

`notebooks` is what versions before format 2 wrote and read (a hash of the bytes); it is still read, so that
projects they made update, and still written, so that they can update a project this version made.

A notebook's content is its cells' types, sources and tags: what JupyterLab changes when an analyst only
opens and saves it (language_info and other metadata, execution counts, outputs, cell ids, indentation)
does not make it edited. A template's (a page's, the pins') content is its text, whatever its line endings. `--update` replaces
the files nobody edited with the package's, adds new ones and keeps edited ones, writing the package's
version beside each as `<name>~ban-moi<suffix>`: a name no variant lookup can take (a province's variant is
`<notebook>.<slug>.ipynb`; slugs hold only a-z, 0-9 and '-').
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from thads import __version__, files, project
from thads.errors import ThadsError

TEMPLATE = Path(__file__).parent / "templates" / "project"
WORDING = Path(__file__).parent / "templates" / "wording"
MANIFEST = Path(".thads") / "manifest.json"
FORMAT = 2
BESIDE = "~ban-moi"            # <name>~ban-moi<suffix>: the package's version of a file an analyst edited
KERNEL, KERNEL_LABEL = "thads", "Python (thads)"


def _sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def notebook_digest(data: bytes) -> str:
    """The content of a notebook: its cells' types, sources and sorted tags, nothing else (metadata,
    execution counts, outputs, ids and layout are JupyterLab's). A notebook that does not parse is its bytes."""
    try:
        cells = json.loads(data.decode("utf-8"))["cells"]
        content = [(cell["cell_type"], "".join(s) if isinstance(s := cell.get("source", ""), list) else s,
                    sorted(str(t) for t in (cell.get("metadata") or {}).get("tags") or []))
                   for cell in cells]
    except (ValueError, UnicodeDecodeError, KeyError, TypeError, AttributeError):
        return "bytes:" + hashlib.sha256(data).hexdigest()
    return hashlib.sha256(json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8")).hexdigest()


def text_digest(data: bytes) -> str:
    """The content of a text file: its text with line endings made '\\n'."""
    return hashlib.sha256(data.replace(b"\r\n", b"\n")).hexdigest()


@dataclass(frozen=True)
class Shipped:
    """Files the package ships into a project, which analysts may edit and later versions may fix."""

    name: str                          # its folder's key in thads.yml (and Project field); its manifest prefix
    source: Callable[[], Path]         # the package folder (read when used, so that tests can move it)
    suffix: str                        # the files' ending
    recursive: bool                    # subfolders kept (templates/tinh/...) or the folder alone
    digest: Callable[[bytes], str]     # a file's content, as compared
    hashed: bool = False               # byte hashes also kept under its name (manifests before format 2)
    fixed: str | None = None           # a folder thads.yml does not name: its path from the root ("" the root)

    def folder(self, where: project.Project) -> Path:
        """Where the files go in the project."""
        return getattr(where, self.name) if self.fixed is None else where.root / self.fixed

    def key(self, relative: Path) -> str:
        """A file's name in the manifest: its path from the project root as the package places it."""
        return "/".join(part for part in (self.fixed if self.fixed is not None else self.name, relative.as_posix())
                        if part)

    def files(self) -> list[Path]:
        """The package's files, relative to its folder."""
        folder = self.source()
        if not folder.is_dir():
            return []
        found = folder.rglob(f"*{self.suffix}") if self.recursive else folder.glob(f"*{self.suffix}")
        return sorted(p.relative_to(folder) for p in found if p.is_file() and BESIDE not in p.name)


SHIPPED = (
    Shipped("notebooks", lambda: TEMPLATE / "notebooks", ".ipynb", False, notebook_digest, hashed=True),
    Shipped("templates", lambda: WORDING, ".md.j2", True, text_digest),
    Shipped("docs", lambda: TEMPLATE / "docs", ".md", False, text_digest, fixed="docs"),
    Shipped("pins", lambda: TEMPLATE, ".lock", False, text_digest, fixed=""),
)
PINS = "requirements.lock"
INSTALL = f'python -m pip install -c {PINS} "thads-reports[lab]"'   # in the project: pinned versions, JupyterLab


def beside(path: Path, suffix: str) -> Path:
    """Where the package's version of an edited file goes: `x.ipynb` -> `x~ban-moi.ipynb`,
    `x.md.j2` -> `x~ban-moi.md.j2`."""
    path = Path(path)
    stem = path.name[:-len(suffix)] if suffix and path.name.endswith(suffix) else path.name
    return path.with_name(f"{stem}{BESIDE}{suffix}")


def _inside(root: Path, path: Path, what: str) -> None:
    """Refuse `path` unless it stays inside the project `root` once '..' and links are resolved."""
    resolved = Path(path).resolve()
    if resolved != root and root not in resolved.parents:
        raise ThadsError(f"{what} '{path}' nằm ngoài thư mục dự án '{root}' (qua liên kết hoặc '..'): thads init "
                         f"không ghi ra ngoài dự án; hãy sửa {project.FILE} hoặc bỏ liên kết rồi chạy lại.")


def _writable(root: Path, path: Path, shown: str) -> None:
    """Refuse to write a project file through a link, over a folder, or outside the project."""
    if path.is_symlink():
        raise ThadsError(f"'{shown}' là một liên kết (symlink): thads init không ghi qua liên kết; hãy thay nó bằng "
                         "tệp thật (hoặc xóa nó) rồi chạy lại.")
    if path.is_dir():
        raise ThadsError(f"'{shown}' là một thư mục, không phải tệp: hãy đổi tên nó rồi chạy lại.")
    _inside(root, path, "Tệp")


def _read_manifest(folder: Path) -> tuple[dict[str, str], dict[str, str], str]:
    """The digests recorded (format 2), the byte hashes of notebooks (every format) and the version."""
    try:
        recorded = json.loads((folder / MANIFEST).read_text("utf-8"))
        digests = {str(k): v for k, v in dict(recorded.get("files") or {}).items() if isinstance(v, str)}
        legacy = {str(k): v for k, v in dict(recorded.get("notebooks") or {}).items() if isinstance(v, str)}
        return digests, legacy, str(recorded.get("version", "?"))
    except (OSError, ValueError, AttributeError, TypeError):
        return {}, {}, "?"


def _write_manifest(folder: Path, digests: dict[str, str], legacy: dict[str, str]) -> None:
    files.make_folder(folder / MANIFEST.parent)
    files.write_whole(folder / MANIFEST, json.dumps(
        {"format": FORMAT, "version": __version__, "files": dict(sorted(digests.items())),
         "notebooks": dict(sorted(legacy.items()))}, ensure_ascii=False, indent=2))


def _bring(folder: Path, recorded: dict[str, str], legacy: dict[str, str]):
    """What bringing the package's shipped files into the project means, checked whole before anything is
    written: (the writes, the digests and notebook byte hashes to record, the lines to print)."""
    where = project.find(folder)
    root = where.root
    _inside(root, folder / MANIFEST, "Tệp")
    writes: list[tuple[Path, bytes]] = []
    digests: dict[str, str] = {}
    hashes: dict[str, str] = {}
    lines: list[str] = []

    def show(path: Path) -> str:
        try:
            return path.relative_to(root).as_posix()
        except ValueError:
            return str(path)

    for kind in SHIPPED:
        destination = kind.folder(where)
        _inside(root, destination, f"Thư mục {kind.name}" + (f" ({kind.name}: trong {project.FILE})" if kind.fixed is None
                                                             else ""))
        for relative in kind.files():
            key, source, target = kind.key(relative), kind.source() / relative, destination / relative
            package = source.read_bytes()
            new = kind.digest(package)
            _writable(root, target, show(target))
            old_hash = legacy.get(relative.name) if kind.hashed else None
            if not target.exists():
                writes.append((target, package))
                lines.append(f"thêm {show(target)}")
                digests[key] = new
                if kind.hashed:
                    hashes[relative.name] = hashlib.sha256(package).hexdigest()
                continue
            current = target.read_bytes()
            now, before = kind.digest(current), recorded.get(key)
            if now in (new, before) or (old_hash is not None and hashlib.sha256(current).hexdigest() == old_hash):
                if now != new:
                    writes.append((target, package))
                    lines.append(f"cập nhật {show(target)}")
                digests[key] = new
                if kind.hashed:
                    hashes[relative.name] = hashlib.sha256(package if now != new else current).hexdigest()
                continue
            # Edited: kept, and compared later with what the package made, not with the analyst's version.
            if before is not None:
                digests[key] = before
            if old_hash is not None:
                hashes[relative.name] = old_hash
            side = beside(target, kind.suffix)
            _writable(root, side, show(side))
            if new != before or side.exists():
                if not side.exists() or side.read_bytes() != package:
                    writes.append((side, package))
                lines.append(f"giữ nguyên {show(target)}: đã được sửa sau khi tạo; bản mới của gói ghi bên cạnh ở "
                             f"{show(side)} (so sánh rồi chép sang những gì cần dùng)")
            else:
                lines.append(f"giữ nguyên {show(target)}: đã được sửa sau khi tạo (gói không có bản mới cho tệp này)")
    return writes, digests, hashes, lines


def _reference_deck(folder: Path) -> list[str]:
    """The plain reference deck of report.pptx (`plain_deck`) put where thads.yml's `slides_reference` names it, when
    nothing is there yet: an office then restyles it (docs/trinh-chieu.md). Never replaced once there; the lines to
    print."""
    from thads.plain_deck import DECK

    where = project.find(folder)
    target = where.slides_reference
    if target.exists() or not DECK.is_file():
        return []
    _writable(where.root, target, str(target))
    files.make_folder(target.parent)
    files.write_whole(target, DECK.read_bytes())
    try:
        shown = target.relative_to(where.root).as_posix()
    except ValueError:
        shown = str(target)
    return [f"thêm {shown} (mẫu trình chiếu của report.pptx)"]


def _write(writes: list[tuple[Path, bytes]]) -> None:
    for target, content in writes:
        files.make_folder(target.parent)
        files.write_whole(target, content)


def ensure_kernel() -> str:
    """The project's Jupyter kernel, registered in this Python environment when it is missing; a sentence
    for the user either way."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec(KERNEL)
        return f"Kernel Jupyter '{KERNEL}' đã có."
    except NoSuchKernel:
        pass
    try:
        from ipykernel.kernelspec import install

        install(kernel_name=KERNEL, display_name=KERNEL_LABEL, prefix=sys.prefix)
        return f"Đã đăng ký kernel Jupyter '{KERNEL}' trong môi trường Python này ({sys.prefix})."
    except Exception as exc:  # a read-only environment: say the one command that does it
        return (f"Chưa đăng ký được kernel Jupyter '{KERNEL}' ({exc}); hãy chạy: {sys.executable} -m ipykernel "
                f"install --sys-prefix --name {KERNEL} --display-name \"{KERNEL_LABEL}\"")


def _a_folder(folder: Path) -> None:
    """Refuse a project path that is a file (or a link to one)."""
    if folder.exists() and not folder.is_dir():
        raise ThadsError(f"'{folder}' là một tệp, không phải thư mục: hãy chọn một thư mục (mới, trống, hoặc thư mục "
                         "của một dự án thads) cho dự án.")


def create(folder: Path) -> list[str]:
    """Make a new project in `folder` (empty or new); the lines to print, the next command last."""
    from thads import sample

    folder = Path(folder)
    _a_folder(folder)
    if (folder / project.FILE).exists():
        raise ThadsError(f"'{folder}' đã là một dự án thads (có {project.FILE}); để cập nhật notebook sau khi nâng "
                         f"cấp, dùng: thads init --update {folder}")
    if folder.exists() and any(p for p in folder.iterdir() if not p.name.startswith(".")):
        raise ThadsError(f"Thư mục '{folder}' không trống: hãy chọn một thư mục mới hoặc trống cho dự án.")
    files.make_folder(folder)
    shipped = {kind.source() / relative for kind in SHIPPED for relative in kind.files()}
    for source in sorted(TEMPLATE.rglob("*")):
        relative = source.relative_to(TEMPLATE)
        if relative.parts[0] == "notebooks" or source in shipped:     # shipped files: below, with the templates
            continue
        target = folder / relative
        if source.is_dir():
            files.make_folder(target)
        else:
            files.make_folder(target.parent)
            files.write_whole(target, source.read_bytes())
    writes, digests, hashes, _ = _bring(folder, {}, {})
    _write(writes)
    where = project.find(folder)
    for kind in SHIPPED:
        files.make_folder(kind.folder(where))
    _reference_deck(folder)
    sample.generate(folder / "data")
    files.make_folder(folder / "outputs")
    _write_manifest(folder, digests, hashes)
    return [f"Đã tạo dự án thads {__version__} trong {folder}: notebooks/, templates/ (mẫu lời văn, mẫu trình chiếu), "
            "parameters/, "
            f"data/ (dữ liệu mẫu), outputs/, docs/ (hướng dẫn), {PINS} (các phiên bản đã kiểm thử), thads.yml.",
            ensure_kernel(), *_lab_missing(),
            f"Bước tiếp theo: cd {folder}   rồi   thads run --period 2024-M11 --province 93"]


def _lab_missing() -> list[str]:
    """A line saying how to install JupyterLab and the pinned versions, when JupyterLab is missing here."""
    from importlib.util import find_spec

    if find_spec("jupyterlab") is not None:
        return []
    return [f"JupyterLab (lệnh thads lab) chưa được cài; trong thư mục dự án, chạy: {INSTALL}   (cài JupyterLab và "
            f"đúng các phiên bản trong {PINS})"]


def update(folder: Path) -> list[str]:
    """Replace the project's notebooks and templates that still are as the package made them with this
    version's; keep those an analyst changed, with the package's version beside them (and say so); add new
    ones."""
    folder = Path(folder)
    _a_folder(folder)
    if not (folder / project.FILE).is_file():
        raise ThadsError(f"'{folder}' không phải dự án thads (không có {project.FILE}); để tạo mới: thads init {folder}")
    recorded, legacy, since = _read_manifest(folder)
    writes, digests, hashes, lines = _bring(folder, recorded, legacy)
    _write(writes)
    lines += _reference_deck(folder)
    _write_manifest(folder, digests, hashes)
    pins = project.find(folder).root / PINS
    changed = [f"{PINS} có các phiên bản mới: trong thư mục dự án, chạy {INSTALL} để cài đúng các phiên bản ấy"
               ] if any(target.resolve() == pins for target, _ in writes) else []
    return [f"Cập nhật notebook từ thads {since} lên {__version__} (kèm mẫu lời văn, tài liệu docs/ và {PINS}):",
            *(f"  - {line}" for line in lines or ["không có gì thay đổi"]), ensure_kernel(), *changed]
