"""The brief: everything a journalist needs to write about a measure, with a source for each fact.

One data structure, built once from the read services, rendered four ways (HTML page, Markdown,
PDF, DOCX) so the formats can never disagree. It holds, for each measure: the status with its
plain-language explanation, the summary, the timeline, the key quotes with their attribution
(speaker, role, organization, date), the statements, the related measures, and numbered
citations. Citations are numbered in reading order across the whole brief and shared by URL: a
source cited by the status, an event and a quote is [3] everywhere. Each status axis cites the
event that decided it. The brief says which day it describes ("as of") and when it was made.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from markupsafe import Markup

from tracker import clock, vocab
from tracker.countries import country_name
from tracker.dates import PartialDate
from tracker.domain import kinds
from tracker.exports.links import Links, event_link
from tracker.markup import markdown_to_text, render_markdown
from tracker.models import Event, Measure, Source, Statement
from tracker.services.measures import MeasureView
from tracker.services.organizations import name_for
from tracker.status import Axis, applied_order, next_step, summary
from tracker.viewpoint import Viewpoint


@dataclass(frozen=True, slots=True)
class Citation:
    number: int
    url: str
    title: str | None
    publisher: str | None
    published: PartialDate | None
    accessed: dt.date | None
    archived_url: str | None

    @property
    def text(self) -> str:
        """The reference without its address: 'Publisher, “Title”, 8 February 2024'."""
        parts = []
        if self.publisher:
            parts.append(self.publisher)
        if self.title:
            parts.append(f"“{self.title}”")
        if self.published:
            parts.append(self.published.format())
        return ", ".join(parts) if parts else self.url


class Citations:
    """Numbers sources in the order they are first cited, one number per address."""

    def __init__(self) -> None:
        self._by_url: dict[str, Citation] = {}
        self.items: list[Citation] = []

    def _add(self, citation: Citation) -> int:
        self._by_url[citation.url] = citation
        self.items.append(citation)
        return citation.number

    def source(self, source: Source) -> int:
        found = self._by_url.get(source.url)
        if found is not None:
            return found.number
        return self._add(
            Citation(
                number=len(self.items) + 1,
                url=source.url,
                title=source.title,
                publisher=source.publisher,
                published=source.published,
                accessed=source.accessed,
                archived_url=source.archived_url,
            )
        )

    def sources(self, sources: Iterable[Source]) -> tuple[int, ...]:
        return tuple(sorted({self.source(source) for source in sources}))

    def statement(self, statement: Statement, view: Viewpoint) -> tuple[int, ...]:
        """A statement is cited by its sources and by its own address."""
        numbers = list(self.sources(statement.sources))
        if statement.url:
            found = self._by_url.get(statement.url)
            if found is None:
                number = self._add(
                    Citation(
                        number=len(self.items) + 1,
                        url=statement.url,
                        title=statement.title,
                        publisher=name_for(statement.organization, view),
                        published=statement.date,
                        accessed=None,
                        archived_url=None,
                    )
                )
            else:
                number = found.number
            if number not in numbers:
                numbers.append(number)
        return tuple(sorted(numbers))


@dataclass(frozen=True, slots=True)
class Fact:
    """One line of a measure's facts ("Initiated by: Jogorku Kenesh"), as every format writes it."""

    label: str
    value: str
    language: str | None = None
    """The value's language code; "" when it is in a language not known (not English)."""
    url: str | None = None
    """The value links there (written as a link in every format)."""
    lead: str | None = None
    """Words in bold before the value ("**Internal record**: not public...")."""


_PLACED_FIRST = ("identifier",)
"""Plain facts written before the original title, as the measure's page has them; the others
follow the popular names."""


def _web_address(value: str) -> str | None:
    # Only the web's addresses become links: the write path checks them, and a brief is
    # opened outside the tracker, where a "javascript:" link would run.
    return value if value.startswith(("http://", "https://")) else None


def _plain_facts(measure: Measure, names: Iterable[str]) -> list[Fact]:
    facts = []
    for name in names:
        field_ = kinds.MEASURE[name]
        value = getattr(measure, name)
        if not value or field_.fact is None:
            continue
        url = _web_address(value) if field_.shape == "url" else None
        facts.append(Fact(field_.fact, value, url=url))
    return facts


