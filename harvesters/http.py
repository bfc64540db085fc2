"""HTTP for harvesters, as a site owner would accept it; live, recording, or replaying recordings.

One :class:`HttpClient` per build. Live requests say who is asking (a User-Agent naming the
project and a contact URL), honour robots.txt, keep to a per-host rate, time out, retry with
backoff (honouring ``Retry-After``), ask conditionally (ETag / Last-Modified) so an unchanged
source costs one 304, refuse bodies over a size limit (also after decompression), follow
redirects only a few times and only to public http(s) addresses. Every failure is an
:class:`HttpError` with a stable ``code``; it is a :class:`~harvesters.base.SourceError`, so an
uncaught one fails the run and keeps the previous graph.

    client = HttpClient(settings)
    page = client.get("https://example.org/members", rate=config.rate)
    page.text, page.not_modified
"""
from __future__ import annotations

import codecs
import json
import re
import time
import zlib
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import urljoin, urlsplit

import requests
import urllib3.exceptions
from requests.structures import CaseInsensitiveDict

from registry.settings import Settings

from .base import SourceError
from .httpcache import CachedResponse, ConditionalCache
from .politeness import HostRateLimiter, RobotsCache, RobotsRules, rules_from_response
from .recordings import Recordings, canonical_url, encode_body
from .urlsafety import GuardedAdapter, UnsafeURL, check_url

try:
    __version__ = metadata.version("collectives-registry")
except metadata.PackageNotFoundError:  # running from a source tree
    __version__ = "0.1"

CONTACT_URL = "https://w3id.org/collectives-nl/"
DEFAULT_USER_AGENT = f"collectives-registry/{__version__} (+{CONTACT_URL})"
MiB = 1024 * 1024
MODES = ("live", "record", "replay")
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
ROBOTS_MAX_BYTES = 512 * 1024  # RFC 9309 asks crawlers to read at least 500 KiB
# Headers that may follow a redirect to another host; anything else (API keys, cookies) may not.
_PORTABLE_HEADERS = {"accept", "accept-language", "if-none-match", "if-modified-since", "user-agent"}
_CHUNK = 64 * 1024


class HttpError(SourceError):
    """A request that failed; ``code`` is stable (``robots_disallowed``, ``too_large``, ...)."""

    def __init__(self, message: str, code: str = "http_error", status: int | None = None):
        super().__init__(message)
        self.code = code
        self.status = status


@dataclass
class Response:
    url: str  # the final URL, after redirects
    status: int
    headers: Mapping[str, str] = field(default_factory=CaseInsensitiveDict)
    content: bytes = b""
    from_cache: bool = False  # the body came from the conditional cache or a recording
    not_modified: bool = False  # the server answered 304: the source has not changed

    def __post_init__(self):
        if not isinstance(self.headers, CaseInsensitiveDict):
            self.headers = CaseInsensitiveDict(self.headers or {})

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()

    @property
    def encoding(self) -> str:
        """A byte-order mark, else the declared charset, else UTF-8 when it decodes, else Windows-1252."""
        return detect_encoding(self.content, self.headers.get("Content-Type", ""))

    @property
    def text(self) -> str:
        return self.content.decode(self.encoding, errors="replace")

    def json(self) -> Any:
        return json.loads(self.text)


