"""Walking the URL map with real arguments, so that the security suites cover every route,
including routes added after them (timelines, exports, feeds, the API).

A rule's arguments are filled from pools of real values read from the database (slugs, ids,
country codes), chosen by the argument's name and converter; an argument whose name says
nothing gets every kind of value. Each combination is one URL; a suite fetches them all and
keeps what it needs.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from flask import Flask, current_app, has_app_context
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.routing import Rule

from tests.security.content import read
from tracker import paths
from tracker.alerts import tokens as alert_links
from tracker.models import (
    REVISED_RECORDS,
    AlertRecipient,
    AlertSubscription,
    Event,
    Measure,
    Organization,
    Person,
    Quote,
    Relation,
    Revision,
    Source,
    Statement,
    User,
)

SAFE = frozenset({"GET", "HEAD", "OPTIONS"})
# Formats a later route may take as an argument (/measures.<format>, /export/<format>).
FORMATS = ("html", "json", "csv", "xlsx", "pdf", "docx", "md", "atom", "rss", "ics", "svg", "xml")
# At most this many URLs per rule: enough for every kind of value in every argument.
MAX_PER_RULE = 200


@dataclass
class Pools:
    """Values to put in route arguments, by kind."""

    slugs: dict[str, list[str]] = field(default_factory=dict)  # measure, statement, ...
    ids: dict[str, list[int]] = field(default_factory=dict)  # event, source, revision, ...
    countries: list[str] = field(default_factory=lambda: ["KG"])
    # Signed links of alert messages, by purpose (confirm, unsubscribe, unsubscribe-all).
    tokens: dict[str, list[str]] = field(default_factory=dict)

    def all_slugs(self) -> list[str]:
        return _unique(value for values in self.slugs.values() for value in values)

    def all_ids(self) -> list[int]:
        return _unique(value for values in self.ids.values() for value in values)


def _unique(values: Iterable[Any]) -> list[Any]:
    return list(dict.fromkeys(values))


SLUGGED = {
    "measure": Measure,
    "statement": Statement,
    "organization": Organization,
    "person": Person,
}
NUMBERED = {
    "measure": Measure,
    "event": Event,
    "relation": Relation,
    "statement": Statement,
    "organization": Organization,
    "person": Person,
    "source": Source,
    "quote": Quote,
    "revision": Revision,
    "user": User,
}


def pools_from(session: Session, per_kind: int = 2) -> Pools:
    """A few real values of each kind from the database (the newest first)."""
    pools = Pools()
    for kind, model in SLUGGED.items():
        query = select(model.slug).order_by(model.id.desc()).limit(per_kind)
        pools.slugs[kind] = list(session.scalars(query))
    for kind, model in NUMBERED.items():
        pools.ids[kind] = list(
            session.scalars(select(model.id).order_by(model.id.desc()).limit(per_kind))
        )
    pools.countries = _unique(["KG", *session.scalars(select(Measure.country).distinct())])
    pools.tokens = alert_tokens(session)
    return pools


WALKER = "walked-routes@example.org"


def alert_tokens(session: Session) -> dict[str, list[str]]:
    """Real links of an alert message (confirm, unsubscribe, unsubscribe-all) for one
    unconfirmed subscription made here (committed to the test's transaction, so requests see
    it), so that the pages behind them are walked like any other."""
    if not has_app_context():
        return {}
    recipient = session.scalars(
        select(AlertRecipient).where(AlertRecipient.email == WALKER)
    ).first()
    if recipient is None:
        recipient = AlertRecipient(email=WALKER, secret="walked-routes")
        AlertSubscription(
            recipient=recipient, target_kind="country", target="KG", label="Kyrgyzstan"
        )
        session.add(recipient)
        session.commit()
    subscription = recipient.subscriptions[0]
    key = str(current_app.config["SECRET_KEY"])
    return {
        "confirm": [alert_links.make(key, "confirm", recipient, subscription)],
        "unsubscribe": [alert_links.make(key, "unsubscribe", recipient, subscription)],
        "unsubscribe-all": [alert_links.make(key, "unsubscribe-all", recipient)],
    }


# Pages that need a query to show anything (what to follow), with a real one.
QUERIES = {"alerts.subscribe": "?kind=country&target=KG"}


def static_files() -> list[str]:
    root = paths.static()
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


PLURALS = {
    "people": "person",
    "measures": "measure",
    "statements": "statement",
    "organizations": "organization",
    "events": "event",
    "sources": "source",
    "relations": "relation",
    "revisions": "revision",
    "users": "user",
    "quotes": "quote",
}


def _path_kind(path: str, name: str) -> str | None:
    """The kind of record an argument names, from the path segment before it
    (``/measures/<slug>`` is a measure's slug)."""
    before = path.split(f"<{name}>")[0] if f"<{name}>" in path else path.split(f":{name}>")[0]
    segments = [segment for segment in before.split("/") if segment and "<" not in segment]
    if not segments:
        return None
    last = segments[-1].split(".")[0]
    return PLURALS.get(last, last if last in NUMBERED else None)


def _hinted(name: str, pools: Pools, converter: Any, path: str = "") -> list[Any]:
    """Values for one argument, from its name, converter and place in the path."""
    items = getattr(converter, "items", None)
    if items:  # <any(csv, json):format>
        return sorted(items)
    numeric = type(converter).__name__ in ("IntegerConverter", "NumberConverter")
    lowered = name.lower()
    if numeric:
        for kind in NUMBERED:
            if kind in lowered:
                return pools.ids.get(kind, [])
        kind = _path_kind(path, name)
        if kind in NUMBERED and lowered == "id":
            return pools.ids.get(kind, [])
        return pools.all_ids()
    if lowered == "filename":
        return static_files()
    if lowered == "token":  # /alerts/confirm/<token>, /alerts/unsubscribe-all/<token>...
        purpose = path.rstrip("/").split("/<")[0].rsplit("/", 1)[-1]
        return pools.tokens.get(purpose) or ["not-a-token"]
    for kind in SLUGGED:
        if kind in lowered:
            return pools.slugs.get(kind, [])
    if "country" in lowered or lowered in ("code", "iso"):
        return pools.countries
    if lowered in ("record_type", "kind", "type"):
        return list(REVISED_RECORDS)
    if lowered in ("format", "ext", "extension"):
        return list(FORMATS)
    if lowered == "slug":
        kind = _path_kind(path, name)
        if kind in SLUGGED:
            return pools.slugs.get(kind, [])
        return pools.all_slugs()
    return _unique([*pools.all_slugs(), *pools.countries, *REVISED_RECORDS])


@dataclass(frozen=True)
class Route:
    """One URL to fetch: the rule it came from and the arguments used."""

    url: str
    rule: Rule
    values: tuple[tuple[str, Any], ...] = ()

    @property
    def endpoint(self) -> str:
        return self.rule.endpoint

    def __str__(self) -> str:
        return f"{self.url} ({self.endpoint})"


def rules(app: Flask, method: str = "GET") -> list[Rule]:
    return sorted(
        (rule for rule in app.url_map.iter_rules() if method in (rule.methods or set())),
        key=lambda rule: rule.rule,
    )


def write_rules(app: Flask) -> list[tuple[Rule, str]]:
    """Every (rule, method) that may change something: all but GET, HEAD and OPTIONS."""
    return [
        (rule, method)
        for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule)
        for method in sorted((rule.methods or set()) - SAFE)
    ]


