"""Typed SQLAlchemy models of the domain (docs/domain.md).

Models hold data and the few invariants the database can enforce (unique slugs, known codes,
foreign keys). Rules live in services; how a status follows from events lives in tracker.status.

One module on purpose (~700 lines): Alembic's env.py and autogenerate read one metadata, and
the relationships between the kinds refer to each other by name; the fields' labels, limits
and shapes are described in tracker.domain.kinds, not here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, composite, declared_attr, mapped_column, relationship

from tracker import clock, vocab
from tracker.dates import PartialDate, Precision
from tracker.db import Base


def _one_of(column: str, values: Iterable[str], name: str) -> CheckConstraint:
    """A named CHECK that a code column holds a known code (NULL allowed where nullable)."""
    quoted = ", ".join(f"'{value}'" for value in values)
    return CheckConstraint(f"{column} IN ({quoted})", name=name)


PRECISIONS = [precision.value for precision in Precision]


class TimestampMixin:
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    updated_at: Mapped[dt.datetime] = mapped_column(default=clock.now, onupdate=clock.now)


class VersionedMixin:
    """A version number that every UPDATE checks and increments (optimistic locking).

    SQLAlchemy adds ``WHERE version = <the version it loaded>`` to each UPDATE and DELETE and
    raises StaleDataError when another transaction got there first. Editing services also
    compare the version a form was rendered with (tracker.services.saving), because a form
    posted minutes later loads the current row again.
    """

    version: Mapped[int] = mapped_column(server_default="1")

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]


# -- association tables -----------------------------------------------------------------------

measure_topics = Table(
    "measure_topics",
    Base.metadata,
    Column("measure_id", ForeignKey("measures.id", ondelete="CASCADE"), primary_key=True),
    Column("topic_id", ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True),
)

measure_sources = Table(
    "measure_sources",
    Base.metadata,
    Column("measure_id", ForeignKey("measures.id", ondelete="CASCADE"), primary_key=True),
    Column("source_id", ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True),
)

event_sources = Table(
    "event_sources",
    Base.metadata,
    Column("event_id", ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
    Column("source_id", ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True),
)

statement_sources = Table(
    "statement_sources",
    Base.metadata,
    Column("statement_id", ForeignKey("statements.id", ondelete="CASCADE"), primary_key=True),
    Column("source_id", ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True),
)

statement_measures = Table(
    "statement_measures",
    Base.metadata,
    Column("statement_id", ForeignKey("statements.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "measure_id", ForeignKey("measures.id", ondelete="CASCADE"), primary_key=True, index=True
    ),
)

statement_signatories = Table(
    "statement_signatories",
    Base.metadata,
    Column("statement_id", ForeignKey("statements.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "organization_id",
        ForeignKey("organizations.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)


# -- records ----------------------------------------------------------------------------------


class Topic(Base):
    __tablename__ = "topics"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(500))

    measures: Mapped[list[Measure]] = relationship(
        secondary=measure_topics, back_populates="topics"
    )


class Source(VersionedMixin, Base):
    """A document a fact comes from; one row per URL, cited by many events and statements."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000), unique=True)
    title: Mapped[str | None] = mapped_column(String(1000))
    publisher: Mapped[str | None] = mapped_column(String(500))
    published_iso: Mapped[str | None] = mapped_column(String(10))
    published_approximate: Mapped[bool | None] = mapped_column(Boolean)
    published_start: Mapped[dt.date | None] = mapped_column(Date)
    published_precision: Mapped[str | None] = mapped_column(String(5))
    published_end: Mapped[dt.date | None] = mapped_column(Date)
    published: Mapped[PartialDate | None] = composite(
        PartialDate.from_columns,
        "published_iso",
        "published_approximate",
        "published_start",
        "published_precision",
        "published_end",
    )
    accessed: Mapped[dt.date | None] = mapped_column(Date)
    archived_url: Mapped[str | None] = mapped_column(String(2000))

    __table_args__ = (
        _one_of("published_precision", PRECISIONS, "published_precision"),
        CheckConstraint("url LIKE 'http://%' OR url LIKE 'https://%'", name="url_scheme"),
    )

    @property
    def name(self) -> str:
        """How a sentence names it ("per 24.kg"): the publisher, the title, or the site."""
        return self.publisher or self.title or urlsplit(self.url).hostname or self.url


