"""Status is derived from events, never typed in: stage, outcome and legal force, as of any day.

The rules (docs/domain.md, and the effects listed in tracker.vocab.EVENT_TYPES):

- **When an event counts.** An event counts from the day it has certainly happened: a day on
  that day, "April 2024" from 30 April 2024, "2025" from 31 December 2025 (``counts_from``).
  This one rule places every event for the status, the event lists, the timeline, what is
  coming, feeds and exports; lists show an event once its date has begun (``dated_by``: "April
  2024", day unknown, is listed on 10 April but does not count yet). An answer "as of" a day
  depends only on the record and that day, never on the day it is read. Events that count on
  the same day are applied in the order of a measure's life (``vocab.EVENT_TYPE_RANK``: signed
  before entered into force), then in the order they were recorded. Nothing invents a day: the
  status says "since April 2024", not "since 30 April 2024".
- **Stage** moves forward only: a committee approval after the first reading leaves the stage at
  "first reading". It can move back only when a defeated, withdrawn, vetoed or expired measure
  comes back (a new introduction, reading or adoption), which also makes the outcome pending again.
- **Outcome** is set by the last event that decides one (signed: enacted; rejected: defeated...).
  Once a measure is enacted, a rejection, withdrawal or lapse cannot undo it (a law in force is
  repealed, struck down or expires): such an event is ignored and ``warnings`` says so.
- **Legal force** is set by entry into force, imposition, extension, suspension, expiry, court
  rulings and repeal. An order, ban or extension with an end date runs through that date and
  expires by itself after it, unless a later extension follows; an extension that starts the
  day after the term ends continues it. Overlapping terms join up: a term ends at the latest end
  date among the impositions and extensions in force.
- An enacted measure whose entry into force is recorded for a later day is "not yet in force"
  until then, citing that event; one whose record holds no entry into force at all is "entry
  into force not recorded", not "not in force": the tracker does not claim what its sources do
  not say.

``derive_status`` gives the state on one day with a plain-language explanation of each axis;
``status_history`` gives every change, which the timeline uses to shade a measure's lane.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from tracker import vocab
from tracker.dates import PartialDate

# Outcomes after which a new legislative step means the measure is alive again.
_DEAD_OUTCOMES = frozenset({"defeated", "withdrawn", "vetoed", "expired"})
_ACTIVE_FORCE = frozenset({"in-force", "partly-in-force"})
# Events that give legal force where there was none: what "enters into force on …" looks for.
_ENTRY_EVENTS = frozenset({"entered-into-force", "imposed"})
_DAY = dt.timedelta(days=1)


class EventLike(Protocol):
    """What the status needs of an event; models.Event and plain records both fit."""

    @property
    def type(self) -> str: ...
    @property
    def date(self) -> PartialDate: ...
    @property
    def end_date(self) -> PartialDate | None: ...
    @property
    def actor(self) -> str | None: ...


E = TypeVar("E", bound=EventLike)

Cite = Callable[[E], str | None]
"""Names the source of an event ("24.kg"), for explanations that point to one."""


@dataclass(frozen=True, slots=True)
class Axis:
    """One axis of the status: its value, since when, why, and which event decided it."""

    code: str
    label: str
    explanation: str
    since: dt.date | None = None
    """The day the rule counts it from (for comparisons; not for showing)."""
    event_index: int | None = None
    """Position of the deciding event in the order applied (None: no event decided it)."""
    since_date: PartialDate | None = None
    """Since when, as far as the record knows it: "April 2024", never an invented day."""


@dataclass(frozen=True, slots=True)
class Status:
    as_of: dt.date
    stage: Axis | None
    outcome: Axis
    force: Axis
    term_end: dt.date | None
    """The last day of the current term of force, when it has one (a ban "until 31 March")."""
    last_event_date: PartialDate | None
    events_counted: int
    first_day: dt.date | None = None
    """The first day the measure's earliest event could be (None: no event recorded)."""

    @property
    def existed(self) -> bool:
        """Whether the measure existed on ``as_of``: its first event is not after that day
        (it may be under way: "drafted in November" on 28 November), or no event dates it."""
        return self.first_day is None or self.first_day <= self.as_of

    @property
    def headline(self) -> str:
        """The short form for a badge: the stage while pending, else force or outcome."""
        if self.outcome.code == "pending":
            return self.stage.label if self.stage else "Pending"
        if self.outcome.code == "enacted":
            return self.force.label
        return self.outcome.label

    @property
    def state(self) -> str:
        """One code for lists and filters: the outcome, or the legal force once enacted."""
        return self.force.code if self.outcome.code == "enacted" else self.outcome.code

    @property
    def tone(self) -> str:
        """A coarse class for colour: pending, active, ended, stopped."""
        if self.force.code in _ACTIVE_FORCE:
            return "active"
        if self.outcome.code == "pending":
            return "pending"
        if self.outcome.code in {"defeated", "withdrawn", "vetoed", "struck-down", "repealed"}:
            return "stopped"
        if self.outcome.code == "enacted":
            return "active" if self.force.code == "not-recorded" else "pending"
        return "ended"

    @property
    def explanation(self) -> str:
        """The axes' explanations in one text, each sentence once.

        The stage is left out while pending (the outcome tells it) and where the event that
        set it also decided the outcome or the force (the signature is told once).
        """
        parts = []
        stage = self.stage
        if stage and self.outcome.code != "pending":
            decided = {self.outcome.event_index, self.force.event_index} - {None}
            if stage.event_index not in decided:
                parts.append(stage.explanation)
        parts += [self.outcome.explanation, self.force.explanation]
        return " ".join(_unique_sentences(parts))


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZА-ЯЁ])")


