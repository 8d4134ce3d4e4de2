"""Derived status: each rule, on events built by hand."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from tracker.dates import PartialDate
from tracker.status import derive_status, effective_day, status_history

TODAY = dt.date(2026, 11, 28)


@dataclass(frozen=True)
class Ev:
    type: str
    date: PartialDate
    end_date: PartialDate | None = None
    actor: str | None = None


def ev(kind: str, date: str, until: str | None = None, actor: str | None = None) -> Ev:
    return Ev(kind, PartialDate.parse(date), PartialDate.parse(until) if until else None, actor)


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


BILL = [
    ev("introduced", "2023-05-19", actor="Jogorku Kenesh"),
    ev("reading-1", "2023-10-25", actor="Jogorku Kenesh"),
    ev("committee-approval", "2024-01-23"),
    ev("reading-2", "2024-02-22"),
    ev("passed", "2024-03-14"),
    ev("signed", "2024-04-02", actor="President"),
    ev("entered-into-force", "2024-04"),
]


def test_nothing_recorded_is_pending_and_not_in_force() -> None:
    status = derive_status([], day("2024-01-01"), TODAY)
    assert (status.stage, status.outcome.code, status.force.code) == (
        None,
        "pending",
        "not-in-force",
    )
    assert status.headline == "Pending"


def test_stage_follows_the_readings_and_explains_itself() -> None:
    status = derive_status(BILL, day("2023-11-01"), TODAY)
    assert status.stage is not None
    assert status.stage.code == "reading-1"
    assert status.outcome.code == "pending"
    assert (
        "Adopted in first reading on 25 October 2023 (Jogorku Kenesh)" in status.stage.explanation
    )
    assert status.headline == "First reading"


def test_a_committee_step_after_a_reading_does_not_move_the_stage_back() -> None:
    status = derive_status(BILL, day("2024-02-08"), TODAY)
    assert status.stage is not None
    assert status.stage.code == "reading-1"


def test_signature_enacts_and_entry_into_force_gives_legal_force() -> None:
    signed = derive_status(BILL, day("2024-04-02"), TODAY)
    assert signed.outcome.code == "enacted"
    assert signed.force.code == "not-recorded"  # "April 2024" is certain only once April ends
    assert derive_status(BILL, day("2024-04-30"), TODAY).force.code == "in-force"
    today = derive_status(BILL, day("2026-11-28"), TODAY)
    assert today.stage is not None
    assert today.stage.code == "in-force"
    assert (today.outcome.code, today.force.code) == ("enacted", "in-force")
    assert today.headline == "In force"


def test_enacted_without_a_recorded_entry_into_force_says_so() -> None:
    status = derive_status(BILL[:-1], day("2026-11-28"), TODAY)
    assert status.force.code == "not-recorded"
    assert "No entry into force is recorded" in status.force.explanation


@pytest.mark.parametrize(
    ("kind", "outcome"),
    [
        ("rejected", "defeated"),
        ("withdrawn", "withdrawn"),
        ("vetoed", "vetoed"),
        ("lapsed", "expired"),
    ],
)
def test_terminal_outcomes(kind: str, outcome: str) -> None:
    status = derive_status([*BILL[:2], ev(kind, "2024-01-10")], day("2024-06-01"), TODAY)
    assert status.outcome.code == outcome
    assert status.force.code == "not-in-force"


def test_veto_overridden_returns_to_passed_and_pending() -> None:
    events = [*BILL[:5], ev("vetoed", "2024-03-20"), ev("veto-overridden", "2024-04-10")]
    status = derive_status(events, day("2024-05-01"), TODAY)
    assert status.outcome.code == "pending"
    assert status.stage is not None
    assert status.stage.code == "passed"


def test_a_withdrawn_bill_that_comes_back_is_pending_again_at_its_new_stage() -> None:
    events = [
        ev("introduced", "2024-01"),
        ev("reading-1", "2024-02-01"),
        ev("withdrawn", "2024-03-13"),
        ev("introduced", "2025-01-10"),
    ]
    status = derive_status(events, day("2025-02-01"), TODAY)
    assert status.outcome.code == "pending"
    assert status.stage is not None
    assert status.stage.code == "introduced"
    assert "Back under consideration" in status.outcome.explanation


BAN = [
    ev("imposed", "2022-03-11", until="2022-04-11"),
    ev("extended", "2022-04-01", until="2022-12-02"),
    ev("extended", "2024-01-12", until="2024-03-31"),
    ev("extended", "2024-03-28", until="2024-06-30"),
]


def test_a_ban_is_in_force_until_its_end_date_inclusive() -> None:
    status = derive_status(BAN, day("2024-03-31"), TODAY)
    assert status.force.code == "in-force"
    assert status.term_end == day("2024-06-30")  # the 28 March extension already applies
    status = derive_status(BAN[:3], day("2024-03-31"), TODAY)
    assert status.term_end == day("2024-03-31")
    assert "In force until 31 March 2024" in status.force.explanation


def test_a_ban_expires_by_itself_when_its_end_date_passes() -> None:
    status = derive_status(BAN, day("2024-07-01"), TODAY)
    assert (status.force.code, status.outcome.code) == ("expired", "expired")
    assert status.force.since == day("2024-07-01")
    assert "Expired after 30 June 2024" in status.force.explanation


def test_an_extension_after_expiry_puts_it_back_in_force() -> None:
    assert derive_status(BAN, day("2023-06-01"), TODAY).force.code == "expired"
    revived = derive_status(BAN, day("2024-02-08"), TODAY)
    assert (revived.force.code, revived.outcome.code) == ("in-force", "enacted")


def test_a_shorter_later_extension_does_not_cut_a_longer_term() -> None:
    events = [
        ev("extended", "2024-01-12", until="2025-03-31"),
        ev("extended", "2024-03-28", until="2024-06-30"),
    ]
    status = derive_status(events, day("2024-12-01"), TODAY)
    assert status.force.code == "in-force"
    assert status.term_end == day("2025-03-31")


def test_a_month_precision_end_date_runs_to_the_end_of_the_month() -> None:
    events = [ev("imposed", "2024-01-01", until="2024-03")]
    assert derive_status(events, day("2024-03-31"), TODAY).force.code == "in-force"
    assert derive_status(events, day("2024-04-01"), TODAY).force.code == "expired"


@pytest.mark.parametrize(
    ("kind", "force", "outcome"),
    [
        ("struck-down", "no-longer-in-force", "struck-down"),
        ("repealed", "no-longer-in-force", "repealed"),
        ("suspended", "suspended", "enacted"),
        ("partly-struck-down", "partly-in-force", "enacted"),
        ("expired", "expired", "expired"),
    ],
)
def test_courts_and_repeal_change_legal_force(kind: str, force: str, outcome: str) -> None:
    status = derive_status([*BILL, ev(kind, "2025-01-01")], day("2025-06-01"), TODAY)
    assert (status.force.code, status.outcome.code) == (force, outcome)


def test_a_suspension_can_be_lifted() -> None:
    events = [*BILL, ev("suspended", "2025-01-01"), ev("reinstated", "2025-03-01")]
    assert derive_status(events, day("2025-02-01"), TODAY).force.code == "suspended"
    assert derive_status(events, day("2025-04-01"), TODAY).force.code == "in-force"


def test_events_after_the_day_asked_do_not_count() -> None:
    status = derive_status(BILL, day("2023-01-01"), TODAY)
    assert status.events_counted == 0
    assert derive_status(BILL, day("2024-03-14"), TODAY).events_counted == 5


def test_history_lists_each_change_including_expiries() -> None:
    changes = status_history(BAN, day("2024-12-31"), TODAY)
    forces = [(change.start, change.status.force.code) for change in changes]
    assert forces[0] == (day("2022-03-11"), "in-force")
    assert (day("2022-12-03"), "expired") in forces
    assert (day("2024-01-12"), "in-force") in forces
    assert forces[-1] == (day("2024-07-01"), "expired")
    starts = [start for start, _ in forces]
    assert starts == sorted(starts)


def test_an_event_known_to_the_month_counts_once_the_month_is_over() -> None:
    in_april = PartialDate(2024, 4)
    assert effective_day(in_april, today=day("2026-11-28")) == day("2024-04-30")
    assert effective_day(PartialDate(2024, 4, 2), today=day("2026-11-28")) == day("2024-04-02")


def test_today_an_event_of_this_month_counts_at_once() -> None:
    this_month = PartialDate(2026, 11)
    assert effective_day(this_month, today=day("2026-11-28")) == day("2026-11-28")
    events = [ev("introduced", "2026-11")]
    status = derive_status(events, day("2026-11-28"), day("2026-11-28"))
    assert status.stage is not None
    assert status.stage.code == "introduced"


def test_a_scheduled_event_does_not_count_before_its_day() -> None:
    events = [*BILL[:2], ev("reading-2", "2026-12-10")]
    today = day("2026-11-28")
    assert derive_status(events, today, today).stage.code == "reading-1"  # type: ignore[union-attr]
    later = derive_status(events, day("2026-12-10"), today)
    assert later.stage is not None
    assert later.stage.code == "reading-2"


def test_a_year_only_extension_counts_from_the_end_of_that_year() -> None:
    events = [
        ev("extended", "2024-01-12", until="2024-03-31"),
        ev("extended", "2024", until="2025-03-31"),
    ]
    assert derive_status(events, day("2024-02-08"), TODAY).term_end == day("2024-03-31")
    assert derive_status(events, day("2025-01-15"), TODAY).term_end == day("2025-03-31")
