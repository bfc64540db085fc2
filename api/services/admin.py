"""What the ``/admin`` endpoints do: start builds and consolidations, read and edit curated decisions.

The build itself comes from the composition root (``build_steps``, an instance of
``harvesters.build.BuildSteps``), because the api package does not import the harvesters; a
server started without it still edits decisions but answers 503 ``builds_unavailable`` to a build.
Jobs write into the store with every graph (not the public view the readers query).
"""
from __future__ import annotations

import logging
import threading
from typing import Callable, Protocol

from registry.consolidation import decisions as decisions_file
from registry.settings import Settings
from registry.store import Store

from ..problems import Problem
from .jobs import Job, Jobs

log = logging.getLogger("api.admin")

RUN_COUNTS = ("source", "status", "message", "started", "ended", "fetched", "valid", "invalid", "unchanged",
              "vanished")
CONSOLIDATION_COUNTS = ("records", "clusters", "collectives", "networks", "conflicts", "redirects")
MAX_WARNINGS = 20


class BuildSteps(Protocol):
    def select_sources(self, settings: Settings, names: list[str] | None) -> list: ...

    def run_build(self, settings: Settings, store: Store, sources: list) -> list[dict]: ...

    def run_consolidation(self, settings: Settings, store: Store) -> dict: ...


def run_counts(report: dict) -> dict:
    """A source run as a job shows it: its counts and the number of record errors (not each one)."""
    return {**{k: report.get(k) for k in RUN_COUNTS}, "errors": len(report.get("errors", []))}


def consolidation_counts(report: dict) -> dict:
    warnings = report.get("warnings", [])
    return {**{k: report.get(k) for k in CONSOLIDATION_COUNTS}, "merged": len(report.get("merged", [])),
            "split": len(report.get("split", [])), "warnings": warnings[:MAX_WARNINGS]}


class Admin:
    """The admin side of one app: its jobs, its build steps and the curated decisions file."""

    def __init__(self, settings: Settings, store: Store, build_steps: BuildSteps | None,
                 changed: Callable[[], None]):
        self.settings = settings
        self.store = store
        self.steps = build_steps
        self.jobs = Jobs(settings.data_dir, changed)
        self._editing = threading.Lock()  # one edit of the decisions file at a time

    def _build_steps(self) -> BuildSteps:
        if self.steps is None:
            raise Problem(503, "builds_unavailable",
                          "this server was started without the harvesters; serve it with `collectives serve`")
        return self.steps

    def start_build(self, names: list[str] | None, offline: bool = False) -> Job:
        """Harvest the enabled sources (or the named ones), consolidate, write the dumps."""
        steps = self._build_steps()
        settings = self.settings.with_(offline=True) if offline else self.settings
        sources = steps.select_sources(settings, names)  # unknown names: refused before anything starts

        def work(job: Job) -> None:
            job.sources = [run_counts(r) for r in steps.run_build(settings, self.store, sources)]
        return self.jobs.start("build", work)

    def start_consolidation(self) -> Job:
        """Consolidate again without harvesting, so that a changed decision takes effect."""
        steps = self._build_steps()

        def work(job: Job) -> None:
            job.consolidation = consolidation_counts(steps.run_consolidation(self.settings, self.store))
        return self.jobs.start("consolidation", work)

    def decisions(self) -> list[dict]:
        return [entry.to_dict() for entry in decisions_file.list_decisions(self.settings.decisions_path)]

    def add_decision(self, kind: str, fields: dict) -> tuple[dict, bool]:
        """The entry and whether it is new (an equal decision already in the file is not repeated)."""
        with self._editing:
            entry, written = decisions_file.add_decision(self.settings.decisions_path, kind, fields,
                                                         iris=self.settings.iris)
        if written:
            log.info("decision %s (%s) added", entry.id, kind)
        return entry.to_dict(), written

    def remove_decision(self, ident: str) -> list[dict]:
        with self._editing:
            removed = decisions_file.remove_decision(self.settings.decisions_path, ident)
        log.info("decision %s removed", ident)
        return [entry.to_dict() for entry in removed]
