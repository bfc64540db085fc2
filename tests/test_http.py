"""The HTTP client's politeness and limits, measured against a web site on loopback."""
from __future__ import annotations

import socket
import threading
import time

import pytest
import urllib3.util.connection

from harvesters import urlsafety
from harvesters.base import SourceError
from harvesters.politeness import RobotsRules
from harvesters.http import HttpClient, HttpError, Response, detect_encoding, retry_after_seconds
from tests.loopback import LoopbackSite
from registry.settings import Settings

RATE = 20.0  # requests per second: small enough to measure, fast enough for a quick test


@pytest.fixture(scope="module")
def site():
    with LoopbackSite() as running:
        yield running


@pytest.fixture
def settings(tmp_path):
    return Settings(store="memory", data_dir=tmp_path, http_timeout=5.0)


@pytest.fixture
def client(settings):
    # Loopback is a private address: allowed here, refused by default.
    with HttpClient(settings, allow_private=True, default_rate=1000.0, retries=2, backoff=0.01) as c:
        yield c


def error_of(call, *args, **kwargs) -> HttpError:
    with pytest.raises(HttpError) as caught:
        call(*args, **kwargs)
    return caught.value


def test_the_user_agent_names_the_project_and_a_contact(client, site):
    seen = client.get(site.url("/ua")).text
    assert seen.startswith("collectives-registry/") and "https://w3id.org/collectives-nl/" in seen


def test_the_rate_limit_spaces_requests_to_one_host(client, site):
    client.get(site.url("/hello"))  # robots.txt fetched and the host known before timing
    n = 6
    start = time.monotonic()
    for _ in range(n):
        client.get(site.url("/hello"), rate=RATE)
    elapsed = time.monotonic() - start
    assert elapsed >= (n - 1) / RATE - 0.01, elapsed


