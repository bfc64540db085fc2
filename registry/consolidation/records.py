"""Reading source records out of the store, as plain Python objects ready to be matched.

Each source graph is dumped as N-Triples to a temporary file (the store interface's ``dump``,
so it works with every store) and read there in two passes, one source graph at a time:

1. the lines are scanned as bytes, without parsing them into terms: for each subject the
   byte range of its lines (oxigraph dumps a graph subject by subject), the subjects that
   are ``cc:SourceRecord``\\ s, the ``#fragment`` subjects of each base IRI and the
   observations of each feature of interest;
2. for each record, its own lines and its topic's lines are parsed with pyoxigraph (whose
   terms' ``str()`` is their N-Triples form, so writing the consolidated graph back needs no
   rdflib round trip) to find its match keys; the topic's lines and those of the nodes it
   owns (events, ``#fragments``, observations) are then copied, as they are, into one
   N-Triples block per record.

Only the match keys and a few small fields stay in memory across sources (a
``SourceRecord`` has slots, its repeated strings are interned). The blocks go to a
:class:`Spill` file, append-only, each record keeping the offset and length of its own, and
are read back and parsed when its cluster is merged (:meth:`SourceRecord.unpack`). Memory
then holds one source's subject index plus the match keys of all records; the facts
themselves live in the file (in the page cache, not in the process).

A dump that is not in oxigraph's one-triple-per-line form (``<s> <p> o .``) is first
rewritten in that form through pyoxigraph's parser and serialiser.
"""
from __future__ import annotations

import os
import sys
import tempfile
from collections import defaultdict
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import BinaryIO, Iterator

import pyoxigraph as ox
from rdflib import Literal, URIRef
from rdflib.namespace import FOAF, RDF

from ..identifiers import normalise_kvk
from ..namespaces import SCHEMA, SOSA, RegistryIRIs
from ..store import Store
from .normalise import normalise_name, website_key

RDF_TYPE = str(RDF.type)
_NT = ox.RdfFormat.N_TRIPLES
_RANGE_BITS = 32  # a subject's range is one int: start << 32 | length
_RANGE_MASK = (1 << _RANGE_BITS) - 1


@dataclass(slots=True)
class SourceRecord:
    """One source record and what it says about its collective (its *topic*).

    ``facts`` (predicate → objects, pyoxigraph terms) and ``nodes`` (owned node → its
    (predicate, object) pairs: events, ``#fragments``, observations) are only there while the
    record is unpacked; otherwise they are ``None`` and the facts are a block of N-Triples in
    a :class:`Spill` file (``offset``, ``length``) or in ``packed``.
    """

    iri: str
    source: str
    topic: str
    status: str = "valid"  # code of the record-status scheme
    first_seen: str | None = None  # ISO date
    last_seen: str | None = None
    graph: str = ""
    facts: dict[str, list] | None = None
    nodes: dict[str, list[tuple[str, object]]] | None = None
    # match keys, filled by :func:`add_match_keys`
    is_network: bool = False
    norm_name: str = ""  # the first name, normalised
    kvk: tuple[str, ...] | frozenset = ()  # sorted, without repeats
    wikidata: tuple[str, ...] | frozenset = ()
    websites: tuple[str, ...] | frozenset = ()
    municipality: str | None = None  # current municipality IRI
    province: str | None = None
    sectors: frozenset = frozenset()
    offset: int = -1  # the facts block in the spill file, when spilled
    length: int = 0
    packed: bytes | None = None  # the facts block, when packed in memory

    @property
    def age_key(self) -> tuple[str, str]:
        """Oldest first: earliest first-seen date, then the record IRI (stable for equal dates)."""
        return (self.first_seen or "9999-99-99", self.iri)

    def values(self, predicate: str) -> list:
        facts = self.facts
        return facts.get(predicate, []) if facts else []

    def block(self) -> bytes:
        """The facts and owned nodes as N-Triples (from the parsed facts)."""
        topic = f"<{self.topic}>"
        lines = [f"{topic} <{p}> {o} .\n" for p, objects in (self.facts or {}).items() for o in objects]
        lines += [f"<{node}> <{p}> {o} .\n" for node, pairs in (self.nodes or {}).items() for p, o in pairs]
        return "".join(lines).encode("utf-8")

    def pack(self, spill: Spill | None = None, block: bytes | None = None) -> None:
        """Keep the facts and owned nodes as one N-Triples block (``block``, else written from
        the parsed facts) until :meth:`unpack`: in ``spill`` if given, else in memory."""
        if block is None:
            block = self.block()
        if spill is not None:
            self.offset, self.length = spill.append(block)
            self.packed = None
        else:
            self.packed, self.offset, self.length = block, -1, 0
        self.facts = self.nodes = None

    def unpack(self, spill: Spill | None = None) -> None:
        """Parse the packed block back (order kept: the first name is still the first)."""
        if self.offset >= 0:
            if spill is None:
                raise ValueError(f"the facts of {self.iri} are in a spill file: pass it to unpack")
            block = spill.read(self.offset, self.length)
        elif self.packed is not None:
            block = self.packed
        else:
            return
        self.facts, self.nodes = _split(block, self.topic)

    def release(self) -> None:
        """Drop the parsed facts again (the packed block stays)."""
        if self.offset >= 0 or self.packed is not None:
            self.facts = self.nodes = None