def measure_facts(measure: Measure, url: str) -> tuple[Fact, ...]:
    """The facts a brief lists under a measure's title, in the order of its page; every plain
    field of a measure that has a ``fact`` (tracker.domain.kinds) is one, when it is set."""
    plain = [f.name for f in kinds.MEASURE.plain_fields if f.fact]
    facts = [
        Fact("Country", country_name(measure.country)),
        Fact("Kind", vocab.MEASURE_KINDS[measure.kind]),
        *_plain_facts(measure, [name for name in plain if name in _PLACED_FIRST]),
    ]
    if measure.original_title:
        language = measure.original_language
        label = f"Original title ({language})" if language else "Original title"
        facts.append(Fact(label, measure.original_title, language=language or ""))
    if measure.popular_names:
        facts.append(Fact("Also known as", ", ".join(f"“{n}”" for n in measure.popular_names)))
    facts += _plain_facts(measure, [name for name in plain if name not in _PLACED_FIRST])
    if measure.topics:
        facts.append(Fact("Topics", ", ".join(topic.name for topic in measure.topics)))
    if not measure.is_public:
        facts.append(Fact("Visibility", "not public; do not publish.", lead="Internal record"))
    facts.append(Fact("Page", url, url=url))
    return tuple(facts)


@dataclass(frozen=True, slots=True)
class StatusLine:
    axis: str
    label: str
    meaning: str | None
    explanation: str
    citations: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class BriefEvent:
    id: int
    date: PartialDate
    end_date: PartialDate | None
    label: str
    actor: str | None
    description: str | None
    votes: str | None
    citations: tuple[int, ...]
    url: str


@dataclass(frozen=True, slots=True)
class BriefQuote:
    text: str
    speaker: str | None
    role: str | None
    organization: str
    date: PartialDate
    statement_title: str
    statement_url: str
    citations: tuple[int, ...]
    internal: bool = False

    @property
    def attribution(self) -> str:
        """'Maisy Weicherding, Central Asia Researcher, Amnesty International, 8 February 2024'"""
        who = [part for part in (self.speaker, self.role) if part]
        if self.organization not in who:
            who.append(self.organization)
        return ", ".join([*who, self.date.format()])


@dataclass(frozen=True, slots=True)
class BriefStatement:
    title: str
    organization: str
    signatories: tuple[str, ...]
    speaker: str | None
    date: PartialDate
    type_label: str | None
    stance_label: str | None
    asks: tuple[str, ...]
    summary: str
    url: str
    original_url: str | None
    citations: tuple[int, ...]
    internal: bool = False


@dataclass(frozen=True, slots=True)
class BriefRelation:
    wording: str
    title: str
    country: str
    url: str
    note: str | None


@dataclass(frozen=True, slots=True)
class FrontSheet:
    """The one page a brief opens with: what a reader needs before the full record."""

    title: str
    """The short title (the measure's display title)."""
    status: str
    """Where it stands and what happened last, in one sentence (tracker.status.summary)."""
    key_dates: tuple[BriefEvent, ...]
    """Up to five: the steps that decided the status, and the milestones of its life."""
    quotes: tuple[BriefQuote, ...]
    """Up to three: the most recent from different organizations."""
    next: str
    """What comes next, as far as the record says (tracker.status.next_step)."""


KEY_DATES = 5
KEY_QUOTES = 3
# The milestones a key date is chosen among, most telling first; one of each, the first that
# counts (introduced before drafted: the formal step is the one people cite).
_MILESTONES = (
    ("introduced", "drafted", "published-for-consultation"),
    ("signed",),
    ("entered-into-force", "imposed"),
    ("passed", "reading-3"),
    ("reading-1",),
)


def _key_dates(found: MeasureView, events: Sequence[BriefEvent]) -> tuple[BriefEvent, ...]:
    """Up to five dates: the events that set the outcome and the legal force, the latest
    step that changed the status, then the milestones (introduction, signature, entry into
    force, final and first readings), in the order they happened."""
    applied = applied_order(found.measure.events)[: found.status.events_counted]
    by_id = {event.id: event for event in events}
    chosen: list[int] = []

    def choose(index: int | None) -> None:
        if index is None or index >= len(applied) or len(chosen) >= KEY_DATES:
            return
        if applied[index].id in by_id and index not in chosen:
            chosen.append(index)

    status = found.status
    choose(status.outcome.event_index)
    choose(status.force.event_index)
    for index in range(len(applied) - 1, -1, -1):
        kind = vocab.EVENT_TYPES[applied[index].type]
        if kind.stage or kind.outcome or kind.force:
            choose(index)
            break
    for group in _MILESTONES:
        firsts = (next((i for i, e in enumerate(applied) if e.type == t), None) for t in group)
        choose(next((index for index in firsts if index is not None), None))
    # In the status rule's order, as every list of the tracker has them: "April 2024" (day
    # unknown) after "2 April 2024".
    return tuple(by_id[applied[index].id] for index in sorted(chosen))


