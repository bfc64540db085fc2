"""A small web site on 127.0.0.1 for the HTTP tests: it logs every request and misbehaves on demand.

Routes: ``/robots.txt`` (``site.robots``, 404 when None, ``site.robots_status`` when set), ``/hello``, ``/ua`` (echoes the
User-Agent), ``/echo`` (POST: echoes the body), ``/etag`` (ETag and 304), ``/last-modified``,
``/flaky?id=..&status=..&after=..`` (fails ``after`` times with ``status`` and Retry-After
``retry``, then 200), ``/always/<status>``, ``/big/<bytes>`` (with Content-Length),
``/stream/<bytes>`` (no length), ``/gzip`` (small gzip body), ``/bomb`` (10 MiB of zeros,
gzip-compressed to ~10 KiB), ``/redirect?to=..``, ``/loop-a`` ↔ ``/loop-b``, ``/chain/<n>``.
"""
from __future__ import annotations

import gzip
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

BOMB = gzip.compress(b"\0" * (10 * 1024 * 1024), compresslevel=9)
ETAG = '"v1"'
LAST_MODIFIED = "Wed, 01 Jan 2025 00:00:00 GMT"


class _Handler(BaseHTTPRequestHandler):
    server: "_Server"

    def log_message(self, *args):  # keep test output clean
        pass

    def _send(self, status: int, body: bytes = b"", headers: dict | None = None, length: bool = True):
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if length:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.site.log(self, body)
        if self.path.startswith("/redirect"):
            return self._route()
        self._send(200, b"posted:" + body, {"Content-Type": "text/plain; charset=utf-8"})

    def do_GET(self):
        self.server.site.log(self, b"")
        self._route()

    def _route(self):
        site, parts = self.server.site, urlsplit(self.path)
        path, query = parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()}
        text = {"Content-Type": "text/plain; charset=utf-8"}
        if path == "/robots.txt":
            if site.robots_status:
                return self._send(site.robots_status, b"robots.txt is down")
            if site.robots is None:
                return self._send(404, b"not here")
            return self._send(200, site.robots.encode(), text)
        if path == "/hello":
            return self._send(200, b"hello", text)
        if path == "/ua":
            return self._send(200, (self.headers.get("User-Agent") or "").encode(), text)
        if path == "/etag":
            if self.headers.get("If-None-Match") == ETAG:
                return self._send(304, headers={"ETag": ETAG})
            return self._send(200, b"etag body", {**text, "ETag": ETAG})
        if path == "/last-modified":
            if self.headers.get("If-Modified-Since") == LAST_MODIFIED:
                return self._send(304)
            return self._send(200, b"dated body", {**text, "Last-Modified": LAST_MODIFIED})
        if path == "/flaky":
            key = query.get("id", "")
            with site.lock:
                site.flaky[key] += 1
                attempt = site.flaky[key]
            if attempt <= int(query.get("after", "1")):
                headers = {"Retry-After": query["retry"]} if "retry" in query else {}
                return self._send(int(query.get("status", "429")), b"slow down", headers)
            return self._send(200, b"finally", text)
        if path.startswith("/always/"):
            return self._send(int(path.rsplit("/", 1)[1]), b"no")
        if path.startswith("/big/"):
            return self._send(200, b"x" * int(path.rsplit("/", 1)[1]), text)
        if path.startswith("/stream/"):
            self.close_connection = True  # no Content-Length: the body ends when the connection does
            return self._send(200, b"x" * int(path.rsplit("/", 1)[1]), text, length=False)
        if path == "/gzip":
            return self._send(200, gzip.compress("gzipped café".encode()),
                              {**text, "Content-Encoding": "gzip"})
        if path == "/bomb":
            return self._send(200, BOMB, {**text, "Content-Encoding": "gzip"})
        if path == "/redirect":
            return self._send(int(query.get("status", "302")), headers={"Location": query["to"]})
        if path == "/loop-a":
            return self._send(302, headers={"Location": "/loop-b"})
        if path == "/loop-b":
            return self._send(302, headers={"Location": "/loop-a"})
        if path.startswith("/chain/"):
            return self._send(302, headers={"Location": f"/chain/{int(path.rsplit('/', 1)[1]) + 1}"})
        self._send(404, b"unknown")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    site: "LoopbackSite"


class LoopbackSite:
    """``with LoopbackSite() as site: site.url("/hello")``; ``site.requests`` lists (time, method, path, headers, body)."""

    def __init__(self, robots: str | None = "User-agent: *\nDisallow: /private\n"):
        self.robots = robots
        self.robots_status: int | None = None  # answer robots.txt with this status instead
        self.requests: list[tuple[float, str, str, dict, bytes]] = []
        self.flaky: Counter = Counter()
        self.lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.site = self
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    def log(self, handler: BaseHTTPRequestHandler, body: bytes) -> None:
        with self.lock:
            self.requests.append((time.monotonic(), handler.command, handler.path, dict(handler.headers), body))

    def paths(self, prefix: str = "/") -> list[str]:
        return [path for _, _, path, _, _ in self.requests if path.startswith(prefix)]

    @property
    def origin(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return self.origin + path

    def start(self) -> "LoopbackSite":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> "LoopbackSite":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