def _unique_sentences(parts: Iterable[str]) -> list[str]:
    seen: list[str] = []
    for part in parts:
        for sentence in _SENTENCE_END.split(part.strip()):
            if sentence and sentence not in seen:
                seen.append(sentence)
    return seen


@dataclass(frozen=True, slots=True)
class Change:
    """The status from ``start`` (inclusive) until the next change."""

    start: dt.date
    status: Status


@dataclass(slots=True)
class _State:
    stage: Axis | None = None
    outcome: Axis = field(
        default_factory=lambda: Axis(
            "pending", vocab.OUTCOMES["pending"].label, "No decision is recorded yet."
        )
    )
    force: Axis = field(
        default_factory=lambda: Axis(
            "not-in-force", vocab.FORCES["not-in-force"].label, "It has not taken effect."
        )
    )
    term_end: dt.date | None = None
    term_end_date: PartialDate | None = None
    """The recorded end date that set ``term_end`` ("March 2024"), for showing it."""
    force_seen: bool = False
    enacted: bool = False
    """Once enacted, a rejection, withdrawal or lapse no longer changes anything."""


def _sentence(event: EventLike) -> str:
    """ "Adopted in first reading on 25 October 2023 (Jogorku Kenesh)" """
    text = f"{vocab.EVENT_TYPES[event.type].past} {event.date.phrase()}"
    if event.actor:
        text += f" ({event.actor})"
    return text


def _outcome(
    code: str, explanation: str, since: dt.date | None, index: int | None, date: PartialDate | None
) -> Axis:
    return Axis(code, vocab.OUTCOMES[code].label, explanation, since, index, date)


def _force(
    code: str, explanation: str, since: dt.date | None, index: int | None, date: PartialDate | None
) -> Axis:
    return Axis(code, vocab.FORCES[code].label, explanation, since, index, date)


def _lapse(state: _State, day: dt.date) -> bool:
    """Let a term of force run out if ``day`` is past its end; True if it did."""
    if state.force.code not in _ACTIVE_FORCE or state.term_end is None or day <= state.term_end:
        return False
    shown = state.term_end_date or PartialDate.from_date(state.term_end)
    first_day = state.term_end + _DAY
    expired_on = PartialDate.from_date(first_day)
    state.force = _force(
        "expired",
        f"Expired after {shown.format()}: its term ran until then and no later extension is "
        "recorded.",
        first_day,
        state.force.event_index,
        expired_on,
    )
    state.outcome = _outcome(
        "expired",
        f"Its term ran out after {shown.format()}.",
        first_day,
        state.force.event_index,
        expired_on,
    )
    state.term_end = state.term_end_date = None
    return True


def _apply(state: _State, event: EventLike, index: int, start: dt.date) -> None:
    if state.enacted and event.type in vocab.PRE_ENACTMENT_ENDINGS:
        return  # see warnings(): a law in force is not "withdrawn"
    kind = vocab.EVENT_TYPES[event.type]
    sentence = _sentence(event)
    revived = state.outcome.code in _DEAD_OUTCOMES and kind.stage is not None

    if kind.stage is not None:
        current = vocab.STAGE_RANK[state.stage.code] if state.stage else -1
        if revived or vocab.STAGE_RANK[kind.stage] >= current:
            label = vocab.STAGE_BY_CODE[kind.stage].label
            state.stage = Axis(kind.stage, label, f"{sentence}.", start, index, event.date)

    if kind.outcome is not None:
        # An outcome is explained by the event that first reached it: a law is enacted by its
        # signature, not again by its entry into force.
        if kind.outcome != state.outcome.code:
            state.outcome = _outcome(kind.outcome, f"{sentence}.", start, index, event.date)
    elif revived:
        state.outcome = _outcome(
            "pending",
            f"Back under consideration: {sentence[0].lower()}{sentence[1:]}.",
            start,
            index,
            event.date,
        )

    if kind.force is not None:
        _apply_force(state, event, index, start, sentence)
    if state.outcome.code == "enacted":
        state.enacted = True


