"""Harvester kinds by name, as the source configuration names them: one module per kind."""
from __future__ import annotations

import importlib
import pkgutil

from ..base import Harvester


def harvester_kinds() -> dict[str, type[Harvester]]:
    kinds: dict[str, type[Harvester]] = {}
    for module_info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Harvester) and value.kind and value.__module__ == module.__name__:
                kinds[value.kind] = value
    return kinds