def _split(block: bytes, topic: str) -> tuple[dict[str, list], dict[str, list[tuple[str, object]]]]:
    facts: dict[str, list] = {}
    nodes: dict[str, list[tuple[str, object]]] = {}
    for t in ox.parse(block, format=_NT):
        if t.subject.value == topic:
            facts.setdefault(t.predicate.value, []).append(t.object)
        else:
            nodes.setdefault(t.subject.value, []).append((t.predicate.value, t.object))
    return facts, nodes


class Spill:
    """An append-only temporary file of N-Triples blocks, each read back by (offset, length).

    >>> with Spill() as spill:
    ...     where = spill.append(b"<a> <b> <c> .\\n")
    ...     spill.read(*where)
    b'<a> <b> <c> .\\n'

    The file has no name where the platform allows it (``tempfile.TemporaryFile``), so it
    disappears with the process even when that is killed; :meth:`close` (or leaving the
    ``with`` block, also on an error) removes it otherwise.
    """

    def __init__(self, directory: str | os.PathLike | None = None):
        self._file = tempfile.TemporaryFile(dir=directory, prefix="consolidation-spill-", suffix=".nt",
                                            buffering=1 << 20)
        self.size = 0
        self._unflushed = False

    def append(self, block: bytes) -> tuple[int, int]:
        offset = self.size
        self._file.write(block)
        self.size += len(block)
        self._unflushed = True
        return offset, len(block)

    def read(self, offset: int, length: int) -> bytes:
        if self._unflushed:
            self._file.flush()
            self._unflushed = False
        return _read_at(self._file, offset, length)

    @property
    def closed(self) -> bool:
        return self._file.closed

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> Spill:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _read_at(handle: BinaryIO, offset: int, length: int) -> bytes:
    if hasattr(os, "pread"):
        fd, parts = handle.fileno(), []
        while length > 0:
            part = os.pread(fd, length, offset)
            if not part:
                break
            parts.append(part)
            offset += len(part)
            length -= len(part)
        return parts[0] if len(parts) == 1 else b"".join(parts)
    handle.seek(offset)
    return handle.read(length)


def source_graphs(store: Store, iris: RegistryIRIs) -> list[str]:
    prefix = str(iris.graph("source/"))
    return sorted(str(g) for g in store.graphs() if str(g).startswith(prefix))


class _NotLineBased(Exception):
    """A dump line that is not ``<s> <p> o .`` on one line."""


