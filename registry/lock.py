"""One build at a time: an exclusive lock file in the data directory.

The lock is the operating system's (``flock``), so a build killed with SIGKILL releases it with
its process; the file only tells who holds it.
"""
from __future__ import annotations

import fcntl
import os
import time
from contextlib import contextmanager
from pathlib import Path

from .errors import RegistryError


class BuildLocked(RegistryError):
    code = "build_running"


@contextmanager
def build_lock(data_dir: Path, *, wait: float = 0.0):
    """Hold the build lock; refuse at once (or after ``wait`` seconds) when another build holds it."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / "build.lock"
    with open(path, "a+") as handle:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    handle.seek(0)
                    holder = handle.read().strip() or "unknown"
                    raise BuildLocked(f"another build is running (pid {holder}); "
                                      f"wait for it or use --wait SECONDS") from None
                time.sleep(0.2)
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)
