"""Writing the tool's own files safely: inside the output folder, never through a link it did not make, and
whole or not at all (a temporary file beside the target, moved into place).

Every failure is a ThadsError that says what happened in words a user can act on (the disk is full, the
folder is read-only, a path is a file, a link is in the way).
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from pathlib import Path

from thads.errors import ThadsError

NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)       # not on Windows, where links need privileges to make
BINARY = getattr(os, "O_BINARY", 0)           # Windows only: without it os.open writes "\n" as "\r\n"


def temp_folder() -> Path:
    """The system's temporary folder (TMPDIR, TEMP, TMP), where the PDF printer writes its pages."""
    return Path(tempfile.gettempdir())


def full_temp(free: int = 2**20) -> Path | None:
    """The temporary folder when its disk has less than `free` bytes left, else None: where a write failed for want of
    space without saying where (a write, unlike an open, names no file)."""
    try:
        folder = temp_folder()
        return folder if shutil.disk_usage(folder).free < free else None
    except OSError:
        return None


def _in_temp(path: Path | str) -> bool:
    """Whether `path` lies in the temporary folder, on its disk (not on another disk mounted below it)."""
    try:
        folder, target = temp_folder().resolve(), Path(path).resolve()
        if target != folder and folder not in target.parents:
            return False
        existing = next(p for p in (target, *target.parents) if p.exists())
        return existing.stat().st_dev == folder.stat().st_dev
    except (OSError, RuntimeError, ValueError, StopIteration):
        return False


def describe(exc: OSError, path: Path | str) -> str:
    """What went wrong with `path`, in Vietnamese. A full disk under the temporary folder is named as such: freeing
    the output folder's disk would not help."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT) and _in_temp(path):
        return (f"'{path}': thư mục tạm {temp_folder()} đã đầy (ổ đĩa của nó hết chỗ trống): hãy giải phóng chỗ trống "
                "ở đó, hoặc đặt biến môi trường TMPDIR (Windows: TEMP và TMP) chỉ tới một thư mục trên ổ còn chỗ, rồi "
                "chạy lại.")
    reasons = {
        errno.ENOSPC: "ổ đĩa đã đầy: hãy giải phóng chỗ trống rồi chạy lại",
        errno.EDQUOT: "đã hết hạn mức dung lượng được dùng trên ổ đĩa",
        errno.EROFS: "ổ đĩa chỉ cho đọc, không ghi được",
        errno.EACCES: "không có quyền ghi (thư mục chỉ cho đọc?)",
        errno.EPERM: "không có quyền ghi",
        errno.ENOTDIR: "một phần của đường dẫn là tệp, không phải thư mục",
        errno.EEXIST: "đã có một tệp trùng tên ở đó",
        errno.ELOOP: "là một liên kết (symlink) mà thads không tạo: không ghi qua liên kết; hãy xóa nó rồi chạy lại",
        errno.EISDIR: "là một thư mục, không phải tệp",
    }
    return f"'{path}': {reasons.get(exc.errno, exc.strerror or str(exc))}."


def inside(root: Path, path: Path) -> Path:
    """`path`, checked to stay inside `root` once '..' and links are resolved; else a refusal."""
    base, target = Path(root).resolve(), Path(path).resolve()
    if target != base and base not in target.parents:
        raise ThadsError(f"'{path}' nằm ngoài thư mục kết quả '{root}': thads không ghi ra ngoài thư mục đó.")
    return Path(path)


def no_link(path: Path) -> None:
    """Refuse a link where the tool is about to write a file of its own."""
    if Path(path).is_symlink():
        raise ThadsError(describe(OSError(errno.ELOOP, "link"), path))


def open_for_writing(path: Path, exclusive: bool = False, read: bool = False):
    """A binary file opened for writing (and reading) without following a link at `path`."""
    no_link(path)
    flags = (os.O_RDWR if read else os.O_WRONLY) | os.O_CREAT | NOFOLLOW | BINARY | (os.O_EXCL if exclusive else 0)
    try:
        return os.fdopen(os.open(path, flags, 0o644), "r+b" if read else "wb")
    except OSError as exc:
        raise ThadsError(describe(exc, path)) from None


def make_folder(path: Path) -> Path:
    """Create a folder (and its parents) the tool writes into, or say clearly why it cannot."""
    try:
        Path(path).mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise ThadsError(f"'{path}' là một tệp, không phải thư mục: hãy chọn một thư mục cho kết quả.") from None
    except OSError as exc:
        raise ThadsError(describe(exc, path)) from None
    if not Path(path).is_dir():
        raise ThadsError(f"'{path}' là một tệp, không phải thư mục: hãy chọn một thư mục cho kết quả.")
    return Path(path)


def write_whole(path: Path, content: str | bytes) -> Path:
    """Write `path` whole: through a new temporary file beside it, then moved into place. On any failure
    (disk full, read-only folder, a link in the way) nothing is left behind and `path` is as it was."""
    path = Path(path)
    no_link(path)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    data = content.encode("utf-8") if isinstance(content, str) else content
    try:
        with open_for_writing(temporary, exclusive=True) as handle:
            handle.write(data)
        os.replace(temporary, path)
    except OSError as exc:
        raise ThadsError(describe(exc, path)) from None
    finally:
        if temporary.exists() and not temporary.is_symlink():
            temporary.unlink(missing_ok=True)
    return path


def put_in_place(source: Path, target: Path) -> tuple[Path, str | None]:
    """Move a finished file into place. Where the old one cannot be replaced (Windows refuses while Word or a
    PDF reader has it open), the new one goes beside it as <name>.new<ext>: returns where it went and, then,
    a message saying so."""
    no_link(target)
    try:
        os.replace(source, target)
        return Path(target), None
    except PermissionError:
        beside = Path(target).with_name(f"{Path(target).stem}.new{Path(target).suffix}")
        no_link(beside)
        os.replace(source, beside)
        return beside, (f"{Path(target).name} đang được mở trong một chương trình khác (Word, trình đọc PDF?) nên "
                        f"không thay được; bản mới ghi vào {beside.name}; hãy đóng tệp cũ rồi chạy lại")

