"""One search per run folder: an OS lock on ``<run folder>/.lock``, with its holder written in it.

The lock is ``fcntl.flock`` on an open file: the kernel releases it when the holding process
ends in any way (exit, Ctrl-C, ``kill -9``, a crash), so a lock file left behind by a dead
process is simply taken over; only a live holder blocks. The file keeps the holder's
``pid host`` for the message a second search prints. It is the lock itself, so it is rewritten
in place (truncate and write under the lock), not replaced by a rename. The holder removes it
before releasing; a search that locked a file just removed (it opened it before the unlink)
sees that the path no longer names its file and locks the new one, so two searches never both
hold the folder.

Where ``fcntl`` does not exist (Windows) no lock is taken.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

from ..errors import NNLabError

__all__ = ["LOCK_NAME", "RunFolderBusy", "RunLock"]

LOCK_NAME = ".lock"


def _same_file(path: Path, handle) -> bool:
    """Whether ``path`` still names the open file ``handle`` (a releasing holder unlinks it)."""
    try:
        return os.path.samestat(os.stat(path), os.fstat(handle.fileno()))
    except OSError:
        return False


class RunFolderBusy(NNLabError):
    """Another live process holds the run folder."""


class RunLock:
    """``with RunLock(run_dir):`` holds the run folder for this process, or raises :class:`RunFolderBusy`."""

    def __init__(self, run_dir):
        self.run_dir = Path(run_dir)
        self.path = self.run_dir / LOCK_NAME
        self._file = None

    def acquire(self) -> RunLock:
        try:
            import fcntl
        except ImportError:  # no flock on this system
            return self
        while True:
            handle = open(self.path, "a+", encoding="utf-8")  # never truncates a holder's line
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                handle.seek(0)
                holder = handle.read().split()
                handle.close()
                pid, host = (holder + ["?", "?"])[:2]
                raise RunFolderBusy(
                    f"{self.run_dir} is in use by another search (pid {pid} on {host}); "
                    "wait for it to finish or choose another --out folder"
                ) from None
            if _same_file(self.path, handle):
                break
            handle.close()  # the holder removed it as we opened it: lock the file now there
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()} {socket.gethostname()}\n")
        handle.flush()
        self._file = handle
        return self

    def release(self) -> None:
        """Remove the lock file, then close it (which releases the lock): a finished search
        leaves no lock behind. One killed leaves its file, which the next search takes over."""
        if self._file is not None:
            try:
                os.unlink(self.path)
            except OSError:
                pass
            self._file.close()
            self._file = None

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()
