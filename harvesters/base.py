"""The shape of a harvester: gather record keys, fetch each record, transform it to RDF.

A harvester kind subclasses :class:`Harvester`; the runner drives the stages, validates each
record and loads the result. Errors are raised per record as :class:`RecordError` so that one
bad record never stops a run; :class:`SourceError` stops the run and leaves the old data.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Iterator

from rdflib import Graph

from registry.namespaces import RegistryIRIs
from registry.reference import Reference
from registry.settings import Settings


class HarvestError(Exception):
    code = "harvest_error"


class SourceError(HarvestError):
    """The source as a whole cannot be harvested (unreachable, malformed listing)."""
    code = "source_error"


class RecordError(HarvestError):
    """One record cannot be fetched or transformed."""
    code = "record_error"


@dataclass(frozen=True)
class SourceConfig:
    name: str
    kind: str
    title: str = ""
    url: str | None = None
    urls: tuple[str, ...] = ()
    publisher: str | None = None
    licence: str | None = None
    homepage: str | None = None
    enabled: bool = True
    rate: float = 1.0  # requests per second per host
    concurrency: int = 1
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def all_urls(self) -> tuple[str, ...]:
        return ((self.url,) if self.url else ()) + self.urls


@dataclass
class RawRecord:
    key: str  # stable within the source; becomes {base}id/record/{source}/{key}
    data: Any
    url: str | None = None  # where the record was read (for prov:wasDerivedFrom)


@dataclass
class HarvestContext:
    settings: Settings
    reference: Reference
    http: Any = None  # harvesters.http.HttpClient when the kind reads the web
    store: Any = None  # the registry's store, for kinds that enrich what is already there
    # Incremental run: kinds that can ask their source for changes since a date do so, and
    # records not gathered are kept as they were instead of being marked withdrawn.
    since: date | None = None
    # The curated networks that listings' member_of references resolve against
    # (harvesters.memberships.NetworkDirectory); None: the shipped curated list.
    networks: Any = None

    @property
    def iris(self) -> RegistryIRIs:
        return self.settings.iris


class Harvester(ABC):
    kind: str = ""
    # True when gather() honours context.since and so lists only changed records; kinds that
    # always read the whole listing keep withdrawing what is gone, even in an incremental run.
    supports_since: bool = False

    def __init__(self, config: SourceConfig, context: HarvestContext):
        self.config = config
        self.context = context
        self.iris = context.iris

    @abstractmethod
    def gather(self) -> Iterator[str | RawRecord]:
        """Yield record keys (or whole records when the listing already holds them)."""

    def fetch(self, key: str) -> RawRecord:
        raise RecordError(f"{self.kind} cannot fetch {key!r} on its own")

    @abstractmethod
    def transform(self, record: RawRecord) -> Graph:
        """RDF about one source record and the collective it describes."""
