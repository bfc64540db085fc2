"""The site as a whole: every link from / answers 200, HTML is self-contained, CORS, sub-path, OpenAPI."""
from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import httpx
import pytest

from api.app import create_app
from tests.fixtures.api.support import LiveServer, api_settings, fixture_store


BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links, self.assets = [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag in ("script", "img", "link") and (attrs.get("src") or attrs.get("href")):
            self.assets.append(attrs.get("src") or attrs.get("href"))


@pytest.fixture(scope="module")
def server():
    app = create_app(api_settings(), fixture_store())
    with LiveServer(app) as live:
        yield live


def crawl(start: str, limit: int = 300) -> dict[str, int]:
    host = urlsplit(start).netloc
    seen, queue, statuses = set(), [start], {}
    with httpx.Client(timeout=30, headers={"accept": BROWSER}) as client:
        while queue and len(seen) < limit:
            url = queue.pop(0).split("#")[0]
            if url in seen or urlsplit(url).netloc != host:
                continue
            seen.add(url)
            r = client.get(url)
            statuses[url] = r.status_code
            if r.headers.get("content-type", "").startswith("text/html"):
                parser = Links()
                parser.feed(r.text)
                assets = [urljoin(url, a) for a in parser.assets]
                external = [a for a in assets if urlsplit(a).netloc != host]
                assert not external, f"external assets on {url}: {external}"
                queue += [urljoin(url, href) for href in parser.links] + assets
    return statuses


def test_crawl_every_link_from_home(server):
    statuses = crawl(server.url + "/")
    assert len(statuses) > 15
    broken = {url: status for url, status in statuses.items() if status != 200}
    assert not broken


def test_pages_have_accessible_basics(server):
    for path in ["/", "/collectives?format=html", "/collectives/c-fixture00001?format=html",
                 "/municipalities/GM9901?format=html", "/sparql?format=html", "/networks?format=html"]:
        r = httpx.get(server.url + path)
        assert r.status_code == 200, path
        assert '<html lang="' in r.text and "<main" in r.text and "<h1>" in r.text
        assert "https://cdn" not in r.text and "<script" not in r.text


def test_municipality_page_has_chart_and_map(server):
    text = httpx.get(server.url + "/municipalities/GM9901", headers={"accept": "text/html"}).text
    assert text.count("<svg") == 2 and "Energiecoöperatie Voorbeelddorp" in text


def test_html_escapes_data():
    store = fixture_store()
    store.update('INSERT DATA { GRAPH <https://example.org/cc/graph/source/fixture> { '
                 '<https://example.org/cc/id/collective/c-fixture00001> <http://schema.org/alternateName> '
                 '"<script>alert(1)</script>" } }')
    app = create_app(api_settings(), store)
    with LiveServer(app) as live:
        text = httpx.get(live.url + "/collectives/c-fixture00001", headers={"accept": "text/html"}).text
        assert "<script>alert" not in text and "&lt;script&gt;" in text


def test_cors(server):
    r = httpx.get(server.url + "/collectives", headers={"origin": "https://app.example.org"})
    assert r.headers["access-control-allow-origin"] == "https://app.example.org"
    r = httpx.get(server.url + "/collectives", headers={"origin": "https://elsewhere.example.org"})
    assert "access-control-allow-origin" not in r.headers
    pre = httpx.options(server.url + "/sparql", headers={"origin": "https://app.example.org",
                                                         "access-control-request-method": "POST"})
    assert pre.status_code == 200


def test_openapi_and_docs(server):
    spec = httpx.get(server.url + "/openapi.json").json()
    for path in ["/sparql", "/collectives", "/collectives/{ident}", "/municipalities/{code}", "/validate",
                 "/reconcile", "/stats/{name}", "/dataset"]:
        assert path in spec["paths"], path
    docs = httpx.get(server.url + "/docs")
    assert docs.status_code == 200


def test_unknown_path_is_problem(server):
    r = httpx.get(server.url + "/nothing-here")
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
    r = httpx.delete(server.url + "/collectives")
    assert r.status_code == 405 and r.json()["code"] == "method_not_allowed"


def test_under_a_sub_path():
    app = create_app(api_settings(), fixture_store())
    with LiveServer(app, root_path="/registry") as live:
        # a proxy strips /registry before passing the request on; links in pages keep it
        text = httpx.get(live.url + "/", headers={"accept": "text/html"}).text
        assert 'href="/registry/sparql"' in text
        redirect = httpx.get(live.url + "/id/collective/c-fixture00001", follow_redirects=False)
        assert redirect.headers["location"] == "/registry/collectives/c-fixture00001"
        spec = httpx.get(live.url + "/openapi.json").json()
        assert spec.get("servers", [{}])[0].get("url") == "/registry"
