"""An in-process name index: folded collective names and alternate names → IRIs.

A substring search over names (``REGEX``/``CONTAINS`` in SPARQL) scans every name on every request;
at 100k collectives that is ~400 ms in the embedded store. This index keeps every name folded
(case, accents, runs of whitespace) in one string and finds a phrase with ``str.find``, then orders
the matches as the SPARQL listing does (``LCASE(MIN(name))``, then IRI) with ranks computed once.

Matching is "the folded phrase occurs in a folded name", which is what the REGEX search matched; a
query that is the start of a word (a token prefix) is just the common case of it. Names are folded
a little further than the REGEX's accent classes (``ß`` → ``ss``, decomposed accents), so the
index can find a name the REGEX missed, never the other way round.

The index is built from one SPARQL query and rebuilt when the store changes: :class:`NameIndexes`
compares a cheap store version (an update counter plus the end of the latest harvest run in the
metadata graph) at most every few seconds.

>>> index = NameIndex.from_rows([("https://e/c/2", "Zorgcoöperatie Proefstad", True),
...                              ("https://e/c/1", "Energiecoöperatie  Voorbeelddorp", True),
...                              ("https://e/c/1", "EVD", False)])
>>> index.search("COOPERATIE")
['https://e/c/1', 'https://e/c/2']
>>> index.search("energiecooperatie voorbeeld"), index.search("evd"), index.search("xyz")
(['https://e/c/1'], ['https://e/c/1'], [])
"""
from __future__ import annotations

import heapq
import threading
import time
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable
from itertools import compress, repeat
from operator import contains

from rdflib import URIRef
from rdflib.namespace import PROV

from .namespaces import SCHEMA, RegistryIRIs
from .reference import fold
from .store import Store

# the accented letters the REGEX search treats as their base letter (api/services/text.py)
_ACCENT_CLASSES = {
    "a": "àáâãäåā", "e": "èéêëē", "i": "ìíîïī", "o": "òóôõöøō", "u": "ùúûüū", "y": "ýÿ", "c": "ç", "n": "ñ",
}
_TO_BASE = str.maketrans({accented: base for base, group in _ACCENT_CLASSES.items() for accented in group})
_SEPARATOR = "\x00"  # between names in the joined text: a phrase never spans two names
MAX_QUERY = 200
JUMP_LIMIT = 5000  # names containing a phrase up to which a search jumps between them

NAMES_QUERY = """SELECT ?c ?p ?n WHERE {
  ?c a ?class ; ?p ?n .
  VALUES ?p { <%s> <%s> }
}""" % (SCHEMA.name, SCHEMA.alternateName)

VERSION_QUERY = """SELECT (MAX(STR(?ended)) AS ?version) (COUNT(?run) AS ?runs) WHERE {
  GRAPH ?metadata { ?run <%s> ?ended }
}""" % PROV.endedAtTime


def fold_name(text: str) -> str:
    """The form names and queries are compared in.

    >>> fold_name("  Coöperatie\\u00a0 DE Øster ")
    'cooperatie de oster'
    """
    folded = fold(text)
    if not folded.isascii():  # what NFKD leaves accented (ø); str.translate is slow, so only then
        folded = folded.translate(_TO_BASE)
    return " ".join(folded.replace(_SEPARATOR, " ").split())


