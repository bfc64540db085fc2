"""Errors as ``application/problem+json`` (RFC 9457) with stable codes, mapped to HTTP in one place.

Clients branch on ``code``; ``detail`` is for people. Internal exception text, stack traces and
backend URLs never reach a client: only errors raised on purpose carry their message out.
"""
from __future__ import annotations

import json
import logging
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from registry.errors import InvalidInput, NotFound, QuerySyntaxError, QueryTimeout, RegistryError, StoreError

from .conneg import NotAcceptable

log = logging.getLogger("api")

PROBLEM = "application/problem+json"


class Problem(RegistryError):
    """An error raised by the API itself, with its HTTP status."""

    def __init__(self, status: int, code: str, detail: str, *, headers: dict | None = None, **extra):
        super().__init__(detail, code=code)
        self.status = status
        self.headers = headers or {}
        self.extra = extra


class ResultTooLarge(RegistryError):
    code = "result_too_large"


class ReadOnly(RegistryError):
    code = "read_only"


# domain error code → (status, title); subclasses fall back to their base class
STATUS = {
    "malformed_query": (400, "Malformed query"),
    "invalid_input": (400, "Invalid input"),
    "invalid_rdf": (400, "Invalid RDF"),
    "unknown_format": (400, "Unknown format"),
    "not_found": (404, "Not found"),
    "not_acceptable": (406, "Not acceptable"),
    "read_only": (403, "Read-only endpoint"),
    "write_disabled": (403, "Writing disabled"),
    "unknown_source": (400, "Unknown source"),
    "invalid_decision": (400, "Invalid decision"),
    "build_running": (409, "Build running"),
    "decisions_file_invalid": (409, "Decisions file unreadable"),
    "decisions_not_editable": (409, "Decisions file not editable"),
    "result_too_large": (413, "Result too large"),
    "query_too_large": (413, "Query too large"),
    "payload_too_large": (413, "Payload too large"),
    "unsupported_media_type": (415, "Unsupported media type"),
    "query_timeout": (503, "Query timeout"),
    "store_unavailable": (503, "Store unavailable"),
}
HTTP_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 406: "not_acceptable", 411: "length_required", 413: "payload_too_large",
    415: "unsupported_media_type", 422: "invalid_input", 429: "too_many_requests",
}


def problem_response(status: int, code: str, title: str, detail: str | None = None,
                     headers: dict | None = None, **extra) -> Response:
    body = {"type": f"urn:collectives:problem:{code}", "title": title, "status": status, "code": code}
    if detail:
        body["detail"] = detail
    body.update(extra)
    return Response(json.dumps(body, ensure_ascii=False), status_code=status, media_type=PROBLEM,
                    headers=headers)


PROBLEM_SCHEMA = {
    "type": "object", "required": ["type", "title", "status", "code"],
    "properties": {"type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
                   "code": {"type": "string", "description": "stable: clients branch on it"},
                   "detail": {"type": "string"}},
}


def problem_responses(*statuses: int) -> dict:
    """OpenAPI ``responses`` entries declaring problem+json answers for ``statuses``."""
    return {status: {"description": HTTPStatus(status).phrase,
                     "content": {PROBLEM: {"schema": PROBLEM_SCHEMA}}} for status in statuses}


def _registry_error(request: Request, exc: RegistryError) -> Response:
    if isinstance(exc, Problem):
        title = STATUS.get(exc.code, (exc.status, exc.code.replace("_", " ").capitalize()))[1]
        return problem_response(exc.status, exc.code, title, str(exc), exc.headers, **exc.extra)
    known = exc.code if exc.code in STATUS else type(exc).code  # a custom code keeps its class's status
    if known in STATUS:
        status, title = STATUS[known]
        extra = {"available": exc.offered} if isinstance(exc, NotAcceptable) else {}
        return problem_response(status, exc.code, STATUS.get(exc.code, (status, title))[1], str(exc)[:2000], **extra)
    if isinstance(exc, StoreError):
        # a store failure may carry backend details: log them, tell the client only the code
        log.error("store error on %s: %s", request.url.path, exc)
        return problem_response(503, exc.code, "Store error", "the store could not answer; try again later")
    log.error("unmapped registry error on %s: %r", request.url.path, exc)
    return problem_response(500, "internal_error", "Internal error")


def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
    code = HTTP_CODES.get(exc.status_code, "http_error")
    detail = exc.detail if isinstance(exc.detail, str) else None
    return problem_response(exc.status_code, code, detail or code.replace("_", " "), None,
                            getattr(exc, "headers", None))


def _validation_error(request: Request, exc: RequestValidationError) -> Response:
    errors = [{"location": ".".join(str(p) for p in e.get("loc", ())), "message": e.get("msg", "")}
              for e in exc.errors()[:20]]
    return problem_response(400, "invalid_input", "Invalid input", "a parameter has a wrong value or type",
                            errors=errors)


def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error on %s", request.url.path)
    return problem_response(500, "internal_error", "Internal error")


def install(app: FastAPI) -> None:
    app.add_exception_handler(RegistryError, _registry_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected)


__all__ = ["Problem", "ReadOnly", "ResultTooLarge", "QueryTimeout", "QuerySyntaxError", "NotFound",
           "InvalidInput", "install", "problem_response", "problem_responses", "PROBLEM"]
