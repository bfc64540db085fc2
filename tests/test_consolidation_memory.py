"""Consolidation's memory discipline: records' facts spilled to a temporary file and read back
unchanged; the file gone afterwards, also when the merge fails; the line-based reader equal to
parsing the whole dump, whatever the dump's order and layout."""
from __future__ import annotations

import io
import os
import random
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import URIRef
from rdflib.namespace import FOAF

import registry.consolidation as consolidation
import registry.consolidation.records as records_module
from bench.generator import Generator
from registry.consolidation import consolidate
from registry.consolidation.records import RDF_TYPE, SourceRecord, Spill, add_match_keys, read_records
from registry.namespaces import RegistryIRIs
from registry.store.oxigraph import OxigraphStore

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "consolidation"))
from dataset import generate, load  # noqa: E402

IRIS = RegistryIRIs()
CC = str(IRIS.CC)
XSD = "http://www.w3.org/2001/XMLSchema#"
SOSA = "http://www.w3.org/ns/sosa/"
TRICKY_TOPIC = "https://example.org/collectief/zonnedorp-é"
TRICKY_NAME = 'Zonnedorp "de eerste"\nregel twee\\ met \ttab en é'
SOURCE = str(IRIS.source_graph("handmatig"))


def _tricky_nquads() -> str:
    """One record whose facts hold every kind of term N-Triples has."""
    record, topic, g = str(IRIS.record("handmatig", "zonnedorp")), TRICKY_TOPIC, f"<{SOURCE}>"
    event, observation = "https://example.org/event/1", "https://example.org/observation/1"
    name = TRICKY_NAME.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    lines = [
        f"<{record}> <{RDF_TYPE}> <{CC}SourceRecord> {g} .",
        f"<{record}> <{FOAF.primaryTopic}> <{topic}> {g} .",
        f'<{record}> <{CC}source> "handmatig" {g} .',
        f'<{record}> <{CC}firstSeen> "2020-01-02"^^<{XSD}date> {g} .',
        f"<{topic}> <{RDF_TYPE}> <{CC}CitizenCollective> {g} .",
        f'<{topic}> <http://schema.org/name> "{name}" {g} .',
        f'<{topic}> <http://schema.org/name> "Zonnedorp"@nl {g} .',
        f'<{topic}> <http://schema.org/description> "Een \\"coöperatie\\"\\r\\nin het dorp"@nl-NL {g} .',
        f'<{topic}> <{CC}memberCount> "42"^^<{XSD}integer> {g} .',
        f"<{topic}> <{CC}kvkNumber> \"01234567\" {g} .",
        f"<{topic}> <http://schema.org/url> <https://zonnedorp.example.org/> {g} .",
        f"<{topic}> <http://www.w3.org/ns/org#hasSite> _:site {g} .",
        f"_:site <http://www.w3.org/ns/locn#fullAddress> \"Dorpsstraat 1\" {g} .",
        f"<{topic}> <{CC}lifecycleEvent> <{event}> {g} .",
        f"<{event}> <{CC}eventType> <{IRIS.concept('event-type', 'founding')}> {g} .",
        f'<{event}> <{CC}eventDate> "2011-05-03"^^<{XSD}date> {g} .',
        f"<{topic}> <http://www.w3.org/ns/locn#address> <{topic}#address> {g} .",
        f'<{topic}#address> <http://www.w3.org/ns/locn#postCode> "9999 ZZ" {g} .',
        f"<{observation}> <{SOSA}hasFeatureOfInterest> <{topic}> {g} .",
        f'<{observation}> <{SOSA}hasSimpleResult> "12.5"^^<{XSD}decimal> {g} .',
    ]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def store():
    """Generated records of two sources with events, fragments and observations, plus the tricky one."""
    store = OxigraphStore()
    lines = [line for record in Generator(40, seed=5, sources=("synth-a", "synth-b")).records()
             for line in record.lines]
    store.load(("".join(lines) + _tricky_nquads()).encode("utf-8"), "nq")
    return store


