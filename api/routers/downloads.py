"""Researchers' downloads: the full dumps written by each build (``registry.export``)."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Path
from fastapi.responses import FileResponse

from registry.errors import NotFound
from registry.export import COMPRESS_FORMAT, available_dumps
from registry.settings import Settings

from ..deps import get_settings

router = APIRouter(tags=["downloads"])


@router.get("/dumps/{name}", summary="A full dump of the registry (every named graph, gzip)",
            description="`registry.nq.gz` (N-Quads) or `registry.trig.gz` (TriG: Turtle with named graphs), "
                        "regenerated on each build; listed with their sizes in `/dataset`.",
            response_class=FileResponse, responses={200: {"content": {COMPRESS_FORMAT: {}}}})
def dump(name: str = Path(..., max_length=100, examples=["registry.nq.gz"]),
         settings: Settings = Depends(get_settings)) -> FileResponse:
    # only the names the export writes are served: the path never comes from the request
    found = {d.dump.name: d for d in available_dumps(settings)}.get(name)
    if found is None:
        raise NotFound(f"no dump named {name[:100]!r}; the dumps are listed in /dataset")
    return FileResponse(found.path, media_type=COMPRESS_FORMAT, filename=found.dump.name,
                        headers={"Cache-Control": "public, max-age=300"})
