import pytest

from registry.errors import ConfigurationError
from registry.settings import Settings


def test_read_from_environment():
    s = Settings.from_env({"COLLECTIVES_BASE_IRI": "https://example.org/reg/", "COLLECTIVES_STORE": "memory",
                           "COLLECTIVES_OFFLINE": "yes", "COLLECTIVES_QUERY_TIMEOUT": "2.5",
                           "COLLECTIVES_CORS_ORIGINS": "https://a.example, https://b.example"})
    assert s.base_iri == "https://example.org/reg/" and s.offline and s.query_timeout == 2.5
    assert s.cors_origins == ("https://a.example", "https://b.example")
    assert str(s.iris.collective("x")) == "https://example.org/reg/id/collective/x"


def test_data_dir_moves_the_default_store():
    assert Settings.from_env({"COLLECTIVES_DATA_DIR": "/tmp/reg"}).store == "oxigraph:/tmp/reg/store"


@pytest.mark.parametrize("env", [{"COLLECTIVES_STORE": "mysql:x"}, {"COLLECTIVES_OFFLINE": "maybe"},
                                 {"COLLECTIVES_QUERY_TIMEOUT": "soon"}, {"COLLECTIVES_BASE_IRI": "ftp://x/"}])
def test_bad_values_are_clear_errors(env):
    with pytest.raises(ConfigurationError):
        Settings.from_env(env)


def test_secrets_are_not_in_repr():
    assert "s3cret" not in repr(Settings(admin_token="s3cret"))
