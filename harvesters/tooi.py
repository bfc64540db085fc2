"""The TOOI municipality and province registers: read live, else from a local recorded copy.

Where neither can be read the registry says so in one line and goes on without municipality
names and merges (collectives keep their CBS codes and TOOI IRIs).
"""
from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import urlsplit

from registry.reference import Reference
from registry.settings import Settings

USER_AGENT = "collectives-registry/0.1 (+https://w3id.org/collectives-nl/)"


def _read(url: str, local_dir: Path | None, settings: Settings, http=None) -> tuple[bytes | None, str]:
    problems = []
    if not settings.offline:
        try:
            if http is not None:
                return http.get(url).content, url
            import requests
            response = requests.get(url, timeout=settings.http_timeout, headers={"User-Agent": USER_AGENT})
            response.raise_for_status()
            return response.content, url
        except Exception as exc:  # unreachable or refused: fall back to the local copy
            problems.append(f"{url}: {type(exc).__name__}")
    if local_dir:
        path = local_dir / Path(urlsplit(url).path).name
        try:
            return path.read_bytes(), str(path)
        except OSError as exc:
            problems.append(f"{path}: {exc.strerror}")
    return None, "; ".join(problems) or "offline and no local copy configured (COLLECTIVES_REFERENCE_DIR)"


def load_reference(settings: Settings, http=None, log=sys.stderr) -> Reference:
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
