"""``kvk``: enrich collectives that have a KvK number from the KvK Handelsregister Basisprofiel API.

    [[source]]
    name = "kvk"
    kind = "kvk"
    url = "https://api.kvk.nl/api"          # the API base; the test environment: https://api.kvk.nl/test/api
    rate = 2.0
    [source.options]
    api_key_env = "KVK_API_KEY"              # the key is read from this environment variable, sent as `apikey`
    kvk_numbers = ["96354429"]               # the collectives to enrich ...
    from_store = false                       # ... and/or every cc:kvkNumber already in the store's source graphs

One record per KvK number (``GET {url}/v1/basisprofielen/{kvkNummer}``), keyed by the number.
It says: the registered name and trade names, the legal form (``rechtsvorm`` → the legal-form
code, the KvK wording kept as stated), the SBI activities (``rov:orgActivity``, concepts
``{base}def/sbi/{code}``), the visiting address and website of the main establishment, and
the registration and deregistration as lifecycle events. A number the register does not know
(404) is that record's error; an authentication failure, a server error or rate limiting stops
the run so the previous enrichment stays. Without an API key a live run stops before the first
request; a replay of recordings needs none (recordings do not keep request headers).

Input set: ``from_store`` needs the store on the harvest context (``context.store``); the
numbers listed in ``kvk_numbers`` need nothing else.
"""
from __future__ import annotations

import json
import os
import re
from typing import Iterator

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF, SKOS

from registry.identifiers import mint_id, normalise_kvk
from registry.namespaces import ROV

from ..base import Harvester, RawRecord, RecordError, SourceError
from ..facts import CollectiveFacts, date_literal, facts_to_graph, legal_form_code

DEFAULT_BASE_URL = "https://api.kvk.nl/api"
# The KvK writes some legal forms as one word; the rest are read by facts.legal_form_code.
KVK_LEGAL_FORMS = {
    "beslotenvennootschap": "bv", "cooperatie": "cooperative", "coöperatie": "cooperative",
    "stichting": "foundation", "vereniging": "association",
}
AUTH_OR_SERVER = {401, 403, 429}


def kvk_date(value) -> str | None:
    """``20170518`` → ``2017-05-18``; the KvK writes unknown parts as 00: ``20170500`` → ``2017-05``."""
    text = str(value or "").strip()
    if not re.fullmatch(r"[12][0-9]{7}", text):
        return None
    year, month, day = text[:4], text[4:6], text[6:]
    if month == "00":
        return year
    return f"{year}-{month}" if day == "00" else f"{year}-{month}-{day}"


def kvk_legal_form(stated: str | None) -> str | None:
    if not stated:
        return None
    return legal_form_code(stated) or KVK_LEGAL_FORMS.get(stated.strip().casefold())


