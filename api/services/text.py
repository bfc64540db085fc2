"""Accent- and case-insensitive matching in SPARQL without pasting user text into the query.

The user's text is folded (``Coöperatie`` → ``cooperatie``), regex-escaped, and each letter becomes
a class of its accented forms; the pattern is then bound into the query as a literal.

>>> accent_pattern("oop")
'[oòóôõöøō][oòóôõöøō]p'
>>> accent_pattern("d   p")
'd\\\\s+p'
>>> accent_pattern("a.b", anchored=True)
'^[aàáâãäåā]\\\\.b$'
"""
from __future__ import annotations

import re

from registry.reference import fold

_CLASSES = {
    "a": "aàáâãäåā", "e": "eèéêëē", "i": "iìíîïī", "o": "oòóôõöøō", "u": "uùúûüū",
    "y": "yýÿ", "c": "cç", "n": "nñ",
}


def accent_pattern(text: str, *, anchored: bool = False) -> str:
    parts = []
    for char in fold(text):
        if char in _CLASSES:
            parts.append(f"[{_CLASSES[char]}]")
        elif char.isspace():
            if not parts or parts[-1] != r"\s+":  # a run of spaces is one \s+ (however long the run)
                parts.append(r"\s+")
        else:
            parts.append(re.escape(char))
    pattern = "".join(parts)
    return f"^{pattern}$" if anchored else pattern
