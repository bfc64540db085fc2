"""HTTP hygiene as ASGI middleware: validators (ETag) and caching headers on GET answers.

The ETag is a hash of the body, so it changes exactly when the data behind an answer changes
(after a rebuild or an update) and needs no invalidation of its own. ``If-None-Match`` gets 304.
"""
from __future__ import annotations

import hashlib

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BUFFERED = 8_000_000  # larger answers stream through without an ETag
DEFAULT_CACHE_CONTROL = "public, max-age=60"


def _matches(if_none_match: str, etag: str) -> bool:
    if if_none_match.strip() == "*":
        return True
    weak = lambda tag: tag.strip().removeprefix("W/")  # noqa: E731  (weak comparison, RFC 9110 §8.8.3.2)
    return any(weak(tag) == weak(etag) for tag in if_none_match.split(","))


class CacheMiddleware:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        if_none_match = Headers(scope=scope).get("if-none-match")
        start: Message | None = None
        chunks: list[bytes] = []
        size = 0
        passing = False

        async def buffered_send(message: Message) -> None:
            nonlocal start, size, passing
            if passing:
                await send(message)
                return
            if message["type"] == "http.response.start":
                start = message
                if message["status"] != 200:
                    passing = True
                    await send(message)
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > MAX_BUFFERED:  # too large to hash: send what we have and stream the rest
                passing = True
                await send(start)
                await send({"type": "http.response.body", "body": b"".join(chunks),
                            "more_body": message.get("more_body", False)})
                return
            if message.get("more_body", False):
                return
            body = b"".join(chunks)
            headers = MutableHeaders(scope=start)
            etag = headers.get("etag") or f'W/"{hashlib.sha256(body).hexdigest()[:32]}"'
            headers["etag"] = etag
            if "cache-control" not in headers:
                headers["cache-control"] = DEFAULT_CACHE_CONTROL
            if if_none_match and _matches(if_none_match, etag):
                start["status"] = 304
                for name in ("content-length", "content-type", "content-encoding"):
                    if name in headers:
                        del headers[name]
                await send(start)
                await send({"type": "http.response.body", "body": b""})
                return
            await send(start)
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, buffered_send)
