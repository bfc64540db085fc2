"""Typed settings, read once from ``COLLECTIVES_*`` environment variables and passed in.

>>> s = Settings.from_env({"COLLECTIVES_STORE": "memory", "COLLECTIVES_OFFLINE": "1"})
>>> s.store, s.offline
('memory', True)
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Mapping

from .errors import ConfigurationError
from .namespaces import DEFAULT_BASE, RegistryIRIs

PREFIX = "COLLECTIVES_"
TOOI_MUNICIPALITIES_URL = (
    "https://repository.officiele-overheidspublicaties.nl/waardelijsten/"
    "rwc_gemeenten_compleet/4/json/rwc_gemeenten_compleet_4.json"
)
TOOI_PROVINCES_URL = (
    "https://repository.officiele-overheidspublicaties.nl/waardelijsten/"
    "rwc_provincies_compleet/1/json/rwc_provincies_compleet_1.json"
)


def _bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ConfigurationError(f"not a boolean: {value!r}")


def _number(name: str, value: str, kind=float):
    try:
        return kind(value)
    except ValueError:
        raise ConfigurationError(f"{PREFIX}{name} must be a number, got {value!r}") from None


@dataclass(frozen=True)
class Settings:
    base_iri: str = DEFAULT_BASE
    # "oxigraph:PATH" (persistent), "memory" (tests), or "sparql:QUERY_URL[,UPDATE_URL]"
    store: str = "oxigraph:var/store"
    data_dir: Path = Path("var")
    sources_file: Path | None = None
    decisions_file: Path | None = None  # curated match decisions; default {data_dir}/decisions.toml
    reference_dir: Path | None = None  # a local copy of the TOOI registers
    tooi_municipalities_url: str = TOOI_MUNICIPALITIES_URL
    tooi_provinces_url: str = TOOI_PROVINCES_URL
    offline: bool = False
    recordings_dir: Path | None = None
    record: bool = False  # write every live response into recordings_dir
    allow_private_addresses: bool = False  # let harvesters reach loopback and private networks
    admin_token: str | None = field(default=None, repr=False)
    store_user: str | None = None
    store_password: str | None = field(default=None, repr=False)
    query_timeout: float = 10.0
    result_cap: int = 10_000
    http_timeout: float = 20.0
    cors_origins: tuple[str, ...] = ()
    root_path: str = ""  # the sub-path the API is served under behind a proxy, e.g. /registry

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Settings":
        env = os.environ if environ is None else environ
        get = lambda name: env.get(PREFIX + name)  # noqa: E731
        values: dict = {}
        for name, attr in [("BASE_IRI", "base_iri"), ("STORE", "store"),
                           ("TOOI_MUNICIPALITIES_URL", "tooi_municipalities_url"),
                           ("TOOI_PROVINCES_URL", "tooi_provinces_url"),
                           ("ADMIN_TOKEN", "admin_token"), ("STORE_USER", "store_user"),
                           ("STORE_PASSWORD", "store_password"), ("ROOT_PATH", "root_path")]:
            if get(name):
                values[attr] = get(name)
        for name, attr in [("DATA_DIR", "data_dir"), ("SOURCES", "sources_file"), ("DECISIONS", "decisions_file"),
                           ("REFERENCE_DIR", "reference_dir"), ("RECORDINGS", "recordings_dir")]:
            if get(name):
                values[attr] = Path(get(name))
        for name, attr in [("OFFLINE", "offline"), ("RECORD", "record"),
                           ("ALLOW_PRIVATE_ADDRESSES", "allow_private_addresses")]:
            if get(name) is not None:
                values[attr] = _bool(get(name))
        if get("QUERY_TIMEOUT"):
            values["query_timeout"] = _number("QUERY_TIMEOUT", get("QUERY_TIMEOUT"))
        if get("HTTP_TIMEOUT"):
            values["http_timeout"] = _number("HTTP_TIMEOUT", get("HTTP_TIMEOUT"))
        if get("RESULT_CAP"):
            values["result_cap"] = _number("RESULT_CAP", get("RESULT_CAP"), int)
        if get("CORS_ORIGINS"):
            values["cors_origins"] = tuple(o.strip() for o in get("CORS_ORIGINS").split(",") if o.strip())
        if "data_dir" in values and "store" not in values:
            values["store"] = f"oxigraph:{values['data_dir'] / 'store'}"
        settings = cls(**values)
        settings.check()
        return settings

    def check(self) -> None:
        if not self.base_iri.startswith(("http://", "https://")):
            raise ConfigurationError(f"{PREFIX}BASE_IRI must be an http(s) IRI, got {self.base_iri!r}")
        if self.record and not self.recordings_dir:
            raise ConfigurationError(f"{PREFIX}RECORD needs a directory in {PREFIX}RECORDINGS")
        kind = self.store.split(":", 1)[0]
        if kind not in {"oxigraph", "memory", "sparql"}:
            raise ConfigurationError(
                f"{PREFIX}STORE must be oxigraph:PATH, memory or sparql:QUERY_URL[,UPDATE_URL]; got {self.store!r}")

    @property
    def decisions_path(self) -> Path:
        return self.decisions_file or self.data_dir / "decisions.toml"

    @property
    def iris(self) -> RegistryIRIs:
        return RegistryIRIs(self.base_iri)

    def with_(self, **changes) -> "Settings":
        return replace(self, **changes)