def _key_quotes(quotes: Sequence[BriefQuote]) -> tuple[BriefQuote, ...]:
    """Up to three quotes, the most recent first, one per organization."""
    picked: list[BriefQuote] = []
    for quote in sorted(quotes, key=lambda q: q.date.sort_key, reverse=True):
        if all(quote.organization != other.organization for other in picked):
            picked.append(quote)
        if len(picked) == KEY_QUOTES:
            break
    return tuple(picked)


@dataclass(slots=True)
class MeasureBrief:
    slug: str
    title: str
    country_code: str
    country: str
    kind: str
    facts: tuple[Fact, ...]
    """Country, kind, identifier... down to the page's address: every format lists them."""
    internal: bool
    url: str
    status_headline: str
    status_tone: str
    status: tuple[StatusLine, ...]
    term_end: dt.date | None
    summary_markdown: str | None
    summary_html: Markup
    summary_text: str
    summary_citations: tuple[int, ...]
    events: tuple[BriefEvent, ...]
    quotes: tuple[BriefQuote, ...]
    statements: tuple[BriefStatement, ...]
    relations: tuple[BriefRelation, ...]
    hidden_events: int
    hidden_statements: int
    front: FrontSheet | None = None


@dataclass(slots=True)
class Brief:
    title: str
    description: str
    url: str
    """The permalink of this brief (with its filters and "as of" day)."""
    as_of: dt.date
    generated: dt.datetime
    site_name: str
    measures: list[MeasureBrief] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)

    @property
    def is_selection(self) -> bool:
        return len(self.measures) != 1

    @property
    def has_internal(self) -> bool:
        """Whether a signed-in user's brief holds records the public must not see."""
        return any(m.internal or any(s.internal for s in m.statements) for m in self.measures)

    @property
    def as_of_text(self) -> str:
        return PartialDate.from_date(self.as_of).format()

    @property
    def generated_text(self) -> str:
        return self.generated.astimezone(dt.UTC).strftime("%-d %B %Y, %H:%M UTC")


def votes_text(event: Event) -> str | None:
    if not event.has_votes:
        return None
    parts = []
    if event.votes_for is not None:
        parts.append(f"{event.votes_for} for")
    if event.votes_against is not None:
        parts.append(f"{event.votes_against} against")
    if event.votes_abstain is not None:
        parts.append(f"{event.votes_abstain} abstaining")
    return ", ".join(parts)


def _status_lines(view: MeasureView, citations: Citations) -> tuple[StatusLine, ...]:
    applied = applied_order(view.measure.events)
    status = view.status

    def cited(axis: Axis | None) -> tuple[int, ...]:
        if axis is None or axis.event_index is None or axis.event_index >= len(applied):
            return ()
        return citations.sources(applied[axis.event_index].sources)

    lines = []
    if status.stage is not None:
        lines.append(
            StatusLine(
                "Stage",
                status.stage.label,
                vocab.STAGE_BY_CODE[status.stage.code].meaning,
                status.stage.explanation,
                cited(status.stage),
            )
        )
    outcome_citations = cited(status.outcome)
    if not outcome_citations and status.outcome.code == "pending":
        outcome_citations = cited(status.stage)  # "no decision yet" is explained by the stage
    lines.append(
        StatusLine(
            "Outcome",
            status.outcome.label,
            vocab.OUTCOMES[status.outcome.code].meaning,
            status.outcome.explanation,
            outcome_citations,
        )
    )
    lines.append(
        StatusLine(
            "Legal force",
            status.force.label,
            None,
            status.force.explanation,
            cited(status.force),
        )
    )
    return tuple(lines)


def _statement_of(
    statement: Statement, links: Links, citations: Citations, view: Viewpoint
) -> BriefStatement:
    return BriefStatement(
        title=statement.title,
        organization=name_for(statement.organization, view),
        signatories=tuple(name_for(org, view) for org in statement.signatories),
        speaker=name_for(statement.speaker, view),
        date=statement.date,
        type_label=vocab.STATEMENT_TYPES.get(statement.type) if statement.type else None,
        stance_label=vocab.STANCES.get(statement.stance) if statement.stance else None,
        asks=tuple(vocab.ASKS.get(ask, ask) for ask in statement.asks or []),
        summary=markdown_to_text(statement.summary),
        url=links.statement(statement.slug),
        original_url=statement.url,
        citations=citations.statement(statement, view),
        internal=not statement.is_public,
    )