class _SourceIndex:
    """Where each subject's lines are in one source graph's N-Triples dump (pass 1)."""

    def __init__(self, handle: BinaryIO, record_class: str, foi_p: str):
        # the tail of a line typing its subject as a source record, and the start of an
        # observation's feature-of-interest line after its subject
        record_tail = f"> <{RDF_TYPE}> <{record_class}> .\n".encode()
        foi = f"> <{foi_p}> <".encode()
        self.ranges: dict[bytes, int | list[int]] = {}  # subject → start << 32 | length (a list if split)
        self.fragments: dict[bytes, list[bytes]] = defaultdict(list)  # base IRI → its #fragment subjects
        self.observations: dict[bytes, list[bytes]] = defaultdict(list)  # feature of interest → observations
        records: dict[bytes, None] = {}
        ranges, fragments, observations = self.ranges, self.fragments, self.observations
        split = False  # a subject's lines are not all in one run
        pos = start = 0
        subject = prefix = None
        at = 0  # position of the '>' closing the subject
        for line in handle:
            if prefix is None or not line.startswith(prefix):
                if subject is not None:
                    split |= _add_range(ranges, subject, start, pos)
                subject = prefix = None
                start = pos
                if line[:1] != b"<":
                    pos += len(line)
                    stripped = line.strip()
                    if line[:2] == b"_:" or not stripped or stripped[:1] == b"#":
                        continue  # blank-node subject (not read), empty line or comment
                    raise _NotLineBased(line[:200])
                at = line.find(b">")
                if at < 0 or not line.startswith(b" <", at + 1):
                    raise _NotLineBased(line[:200])
                subject, prefix = line[1:at], line[:at + 3]
                if subject not in ranges:
                    base, hash_, _ = subject.partition(b"#")
                    if hash_:
                        fragments[base].append(subject)
            pos += len(line)
            if not line.endswith(b" .\n"):
                raise _NotLineBased(line[:200])
            if line.endswith(record_tail):
                records[subject] = None
            elif line.startswith(foi, at) and line.endswith(b"> .\n"):
                observations[line[at + len(foi):-4]].append(subject)
        if subject is not None:
            split |= _add_range(ranges, subject, start, pos)
        self.records: list[bytes] = list(records)
        if split:  # the order the subjects first appear in, as when each had one run
            first = {s: i for i, s in enumerate(ranges)}
            self.records.sort(key=first.__getitem__)
            for found in observations.values():
                found[:] = sorted(set(found), key=first.__getitem__)

    def lines(self, handle: BinaryIO, subject: bytes) -> bytes:
        where = self.ranges.get(subject)
        if where is None:
            return b""
        if isinstance(where, int):
            return _read_at(handle, where >> _RANGE_BITS, where & _RANGE_MASK)
        return b"".join(_read_at(handle, w >> _RANGE_BITS, w & _RANGE_MASK) for w in where)


def _add_range(ranges: dict, subject: bytes, start: int, end: int) -> bool:
    """Note a run of lines of ``subject``; True when the subject had an earlier run."""
    length = end - start
    if length > _RANGE_MASK:
        raise ValueError(f"the triples of one subject take more than {_RANGE_MASK} bytes")
    where = (start << _RANGE_BITS) | length
    old = ranges.get(subject)
    if old is None:
        ranges[subject] = where
        return False
    if isinstance(old, list):
        old.append(where)
    else:
        ranges[subject] = [old, where]
    return True


def _dump(store: Store, graph: str) -> BinaryIO:
    handle = tempfile.TemporaryFile()
    try:
        store.dump(handle, format="nt", graph=URIRef(graph))
        handle.seek(0)
    except BaseException:
        handle.close()
        raise
    return handle


