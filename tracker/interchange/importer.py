"""Importing a Tracker Dataset document: all or nothing, upserting by slug.

``import_dataset`` validates the whole document first and writes only a valid one, and writes
nothing that is already equal, so importing the same file twice changes nothing.

Over 600 lines for one reason: ``_Importer`` is one class, one pass over the file, kept whole
while the write path it shares with the saves (tracker.services.saving) is being reworked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from tracker.dates import PartialDate
from tracker.domain import kinds
from tracker.domain.rules import topic_name
from tracker.interchange.document import (
    ImportReport,
    InvalidDataset,
    Progress,
    no_progress,
    numbered,
)
from tracker.interchange.notices import dataset_warnings, find_look_alikes
from tracker.interchange.rows import (
    assign,
    assign_list,
    bulk_insert,
    date_columns,
    event_revision,
    mentioned_slugs,
    source_after,
    statement_after,
    visibility_from_file,
)
from tracker.interchange.validate import validate_dataset
from tracker.models import (
    Event,
    Measure,
    Organization,
    Person,
    Quote,
    Relation,
    Source,
    Statement,
    Topic,
    event_sources,
    measure_sources,
    measure_topics,
    statement_measures,
    statement_signatories,
    statement_sources,
)
from tracker.services import history, status_cache
from tracker.services.record_data import measure_data, stored_fields


class _Importer:
    def __init__(self, session: Session, progress: Progress) -> None:
        self.session = session
        self.progress = progress
        self.report = ImportReport()
        self.topics: dict[str, Topic] = {t.slug: t for t in session.scalars(select(Topic))}
        self.organizations = {o.slug: o for o in session.scalars(select(Organization))}
        self.people = {p.slug: p for p in session.scalars(select(Person))}
        self.sources: dict[str, Source] = {}
        self.source_data: dict[str, dict[str, Any]] = {}
        # New records are written in bulk (see bulk_insert): ids of the new sources by URL, the new
        # measures with their items, and the ids of the events written for them (and of those
        # statements react to, by measure slug, type and date).
        self.new_source_ids: dict[str, int] = {}
        self.new_measures: list[tuple[Measure, dict[str, Any]]] = []
        self.new_event_ids: dict[tuple[str, str, str], int] = {}
        # A file imported in parts (tracker.interchange.stream) meets a source again in a
        # later part: then, as within one document, the first non-empty value of each field
        # wins. A source is "met before" when this import created it (its id is above
        # ``sources_before``) or updated it (its id is in ``sources_met``).
        self.sources_before: int | None = None
        self.sources_met: set[int] = set()

    def met_before(self, source: Source) -> bool:
        if self.sources_before is None:
            return False
        return source.id > self.sources_before or source.id in self.sources_met

    def count(self, kind: str, created: bool, changed: bool) -> None:
        if created:
            self.report.created[kind] += 1
        elif changed:
            self.report.updated[kind] += 1
        else:
            self.report.unchanged[kind] += 1

    # sources are shared by URL; the file's first non-empty value of each field wins
    def collect_sources(self, document: Mapping[str, Any]) -> None:
        def walk(sources: Iterable[dict[str, Any]]) -> None:
            for source in sources:
                merged = self.source_data.setdefault(source["url"], {})
                for key, value in source.items():
                    if value is not None and merged.get(key) is None:
                        merged[key] = value

        for _, measure in numbered(document, "measures"):
            walk(measure.get("sources") or [])
            for event in measure.get("events") or []:
                walk(event.get("sources") or [])
        for _, statement in numbered(document, "statements"):
            walk(statement.get("sources") or [])

        urls = list(self.source_data)
        existing: dict[str, Source] = {}
        for chunk in range(0, len(urls), 500):
            query = select(Source).where(Source.url.in_(urls[chunk : chunk + 500]))
            existing.update((source.url, source) for source in self.session.scalars(query))
        new_rows: list[dict[str, Any]] = []
        for url, data in self.source_data.items():
            published = data.get("published")
            accessed = data.get("accessed")
            values: dict[str, Any] = {
                f.name: data[f.name] for f in kinds.SOURCE.plain_fields if f.name in data
            }
            if published is not None:
                values["published"] = PartialDate.from_iso(published)
            if accessed is not None:
                values["accessed"] = dt.date.fromisoformat(accessed)
            source = existing.get(url)
            if source is not None and self.met_before(source):
                # Counted when first met; only fields still empty take this part's values.
                assign(source, {k: v for k, v in values.items() if getattr(source, k) is None})
                self.sources[url] = source
                continue
            if source is None:
                row = {**kinds.SOURCE.plain_from({}), "url": url}
                row.update(date_columns("published", values.pop("published", None)))
                row.update(values, accessed=values.get("accessed"))
                new_rows.append(row)
                continue
            self.count("sources", False, assign(source, values))
            self.sources[url] = source
            if self.sources_before is not None:
                self.sources_met.add(source.id)
        bulk_insert(self.session, Source.__table__, new_rows)
        self.report.created["sources"] += len(new_rows)
        urls = [row["url"] for row in new_rows]
        for chunk in range(0, len(urls), 500):
            written = select(Source.id, Source.url).where(Source.url.in_(urls[chunk : chunk + 500]))
            self.new_source_ids.update((row.url, row.id) for row in self.session.execute(written))
        history.record_bulk(
            self.session,
            "source",
            (
                (self.new_source_ids[row["url"]], row["title"] or row["url"], source_after(row))
                for row in new_rows
            ),
        )

    def source_ids(self, sources: Iterable[dict[str, Any]] | None) -> list[int]:
        """Ids of the cited sources, each once, for rows written in bulk."""
        ids: list[int] = []
        for source in sources or []:
            url = source["url"]
            source_id = self.new_source_ids.get(url)
            if source_id is None:
                source_id = self.sources[url].id
            if source_id not in ids:
                ids.append(source_id)
        return ids

    def source_list(self, sources: Iterable[dict[str, Any]] | None) -> list[Source]:
        result: list[Source] = []
        for source in sources or []:
            url = source["url"]
            if url not in self.sources:  # written in bulk just now: load it for the ORM
                loaded = self.session.get(Source, self.new_source_ids[url])
                assert loaded is not None
                self.sources[url] = loaded
            record = self.sources[url]
            if record not in result:
                result.append(record)
        return result

    def topic(self, slug: str) -> Topic:
        topic = self.topics.get(slug)
        if topic is None:
            topic = Topic(slug=slug, name=topic_name(slug))
            self.session.add(topic)
            self.topics[slug] = topic
            self.report.created["topics"] += 1
        return topic

    def import_topics(self, document: Mapping[str, Any]) -> None:
        for _, item in numbered(document, "topics"):
            topic = self.topics.get(item["slug"])
            created = topic is None
            if topic is None:
                topic = Topic(slug=item["slug"], name=item["name"])
                self.session.add(topic)
                self.topics[item["slug"]] = topic
            self.count("topics", created, assign(topic, {"name": item["name"]}))

    def import_organizations(
        self, document: Mapping[str, Any], mentions: Mapping[str, set[str]] | None = None
    ) -> None:
        """``mentions``: who the file's statements mention, when they are not in ``document``
        (a file imported in parts); see visibility_from_file."""
        if mentions is None:
            mentions = mentioned_slugs(document, "organizations")
        for _, item in numbered(document, "organizations"):
            org = self.organizations.get(item["slug"])
            created = org is None
            if org is None:
                org = Organization(slug=item["slug"])
                self.session.add(org)
                self.organizations[org.slug] = org
            values = {
                **kinds.ORGANIZATION.plain_from(item),
                "kind": item.get("kind"),
                "country": item.get("country"),
            }
            values.update(visibility_from_file(item, created, mentions))
            self.count("organizations", created, assign(org, values))

    def import_people(
        self, document: Mapping[str, Any], mentions: Mapping[str, set[str]] | None = None
    ) -> None:
        if mentions is None:
            mentions = mentioned_slugs(document, "people")
        for _, item in numbered(document, "people"):
            person = self.people.get(item["slug"])
            created = person is None
            if person is None:
                person = Person(slug=item["slug"])
                self.session.add(person)
                self.people[person.slug] = person
            org_slug = item.get("organization")
            values = {
                **kinds.PERSON.plain_from(item),
                "organization": self.organizations[org_slug] if org_slug else None,
                **visibility_from_file(item, created, mentions),
            }
            self.count("people", created, assign(person, values))

    def import_measures(
        self, document: Mapping[str, Any], relations: bool = True
    ) -> dict[str, Measure]:
        """Upsert the measures; with ``relations`` false their relations are left for
        ``import_relations`` (a file in parts may relate a measure to one in a later part)."""
        items = numbered(document, "measures")
        slugs = [item["slug"] for _, item in items]
        measures: dict[str, Measure] = {}
        for chunk in range(0, len(slugs), 500):
            query = (
                select(Measure)
                .where(Measure.slug.in_(slugs[chunk : chunk + 500]))
                .options(
                    selectinload(Measure.events).selectinload(Event.sources),
                    selectinload(Measure.relations),
                    selectinload(Measure.topics),
                    selectinload(Measure.sources),
                )
            )
            measures.update((m.slug, m) for m in self.session.scalars(query))
        new_items: list[dict[str, Any]] = []
        new_rows: list[dict[str, Any]] = []
        for done, (_, item) in enumerate(items, 1):
            measure = measures.get(item["slug"])
            values = {
                "country": item["country"],
                "kind": item["kind"],
                **kinds.MEASURE.plain_from(item),
                "popular_names": list(item.get("popular_names") or []),
                "visibility": item.get("visibility", "public"),
            }
            if measure is None:
                # Written in bulk below, with its topics, sources and events once it has an id.
                for slug in item.get("topics") or []:
                    self.topic(slug)
                new_rows.append({"slug": item["slug"], **values})
                new_items.append(item)
                self.count("measures", True, True)
                continue
            changed = assign(measure, values)
            changed |= assign_list(
                measure, "topics", [self.topic(s) for s in item.get("topics") or []]
            )
            changed |= assign_list(measure, "sources", self.source_list(item.get("sources")))
            self.sync_events(measure, item.get("events") or [])
            self.count("measures", False, changed)
            if done % 200 == 0:
                self.progress("measures", done)
        self.write_measure_rows(new_rows, measures)
        self.new_measures = [(measures[item["slug"]], item) for item in new_items]
        self.progress("measures", len(items))
        if not relations:
            return dict(measures)
        # Relations point at other measures: resolve them once every measure exists.
        by_slug = dict(measures)
        missing = {
            relation["target"]
            for _, item in items
            for relation in item.get("relations") or []
            if relation["target"] not in by_slug
        }
        if missing:
            by_slug.update(
                (m.slug, m)
                for m in self.session.scalars(select(Measure).where(Measure.slug.in_(missing)))
            )
        for _, item in items:
            self.sync_relations(by_slug[item["slug"]], item.get("relations") or [], by_slug)
        return by_slug

    def write_measure_rows(self, rows: list[dict[str, Any]], measures: dict[str, Measure]) -> None:
        """INSERT the new measures in bulk, then load them back as ORM objects (relations and
        statements refer to them). Creating them through the unit of work cost a flush, a
        lazy load of two empty collections and a revision INSERT per measure: a third of a
        large import's time. Their revisions are written in bulk by write_new_measures."""
        if not rows:
            return
        # The unit of work flushes existing records first, so that nothing it holds is
        # written after rows that might refer to it.
        self.session.flush()
        bulk_insert(self.session, Measure.__table__, rows)
        slugs = [row["slug"] for row in rows]
        for chunk in range(0, len(slugs), 500):
            query = (
                select(Measure)
                .where(Measure.slug.in_(slugs[chunk : chunk + 500]))
                .options(selectinload(Measure.relations))
            )
            for measure in self.session.scalars(query):
                # Known to be empty: spare a lazy load each (write_new_measures fills them).
                for name in ("events", "topics", "sources"):
                    set_committed_value(measure, name, [])
                measures[measure.slug] = measure

    def write_new_measures(self) -> None:
        """Topics, sources and events of the measures this import created, in bulk.

        Runs after the flush that gave the new measures their ids. The events' ids are read
        back in the order they were written (ids grow with insertion), to link their sources
        and to let statements refer to them.
        """
        if not self.new_measures:
            return
        topics, sources, events = [], [], []
        for measure, item in self.new_measures:
            topics += [
                {"measure_id": measure.id, "topic_id": self.topics[slug].id}
                for slug in dict.fromkeys(item.get("topics") or [])
            ]
            sources += [
                {"measure_id": measure.id, "source_id": source_id}
                for source_id in self.source_ids(item.get("sources"))
            ]
            for event in item.get("events") or []:
                votes = event.get("votes") or {}
                end = event.get("end_date")
                events.append(
                    {
                        "measure_id": measure.id,
                        "type": event["type"],
                        **date_columns(
                            "date",
                            PartialDate.from_iso(event["date"], bool(event.get("approximate"))),
                        ),
                        **date_columns(
                            "end_date",
                            PartialDate.from_iso(end, bool(event.get("end_approximate")))
                            if end
                            else None,
                        ),
                        **kinds.EVENT.plain_from(event),
                        "votes_for": votes.get("for"),
                        "votes_against": votes.get("against"),
                        "votes_abstain": votes.get("abstain"),
                    }
                )
        bulk_insert(self.session, measure_topics, topics)
        bulk_insert(self.session, measure_sources, sources)
        bulk_insert(self.session, Event.__table__, events)
        self.report.created["events"] += len(events)
        by_measure: dict[int, list[int]] = {}
        ids = [measure.id for measure, _ in self.new_measures]
        for chunk in range(0, len(ids), 500):
            query = (
                select(Event.measure_id, Event.id)
                .where(Event.measure_id.in_(ids[chunk : chunk + 500]))
                .order_by(Event.measure_id, Event.id)
            )
            for measure_id, event_id in self.session.execute(query):
                by_measure.setdefault(measure_id, []).append(event_id)
        links = []
        revisions: list[tuple[int, str, dict[str, Any]]] = []
        completed: list[tuple[int, str, dict[str, Any]]] = []
        for measure, item in self.new_measures:
            written = by_measure.get(measure.id, [])
            items = item.get("events") or []
            assert len(written) == len(items)  # a new measure has only the events just written
            for event_id, event in zip(written, items, strict=True):
                self.new_event_ids.setdefault(
                    (measure.slug, event["type"], event["date"]), event_id
                )
                links += [
                    {"event_id": event_id, "source_id": source_id}
                    for source_id in self.source_ids(event.get("sources"))
                ]
                revisions.append((event_id, *event_revision(measure, event)))
            after = stored_fields(measure_data(measure))
            after["topics"] = sorted(set(item.get("topics") or []))
            after["sources"] = sorted({source["url"] for source in item.get("sources") or []})
            completed.append((measure.id, measure.display_title, after))
            # The ORM's (empty) collection of a new measure is out of date now.
            self.session.expire(measure, ["events", "topics", "sources"])
        bulk_insert(self.session, event_sources, links)
        history.record_bulk(self.session, "event", revisions)
        history.record_bulk(self.session, "measure", completed)

    def sync_events(self, measure: Measure, items: list[dict[str, Any]]) -> None:
        """Make the measure's events what the file says, touching only what differs.

        Events have no slug; an event in the file is the one in the database with the same
        type, date and description, or failing that the same type and date.
        """
        unmatched = list(measure.events)
        wanted: list[tuple[dict[str, Any], Event | None]] = []
        for item in items:
            exact = [
                e
                for e in unmatched
                if e.type == item["type"]
                and e.date_iso == item["date"]
                and (e.description or None) == (item.get("description") or None)
            ]
            loose = exact or [
                e for e in unmatched if e.type == item["type"] and e.date_iso == item["date"]
            ]
            match = loose[0] if loose else None
            if match is not None:
                unmatched.remove(match)
            wanted.append((item, match))
        for event in unmatched:
            measure.events.remove(event)
            self.report.deleted["events"] += 1
        for item, match in wanted:
            votes = item.get("votes") or {}
            end = item.get("end_date")
            values = {
                "type": item["type"],
                "date": PartialDate.from_iso(item["date"], bool(item.get("approximate"))),
                "end_date": (
                    PartialDate.from_iso(end, bool(item.get("end_approximate"))) if end else None
                ),
                **kinds.EVENT.plain_from(item),
                "votes_for": votes.get("for"),
                "votes_against": votes.get("against"),
                "votes_abstain": votes.get("abstain"),
            }
            created = match is None
            if match is not None:
                # A file that leaves the curators' notes out (every file written before they
                # had a field, any public download) leaves the notes in the tracker as they are.
                for described in kinds.EVENT.plain_fields:
                    if described.internal and described.name not in item:
                        values.pop(described.name)
            if match is None:
                event = Event(**values)
                measure.events.append(event)
            else:
                event = match
            changed = assign(event, values)
            changed |= assign_list(event, "sources", self.source_list(item.get("sources")))
            self.count("events", created, changed)

    def import_relations(self, document: Mapping[str, Any]) -> None:
        """Make the relations of the document's measures (all in the database now) what the
        document says."""
        items = numbered(document, "measures")
        slugs = {item["slug"] for _, item in items} | {
            relation["target"] for _, item in items for relation in item.get("relations") or []
        }
        wanted = sorted(slugs)
        by_slug: dict[str, Measure] = {}
        for chunk in range(0, len(wanted), 500):
            query = (
                select(Measure)
                .where(Measure.slug.in_(wanted[chunk : chunk + 500]))
                .options(selectinload(Measure.relations).selectinload(Relation.object))
            )
            by_slug.update((m.slug, m) for m in self.session.scalars(query))
        for _, item in items:
            self.sync_relations(by_slug[item["slug"]], item.get("relations") or [], by_slug)

    def sync_relations(
        self, measure: Measure, items: list[dict[str, Any]], by_slug: Mapping[str, Measure]
    ) -> None:
        existing = {(r.type, r.object.slug): r for r in measure.relations}
        keep: set[tuple[str, str]] = set()
        for item in items:
            key = (item["type"], item["target"])
            keep.add(key)
            relation = existing.get(key)
            created = relation is None
            if relation is None:
                relation = Relation(type=item["type"], object=by_slug[item["target"]])
                measure.relations.append(relation)
            self.count("relations", created, assign(relation, {"note": item.get("note")}))
        for key, relation in existing.items():
            if key not in keep:
                # Deleted, not taken out of the collection: as an orphan it reached the
                # history listener as a relation with no subject (re-importing a file that
                # dropped a relation failed so). As in services.merging, the collection
                # keeps the row until it is read again.
                self.session.delete(relation)
                self.report.deleted["relations"] += 1

    def import_statements(
        self, document: Mapping[str, Any], measures: Mapping[str, Measure]
    ) -> None:
        items = numbered(document, "statements")
        slugs = [item["slug"] for _, item in items]
        existing: dict[str, Statement] = {}
        for chunk in range(0, len(slugs), 500):
            query = (
                select(Statement)
                .where(Statement.slug.in_(slugs[chunk : chunk + 500]))
                .options(
                    selectinload(Statement.quotes),
                    selectinload(Statement.measures),
                    selectinload(Statement.signatories),
                    selectinload(Statement.sources),
                )
            )
            existing.update((s.slug, s) for s in self.session.scalars(query))
        needed = {
            slug for _, item in items for slug in item.get("measures") or [] if slug not in measures
        } | {
            item["reacts_to"]["measure"]
            for _, item in items
            if item.get("reacts_to") and item["reacts_to"]["measure"] not in measures
        }
        all_measures = dict(measures)
        wanted = sorted(needed)
        for chunk in range(0, len(wanted), 500):
            chosen = select(Measure).where(Measure.slug.in_(wanted[chunk : chunk + 500]))
            all_measures.update((m.slug, m) for m in self.session.scalars(chosen))
        self.find_event_ids([item["reacts_to"] for _, item in items if item.get("reacts_to")])
        new: list[dict[str, Any]] = []
        for done, (_, item) in enumerate(items, 1):
            if item["slug"] not in existing:
                new.append(item)
                continue
            speaker = item.get("speaker")
            reacts = item.get("reacts_to")
            values = {
                "organization": self.organizations[item["organization"]],
                "speaker": self.people[speaker] if speaker else None,
                "type": item.get("type"),
                "stance": item.get("stance"),
                "asks": list(item.get("asks") or []),
                "date": PartialDate.from_iso(item["date"], bool(item.get("approximate"))),
                **kinds.STATEMENT.plain_from(item),
                "visibility": item.get("visibility", "public"),
                "reacts_to": self.session.get(Event, self.event_id(reacts)) if reacts else None,
            }
            statement = existing.get(item["slug"])
            created = statement is None
            assert statement is not None  # new statements were set aside above
            changed = assign(statement, values)
            changed |= assign_list(
                statement,
                "signatories",
                [self.organizations[s] for s in item.get("signatories") or []],
            )
            changed |= assign_list(
                statement, "measures", [all_measures[s] for s in item.get("measures") or []]
            )
            changed |= assign_list(statement, "sources", self.source_list(item.get("sources")))
            changed |= self.sync_quotes(statement, item.get("quotes") or [])
            self.count("statements", created, changed)
            if done % 500 == 0:
                self.progress("statements", done)
        self.write_new_statements(new, all_measures)
        self.progress("statements", len(items))

    def find_event_ids(self, reactions: list[Mapping[str, str]]) -> None:
        """Look up the events statements react to (measure, type, date) that this import did
        not write, as plain rows: loading each measure's events as objects cost more than
        writing the statements."""
        keys = {(r["measure"], r["type"], r["date"]) for r in reactions} - set(self.new_event_ids)
        slugs = sorted({measure for measure, _, _ in keys})
        for chunk in range(0, len(slugs), 500):
            query = (
                select(Measure.slug, Event.type, Event.date_iso, Event.id)
                .join(Event.measure)
                .where(Measure.slug.in_(slugs[chunk : chunk + 500]))
                # The first of several such events, as in the order of Measure.events.
                .order_by(Event.id)
            )
            for slug, kind, date, event_id in self.session.execute(query):
                if (slug, kind, date) in keys:
                    self.new_event_ids.setdefault((slug, kind, date), event_id)

    def event_id(self, reacts: Mapping[str, str]) -> int:
        found = self.new_event_ids.get((reacts["measure"], reacts["type"], reacts["date"]))
        if found is None:
            raise LookupError(f"no event {reacts}")  # validation guarantees it exists
        return found

    def write_new_statements(
        self, items: list[dict[str, Any]], measures: Mapping[str, Measure]
    ) -> None:
        """The statements this import creates, with their quotes and links, in bulk."""
        if not items:
            return
        rows = []
        for item in items:
            speaker = item.get("speaker")
            reacts = item.get("reacts_to")
            rows.append(
                {
                    "slug": item["slug"],
                    "organization_id": self.organizations[item["organization"]].id,
                    "speaker_id": self.people[speaker].id if speaker else None,
                    "type": item.get("type"),
                    "stance": item.get("stance"),
                    "asks": list(item.get("asks") or []),
                    **date_columns(
                        "date", PartialDate.from_iso(item["date"], bool(item.get("approximate")))
                    ),
                    **kinds.STATEMENT.plain_from(item),
                    "visibility": item.get("visibility", "public"),
                    "reacts_to_event_id": self.event_id(reacts) if reacts else None,
                }
            )
        bulk_insert(self.session, Statement.__table__, rows)
        self.report.created["statements"] += len(rows)
        slugs = [item["slug"] for item in items]
        ids: dict[str, int] = {}
        for chunk in range(0, len(slugs), 500):
            query = select(Statement.slug, Statement.id).where(
                Statement.slug.in_(slugs[chunk : chunk + 500])
            )
            ids.update((slug, statement_id) for slug, statement_id in self.session.execute(query))
        quotes, about, signed, cited = [], [], [], []
        for item in items:
            statement_id = ids[item["slug"]]
            quotes += [
                {
                    "statement_id": statement_id,
                    "position": position,
                    "text": quote["text"],
                    "speaker_id": self.people[quote["speaker"]].id
                    if quote.get("speaker")
                    else None,
                }
                for position, quote in enumerate(item.get("quotes") or [])
            ]
            about += [
                {"statement_id": statement_id, "measure_id": measures[slug].id}
                for slug in dict.fromkeys(item.get("measures") or [])
            ]
            signed += [
                {"statement_id": statement_id, "organization_id": self.organizations[slug].id}
                for slug in dict.fromkeys(item.get("signatories") or [])
            ]
            cited += [
                {"statement_id": statement_id, "source_id": source_id}
                for source_id in self.source_ids(item.get("sources"))
            ]
        bulk_insert(self.session, Quote.__table__, quotes)
        bulk_insert(self.session, statement_measures, about)
        bulk_insert(self.session, statement_signatories, signed)
        bulk_insert(self.session, statement_sources, cited)
        history.record_bulk(
            self.session,
            "statement",
            (
                (ids[item["slug"]], item["title"], statement_after(item, row))
                for item, row in zip(items, rows, strict=True)
            ),
        )

    def sync_quotes(self, statement: Statement, items: list[dict[str, Any]]) -> bool:
        wanted = [
            (item["text"], self.people[item["speaker"]] if item.get("speaker") else None)
            for item in items
        ]
        current = [(quote.text, quote.speaker) for quote in statement.quotes]
        if wanted == current:
            return False
        statement.quotes = [
            Quote(text=text, speaker=speaker, position=position)
            for position, (text, speaker) in enumerate(wanted)
        ]
        return True


