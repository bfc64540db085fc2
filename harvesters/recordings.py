"""Recorded HTTP responses, replayed by offline builds and tests.

A recording is keyed by method + URL (query parameters sorted) + request body, and stored
as two files under a folder named after the host: ``<key>.json`` (status, headers, the URL
for humans) and ``<key>.body`` (the decoded body, byte for byte).

>>> import tempfile
>>> recordings = Recordings(tempfile.mkdtemp())
>>> _ = recordings.put("GET", "https://example.org/list?b=2&a=1", None, 200,
...                    {"Content-Type": "text/plain"}, b"hello")
>>> recordings.replay("GET", "https://example.org/list?a=1&b=2").text
'hello'
>>> recordings.replay("GET", "https://example.org/other") is None
True
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Not worth keeping: they describe the transfer or the session, not the resource.
_DROPPED_HEADERS = {"set-cookie", "content-encoding", "content-length", "transfer-encoding",
                    "connection", "keep-alive", "date", "age", "server-timing", "strict-transport-security"}


def canonical_url(url: str, params: Mapping[str, Any] | None = None) -> str:
    """The URL with ``params`` merged in, query sorted, scheme and host lower-cased, no fragment."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    for name, value in (params or {}).items():
        values = value if isinstance(value, (list, tuple)) else [value]
        query.extend((name, str(v)) for v in values if v is not None)
    netloc = parts.netloc.lower()
    scheme = parts.scheme.lower()
    if (scheme, parts.port) in {("http", 80), ("https", 443)}:
        netloc = netloc.rsplit(":", 1)[0]
    return urlunsplit((scheme, netloc, parts.path or "/", urlencode(sorted(query)), ""))


def encode_body(data: Any) -> bytes | None:
    """A request body as the bytes sent: forms are URL-encoded (fields sorted), text is UTF-8."""
    if data is None:
        return None
    if isinstance(data, bytes):
        return data
    if isinstance(data, str):
        return data.encode("utf-8")
    if isinstance(data, Mapping):
        return urlencode(sorted((str(k), str(v)) for k, v in data.items())).encode("ascii")
    raise TypeError(f"cannot send a request body of type {type(data).__name__}")


def recording_key(method: str, url: str, body: Any = None) -> str:
    digest = hashlib.sha256(f"{method.upper()}\n{canonical_url(url)}\n".encode("utf-8"))
    digest.update(encode_body(body) or b"")
    return digest.hexdigest()


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class Recordings:
    """A directory of recorded responses; safe to share between the threads of one client."""

    def __init__(self, directory: str | os.PathLike):
        self.directory = Path(directory)

    def paths(self, method: str, url: str, body: Any = None) -> tuple[Path, Path]:
        key = recording_key(method, url, body)
        host = re.sub(r"[^a-z0-9.-]", "_", urlsplit(canonical_url(url)).netloc) or "_"
        folder = self.directory / host
        return folder / f"{key}.json", folder / f"{key}.body"

    def put(self, method: str, url: str, body: Any, status: int, headers: Mapping[str, str] | None,
            content: bytes | str, *, final_url: str | None = None) -> Path:
        """Store one response (by hand for fixtures, or from a live run); returns the metadata file."""
        meta_path, body_path = self.paths(method, url, body)
        content = content.encode("utf-8") if isinstance(content, str) else bytes(content)
        kept = {k: v for k, v in (headers or {}).items() if k.lower() not in _DROPPED_HEADERS}
        meta = {
            "method": method.upper(),
            "url": canonical_url(url),
            "final_url": final_url or url,
            "status": int(status),
            "headers": kept,
            "body_file": body_path.name,
            "body_sha256": hashlib.sha256(content).hexdigest(),
            "recorded": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
        }
        request_body = encode_body(body)
        if request_body:
            try:  # a query or a form, readable for whoever opens the recording
                meta["request_body"] = request_body.decode("utf-8")
            except UnicodeDecodeError:
                meta["request_body_sha256"] = hashlib.sha256(request_body).hexdigest()
        _write_atomically(body_path, content)
        _write_atomically(meta_path, (json.dumps(meta, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
        return meta_path

    def record(self, method: str, url: str, body: Any, response) -> Path:
        """Store a live :class:`harvesters.http.Response` under the request that produced it."""
        return self.put(method, url, body, response.status, dict(response.headers), response.content,
                        final_url=response.url)

    def replay(self, method: str, url: str, body: Any = None):
        """The recorded :class:`harvesters.http.Response`, or None when nothing was recorded."""
        from .http import Response  # http imports this module; the reverse import waits until here

        meta_path, body_path = self.paths(method, url, body)
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            content = body_path.read_bytes()
        except FileNotFoundError:
            return None
        return Response(url=meta.get("final_url") or meta["url"], status=int(meta["status"]),
                        headers=meta.get("headers", {}), content=content, from_cache=True)
