"""schema.org ``Legislation`` for each measure page, as JSON-LD, so that search engines, reference
managers and fact-checking tools read the record without scraping it.

Mapping of the tracker's vocabulary (schema.org's Legislation terms come from the ELI ontology):

- ``legislationIdentifier``: the official identifier ("No. 72"); ``identifier``: the slug;
- ``legislationType``: the kind ("Law", "Bill", "Court order"...);
- ``legislationJurisdiction``: the country (a schema.org ``Country`` with its ISO code);
- ``legislationDate``: the date it was signed (or finally adopted, or imposed, for orders);
  ``datePublished``: its publication in the official gazette; ``legislationDateVersion``: the
  "as of" day the description is valid for; partial dates stay partial ("2024-04");
- ``legislationLegalForce``: InForce, PartiallyInForce or NotInForce (left out when the tracker
  does not know: "entry into force not recorded");
- relations: ``amends`` → ``legislationAmends``, ``repeals`` → ``legislationRepeals``,
  ``replaces``/``extends``/``overrides-ruling`` → ``legislationChanges`` (a change of another
  act), ``implements``/``reintroduces``/``modelled-on`` → ``isBasedOn``; ``related`` has no
  schema.org equivalent and is left out. Relations to internal measures are never shown to
  anonymous visitors (the page's own rule, applied before this module sees them);
- ``citation``: the sources, as ``CreativeWork`` with their publisher and date.

The JSON is written into a ``<script type="application/ld+json">`` element. That is data, not
script (the Content Security Policy does not run it), but an HTML parser still ends the element
at the first ``</script>``: ``<``, ``>`` and ``&`` are written as ``\\u003c``, ``\\u003e`` and
``\\u0026``, which JSON readers decode and HTML parsers ignore.
"""

from __future__ import annotations

import json
from typing import Any

from markupsafe import Markup

from tracker import vocab
from tracker.countries import country_name
from tracker.exports.links import Links
from tracker.markup import markdown_to_text
from tracker.models import Event, Measure, Source
from tracker.services.measures import MeasureView

LEGAL_FORCE = {
    "in-force": "https://schema.org/InForce",
    "partly-in-force": "https://schema.org/PartiallyInForce",
    "not-in-force": "https://schema.org/NotInForce",
    "suspended": "https://schema.org/NotInForce",
    "expired": "https://schema.org/NotInForce",
    "no-longer-in-force": "https://schema.org/NotInForce",
}

RELATION_PROPERTIES = {
    "amends": "legislationAmends",
    "repeals": "legislationRepeals",
    "replaces": "legislationChanges",
    "extends": "legislationChanges",
    "overrides-ruling": "legislationChanges",
    "implements": "isBasedOn",
    "reintroduces": "isBasedOn",
    "modelled-on": "isBasedOn",
}

# Which event dates a measure: signed (a law), else finally adopted, else imposed (an order).
_LEGISLATION_DATE_EVENTS = ("signed", "passed", "reading-3", "imposed", "entered-into-force")


def _country(code: str) -> dict[str, str]:
    return {"@type": "Country", "name": country_name(code), "identifier": code}


def _first(events: list[Event], kinds: tuple[str, ...]) -> Event | None:
    for kind in kinds:
        for event in events:
            if event.type == kind:
                return event
    return None


def _source(source: Source) -> dict[str, Any]:
    work: dict[str, Any] = {"@type": "CreativeWork", "url": source.url}
    if source.title:
        work["name"] = source.title
    if source.publisher:
        work["publisher"] = {"@type": "Organization", "name": source.publisher}
    if source.published:
        work["datePublished"] = source.published.iso
    if source.archived_url:
        work["archivedAt"] = source.archived_url
    return work


def _reference(measure: Measure, links: Links) -> dict[str, Any]:
    url = links.measure(measure.slug)
    return {
        "@type": "Legislation",
        "@id": url,
        "url": url,
        "name": measure.title,
        "legislationJurisdiction": _country(measure.country),
    }


def measure_jsonld(view: MeasureView, links: Links, site_name: str) -> dict[str, Any]:
    """The measure as seen on its page (the same "as of" day) in schema.org terms."""
    measure, status = view.measure, view.status
    url = links.measure(measure.slug)
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Legislation",
        "@id": url,
        "url": url,
        "identifier": measure.slug,
        "name": measure.title,
        "legislationType": vocab.MEASURE_KINDS[measure.kind],
        "legislationJurisdiction": _country(measure.country),
        "jurisdiction": country_name(measure.country),
        "legislationDateVersion": status.as_of.isoformat(),
        "isPartOf": {"@type": "Dataset", "name": site_name, "url": links.home()},
    }
    if measure.identifier:
        data["legislationIdentifier"] = measure.identifier
    names = [measure.original_title, *(measure.popular_names or [])]
    alternate = [name for name in names if name]
    if alternate:
        data["alternateName"] = alternate
    if measure.original_title and measure.original_language:
        data["inLanguage"] = measure.original_language
    if measure.summary:
        data["description"] = markdown_to_text(measure.summary)
    if measure.topics:
        data["keywords"] = [topic.name for topic in measure.topics]
    dated = _first(view.events, _LEGISLATION_DATE_EVENTS)
    if dated is not None:
        data["legislationDate"] = dated.date.iso
    published = _first(view.events, ("published",))
    if published is not None:
        data["datePublished"] = published.date.iso
    passed = _first(view.events, ("passed", "reading-3"))
    if passed is not None and passed.actor:
        data["legislationPassedBy"] = {"@type": "Organization", "name": passed.actor}
    force = LEGAL_FORCE.get(status.force.code)
    if force is not None:
        data["legislationLegalForce"] = force
    if status.term_end is not None:
        data["expires"] = status.term_end.isoformat()
    for relation in view.relations:
        if relation.inverse:
            continue  # schema.org names these links from the acting measure's side only
        prop = RELATION_PROPERTIES.get(relation.relation.type)
        if prop is not None:
            data.setdefault(prop, []).append(_reference(relation.other, links))
    sources = list(measure.sources)
    for event in view.events:
        sources.extend(source for source in event.sources if source not in sources)
    if sources:
        data["citation"] = [_source(source) for source in sources]
    return data


def script_json(data: Any) -> Markup:
    """JSON safe to place inside a ``<script type="application/ld+json">`` element."""
    text = json.dumps(data, ensure_ascii=False, indent=1)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)  # noqa: S704  # nosec B704 - every character that could end the element is escaped
