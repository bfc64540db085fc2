"""Write access for the administrator: start builds and consolidations, edit curated decisions.

Every route here is an :class:`~api.auth.AdminRoute`, so the token is checked before anything
else (403 ``write_disabled`` without a configured token, 401 ``unauthorized`` without the right
one). Answers are never cached: they describe work in progress and a file that changes.
"""
from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Body, Path, Request, Security
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from registry.errors import NotFound

from ..auth import BEARER, AdminRoute
from ..deps import base_path
from ..problems import problem_responses
from ..services.admin import Admin
from ..services.jobs import Job

router = APIRouter(prefix="/admin", tags=["admin"], route_class=AdminRoute, dependencies=[Security(BEARER)])
NO_STORE = {"Cache-Control": "no-store"}

Name = Annotated[str, StringConstraints(max_length=100)]
Reference = Annotated[str, StringConstraints(max_length=500)]
Text = Annotated[str, StringConstraints(max_length=2000)]


class BuildRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sources: list[Name] | None = Field(None, min_length=1, max_length=100, examples=[["curated"]],
                                       description="harvest only these sources (default: every enabled one)")
    offline: bool = Field(False, description="read recordings and local copies only, never the network")


class JobAccepted(BaseModel):
    id: str
    status: Literal["running"]
    href: str


class JobError(BaseModel):
    code: str
    detail: str


class SourceRun(BaseModel):
    source: str
    status: str
    message: str | None = None
    started: str | None = None
    ended: str | None = None
    fetched: int | None = None
    valid: int | None = None
    invalid: int | None = None
    unchanged: int | None = None
    vanished: int | None = None
    errors: int | None = Field(None, description="records that could not be fetched or transformed")


class JobStatus(BaseModel):
    id: str
    kind: Literal["build", "consolidation"]
    status: Literal["running", "succeeded", "failed"]
    href: str
    started: str
    ended: str | None
    sources: list[SourceRun] = Field(description="each source's run (a build)")
    consolidation: dict | None = Field(description="what consolidation did (a consolidation)")
    error: JobError | None = Field(description="why the job failed; never a stack trace")


class JobList(BaseModel):
    items: list[JobStatus]


class DecisionRequest(BaseModel):
    """An entry of the decisions file; ``date`` is added by the server."""
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"kind": "same", "records": ["curated/grunneger-power", "wikidata/Q2033545"], "note": "one collective"},
        {"kind": "value", "collective": "c-0123456789ab", "property": "founding", "value": "2011"}]})
    kind: Literal["same", "different", "value"]
    records: list[Reference] | None = Field(None, max_length=100,
                                            description="same / different: records (SOURCE/KEY) or collectives (c-…)")
    collective: Reference | None = Field(None, description="value: the collective (c-…) …")
    record: Reference | None = Field(None, description="… or a record (SOURCE/KEY)")
    property: Name | None = Field(None, description="value: name, founding, dissolution, municipality, "
                                                    "legal-form or province")
    value: Text | None = Field(None, description="value: the right value …")
    from_record: Reference | None = Field(None, description="… or the record whose value is right")
    note: Text | None = None
    by: Name | None = None


class Decision(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str = Field(description="stable: made from what the entry decides")
    kind: Literal["same", "different", "value"]


class DecisionList(BaseModel):
    items: list[Decision]


class DecisionsRemoved(BaseModel):
    removed: list[Decision]


def _admin(request: Request) -> Admin:
    return request.app.state.admin


def _job_href(request: Request, job: Job) -> str:
    return f"{base_path(request)}/admin/builds/{job.id}"


def _accepted(request: Request, job: Job) -> JSONResponse:
    href = _job_href(request, job)
    # "running" as it was when accepted, even if a quick job has finished since
    return JSONResponse({"id": job.id, "status": "running", "href": href}, status_code=202,
                        headers={"Location": href, **NO_STORE})


@router.post("/builds", status_code=202, response_model=JobAccepted, summary="Start a build",
             description="Harvests every enabled source (or only `sources`), consolidates and writes the dumps, "
                         "like `collectives build`, in the background. Poll the `href` of the answer. "
                         "One build runs at a time: 409 `build_running` while one does.",
             responses=problem_responses(400, 401, 403, 409, 503))
def start_build(request: Request, body: BuildRequest | None = Body(None)) -> JSONResponse:
    body = body or BuildRequest()
    return _accepted(request, _admin(request).start_build(body.sources, offline=body.offline))


@router.post("/consolidate", status_code=202, response_model=JobAccepted, summary="Consolidate again",
             description="Re-runs consolidation (and writes the dumps) without harvesting, so that changed "
                         "decisions take effect; a job like a build, polled at the same `href`.",
             responses=problem_responses(401, 403, 409, 503))
def start_consolidation(request: Request) -> JSONResponse:
    return _accepted(request, _admin(request).start_consolidation())


@router.get("/builds", response_model=JobList, summary="Recent builds and consolidations",
            description="Newest first; the last 50 finished ones are remembered until the server restarts.",
            responses=problem_responses(401, 403))
def list_jobs(request: Request) -> JSONResponse:
    items = [job.to_dict(_job_href(request, job)) for job in _admin(request).jobs.recent()]
    return JSONResponse({"items": items}, headers=NO_STORE)


@router.get("/builds/{ident}", response_model=JobStatus, summary="A build's status",
            description="`running`, `succeeded` or `failed`, with its times, each source's counts and the "
                        "reason of a failure.",
            responses=problem_responses(400, 401, 403, 404))
def get_job(request: Request, ident: str = Path(..., max_length=100)) -> JSONResponse:
    job = _admin(request).jobs.get(ident)
    if job is None:
        raise NotFound("no such build (finished builds are forgotten when the server restarts)")
    return JSONResponse(job.to_dict(_job_href(request, job)), headers=NO_STORE)


@router.get("/decisions", response_model=DecisionList, summary="The curated decisions",
            description="Every entry of the decisions file (`COLLECTIVES_DECISIONS`) with its stable id.",
            responses=problem_responses(401, 403, 409))
def list_decisions(request: Request) -> JSONResponse:
    return JSONResponse({"items": _admin(request).decisions()}, headers=NO_STORE)


@router.post("/decisions", status_code=201, response_model=Decision, summary="Add a curated decision",
             description="`same` (these records are one collective), `different` (never one) or `value` "
                         "(this value is right), checked as the file's loader checks it: 400 "
                         "`invalid_decision` and nothing written when it is wrong. An equal decision already "
                         "in the file is answered with 200. It takes effect at the next build or "
                         "`POST /admin/consolidate`.",
             responses={200: {"description": "the file already holds this decision", "model": Decision},
                        **problem_responses(400, 401, 403, 409)})
def add_decision(request: Request, body: DecisionRequest) -> JSONResponse:
    fields = body.model_dump(exclude={"kind"}, exclude_none=True)
    entry, written = _admin(request).add_decision(body.kind, fields)
    href = f"{base_path(request)}/admin/decisions/{entry['id']}"
    return JSONResponse(entry, status_code=201 if written else 200, headers={"Location": href, **NO_STORE})


@router.delete("/decisions/{ident}", response_model=DecisionsRemoved, summary="Remove a curated decision",
               description="Removes the entry (every entry with this id) and the comment directly above it; "
                           "this is how a curated match is undone. Takes effect at the next build or "
                           "`POST /admin/consolidate`.",
               responses=problem_responses(400, 401, 403, 404, 409))
def remove_decision(request: Request, ident: str = Path(..., max_length=100)) -> JSONResponse:
    return JSONResponse({"removed": _admin(request).remove_decision(ident)}, headers=NO_STORE)
