"""Recordings: a live run writes them, an offline run replays them without touching the network."""
from __future__ import annotations

import json

import pytest
import requests

from harvesters.http import HttpClient, HttpError
from harvesters.recordings import Recordings, canonical_url, recording_key
from registry.settings import Settings
from tests.loopback import LoopbackSite


@pytest.fixture
def settings(tmp_path):
    return Settings(store="memory", data_dir=tmp_path / "data", http_timeout=5.0)


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("replay touched the network")
    monkeypatch.setattr(requests.Session, "send", refuse)


def test_record_then_replay_with_the_server_stopped(settings, tmp_path, monkeypatch):
    recordings = Recordings(tmp_path / "recordings")
    with LoopbackSite() as site, HttpClient(settings, mode="record", recordings=recordings,
                                            allow_private=True, default_rate=1000.0) as live:
        page = live.get(site.url("/hello"), params={"b": "2", "a": "1"})
        posted = live.post(site.url("/echo"), data={"query": "SELECT ?s {}"})
        moved = live.get(site.url("/redirect?to=/gzip"))
        urls = {name: site.url(path) for name, path in [("hello", "/hello"), ("echo", "/echo"),
                                                        ("moved", "/redirect?to=/gzip")]}
    monkeypatch.setattr(requests.Session, "send", lambda *a, **k: pytest.fail("replay touched the network"))
    with HttpClient(settings, mode="replay", recordings=recordings) as offline:
        again = offline.get(urls["hello"] + "?a=1&b=2")  # same query, another order
        assert (again.status, again.content, again.from_cache) == (200, page.content, True)
        assert again.headers["content-type"] == "text/plain; charset=utf-8"
        assert offline.post(urls["echo"], data={"query": "SELECT ?s {}"}).text == posted.text
        replayed = offline.get(urls["moved"])
        assert replayed.text == moved.text == "gzipped café" and replayed.url.endswith("/gzip")
        with pytest.raises(HttpError) as caught:  # another body is another recording
            offline.post(urls["echo"], data={"query": "ASK {}"})
        assert caught.value.code == "not_recorded"


def test_a_missing_recording_is_an_error_naming_the_url(settings, tmp_path, no_network):
    with HttpClient(settings, mode="replay", recordings=Recordings(tmp_path / "empty")) as offline:
        with pytest.raises(HttpError) as caught:
            offline.get("https://example.org/members", params={"page": 2})
    assert caught.value.code == "not_recorded"
    assert "https://example.org/members?page=2" in str(caught.value)


def test_a_recording_put_by_hand_is_replayed(settings, tmp_path, no_network):
    recordings = Recordings(tmp_path)
    meta_path = recordings.put("GET", "https://Example.org:443/list?x=1#top", None, 200,
                               {"Content-Type": "application/json", "Set-Cookie": "s=1"}, '{"items": []}')
    meta = json.loads(meta_path.read_text())
    assert meta["url"] == "https://example.org/list?x=1" and meta["status"] == 200
    assert "Set-Cookie" not in meta["headers"]
    assert meta_path.parent.name == "example.org"
    assert (meta_path.parent / meta["body_file"]).read_bytes() == b'{"items": []}'
    with HttpClient(settings, mode="replay", recordings=recordings) as offline:
        assert offline.get("https://example.org/list", params={"x": 1}).json() == {"items": []}


def test_a_recorded_error_is_replayed_as_the_same_error(settings, tmp_path, no_network):
    recordings = Recordings(tmp_path)
    recordings.put("GET", "https://example.org/broken", None, 500, {}, b"oops")
    with HttpClient(settings, mode="replay", recordings=recordings) as offline, pytest.raises(HttpError) as caught:
        offline.get("https://example.org/broken")
    assert (caught.value.code, caught.value.status) == ("http_error", 500)


def test_the_key_is_method_url_and_body():
    assert recording_key("GET", "https://example.org/a?b=2&a=1") == recording_key("get", "https://EXAMPLE.org/a?a=1&b=2")
    assert recording_key("GET", "https://example.org/a") != recording_key("POST", "https://example.org/a")
    assert recording_key("POST", "https://example.org/a", {"q": "1"}) != recording_key("POST", "https://example.org/a", {"q": "2"})
    assert recording_key("POST", "https://example.org/a", {"q": "1", "r": "2"}) == \
        recording_key("POST", "https://example.org/a", "q=1&r=2")
    assert canonical_url("http://example.org", {"page": [1, 2]}) == "http://example.org/?page=1&page=2"


def test_record_and_replay_modes_need_recordings(settings):
    with pytest.raises(ValueError):
        HttpClient(settings, mode="replay")
    with pytest.raises(ValueError):
        HttpClient(settings, mode="sideways", recordings=Recordings("."))


def test_an_offline_build_replays_and_a_recording_build_records(tmp_path):
    from harvesters.build import SHIPPED_RECORDINGS, open_http
    with open_http(Settings(store="memory", offline=True)) as client:
        assert client.mode == "replay" and client.recordings.directory == SHIPPED_RECORDINGS
    with open_http(Settings(store="memory", offline=True, recordings_dir=tmp_path)) as client:
        assert client.recordings.directory == tmp_path
    with open_http(Settings(store="memory", data_dir=tmp_path)) as client:
        assert client.mode == "live"


def test_the_municipality_register_is_replayed_from_a_recording(reference_dir, tmp_path, no_network):
    import io

    from harvesters.tooi import load_reference
    settings = Settings(store="memory", offline=True, recordings_dir=tmp_path)
    recordings = Recordings(tmp_path)
    for url in (settings.tooi_municipalities_url, settings.tooi_provinces_url):
        local = reference_dir / url.rsplit("/", 1)[1]
        recordings.put("GET", url, None, 200, {"Content-Type": "application/json"}, local.read_bytes())
    log = io.StringIO()
    with HttpClient(settings, mode="replay", recordings=recordings) as offline:
        reference = load_reference(settings, http=offline, log=log)
    assert len(reference.municipalities) == 605
    assert "(recorded)" in log.getvalue() and log.getvalue().count("\n") == 1
