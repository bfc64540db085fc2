"""The source configuration is checked up front, with every problem named."""
import pytest

from harvesters.config import load_sources
from registry.errors import ConfigurationError


def write(tmp_path, text):
    path = tmp_path / "sources.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_configuration_loads_with_the_curated_source_enabled():
    sources = {s.name: s for s in load_sources()}
    assert sources["curated"].enabled
    assert sum(s.enabled for s in sources.values()) >= 1
    assert all(not s.enabled for s in sources.values() if s.name != "curated")  # unverified pages stay off


def test_every_problem_is_reported_at_once(tmp_path):
    path = write(tmp_path, """
[[source]]
name = "Bad Name"
kind = "nope"
[[source]]
name = "twice"
kind = "curated"
url = "ftp://example.org/list"
rate = 0
[[source]]
name = "twice"
kind = "curated"
colour = "blue"
[[source]]
name = "table-source"
kind = "table"
[source.options]
no_such_option = 1
""")
    with pytest.raises(ConfigurationError) as info:
        load_sources(path)
    message = str(info.value)
    for expected in ["lower-case", "unknown kind 'nope'", "not an http(s) URL", "rate must be",
                     "unknown setting(s) colour", "no_such_option"]:
        assert expected in message, expected


def test_unreadable_file_is_a_configuration_error(tmp_path):
    with pytest.raises(ConfigurationError):
        load_sources(write(tmp_path, "[[source]\nname="))
    with pytest.raises(ConfigurationError):
        load_sources(tmp_path / "missing.toml")
