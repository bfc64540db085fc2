"""Matching source records that describe the same collective, in tiers, with blocking.

Tiers (rule name, score); the automatic ones are applied strongest first, curated ones last:

=====================  =====  ===============================================================
``curated-same``       1.0    a curator said so (decisions file); overrides every veto
``same-topic``         1.0    two records of one source point at the same collective IRI
``kvk-number``         1.0    same KvK number (8 digits, zero-padded)
``wikidata-item``      1.0    same Wikidata item (``schema:sameAs wd:Q…``)
``website-domain``     0.9    same website key (host without scheme/``www.``; platform page),
                              and similar names (≥ 0.5) or the same municipality
``name-municipality``  0.85+  similar normalised names (score ≥ threshold) in the same current
                              municipality, with compatible sectors
``name-province``      0.8    identical normalised names in one province where a record
                              lacks the municipality
=====================  =====  ===============================================================

Blocking keeps the cost near-linear: records are only compared within a block that shares
a key (KvK number, Wikidata item, website key, or municipality + a distinctive name word);
identifier blocks are linked as a star (n - 1 edges), and name blocks larger than
``MAX_NAME_BLOCK`` are skipped for that word (the record is still compared through its
other words and its exact name).

Vetoes: an automatic website or name match is refused when the two clusters carry different
KvK numbers or different Wikidata items; a ``different`` decision is never overridden.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Iterable

from .normalise import distinctive_tokens, name_similarity
from .records import SourceRecord

DEFAULT_THRESHOLD = 0.85
MAX_NAME_BLOCK = 300
WEBSITE_NAME_FLOOR = 0.5
MAX_SITE_BLOCK = 20

# Curated "same" goes last: it joins the clusters the rules built (the collectives the
# records belong to), not only the two records, and no KvK/Wikidata veto stops it.
RULE_ORDER = ["same-topic", "kvk-number", "wikidata-item", "website-domain", "name-municipality",
              "name-province", "curated-same"]
STRONG_RULES = {"curated-same", "same-topic", "kvk-number", "wikidata-item"}


@dataclass(frozen=True)
class Edge:
    a: int
    b: int
    rule: str
    score: float


def _star(block: list[int], rule: str, score: float) -> Iterable[Edge]:
    first = block[0]
    for other in block[1:]:
        yield Edge(first, other, rule, score)


def candidate_edges(records: list[SourceRecord], threshold: float = DEFAULT_THRESHOLD) -> list[Edge]:
    """Every automatic match between records, each with its rule and score."""
    edges: list[Edge] = []
    by_key: dict[tuple, list[int]] = defaultdict(list)
    for i, rec in enumerate(records):
        by_key[("topic", rec.topic)].append(i)
        for kvk in rec.kvk:
            by_key[("kvk", kvk)].append(i)
        for item in rec.wikidata:
            by_key[("wd", item)].append(i)
    rule_of = {"topic": ("same-topic", 1.0), "kvk": ("kvk-number", 1.0), "wd": ("wikidata-item", 1.0)}
    for key, block in by_key.items():
        if len(block) > 1:
            edges.extend(_star(block, *rule_of[key[0]]))

    sites: dict[str, list[int]] = defaultdict(list)
    for i, rec in enumerate(records):
        for site in rec.websites:
            sites[site].append(i)
    for block in sites.values():
        if len(block) < 2:
            continue
        if len(block) > MAX_SITE_BLOCK:
            # a site shared by many records (a network's site used by its members):
            # only records in one municipality with similar names qualify
            by_place: dict[str | None, list[int]] = defaultdict(list)
            for i in block:
                by_place[records[i].municipality].append(i)
            groups = [g for place, g in by_place.items() if place and 1 < len(g) <= MAX_SITE_BLOCK]
            strict = True
        else:
            groups, strict = [block], False
        for group in groups:
            for pos in range(1, len(group)):
                b = records[group[pos]]
                for j in group[:pos]:  # link to the first earlier record that qualifies
                    a = records[j]
                    if a.is_network != b.is_network:
                        continue
                    similar = name_similarity(a.norm_name, b.norm_name) >= WEBSITE_NAME_FLOOR
                    same_place = bool(a.municipality) and a.municipality == b.municipality
                    if similar if strict else (similar or same_place):
                        edges.append(Edge(j, group[pos], "website-domain", 0.9))
                        break
    edges.extend(_name_edges(records, threshold))
    return edges


def _name_edges(records: list[SourceRecord], threshold: float) -> Iterable[Edge]:
    blocks: dict[tuple, list[int]] = defaultdict(list)
    exact_province: dict[tuple, list[int]] = defaultdict(list)
    for i, rec in enumerate(records):
        if not rec.norm_name:
            continue
        if rec.municipality:
            blocks[(rec.is_network, rec.municipality, "=" + rec.norm_name)].append(i)
            for token in distinctive_tokens(rec.norm_name):
                blocks[(rec.is_network, rec.municipality, token)].append(i)
        if rec.province:
            exact_province[(rec.is_network, rec.province, rec.norm_name)].append(i)
    compared: set[tuple[int, int]] = set()
    for key, block in blocks.items():
        if len(block) < 2 or (len(block) > MAX_NAME_BLOCK and not key[2].startswith("=")):
            continue
        for x in range(len(block)):
            for y in range(x + 1, len(block)):
                i, j = block[x], block[y]
                if (i, j) in compared:
                    continue
                compared.add((i, j))
                a, b = records[i], records[j]
                if a.sectors and b.sectors and not (a.sectors & b.sectors):
                    continue
                score = name_similarity(a.norm_name, b.norm_name)
                if score >= threshold:
                    yield Edge(i, j, "name-municipality", score)
    for block in exact_province.values():
        if len(block) < 2:
            continue
        for x in range(len(block)):
            for y in range(x + 1, len(block)):
                i, j = block[x], block[y]
                a, b = records[i], records[j]
                if a.municipality and b.municipality:
                    continue  # both located: the municipality tier decides
                if a.sectors and b.sectors and not (a.sectors & b.sectors):
                    continue
                yield Edge(i, j, "name-province", 0.8)


@dataclass
class Clustering:
    parent: list[int]
    accepted: list[Edge] = field(default_factory=list)
    refused: list[tuple[Edge, str]] = field(default_factory=list)

    def find(self, i: int) -> int:
        parent = self.parent
        root = i
        while parent[root] != root:
            root = parent[root]
        while parent[i] != root:
            parent[i], i = root, parent[i]
        return root

    def clusters(self) -> list[list[int]]:
        groups: dict[int, list[int]] = defaultdict(list)
        for i in range(len(self.parent)):
            groups[self.find(i)].append(i)
        return list(groups.values())


def cluster(records: list[SourceRecord], edges: list[Edge],
            different: list[list[set[int]]] | None = None) -> Clustering:
    """Union the records along the edges, strongest rule first, respecting the vetoes.

    ``different`` lists curated "different" decisions, each a list of record-index groups
    that must stay in separate clusters.
    """
    n = len(records)
    result = Clustering(list(range(n)))
    kvk = [set(r.kvk) for r in records]
    wikidata = [set(r.wikidata) for r in records]
    size = [1] * n
    tags: list[dict[int, set[int]]] = [dict() for _ in range(n)]  # decision → group positions
    for d, groups in enumerate(different or []):
        for g, members in enumerate(groups):
            for i in members:
                tags[i].setdefault(d, set()).add(g)
    order = {rule: k for k, rule in enumerate(RULE_ORDER)}
    for edge in sorted(edges, key=lambda e: (order.get(e.rule, 99), -e.score)):
        ra, rb = result.find(edge.a), result.find(edge.b)
        if ra == rb:
            result.accepted.append(edge)
            continue
        ta, tb = tags[ra], tags[rb]
        if any(d in tb and len(ta[d] | tb[d]) > 1 for d in ta):
            result.refused.append((edge, "curated-different"))
            continue
        if edge.rule not in STRONG_RULES:
            if kvk[ra] and kvk[rb] and not (kvk[ra] & kvk[rb]):
                result.refused.append((edge, "different-kvk"))
                continue
            if wikidata[ra] and wikidata[rb] and not (wikidata[ra] & wikidata[rb]):
                result.refused.append((edge, "different-wikidata"))
                continue
        # union by size, merging the veto data into the new root
        if size[ra] < size[rb]:
            ra, rb = rb, ra
        result.parent[rb] = ra
        size[ra] += size[rb]
        kvk[ra] |= kvk[rb]
        wikidata[ra] |= wikidata[rb]
        for d, groups in tags[rb].items():
            tags[ra].setdefault(d, set()).update(groups)
        kvk[rb], wikidata[rb], tags[rb] = set(), set(), {}
        result.accepted.append(edge)
    return result
