"""Stores: the interface and its implementations, chosen by settings in one place."""
from __future__ import annotations

from ..settings import Settings
from .base import Store


def open_store(settings: Settings) -> Store:
    kind, _, target = settings.store.partition(":")
    if kind == "memory":
        from .oxigraph import OxigraphStore
        return OxigraphStore()
    if kind == "oxigraph":
        from .oxigraph import OxigraphStore
        return OxigraphStore(target or settings.data_dir / "store")
    if kind == "sparql":
        from .sparql import SparqlStore
        query_url, _, update_url = target.partition(",")
        return SparqlStore(query_url, update_url or None, settings=settings)
    raise ValueError(f"unknown store {settings.store!r}")


__all__ = ["Store", "open_store"]
