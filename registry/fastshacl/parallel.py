"""Validate N-Quads record streams on several cores: shapes compiled once per worker process.

The main process only splits lines into records (a record starts at its ``rdf:type
cc:SourceRecord`` line, as the harvesters and ``bench.generator`` write them) and batches;
workers parse, validate and send back counts and the violations as text.

See ``ParallelValidator``.
"""
from __future__ import annotations

import gc
import multiprocessing
from collections import deque
from dataclasses import dataclass
from typing import Iterable, Iterator

import pyoxigraph as ox

from registry.namespaces import RegistryIRIs

_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_validator = None


@dataclass
class RecordSummary:
    conforms: bool
    violations: int
    warnings: int
    results: list[tuple[str, str, str, str, str]]  # (focus, path, value, shape, severity), violations only


def _init(base: str, recommended: bool) -> None:
    global _validator
    from .validator import FastValidator

    _validator = FastValidator(RegistryIRIs(base), recommended=recommended)
    gc.freeze()  # the compiled shapes and ontology never become garbage


def _validate_batch(args: tuple[list[str], str]) -> list[RecordSummary]:
    records_text, marker = args
    records = []
    for text in records_text:
        records.append([(q.subject, q.predicate, q.object)
                        for q in ox.parse(input=text, format=ox.RdfFormat.N_QUADS)])
    out = []
    for outcome in _validator.validate_quads(records):
        violations = [r for r in outcome.results if r[3].severity == "Violation"]
        out.append(RecordSummary(
            conforms=not violations, violations=len(violations), warnings=len(outcome.results) - len(violations),
            results=[_text(_validator.result(r)) for r in violations]))
    return out


def _text(result) -> tuple:
    return tuple(None if t is None else str(t) for t in
                 (result.focus_node, result.path, result.value, result.source_shape, result.severity))


def split_records(lines: Iterable[str], record_class: str) -> Iterator[list[str]]:
    """N-Quads lines grouped into records, each starting at its ``rdf:type <record_class>`` line."""
    marker = f" <{_RDF_TYPE}> <{record_class}> "
    current: list[str] = []
    for line in lines:
        if marker in line and current:
            yield current
            current = []
        if line.strip():
            current.append(line)
    if current:
        yield current


def _batches(lines: Iterable[str], record_class: str, size: int) -> Iterator[list[list[str]]]:
    batch: list[list[str]] = []
    for record in split_records(lines, record_class):
        batch.append(record)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


class ParallelValidator:
    """A pool of validator processes, started once and reused for every source file.

    >>> # with ParallelValidator(processes=2) as pv:
    >>> #     for lines, summary in pv.validate_lines(open("source.nq")): ...
    """

    def __init__(self, *, processes: int = 2, batch_size: int = 500, iris: RegistryIRIs | None = None,
                 recommended: bool = True):
        self.iris = iris or RegistryIRIs()
        self.processes = processes
        self.batch_size = batch_size
        self.recommended = recommended
        self.record_class = str(self.iris.CC.SourceRecord)
        self.pool = None
        if processes > 1:
            methods = multiprocessing.get_all_start_methods()
            context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
            self.pool = context.Pool(processes, initializer=_init, initargs=(self.iris.base, recommended))
        else:
            _init(self.iris.base, recommended)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()
            self.pool.join()
            self.pool = None

    def validate_lines(self, lines: Iterable[str]) -> Iterator[tuple[list[str], RecordSummary]]:
        """Yield ``(record_lines, summary)`` in input order."""
        batches = _batches(lines, self.record_class, self.batch_size)
        if self.pool is None:
            for batch in batches:
                yield from zip(batch, _validate_batch((["".join(r) for r in batch], self.record_class)))
            return
        in_flight = 3 * self.processes  # bounded, so a large input is never read ahead into memory
        window: deque = deque()
        for batch in batches:
            task = (["".join(r) for r in batch], self.record_class)
            window.append((batch, self.pool.apply_async(_validate_batch, (task,))))
            if len(window) >= in_flight:
                yield from _drain(window.popleft())
        while window:
            yield from _drain(window.popleft())


def _drain(item) -> Iterator[tuple[list[str], RecordSummary]]:
    batch, result = item
    yield from zip(batch, result.get())
