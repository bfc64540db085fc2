"""The source configuration file (TOML): every source the registry harvests, as data.

    [[source]]
    name = "curated"            # becomes {base}graph/source/curated
    kind = "curated"
    title = "Curated list of collectives"
    publisher = "..."
    licence = "https://creativecommons.org/licenses/by/4.0/"
    enabled = true
    rate = 1.0                  # requests per second per host
    [source.options]            # what the kind needs (selectors, column mapping, query, ...)
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import fields
from importlib import resources
from pathlib import Path

from registry.errors import ConfigurationError, InvalidInput

from .base import SourceConfig
from .memberships import NetworkDirectory

_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_KNOWN = {f.name for f in fields(SourceConfig)}


# Shipped: the registry's own sources, and ready (disabled) configurations for the networks.
SHIPPED_FILES = ("sources.toml", "networks.toml")


def _entries(path: Path | None) -> list[dict]:
    files = [path] if path else [resources.files("harvesters").joinpath(name) for name in SHIPPED_FILES]
    entries = []
    for file in files:
        try:
            entries += tomllib.loads(file.read_text(encoding="utf-8")).get("source", [])
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigurationError(f"cannot read the source configuration {file}: {exc}") from exc
    return entries


def curated_networks(path: Path | None = None, extra=()) -> NetworkDirectory:
    """The networks ``member_of`` references resolve against: the shipped curated list and the
    curated sources of the configuration at ``path`` (the shipped one by default) and of ``extra``."""
    return NetworkDirectory.from_sources([*_entries(path), *extra])


def load_sources(path: Path | None = None, *, kinds: dict | None = None) -> list[SourceConfig]:
    """Read and check the whole configuration up front; every problem is named with its source."""
    if kinds is None:
        from .kinds import harvester_kinds
        kinds = harvester_kinds()
    problems, sources, names = [], [], set()
    entries = _entries(path)
    networks = NetworkDirectory.from_sources(entries)  # the curated lists are read only if referenced
    for i, entry in enumerate(entries, start=1):
        label = f"source #{i} ({entry.get('name', '?')})"
        unknown = set(entry) - _KNOWN
        if unknown:
            problems.append(f"{label}: unknown setting(s) {', '.join(sorted(unknown))}")
            continue
        name, kind = entry.get("name"), entry.get("kind")
        if not isinstance(name, str) or not _NAME.match(name):
            problems.append(f"{label}: name must be lower-case letters, digits and '-'")
        elif name in names:
            problems.append(f"{label}: the name {name!r} is used twice")
        names.add(name)
        if kind not in kinds:
            problems.append(f"{label}: unknown kind {kind!r} (known: {', '.join(sorted(kinds))})")
        for url in [entry.get("url"), *entry.get("urls", [])]:
            if url is not None and not (isinstance(url, str) and re.match(r"^https?://\S+$", url)):
                problems.append(f"{label}: not an http(s) URL: {url!r}")
        rate = entry.get("rate", 1.0)
        if not isinstance(rate, (int, float)) or rate <= 0:
            problems.append(f"{label}: rate must be a positive number of requests per second")
        if not isinstance(entry.get("options", {}), dict):
            problems.append(f"{label}: options must be a table")
        elif kind in kinds and hasattr(kinds[kind], "check_options"):
            option_problems = kinds[kind].check_options(entry.get("options", {}))
            if not option_problems and hasattr(kinds[kind], "check_references"):
                # member_of must name a network of a curated list: this configuration's or the shipped one
                option_problems = kinds[kind].check_references(entry.get("options", {}), networks)
            problems += [f"{label}: {p}" for p in option_problems]
        if not problems:
            entry = dict(entry)
            entry["urls"] = tuple(entry.get("urls", ()))
            sources.append(SourceConfig(**entry))
    if problems:
        raise ConfigurationError("invalid source configuration:\n  " + "\n  ".join(problems))
    return sources


def select_sources(sources: list[SourceConfig], names: list[str] | None = None) -> list[SourceConfig]:
    """The enabled sources, or exactly the named ones (enabled or not) in the order given.

    An unknown name is an error with the stable code ``unknown_source`` that lists them all.
    """
    if names is None:
        return [s for s in sources if s.enabled]
    configured = {s.name: s for s in sources}
    wanted = list(dict.fromkeys(names))
    unknown = [name for name in wanted if name not in configured]
    if unknown:
        raise InvalidInput(f"unknown source(s): {', '.join(n[:100] for n in unknown)} "
                           f"(configured: {', '.join(sorted(configured))})", code="unknown_source")
    return [configured[name] for name in wanted]
