"""A project folder made from what the package ships: `thads init DIR` and, after an upgrade, `thads init
--update DIR`.

A project holds `thads.yml`, `notebooks/`, `parameters/` (a batch file, the signing file, an example note),
`data/` (the sample data, made by the package's generator and marked as sample) and `outputs/`. It records in
`.thads/manifest.json` the package version its notebooks came from and their checksums, so that an update
replaces the notebooks an analyst did not change and leaves the changed ones as they are.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

from thads import __version__, files, project
from thads.errors import ThadsError

TEMPLATE = Path(__file__).parent / "templates" / "project"
MANIFEST = Path(".thads") / "manifest.json"
KERNEL, KERNEL_LABEL = "thads", "Python (thads)"


def _sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _notebooks() -> list[Path]:
    return sorted((TEMPLATE / "notebooks").glob("*.ipynb"))


def _write_manifest(folder: Path, hashes: dict[str, str]) -> None:
    files.make_folder(folder / MANIFEST.parent)
    files.write_whole(folder / MANIFEST, json.dumps({"version": __version__, "notebooks": hashes}, indent=2))


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


def create(folder: Path) -> list[str]:
    """Make a new project in `folder` (empty or new); the lines to print, the next command last."""
    from thads import sample

    folder = Path(folder)
    if (folder / project.FILE).exists():
        raise ThadsError(f"'{folder}' đã là một dự án thads (có {project.FILE}); để cập nhật notebook sau khi nâng "
                         f"cấp, dùng: thads init --update {folder}")
    if folder.exists() and any(p for p in folder.iterdir() if not p.name.startswith(".")):
        raise ThadsError(f"Thư mục '{folder}' không trống: hãy chọn một thư mục mới hoặc trống cho dự án.")
    files.make_folder(folder)
    for source in sorted(TEMPLATE.rglob("*")):
        target = folder / source.relative_to(TEMPLATE)
        if source.is_dir():
            files.make_folder(target)
        else:
            files.make_folder(target.parent)
            files.write_whole(target, source.read_bytes())
    sample.generate(folder / "data")
    files.make_folder(folder / "outputs")
    _write_manifest(folder, {p.name: _sha256(p) for p in _notebooks()})
    return [f"Đã tạo dự án thads {__version__} trong {folder}: notebooks/, parameters/, data/ (dữ liệu mẫu), "
            "outputs/, thads.yml.", ensure_kernel(),
            f"Bước tiếp theo: cd {folder}   rồi   thads run --period 2024-M11 --province 93"]


def update(folder: Path) -> list[str]:
    """Replace the project's notebooks that still are as the package made them with this version's; keep
    those an analyst changed (and say so); add new ones."""
    folder = Path(folder)
    if not (folder / project.FILE).is_file():
        raise ThadsError(f"'{folder}' không phải dự án thads (không có {project.FILE}); để tạo mới: thads init {folder}")
    try:
        recorded = json.loads((folder / MANIFEST).read_text("utf-8"))
        made = dict(recorded.get("notebooks", {}))
        since = recorded.get("version", "?")
    except (OSError, ValueError, AttributeError):
        made, since = {}, "?"
    lines, hashes = [], {}
    for source in _notebooks():
        target = folder / "notebooks" / source.name
        new = _sha256(source)
        if not target.exists():
            files.make_folder(target.parent)
            files.write_whole(target, source.read_bytes())
            lines.append(f"thêm notebooks/{source.name}")
            hashes[source.name] = new
        elif _sha256(target) == new:
            hashes[source.name] = new
        elif made.get(source.name) == _sha256(target):
            files.write_whole(target, source.read_bytes())
            lines.append(f"cập nhật notebooks/{source.name}")
            hashes[source.name] = new
        else:
            lines.append(f"giữ nguyên notebooks/{source.name}: đã được sửa sau khi tạo (bản mới của gói ở "
                         f"{source})")
            hashes[source.name] = made.get(source.name, "")
    _write_manifest(folder, hashes)
    return [f"Cập nhật notebook từ thads {since} lên {__version__}:", *(f"  - {line}" for line in lines or
                                                                      ["không có gì thay đổi"]), ensure_kernel()]