def _apply_force(
    state: _State, event: EventLike, index: int, start: dt.date, sentence: str
) -> None:
    kind = vocab.EVENT_TYPES[event.type]
    assert kind.force is not None  # only force events come here
    state.force_seen = True
    was_active = state.force.code in _ACTIVE_FORCE
    if event.type in vocab.FORCE_GRANTING_EVENTS:
        end_date = event.end_date
        end = end_date.end if end_date else None
        if end is not None and was_active and state.term_end is not None and state.term_end > end:
            end, end_date = state.term_end, state.term_end_date
        state.term_end, state.term_end_date = end, end_date
        code = "partly-in-force" if state.force.code == "partly-in-force" else "in-force"
        reason = sentence[0].lower() + sentence[1:]
        if end_date is not None:
            text = f"In force until {end_date.format()}: {reason}."
        else:
            text = f"In force: {reason}."
        if was_active and state.force.since:
            since, since_date = state.force.since, state.force.since_date
        else:
            since, since_date = start, event.date
        state.force = _force(code, text, since, index, since_date)
        if state.outcome.code in _DEAD_OUTCOMES | {"pending"}:
            state.outcome = _outcome("enacted", f"{sentence}.", start, index, event.date)
        return
    if kind.force in {"expired", "no-longer-in-force"}:
        state.term_end = state.term_end_date = None
    state.force = _force(kind.force, f"{sentence}.", start, index, event.date)


def _lapse_before(state: _State, event: EventLike, day: dt.date) -> bool:
    """Let a term that ended before ``day`` run out before ``event`` applies; True if it did.
    An extension or imposition that starts the day after a term ends continues it instead."""
    continues = (
        event.type in vocab.FORCE_GRANTING_EVENTS
        and state.term_end is not None
        and day - state.term_end == _DAY  # (no "term_end + 1 day": it may be 31 Dec 9999)
    )
    return not continues and _lapse(state, day)


def _explained(axis: Axis, explanation: str) -> Axis:
    # dataclasses.replace() costs twice as much, and status_history finishes a Status for every
    # event: a timeline of 20,000 events calls this 16,000 times.
    return Axis(axis.code, axis.label, explanation, axis.since, axis.event_index, axis.since_date)


def _not_yet_in_force(events: Sequence[E], counted: int, cite: Cite[E] | None) -> Axis | None:
    """The force of an enacted measure whose entry into force comes after the day asked."""
    for index in range(counted, len(events)):
        event = events[index]
        if event.type in _ENTRY_EVENTS:
            source = cite(event) if cite else None
            per = f", per {source}" if source else ""
            verb = "takes effect" if event.type == "imposed" else "enters into force"
            text = f"Not yet in force: {verb} {event.date.phrase()}{per}."
            if event.date.precision != "day":
                text += " The day is not recorded, so it counts from the end of that period."
            label = vocab.FORCES["not-yet-in-force"].label
            return Axis("not-yet-in-force", label, text, None, index)
    return None


def _finish(
    state: _State,
    as_of: dt.date,
    events: Sequence[E],
    counted: int,
    cite: Cite[E] | None,
) -> Status:
    force = state.force
    if state.outcome.code == "enacted" and not state.force_seen:
        force = _not_yet_in_force(events, counted, cite) or _force(
            "not-recorded", "No entry into force is recorded.", None, None, None
        )
    elif state.outcome.code == "pending" and force.code == "not-in-force":
        force = _explained(force, "Not in force: it has not been adopted.")
    outcome = state.outcome
    if outcome.code == "pending" and counted:
        if outcome.event_index is None:
            last = events[counted - 1]
            stage_text = state.stage.explanation if state.stage else f"{_sentence(last)}."
            text = f"No final decision is recorded. {stage_text}"
        else:  # back under consideration after a defeat, withdrawal or veto
            text = f"{outcome.explanation} No final decision is recorded since."
        outcome = _explained(outcome, text)
    return Status(
        as_of=as_of,
        stage=state.stage,
        outcome=outcome,
        force=force,
        term_end=state.term_end if force.code in _ACTIVE_FORCE else None,
        last_event_date=events[counted - 1].date if counted else None,
        events_counted=counted,
        first_day=min((event.date.start for event in events), default=None),
    )