def import_dataset(
    session: Session, document: Any, progress: Progress = no_progress
) -> ImportReport:
    """Validate the whole document, then upsert it; raise InvalidDataset and write nothing if
    anything is wrong. The caller commits."""
    problems = validate_dataset(document, session)
    if problems:
        raise InvalidDataset(problems)
    # Imports write history like every other change (the CLI names itself the author).
    history.install()
    importer = _Importer(session, progress)
    # Before anything is written: "new" means no record has the slug yet.
    importer.report.look_alikes = find_look_alikes(session, document)
    # Flushing by hand keeps autoflush from writing half-built records during the lookups.
    with session.no_autoflush:
        importer.import_topics(document)
        importer.import_organizations(document)
        importer.import_people(document)
        importer.collect_sources(document)
        measures = importer.import_measures(document)
        session.flush()
        importer.write_new_measures()
        importer.import_statements(document, measures)
    session.flush()
    importer.report.warnings = dataset_warnings(document)
    finish_import(session)
    return importer.report


def finish_import(session: Session) -> None:
    """What every import does once its records are written."""
    # Triggers marked the statuses of the measures whose events changed as stale; derive them
    # now, in bulk, rather than on the first page view after a large import.
    status_cache.refresh(session)
    if session.get_bind().dialect.name == "sqlite":
        # Statistics from a bounded sample, so that SQLite's planner knows that "country" is
        # selective and "visibility" is not (PostgreSQL's autovacuum does this by itself).
        session.execute(text("PRAGMA analysis_limit=1000"))
        session.execute(text("ANALYZE"))