class OwnVisibility:
    """A record with a public/internal decision of its own (its ``visibility`` column).

    This is the record's own flag; who may see what, for every kind, is decided in one place:
    tracker.viewpoint."""

    visibility: Mapped[str]

    @property
    def is_public(self) -> bool:
        return self.visibility == vocab.VISIBILITY_PUBLIC


class Organization(OwnVisibility, VersionedMixin, TimestampMixin, Base):
    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(500))
    acronym: Mapped[str | None] = mapped_column(String(50))
    kind: Mapped[str | None] = mapped_column(String(40))
    country: Mapped[str | None] = mapped_column(String(2))
    url: Mapped[str | None] = mapped_column(String(2000))
    # Its own decision, never derived from the statements that mention it: deleting or
    # re-pointing an internal statement must not make anyone public. Internal unless someone
    # decides otherwise (the database default too, so that a row written without it is hidden).
    visibility: Mapped[str] = mapped_column(String(10), server_default="internal")

    people: Mapped[list[Person]] = relationship(
        back_populates="organization", order_by="Person.name"
    )
    statements: Mapped[list[Statement]] = relationship(
        back_populates="organization", foreign_keys="Statement.organization_id"
    )

    __table_args__ = (
        _one_of("kind", vocab.ORGANIZATION_KINDS, "kind"),
        _one_of("visibility", vocab.VISIBILITIES, "visibility"),
    )


class Person(OwnVisibility, VersionedMixin, TimestampMixin, Base):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    role: Mapped[str | None] = mapped_column(String(500))
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="SET NULL"), index=True
    )
    # Public only by an explicit decision (see Organization.visibility).
    visibility: Mapped[str] = mapped_column(String(10), server_default="internal")

    organization: Mapped[Organization | None] = relationship(back_populates="people")

    __table_args__ = (_one_of("visibility", vocab.VISIBILITIES, "visibility"),)


