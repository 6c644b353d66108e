"""What a batch keeps for its kernels and the next batches, sealed: the data it read and checked (dataset.share), in
the user's own cache folder (`data_file`), never in the output folder, which may be shared with others or published.

Unpickling a file runs whatever the file says: nothing but a file this user's batch wrote may ever be loaded. So the
file carries an HMAC-SHA256 of its content, made with a secret key that only this user can read (in the same cache
folder, created on first use, readable by its owner alone); a file whose seal does not match is ignored, and the data
folder is read again. The cache keeps the data of the last KEEP data folders (about 25 MB each for the sample).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
from pathlib import Path

SIZE = hashlib.sha256().digest_size
KEEP = 4                 # data folders whose checked data the cache keeps


def _folder() -> Path:
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("thads", appauthor=False))


def _key_file() -> Path:
    return _folder() / "seal.key"


def data_file(data_dir: Path | str) -> Path:
    """Where batches keep the checked data of the data folder `data_dir` (one file for each folder, by its path)."""
    name = hashlib.sha256(str(Path(data_dir).resolve()).encode("utf-8", "surrogateescape")).hexdigest()[:32]
    return _folder() / "data" / f"{name}.pickle"


def make_room(path: Path) -> None:
    """Make the folder of `path` (the user's alone), and leave in it the files of KEEP - 1 data folders at most,
    the most recently written."""
    folder = Path(path).parent
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    written = []
    for other in folder.glob("*.pickle"):
        try:
            written.append((other.stat().st_mtime, other))
        except OSError:              # removed meanwhile by another batch
            pass
    for _, old in sorted((w for w in written if w[1] != Path(path)), reverse=True)[KEEP - 1:]:
        old.unlink(missing_ok=True)


def _key() -> bytes | None:
    """This user's secret key, made on first use; None when it cannot be had safely (a key file that others could
    read or write, or a folder that cannot be written)."""
    path = _key_file()
    try:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            temporary = path.with_name(f".{path.name}.{os.getpid()}")
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(secrets.token_bytes(32))
            os.replace(temporary, path)      # two batches at once: the later key wins, the other's file is ignored
        info = path.lstat()
        if os.name == "posix" and (not stat.S_ISREG(info.st_mode) or info.st_uid != os.getuid()
                                   or info.st_mode & 0o077):
            return None
        key = path.read_bytes()
    except OSError:
        return None
    return key if len(key) == 32 else None


def seal(content: bytes) -> bytes | None:
    """`content` with its seal in front; None when no key can be had (then nothing is kept)."""
    key = _key()
    return None if key is None else hmac.new(key, content, hashlib.sha256).digest() + content


def opened(sealed: bytes) -> bytes | None:
    """The content of a file `seal` made with this user's key; None for any other file."""
    key = _key()
    if key is None or len(sealed) < SIZE:
        return None
    mark, content = sealed[:SIZE], sealed[SIZE:]
    return content if hmac.compare_digest(mark, hmac.new(key, content, hashlib.sha256).digest()) else None