def counts_from(date: PartialDate) -> dt.date:
    """The day an event with this date starts to count: the last day it could be.

    "Entered into force in April 2024" is not known to be in force on 5 April 2024, so it
    counts from 30 April; a day-precision event counts on its day.
    """
    return date.end


def counted_by(date: PartialDate, as_of: dt.date) -> bool:
    """Whether an event with this date counts towards the status as of ``as_of``: it has
    certainly happened by then (SQL: ``date_end <= as_of``)."""
    return date.end <= as_of


def dated_by(date: PartialDate, as_of: dt.date) -> bool:
    """Whether a list as of ``as_of`` shows something with this date: it is not dated after
    that day. "April 2024" is listed from 1 April, labelled "day unknown" and placed on 30
    April, where it counts (SQL: ``date_start <= as_of``); a measure whose first event is dated
    after the day did not exist yet (``Status.existed``)."""
    return date.start <= as_of


def order_key(event: EventLike) -> tuple[dt.date, int, tuple[dt.date, int]]:
    """Where the rule places an event: the day it counts, then its place in a measure's life
    (signed before entered into force), then its date as written."""
    return (event.date.end, vocab.EVENT_TYPE_RANK[event.type], event.date.sort_key)


def sort_events(events: Iterable[E]) -> list[E]:
    """Events in the order the status applies them, which is how every list shows them;
    stable, so same-day events of the same type keep the order they were recorded in."""
    return sorted(events, key=order_key)


applied_order = sort_events
"""``Axis.event_index`` points into this list, so exports can cite the deciding event."""


def derive_status(events: Iterable[E], as_of: dt.date, cite: Cite[E] | None = None) -> Status:
    """The status on ``as_of`` from the events that count by then (see ``counts_from``)."""
    ordered = sort_events(events)
    state = _State()
    counted = 0
    for index, event in enumerate(ordered):
        day = event.date.end
        if day > as_of:
            break
        _lapse_before(state, event, day)
        _apply(state, event, index, day)
        counted += 1
    _lapse(state, as_of)
    return _finish(state, as_of, ordered, counted, cite)


def status_history(
    events: Iterable[E], until: dt.date, cite: Cite[E] | None = None
) -> list[Change]:
    """Every change of status up to ``until``: one entry per day an event counts and per
    expiry. The timeline shades a measure's lane with it."""
    ordered = sort_events(events)
    state = _State()
    changes: list[Change] = []
    applied = 0
    for index, event in enumerate(ordered):
        day = event.date.end
        if day > until:
            break
        if _lapse_before(state, event, day):
            expired_on = state.force.since or day
            changes.append(Change(expired_on, _finish(state, expired_on, ordered, applied, cite)))
        _apply(state, event, index, day)
        applied = index + 1
        status = _finish(state, day, ordered, applied, cite)
        if changes and changes[-1].start == day:
            changes[-1] = Change(day, status)
        else:
            changes.append(Change(day, status))
    if state.term_end is not None and state.term_end < until and _lapse(state, until):
        expired_on = state.force.since or until
        changes.append(Change(expired_on, _finish(state, expired_on, ordered, applied, cite)))
    return changes


def warnings(events: Iterable[E]) -> list[tuple[E, str]]:
    """Events the status ignores because they cannot follow an enactment, each with a note
    for the editor ("after enactment: did you mean repealed?"). They are kept, not refused:
    the source may be right and the type wrong, or the other way round."""
    found: list[tuple[E, str]] = []
    state = _State()
    for index, event in enumerate(sort_events(events)):
        if state.enacted and event.type in vocab.PRE_ENACTMENT_ENDINGS:
            meant = vocab.PRE_ENACTMENT_ENDINGS[event.type]
            found.append(
                (
                    event,
                    f"After enactment, “{vocab.EVENT_TYPES[event.type].label.lower()}” does not "
                    f"change the status: did you mean {meant}?",
                )
            )
        day = event.date.end
        _lapse_before(state, event, day)
        _apply(state, event, index, day)
    return found


# -- the one-sentence summary ---------------------------------------------------------------


def _since(date: PartialDate) -> str:
    """ "since 2 April 2024", "since April 2024", "since around 2013": at the record's own
    precision, so that nothing reads as more exact than the sources are."""
    phrase = date.phrase()
    if phrase.startswith("around "):
        return f"since {phrase}"
    return "since " + phrase.removeprefix("on ").removeprefix("in ")