class Measure(OwnVisibility, VersionedMixin, TimestampMixin, Base):
    """A law, bill, order or practice that restricts or protects civic space."""

    __tablename__ = "measures"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    country: Mapped[str] = mapped_column(String(2), index=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    title: Mapped[str] = mapped_column(String(1000))
    short_title: Mapped[str | None] = mapped_column(String(300))
    original_title: Mapped[str | None] = mapped_column(String(1000))
    original_language: Mapped[str | None] = mapped_column(String(20))
    popular_names: Mapped[list[str]] = mapped_column(JSON, default=list)
    identifier: Mapped[str | None] = mapped_column(String(300))
    originating_body: Mapped[str | None] = mapped_column(String(500))
    official_text_url: Mapped[str | None] = mapped_column(String(2000))
    summary: Mapped[str | None] = mapped_column(Text)
    visibility: Mapped[str] = mapped_column(String(10), default="public", index=True)

    topics: Mapped[list[Topic]] = relationship(
        secondary=measure_topics, back_populates="measures", order_by=Topic.name
    )
    sources: Mapped[list[Source]] = relationship(secondary=measure_sources, order_by=Source.id)
    events: Mapped[list[Event]] = relationship(
        back_populates="measure",
        cascade="all, delete-orphan",
        # ISO strings sort as people expect partial dates to: "2023" < "2023-10" < "2023-10-25".
        order_by="[Event.date_iso, Event.id]",
    )
    relations: Mapped[list[Relation]] = relationship(
        back_populates="subject",
        foreign_keys="Relation.subject_id",
        cascade="all, delete-orphan",
        order_by="Relation.id",
    )
    inverse_relations: Mapped[list[Relation]] = relationship(
        back_populates="object",
        foreign_keys="Relation.object_id",
        cascade="all, delete-orphan",
        order_by="Relation.id",
    )
    statements: Mapped[list[Statement]] = relationship(
        secondary=statement_measures, back_populates="measures"
    )

    __table_args__ = (
        _one_of("kind", vocab.MEASURE_KINDS, "kind"),
        _one_of("visibility", vocab.VISIBILITIES, "visibility"),
        CheckConstraint("length(country) = 2", name="country_code"),
    )

    @property
    def display_title(self) -> str:
        """The short title where there is one: official titles run to fifty words."""
        return self.short_title or self.title


class Event(VersionedMixin, Base):
    """One dated step in a measure's life; the timeline and the status are made of them."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("measures.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(40), index=True)

    date_iso: Mapped[str] = mapped_column(String(10))
    date_approximate: Mapped[bool] = mapped_column(default=False)
    date_start: Mapped[dt.date] = mapped_column(index=True)
    date_precision: Mapped[str] = mapped_column(String(5))
    date_end: Mapped[dt.date | None] = mapped_column(index=True)
    """The day it counts from (tracker.status.counts_from): lists filter and sort by it.
    Always written by PartialDate; nullable only for SQLite's sake (migration 0009)."""
    date: Mapped[PartialDate] = composite(
        PartialDate.from_stored,
        "date_iso",
        "date_approximate",
        "date_start",
        "date_precision",
        "date_end",
    )

    end_date_iso: Mapped[str | None] = mapped_column(String(10))
    end_date_approximate: Mapped[bool | None] = mapped_column(Boolean)
    end_date_start: Mapped[dt.date | None] = mapped_column(Date)
    end_date_precision: Mapped[str | None] = mapped_column(String(5))
    end_date_end: Mapped[dt.date | None] = mapped_column(Date)
    end_date: Mapped[PartialDate | None] = composite(
        PartialDate.from_columns,
        "end_date_iso",
        "end_date_approximate",
        "end_date_start",
        "end_date_precision",
        "end_date_end",
    )

    actor: Mapped[str | None] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)
    curator_notes: Mapped[str | None] = mapped_column(Text)
    """Curators' notes on the event (tracker.domain.kinds: internal, never published)."""
    votes_for: Mapped[int | None]
    votes_against: Mapped[int | None]
    votes_abstain: Mapped[int | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    updated_at: Mapped[dt.datetime] = mapped_column(default=clock.now, onupdate=clock.now)

    measure: Mapped[Measure] = relationship(back_populates="events")
    sources: Mapped[list[Source]] = relationship(secondary=event_sources, order_by=Source.id)

    __table_args__ = (
        Index("ix_events_measure_id_date_start", "measure_id", "date_start"),
        _one_of("type", vocab.EVENT_TYPES, "type"),
        _one_of("date_precision", PRECISIONS, "date_precision"),
        _one_of("end_date_precision", PRECISIONS, "end_date_precision"),
        CheckConstraint("votes_for >= 0", name="votes_for"),
        CheckConstraint("votes_against >= 0", name="votes_against"),
        CheckConstraint("votes_abstain >= 0", name="votes_abstain"),
    )

    @property
    def type_label(self) -> str:
        return vocab.EVENT_TYPES[self.type].label

    @property
    def has_votes(self) -> bool:
        return any(v is not None for v in (self.votes_for, self.votes_against, self.votes_abstain))


class Relation(VersionedMixin, Base):
    """A directed relation between two measures, stored once and shown from both sides."""

    __tablename__ = "relations"

    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int] = mapped_column(
        ForeignKey("measures.id", ondelete="CASCADE"), index=True
    )
    object_id: Mapped[int] = mapped_column(
        ForeignKey("measures.id", ondelete="CASCADE"), index=True
    )
    note: Mapped[str | None] = mapped_column(Text)

    subject: Mapped[Measure] = relationship(foreign_keys=[subject_id], back_populates="relations")
    object: Mapped[Measure] = relationship(
        foreign_keys=[object_id], back_populates="inverse_relations"
    )

    __table_args__ = (
        UniqueConstraint("subject_id", "object_id", "type", name="uq_relations_subject_object"),
        CheckConstraint("subject_id <> object_id", name="not_self"),
        _one_of("type", vocab.RELATION_TYPES, "type"),
    )


