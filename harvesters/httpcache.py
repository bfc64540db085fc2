"""Validators (ETag, Last-Modified) and bodies of earlier responses, for conditional requests.

An unchanged source then costs one ``304 Not Modified`` and the body comes from here. Kept in
a directory (one JSON file and one body file per URL) or, without a directory, in memory.
"""
from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from pathlib import Path

from .recordings import _write_atomically


@dataclass(frozen=True)
class CachedResponse:
    url: str  # where the body finally came from (after redirects)
    headers: dict[str, str]
    content: bytes

    @property
    def etag(self) -> str | None:
        return _header(self.headers, "ETag")

    @property
    def last_modified(self) -> str | None:
        return _header(self.headers, "Last-Modified")

    def conditional_headers(self) -> dict[str, str]:
        headers = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers


def _header(headers: dict[str, str], name: str) -> str | None:
    return next((v for k, v in headers.items() if k.lower() == name.lower()), None)


class ConditionalCache:
    def __init__(self, directory: Path | None = None):
        self.directory = Path(directory) if directory else None
        self._memory: dict[str, CachedResponse] = {}
        self._lock = threading.Lock()

    @staticmethod
    def key(url: str, accept: str | None) -> str:
        # The same URL negotiated to another media type is another representation.
        return hashlib.sha256(f"{url}\n{accept or ''}".encode("utf-8")).hexdigest()

    def get(self, key: str) -> CachedResponse | None:
        if self.directory is None:
            with self._lock:
                return self._memory.get(key)
        try:
            meta = json.loads((self.directory / f"{key}.json").read_text(encoding="utf-8"))
            content = (self.directory / f"{key}.body").read_bytes()
        except (OSError, ValueError):
            return None
        if hashlib.sha256(content).hexdigest() != meta.get("body_sha256"):
            return None  # a half-written or edited body is no basis for a 304
        return CachedResponse(meta["url"], meta["headers"], content)

    def put(self, key: str, cached: CachedResponse) -> None:
        if not (cached.etag or cached.last_modified):
            return
        if self.directory is None:
            with self._lock:
                self._memory[key] = cached
            return
        # Body first: a crash between the two writes leaves a mismatched hash, never a wrong 304.
        _write_atomically(self.directory / f"{key}.body", cached.content)
        meta = {"url": cached.url, "headers": cached.headers,
                "body_sha256": hashlib.sha256(cached.content).hexdigest()}
        _write_atomically(self.directory / f"{key}.json", json.dumps(meta, indent=2).encode("utf-8"))
