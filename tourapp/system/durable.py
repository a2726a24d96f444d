"""Durable file replacement: a reader sees the old file or the new one, never a mix."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def signature(path: str | os.PathLike) -> tuple[int, int, int] | None:
    """What changes whenever ``path`` is replaced or rewritten (None if it is missing).

    The inode changes with every atomic replace; the size and nanosecond time stamp
    catch a rewrite in place.
    """
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def write_atomic(path: str | os.PathLike, data: str | bytes) -> Path:
    """Replace ``path`` with ``data`` (text is written as UTF-8 with ``\\n`` line ends).

    The new content goes to a temporary file in the same folder, is flushed to
    disk, given the permissions and (when allowed) the owner and group of the file
    it replaces, then renamed over it; the folder is synced so the rename survives
    a power cut. On any error the old file is left exactly as it was.
    """
    path = Path(path)
    folder = path.parent
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(payload)
            out.flush()
            os.fsync(out.fileno())
        _copy_ownership(path, tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(dir_fd)  # make the rename itself durable
    finally:
        os.close(dir_fd)
    return path


def _copy_ownership(original: Path, tmp: str) -> None:
    """Give ``tmp`` the mode, owner and group of ``original`` (mkstemp makes it 0600)."""
    try:
        st = original.stat()
    except FileNotFoundError:
        # A new file: the permissions a plain open() would give it, not mkstemp's 0600.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        return
    os.chmod(tmp, st.st_mode & 0o7777)
    # Only root may give a file away; a user keeps their own (the group may still follow).
    with contextlib.suppress(PermissionError):
        os.chown(tmp, st.st_uid, st.st_gid)
    with contextlib.suppress(PermissionError):
        os.chown(tmp, -1, st.st_gid)
