"""Builds and consolidations started over HTTP: one background thread each, under the build lock.

The lock is the one ``collectives build`` takes (:func:`registry.lock.build_lock`). It is taken
in the request, so a second start is refused at once (409 ``build_running``) whether the running
build was started here, by another server process or on the command line; the job's thread
releases it. Finished jobs are remembered in memory only, the last ``KEEP``: the lasting record
of every harvest is its run in the metadata graph.

>>> jobs = Jobs(Path("var"))
>>> jobs.get("nothing") is None
True
"""
from __future__ import annotations

import logging
import secrets
import threading
from collections import OrderedDict
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from registry.errors import RegistryError, StoreError
from registry.lock import BuildLocked, build_lock

log = logging.getLogger("api.jobs")

KEEP = 50  # finished jobs remembered
MAX_DETAIL = 2000  # characters of a failure's text


def _now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class Job:
    id: str
    kind: str  # build | consolidation
    status: str = "running"  # running | succeeded | failed
    started: datetime = field(default_factory=_now)
    ended: datetime | None = None
    sources: list[dict] = field(default_factory=list)  # per source: its run's counts
    consolidation: dict | None = None
    error: dict | None = None  # {"code": ..., "detail": ...}; never a stack trace

    def to_dict(self, href: str) -> dict:
        return {"id": self.id, "kind": self.kind, "status": self.status, "href": href,
                "started": self.started.isoformat(), "ended": self.ended.isoformat() if self.ended else None,
                "sources": self.sources, "consolidation": self.consolidation, "error": self.error}


def _failure(exc: BaseException) -> dict:
    """What a client may read about a failure: a domain error's text, else only that it happened."""
    if isinstance(exc, StoreError):  # may carry backend URLs and credentials' users
        return {"code": exc.code, "detail": "the store failed; the server log has the details"}
    if isinstance(exc, RegistryError):
        return {"code": exc.code, "detail": str(exc)[:MAX_DETAIL]}
    return {"code": "internal_error", "detail": "unexpected error; the server log has the details"}


class Jobs:
    """The jobs of one app; ``changed`` is called after each job that may have changed the store."""

    def __init__(self, data_dir: Path, changed: Callable[[], None] = lambda: None, keep: int = KEEP):
        self.data_dir = data_dir
        self.changed = changed
        self.keep = keep
        self._lock = threading.Lock()
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._threads: list[threading.Thread] = []

    def start(self, kind: str, work: Callable[[Job], None]) -> Job:
        """Take the build lock (or raise BuildLocked) and run ``work(job)`` in a thread."""
        held = ExitStack()
        try:
            held.enter_context(build_lock(self.data_dir))
        except BuildLocked:
            raise BuildLocked("a build is running; try again when it has finished") from None
        job = Job(id=secrets.token_hex(6), kind=kind)
        thread = threading.Thread(target=self._run, args=(job, work, held), name=f"job-{job.id}", daemon=True)
        try:
            thread.start()
        except BaseException:
            held.close()  # no thread will release the lock
            raise
        with self._lock:
            self._jobs[job.id] = job
            self._forget_old()
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        log.info("%s %s started", kind, job.id)
        return job

    def _run(self, job: Job, work: Callable[[Job], None], held: ExitStack) -> None:
        try:
            with held:
                work(job)
            failed = [s["source"] for s in job.sources if s.get("status") != "completed"]
            if failed:
                job.error = {"code": "source_failed",
                             "detail": f"{len(failed)} of {len(job.sources)} sources failed: {', '.join(failed)}"}
        except Exception as exc:  # a job's thread has no one else to report to
            log.exception("%s %s failed", job.kind, job.id)
            job.error = _failure(exc)
        finally:
            # the lock is released and readers told before anyone can see the job finished
            job.ended = _now()
            self.changed()
            job.status = "failed" if job.error else "succeeded"
        log.info("%s %s %s", job.kind, job.id, job.status)

    def _forget_old(self) -> None:  # with the lock held
        finished = [ident for ident, job in self._jobs.items() if job.status != "running"]
        for ident in finished[:max(0, len(self._jobs) - self.keep)]:
            del self._jobs[ident]

    def get(self, ident: str) -> Job | None:
        with self._lock:
            return self._jobs.get(ident)

    def recent(self) -> list[Job]:
        """The remembered jobs, newest first."""
        with self._lock:
            return list(reversed(self._jobs.values()))

    def wait(self, timeout: float) -> None:
        """Give running jobs up to ``timeout`` seconds to finish (at shutdown, before the store closes)."""
        for thread in list(self._threads):
            thread.join(timeout)
