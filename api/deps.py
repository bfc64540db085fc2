"""Dependencies: the settings and store the app was built with (never module-level globals)."""
from __future__ import annotations

from urllib.parse import parse_qsl

from fastapi import Request

from registry.settings import Settings
from registry.store import Store

from .problems import Problem

MAX_BODY = 2_000_000  # bytes of a request body (queries, forms, RDF to validate)


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_store(request: Request) -> Store:
    return request.app.state.store


def base_path(request: Request) -> str:
    """The path prefix the app is served under (behind a proxy), for links in pages."""
    return request.scope.get("root_path", "").rstrip("/")


async def read_body(request: Request) -> bytes:
    """The raw body, bounded; read here so that plain ``def`` handlers never touch the event loop."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BODY:
        raise Problem(413, "payload_too_large", f"request bodies are limited to {MAX_BODY} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise Problem(413, "payload_too_large", f"request bodies are limited to {MAX_BODY} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def parse_form(body: bytes) -> list[tuple[str, str]]:
    """An ``application/x-www-form-urlencoded`` body as (name, value) pairs."""
    try:
        return parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=200)
    except (UnicodeDecodeError, ValueError) as exc:
        raise Problem(400, "invalid_input", "the form body is not valid UTF-8 url-encoded data") from exc
