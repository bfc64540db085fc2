"""The one admin check: SPARQL Update and every ``/admin`` endpoint ask it the same way.

Writing is off unless ``COLLECTIVES_ADMIN_TOKEN`` is set; then a request may write only with
``Authorization: Bearer TOKEN``. The comparison is constant-time (``hmac.compare_digest``) so
that answer times say nothing about how close a guess was. The token is never logged or echoed:
nothing here formats the header into a message.

>>> Access.GRANTED.value
'granted'
"""
from __future__ import annotations

import hmac
from enum import Enum

from fastapi import Request
from fastapi.routing import APIRoute
from fastapi.security import HTTPBearer

from registry.settings import Settings

from .problems import Problem

# documents the scheme in OpenAPI; the check itself is require_admin (before the body is read)
BEARER = HTTPBearer(auto_error=False, scheme_name="adminToken",
                    description="the administrator's token (COLLECTIVES_ADMIN_TOKEN)")


class Access(Enum):
    GRANTED = "granted"
    DISABLED = "disabled"  # no token configured: this server does not write at all
    MISSING = "missing"    # no bearer token in the request
    INVALID = "invalid"    # a bearer token that is not the configured one


def admin_access(request: Request, settings: Settings) -> Access:
    """What the request's ``Authorization`` header is worth against the configured token."""
    token = settings.admin_token
    if not token:
        return Access.DISABLED
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    given = given.strip()
    if scheme.lower() != "bearer" or not given:
        return Access.MISSING
    if hmac.compare_digest(given.encode(), token.encode()):
        return Access.GRANTED
    return Access.INVALID


def require_admin(request: Request) -> None:
    """Pass, or raise 403 ``write_disabled`` (no token configured) / 401 ``unauthorized``."""
    access = admin_access(request, request.app.state.settings)
    if access is Access.GRANTED:
        return
    if access is Access.DISABLED:
        raise Problem(403, "write_disabled", "this server does not accept writes: no administrator token is configured")
    challenge = 'Bearer realm="collectives-admin"'
    if access is Access.INVALID:
        challenge += ', error="invalid_token"'  # RFC 6750 §3.1
    raise Problem(401, "unauthorized", "this operation needs the administrator's bearer token",
                  headers={"WWW-Authenticate": challenge})


class AdminRoute(APIRoute):
    """A route that runs :func:`require_admin` before anything else, before its body is even
    parsed, so that a client without the token learns nothing from validation errors."""

    def get_route_handler(self):
        handler = super().get_route_handler()

        async def checked(request: Request):
            require_admin(request)
            return await handler(request)
        return checked
