"""Writing measures: save a measure with its topics and sources, relate it to another one, and
find the measures it may duplicate. The shared pieces are in tracker.services.saving."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker import vocab
from tracker.countries import is_country
from tracker.domain.rules import topic_name
from tracker.models import Measure, Relation, Topic
from tracker.services import names
from tracker.services.record_data import MeasureData, RelationData
from tracker.services.saving import (
    ValidationFailed,
    assign,
    assign_collection,
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
# Measures


def save_measure(
    session: Session,
    measure: Measure | None,
    data: MeasureData,
    *,
    expected_version: int | None = None,
    reason: str | None = None,
) -> Measure:
    """Create or update a measure; slug generated from country and title when left empty."""
    errors, plain = start_save(measure, data, expected_version)
    title = plain["title"]
    country = (data.country or "").strip().upper()
    if not country or not is_country(country):
        errors["country"] = "Choose a country."
    check_visibility(errors, data.visibility)
    slug = clean_text(data.slug)
    with session.no_autoflush:
        check_slug(session, errors, Measure, slug, measure.id if measure else None)
        check_source_urls(errors, data.sources)
        if errors:
            raise ValidationFailed(errors)
        sources = cite_sources(session, data.sources, data.source_titles)
        if slug is None:
            slug = (
                measure.slug
                if measure is not None
                else unique_slug(session, Measure, f"{country} {title}")
            )
        topics = _topics(session, data.topics, data.topic_names)
        with reason_context(session, reason):
            if measure is None:
                measure = Measure(slug=slug, popular_names=[])
                session.add(measure)
            assign(
                measure,
                {
                    **plain,
                    "slug": slug,
                    "country": country,
                    "kind": data.kind,
                    "popular_names": [n.strip() for n in data.popular_names if n.strip()],
                    "visibility": data.visibility,
                },
            )
            assign_collection(measure, "topics", topics)
            assign_collection(measure, "sources", sources)
            flush_record(session, measure)
    return measure


def _topics(session: Session, slugs: Sequence[str], names: Mapping[str, str]) -> list[Topic]:
    wanted = list(dict.fromkeys(s for s in slugs if s))
    found = {t.slug: t for t in session.scalars(select(Topic).where(Topic.slug.in_(wanted)))}
    topics = []
    for slug in wanted:
        topic = found.get(slug)
        if topic is None:
            topic = Topic(slug=slug, name=names.get(slug) or topic_name(slug))
            session.add(topic)
        topics.append(topic)
    return topics


@dataclass(frozen=True, slots=True)
class SimilarMeasure:
    measure: Measure
    why: str


def similar_measures(
    session: Session, candidate: names.MeasureNames, exclude_id: int | None = None
) -> list[SimilarMeasure]:
    """Measures of the same country that look like the one being entered (possible duplicates).

    A warning only: two bills can share a title across years. Names are compared folded
    (tracker.services.names): titles, short titles, popular names and identifiers.
    """
    query = select(Measure).where(Measure.country == (candidate.country or "").upper())
    if exclude_id is not None:
        query = query.where(Measure.id != exclude_id)
    found: list[tuple[names.Likeness, SimilarMeasure]] = []
    for measure in session.scalars(query):
        alike = names.likeness(candidate, names.MeasureNames.of(measure))
        if alike is not None:
            found.append((alike, SimilarMeasure(measure, alike.why)))
    # Strongest reason first, then the closer title; the slug makes ties the same everywhere.
    found.sort(key=lambda item: (-item[0].strength, -item[0].closeness, item[1].measure.slug))
    return [item for _, item in found[:5]]


def save_relation(
    session: Session,
    subject: Measure,
    relation: Relation | None,
    data: RelationData,
    *,
    expected_version: int | None = None,
    reason: str | None = None,
) -> Relation:
    """Relate a measure to another one ("modelled on", "amends"...)."""
    errors, plain = start_save(relation, data, expected_version)
    target = session.scalar(select(Measure).where(Measure.slug == (data.target or "").strip()))
    if target is None:
        errors["target"] = names.not_found(
            session, Measure, data.target, "; pick one from the list"
        )
    elif target.id == subject.id:
        errors["target"] = "A measure cannot be related to itself."
    elif data.type in vocab.RELATION_TYPES:
        duplicate = session.scalar(
            select(Relation.id).where(
                Relation.subject_id == subject.id,
                Relation.object_id == target.id,
                Relation.type == data.type,
            )
        )
        if duplicate is not None and (relation is None or duplicate != relation.id):
            errors["target"] = "This relation is already recorded."
    if errors:
        raise ValidationFailed(errors)
    assert target is not None
    with reason_context(session, reason):
        if relation is None:
            relation = Relation(type=data.type, subject=subject, object=target)
            session.add(relation)
        assign(relation, {**plain, "type": data.type, "object": target})
        flush_record(session, relation)
    return relation
