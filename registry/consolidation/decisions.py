"""Curated decisions: a TOML file that curators edit and that overrides the automatic rules.

Three kinds of entry, each a TOML array of tables::

    # these records describe one collective (whatever the rules say)
    [[same]]
    records = ["curated/grunneger-power", "wikidata/Q2033545"]
    note = "the KvK still lists the old name"

    # these records describe different collectives: never put them in one cluster
    [[different]]
    records = ["curated/zonnedorp", "energiesamen/zonnedorp-2"]

    # this value is right for the collective (the source-priority rule is overruled)
    [[value]]
    collective = "c-0123456789ab"      # or: record = "curated/zonnedorp"
    property = "founding"              # name | founding | dissolution | municipality | legal-form | province
    value = "2011"                     # or: from_record = "kvk/01234567" (take what that record says)

A record is named ``SOURCE/KEY`` (its IRI without ``{base}id/record/``) or by its full IRI; a
collective by its id (``c-…``) or its full IRI. A collective named in ``same`` or ``different``
stands for every record that was assigned to it. ``note``, ``by`` and ``date`` are kept as
documentation. Undo an automatic match by adding a ``different`` entry (:func:`undo_match`);
undo a curated decision by deleting its entry. The file is read on every consolidation, so
the decisions survive every rebuild.

>>> text = '[[same]]\\nrecords = ["a/1", "b/2"]\\n'
>>> parse_decisions(text).same[0].refs
('a/1', 'b/2')
"""
from __future__ import annotations

import datetime as _dt
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import URIRef

from ..errors import InvalidInput
from ..namespaces import RegistryIRIs

VALUE_PROPERTIES = ("name", "founding", "dissolution", "municipality", "legal-form", "province")


@dataclass(frozen=True)
class GroupDecision:
    refs: tuple[str, ...]
    note: str = ""
    index: int = 0  # position in the file, for messages


@dataclass(frozen=True)
class ValueDecision:
    target: str  # a collective or record reference
    property: str
    value: str | None = None
    from_record: str | None = None
    note: str = ""


@dataclass
class Decisions:
    same: list[GroupDecision] = field(default_factory=list)
    different: list[GroupDecision] = field(default_factory=list)
    values: list[ValueDecision] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.same or self.different or self.values)


def parse_decisions(text: str) -> Decisions:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(f"the decisions file is not valid TOML: {exc}") from exc
    unknown = set(data) - {"same", "different", "value"}
    if unknown:
        raise InvalidInput(f"unknown decision kind(s) {sorted(unknown)}; use same, different or value")
    decisions = Decisions()
    for kind in ("same", "different"):
        for i, entry in enumerate(data.get(kind, []), start=1):
            refs = entry.get("records")
            if not isinstance(refs, list) or len(refs) < 2 or not all(isinstance(r, str) for r in refs):
                raise InvalidInput(f"[[{kind}]] entry {i}: `records` must list two or more records")
            getattr(decisions, kind).append(GroupDecision(tuple(refs), str(entry.get("note", "")), i))
    for i, entry in enumerate(data.get("value", []), start=1):
        target = entry.get("collective") or entry.get("record")
        prop = entry.get("property")
        if not target or prop not in VALUE_PROPERTIES:
            raise InvalidInput(f"[[value]] entry {i}: needs `collective` or `record`, and `property` "
                               f"one of {', '.join(VALUE_PROPERTIES)}")
        if ("value" in entry) == ("from_record" in entry):
            raise InvalidInput(f"[[value]] entry {i}: give either `value` or `from_record`")
        decisions.values.append(ValueDecision(str(target), prop, _text(entry.get("value")),
                                              entry.get("from_record"), str(entry.get("note", ""))))
    return decisions


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()[:10]
    return str(value)


def load_decisions(path: str | Path | None) -> Decisions:
    """The decisions in the file at ``path``; none when there is no path or no file yet."""
    if path is None or not Path(path).exists():
        return Decisions()
    return parse_decisions(Path(path).read_text(encoding="utf-8"))


def resolve_ref(ref: str, iris: RegistryIRIs) -> tuple[str, URIRef]:
    """``("record", IRI)`` or ``("collective", IRI)`` for a reference written in the file."""
    ref = ref.strip()
    record_base, collective_base, network_base = (f"{iris.base}id/record/", f"{iris.base}id/collective/",
                                                  f"{iris.base}id/network/")
    if ref.startswith(record_base):
        return "record", URIRef(ref)
    if ref.startswith((collective_base, network_base)):
        return "collective", URIRef(ref)
    if "://" in ref:
        raise InvalidInput(f"not a record or collective of this registry: {ref}")
    if ref.startswith("c-") and "/" not in ref:
        return "collective", iris.collective(ref)
    if ref.startswith("n-") and "/" not in ref:
        return "collective", iris.network(ref)
    source, _, key = ref.partition("/")
    if not source or not key:
        raise InvalidInput(f"a record is named SOURCE/KEY, got {ref!r}")
    return "record", iris.record(source, key)


def _toml_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def append_decision(path: str | Path, kind: str, records: list[str], note: str = "") -> None:
    """Add a ``same`` or ``different`` entry at the end of the file (created when missing)."""
    if kind not in ("same", "different"):
        raise InvalidInput("kind must be same or different")
    if len(records) < 2:
        raise InvalidInput("a decision is about two or more records")
    path = Path(path)
    lines = ["", f"[[{kind}]]", "records = [" + ", ".join(_toml_string(r) for r in records) + "]"]
    if note:
        lines.append(f"note = {_toml_string(note)}")
    lines.append(f"date = {_dt.date.today().isoformat()}")
    existing = path.read_text(encoding="utf-8") if path.exists() else ""
    text = existing + ("\n" if existing and not existing.endswith("\n") else "") + "\n".join(lines) + "\n"
    parse_decisions(text)  # never write a file that does not read back
    path.write_text(text, encoding="utf-8")


def undo_match(path: str | Path, record_a: str, record_b: str, note: str = "match undone") -> None:
    """Undo an automatic match between two records: they are different from now on."""
    append_decision(path, "different", [record_a, record_b], note)