class NameIndex:
    """Names of one class of things (collectives, or networks). Immutable once built; thread-safe to read."""

    def __init__(self, iris: list[str], names: list[tuple[int, str, bool]]):
        """``names``: (thing number, name, is it a ``schema:name``), for things with at least one ``schema:name``."""
        self.iris = iris
        # the listing's order: a name's rank among all (LCASE(name), IRI) of primary names
        primary = sorted({(name.lower(), iris[thing], name, thing) for thing, name, is_primary in names if is_primary})
        rank_of = {(thing, name): rank for rank, (_, _, name, thing) in enumerate(primary)}
        self._owner_by_rank = [thing for _, _, _, thing in primary]
        smallest: dict[int, str] = {}  # thing → its MIN(name) as written
        for thing, name, is_primary in names:
            if is_primary and (thing not in smallest or name < smallest[thing]):
                smallest[thing] = name
        # thing → rank of its MIN(name): its place when only an alternate name matched
        self._fallback_rank = {thing: rank_of[(thing, name)] for thing, name in smallest.items()}
        parts, self._starts, self._owner, self._raw, self._rank = [], [], [], [], []
        position = 0
        for thing, name, is_primary in names:
            folded = fold_name(name)
            if not folded:
                continue
            self._starts.append(position)
            self._owner.append(thing)
            self._raw.append(name)
            self._rank.append(rank_of[(thing, name)] if is_primary else None)
            parts.append(folded)
            position += len(folded) + 1
        self._text = _SEPARATOR.join(parts)
        self._folded = parts
        entries_of = Counter(self._owner)
        self._sole = bytes(entries_of[thing] == 1 and rank is not None for thing, rank in zip(self._owner, self._rank))

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[str, str, bool]]) -> NameIndex:
        """From (IRI, name, is it the ``schema:name``) rows; things without a ``schema:name`` are left out."""
        numbers: dict[str, int] = {}
        names = []
        for iri, name, is_primary in rows:
            number = numbers.setdefault(str(iri), len(numbers))
            names.append((number, str(name), bool(is_primary)))
        has_primary = {thing for thing, _, primary in names if primary}
        return cls(list(numbers), [n for n in names if n[0] in has_primary])

    @classmethod
    def build(cls, store: Store, klass: URIRef) -> NameIndex:
        """One query for every ``schema:name`` and ``schema:alternateName`` of the things of ``klass``."""
        primary = str(SCHEMA.name)
        rows = store.select_values(NAMES_QUERY, ("c", "n", "p"), {"class": klass})
        return cls.from_rows((iri, name, p == primary) for iri, name, p in rows)

    def __len__(self) -> int:
        return len(self._fallback_rank)

    def in_listing_order(self) -> list[str]:
        """IRIs of the things in the listing's order (smallest name in lower case, then IRI)."""
        ranked = sorted(self._fallback_rank.items(), key=lambda item: item[1])
        return [self.iris[thing] for thing, _ in ranked]

    def matching_ranks(self, text: str) -> list[int]:
        """The sort rank of every thing with a name containing the folded ``text`` (one per thing)."""
        needle = fold_name(text)[:MAX_QUERY]
        if not needle:
            return []
        entries = list(self._entries_containing(needle))
        # a thing's only name is its rank: mapped by C loops, as half the names may match
        ranks = list(map(self._rank.__getitem__, compress(entries, map(self._sole.__getitem__, entries))))
        found: dict[int, int | None] = {}  # thing → entry of its smallest matching schema:name
        for entry in entries:
            if self._sole[entry]:
                continue
            thing = self._owner[entry]
            if self._rank[entry] is not None:
                # LCASE(MIN(name)) over the matching schema:names, as the REGEX listing had it:
                # the smallest name as written, then its place in lower case
                best = found.get(thing)
                if best is None or self._raw[entry] < self._raw[best]:
                    found[thing] = entry
            else:
                found.setdefault(thing, None)
        ranks += [self._rank[entry] if entry is not None else self._fallback_rank[thing]
                  for thing, entry in found.items()]
        return ranks

    def _entries_containing(self, needle: str) -> Iterable[int]:
        """The names (entries) containing ``needle``. A rare phrase jumps from one occurrence in the
        joined text to the next; a common one (a word in half the names: 600 ms that way at 1M
        collectives) is tested against every name by C loops (~100 ms at 1M, whatever it matches)."""
        haystack, starts = self._text, self._starts
        entries = []
        position = haystack.find(needle)
        while position != -1:
            if len(entries) > JUMP_LIMIT:  # a common phrase: test every name instead
                return compress(range(len(self._folded)), map(contains, self._folded, repeat(needle)))
            entry = bisect_right(starts, position) - 1
            entries.append(entry)
            if entry + 1 >= len(starts):
                break
            position = haystack.find(needle, starts[entry + 1])
        return entries

    def search(self, text: str) -> list[str]:
        """IRIs of the things whose names contain ``text``, in the listing's order (name, then IRI)."""
        owner, iris = self._owner_by_rank, self.iris
        return [iris[owner[rank]] for rank in sorted(self.matching_ranks(text))]

    def page(self, text: str, offset: int, limit: int) -> tuple[list[str], int]:
        """The IRIs at places ``offset``… of :meth:`search`, and how many matched (IRIs made for the page only)."""
        ranks = self.matching_ranks(text)
        wanted = heapq.nsmallest(offset + limit, ranks) if offset + limit < len(ranks) // 8 else sorted(ranks)
        return [self.iris[self._owner_by_rank[rank]] for rank in wanted[offset:offset + limit]], len(ranks)


class NameIndexes:
    """The name index of each class, rebuilt when the store's version changes; one per app.

    ``generation`` returns a counter the app bumps on updates it makes itself; harvests done by the
    build show up as a new latest run in the metadata graph.
    """

    def __init__(self, store: Store, iris: RegistryIRIs, generation: Callable[[], int] = lambda: 0,
                 check_every: float = 2.0):
        self.store = store
        self.iris = iris
        self.generation = generation
        self.check_every = check_every
        self._lock = threading.Lock()
        self._built: dict[str, tuple[object, NameIndex]] = {}
        self._version: object = None
        self._checked = 0.0

    def store_version(self) -> object:
        row = self.store.select(VERSION_QUERY)[0] if self.store is not None else {}
        return (self.generation(), str(row.get("version", "")), int(row.get("runs", 0)))

    def _current_version(self) -> object:  # with the lock held
        now = time.monotonic()
        generation = self.generation()
        if self._version is None or now - self._checked >= self.check_every or generation != self._version[0]:
            self._version = self.store_version()
            self._checked = now
        return self._version

    def index(self, klass: URIRef) -> NameIndex:
        """The index of ``klass`` for the store as it is now (built on first use and after changes)."""
        key = str(klass)
        with self._lock:  # one build at a time; readers of a built index do not wait for anything else
            version = self._current_version()
            built = self._built.get(key)
            if built is None or built[0] != version:
                built = (version, NameIndex.build(self.store, klass))
                self._built[key] = built
            return built[1]

    def current(self, klass: URIRef, wait: float = 0.1) -> NameIndex | None:
        """The index of ``klass`` if it is built for the store as it is now, without building it
        (None too when another request holds the lock longer than ``wait``: a build at 1M takes ~50 s)."""
        if not self._lock.acquire(timeout=wait):
            return None
        try:
            built = self._built.get(str(klass))
            return built[1] if built is not None and built[0] == self._current_version() else None
        finally:
            self._lock.release()

    def version(self) -> object:
        """The store's version as last seen (checked at most every ``check_every`` seconds)."""
        with self._lock:
            return self._current_version()

    def invalidate(self) -> None:
        with self._lock:
            self._built.clear()
            self._version = None
