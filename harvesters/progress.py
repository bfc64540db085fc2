"""A quiet progress line on stderr for long runs (redrawn in place on a terminal)."""
from __future__ import annotations

import sys
import time


class Progress:
    def __init__(self, label: str, stream=None, every: float = 0.5):
        self.label = label
        self.stream = stream or sys.stderr
        self.count = 0
        self.errors = 0
        self._every = every
        self._last = 0.0
        self._tty = hasattr(self.stream, "isatty") and self.stream.isatty()

    def step(self, ok: bool = True) -> None:
        self.count += 1
        self.errors += 0 if ok else 1
        now = time.monotonic()
        if self._tty and now - self._last >= self._every:
            self._last = now
            self.stream.write(f"\r{self.label}: {self.count} records, {self.errors} with errors")
            self.stream.flush()

    def done(self, summary: str) -> None:
        prefix = "\r" if self._tty else ""
        self.stream.write(f"{prefix}{self.label}: {summary}\n")
        self.stream.flush()
