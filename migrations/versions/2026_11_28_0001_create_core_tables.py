"""Create the core tables: measures, events, relations, sources, topics, organizations,
people, statements and quotes.

Timestamps are plain DateTime columns holding UTC (tracker.db.UTCDateTime does the conversion);
code lists are CHECK constraints named by the naming convention, so a later revision that adds
a code can drop and recreate them by name.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "measures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=120), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=1000), nullable=False),
        sa.Column("short_title", sa.String(length=300), nullable=True),
        sa.Column("original_title", sa.String(length=1000), nullable=True),
        sa.Column("original_language", sa.String(length=20), nullable=True),
        sa.Column("popular_names", sa.JSON(), nullable=False),
        sa.Column("identifier", sa.String(length=300), nullable=True),
        sa.Column("originating_body", sa.String(length=500), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("visibility", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('bill', 'law', 'constitutional-law', 'amendment', 'decree', 'regulation', 'court-order', 'administrative-order', 'policy', 'practice')",
            name=op.f("ck_measures_kind"),
        ),
        sa.CheckConstraint(
            "visibility IN ('public', 'internal')", name=op.f("ck_measures_visibility")
        ),
        sa.CheckConstraint("length(country) = 2", name=op.f("ck_measures_country_code")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_measures")),
        sa.UniqueConstraint("slug", name=op.f("uq_measures_slug")),
    )
    with op.batch_alter_table("measures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_measures_country"), ["country"], unique=False)
        batch_op.create_index(batch_op.f("ix_measures_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_measures_visibility"), ["visibility"], unique=False)

    op.create_table(
        "organizations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=120), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("acronym", sa.String(length=50), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("url", sa.String(length=2000), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('ngo', 'international-ngo', 'intergovernmental', 'un-mechanism', 'government', 'parliament', 'court', 'media', 'coalition', 'other')",
            name=op.f("ck_organizations_kind"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organizations")),
        sa.UniqueConstraint("slug", name=op.f("uq_organizations_slug")),
    )
    op.create_table(
        "sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("title", sa.String(length=1000), nullable=True),
        sa.Column("publisher", sa.String(length=500), nullable=True),
        sa.Column("published_iso", sa.String(length=10), nullable=True),
        sa.Column("published_approximate", sa.Boolean(), nullable=True),
        sa.Column("published_start", sa.Date(), nullable=True),
        sa.Column("published_precision", sa.String(length=5), nullable=True),
        sa.Column("accessed", sa.Date(), nullable=True),
        sa.Column("archived_url", sa.String(length=2000), nullable=True),
        sa.CheckConstraint(
            "published_precision IN ('year', 'month', 'day')",
            name=op.f("ck_sources_published_precision"),
        ),
        sa.CheckConstraint(
            "url LIKE 'http://%' OR url LIKE 'https://%'", name=op.f("ck_sources_url_scheme")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sources")),
        sa.UniqueConstraint("url", name=op.f("uq_sources_url")),
    )
    op.create_table(
        "topics",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=120), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_topics")),
        sa.UniqueConstraint("slug", name=op.f("uq_topics_slug")),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("measure_id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("date_iso", sa.String(length=10), nullable=False),
        sa.Column("date_approximate", sa.Boolean(), nullable=False),
        sa.Column("date_start", sa.Date(), nullable=False),
        sa.Column("date_precision", sa.String(length=5), nullable=False),
        sa.Column("end_date_iso", sa.String(length=10), nullable=True),
        sa.Column("end_date_approximate", sa.Boolean(), nullable=True),
        sa.Column("end_date_start", sa.Date(), nullable=True),
        sa.Column("end_date_precision", sa.String(length=5), nullable=True),
        sa.Column("actor", sa.String(length=500), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("votes_for", sa.Integer(), nullable=True),
        sa.Column("votes_against", sa.Integer(), nullable=True),
        sa.Column("votes_abstain", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "date_precision IN ('year', 'month', 'day')", name=op.f("ck_events_date_precision")
        ),
        sa.CheckConstraint(
            "end_date_precision IN ('year', 'month', 'day')",
            name=op.f("ck_events_end_date_precision"),
        ),
        sa.CheckConstraint(
            "type IN ('drafted', 'published-for-consultation', 'introduced', 'committee-referral', 'committee-approval', 'hearing', 'reading-1', 'reading-2', 'reading-3', 'passed', 'rejected', 'withdrawn', 'lapsed', 'sent-for-signature', 'vetoed', 'veto-overridden', 'signed', 'published', 'entered-into-force', 'imposed', 'extended', 'expired', 'suspended', 'reinstated', 'struck-down', 'partly-struck-down', 'repealed', 'amended', 'implementing-regulation', 'enforcement-action', 'court-challenge', 'court-ruling', 'international-opinion', 'other')",
            name=op.f("ck_events_type"),
        ),
        sa.CheckConstraint("votes_abstain >= 0", name=op.f("ck_events_votes_abstain")),
        sa.CheckConstraint("votes_against >= 0", name=op.f("ck_events_votes_against")),
        sa.CheckConstraint("votes_for >= 0", name=op.f("ck_events_votes_for")),
        sa.ForeignKeyConstraint(
            ["measure_id"],
            ["measures.id"],
            name=op.f("fk_events_measure_id_measures"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_events_date_start"), ["date_start"], unique=False)
        batch_op.create_index(
            "ix_events_measure_id_date_start", ["measure_id", "date_start"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_events_type"), ["type"], unique=False)

    op.create_table(
        "measure_sources",
        sa.Column("measure_id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["measure_id"],
            ["measures.id"],
            name=op.f("fk_measure_sources_measure_id_measures"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["sources.id"],
            name=op.f("fk_measure_sources_source_id_sources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("measure_id", "source_id", name=op.f("pk_measure_sources")),
    )
    op.create_table(
        "measure_topics",
        sa.Column("measure_id", sa.Integer(), nullable=False),
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["measure_id"],
            ["measures.id"],
            name=op.f("fk_measure_topics_measure_id_measures"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"],
            ["topics.id"],
            name=op.f("fk_measure_topics_topic_id_topics"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("measure_id", "topic_id", name=op.f("pk_measure_topics")),
    )
    op.create_table(
        "people",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=120), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("role", sa.String(length=500), nullable=True),
        sa.Column("organization_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_people_organization_id_organizations"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people")),
        sa.UniqueConstraint("slug", name=op.f("uq_people_slug")),
    )
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_people_organization_id"), ["organization_id"], unique=False
        )

    op.create_table(
        "relations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "type IN ('amends', 'repeals', 'replaces', 'extends', 'implements', 'reintroduces', 'modelled-on', 'overrides-ruling', 'related')",
            name=op.f("ck_relations_type"),
        ),
        sa.CheckConstraint("subject_id <> object_id", name=op.f("ck_relations_not_self")),
        sa.ForeignKeyConstraint(
            ["object_id"],
            ["measures.id"],
            name=op.f("fk_relations_object_id_measures"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["measures.id"],
            name=op.f("fk_relations_subject_id_measures"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_relations")),
        sa.UniqueConstraint("subject_id", "object_id", "type", name="uq_relations_subject_object"),
    )
    with op.batch_alter_table("relations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_relations_object_id"), ["object_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_relations_subject_id"), ["subject_id"], unique=False)

    op.create_table(
        "event_sources",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_event_sources_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["sources.id"],
            name=op.f("fk_event_sources_source_id_sources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("event_id", "source_id", name=op.f("pk_event_sources")),
    )
    op.create_table(
        "statements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=120), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("speaker_id", sa.Integer(), nullable=True),
        sa.Column("type", sa.String(length=40), nullable=True),
        sa.Column("stance", sa.String(length=20), nullable=True),
        sa.Column("asks", sa.JSON(), nullable=False),
        sa.Column("date_iso", sa.String(length=10), nullable=False),
        sa.Column("date_approximate", sa.Boolean(), nullable=False),
        sa.Column("date_start", sa.Date(), nullable=False),
        sa.Column("date_precision", sa.String(length=5), nullable=False),
        sa.Column("title", sa.String(length=1000), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("visibility", sa.String(length=10), nullable=False),
        sa.Column("reacts_to_event_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "date_precision IN ('year', 'month', 'day')", name=op.f("ck_statements_date_precision")
        ),
        sa.CheckConstraint(
            "stance IN ('oppose', 'concern', 'support', 'welcome', 'neutral')",
            name=op.f("ck_statements_stance"),
        ),
        sa.CheckConstraint(
            "type IN ('press-release', 'public-statement', 'joint-letter', 'legal-analysis', 'un-communication', 'opinion', 'report', 'social-media', 'interview')",
            name=op.f("ck_statements_type"),
        ),
        sa.CheckConstraint(
            "visibility IN ('public', 'internal')", name=op.f("ck_statements_visibility")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_statements_organization_id_organizations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["reacts_to_event_id"],
            ["events.id"],
            name=op.f("fk_statements_reacts_to_event_id_events"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["speaker_id"],
            ["people.id"],
            name=op.f("fk_statements_speaker_id_people"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statements")),
        sa.UniqueConstraint("slug", name=op.f("uq_statements_slug")),
    )
    with op.batch_alter_table("statements", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_statements_date_start"), ["date_start"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_statements_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_statements_reacts_to_event_id"), ["reacts_to_event_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_statements_speaker_id"), ["speaker_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_statements_visibility"), ["visibility"], unique=False)

    op.create_table(
        "quotes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("statement_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("speaker_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["speaker_id"],
            ["people.id"],
            name=op.f("fk_quotes_speaker_id_people"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["statement_id"],
            ["statements.id"],
            name=op.f("fk_quotes_statement_id_statements"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quotes")),
    )
    with op.batch_alter_table("quotes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quotes_speaker_id"), ["speaker_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_quotes_statement_id"), ["statement_id"], unique=False)

    op.create_table(
        "statement_measures",
        sa.Column("statement_id", sa.Integer(), nullable=False),
        sa.Column("measure_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["measure_id"],
            ["measures.id"],
            name=op.f("fk_statement_measures_measure_id_measures"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["statement_id"],
            ["statements.id"],
            name=op.f("fk_statement_measures_statement_id_statements"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("statement_id", "measure_id", name=op.f("pk_statement_measures")),
    )
    with op.batch_alter_table("statement_measures", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_statement_measures_measure_id"), ["measure_id"], unique=False
        )

    op.create_table(
        "statement_signatories",
        sa.Column("statement_id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_statement_signatories_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["statement_id"],
            ["statements.id"],
            name=op.f("fk_statement_signatories_statement_id_statements"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "statement_id", "organization_id", name=op.f("pk_statement_signatories")
        ),
    )
    with op.batch_alter_table("statement_signatories", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_statement_signatories_organization_id"),
            ["organization_id"],
            unique=False,
        )

    op.create_table(
        "statement_sources",
        sa.Column("statement_id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["sources.id"],
            name=op.f("fk_statement_sources_source_id_sources"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["statement_id"],
            ["statements.id"],
            name=op.f("fk_statement_sources_statement_id_statements"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("statement_id", "source_id", name=op.f("pk_statement_sources")),
    )


def downgrade() -> None:
    op.drop_table("statement_sources")
    with op.batch_alter_table("statement_signatories", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_statement_signatories_organization_id"))

    op.drop_table("statement_signatories")
    with op.batch_alter_table("statement_measures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_statement_measures_measure_id"))

    op.drop_table("statement_measures")
    with op.batch_alter_table("quotes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quotes_statement_id"))
        batch_op.drop_index(batch_op.f("ix_quotes_speaker_id"))

    op.drop_table("quotes")
    with op.batch_alter_table("statements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_statements_visibility"))
        batch_op.drop_index(batch_op.f("ix_statements_speaker_id"))
        batch_op.drop_index(batch_op.f("ix_statements_reacts_to_event_id"))
        batch_op.drop_index(batch_op.f("ix_statements_organization_id"))
        batch_op.drop_index(batch_op.f("ix_statements_date_start"))

    op.drop_table("statements")
    op.drop_table("event_sources")
    with op.batch_alter_table("relations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_relations_subject_id"))
        batch_op.drop_index(batch_op.f("ix_relations_object_id"))

    op.drop_table("relations")
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_people_organization_id"))

    op.drop_table("people")
    op.drop_table("measure_topics")
    op.drop_table("measure_sources")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_events_type"))
        batch_op.drop_index("ix_events_measure_id_date_start")
        batch_op.drop_index(batch_op.f("ix_events_date_start"))

    op.drop_table("events")
    op.drop_table("topics")
    op.drop_table("sources")
    op.drop_table("organizations")
    with op.batch_alter_table("measures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_measures_visibility"))
        batch_op.drop_index(batch_op.f("ix_measures_kind"))
        batch_op.drop_index(batch_op.f("ix_measures_country"))

    op.drop_table("measures")