_BOMS = [(codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")]
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


def _known(name: str | bytes | None) -> str | None:
    if not name:
        return None
    name = name.decode("ascii", "ignore") if isinstance(name, bytes) else name
    try:
        canonical = codecs.lookup(name.strip().strip("\"'")).name
    except LookupError:
        return None
    # As browsers do: pages labelled Latin-1 or ASCII are Windows-1252 in practice (€, ‘ ’).
    return "cp1252" if canonical in {"latin-1", "iso8859-1", "ascii"} else canonical


def detect_encoding(content: bytes, content_type: str = "") -> str:
    """
    >>> detect_encoding("café".encode("cp1252")), detect_encoding("café".encode()), detect_encoding(b"x", "text/csv; charset=ISO-8859-1")
    ('cp1252', 'utf-8', 'cp1252')
    """
    for bom, name in _BOMS:
        if content.startswith(bom):
            return name
    declared = re.search(r"charset\s*=\s*([^;\s]+)", content_type, re.IGNORECASE)
    if declared and _known(declared.group(1)):
        return _known(declared.group(1))
    if "html" in content_type or content[:100].lstrip().lower().startswith((b"<!doctype html", b"<html")):
        meta = _CHARSET.search(content[:4096])
        if meta and _known(meta.group(1)):
            return _known(meta.group(1))
    try:
        content.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        return "cp1252"


class _BoundedDecoder:
    """Content-Encoding undone in steps that never produce more than the bytes still allowed."""

    def __init__(self, encoding: str, url: str):
        self.kind = encoding.strip().lower() or "identity"
        if self.kind not in {"identity", "gzip", "x-gzip", "deflate"}:
            raise HttpError(f"{url}: unsupported Content-Encoding {encoding!r}", "bad_encoding")
        self.url = url
        self.z = None

    def _new(self, first: bytes):
        if self.kind == "deflate" and not (len(first) >= 2 and (first[0] & 0x0F) == 8
                                           and (first[0] << 8 | first[1]) % 31 == 0):
            return zlib.decompressobj(-zlib.MAX_WBITS)  # raw deflate, as some servers send it
        return zlib.decompressobj(zlib.MAX_WBITS | 32)  # zlib or gzip header, detected

    def feed(self, data: bytes, allowed: int) -> bytes:
        """At most ``allowed + 1`` bytes: one more than allowed tells the caller it is too large."""
        if self.kind == "identity":
            return data
        out = bytearray()
        try:
            while data and len(out) <= allowed:
                if self.z is not None and self.z.eof:
                    if not data.startswith(b"\x1f\x8b"):
                        break  # bytes after the last gzip member: ignored, as browsers do
                    self.z = None  # the next gzip member
                if self.z is None:
                    self.z = self._new(data)
                out += self.z.decompress(data, allowed + 1 - len(out))
                data = self.z.unconsumed_tail or (self.z.unused_data if self.z.eof else b"")
        except zlib.error as exc:
            raise HttpError(f"{self.url}: cannot decompress the body ({exc})", "bad_encoding") from None
        return bytes(out)

    def finish(self) -> None:
        if self.z is not None and not self.z.eof and self.kind != "deflate":
            raise HttpError(f"{self.url}: the compressed body ends early", "bad_encoding")


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds from now: a number of seconds or an HTTP date.

    >>> retry_after_seconds("2"), retry_after_seconds("soon")
    (2.0, None)
    """
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


class HttpClient:
    """See the module documentation.

    ``mode``: ``live``; ``record`` (live, and every response written to ``recordings``); or
    ``replay`` (recordings only, never the network). ``rate`` (per call, else ``default_rate``)
    is requests per second per host; a robots.txt Crawl-delay or Request-rate can only lower it.
    ``retries`` more tries after a connection error, 429 or 5xx, waiting ``Retry-After`` (refused
    above ``max_retry_wait`` seconds) or ``backoff`` × 2^n seconds. ``cache_dir``: where ETags
    and bodies are kept (True: ``data_dir/http-cache``; None: in memory). ``max_seconds`` bounds
    the time to receive one body. ``allow_private`` lets tests reach loopback.
    """

    def __init__(self, settings: Settings, *, mode: str = "live", recordings: Recordings | None = None,
                 user_agent: str = DEFAULT_USER_AGENT, max_bytes: int = 20 * MiB, allow_private: bool = False,
                 max_redirects: int = 5, retries: int = 3, backoff: float = 1.0, max_retry_wait: float = 60.0,
                 default_rate: float = 1.0, max_seconds: float = 300.0, cache_dir: Path | None | bool = True):
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
        if mode in {"record", "replay"} and recordings is None:
            raise ValueError(f"mode {mode!r} needs recordings")
        self.mode, self.recordings = mode, recordings
        self.user_agent, self.max_bytes, self.allow_private = user_agent, max_bytes, allow_private
        self.max_redirects, self.retries, self.backoff = max_redirects, retries, backoff
        self.max_retry_wait, self.default_rate, self.max_seconds = max_retry_wait, default_rate, max_seconds
        self.timeout = (min(settings.http_timeout, 10.0), settings.http_timeout)  # (connect, read)
        if cache_dir is True:
            cache_dir = Path(settings.data_dir) / "http-cache" if settings.data_dir else None
        self.cache = ConditionalCache(cache_dir or None)
        self.limiter = HostRateLimiter()
        self.robots = RobotsCache(self._fetch_robots)
        self.session = requests.Session()
        self.session.headers.update({"User-Agent": user_agent, "Accept-Encoding": "gzip, deflate"})
        if not allow_private:
            adapter = GuardedAdapter(max_retries=0)
            self.session.mount("http://", adapter)
            self.session.mount("https://", adapter)

    def __enter__(self) -> "HttpClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.session.close()

    # -- the public calls -------------------------------------------------------------------

    def get(self, url: str, *, headers: Mapping[str, str] | None = None,
            params: Mapping[str, Any] | None = None, rate: float | None = None) -> Response:
        return self._request("GET", url, params=params, body=None, headers=headers, rate=rate)

    def post(self, url: str, *, data: Any = None, headers: Mapping[str, str] | None = None,
             rate: float | None = None) -> Response:
        headers = dict(headers or {})
        if isinstance(data, Mapping) and not any(k.lower() == "content-type" for k in headers):
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        return self._request("POST", url, params=None, body=encode_body(data), headers=headers, rate=rate)

    def _request(self, method, url, *, params, body, headers, rate) -> Response:
        key_url = canonical_url(url, params) if params else url
        if self.mode == "replay":
            response = self.recordings.replay(method, key_url, body)
            if response is None:
                raise HttpError(f"no recording of {method} {key_url} in {self.recordings.directory}", "not_recorded")
            if response.status >= 400:
                raise HttpError(f"{key_url}: HTTP {response.status} (recorded)", "http_error", response.status)
            return response
        if params:
            prepared = requests.PreparedRequest()
            prepared.prepare_url(url, params)
            url = prepared.url
        response = self._live(method, url, body, dict(headers or {}), rate)
        if self.mode == "record":
            self.recordings.record(method, key_url, body, response)
        return response

    # -- live -------------------------------------------------------------------------------

    def _check(self, url: str) -> None:
        try:
            check_url(url, allow_private=self.allow_private)
        except UnsafeURL as exc:
            raise HttpError(f"{url}: {exc}", exc.code) from None

    def _live(self, method: str, url: str, body: bytes | None, headers: dict[str, str], rate: float | None,
              *, obey_robots: bool = True, max_bytes: int | None = None) -> Response:
        rate = self.default_rate if rate is None else rate
        max_bytes = max_bytes or self.max_bytes
        cache_key = cached = None
        if method == "GET" and obey_robots:
            accept = next((v for k, v in headers.items() if k.lower() == "accept"), None)
            cache_key = self.cache.key(url, accept)
            cached = self.cache.get(cache_key)
            if cached and not any(k.lower().startswith("if-") for k in headers):
                headers.update(cached.conditional_headers())
        visited = set()
        for _ in range(self.max_redirects + 1):
            self._check(url)
            parts = urlsplit(url)
            host_rate = rate
            if obey_robots:
                rules = self.robots.rules(f"{parts.scheme}://{parts.netloc}", rate)
                if not rules.allows(self.user_agent, url):
                    why = rules.refusal or "robots.txt disallows it"
                    raise HttpError(f"{url}: not fetched, {why}", "robots_disallowed")
                delay = rules.crawl_delay(self.user_agent)
                if delay and (not host_rate or 1.0 / host_rate < delay):
                    host_rate = 1.0 / delay
            visited.add((method, url))
            status, response_headers, content = self._exchange(method, url, body, headers, host_rate, max_bytes)
            if status in REDIRECT_STATUSES and response_headers.get("Location"):
                target = urljoin(url, response_headers["Location"].strip())
                if status == 303 or (status in {301, 302} and method == "POST"):
                    method, body = "GET", None
                    headers = {k: v for k, v in headers.items() if k.lower() != "content-type"}
                if urlsplit(target).netloc.lower() != parts.netloc.lower():
                    headers = {k: v for k, v in headers.items() if k.lower() in _PORTABLE_HEADERS}
                if (method, target) in visited:
                    raise HttpError(f"{url}: redirect loop back to {target}", "redirect_loop")
                url = target
                continue
            if status == 304:  # without a cached body the caller sent its own If-* headers
                if cached is None:
                    return Response(url, 304, response_headers, b"", not_modified=True)
                return Response(cached.url, 200, cached.headers, cached.content, from_cache=True, not_modified=True)
            if status >= 400:
                raise HttpError(f"{url}: HTTP {status}", "http_error", status)
            if cache_key and status == 200:
                self.cache.put(cache_key, CachedResponse(url, dict(response_headers), content))
            return Response(url, status, response_headers, content)
        raise HttpError(f"{url}: more than {self.max_redirects} redirects", "too_many_redirects")

    def _exchange(self, method, url, body, headers, rate, max_bytes) -> tuple[int, CaseInsensitiveDict, bytes]:
        """One request with its retries; returns status, headers and the (decoded, bounded) body."""
        host = urlsplit(url).netloc.lower()
        for attempt in range(self.retries + 1):
            self.limiter.wait(host, rate)
            last = attempt == self.retries
            try:
                with self.session.request(method, url, data=body, headers=headers, timeout=self.timeout,
                                          stream=True, allow_redirects=False) as r:
                    if r.status_code in RETRY_STATUSES:
                        wait = retry_after_seconds(r.headers.get("Retry-After"))
                        if last:
                            raise HttpError(f"{url}: HTTP {r.status_code} after {attempt + 1} tries",
                                            "http_error", r.status_code)
                        if wait is not None and wait > self.max_retry_wait:
                            raise HttpError(f"{url}: HTTP {r.status_code}, asked to wait {wait:.0f} s "
                                            f"(more than {self.max_retry_wait:.0f} s); not retried",
                                            "http_error", r.status_code)
                        # Every request to this host waits, not only this one.
                        self.limiter.defer(host, wait if wait is not None else self.backoff * 2 ** attempt)
                        continue
                    return r.status_code, CaseInsensitiveDict(r.headers), self._read(r, url, max_bytes)
            except UnsafeURL as exc:  # the connect-time address check
                raise HttpError(f"{url}: {exc}", exc.code) from None
            except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError,
                    urllib3.exceptions.HTTPError) as exc:  # the body is streamed through urllib3 directly
                timed_out = isinstance(exc, (requests.Timeout, urllib3.exceptions.TimeoutError))
                code = "timeout" if timed_out else "connection_error"
                if last:
                    raise HttpError(f"{url}: {code.replace('_', ' ')} after {attempt + 1} tries "
                                    f"({type(exc).__name__})", code) from None
                self.limiter.defer(host, self.backoff * 2 ** attempt)
            except requests.RequestException as exc:  # malformed URL and the like: retrying will not help
                raise HttpError(f"{url}: {type(exc).__name__}", "invalid_url") from None
        raise AssertionError("unreachable")

    def _read(self, r: requests.Response, url: str, max_bytes: int) -> bytes:
        too_large = HttpError(f"{url}: response larger than {max_bytes} bytes; refused", "too_large")
        decoder = _BoundedDecoder(r.headers.get("Content-Encoding", ""), url)
        length = r.headers.get("Content-Length", "")
        if length.isdigit() and int(length) > max_bytes:
            raise too_large
        deadline = time.monotonic() + self.max_seconds
        received, out = 0, bytearray()
        for chunk in r.raw.stream(_CHUNK, decode_content=False):
            received += len(chunk)
            out += decoder.feed(chunk, max_bytes - len(out))
            if len(out) > max_bytes or received > max_bytes:
                raise too_large
            if time.monotonic() > deadline:
                raise HttpError(f"{url}: body not received within {self.max_seconds:.0f} s", "timeout")
        decoder.finish()
        return bytes(out)

    def _fetch_robots(self, robots_url: str, rate: float | None) -> RobotsRules:
        try:
            response = self._live("GET", robots_url, None, {"Accept": "text/plain"}, rate,
                                  obey_robots=False, max_bytes=ROBOTS_MAX_BYTES)
        except HttpError as exc:
            if exc.status is None and exc.code != "too_large":
                raise  # the host cannot be reached at all: say that, rather than "disallowed"
            return rules_from_response(exc.status, None, f"robots.txt could not be read ({exc.code})")
        return rules_from_response(response.status, response.content)