@contextmanager
def _dumped(store: Store, graphs: list[str]) -> Iterator[Iterator[tuple[str, BinaryIO]]]:
    """Each graph's dump in turn, the next one dumped by a worker thread meanwhile (the store's
    dump runs without the GIL, and takes most of the reading time); each file is closed once
    its graph is read, and the one being dumped when reading stops as soon as it is done."""
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="consolidation-dump")
    pending: list[Future] = []

    def turns() -> Iterator[tuple[str, BinaryIO]]:
        if graphs:
            pending.append(pool.submit(_dump, store, graphs[0]))
        for k, graph in enumerate(graphs):
            handle = pending.pop().result()
            with handle:
                if k + 1 < len(graphs):
                    pending.append(pool.submit(_dump, store, graphs[k + 1]))
                yield graph, handle

    each = turns()
    try:
        yield each
    finally:
        each.close()  # closes the file of the graph being read
        pool.shutdown(wait=True, cancel_futures=True)
        for future in pending:
            if future.done() and not future.cancelled() and future.exception() is None:
                future.result().close()


def _rewritten(handle: BinaryIO) -> BinaryIO:
    """The same triples, one ``<s> <p> o .`` line each (pyoxigraph's own serialiser)."""
    handle.seek(0)
    out = tempfile.TemporaryFile()
    try:
        ox.serialize(ox.parse(handle, format=_NT), out, format=_NT)
        out.seek(0)
    except BaseException:
        out.close()
        raise
    return out


def read_records(store: Store, iris: RegistryIRIs, successors: dict[str, str] | None = None, *,
                 spill: Spill | None = None, pack: bool = True) -> list[SourceRecord]:
    """Every source record of every source graph, with its match keys (see :func:`add_match_keys`)
    and its topic's facts and owned nodes: written to ``spill`` when given, else packed in
    memory, or kept parsed when ``pack`` is false."""
    cc = iris.CC
    record_class, primary_topic = str(cc.SourceRecord), str(FOAF.primaryTopic)
    status_p, first_p, last_p, source_p = (str(cc.recordStatus), str(cc.firstSeen), str(cc.lastSeen),
                                           str(cc.source))
    event_p, foi_p = str(cc.lifecycleEvent), str(SOSA.hasFeatureOfInterest)
    record_type = ox.NamedNode(record_class)
    status_prefix = str(iris.concept("record-status", ""))
    keys = _MatchKeys(iris, successors)
    intern = sys.intern
    records: list[SourceRecord] = []

    def read(graph: str, handle: BinaryIO, index: _SourceIndex) -> None:
        default_source = intern(graph.rsplit("/", 1)[-1])
        for subject in index.records:
            pairs = [(t.predicate.value, t.object) for t in ox.parse(index.lines(handle, subject), format=_NT)]
            if (RDF_TYPE, record_type) not in pairs:
                continue
            rec = SourceRecord(iri=subject.decode(), source="", topic="", graph=graph)
            for p, o in pairs:
                if p == primary_topic and isinstance(o, ox.NamedNode):
                    rec.topic = o.value
                elif p == source_p:
                    rec.source = intern(o.value)
                elif p == status_p:
                    rec.status = intern(o.value.removeprefix(status_prefix))
                elif p == first_p:
                    rec.first_seen = intern(o.value)
                elif p == last_p:
                    rec.last_seen = intern(o.value)
            if not rec.topic:
                continue
            rec.source = rec.source or default_source
            topic = rec.topic.encode()
            block = index.lines(handle, topic)
            facts, _ = _split(block, rec.topic)
            keys(rec, facts)
            owned = [o.value.encode() for o in facts.get(event_p, []) if isinstance(o, ox.NamedNode)]
            owned += index.fragments.get(topic, []) + index.observations.get(topic, [])
            parts = [block] + [index.lines(handle, node) for node in dict.fromkeys(owned) if node in index.ranges]
            if pack:
                rec.pack(spill, b"".join(parts))
            else:
                rec.facts, rec.nodes = _split(b"".join(parts), rec.topic)
            records.append(rec)

    with _dumped(store, source_graphs(store, iris)) as dumps:
        for graph, handle in dumps:
            try:
                index = _SourceIndex(handle, record_class, foi_p)
            except _NotLineBased:
                index = None
            if index is None:
                with _rewritten(handle) as rewritten:
                    read(graph, rewritten, _SourceIndex(rewritten, record_class, foi_p))
            else:
                read(graph, handle, index)
                index = None  # gone before the next source's index is built
    return records