def test_the_rate_limit_holds_across_threads(client, site):
    client.get(site.url("/hello"))
    before = len(site.requests)
    threads = [threading.Thread(target=lambda: [client.get(site.url("/hello"), rate=RATE) for _ in range(3)])
               for _ in range(4)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - start
    assert elapsed >= 11 / RATE - 0.01, elapsed
    times = sorted(t for t, *_ in site.requests[before:])
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert len(times) == 12 and min(gaps) >= 1 / RATE * 0.8, gaps


def test_robots_txt_disallow_is_refused_and_fetched_once(settings):
    with LoopbackSite() as site, HttpClient(settings, allow_private=True, default_rate=1000.0) as client:
        error = error_of(client.get, site.url("/private/members"))
        assert error.code == "robots_disallowed" and isinstance(error, SourceError)
        assert client.get(site.url("/hello")).text == "hello"
        error_of(client.get, site.url("/private/other"))
        assert site.paths("/robots.txt") == ["/robots.txt"]
        assert "/private/members" not in site.paths()


def test_a_missing_robots_txt_allows_everything(settings):
    with LoopbackSite(robots=None) as site, HttpClient(settings, allow_private=True, default_rate=1000.0) as client:
        assert client.get(site.url("/hello")).status == 200
        assert site.paths() == ["/robots.txt", "/hello"]


def test_a_failing_robots_txt_allows_nothing(settings):
    with LoopbackSite() as site, HttpClient(settings, allow_private=True, default_rate=1000.0, retries=0) as client:
        site.robots_status = 503
        error = error_of(client.get, site.url("/hello"))
        assert error.code == "robots_disallowed" and "robots.txt could not be read" in str(error)
        assert site.paths() == ["/robots.txt"]


def test_a_request_rate_in_robots_txt_slows_the_client_down(settings):
    with LoopbackSite(robots="User-agent: *\nRequest-rate: 5/1\n") as site, \
            HttpClient(settings, allow_private=True, default_rate=1000.0) as client:
        client.get(site.url("/hello"))
        start = time.monotonic()
        client.get(site.url("/hello"))
        assert time.monotonic() - start >= 0.19


def test_429_with_retry_after_is_waited_for_then_succeeds(client, site):
    client.get(site.url("/hello"))
    start = time.monotonic()
    response = client.get(site.url("/flaky?id=429&status=429&retry=1&after=1"))
    waited = time.monotonic() - start
    assert response.text == "finally"
    assert 0.95 <= waited < 3, waited
    assert site.flaky["429"] == 2


def test_retry_after_longer_than_the_cap_is_not_retried(settings, site):
    with HttpClient(settings, allow_private=True, default_rate=1000.0, max_retry_wait=0.5) as client:
        error = error_of(client.get, site.url("/flaky?id=long&status=503&retry=120&after=1"))
        assert error.status == 503 and "120" in str(error)
        assert site.flaky["long"] == 1


def test_500_is_retried_with_backoff_then_fails(client, site):
    before = len(site.paths("/always/500"))
    error = error_of(client.get, site.url("/always/500"))
    assert (error.code, error.status) == ("http_error", 500)
    assert len(site.paths("/always/500")) - before == 3  # the request and two retries


def test_a_transient_500_is_retried(client, site):
    assert client.get(site.url("/flaky?id=500&status=500&after=2")).text == "finally"


def test_404_is_not_retried(client, site):
    error = error_of(client.get, site.url("/always/404"))
    assert error.status == 404 and site.paths("/always/404") == ["/always/404"]


def test_connection_refused_is_retried_then_reported(client):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert error_of(client.get, f"http://127.0.0.1:{port}/x").code == "connection_error"


def test_etag_makes_an_unchanged_source_cost_one_304(client, site):
    first = client.get(site.url("/etag"))
    assert (first.content, first.not_modified) == (b"etag body", False)
    second = client.get(site.url("/etag"))
    assert site.requests[-1][3].get("If-None-Match") == '"v1"'
    assert (second.content, second.not_modified, second.from_cache, second.status) == (b"etag body", True, True, 200)


def test_last_modified_is_sent_back_as_if_modified_since(client, site):
    client.get(site.url("/last-modified"))
    again = client.get(site.url("/last-modified"))
    assert again.not_modified and again.text == "dated body"


def test_validators_are_kept_on_disk_for_the_next_build(settings, site):
    with HttpClient(settings, allow_private=True, default_rate=1000.0) as client:
        client.get(site.url("/etag"))
    assert list((settings.data_dir / "http-cache").glob("*.json"))
    with HttpClient(settings, allow_private=True, default_rate=1000.0) as client:
        assert client.get(site.url("/etag")).not_modified


def test_an_oversize_body_is_refused(settings, site):
    with HttpClient(settings, allow_private=True, default_rate=1000.0, max_bytes=1024) as client:
        assert client.get(site.url("/big/1024")).content == b"x" * 1024
        assert error_of(client.get, site.url("/big/1025")).code == "too_large"  # by Content-Length
        assert error_of(client.get, site.url("/stream/200000")).code == "too_large"  # while streaming


def test_a_gzip_bomb_is_refused(settings, site):
    with HttpClient(settings, allow_private=True, default_rate=1000.0, max_bytes=1024 * 1024) as client:
        assert client.get(site.url("/gzip")).text == "gzipped café"
        start = time.monotonic()
        assert error_of(client.get, site.url("/bomb")).code == "too_large"
        assert time.monotonic() - start < 2


def test_redirects_are_followed_and_loops_stopped(client, site):
    followed = client.get(site.url("/redirect?to=/hello"))
    assert followed.text == "hello" and followed.url == site.url("/hello")
    assert error_of(client.get, site.url("/loop-a")).code == "redirect_loop"
    assert error_of(client.get, site.url("/chain/0")).code == "too_many_redirects"
    assert len(site.paths("/chain/")) == 6  # the request and five redirects


def test_a_redirect_to_a_disallowed_path_is_refused(client, site):
    assert error_of(client.get, site.url("/redirect?to=/private/x")).code == "robots_disallowed"


def test_a_303_after_post_becomes_a_get(client, site):
    assert client.post(site.url("/redirect?status=303&to=/hello"), data={"q": "1"}).text == "hello"
    assert site.requests[-1][1] == "GET"


def test_post_sends_a_form(client, site):
    assert client.post(site.url("/echo"), data={"query": "SELECT * {}"}).text == "posted:query=SELECT+%2A+%7B%7D"


@pytest.mark.parametrize("url", ["ftp://example.org/file", "file:///etc/passwd", "gopher://x/", "http:///nohost"])
def test_only_http_urls_are_fetched(client, url):
    assert error_of(client.get, url).code in {"scheme_not_allowed", "invalid_url"}


@pytest.fixture
def no_connections(monkeypatch):
    """Any attempt to open a socket fails the test: refusals must come before a connection."""
    def refuse(*args, **kwargs):
        raise AssertionError(f"a connection was attempted: {args}")
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(urllib3.util.connection, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


@pytest.mark.parametrize("url", ["http://10.0.0.1/", "http://127.0.0.1:9/", "http://169.254.169.254/latest/",
                                 "http://[::1]/", "http://192.168.1.1/", "http://0.0.0.0/", "http://localhost/"])
def test_private_addresses_are_refused_before_any_connection(settings, no_connections, url):
    with HttpClient(settings) as client:
        assert error_of(client.get, url).code == "address_not_allowed"


def test_a_redirect_to_a_private_address_is_refused(settings, site, monkeypatch):
    # Let loopback count as public for this test, so only the redirect target is private.
    real = urlsafety.is_public_address
    monkeypatch.setattr(urlsafety, "is_public_address", lambda a: a == "127.0.0.1" or real(a))
    with HttpClient(settings, default_rate=1000.0) as client:
        assert client.get(site.url("/hello")).text == "hello"
        error = error_of(client.get, site.url("/redirect?to=http://10.0.0.1/admin"))
        assert error.code == "address_not_allowed"


def test_the_connection_checks_the_address_again(settings, site, monkeypatch):
    # A name that resolved to a public address at first and to loopback when connecting.
    real = urlsafety.is_public_address
    answers = iter([True])
    monkeypatch.setattr(urlsafety, "is_public_address", lambda a: next(answers, False) if a == "127.0.0.1" else real(a))
    before = len(site.requests)
    with HttpClient(settings, default_rate=1000.0) as client:
        client.robots._rules[site.origin] = RobotsRules()  # no robots.txt request to muddle the count
        assert error_of(client.get, site.url("/hello")).code == "address_not_allowed"
    assert len(site.requests) == before


def test_text_encoding_detection():
    assert Response("u", 200, {"content-type": "text/html; charset=windows-1252"}, "€".encode("cp1252")).text == "€"
    assert Response("u", 200, {}, "\ufeffzoë".encode("utf-8")).text == "zoë"
    assert Response("u", 200, {}, "Zoë".encode("cp1252")).text == "Zoë"
    assert Response("u", 200, {}, "Zoë".encode("utf-16")).text == "Zoë"
    html = '<html><head><meta charset="iso-8859-1"></head><body>€</body></html>'.encode("cp1252")
    assert "€" in Response("u", 200, {"Content-Type": "text/html"}, html).text
    assert detect_encoding(b"plain", "text/plain; charset=nonsense") == "utf-8"
    assert Response("u", 200, {"CONTENT-TYPE": "application/json"}, b'{"a": 1}').json() == {"a": 1}
    assert Response("u", 200, {"CONTENT-TYPE": "application/json"}).headers["content-type"] == "application/json"


def test_retry_after_accepts_seconds_and_http_dates():
    from datetime import datetime, timezone
    now = datetime(2025, 1, 1, tzinfo=timezone.utc)
    assert retry_after_seconds("3", now) == 3.0
    assert retry_after_seconds("Wed, 01 Jan 2025 00:00:10 GMT", now) == 10.0
    assert retry_after_seconds("Tue, 31 Dec 2024 00:00:00 GMT", now) == 0.0
    assert retry_after_seconds("later", now) is None
