"""The TOOI municipality and province registers: through the build's HTTP client (live, or a
recording when offline), else from a local copy (``COLLECTIVES_REFERENCE_DIR``).

Where neither can be read the registry says so in one line and goes on without municipality
names and merges (collectives keep their CBS codes and TOOI IRIs).
"""
from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import urlsplit

from registry.reference import Reference
from registry.settings import Settings

from .http import HttpClient


def _read(url: str, local_dir: Path | None, settings: Settings, http=None) -> tuple[bytes | None, str]:
    """The register's bytes and where they came from, or None and what was tried.

    With a client: its answer (live, or a recording when offline). Without one: a live
    download unless offline. Then the local copy.
    """
    problems = []
    if http is not None or not settings.offline:
        client = http if http is not None else HttpClient(settings)
        try:
            content = client.get(url).content
            return content, f"{url} (recorded)" if client.mode == "replay" else url
        except Exception as exc:  # unreachable, refused or not recorded: fall back to the local copy
            problems.append(f"{url}: {getattr(exc, 'code', type(exc).__name__)}")
        finally:
            if http is None:
                client.close()
    if local_dir:
        path = local_dir / Path(urlsplit(url).path).name
        try:
            return path.read_bytes(), str(path)
        except OSError as exc:
            problems.append(f"{path}: {exc.strerror}")
    return None, "; ".join(problems) or "offline and no local copy configured (COLLECTIVES_REFERENCE_DIR)"


def load_reference(settings: Settings, http=None, log=None) -> Reference:
    log = log or sys.stderr  # looked up at call time: tests and callers swap streams
    municipalities, where = _read(settings.tooi_municipalities_url, settings.reference_dir, settings, http)
    if municipalities is None:
        print(f"reference data: municipality register unavailable ({where}); "
              "going on without municipality names and merges", file=log)
        return Reference()
    provinces, _ = _read(settings.tooi_provinces_url, settings.reference_dir, settings, http)
    try:
        reference = Reference.from_json(municipalities, provinces)
    except (ValueError, KeyError, TypeError) as exc:
        print(f"reference data: cannot read the municipality register from {where} ({exc}); "
              "going on without municipality names and merges", file=log)
        return Reference()
    print(f"reference data: {len(reference.municipalities)} municipalities, "
          f"{len(reference.events)} reorganisations, from {where}", file=log)
    return reference