def municipality_successors(store: Store, iris: RegistryIRIs) -> tuple[dict[str, str], dict[str, str]]:
    """Ended municipality → its one current municipality; municipality → its province."""
    rows = store.select("SELECT ?old ?new WHERE { GRAPH ?g { ?old ?current ?new } }",
                        {"current": iris.CC.currentMunicipality})
    successors: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        successors[str(row["old"])].add(str(row["new"]))
    rows = store.select(
        "SELECT ?m ?p WHERE { GRAPH ?g { ?m ?provinceP ?p } FILTER(STRSTARTS(STR(?m), ?prefix)) }",
        {"provinceP": iris.CC.province,
         "prefix": Literal("https://identifier.overheid.nl/tooi/id/gemeente/")})
    provinces = {str(r["m"]): str(r["p"]) for r in rows}
    return {old: next(iter(new)) for old, new in successors.items() if len(new) == 1}, provinces


class _MatchKeys:
    """Fills a record's normalised keys from its topic's facts (see :func:`add_match_keys`)."""

    def __init__(self, iris: RegistryIRIs, successors: dict[str, str] | None = None):
        cc = iris.CC
        self.successors = successors or {}
        self.name_p, self.kvk_p, self.same_p, self.url_p = (str(SCHEMA.name), str(cc.kvkNumber), str(SCHEMA.sameAs),
                                                            str(SCHEMA.url))
        self.muni_p, self.stated_p, self.prov_p, self.sector_p = (str(cc.municipality), str(cc.municipalityAsStated),
                                                                  str(cc.province), str(cc.sector))
        self.network_class = ox.NamedNode(str(cc.Network))
        self._sectors: dict[frozenset, frozenset] = {}  # one object per distinct set of sectors

    def __call__(self, rec: SourceRecord, facts: dict[str, list]) -> None:
        def values(predicate: str) -> list:
            return facts.get(predicate, [])

        intern, successors = sys.intern, self.successors
        names = values(self.name_p)
        rec.norm_name = normalise_name(names[0].value if names else "")
        rec.is_network = self.network_class in values(RDF_TYPE)
        rec.kvk = _keys(normalise_kvk(o.value) for o in values(self.kvk_p))
        rec.wikidata = _keys(o.value for o in values(self.same_p)
                             if o.value.startswith("http://www.wikidata.org/entity/"))
        rec.websites = _keys(website_key(o.value) for o in values(self.url_p))
        stated = [o.value for o in values(self.stated_p)]
        current = [o.value for o in values(self.muni_p)]
        if stated and stated[0] in successors:
            # follow municipal reorganisations known to the vocabulary graph, whatever the source mapped
            municipality, seen = stated[0], set()
            while municipality in successors and municipality not in seen:
                seen.add(municipality)
                municipality = successors[municipality]
        else:
            municipality = current[0] if current else (stated[0] if stated else None)
        rec.municipality = intern(municipality) if municipality else None
        provinces = values(self.prov_p)
        rec.province = intern(provinces[0].value) if provinces else None
        sectors = frozenset(intern(o.value) for o in values(self.sector_p))
        rec.sectors = self._sectors.setdefault(sectors, sectors)


def _keys(values) -> tuple[str, ...]:
    return tuple(sorted({v for v in values if v}))


def add_match_keys(records: list[SourceRecord], iris: RegistryIRIs,
                   successors: dict[str, str] | None = None) -> None:
    """Fill each record's normalised keys: name, KvK, Wikidata, website, current municipality
    (from its parsed ``facts``)."""
    keys = _MatchKeys(iris, successors)
    for rec in records:
        keys(rec, rec.facts or {})