class Statement(OwnVisibility, VersionedMixin, TimestampMixin, Base):
    """What an organization said about one or more measures."""

    __tablename__ = "statements"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT"), index=True
    )
    speaker_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    type: Mapped[str | None] = mapped_column(String(40))
    stance: Mapped[str | None] = mapped_column(String(20))
    asks: Mapped[list[str]] = mapped_column(JSON, default=list)

    date_iso: Mapped[str] = mapped_column(String(10))
    date_approximate: Mapped[bool] = mapped_column(default=False)
    date_start: Mapped[dt.date] = mapped_column(index=True)
    date_precision: Mapped[str] = mapped_column(String(5))
    date_end: Mapped[dt.date | None] = mapped_column(index=True)
    """The day it counts from (tracker.status.counts_from): lists filter and sort by it.
    Always written by PartialDate; nullable only for SQLite's sake (migration 0009)."""
    date: Mapped[PartialDate] = composite(
        PartialDate.from_stored,
        "date_iso",
        "date_approximate",
        "date_start",
        "date_precision",
        "date_end",
    )

    title: Mapped[str] = mapped_column(String(1000))
    url: Mapped[str | None] = mapped_column(String(2000))
    summary: Mapped[str | None] = mapped_column(Text)
    visibility: Mapped[str] = mapped_column(String(10), default="public", index=True)
    reacts_to_event_id: Mapped[int | None] = mapped_column(
        ForeignKey("events.id", ondelete="SET NULL"), index=True
    )

    organization: Mapped[Organization] = relationship(
        back_populates="statements", foreign_keys=[organization_id]
    )
    speaker: Mapped[Person | None] = relationship()
    signatories: Mapped[list[Organization]] = relationship(
        secondary=statement_signatories, order_by=Organization.name
    )
    measures: Mapped[list[Measure]] = relationship(
        secondary=statement_measures, back_populates="statements", order_by=Measure.title
    )
    quotes: Mapped[list[Quote]] = relationship(
        back_populates="statement", cascade="all, delete-orphan", order_by="Quote.position"
    )
    sources: Mapped[list[Source]] = relationship(secondary=statement_sources, order_by=Source.id)
    reacts_to: Mapped[Event | None] = relationship()

    __table_args__ = (
        _one_of("type", vocab.STATEMENT_TYPES, "type"),
        _one_of("stance", vocab.STANCES, "stance"),
        _one_of("visibility", vocab.VISIBILITIES, "visibility"),
        _one_of("date_precision", PRECISIONS, "date_precision"),
    )