def urls_for(rule: Rule, pools: Pools, fixed: Mapping[str, Any] | None = None) -> list[Route]:
    """The rule with every combination of pooled values in its arguments."""
    names = sorted(rule.arguments)
    choices: list[Sequence[Any]] = []
    for name in names:
        if fixed and name in fixed:
            choices.append([fixed[name]])
        else:
            choices.append(_hinted(name, pools, rule._converters[name], rule.rule))
    routes = []
    for combination in itertools.islice(itertools.product(*choices), MAX_PER_RULE):
        values = dict(zip(names, combination, strict=True))
        try:
            url = rule.build(values, append_unknown=False)
        except Exception:  # noqa: S112 - a value the converter refuses is simply not a URL
            continue
        if url is None:
            continue
        query = QUERIES.get(rule.endpoint, "")
        routes.append(Route(url[1] + query, rule, tuple(sorted(values.items()))))
    return routes


def get_routes(app: Flask, pools: Pools) -> Iterator[Route]:
    """Every GET route with real arguments."""
    for rule in rules(app, "GET"):
        yield from urls_for(rule, pools)


def guessed(slug: str, number: int) -> Pools:
    """Pools where every slug argument is ``slug`` and every id argument is ``number``."""
    return Pools(
        slugs={kind: [slug] for kind in SLUGGED},
        ids={kind: [number] for kind in NUMBERED},
        countries=["KG"],
    )


@dataclass(frozen=True)
class Fetched:
    """A response read whole and closed (static files are streamed from open files)."""

    status: int
    mimetype: str
    data: bytes
    headers: dict[str, str]

    @property
    def redirect(self) -> bool:
        return self.status in (301, 302, 303, 307, 308)


def fetch(client: Any, url: str, method: str = "GET", **kwargs: Any) -> Fetched:
    if "?" in url and "query_string" in kwargs:  # a route's own query (QUERIES) and more
        path, own = url.split("?", 1)
        url, kwargs["query_string"] = path, [*parse_qsl(own), *dict(kwargs["query_string"]).items()]
    response = client.open(url, method=method, **kwargs)
    try:
        return Fetched(
            response.status_code,
            response.mimetype or "",
            response.get_data(),
            dict(response.headers),
        )
    finally:
        response.close()


def markers_in(response: Fetched, markers: Iterable[str]) -> list[str]:
    """The markers a response gives away, in its text (as its content type reads: a PDF's,
    a zip's files) or anywhere in its bytes."""
    body, _ = read(response.mimetype, response.data)
    raw = response.data.decode("utf-8", "replace")
    return [marker for marker in markers if marker in body or marker in raw]
