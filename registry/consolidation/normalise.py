"""Normal forms used to compare what different sources say: names and website domains.

>>> normalise_name("Energiecoöperatie Zonnedorp U.A.")
'energie zonnedorp'
>>> normalise_name("Stichting Buurtzorg-Noord")
'buurtzorg noord'
>>> website_key("https://www.Zonnedorp.nl/over-ons/")
'zonnedorp.nl'
>>> website_key("https://www.facebook.com/zonnedorp/posts/1")
'facebook.com/zonnedorp'
"""
from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher
from urllib.parse import urlsplit

# Legal-form wording, longest first so "coöperatieve vereniging" goes before "vereniging".
# Matched on accent-folded, lower-case text, as whole words or as the tail of a compound
# ("energiecoöperatie" keeps "energie").
_LEGAL_PHRASES = [
    r"cooperatieve vereniging", r"cooperatie", r"cooperatief", r"cooperative",
    r"vereniging met volledige rechtsbevoegdheid", r"vereniging met beperkte rechtsbevoegdheid",
    r"stichting", r"vereniging", r"besloten vennootschap", r"naamloze vennootschap",
]
_LEGAL_ABBREVIATIONS = [r"u\s*\.?\s*a", r"b\s*\.?\s*a", r"w\s*\.?\s*a", r"b\s*\.?\s*v", r"n\s*\.?\s*v",
                        r"v\s*\.?\s*o\s*\.?\s*f", r"coop"]
_PHRASE_RE = re.compile(r"(?:\b|(?<=[a-z]))(?:" + "|".join(_LEGAL_PHRASES) + r")\b")
# abbreviations only as whole words, so "ua" inside a name is left alone
_ABBREV_RE = re.compile(r"(?<![a-z0-9-])(?:" + "|".join(_LEGAL_ABBREVIATIONS) + r")\s*\.?(?![a-z0-9-])")
_NON_WORD = re.compile(r"[^a-z0-9]+")

# Words that describe what a collective does rather than who it is: a name made of only
# these ("energie", "zorg") is too weak to match on its own.
GENERIC_WORDS = frozenset("""
    energie duurzaam duurzame zorg welzijn wonen woon buurt wijk dorp dorps lokaal lokale groen groene
    zon zonne wind power samen voor van de het en in op te der den aan bij
    energy care housing food voedsel natuur mobiliteit netwerk initiatief bewoners bedrijf
    collectief voedselcollectief cooperatie cooperatief coop zorgcooperatie wooncooperatie
    """.split())

# Hosts where the first path segment, not the host, names the collective.
PLATFORM_HOSTS = frozenset({
    "facebook.com", "instagram.com", "linkedin.com", "nl.linkedin.com", "twitter.com", "x.com",
    "youtube.com", "sites.google.com", "hieropgewekt.nl", "linktr.ee", "github.com",
})


def fold(text: str) -> str:
    """Lower case without accents: ``Coöperatie`` → ``cooperatie``."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def normalise_name(name: str) -> str:
    """A collective's name without case, accents, legal-form words and punctuation."""
    text = fold(name)
    text = _ABBREV_RE.sub(" ", text)
    text = _PHRASE_RE.sub(" ", text)
    words = _NON_WORD.sub(" ", text).split()
    return " ".join(words)


def name_tokens(normalised: str) -> list[str]:
    return normalised.split()


def distinctive_tokens(normalised: str) -> set[str]:
    """Tokens that can identify a collective: not generic, at least three characters."""
    return {t for t in normalised.split() if len(t) >= 3 and t not in GENERIC_WORDS}


def name_similarity(a: str, b: str) -> float:
    """Similarity of two normalised names between 0 and 1.

    The larger of the edit similarity of the word-sorted names and a containment score:
    when all words of one name occur in the other and the shorter one still has a
    distinctive word ("zonnedorp" in "energie zonnedorp"), the names match at 0.9.

    >>> name_similarity("energie zonnedorp", "zonnedorp")
    0.9
    >>> name_similarity("energie noord", "zorg noord") < 0.85
    True
    >>> name_similarity("zonnepark voorbeelddorp 1", "zonnepark voorbeelddorp 2")
    0.0
    """
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    ta, tb = a.split(), b.split()
    numbers_a, numbers_b = {t for t in ta if t.isdigit()}, {t for t in tb if t.isdigit()}
    if numbers_a and numbers_b and numbers_a != numbers_b:
        return 0.0  # "Windpark 1" and "Windpark 2" are two collectives, however alike the rest
    ratio = _ratio(" ".join(sorted(ta)), " ".join(sorted(tb)))
    sa, sb = set(ta), set(tb)
    small, large = (sa, sb) if len(sa) <= len(sb) else (sb, sa)
    if small <= large and distinctive_tokens(" ".join(small)):
        ratio = max(ratio, 0.9)
    # shared generic words ("voedselcollectief") must not carry two different names
    da, db = distinctive_tokens(a), distinctive_tokens(b)
    if da and db:
        ratio = min(ratio, _ratio(" ".join(sorted(da)), " ".join(sorted(db))))
    return round(ratio, 4)


def _ratio(x: str, y: str) -> float:
    return SequenceMatcher(None, x, y, autojunk=False).ratio()


def website_key(url: str) -> str | None:
    """The part of a website address that identifies its owner.

    Scheme, ``www.``, port, case and trailing slashes are dropped; on platform hosts
    (Facebook, LinkedIn, ...) the first path segment is kept, since the host is shared.
    """
    if not url:
        return None
    text = url.strip()
    if not re.match(r"^[a-z][a-z0-9+.-]*://", text, re.I):
        text = "http://" + text
    parts = urlsplit(text)
    host = (parts.hostname or "").lower().rstrip(".")
    if not host or "." not in host:
        return None
    for prefix in ("www.", "m.", "web."):
        if host.startswith(prefix) and host.count(".") >= 2:
            host = host[len(prefix):]
    if host in PLATFORM_HOSTS:
        segment = next((s for s in parts.path.split("/") if s), "")
        if not segment or segment in {"pages", "groups", "company", "channel", "user", "site", "pg"}:
            segments = [s for s in parts.path.split("/") if s]
            segment = "/".join(segments[:2])
        return f"{host}/{segment.lower()}" if segment else None
    return host
