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

from registry.errors import ConfigurationError

from .base import SourceConfig

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


def load_sources(path: Path | None = None, *, kinds: dict | None = None) -> list[SourceConfig]:
    """Read and check the whole configuration up front; every problem is named with its source."""
    if kinds is None:
        from .kinds import harvester_kinds
        kinds = harvester_kinds()
    problems, sources, names = [], [], set()
    for i, entry in enumerate(_entries(path), start=1):
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
            problems += [f"{label}: {p}" for p in kinds[kind].check_options(entry.get("options", {}))]
        if not problems:
            entry = dict(entry)
            entry["urls"] = tuple(entry.get("urls", ()))
            sources.append(SourceConfig(**entry))
    if problems:
        raise ConfigurationError("invalid source configuration:\n  " + "\n  ".join(problems))
    return sources