class Quote(Base):
    __tablename__ = "quotes"

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(
        ForeignKey("statements.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    text: Mapped[str] = mapped_column(Text)
    speaker_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True
    )

    statement: Mapped[Statement] = relationship(back_populates="quotes")
    speaker: Mapped[Person | None] = relationship()


# -- accounts and history ---------------------------------------------------------------------

ROLES = ("admin", "editor", "viewer")
REVISION_ACTIONS = ("create", "update", "delete", "restore", "merge")
REVISED_RECORDS = ("measure", "event", "relation", "statement", "organization", "person", "source")


class User(Base):
    """Someone who signs in: a viewer reads internal records, an editor writes, an admin also
    manages users."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-case (the CHECK keeps it so), which makes the UNIQUE case-insensitive.
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(10))
    active: Mapped[bool] = mapped_column(default=True)
    # Kept in the signed session cookie and compared on every request; replacing it (logout,
    # password change, role change, deactivation) makes every copy of an old cookie useless.
    session_token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    password_changed_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    last_login_at: Mapped[dt.datetime | None]

    __table_args__ = (
        _one_of("role", ROLES, "role"),
        CheckConstraint("email = lower(email)", name="email_lower_case"),
    )

    @property
    def label(self) -> str:
        return self.name or self.email

    # What Flask-Login asks of a user (tracker.web.auth). The id kept in the session is the
    # rotating token, not the database id, so that replacing the token ends the session.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return self.session_token


class Revision(Base):
    """One create, update, delete or restore of one record: who, when, before and after.

    No IP address or anything else about the author's connection is kept.
    """

    __tablename__ = "revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Revisions written by one save share it, so that undoing a deletion brings back what the
    # deletion took with it (a measure's events and relations).
    change_id: Mapped[str] = mapped_column(String(32), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now, index=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    # Who wrote it when no user did ("import", "cli"), and the user's name at the time.
    actor_label: Mapped[str] = mapped_column(String(200))
    record_type: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[int]
    record_label: Mapped[str] = mapped_column(String(1000))
    action: Mapped[str] = mapped_column(String(10))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(Text)

    user: Mapped[User | None] = relationship()

    __table_args__ = (
        Index("ix_revisions_record_type_record_id", "record_type", "record_id"),
        # Deletions since a moment, for the API's ?updated_since= (tracker.services.deletions).
        Index("ix_revisions_action_record_type_created_at", "action", "record_type", "created_at"),
        _one_of("action", REVISION_ACTIONS, "action"),
        _one_of("record_type", REVISED_RECORDS, "record_type"),
    )


MERGED_RECORDS = ("measure", "organization", "person")


class SlugRedirect(Base):
    """The old address of a record merged into another (tracker.services.merging): its pages
    and the API's answer with a permanent redirect to the survivor's."""

    __tablename__ = "slug_redirects"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_type: Mapped[str] = mapped_column(String(20))
    old_slug: Mapped[str] = mapped_column(String(120))
    # The survivor by id, so that the redirect follows a later change of its slug. No foreign
    # key (it is one of three tables): a redirect to a record deleted since leads nowhere, and
    # the old address answers 404 as any missing record's does.
    target_id: Mapped[int]
    # Whether anonymous visitors may follow it: only if the merged record was public. Else the
    # redirect would tell them that an internal record existed, and what it became.
    public: Mapped[bool]
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)

    __table_args__ = (
        UniqueConstraint("record_type", "old_slug", name="uq_slug_redirects_record_type_old_slug"),
        Index("ix_slug_redirects_record_type_target_id", "record_type", "target_id"),
        _one_of("record_type", MERGED_RECORDS, "record_type"),
    )


def all_models() -> list[type[Any]]:
    """Every mapped class, for code that walks them all (exports, checks)."""
    return [
        Topic,
        Source,
        Organization,
        Person,
        Measure,
        Event,
        Relation,
        Statement,
        Quote,
        User,
        Revision,
        SlugRedirect,
    ]


class MeasureStatus(Base):
    """A measure's derived status as of the day it was computed, and until when it holds.

    A cache, never the truth: tracker.status derives the status from the events, and
    tracker.services.status_cache keeps this row in step. Database triggers (migration 0003)
    create a row for every new measure and mark it stale whenever one of the measure's events is
    written, so no code path can leave a stale status behind; reads recompute stale rows, and rows
    whose ``valid_until`` has come (the next event's effective day, or the end of a term in force).
    Lists, filters and facets for today read it instead of deriving every status on every request.
    """

    __tablename__ = "measure_status"

    measure_id: Mapped[int] = mapped_column(
        ForeignKey("measures.id", ondelete="CASCADE"), primary_key=True
    )
    computed_on: Mapped[dt.date] = mapped_column(index=True)
    """The day ("today") the status was derived for."""
    valid_until: Mapped[dt.date] = mapped_column(index=True)
    """The first day on which it may differ; 0001-01-01 means stale, 9999-12-31 never."""
    state: Mapped[str | None] = mapped_column(String(30), index=True)
    first_year: Mapped[int | None] = mapped_column(index=True)
    """The year of the measure's earliest recorded event (the "year" facet)."""
    exists_from: Mapped[dt.date | None] = mapped_column(Date)
    """The first day its earliest event could be; "as of" an earlier day the measure did not
    exist yet (tracker.status.Status.existed). NULL: no event recorded, nothing dates it."""
    status: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """The whole status with its explanations (tracker.services.status_cache)."""
    term_end: Mapped[dt.date | None] = mapped_column(Date, index=True)
    """The last day of the term in force (``Status.term_end``), if one is recorded: what is
    coming reads the terms that run out soon from this index instead of deriving statuses."""
    last_activity: Mapped[dt.date | None] = mapped_column(Date)
    """The last day the latest counted event could be (``Status.last_event_date.end``): the
    quietest pending measures are a walk of ``ix_measure_status_quiet``."""
    # Copies of the measure's own facet columns, kept by triggers, so that filters and facet
    # counts over a hundred thousand measures read one narrow table through covering indexes.
    country: Mapped[str] = mapped_column(String(2))
    kind: Mapped[str] = mapped_column(String(40))
    visibility: Mapped[str] = mapped_column(String(10))

    __table_args__ = (
        Index(
            "ix_measure_status_by_country", "visibility", "country", "state", "kind", "first_year"
        ),
        Index("ix_measure_status_by_state", "visibility", "state", "country", "kind", "first_year"),
        Index("ix_measure_status_quiet", "state", "last_activity"),
        # Counts by country of the measures that existed on a day (home and country pages),
        # for every audience: a covering scan in country order, no sort.
        Index("ix_measure_status_country_exists", "country", "exists_from", "visibility"),
        # Facet counts filtered by state or by country, for every audience: covering, with the
        # day a measure exists from (the two above lead with visibility, which a signed-in
        # reader does not filter by, and lack exists_from, so each count read the table).
        Index(
            "ix_measure_status_facets_by_state",
            *("state", "country", "kind", "first_year", "exists_from", "visibility"),
        ),
        Index(
            "ix_measure_status_facets_by_country",
            *("country", "state", "kind", "first_year", "exists_from", "visibility"),
        ),
    )


# Lists are ordered by country then title, usually filtered by country; topic filters look up
# measures by topic.
Index("ix_measures_country_title", Measure.country, Measure.title)
Index("ix_measure_topics_topic_id", measure_topics.c.topic_id)
# The API's lists sync by ?updated_since=… in the order of the last change (migration 0013).
Index("ix_measures_updated_at_id", Measure.updated_at, Measure.id)
Index("ix_events_updated_at_id", Event.updated_at, Event.id)
Index("ix_statements_updated_at_id", Statement.updated_at, Statement.id)


class DataVersion(Base):
    """One number that moves on whenever a record that pages show is written (migration
    0004's triggers; on PostgreSQL once per writing transaction, 0006); the public page cache
    is keyed by it (tracker.http.page_cache)."""

    __tablename__ = "data_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)
    # PostgreSQL: the transaction that last moved the version, so that it moves once per
    # transaction (migration 0006). Unused on SQLite.
    bumped_in: Mapped[int | None] = mapped_column(BigInteger)

    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)


# -- API tokens -------------------------------------------------------------------------------

TOKEN_SCOPES = ("read", "write")


class ApiToken(Base):
    """A personal token for the JSON API, created and revoked by its user.

    The token itself (``trk_<prefix>_<secret>``) is shown once, when it is made; only the prefix
    (to find the row) and a SHA-256 hash of the secret are kept, so a copy of the database holds
    no usable token. What a token may do is decided at each request from its scope and its
    user's current role and state, never fixed when it was made. Like the rest of the tracker it
    records nothing about where it is used from: the day it was last used, no address.
    """

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    scope: Mapped[str] = mapped_column(String(5))
    prefix: Mapped[str] = mapped_column(String(8), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    last_used_on: Mapped[dt.date | None]
    expires_on: Mapped[dt.date | None]
    revoked_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship()

    __table_args__ = (_one_of("scope", TOKEN_SCOPES, "scope"),)


# -- Alerts (tracker.services.alerts) ------------------------------------------------------------

# What a subscription follows: one measure, a country, a topic, an organization, everything
# modelled on a measure (its lineage), a saved list or search, or (for editors) the records one
# created.
ALERT_TARGETS = ("measure", "country", "topic", "organization", "lineage", "search", "mine")
ALERT_FREQUENCIES = ("instant", "daily", "weekly")
ALERT_CHANNELS = ("email", "webhook")
# An outbox message is "sending" while a round hands it over; one found "sending" by a later
# round was interrupted mid-delivery (tracker.services.alerts decides what that means).
OUTBOX_STATES = ("pending", "sending", "sent", "failed")


class AlertRecipient(Base):
    """Who alerts go to: a signed-in user (to the account's address) or an address alone.

    An address alone is stored only with what it follows, and deleted with its last
    subscription. Nothing about the requester (no IP address, no user agent) is kept.
    """

    __tablename__ = "alert_recipients"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), unique=True
    )
    # Lower-case, like users.email; set only for a recipient without an account.
    email: Mapped[str | None] = mapped_column(String(320), unique=True)
    # Carried by every signed link (confirm, unsubscribe) and replaced when a link must stop
    # working, which makes a confirmation link single-use.
    secret: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)

    user: Mapped[User | None] = relationship()
    subscriptions: Mapped[list[AlertSubscription]] = relationship(
        back_populates="recipient", cascade="all, delete-orphan", passive_deletes=True
    )

    __table_args__ = (
        CheckConstraint("(user_id IS NULL) <> (email IS NULL)", name="user_or_email"),
        CheckConstraint("email = lower(email)", name="email_lower_case"),
    )


