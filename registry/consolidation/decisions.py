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

Programs edit the file through :func:`add_decision` and :func:`remove_decision` (the API's
``/admin/decisions`` does): each entry has a stable id (:func:`decision_id`) made from what it
decides, not from its note or date. Edits are text edits, so every other entry and comment stays
as it was: an entry is appended at the end, and removing one cuts its ``[[kind]]`` table with the
comment lines directly above it (so a file's own heading needs a blank line below it). The
standard library reads TOML but does not write it, so a file whose layout a text edit cannot
handle safely (an entry written as an inline table, a sub-table) is refused rather than
rewritten: every edit is checked by reading the result back. Writes are atomic (a temporary
file in the same folder, then ``os.replace``).

>>> text = '[[same]]\\nrecords = ["a/1", "b/2"]\\n'
>>> parse_decisions(text).same[0].refs
('a/1', 'b/2')
"""
from __future__ import annotations

import contextlib
import datetime as _dt
import os
import re
import stat
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import URIRef

from ..errors import InvalidInput, NotFound, RegistryError
from ..identifiers import mint_id
from ..namespaces import RegistryIRIs

VALUE_PROPERTIES = ("name", "founding", "dissolution", "municipality", "legal-form", "province")
# the fields an entry of each kind may have, in the order they are written
ENTRY_FIELDS = {
    "same": ("records", "note", "by", "date"),
    "different": ("records", "note", "by", "date"),
    "value": ("collective", "record", "property", "value", "from_record", "note", "by", "date"),
}


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
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    # TOML basic strings take no control characters but the tab: write them as \uXXXX
    escaped = re.sub(r"[\x00-\x08\x0a-\x1f\x7f]", lambda m: f"\\u{ord(m.group()):04x}", escaped)
    return f'"{escaped}"'


def _toml_value(value) -> str:
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, _dt.date) and not isinstance(value, _dt.datetime):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise InvalidInput(f"decision fields are text, dates or lists of text, not {type(value).__name__}",
                       code="invalid_decision")


def format_entry(kind: str, fields: dict) -> str:
    """One ``[[kind]]`` table in TOML, its fields in the documented order.

    >>> print(format_entry("same", {"note": "one", "records": ["a/1", "b/2"]}), end="")
    [[same]]
    records = ["a/1", "b/2"]
    note = "one"
    """
    order = list(ENTRY_FIELDS.get(kind, ())) + sorted(set(fields) - set(ENTRY_FIELDS.get(kind, ())))
    lines = [f"[[{kind}]]"] + [f"{key} = {_toml_value(fields[key])}" for key in order
                               if fields.get(key) is not None]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Entry:
    """One entry of the file as written (``fields``), with the id of what it decides."""
    id: str
    kind: str
    fields: dict
    position: int = field(default=0, compare=False)  # among the entries of its kind, from 0

    def to_dict(self) -> dict:
        plain = lambda v: v.isoformat() if isinstance(v, (_dt.date, _dt.time)) else v  # noqa: E731
        return {"id": self.id, "kind": self.kind, **{k: plain(v) for k, v in self.fields.items()}}


def decision_id(kind: str, decision: GroupDecision | ValueDecision) -> str:
    """Stable id of a decision: from what it decides, never from its note, author or date.

    >>> decision_id("same", GroupDecision(("b/2", "a/1"))) == decision_id("same", GroupDecision(("a/1", "b/2")))
    True
    """
    if isinstance(decision, GroupDecision):
        return mint_id(kind, *sorted(decision.refs), prefix="d")
    given = f"value={decision.value}" if decision.from_record is None else f"from_record={decision.from_record}"
    return mint_id(kind, decision.target, decision.property, given, prefix="d")


def read_entries(text: str) -> list[Entry]:
    """Every entry of a decisions file, checked by the loader, grouped by kind in file order."""
    decisions = parse_decisions(text)
    tables = tomllib.loads(text)
    entries = []
    for kind, parsed in (("same", decisions.same), ("different", decisions.different), ("value", decisions.values)):
        for position, (decision, table) in enumerate(zip(parsed, tables.get(kind, []))):
            entries.append(Entry(decision_id(kind, decision), kind, dict(table), position))
    return entries


def list_decisions(path: str | Path) -> list[Entry]:
    """The entries of the file at ``path`` (none when it does not exist yet)."""
    return _file_entries(_read(Path(path)))


def check_entry(kind: str, fields: dict, iris: RegistryIRIs | None = None) -> Entry:
    """``fields`` as a new entry of ``kind``, checked as the loader checks it and, with ``iris``,
    its references as consolidation resolves them; raises InvalidInput ``invalid_decision``."""
    try:
        if kind not in ENTRY_FIELDS:
            raise InvalidInput(f"unknown decision kind {kind!r}; use same, different or value")
        unknown = sorted(set(fields) - set(ENTRY_FIELDS[kind]))
        if unknown:
            raise InvalidInput(f"[[{kind}]] has no field(s) {', '.join(unknown)}")
        if kind == "value" and fields.get("collective") and fields.get("record"):
            raise InvalidInput("[[value]] names `collective` or `record`, not both")
        if kind != "value" and len(set(fields.get("records") or [])) != len(fields.get("records") or []):
            raise InvalidInput(f"[[{kind}]] names a record twice")
        text = format_entry(kind, fields)
        text.encode("utf-8")  # lone surrogates cannot be written
        entry = read_entries(text)[0]
        if iris is not None:
            for ref in _references(kind, fields):
                resolve_ref(ref, iris)
        return entry
    except (InvalidInput, UnicodeEncodeError) as exc:
        detail = str(exc) if isinstance(exc, InvalidInput) else "the text is not valid Unicode"
        raise InvalidInput(detail, code="invalid_decision") from None


def _references(kind: str, fields: dict) -> list[str]:
    if kind != "value":
        return list(fields.get("records") or [])
    return [fields[k] for k in ("collective", "record", "from_record") if fields.get(k)]


def add_decision(path: str | Path, kind: str, fields: dict, *, iris: RegistryIRIs | None = None,
                 today: _dt.date | None = None) -> tuple[Entry, bool]:
    """Append a checked entry (dated ``today``) unless the file already makes the same decision.

    Returns the entry and whether the file was written (an equal decision is not repeated).
    """
    path = Path(path)
    fields = {**fields, "date": fields.get("date") or today or _dt.date.today()}
    new = check_entry(kind, fields, iris)
    text = _read(path)
    entries = _file_entries(text)
    existing = next((e for e in entries if e.id == new.id), None)
    if existing is not None:
        return existing, False
    updated = (text.rstrip("\n") + "\n\n" if text.strip() else "") + format_entry(kind, fields)
    expected = sorted(entries + [new], key=lambda e: list(ENTRY_FIELDS).index(e.kind))
    _write_checked(path, updated, expected)
    return next(e for e in _file_entries(updated) if e.id == new.id), True


def remove_decision(path: str | Path, ident: str) -> list[Entry]:
    """Remove every entry with id ``ident`` (with the comment lines directly above it); returns them."""
    path = Path(path)
    text = _read(path)
    entries = _file_entries(text)
    removed = [e for e in entries if e.id == ident]
    if not removed:
        raise NotFound(f"no decision with id {ident[:100]!r}")
    spans = _entry_spans(text)
    if any(len(spans.get(kind, [])) != sum(e.kind == kind for e in entries) for kind in ENTRY_FIELDS):
        raise _not_editable()
    lines = text.splitlines(keepends=True)
    cut = {i for e in removed for i in range(*spans[e.kind][e.position])}
    updated = "".join(line for i, line in enumerate(lines) if i not in cut)
    _write_checked(path, updated, [e for e in entries if e.id != ident])
    return removed


_DECISION_TABLE = re.compile(r'^\s*\[\[\s*"?(same|different|value)"?\s*\]\]\s*(#.*)?$')
_ANY_TABLE = re.compile(r"^\s*\[\[?[^\[\]]+\]\]?\s*(#.*)?$")


def _entry_spans(text: str) -> dict[str, list[tuple[int, int]]]:
    """Line ranges of the ``[[kind]]`` tables by kind, in file order; a table starts at the
    comment lines directly above its header and ends where the next table's range starts."""
    lines = text.splitlines()
    headers = [i for i, line in enumerate(lines) if _ANY_TABLE.match(line)]
    starts = []
    for n, i in enumerate(headers):
        floor = headers[n - 1] + 1 if n else 0
        while i > floor and lines[i - 1].lstrip().startswith("#"):
            i -= 1
        starts.append(i)
    spans: dict[str, list[tuple[int, int]]] = {}
    for n, i in enumerate(headers):
        match = _DECISION_TABLE.match(lines[i])
        if match:
            end = starts[n + 1] if n + 1 < len(headers) else len(lines)
            spans.setdefault(match.group(1), []).append((starts[n], end))
    return spans


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.exists() else ""


def _file_entries(text: str) -> list[Entry]:
    try:
        return read_entries(text)
    except InvalidInput as exc:
        raise RegistryError(f"the decisions file cannot be read; fix it by hand: {exc}",
                            code="decisions_file_invalid") from None


def _not_editable() -> RegistryError:
    return RegistryError("the decisions file is laid out in a way a program cannot edit safely "
                         "(an inline table or a sub-table); edit it by hand", code="decisions_not_editable")


def _write_checked(path: Path, text: str, expected: list[Entry]) -> None:
    """Write ``text`` only if it reads back as exactly ``expected``."""
    try:
        ok = [(e.kind, e.fields) for e in read_entries(text)] == [(e.kind, e.fields) for e in expected]
    except (InvalidInput, tomllib.TOMLDecodeError):
        ok = False
    if not ok:
        raise _not_editable()
    write_atomically(path, text)


def write_atomically(path: str | Path, text: str) -> None:
    """Replace the file at ``path`` with ``text``: readers see the old file or the new one, never half."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = stat.S_IMODE(path.stat().st_mode) if path.exists() else 0o644
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def append_decision(path: str | Path, kind: str, records: list[str], note: str = "") -> None:
    """Add a ``same`` or ``different`` entry at the end of the file (created when missing)."""
    if kind not in ("same", "different"):
        raise InvalidInput("kind must be same or different")
    if len(records) < 2:
        raise InvalidInput("a decision is about two or more records")
    add_decision(path, kind, {"records": list(records), "note": note or None})


def undo_match(path: str | Path, record_a: str, record_b: str, note: str = "match undone") -> None:
    """Undo an automatic match between two records: they are different from now on."""
    append_decision(path, "different", [record_a, record_b], note)
