"""Liveness and readiness."""
from __future__ import annotations

from fastapi import APIRouter, Depends

from registry.store import Store

from ..deps import get_store

router = APIRouter(tags=["service"])


@router.get("/health", summary="Is the service up and can it reach its store?")
def health(store: Store = Depends(get_store)) -> dict:
    store.ask("ASK { }")
    return {"status": "ok"}