class AlertSubscription(Base):
    """One thing followed by one recipient, how often, and by which channel.

    ``seen_revision_id`` is the high-water mark: every revision up to it has been considered for
    this subscription (put in the outbox or found not to concern it), so a round never sends a
    change twice. ``seen_day`` is the same for dates coming due: a future-dated event is told
    once when it is recorded and once when its day comes, never daily.
    """

    __tablename__ = "alert_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(
        ForeignKey("alert_recipients.id", ondelete="CASCADE"), index=True
    )
    target_kind: Mapped[str] = mapped_column(String(20))
    # A slug, a country code, or for "search" the list's path and query ("/measures/?country=KG").
    target: Mapped[str] = mapped_column(String(2000))
    # What it follows in words, as the subscriber saw it when following.
    label: Mapped[str] = mapped_column(String(300))
    channel: Mapped[str] = mapped_column(String(10), default="email")
    frequency: Mapped[str] = mapped_column(String(10), default="instant")
    # Tell of events and expiries due within this many days.
    due_days: Mapped[int] = mapped_column(default=14)
    # A webhook's HTTPS endpoint and the key its deliveries are signed with (HMAC-SHA256). The
    # key is shown to its owner, who needs it to check signatures, so it is kept as it is.
    webhook_url: Mapped[str | None] = mapped_column(String(2000))
    webhook_secret: Mapped[str | None] = mapped_column(String(64))
    # None until the emailed confirmation link is followed (double opt-in); set at once for a
    # signed-in user's own subscription.
    confirmed_at: Mapped[dt.datetime | None]
    seen_revision_id: Mapped[int] = mapped_column(default=0)
    seen_day: Mapped[dt.date | None]
    last_round_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)

    recipient: Mapped[AlertRecipient] = relationship(back_populates="subscriptions")

    __table_args__ = (
        _one_of("target_kind", ALERT_TARGETS, "target_kind"),
        _one_of("channel", ALERT_CHANNELS, "channel"),
        _one_of("frequency", ALERT_FREQUENCIES, "frequency"),
        CheckConstraint(
            "(channel = 'webhook') = (webhook_url IS NOT NULL)", name="webhook_has_url"
        ),
        CheckConstraint("due_days >= 0 AND due_days <= 366", name="due_days_range"),
    )