def _reference_records(dumps: dict[str, bytes]) -> list[SourceRecord]:
    """What consolidation read before the spill file: every triple of a source parsed and grouped
    by subject, the record's topic facts and owned nodes taken from there, the keys added."""
    cc = IRIS.CC
    record_type = ox.NamedNode(str(cc.SourceRecord))
    records: list[SourceRecord] = []
    for graph, dump in dumps.items():
        by_subject: dict[str, list] = defaultdict(list)
        for t in ox.parse(dump, format=ox.RdfFormat.N_TRIPLES):
            if isinstance(t.subject, ox.NamedNode):
                by_subject[t.subject.value].append((t.predicate.value, t.object))
        observations, fragments = defaultdict(list), defaultdict(list)
        for subject, pairs in by_subject.items():
            for p, o in pairs:
                if p == SOSA + "hasFeatureOfInterest" and isinstance(o, ox.NamedNode):
                    observations[o.value].append(subject)
            base, hash_, _ = subject.partition("#")
            if hash_:
                fragments[base].append(subject)
        for subject, pairs in by_subject.items():
            if (RDF_TYPE, record_type) not in pairs:
                continue
            rec = SourceRecord(iri=subject, source="", topic="", graph=graph)
            for p, o in pairs:
                if p == str(FOAF.primaryTopic) and isinstance(o, ox.NamedNode):
                    rec.topic = o.value
                elif p == str(cc.source):
                    rec.source = o.value
                elif p == str(cc.recordStatus):
                    rec.status = o.value.removeprefix(str(IRIS.concept("record-status", "")))
                elif p == str(cc.firstSeen):
                    rec.first_seen = o.value
                elif p == str(cc.lastSeen):
                    rec.last_seen = o.value
            if not rec.topic:
                continue
            rec.source = rec.source or graph.rsplit("/", 1)[-1]
            rec.facts = {}
            for p, o in by_subject.get(rec.topic, []):
                rec.facts.setdefault(p, []).append(o)
            owned = [o.value for o in rec.values(str(cc.lifecycleEvent)) if isinstance(o, ox.NamedNode)]
            owned += fragments.get(rec.topic, []) + observations.get(rec.topic, [])
            rec.nodes = {node: by_subject[node] for node in owned if node in by_subject}
            records.append(rec)
    add_match_keys(records, IRIS)
    return records


FIELDS = [f for f in SourceRecord.__slots__ if f not in ("offset", "length", "packed")]


def _as_tuples(records: list[SourceRecord]) -> list[tuple]:
    return [tuple(getattr(r, f) for f in FIELDS) for r in records]


def _dumps(store) -> dict[str, bytes]:
    out = {}
    for graph in sorted(str(g) for g in store.graphs() if str(g).startswith(str(IRIS.graph("source/")))):
        buffer = io.BytesIO()
        store.dump(buffer, format="nt", graph=URIRef(graph))
        out[graph] = buffer.getvalue()
    return out


def _spilled_and_unpacked(store) -> list[SourceRecord]:
    with Spill() as spill:
        records = read_records(store, IRIS, spill=spill)
        assert all(r.facts is None and r.nodes is None and r.packed is None and r.offset >= 0 for r in records)
        for rec in records:
            rec.unpack(spill)
    return records


def test_facts_survive_the_spill_file_unchanged(store):
    expected = _reference_records(_dumps(store))
    assert len(expected) > 40
    spilled = _spilled_and_unpacked(store)
    assert _as_tuples(spilled) == _as_tuples(expected)  # same records, order, keys, facts and nodes
    assert _as_tuples(read_records(store, IRIS, pack=False)) == _as_tuples(expected)
    in_memory = read_records(store, IRIS)
    for rec in in_memory:
        assert rec.packed is not None and rec.facts is None
        rec.unpack()
    assert _as_tuples(in_memory) == _as_tuples(expected)

    tricky = next(r for r in spilled if r.topic == TRICKY_TOPIC)
    names = tricky.values("http://schema.org/name")
    assert {(n.value, n.language) for n in names} == {(TRICKY_NAME, None), ("Zonnedorp", "nl")}
    description = tricky.values("http://schema.org/description")[0]
    assert (description.value, description.language) == ('Een "coöperatie"\r\nin het dorp', "nl-nl")
    count = tricky.values(f"{CC}memberCount")[0]
    assert (count.value, count.datatype.value) == ("42", f"{XSD}integer")
    site = tricky.values("http://www.w3.org/ns/org#hasSite")[0]
    assert isinstance(site, ox.BlankNode)
    assert set(tricky.nodes) == {"https://example.org/event/1", f"{TRICKY_TOPIC}#address",
                                 "https://example.org/observation/1"}
    assert tricky.kvk == ("01234567",) and tricky.websites == ("zonnedorp.example.org",)
    assert tricky.first_seen == "2020-01-02" and tricky.source == "handmatig"