class KvkHarvester(Harvester):
    kind = "kvk"

    def __init__(self, config, context):
        super().__init__(config, context)
        options = config.options
        self.base_url = (config.url or options.get("base_url") or DEFAULT_BASE_URL).rstrip("/")
        self.api_key_env = options.get("api_key_env", "KVK_API_KEY")
        self.from_store = bool(options.get("from_store", False))
        self.listed = []
        for number in options.get("kvk_numbers", []):
            kvk = normalise_kvk(number)
            if not kvk:
                raise SourceError(f"{config.name}: not a KvK number in options.kvk_numbers: {number!r}")
            self.listed.append(kvk)
        if not self.listed and not self.from_store:
            raise SourceError(f"{config.name}: list kvk_numbers or set from_store = true")

    def numbers(self) -> list[str]:
        numbers = list(self.listed)
        if self.from_store:
            store = self.context.store
            if store is None:
                raise SourceError(f"{self.config.name}: from_store needs the store on the harvest context")
            rows = store.select("SELECT DISTINCT ?kvk WHERE { GRAPH ?g { ?c ?kvkP ?kvk } FILTER(?g != ?own) }",
                                {"kvkP": self.iris.CC.kvkNumber, "own": self.iris.source_graph(self.config.name)})
            numbers += [n for n in (normalise_kvk(str(r["kvk"])) for r in rows) if n]
        return sorted(dict.fromkeys(numbers))

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        key = os.environ.get(self.api_key_env)
        if key:
            headers["apikey"] = key
        elif getattr(self.context.http, "mode", "live") != "replay":
            raise SourceError(f"{self.config.name}: no KvK API key; set the environment variable {self.api_key_env}")
        return headers

    def gather(self) -> Iterator[RawRecord]:
        from ..http import HttpError

        http = self.context.http
        if http is None:
            raise SourceError(f"{self.config.name}: the kvk kind needs the harvest's HTTP client")
        headers = self._headers()
        for kvk in self.numbers():
            url = f"{self.base_url}/v1/basisprofielen/{kvk}"
            try:
                response = http.get(url, headers=headers, rate=self.config.rate)
            except HttpError as exc:
                if exc.status in (400, 404):  # the register does not know this number: its own error
                    yield RawRecord(key=kvk, data={"error": f"the KvK register has no {kvk} (HTTP {exc.status})"}, url=url)
                    continue
                if exc.status in AUTH_OR_SERVER:
                    raise SourceError(f"{self.config.name}: the KvK API refused the request (HTTP {exc.status}); "
                                      "check the API key and the rate") from exc
                raise
            try:
                profile = json.loads(response.content.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                yield RawRecord(key=kvk, data={"error": f"the basisprofiel of {kvk} is not JSON ({exc})"}, url=url)
                continue
            yield RawRecord(key=kvk, data=profile, url=url)

    def transform(self, record: RawRecord) -> Graph:
        profile = record.data
        if not isinstance(profile, dict) or "error" in profile:
            raise RecordError(profile.get("error") if isinstance(profile, dict) else "not a basisprofiel")
        stated_kvk = normalise_kvk(profile.get("kvkNummer"))
        if stated_kvk != record.key:
            raise RecordError(f"asked for {record.key}, the API answered for {profile.get('kvkNummer')!r}")
        facts = self.facts(profile, record)
        g = facts_to_graph(facts, iris=self.iris, reference=self.context.reference,
                           source=self.config.name, key=record.key, record_url=record.url)
        it = g.value(self.iris.record(self.config.name, record.key), URIRef("http://xmlns.com/foaf/0.1/primaryTopic"))
        self._add_activities(g, it, profile.get("sbiActiviteiten") or [])
        registration = profile.get("materieleRegistratie") or {}
        for kind, value in (("registration", registration.get("datumAanvang") or profile.get("formeleRegistratiedatum")),
                            ("deregistration", registration.get("datumEinde"))):
            self._add_event(g, it, record, kind, kvk_date(value))
        return g

    def facts(self, profile: dict, record: RawRecord) -> CollectiveFacts:
        embedded = profile.get("_embedded") or {}
        owner = embedded.get("eigenaar") or {}
        main = embedded.get("hoofdvestiging") or {}
        trade_names = [h.get("naam", "").strip() for h in profile.get("handelsnamen") or [] if isinstance(h, dict)]
        name = (profile.get("naam") or "").strip() or next((n for n in trade_names if n), "")
        if not name:
            raise RecordError("the basisprofiel has no naam")
        stated_form = owner.get("uitgebreideRechtsvorm") or owner.get("rechtsvorm")
        facts = CollectiveFacts(
            name=name, kvk=record.key, alternate_names=[n for n in dict.fromkeys(trade_names) if n and n != name],
            legal_form=kvk_legal_form(owner.get("uitgebreideRechtsvorm")) or kvk_legal_form(owner.get("rechtsvorm")),
            legal_form_stated=stated_form, source_url=record.url)
        addresses = main.get("adressen") or owner.get("adressen") or []
        visit = next((a for a in addresses if a.get("type") == "bezoekadres"), addresses[0] if addresses else {})
        if visit:
            facts.place = visit.get("plaats")
            facts.postcode = visit.get("postcode")
            street = " ".join(str(visit[k]) for k in ("straatnaam", "huisnummer", "huisletter", "huisnummerToevoeging")
                              if visit.get(k))
            facts.street = street or None
        websites = main.get("websites") or owner.get("websites") or []
        facts.website = websites[0] if websites else None
        return facts

    def _add_activities(self, g: Graph, it: URIRef, activities: list) -> None:
        scheme = self.iris.scheme("sbi")
        for activity in activities:
            code = str(activity.get("sbiCode", "")).strip() if isinstance(activity, dict) else ""
            if not re.fullmatch(r"[0-9]{2,6}", code):
                continue
            concept = self.iris.concept("sbi", code)
            g.add((it, ROV.orgActivity, concept))
            g.add((concept, RDF.type, SKOS.Concept))
            g.add((concept, SKOS.inScheme, scheme))
            g.add((concept, SKOS.notation, Literal(code)))
            if activity.get("sbiOmschrijving"):
                g.add((concept, SKOS.prefLabel, Literal(activity["sbiOmschrijving"], lang="nl")))

    def _add_event(self, g: Graph, it: URIRef, record: RawRecord, kind: str, value: str | None) -> None:
        """Registration events: lifecycle events, not org:ChangeEvents (the organisation did not change)."""
        parsed = date_literal(value)
        if parsed is None:
            return
        cc = self.iris.CC
        literal, year = parsed
        record_iri = self.iris.record(self.config.name, record.key)
        event = self.iris.event(mint_id(str(record_iri), kind, prefix="e"))
        g.add((it, cc.lifecycleEvent, event))
        g.add((event, RDF.type, cc.LifecycleEvent))
        g.add((event, cc.eventType, self.iris.concept("event-type", kind)))
        g.add((event, cc.eventDate, literal))
        g.add((event, cc.eventYear, Literal(year)))
        g.add((event, PROV.wasDerivedFrom, record_iri))
