"""The harvest runner: per-record errors, quarantine, atomic replace, vanished records, run records."""
import io
from datetime import date

from rdflib import Literal
from rdflib.namespace import DCTERMS

from harvesters.base import HarvestContext, Harvester, RawRecord, RecordError, SourceConfig, SourceError
from harvesters.facts import CollectiveFacts, facts_to_graph
from harvesters.progress import Progress
from harvesters.runner import run_source
from harvesters.status import source_status
from registry.namespaces import SCHEMA


class ListHarvester(Harvester):
    """A source whose records are given in the test: name → facts, or an exception to raise."""
    kind = ""  # not a configurable kind
    supports_since = True

    def __init__(self, config, context, items):
        super().__init__(config, context)
        self.items = items

    def gather(self):
        for key, value in self.items.items():
            if isinstance(value, SourceError):
                raise value
            yield RawRecord(key=key, data=value, url=f"https://example.org/{key}")

    def transform(self, record):
        if isinstance(record.data, Exception):
            raise record.data
        return facts_to_graph(record.data, iris=self.iris, reference=self.context.reference,
                              source=self.config.name, key=record.key, record_url=record.url)


def run(settings, store, validator, reference, items, *, day=date(2026, 1, 1), since=None):
    context = HarvestContext(settings, reference, since=since)
    harvester = ListHarvester(SourceConfig(name="list", kind="list", title="Test list",
                                           licence="https://creativecommons.org/publicdomain/zero/1.0/"),
                              context, items)
    return run_source(harvester, store, validator, today=day, progress=Progress("list", stream=io.StringIO()))


def coop(name, **kw):
    return CollectiveFacts(name=name, sectors=["energy"], municipality="GM0363", **kw)


ITEMS = {"a": coop("Energiecoöperatie Voorbeeld A"), "b": coop("Energiecoöperatie Voorbeeld B"),
         "c": coop("Energiecoöperatie Voorbeeld C")}


def names(store, settings):
    rows = store.select("SELECT ?n WHERE { GRAPH ?g { ?c ?name ?n } }",
                        {"g": settings.iris.source_graph("list"), "name": SCHEMA.name})
    return sorted(str(r["n"]) for r in rows)


def test_one_bad_record_never_stops_a_run(settings, store, validator, reference):
    items = dict(ITEMS, broken=RecordError("the page had no name"), invalid=coop("  "),
                 badkvk=coop("Energiecoöperatie Voorbeeld D", kvk="12AB"))
    report = run(settings, store, validator, reference, items)
    assert report.status == "completed"
    assert (report.valid, report.invalid, len(report.errors)) == (3, 1, 2)
    assert names(store, settings) == [f"Energiecoöperatie Voorbeeld {x}" for x in "ABC"]
    quarantine = store.graph(settings.iris.graph("quarantine/list"))
    assert any(quarantine.triples((settings.iris.record("list", "invalid"), settings.iris.CC.validationReport, None)))


def test_a_failed_run_keeps_the_previous_graph(settings, store, validator, reference):
    run(settings, store, validator, reference, ITEMS)
    report = run(settings, store, validator, reference, {"a": ITEMS["a"], "x": SourceError("listing unreachable")})
    assert report.status == "failed" and "unreachable" in report.message
    assert len(names(store, settings)) == 3


def test_vanished_records_are_withdrawn_with_their_last_seen_date(settings, store, validator, reference):
    iris = settings.iris
    run(settings, store, validator, reference, ITEMS, day=date(2026, 1, 1))
    report = run(settings, store, validator, reference, {"a": ITEMS["a"], "b": ITEMS["b"]}, day=date(2026, 2, 1))
    assert report.vanished == 1 and report.unchanged == 2
    graph = store.graph(iris.source_graph("list"))
    gone = iris.record("list", "c")
    assert graph.value(gone, iris.CC.recordStatus) == iris.concept("record-status", "withdrawn")
    assert str(graph.value(gone, iris.CC.lastSeen)) == "2026-01-01"
    assert str(graph.value(iris.record("list", "a"), iris.CC.lastSeen)) == "2026-02-01"
    assert str(graph.value(iris.record("list", "a"), iris.CC.firstSeen)) == "2026-01-01"
    assert "Energiecoöperatie Voorbeeld C" in names(store, settings)  # what it last said is kept
    # still gone next time: stays withdrawn, not counted again
    again = run(settings, store, validator, reference, {"a": ITEMS["a"], "b": ITEMS["b"]}, day=date(2026, 3, 1))
    assert again.vanished == 0
    assert str(store.graph(iris.source_graph("list")).value(gone, iris.CC.lastSeen)) == "2026-01-01"


def test_an_incremental_run_keeps_unseen_records_as_they_were(settings, store, validator, reference):
    iris = settings.iris
    run(settings, store, validator, reference, ITEMS)
    report = run(settings, store, validator, reference, {"a": ITEMS["a"]}, since=date(2026, 1, 1))
    assert report.vanished == 0
    graph = store.graph(iris.source_graph("list"))
    assert graph.value(iris.record("list", "c"), iris.CC.recordStatus) == iris.concept("record-status", "valid")


def test_every_run_is_recorded_in_the_metadata_graph(settings, store, validator, reference):
    run(settings, store, validator, reference, dict(ITEMS, broken=RecordError("no name")))
    [status] = source_status(store, settings.iris, [SourceConfig(name="list", kind="list")])
    assert status["status"] == "completed"
    assert (status["valid"], status["errors"]) == (3, 1)
    meta = store.graph(settings.iris.metadata_graph)
    assert meta.value(predicate=DCTERMS.title, object=Literal("Test list")) is not None


def test_a_record_that_fails_this_time_is_kept_as_it_was(settings, store, validator, reference):
    iris = settings.iris
    run(settings, store, validator, reference, ITEMS)
    report = run(settings, store, validator, reference, dict(ITEMS, c=RecordError("HTTP 500 for this page")))
    assert report.vanished == 0 and len(report.errors) == 1
    graph = store.graph(iris.source_graph("list"))
    assert graph.value(iris.record("list", "c"), iris.CC.recordStatus) == iris.concept("record-status", "valid")