def test_pack_without_a_spill_file_and_release(store):
    rec = next(r for r in read_records(store, IRIS, pack=False) if r.topic == TRICKY_TOPIC)
    facts, nodes = rec.facts, rec.nodes
    with Spill() as spill:
        for target in (spill, None):
            rec.pack(target)
            assert rec.facts is None and rec.values("http://schema.org/name") == []
            rec.unpack(target)
            assert (rec.facts, rec.nodes) == (facts, nodes)
            rec.release()
            assert rec.facts is None
            rec.unpack(target)
            assert rec.facts == facts
    with pytest.raises(ValueError):
        SourceRecord(iri="r", source="s", topic="t", offset=0, length=1).unpack()


class _RewrittenDump:
    """A store whose N-Triples dumps come in another order or another layout."""

    def __init__(self, store, rewrite):
        self.store, self.rewrite = store, rewrite

    def graphs(self):
        return self.store.graphs()

    def dump(self, output, format="nq", graph=None):
        buffer = io.BytesIO()
        self.store.dump(buffer, format=format, graph=graph)
        output.write(self.rewrite(buffer.getvalue()))


def _shuffled(data: bytes) -> bytes:
    lines = data.splitlines(keepends=True)
    random.Random(7).shuffle(lines)  # a subject's lines in several runs
    return b"".join(lines)


def _loose(data: bytes) -> bytes:
    """Valid N-Triples that is not oxigraph's layout: comments, blank lines, CRLF, odd spacing."""
    lines = [line.replace(b"> <", b">  <", 1).rstrip(b"\n").removesuffix(b" .") + b"\t.\r\n"
             for line in data.splitlines(keepends=True)]
    return b"# a comment\r\n\r\n" + b"".join(lines).rstrip(b"\r\n")


@pytest.mark.parametrize("rewrite", [_shuffled, _loose])
def test_reader_equals_parsing_the_whole_dump_whatever_its_layout(store, rewrite):
    other = _RewrittenDump(store, rewrite)
    expected = _reference_records(_dumps(other))
    assert len(expected) > 40
    assert _as_tuples(_spilled_and_unpacked(other)) == _as_tuples(expected)


# the spill file is removed -------------------------------------------------------------------

@pytest.fixture
def consolidation_store():
    store = OxigraphStore()
    load(store, generate(30, seed=4), IRIS)
    return store


@pytest.fixture
def temporary(tmp_path, monkeypatch):
    """A private temporary directory, and every spill file consolidation opens."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    opened: list[Spill] = []

    class Watched(Spill):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            opened.append(self)

    monkeypatch.setattr(consolidation, "Spill", Watched)
    return folder, opened


def _open_files_under(folder: Path) -> list[str]:
    if not Path("/proc/self/fd").is_dir():
        return []
    found = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith(str(folder)):
            found.append(target)
    return found


def test_spill_file_is_removed_after_consolidation(consolidation_store, temporary):
    folder, opened = temporary
    report = consolidate(consolidation_store, IRIS)
    assert report.records > 30 and report.collectives == 30
    assert len(opened) == 1 and opened[0].closed and opened[0].size > 0
    assert list(folder.iterdir()) == [] and _open_files_under(folder) == []


def test_spill_file_is_removed_when_the_merge_fails(consolidation_store, temporary, monkeypatch):
    folder, opened = temporary

    def fail(self):
        raise RuntimeError("merge failed")

    monkeypatch.setattr(consolidation.ClusterMerger, "merge", fail)
    with pytest.raises(RuntimeError, match="merge failed"):
        consolidate(consolidation_store, IRIS)
    assert len(opened) == 1 and opened[0].closed
    assert list(folder.iterdir()) == [] and _open_files_under(folder) == []


def test_temporary_files_are_removed_when_reading_fails(consolidation_store, temporary, monkeypatch):
    folder, opened = temporary
    index = records_module._SourceIndex
    calls = []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:  # the second source, with the third being dumped meanwhile
            raise RuntimeError("read failed")
        return index(*args, **kwargs)

    monkeypatch.setattr(records_module, "_SourceIndex", failing)
    with pytest.raises(RuntimeError, match="read failed"):
        consolidate(consolidation_store, IRIS)
    assert len(opened) == 1 and opened[0].closed
    assert list(folder.iterdir()) == [] and _open_files_under(folder) == []
