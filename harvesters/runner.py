"""Run one source: gather → fetch → transform → validate each record → load.

The source's named graph is replaced only when the run completes, in one atomic swap; invalid
records go to the source's quarantine graph with their SHACL report; records that vanished
from the source stay, marked withdrawn with the date they were last seen; every run is
recorded in the metadata graph.
"""
from __future__ import annotations

import hashlib
import traceback
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, PROV, RDF, RDFS, VOID, XSD

from registry.store import Store
from registry.validation import Validator

from .base import Harvester, RawRecord, SourceError
from .progress import Progress

SOFTWARE = "collectives-registry"


@dataclass
class RunReport:
    source: str
    started: datetime
    ended: datetime | None = None
    status: str = "running"  # completed | failed
    message: str = ""
    fetched: int = 0
    valid: int = 0
    invalid: int = 0
    unchanged: int = 0
    vanished: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "source": self.source, "status": self.status, "message": self.message,
            "started": self.started.isoformat(), "ended": self.ended.isoformat() if self.ended else None,
            "fetched": self.fetched, "valid": self.valid, "invalid": self.invalid,
            "unchanged": self.unchanged, "vanished": self.vanished,
            "errors": [{"record": k, "error": m} for k, m in self.errors],
        }


def record_hash(graph: Graph) -> str:
    """Content hash of a record's triples (blank-node free by design), to count unchanged records."""
    lines = sorted(f"{s.n3()} {p.n3()} {o.n3()}" for s, p, o in graph)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()[:32]


