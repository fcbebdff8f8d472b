"""An exclusive lock on a data directory, held by a running server, so that a restore cannot replace the
database under it. The operating system drops the lock when the process dies, even by kill -9."""

from __future__ import annotations

import os
from pathlib import Path

try:  # POSIX
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False
        return True
except ImportError:  # Windows
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True


class DataDirLock:
    """``with DataDirLock(dir) as held:`` — ``held`` is False when another process has the directory."""

    def __init__(self, data_dir: str | os.PathLike) -> None:
        self.path = Path(data_dir) / "server.lock"
        self.fd: int | None = None

    def acquire(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        if _try_lock(self.fd):
            os.ftruncate(self.fd, 0)
            os.write(self.fd, str(os.getpid()).encode())
            return True
        os.close(self.fd)
        self.fd = None
        return False

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()