class AlertOutboxMessage(Base):
    """One message to one recipient (an email grouping all it follows, or one webhook
    delivery), written before it is sent and marked as it goes: a round that stops half-way
    leaves what it sent marked sent, and the next round sends only the rest."""

    __tablename__ = "alert_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(
        ForeignKey("alert_recipients.id", ondelete="CASCADE"), index=True
    )
    # The webhook subscription a delivery is for; None for an email (it covers several).
    subscription_id: Mapped[int | None] = mapped_column(
        ForeignKey("alert_subscriptions.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(10))
    # Sent with the message (the webhook's delivery id header), so a receiver can drop repeats.
    delivery_id: Mapped[str] = mapped_column(String(36), unique=True)
    subject: Mapped[str] = mapped_column(String(300))
    # What is sent: {"text": ..., "html": ...} for an email, the JSON payload for a webhook.
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(500))
    # The HTTP status a webhook endpoint answered with, for the delivery log.
    response_status: Mapped[int | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    sent_at: Mapped[dt.datetime | None]

    recipient: Mapped[AlertRecipient] = relationship()
    subscription: Mapped[AlertSubscription | None] = relationship()

    __table_args__ = (
        _one_of("channel", ALERT_CHANNELS, "channel"),
        _one_of("state", OUTBOX_STATES, "state"),
    )