def _quotes_of(
    statement: Statement, links: Links, numbers: tuple[int, ...], view: Viewpoint
) -> list[BriefQuote]:
    quotes = []
    for quote in statement.quotes:
        speaker = quote.speaker or statement.speaker
        visible = view.shown(speaker)
        # The speaker's own organization where they may be named; else the statement's (a
        # withheld speaker's organization could be the clue that names them).
        organization = statement.organization
        if visible is not None and visible.organization is not None:
            organization = visible.organization
        quotes.append(
            BriefQuote(
                text=quote.text,
                speaker=name_for(speaker, view),
                role=visible.role if visible else None,
                organization=name_for(organization, view),
                date=statement.date,
                statement_title=statement.title,
                statement_url=links.statement(statement.slug),
                citations=numbers,
                internal=not statement.is_public,
            )
        )
    return quotes


def measure_brief(
    found: MeasureView, links: Links, citations: Citations, view: Viewpoint
) -> MeasureBrief:
    """One measure's part of a brief; ``citations`` numbers its sources in reading order."""
    measure = found.measure
    url = links.measure(measure.slug)
    status = _status_lines(found, citations)
    summary_citations = citations.sources(measure.sources)
    events = tuple(
        BriefEvent(
            id=event.id,
            date=event.date,
            end_date=event.end_date,
            label=vocab.EVENT_TYPES[event.type].past,
            actor=event.actor,
            description=event.description,
            votes=votes_text(event),
            citations=citations.sources(event.sources),
            url=event_link(url, event.id),
        )
        for event in found.events
    )
    # Quotes come before the list of statements in every format, so they are numbered first;
    # both follow the timeline's order, oldest first.
    quotes = [
        quote
        for statement in found.statements
        if statement.quotes
        for quote in _quotes_of(statement, links, citations.statement(statement, view), view)
    ]
    statements = tuple(_statement_of(s, links, citations, view) for s in found.statements)
    relations = tuple(
        BriefRelation(
            wording=(
                vocab.RELATION_TYPES[rel.relation.type].inverse
                if rel.inverse
                else vocab.RELATION_TYPES[rel.relation.type].label
            ),
            title=rel.other.title,
            country=country_name(rel.other.country),
            url=links.measure(rel.other.slug),
            note=rel.relation.note,
        )
        for rel in found.relations
    )
    # What comes next is known only on today's brief: a brief "as of" a past day describes
    # that day, and what happened after it was not scheduled then as far as the record says.
    scheduled = found.later_events if found.status.as_of >= clock.today() else []
    front = FrontSheet(
        title=measure.display_title,
        status=summary(found.status, measure.events),
        key_dates=_key_dates(found, events),
        quotes=_key_quotes(quotes),
        next=next_step(found.status, scheduled),
    )
    return MeasureBrief(
        front=front,
        slug=measure.slug,
        title=measure.title,
        country_code=measure.country,
        country=country_name(measure.country),
        kind=vocab.MEASURE_KINDS[measure.kind],
        facts=measure_facts(measure, url),
        internal=not measure.is_public,
        url=url,
        status_headline=found.status.headline,
        status_tone=found.status.tone,
        status=status,
        term_end=found.status.term_end,
        summary_markdown=measure.summary,
        summary_html=render_markdown(measure.summary),
        summary_text=markdown_to_text(measure.summary),
        summary_citations=summary_citations,
        events=events,
        quotes=tuple(quotes),
        statements=statements,
        relations=relations,
        hidden_events=found.hidden_events,
        hidden_statements=found.hidden_statements,
    )


def build_brief(
    views: Sequence[MeasureView],
    links: Links,
    *,
    title: str,
    description: str,
    url: str,
    site_name: str,
    view: Viewpoint,
    generated: dt.datetime | None = None,
) -> Brief:
    """A brief of one or more measures, with one numbering of citations across all of them, as
    of its reader's day; ``view`` also says whether the reader may see internal organizations
    and people (the measure views hold only the measures and statements the reader may see)."""
    citations = Citations()
    brief = Brief(
        title=title,
        description=description,
        url=url,
        as_of=view.as_of,
        generated=generated or clock.now(),
        site_name=site_name,
    )
    brief.measures = [measure_brief(found, links, citations, view) for found in views]
    brief.citations = citations.items
    return brief
