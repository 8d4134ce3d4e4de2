"""Countries: which have measures, how many in each state, and what was said about them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from tracker import vocab
from tracker.countries import collation_key, country_name
from tracker.models import Measure, Quote, Statement, statement_measures
from tracker.services.as_of import statement_dated_by, statement_order
from tracker.services.timeline import light_statuses
from tracker.viewpoint import Viewpoint


def state_counts(states: Iterable[str]) -> dict[str, int]:
    """How many measures are in each state (``Status.state``), in the vocabulary's order."""
    counts = dict.fromkeys(vocab.STATES, 0)
    for state in states:
        counts[state] += 1
    return {code: count for code, count in counts.items() if count}


@dataclass(slots=True)
class CountrySummary:
    code: str
    name: str
    measures: int = 0
    statements: int = 0
    states: dict[str, int] = field(default_factory=dict)


def country_summaries(session: Session, view: Viewpoint) -> list[CountrySummary]:
    """Every country with a measure the reader may see that existed on the reader's day, by
    name, with its counts as of that day."""
    as_of = view.as_of
    visible = view.select(Measure)
    measures = list(session.execute(visible.with_only_columns(Measure.id, Measure.country)))
    by_id = light_statuses(session, [m.id for m in measures], as_of)
    by_code: dict[str, list[str]] = {}
    for measure_id, country in measures:
        if by_id[measure_id].existed:
            by_code.setdefault(country, []).append(by_id[measure_id].state)
    chosen = visible.with_only_columns(Measure.id).subquery()
    statements = (
        select(Measure.country, func.count(func.distinct(Statement.id)))
        .select_from(statement_measures)
        .join(chosen, chosen.c.id == statement_measures.c.measure_id)
        .join(Measure, Measure.id == statement_measures.c.measure_id)
        .join(Statement, Statement.id == statement_measures.c.statement_id)
        .where(statement_dated_by(as_of))
        .group_by(Measure.country)
    )
    statements = statements.where(view.visible(Statement))
    statement_counts: dict[str, int] = {row[0]: row[1] for row in session.execute(statements)}
    summaries = [
        CountrySummary(
            code,
            country_name(code),
            len(states),
            statement_counts.get(code, 0),
            state_counts(states),
        )
        for code, states in by_code.items()
    ]
    return sorted(summaries, key=lambda summary: collation_key(summary.name))


def _about(measure_ids: Sequence[int], view: Viewpoint) -> Select[Statement]:
    # Through the association's index on measure_id: "Statement.measures.any(...)" made the
    # database test every statement (1.4 s of a country page at 10,000 measures).
    about = select(statement_measures.c.statement_id).where(
        statement_measures.c.measure_id.in_(measure_ids)
    )
    return (
        view.select(Statement).where(Statement.id.in_(about)).where(statement_dated_by(view.as_of))
    )


def statements_about(
    session: Session, measure_ids: Sequence[int], view: Viewpoint, limit: int | None = None
) -> list[Statement]:
    """Statements the reader may see about any of these measures, up to the reader's day,
    newest first; with ``limit``, only that many."""
    if not measure_ids:
        return []
    query = (
        _about(measure_ids, view)
        .options(
            selectinload(Statement.organization),
            selectinload(Statement.speaker),
            selectinload(Statement.signatories),
            selectinload(Statement.measures),
            selectinload(Statement.quotes).selectinload(Quote.speaker),
        )
        .order_by(*statement_order(newest_first=True))
    )
    return list(session.scalars(query.limit(limit) if limit is not None else query))


def count_statements_about(session: Session, measure_ids: Sequence[int], view: Viewpoint) -> int:
    """How many statements ``statements_about`` would list without a limit."""
    if not measure_ids:
        return 0
    counted = _about(measure_ids, view).with_only_columns(func.count(Statement.id))
    return session.scalar(counted) or 0
