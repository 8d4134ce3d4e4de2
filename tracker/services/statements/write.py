"""Writing statements with their quotes, co-signatories, measures and sources. The shared pieces
are in tracker.services.saving."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from tracker import vocab
from tracker.dates import PartialDate
from tracker.domain.rules import shows_where_it_was_made
from tracker.models import Event, Measure, Organization, Person, Quote, Statement
from tracker.services import names
from tracker.services.record_data import QuoteData, StatementData
from tracker.services.saving import (
    MAX_ID,
    ValidationFailed,
    assign,
    assign_collection,
    by_slug,
    check_iso,
    check_slug,
    check_source_urls,
    check_visibility,
    cite_sources,
    clean_text,
    flush_record,
    reason_context,
    start_save,
    unique_slug,
)

# --------------------------------------------------------------------------------------------
# Statements


def save_statement(
    session: Session,
    statement: Statement | None,
    data: StatementData,
    *,
    expected_version: int | None = None,
    reason: str | None = None,
) -> Statement:
    """Create or update a statement with its quotes, co-signatories, measures and sources."""
    errors, plain = start_save(statement, data, expected_version)
    title = plain["title"]
    date = check_iso(errors, "date", data.date)
    if not data.date:
        errors["date"] = "Enter the date of the statement."
    unknown_asks = [ask for ask in data.asks if ask not in vocab.ASKS]
    if unknown_asks:
        errors["asks"] = f"Unknown asks: {', '.join(unknown_asks)}."
    check_visibility(errors, data.visibility)
    slug = clean_text(data.slug)
    with session.no_autoflush:
        check_slug(session, errors, Statement, slug, statement.id if statement else None)
        organizations = by_slug(session, Organization, [data.organization, *data.signatories])
        author = organizations.get(data.organization)
        if author is None:
            errors["organization"] = (
                names.not_found(
                    session,
                    Organization,
                    data.organization,
                    "; pick one from the list or add it first",
                )
                if data.organization
                else "Choose the organization that made the statement."
            )
        missing = [s for s in data.signatories if s not in organizations]
        if missing:
            errors["signatories"] = f"Unknown organizations: {', '.join(missing)}."
        quote_speakers = [q.speaker for q in data.quotes if q.speaker]
        people = by_slug(
            session, Person, [s for s in [data.speaker, *quote_speakers] if s is not None]
        )
        if data.speaker and data.speaker not in people:
            errors["speaker"] = names.not_found(
                session, Person, data.speaker, "; pick one from the list"
            )
        for index, quote in enumerate(data.quotes):
            if quote.speaker and quote.speaker not in people:
                errors[f"quotes-{index}-speaker"] = names.not_found(session, Person, quote.speaker)
        measures = by_slug(session, Measure, data.measures)
        missing = [s for s in data.measures if s not in measures]
        if missing:
            errors["measures"] = f"Unknown measures: {', '.join(missing)}."
        elif not data.measures:
            errors["measures"] = "Link at least one measure the statement is about."
        reacts_to = (
            session.get(Event, data.reacts_to)
            if data.reacts_to is not None and 0 < data.reacts_to <= MAX_ID
            else None
        )
        if data.reacts_to is not None and reacts_to is None:
            errors["reacts_to"] = "That event no longer exists; choose another."
        check_source_urls(errors, data.sources)
        if not shows_where_it_was_made(plain["url"], data.sources):
            errors.setdefault("sources", "Give the statement's web address or at least a source.")
        if errors:
            raise ValidationFailed(errors)
        sources = cite_sources(session, data.sources, data.source_titles)
        assert date is not None
        assert author is not None
        assert title is not None
        if slug is None:
            slug = (
                statement.slug
                if statement is not None
                else unique_slug(session, Statement, f"{_slug_prefix(author)} {date.iso} {title}")
            )
        with reason_context(session, reason):
            values: dict[str, Any] = {
                **plain,
                "slug": slug,
                "organization": author,
                "date": PartialDate(date.year, date.month, date.day, bool(data.approximate)),
                "speaker": people[data.speaker] if data.speaker else None,
                "type": data.type,
                "stance": data.stance,
                "asks": list(dict.fromkeys(data.asks)),
                "visibility": data.visibility,
                "reacts_to": reacts_to,
            }
            if statement is None:
                statement = Statement(**values)
                session.add(statement)
            else:
                assign(statement, values)
            assign_collection(
                statement,
                "signatories",
                [organizations[s] for s in dict.fromkeys(data.signatories) if s in organizations],
            )
            assign_collection(statement, "measures", [measures[s] for s in data.measures])
            assign_collection(statement, "sources", sources)
            _sync_quotes(statement, data.quotes, people)
            flush_record(session, statement)
    return statement


def _slug_prefix(author: Organization) -> str:
    """What a new statement's slug starts with: its author's slug, unless the author is
    internal, as a public statement's address would name them."""
    return author.slug if author.is_public else "statement"


def _sync_quotes(
    statement: Statement, quotes: Sequence[QuoteData], people: Mapping[str, Person]
) -> None:
    wanted = [
        (quote.text.strip(), people[quote.speaker] if quote.speaker else None)
        for quote in quotes
        if quote.text and quote.text.strip()
    ]
    current = [(quote.text, quote.speaker) for quote in statement.quotes]
    if wanted == current:
        return
    # Reuse the rows in place where possible: fewer deletes, and ids stay put.
    existing = list(statement.quotes)
    for position, (text, speaker) in enumerate(wanted):
        if position < len(existing):
            quote = existing[position]
            assign(quote, {"text": text, "speaker": speaker, "position": position})
        else:
            statement.quotes.append(Quote(text=text, speaker=speaker, position=position))
    for quote in existing[len(wanted) :]:
        statement.quotes.remove(quote)
