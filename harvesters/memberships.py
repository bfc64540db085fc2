"""Which network a listing's collectives are members of: ``member_of`` references → the network's IRI.

A reference names a network of a curated list, so that it resolves to the registry's own node
for that network (the topic of its curated record, :func:`harvesters.facts.collective_iri`),
which consolidation turns into the network's canonical IRI:

- ``"curated:energie-samen"``: a curated source's name and the network's record key in it (the
  slug of its name, as :func:`harvesters.kinds.curated.keyed_rows` keys the rows);
- ``"Energie Samen"``: the network's name as the curated list writes it (case and accents aside).

The registry's own list is always known as the source ``curated``; a configuration may add
curated sources of its own (with their ``path``).

>>> networks = NetworkDirectory.shipped()
>>> networks.lookup("curated:energie-samen") == networks.lookup("energie samen") == ("curated", "energie-samen")
True
>>> networks.problem("curated:no-such-network")[:60]
"the curated list 'curated' has no network with the key 'no-s"
"""
from __future__ import annotations

import re
from typing import Any, Iterable

from rdflib import URIRef

from registry.identifiers import slug
from registry.namespaces import RegistryIRIs
from registry.reference import fold

from .base import SourceError
from .facts import collective_iri
from .kinds.curated import keyed_rows, read_list

SHIPPED_SOURCE = "curated"
_REFERENCE = re.compile(r"^([a-z0-9][a-z0-9-]{0,62}):(.+)$")


class NetworkDirectory:
    """The networks of the curated lists, by source and record key; lists are read on first use."""

    def __init__(self, lists: dict[str, str | None]):
        self.lists = dict(lists)  # curated source name → its list's path (None: the shipped list)
        self._networks: dict[str, dict[str, str]] | None = None  # source → key → name
        self._others: dict[str, set[str]] = {}  # source → keys of its rows that are not networks
        self._unreadable: dict[str, str] = {}

    @classmethod
    def shipped(cls) -> "NetworkDirectory":
        return cls({SHIPPED_SOURCE: None})

    @classmethod
    def from_sources(cls, sources: Iterable[Any]) -> "NetworkDirectory":
        """The shipped list as ``curated``, and every source of kind ``curated`` (configs or TOML tables)."""
        lists: dict[str, str | None] = {SHIPPED_SOURCE: None}
        for source in sources:
            get = source.get if isinstance(source, dict) else lambda name: getattr(source, name, None)
            options = get("options")
            if get("kind") == "curated" and isinstance(get("name"), str):
                path = options.get("path") if isinstance(options, dict) else None
                lists[get("name")] = str(path) if path else None
        return cls(lists)

    def _load(self) -> dict[str, dict[str, str]]:
        if self._networks is None:
            self._networks = {}
            for source, path in self.lists.items():
                try:
                    rows = list(keyed_rows(read_list(path)))
                except SourceError as exc:
                    self._unreadable[source] = str(exc)
                    continue
                self._networks[source] = {key: (row.get("name") or "").strip() for key, row in rows
                                          if (row.get("role") or "").strip() == "network"}
                self._others[source] = {key for key, _ in rows} - set(self._networks[source])
        return self._networks

    def _matches(self, reference: str) -> list[tuple[str, str]]:
        networks = self._load()
        text = reference.strip()
        prefixed = _REFERENCE.match(text)
        if prefixed and prefixed.group(1) in self.lists:
            source, key = prefixed.groups()
            return [(source, key)] if key in networks.get(source, {}) else []
        wanted, wanted_slug = fold(text), slug(text)
        return [(source, key) for source, keyed in networks.items() for key, name in keyed.items()
                if fold(name) == wanted or key == wanted_slug]

    def lookup(self, reference: str) -> tuple[str, str] | None:
        """(curated source, record key) of the one network the reference names, else None."""
        found = self._matches(reference)
        return found[0] if len(found) == 1 else None

    def iri(self, iris: RegistryIRIs, reference: str) -> URIRef | None:
        """The topic IRI of the network's curated record."""
        found = self.lookup(reference)
        return collective_iri(iris, found[0], found[1], True) if found else None

    def problem(self, reference: Any) -> str | None:
        """Why ``reference`` names no network; None when it names exactly one.

        >>> NetworkDirectory.shipped().problem("Energie Samen") is None
        True
        """
        if not isinstance(reference, str) or not reference.strip():
            return "not a network reference (a text: SOURCE:KEY of a curated network, or its name)"
        networks = self._load()
        found = self._matches(reference)
        if len(found) == 1:
            return None
        if found:
            return f"names networks in several curated lists ({', '.join(s for s, _ in found)}): write SOURCE:KEY"
        prefixed = _REFERENCE.match(reference.strip())
        if prefixed and prefixed.group(1) in self.lists:
            source, key = prefixed.groups()
            if source in self._unreadable:
                return f"cannot read the curated list {source!r}: {self._unreadable[source]}"
            if key in self._others.get(source, set()):
                return f"is a collective in the curated list {source!r}, not a network"
            return (f"the curated list {source!r} has no network with the key {key!r} "
                    f"(its networks: {', '.join(sorted(networks.get(source, {})))})")
        known = sorted(f"{source}:{key}" for source, keyed in networks.items() for key in keyed)
        return f"neither SOURCE:KEY of a curated network nor the name of one (known: {', '.join(known)})"