def _lowered(text: str) -> str:
    return text[0].lower() + text[1:] if text else text


def _stands(status: Status, ordered: Sequence[E]) -> tuple[str, set[int]]:
    """Where the measure stands, as a clause, and the events that clause already tells."""
    outcome, force = status.outcome, status.force

    def told(axis: Axis) -> set[int]:
        return set() if axis.event_index is None else {axis.event_index}

    def event_sentence(axis: Axis) -> str | None:
        if axis.event_index is None or axis.event_index >= len(ordered):
            return None
        return _sentence(ordered[axis.event_index])

    if outcome.code == "enacted":
        if force.code in _ACTIVE_FORCE:
            text = f"{force.label} {_since(force.since_date)}" if force.since_date else force.label
            if status.term_end is not None:
                text += f", until {PartialDate.from_date(status.term_end).format()}"
            return text, told(force)
        if force.code == "not-recorded":
            enacted = event_sentence(outcome) or "Enacted"
            return f"{enacted}; entry into force not recorded", told(outcome)
        if force.code == "not-yet-in-force":
            enacted = event_sentence(outcome) or "Enacted"
            text = f"{enacted}; not yet in force"
            if force.event_index is not None:
                entry = ordered[force.event_index]
                verb = "takes effect" if entry.type == "imposed" else "enters into force"
                text += f": {verb} {entry.date.phrase()}"
                if entry.date.precision != "day":
                    text += " (the day is not recorded)"
            return text, told(outcome) | told(force)
        deciding = event_sentence(force)
        if deciding:
            return f"{force.label}: {_lowered(deciding)}", told(force)
        return force.label, set()
    if outcome.code == "pending":
        if outcome.event_index is not None:  # back under consideration after a defeat
            return f"Pending again: {_lowered(event_sentence(outcome) or '')}", told(outcome)
        if status.stage is not None:
            stage = event_sentence(status.stage)
            if stage:
                return f"Pending: {_lowered(stage)}", told(status.stage)
        return "Pending", set()
    if (
        outcome.code == "expired"
        and outcome.event_index is not None
        and (ordered[outcome.event_index].type != "expired")
    ):
        # A term that ran out by itself: "Expired after 31 March 2026", as the force says it.
        return force.explanation.split(":", 1)[0], set()
    deciding = event_sentence(outcome)
    if deciding is None:
        return outcome.label, set()
    if deciding.casefold().startswith(outcome.label.casefold()):
        return deciding, told(outcome)
    return f"{outcome.label}: {_lowered(deciding)}", told(outcome)


def summary(status: Status, events: Iterable[E], scheduled: Iterable[E] = ()) -> str:
    """Where a measure stands and what happened last, in one plain sentence, with what comes
    next if anything is ``scheduled``: "In force since April 2024; latest: challenged in court
    on 20 March 2025 (Bishkek City Court)."

    ``scheduled`` are the events known to be coming (on today's page, those dated after today);
    a page "as of" a past day passes none, since what happened later was not known then.

    Built only from ``status`` (derived from the same ``events`` on ``status.as_of``) and the
    events themselves, so it never says more than the axes do: a date known to its month reads
    "in April 2024", an approximate one "around 2013", and an enacted law whose sources give no
    entry into force says "entry into force not recorded".
    """
    ordered = sort_events(events)
    counted = status.events_counted
    coming = sort_events(scheduled)
    if not counted:
        if coming:
            return f"No events recorded yet; next: {_lowered(_sentence(coming[0]))} (scheduled)."
        return "No events recorded yet."
    text, told = _stands(status, ordered)
    # What happened last: the latest event that counts, unless the clause above told it. An
    # "other" event has no wording of its own ("Other event"), so it is passed over.
    for index in range(counted - 1, -1, -1):
        event = ordered[index]
        if index in told:
            break
        if event.type != "other":
            text += f"; latest: {_lowered(_sentence(event))}"
            break
    if coming:
        text += f". Next: {_lowered(_sentence(coming[0]))} (scheduled)"
    elif status.term_end is not None:
        text += ", unless extended"
    return text + "."


def next_step(status: Status, scheduled: Iterable[E] = ()) -> str:
    """What comes next, as far as the record says: the first scheduled event, else the end of
    a term in force, else that nothing is scheduled."""
    coming = sort_events(scheduled)
    if coming:
        return f"Scheduled: {_lowered(_sentence(coming[0]))}."
    if status.term_end is not None:
        end = PartialDate.from_date(status.term_end).format()
        return f"The current term runs until {end}; no extension is recorded yet."
    return "Nothing scheduled is recorded."
