"""Full dumps for researchers and backups: every named graph, gzip-compressed, written atomically.

Serialization is pyoxigraph's (streaming, linear); rdflib's Turtle writer is quadratic on
registry-shaped graphs and is never used here. A dump is written to a temporary file next to its
final name and renamed into place, so readers (and the API serving it) see the old file or the new
one, never half of one.

>>> import tempfile
>>> from registry.settings import Settings
>>> from registry.store.oxigraph import OxigraphStore
>>> folder = Path(tempfile.mkdtemp())
>>> store = OxigraphStore()
>>> store.load(b'<http://e/s> <http://e/p> "o" <http://e/g> .', "nq")
>>> [p.name for p in write_dumps(store, Settings(store="memory", data_dir=folder))]
['registry.nq.gz', 'registry.trig.gz']
>>> backup = export_dataset(store, folder / "backup.nq.gz")
>>> fresh = OxigraphStore()
>>> [str(g) for g in import_dataset(fresh, backup)]
['http://e/g']
"""
from __future__ import annotations

import gzip
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from rdflib import URIRef

from .namespaces import STANDARD_PREFIXES
from .settings import Settings
from .store import Store


@dataclass(frozen=True)
class DumpFormat:
    name: str  # file name under data_dir/dumps
    format: str  # store format name
    media_type: str  # of the uncompressed content
    title: str


DUMP_FORMATS = (
    DumpFormat("registry.nq.gz", "nq", "application/n-quads", "Full dump, N-Quads (gzip)"),
    # TriG is Turtle with named graphs: the same Turtle syntax, keeping each fact's source graph
    DumpFormat("registry.trig.gz", "trig", "application/trig", "Full dump, TriG / Turtle with graphs (gzip)"),
)
COMPRESS_FORMAT = "application/gzip"
GZIP_LEVEL = 6


def dumps_dir(settings: Settings) -> Path:
    return Path(settings.data_dir) / "dumps"


def _dump(store: Store, output, format: str, prefixes: dict[str, str] | None = None) -> None:
    import pyoxigraph as ox
    raw = getattr(store, "_store", None)
    if isinstance(raw, ox.Store) and format == "trig":
        # the embedded store writes prefixed names when given them (smaller, readable)
        raw.dump(output, format=ox.RdfFormat.TRIG, prefixes=prefixes or None)
    else:
        store.dump(output, format)


def _write_atomically(path: Path, write) -> Path:
    """Call ``write(binary_file)`` on a gzip stream into a temporary file, then rename it to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as raw:
            # mtime=0: the same data gives the same bytes (stable ETags and checksums)
            with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=GZIP_LEVEL, mtime=0) as out:
                write(out)
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def write_dumps(store: Store, settings: Settings) -> list[Path]:
    """Write every dump format to ``settings.data_dir / "dumps"``; returns the files written."""
    prefixes = {"cc": str(settings.iris.CC), **{p: str(ns) for p, ns in STANDARD_PREFIXES.items()}}
    folder = dumps_dir(settings)
    return [_write_atomically(folder / dump.name, lambda out, d=dump: _dump(store, out, d.format, prefixes))
            for dump in DUMP_FORMATS]


def export_dataset(store: Store, path: str | Path) -> Path:
    """A backup of every named graph as gzip-compressed N-Quads at ``path`` (written atomically)."""
    return _write_atomically(Path(path), lambda out: store.dump(out, "nq"))


def import_dataset(store: Store, path: str | Path, *, replace: bool = False) -> list[URIRef]:
    """Load a backup (N-Quads, gzip-compressed or not) into its named graphs; returns the store's graphs.

    With ``replace`` every named graph in the store is dropped first, so the store becomes the backup.
    Empty named graphs are not restored: N-Quads has no way to state them.
    """
    path = Path(path)
    with path.open("rb") as probe:
        compressed = probe.read(2) == b"\x1f\x8b"
    if replace:
        for graph in store.graphs():
            store.drop_graph(graph)
    opener = gzip.open if compressed else open
    with opener(path, "rb") as stream:
        store.load(stream, "nq")
    return store.graphs()


@dataclass(frozen=True)
class DumpFile:
    dump: DumpFormat
    path: Path
    size: int
    modified: float


def available_dumps(settings: Settings) -> list[DumpFile]:
    """The dumps present on disk (a store that was never built has none)."""
    found = []
    for dump in DUMP_FORMATS:
        path = dumps_dir(settings) / dump.name
        try:
            stat = path.stat()
        except FileNotFoundError:
            continue
        found.append(DumpFile(dump, path, stat.st_size, stat.st_mtime))
    return found
