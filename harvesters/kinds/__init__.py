"""Harvester kinds by name, as the source configuration names them."""
from __future__ import annotations

from ..base import Harvester


def harvester_kinds() -> dict[str, type[Harvester]]:
    from .curated import CuratedHarvester
    kinds = [CuratedHarvester]
    return {k.kind: k for k in kinds}
