"""Status is derived from events, never typed in: stage, outcome and legal force, as of any day.

The rules (DOMAIN.md, and the effects listed in tracker.vocab.EVENT_TYPES):

- An event counts from the day it has certainly happened: a day on that day, "April 2024" from
  30 April 2024; today, every recorded event whose period has begun (``effective_day``). Events
  are applied in that order, ties in date order and then in the order they were recorded.
- **Stage** moves forward only: a committee approval after the first reading leaves the stage at
  "first reading". It can move back only when a defeated, withdrawn, vetoed or expired measure
  comes back (a new introduction, reading or adoption), which also makes the outcome pending again.
- **Outcome** is set by the last event that decides one (signed: enacted; rejected: defeated...).
- **Legal force** is set by entry into force, imposition, extension, suspension, expiry, court
  rulings and repeal. An order, ban or extension with an end date runs through that date and
  expires by itself after it, unless a later extension follows. Overlapping terms join up: a term
  ends at the latest end date among the impositions and extensions in force.
- An enacted measure with no recorded entry into force is "entry into force not recorded", not
  "not in force": the tracker does not claim what its sources do not say.

``derive_status`` gives the state on one day with a plain-language explanation of each axis;
``status_history`` gives every change, which the timeline uses to shade a measure's lane.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from tracker import vocab
from tracker.dates import PartialDate

# Outcomes after which a new legislative step means the measure is alive again.
_DEAD_OUTCOMES = frozenset({"defeated", "withdrawn", "vetoed", "expired"})
_ACTIVE_FORCE = frozenset({"in-force", "partly-in-force"})


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


@dataclass(frozen=True, slots=True)
class Axis:
    """One axis of the status: its value, since when, why, and which event decided it."""

    code: str
    label: str
    explanation: str
    since: dt.date | None = None
    event_index: int | None = None
    """Position of the deciding event in the order applied (None: no event decided it)."""


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
        parts = [self.outcome.explanation]
        if self.stage and self.outcome.code != "pending":
            parts.insert(0, self.stage.explanation)
        if self.force.explanation not in parts:
            parts.append(self.force.explanation)
        return " ".join(parts)


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
    force_seen: bool = False


def _sentence(event: EventLike) -> str:
    """ "Adopted in first reading on 25 October 2023 (Jogorku Kenesh)" """
    text = f"{vocab.EVENT_TYPES[event.type].past} {event.date.phrase()}"
    if event.actor:
        text += f" ({event.actor})"
    return text


def _outcome(code: str, explanation: str, since: dt.date | None, index: int | None) -> Axis:
    return Axis(code, vocab.OUTCOMES[code].label, explanation, since, index)


def _force(code: str, explanation: str, since: dt.date | None, index: int | None) -> Axis:
    return Axis(code, vocab.FORCES[code].label, explanation, since, index)


def _lapse(state: _State, day: dt.date) -> bool:
    """Let a term of force run out if ``day`` is past its end; True if it did."""
    if state.force.code not in _ACTIVE_FORCE or state.term_end is None or day <= state.term_end:
        return False
    end = PartialDate.from_date(state.term_end).format()
    state.force = _force(
        "expired",
        f"Expired after {end}: its term ran until then and no later extension is recorded.",
        state.term_end + dt.timedelta(days=1),
        state.force.event_index,
    )
    state.outcome = _outcome(
        "expired",
        f"Its term ran out after {end}.",
        state.term_end + dt.timedelta(days=1),
        state.force.event_index,
    )
    state.term_end = None
    return True


def _apply(state: _State, event: EventLike, index: int, start: dt.date) -> None:
    kind = vocab.EVENT_TYPES[event.type]
    sentence = _sentence(event)
    revived = state.outcome.code in _DEAD_OUTCOMES and kind.stage is not None

    if kind.stage is not None:
        current = vocab.STAGE_RANK[state.stage.code] if state.stage else -1
        if revived or vocab.STAGE_RANK[kind.stage] >= current:
            label = vocab.STAGE_BY_CODE[kind.stage].label
            state.stage = Axis(kind.stage, label, f"{sentence}.", start, index)

    if kind.outcome is not None:
        # An outcome is explained by the event that first reached it: a law is enacted by its
        # signature, not again by its entry into force.
        if kind.outcome != state.outcome.code:
            state.outcome = _outcome(kind.outcome, f"{sentence}.", start, index)
    elif revived:
        state.outcome = _outcome(
            "pending",
            f"Back under consideration: {sentence[0].lower()}{sentence[1:]}.",
            start,
            index,
        )

    if kind.force is None:
        return
    state.force_seen = True
    was_active = state.force.code in _ACTIVE_FORCE
    if event.type in vocab.FORCE_GRANTING_EVENTS:
        end = event.end_date.end if event.end_date else None
        if end is not None and was_active and state.term_end is not None:
            end = max(end, state.term_end)
        state.term_end = end
        code = "partly-in-force" if state.force.code == "partly-in-force" else "in-force"
        reason = sentence[0].lower() + sentence[1:]
        if end is not None:
            text = f"In force until {PartialDate.from_date(end).format()}: {reason}."
        else:
            text = f"In force: {reason}."
        since = state.force.since if was_active and state.force.since else start
        state.force = _force(code, text, since, index)
        if state.outcome.code in _DEAD_OUTCOMES | {"pending"}:
            state.outcome = _outcome("enacted", f"{sentence}.", start, index)
        return
    if kind.force in {"expired", "no-longer-in-force"}:
        state.term_end = None
    state.force = _force(kind.force, f"{sentence}.", start, index)


def _explained(axis: Axis, explanation: str) -> Axis:
    # dataclasses.replace() costs twice as much, and status_history finishes a Status for every
    # event: a timeline of 20,000 events calls this 16,000 times.
    return Axis(axis.code, axis.label, explanation, axis.since, axis.event_index)


def _finish(state: _State, as_of: dt.date, events: Sequence[EventLike], counted: int) -> Status:
    force = state.force
    if state.outcome.code == "enacted" and not state.force_seen:
        force = _force(
            "not-recorded",
            "No entry into force is recorded.",
            None,
            None,
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
    )


E = TypeVar("E", bound=EventLike)


def sort_events(events: Iterable[E]) -> list[E]:
    """Date order as people read a timeline ("2023" < "2023-10" < "2023-10-25"), stable."""
    return sorted(events, key=lambda event: event.date.sort_key)


def effective_day(date: PartialDate, today: dt.date) -> dt.date:
    """The day an event starts to count towards the status.

    A day-precision event counts on its day. An event known only to the month or year counts
    once that period is over, because until then it may not have happened yet ("entered into
    force in April 2024" is not yet in force on 5 April 2024), except that today every recorded
    event whose period has begun counts: a researcher who records "November 2026" on 28
    November sees the status change at once.
    """
    return min(max(today, date.start), date.end)


def _in_effect_order(events: Iterable[E], today: dt.date) -> list[tuple[dt.date, E]]:
    return sorted(
        ((effective_day(event.date, today), event) for event in events),
        key=lambda pair: (pair[0], pair[1].date.sort_key),
    )


def derive_status(events: Iterable[EventLike], as_of: dt.date, today: dt.date) -> Status:
    """The status on ``as_of`` from the events that count by then (see ``effective_day``)."""
    ordered = _in_effect_order(events, today)
    state = _State()
    counted = 0
    for index, (day, event) in enumerate(ordered):
        if day > as_of:
            break
        _lapse(state, day)
        _apply(state, event, index, day)
        counted += 1
    _lapse(state, as_of)
    return _finish(state, as_of, [event for _, event in ordered], counted)


def status_history(events: Iterable[EventLike], until: dt.date, today: dt.date) -> list[Change]:
    """Every change of status up to ``until``: one entry per day an event counts and per
    expiry. The timeline shades a measure's lane with it."""
    ordered = _in_effect_order(events, today)
    plain = [event for _, event in ordered]
    state = _State()
    changes: list[Change] = []
    applied = 0
    for index, (day, event) in enumerate(ordered):
        if day > until:
            break
        if state.term_end is not None and state.term_end < day and _lapse(state, day):
            expired_on = state.force.since or day
            changes.append(Change(expired_on, _finish(state, expired_on, plain, applied)))
        _apply(state, event, index, day)
        applied = index + 1
        status = _finish(state, day, plain, applied)
        if changes and changes[-1].start == day:
            changes[-1] = Change(day, status)
        else:
            changes.append(Change(day, status))
    if state.term_end is not None and state.term_end < until and _lapse(state, until):
        expired_on = state.force.since or until
        changes.append(Change(expired_on, _finish(state, expired_on, plain, applied)))
    return changes


def applied_order(events: Iterable[E], today: dt.date) -> list[E]:
    """The events in the order ``derive_status`` applies them; ``Axis.event_index`` points
    into this list, so exports can cite the event that decided each axis."""
    return [event for _, event in _in_effect_order(events, today)]
