"""Identifier minting and normalisation.

Collective ids are opaque and never change: derived once from the first source record that
introduced the collective, never from its name, KvK number, municipality or a year.

>>> mint_id("curated", "grunneger-power") == mint_id("curated", "grunneger-power")
True
>>> normalise_kvk("1234567")
'01234567'
"""
from __future__ import annotations

import hashlib
import re
import unicodedata

_CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"


def _base32(data: bytes, length: int) -> str:
    number = int.from_bytes(data, "big")
    chars = []
    for _ in range(length):
        number, rest = divmod(number, 32)
        chars.append(_CROCKFORD[rest])
    return "".join(chars)


def mint_id(*parts: str, prefix: str = "c") -> str:
    """A short opaque id from the parts that first identified a thing (stable, no meaning)."""
    digest = hashlib.blake2b("\x1f".join(parts).encode("utf-8"), digest_size=10).digest()
    return f"{prefix}-{_base32(digest, 12)}"


def slug(text: str) -> str:
    """ASCII slug for record keys: ``Energiecoöperatie ECLoZ`` → ``energiecooperatie-ecloz``."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-") or "x"


def normalise_kvk(value: str | int | None) -> str | None:
    """KvK numbers are 8 digits; sources (Wikidata) often drop the leading zero."""
    if value is None:
        return None
    digits = re.sub(r"[\s.]", "", str(value))
    if not digits.isdigit() or len(digits) > 8:
        return None
    return digits.zfill(8)


def rsin_is_valid(value: str) -> bool:
    """RSIN: 9 digits passing the eleven-test (last digit weighted -1)."""
    if not re.fullmatch(r"[0-9]{9}", value or ""):
        return False
    weights = [9, 8, 7, 6, 5, 4, 3, 2, -1]
    return sum(int(d) * w for d, w in zip(value, weights)) % 11 == 0


def normalise_gm_code(value: str | None) -> str | None:
    """``GM0363``, ``gm0363``, ``0363``, ``363`` or a TOOI IRI → ``gm0363``."""
    if not value:
        return None
    text = value.strip().rsplit("/", 1)[-1].lower()
    if text.startswith("gm"):
        text = text[2:]
    if not text.isdigit() or len(text) > 4:
        return None
    return "gm" + text.zfill(4)


def normalise_postcode(value: str | None) -> str | None:
    if not value:
        return None
    text = re.sub(r"\s+", "", value).upper()
    return text if re.fullmatch(r"[1-9][0-9]{3}[A-Z]{2}", text) else None
