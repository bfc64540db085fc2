"""Networks: the list with member counts, and one network's coverage by province."""
from __future__ import annotations

import json

from fastapi import Request
from fastapi.responses import Response
from rdflib import URIRef

from registry.namespaces import RegistryIRIs
from registry.store import Store

from ..conneg import with_charset
from ..deps import base_path
from . import listing, queries
from .collectives import labels, local_id, summaries


def all_networks(store: Store, iris: RegistryIRIs) -> list[dict]:
    rows = store.select(queries.prologue(iris) + queries.NETWORKS)
    return [{"id": local_id(r["network"]), "iri": str(r["network"]), "name": str(r["name"]),
             "members": int(r["members"])} for r in rows]


def coverage(store: Store, iris: RegistryIRIs, network: URIRef, lang: str = "en") -> list[dict]:
    rows = store.select(queries.prologue(iris) + queries.NETWORK_COVERAGE, {"network": network})
    names = labels(store, iris, [r["province"] for r in rows], lang)
    return [{"code": local_id(r["province"]), "iri": str(r["province"]), "name": names.get(str(r["province"])),
             "members": int(r["members"])} for r in rows]


def render_list(request: Request, items: list[dict], media_type: str) -> Response:
    headers = {"Vary": "Accept"}
    if media_type == "text/csv":
        return Response(listing.to_csv([], ["id", "iri", "name", "members"], items),
                        media_type=with_charset("text/csv"), headers=headers)
    if media_type == "text/html":
        from ..templates import esc, link, page, table
        base = base_path(request)
        rows = [[link(f"{base}/networks/{i['id']}", i["name"]), esc(i["members"])] for i in items]
        return Response(page("Networks", table(["Network", "Members in the registry"], rows), base=base),
                        media_type="text/html; charset=utf-8", headers=headers)
    return Response(json.dumps({"items": items}, ensure_ascii=False), media_type="application/json", headers=headers)


def summary_response(request: Request, store: Store, iris: RegistryIRIs, network: URIRef, lang: str) -> Response:
    data = summaries(store, iris, [network], lang)[0]
    data["coverage"] = coverage(store, iris, network, lang)
    count = store.select(queries.prologue(iris) + queries.NETWORK_MEMBER_COUNT, {"network": network})
    data["members"] = int(count[0]["members"]) if count else 0
    data["members_url"] = f"{base_path(request)}/networks/{data['id']}/members"
    return Response(json.dumps(data, ensure_ascii=False), media_type="application/json", headers={"Vary": "Accept"})