class SourceRun:
    def __init__(self, harvester: Harvester, store: Store, validator: Validator,
                 today: date | None = None, progress: Progress | None = None):
        self.h = harvester
        self.store = store
        self.validator = validator
        self.iris = harvester.iris
        self.cc = self.iris.CC
        self.name = harvester.config.name
        self.today = today or date.today()
        self.graph_iri = self.iris.source_graph(self.name)
        self.quarantine_iri = self.iris.graph(f"quarantine/{self.name}")
        self.progress = progress or Progress(self.name)

    def _previous(self) -> dict[URIRef, dict]:
        rows = self.store.select(
            """SELECT ?record ?hash ?first ?last ?status WHERE { GRAPH ?g {
                 ?record a ?recordClass .
                 OPTIONAL { ?record ?hashP ?hash } OPTIONAL { ?record ?firstP ?first }
                 OPTIONAL { ?record ?lastP ?last } OPTIONAL { ?record ?statusP ?status } } }""",
            {"g": self.graph_iri, "recordClass": self.cc.SourceRecord, "hashP": self.cc.recordHash,
             "firstP": self.cc.firstSeen, "lastP": self.cc.lastSeen, "statusP": self.cc.recordStatus})
        return {r["record"]: r for r in rows}

    def run(self) -> RunReport:
        report = RunReport(self.name, datetime.now(timezone.utc))
        try:
            previous = self._previous()
            kept, quarantine = self.iris.bind(Graph()), self.iris.bind(Graph())
            seen: set[URIRef] = set()
            errored: set[URIRef] = set()
            for item in self.h.gather():
                self._one(item, report, previous, kept, quarantine, seen, errored)
            report.vanished = self._carry_over_unseen(previous, seen, kept, errored,
                                                      withdraw=not (self.h.context.since and self.h.supports_since))
            self.store.replace_graph(self.graph_iri, kept)
            self.store.replace_graph(self.quarantine_iri, quarantine)
            report.status = "completed"
        except Exception as exc:  # the run fails as a whole; the previous graph stays
            report.status = "failed"
            report.message = f"{type(exc).__name__}: {exc}" if not isinstance(exc, SourceError) else str(exc)
            if not isinstance(exc, SourceError):
                traceback.print_exc()
        report.ended = datetime.now(timezone.utc)
        self._record_run(report)
        summary = (f"{report.status}: {report.fetched} fetched, {report.valid} valid, {report.invalid} invalid, "
                   f"{report.unchanged} unchanged, {report.vanished} vanished, {len(report.errors)} errors")
        self.progress.done(summary + (f" ({report.message})" if report.message else ""))
        return report

    def _one(self, item, report, previous, kept, quarantine, seen, errored) -> None:
        key = item.key if isinstance(item, RawRecord) else str(item)
        record_iri = self.iris.record(self.name, key)
        try:
            raw = item if isinstance(item, RawRecord) else self.h.fetch(key)
            report.fetched += 1
            graph = self.h.transform(raw)
        except Exception as exc:  # one record's failure is that record's error, not the run's
            report.errors.append((key, f"{type(exc).__name__}: {exc}"))
            quarantine.add((record_iri, RDF.type, self.cc.SourceRecord))
            quarantine.add((record_iri, self.cc.harvestError, Literal(str(exc))))
            errored.add(record_iri)
            self.progress.step(ok=False)
            return
        if record_iri in seen:
            report.errors.append((key, "duplicate record key in this run; the first one was kept"))
            self.progress.step(ok=False)
            return
        seen.add(record_iri)
        validation = self.validator.validate(graph)
        if not validation.conforms:
            report.invalid += 1
            quarantine += graph
            quarantine += validation.graph
            for node in validation.graph.subjects(RDF.type, URIRef("http://www.w3.org/ns/shacl#ValidationReport")):
                quarantine.add((record_iri, self.cc.validationReport, node))
            self.progress.step(ok=False)
            return
        report.valid += 1
        digest = record_hash(graph)
        before = previous.get(record_iri, {})
        if before.get("hash") == Literal(digest):
            report.unchanged += 1
        kept += graph
        kept.add((record_iri, self.cc.recordHash, Literal(digest)))
        first = before.get("first") or Literal(self.today.isoformat(), datatype=XSD.date)
        kept.add((record_iri, self.cc.firstSeen, first))
        kept.add((record_iri, self.cc.lastSeen, Literal(self.today.isoformat(), datatype=XSD.date)))
        self.progress.step()

    def _carry_over_unseen(self, previous: dict, seen: set, kept: Graph, errored: set, withdraw: bool) -> int:
        """Records gone from the source stay, withdrawn, with what they last said.

        A record that could not be read this time, or (in an incremental run) was not asked
        for, is not gone: it stays as it was.
        """
        gone = [r for r in previous if r not in seen]
        withdrawn = self.iris.concept("record-status", "withdrawn")
        for record in gone:
            old = self.store.construct(
                """CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g {
                     { ?record ?p ?o BIND(?record AS ?s) }
                     UNION { ?record ?topicP ?topic . ?topic ?p ?o BIND(?topic AS ?s) }
                     UNION { ?record ?topicP ?topic . ?topic ?link ?s . ?s ?p ?o
                             FILTER(STRSTARTS(STR(?s), CONCAT(STR(?topic), "#"))) }
                     UNION { ?s ?derived ?record . ?s ?p ?o } } }""",
                {"g": self.graph_iri, "record": record, "topicP": FOAF.primaryTopic, "derived": PROV.wasDerivedFrom})
            if withdraw and record not in errored:
                old.remove((record, self.cc.recordStatus, None))
                old.add((record, self.cc.recordStatus, withdrawn))
            kept += old
        if not withdraw:
            return 0
        return len([r for r in gone if r not in errored and previous[r].get("status") != withdrawn])

    def _record_run(self, report: RunReport) -> None:
        cc, config = self.cc, self.h.config
        meta = self.iris.bind(Graph())
        source = URIRef(f"{self.iris.base}id/source/{self.name}")
        run = URIRef(f"{self.iris.base}id/run/{self.name}/{report.started.strftime('%Y%m%dT%H%M%S%fZ')}")
        meta.add((source, RDF.type, DCAT.Dataset))
        meta.add((source, DCTERMS.identifier, Literal(self.name)))
        meta.add((source, DCTERMS.title, Literal(config.title or self.name)))
        meta.add((source, cc.harvesterKind, Literal(config.kind)))
        if config.publisher:
            meta.add((source, DCTERMS.publisher, Literal(config.publisher)))
        if config.licence:
            meta.add((source, DCTERMS.license, URIRef(config.licence) if "://" in config.licence else Literal(config.licence)))
        for url in config.all_urls:
            meta.add((source, DCAT.accessURL, URIRef(url)))
        meta.add((run, RDF.type, PROV.Activity))
        meta.add((run, PROV.used, source))
        meta.add((run, PROV.startedAtTime, Literal(report.started)))
        meta.add((run, PROV.endedAtTime, Literal(report.ended)))
        meta.add((run, PROV.wasAssociatedWith, Literal(SOFTWARE)))
        meta.add((run, cc.runStatus, Literal(report.status)))
        if report.message:
            meta.add((run, RDFS.comment, Literal(report.message)))
        for prop, value in ((cc.fetchedCount, report.fetched), (cc.validCount, report.valid),
                            (cc.invalidCount, report.invalid), (cc.unchangedCount, report.unchanged),
                            (cc.vanishedCount, report.vanished), (cc.errorCount, len(report.errors))):
            meta.add((run, prop, Literal(value)))
        for i, (key, message) in enumerate(report.errors[:1000]):
            error = URIRef(f"{run}#error-{i}")
            meta.add((run, cc.recordError, error))
            meta.add((error, DCTERMS.subject, self.iris.record(self.name, key)))
            meta.add((error, RDFS.comment, Literal(message)))
        if report.status == "completed":
            meta.add((self.graph_iri, RDF.type, VOID.Dataset))
            meta.add((self.graph_iri, PROV.wasGeneratedBy, run))
            meta.add((self.graph_iri, DCTERMS.source, source))
        self.store.add(self.iris.metadata_graph, meta)


def run_source(harvester: Harvester, store: Store, validator: Validator, **kw) -> RunReport:
    return SourceRun(harvester, store, validator, **kw).run()

