"""Builders for the export tests: records added next to the seed data, inside the test's
rolled-back transaction, and a way to make requests as a signed-in user."""

from __future__ import annotations

import re
from collections.abc import Iterable

from flask import Flask, g, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.dates import PartialDate
from tracker.db import get_session
from tracker.models import (
    Event,
    Measure,
    Organization,
    Quote,
    Source,
    Statement,
    Topic,
    User,
)
from tracker.services import users

SIGNED_IN = {"X-Test-Signed-In": "1"}
"""Headers that make a request count as a signed-in user's (see ``allow_signed_in``)."""

FOREIGN_REPRESENTATIVES = "kg-foreign-representatives-law-2024"
AMNESTY_STATEMENT = "amnesty-2024-02-08-kyrgyzstan-crackdown"


def allow_signed_in(app: Flask) -> None:
    """A request with the ``SIGNED_IN`` header counts as a signed-in viewer's.

    Registered before the app's first request, after the accounts' own loader, so the header
    puts a real viewer account in ``g.user``; requests without it stay anonymous. A viewer is the
    least privileged signed-in role, and it is enough to see internal records.
    """

    @app.before_request
    def sign_in_for_tests() -> None:
        # The test's app context (and so ``g``) outlives a request: clear what one left.
        g.pop("user", None)
        if not request.headers.get("X-Test-Signed-In"):
            return
        session = get_session()
        viewer = session.scalar(select(User).where(User.email == VIEWER_EMAIL))
        if viewer is None:
            viewer = users.create_user(session, VIEWER_EMAIL, "Export Viewer", "viewer", PASSWORD)
            session.flush()
        g.user = viewer


VIEWER_EMAIL = "export-viewer@example.org"
PASSWORD = "velvet kettle orbit plum"


def text_of(html: bytes | str) -> str:
    """What a reader sees: tags removed, entities of quotes restored, whitespace collapsed."""
    page = html.decode() if isinstance(html, bytes) else html
    stripped = re.sub(r"<[^>]+>", " ", page)
    for entity, char in (("&#34;", '"'), ("&#39;", "'"), ("&quot;", '"'), ("&amp;", "&")):
        stripped = stripped.replace(entity, char)
    return re.sub(r"\s+", " ", stripped)


def source(session: Session, url: str, **fields: object) -> Source:
    found = session.scalars(select(Source).where(Source.url == url)).first()
    if found is not None:
        return found
    record = Source(url=url, **fields)
    session.add(record)
    return record


def add_measure(
    session: Session,
    slug: str,
    title: str,
    *,
    country: str = "KG",
    kind: str = "law",
    visibility: str = "public",
    summary: str | None = None,
    original_title: str | None = None,
    topics: Iterable[str] = (),
    events: Iterable[tuple[str, str]] = (("introduced", "2025-03-04"),),
    until: dict[int, str] | None = None,
    source_url: str | None = None,
) -> Measure:
    """A measure with events given as (type, ISO date); ``until`` maps an event's position to
    its end date. Every event cites ``source_url`` (or one made from the slug)."""
    cited = source(session, source_url or f"https://news.example/{slug}", title=f"On {title}")
    measure = Measure(
        slug=slug,
        country=country,
        kind=kind,
        title=title,
        original_title=original_title,
        original_language="ru" if original_title else None,
        popular_names=[],
        summary=summary,
        visibility=visibility,
    )
    if topics:
        measure.topics = list(session.scalars(select(Topic).where(Topic.slug.in_(list(topics)))))
    for index, (kind_of_event, date) in enumerate(events):
        end = (until or {}).get(index)
        measure.events.append(
            Event(
                type=kind_of_event,
                date=PartialDate.from_iso(date),
                end_date=PartialDate.from_iso(end) if end else None,
                description=f"{kind_of_event} of {title}",
                sources=[cited],
            )
        )
    session.add(measure)
    session.flush()
    return measure


def add_statement(
    session: Session,
    slug: str,
    title: str,
    measures: Iterable[Measure],
    *,
    organization: str = "amnesty-international",
    visibility: str = "public",
    date: str = "2025-03-05",
    quote: str | None = None,
    source_url: str | None = None,
) -> Statement:
    org = session.scalars(select(Organization).where(Organization.slug == organization)).one()
    statement = Statement(
        slug=slug,
        organization=org,
        date=PartialDate.from_iso(date),
        title=title,
        url=f"https://ngo.example/{slug}",
        visibility=visibility,
        asks=[],
        measures=list(measures),
        sources=[source(session, source_url or f"https://report.example/{slug}")],
    )
    if quote:
        statement.quotes = [Quote(text=quote, position=0)]
    session.add(statement)
    session.flush()
    return statement


def add_internal_records(session: Session) -> tuple[Measure, Statement]:
    """An internal measure (with an event citing a source no public record cites), and an
    internal statement by an organization no public statement mentions."""
    secret_org = Organization(slug="secret-partner", name="Secret Partner Collective", kind="ngo")
    session.add(secret_org)
    session.flush()
    measure = add_measure(
        session,
        "kg-secret-draft-2026",
        "Secret draft on NGO inspections",
        visibility="internal",
        events=[("drafted", "2026-10-02")],
        source_url="https://confidential.example/leak",
    )
    statement = add_statement(
        session,
        "secret-partner-2026-10-03",
        "Confidential assessment of the inspections draft",
        [measure],
        organization="secret-partner",
        visibility="internal",
        date="2026-10-03",
        quote="We cannot be named.",
        source_url="https://confidential.example/assessment",
    )
    return measure, statement
