"""Derived status: each rule, on events built by hand."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from tracker.dates import PartialDate
from tracker.status import counts_from, derive_status, sort_events, status_history, warnings

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
    status = derive_status([], day("2024-01-01"))
    assert (status.stage, status.outcome.code, status.force.code) == (
        None,
        "pending",
        "not-in-force",
    )
    assert status.headline == "Pending"


def test_stage_follows_the_readings_and_explains_itself() -> None:
    status = derive_status(BILL, day("2023-11-01"))
    assert status.stage is not None
    assert status.stage.code == "reading-1"
    assert status.outcome.code == "pending"
    assert (
        "Adopted in first reading on 25 October 2023 (Jogorku Kenesh)" in status.stage.explanation
    )
    assert status.headline == "First reading"


def test_a_committee_step_after_a_reading_does_not_move_the_stage_back() -> None:
    status = derive_status(BILL, day("2024-02-08"))
    assert status.stage is not None
    assert status.stage.code == "reading-1"


def test_signature_enacts_and_entry_into_force_gives_legal_force() -> None:
    signed = derive_status(BILL, day("2024-04-02"))
    assert signed.outcome.code == "enacted"
    # "April 2024" is certain only once April ends; until then it is coming, not missing.
    assert signed.force.code == "not-yet-in-force"
    assert derive_status(BILL, day("2024-04-30")).force.code == "in-force"
    today = derive_status(BILL, day("2026-11-28"))
    assert today.stage is not None
    assert today.stage.code == "in-force"
    assert (today.outcome.code, today.force.code) == ("enacted", "in-force")
    assert today.headline == "In force"


def test_enacted_without_a_recorded_entry_into_force_says_so() -> None:
    status = derive_status(BILL[:-1], day("2026-11-28"))
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
    status = derive_status([*BILL[:2], ev(kind, "2024-01-10")], day("2024-06-01"))
    assert status.outcome.code == outcome
    assert status.force.code == "not-in-force"


def test_veto_overridden_returns_to_passed_and_pending() -> None:
    events = [*BILL[:5], ev("vetoed", "2024-03-20"), ev("veto-overridden", "2024-04-10")]
    status = derive_status(events, day("2024-05-01"))
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
    status = derive_status(events, day("2025-02-01"))
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
    status = derive_status(BAN, day("2024-03-31"))
    assert status.force.code == "in-force"
    assert status.term_end == day("2024-06-30")  # the 28 March extension already applies
    status = derive_status(BAN[:3], day("2024-03-31"))
    assert status.term_end == day("2024-03-31")
    assert "In force until 31 March 2024" in status.force.explanation


def test_a_ban_expires_by_itself_when_its_end_date_passes() -> None:
    status = derive_status(BAN, day("2024-07-01"))
    assert (status.force.code, status.outcome.code) == ("expired", "expired")
    assert status.force.since == day("2024-07-01")
    assert "Expired after 30 June 2024" in status.force.explanation


def test_an_extension_after_expiry_puts_it_back_in_force() -> None:
    assert derive_status(BAN, day("2023-06-01")).force.code == "expired"
    revived = derive_status(BAN, day("2024-02-08"))
    assert (revived.force.code, revived.outcome.code) == ("in-force", "enacted")


def test_a_shorter_later_extension_does_not_cut_a_longer_term() -> None:
    events = [
        ev("extended", "2024-01-12", until="2025-03-31"),
        ev("extended", "2024-03-28", until="2024-06-30"),
    ]
    status = derive_status(events, day("2024-12-01"))
    assert status.force.code == "in-force"
    assert status.term_end == day("2025-03-31")


def test_a_month_precision_end_date_runs_to_the_end_of_the_month() -> None:
    events = [ev("imposed", "2024-01-01", until="2024-03")]
    assert derive_status(events, day("2024-03-31")).force.code == "in-force"
    assert derive_status(events, day("2024-04-01")).force.code == "expired"


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
    status = derive_status([*BILL, ev(kind, "2025-01-01")], day("2025-06-01"))
    assert (status.force.code, status.outcome.code) == (force, outcome)


def test_a_suspension_can_be_lifted() -> None:
    events = [*BILL, ev("suspended", "2025-01-01"), ev("reinstated", "2025-03-01")]
    assert derive_status(events, day("2025-02-01")).force.code == "suspended"
    assert derive_status(events, day("2025-04-01")).force.code == "in-force"


def test_events_after_the_day_asked_do_not_count() -> None:
    status = derive_status(BILL, day("2023-01-01"))
    assert status.events_counted == 0
    assert derive_status(BILL, day("2024-03-14")).events_counted == 5


def test_history_lists_each_change_including_expiries() -> None:
    changes = status_history(BAN, day("2024-12-31"))
    forces = [(change.start, change.status.force.code) for change in changes]
    assert forces[0] == (day("2022-03-11"), "in-force")
    assert (day("2022-12-03"), "expired") in forces
    assert (day("2024-01-12"), "in-force") in forces
    assert forces[-1] == (day("2024-07-01"), "expired")
    starts = [start for start, _ in forces]
    assert starts == sorted(starts)


def test_an_event_known_to_the_month_counts_once_the_month_is_over() -> None:
    assert counts_from(PartialDate(2024, 4)) == day("2024-04-30")
    assert counts_from(PartialDate(2025)) == day("2025-12-31")
    assert counts_from(PartialDate(2024, 4, 2)) == day("2024-04-02")


def test_an_as_of_answer_depends_only_on_the_record_and_that_day() -> None:
    """No "today" goes in: a link "as of 20 November 2026" answers the same on any day."""
    events = [ev("introduced", "2026-10-02"), ev("reading-1", "2026-11")]
    on_the_20th = derive_status(events, day("2026-11-20"))
    assert on_the_20th.stage is not None
    assert on_the_20th.stage.code == "introduced"  # November is not over on the 20th
    at_month_end = derive_status(events, day("2026-11-30"))
    assert at_month_end.stage is not None
    assert at_month_end.stage.code == "reading-1"


def test_a_scheduled_event_does_not_count_before_its_day() -> None:
    events = [*BILL[:2], ev("reading-2", "2026-12-10")]
    assert derive_status(events, day("2026-11-28")).stage.code == "reading-1"  # type: ignore[union-attr]
    later = derive_status(events, day("2026-12-10"))
    assert later.stage is not None
    assert later.stage.code == "reading-2"


# Russia's 2012 "foreign agents" law: signed 20 July 2012, in force 21 November 2012.
RUSSIA_2012 = [
    ev("passed", "2012-07-13"),
    ev("signed", "2012-07-20", actor="President"),
    ev("entered-into-force", "2012-11-21"),
]


def test_between_signature_and_entry_into_force_a_law_is_not_yet_in_force() -> None:
    def cite(event: Ev) -> str:
        return "Rossiyskaya Gazeta" if event.type == "entered-into-force" else "Kremlin"

    for between in ("2012-07-20", "2012-09-01", "2012-11-20"):
        status = derive_status(RUSSIA_2012, day(between), cite)
        assert (status.outcome.code, status.force.code) == ("enacted", "not-yet-in-force")
        assert status.state == "not-yet-in-force"
        assert status.force.label == "Not yet in force"
        assert (
            "Not yet in force: enters into force on 21 November 2012, per Rossiyskaya Gazeta."
            in status.explanation
        )
        assert "not recorded" not in status.explanation
    assert derive_status(RUSSIA_2012, day("2012-11-21")).force.code == "in-force"


def test_a_month_only_entry_into_force_is_coming_until_its_month_is_over() -> None:
    status = derive_status(BILL, day("2024-04-10"))
    assert status.force.code == "not-yet-in-force"
    assert "enters into force in April 2024" in status.force.explanation
    assert "The day is not recorded" in status.force.explanation


def test_not_recorded_only_when_the_record_has_no_entry_into_force_at_all() -> None:
    status = derive_status(BILL[:-1], day("2030-01-01"))
    assert status.force.code == "not-recorded"
    assert status.force.explanation == "No entry into force is recorded."


@pytest.mark.parametrize(("kind", "meant"), [("withdrawn", "repealed"), ("rejected", "repealed"),
                                             ("lapsed", "expired")])  # fmt: skip
def test_a_law_in_force_is_not_withdrawn_rejected_or_lapsed(kind: str, meant: str) -> None:
    events = [*BILL, ev(kind, "2025-03-01")]
    status = derive_status(events, day("2025-06-01"))
    assert (status.outcome.code, status.force.code) == ("enacted", "in-force")
    assert status.headline == "In force"
    assert status.tone == "active"
    [(flagged, note)] = warnings(events)
    assert flagged.type == kind
    assert note.startswith("After enactment")
    assert f"did you mean {meant}" in note


def test_before_enactment_a_withdrawal_is_no_warning() -> None:
    assert warnings([*BILL[:2], ev("withdrawn", "2024-01-10")]) == []


def test_an_extension_from_the_day_after_a_term_ends_keeps_in_force_since_unbroken() -> None:
    events = [
        ev("imposed", "2024-01-01", until="2024-03-31"),
        ev("extended", "2024-04-01", until="2024-06-30"),
    ]
    status = derive_status(events, day("2024-05-01"))
    assert status.force.code == "in-force"
    assert status.force.since_date == PartialDate(2024, 1, 1)
    changes = status_history(events, day("2024-05-01"))
    assert [change.status.force.code for change in changes] == ["in-force", "in-force"]


def test_a_gap_between_terms_is_an_expiry() -> None:
    events = [
        ev("imposed", "2024-01-01", until="2024-03-31"),
        ev("extended", "2024-04-02", until="2024-06-30"),
    ]
    changes = status_history(events, day("2024-05-01"))
    forces = [(change.start, change.status.force.code) for change in changes]
    assert (day("2024-04-01"), "expired") in forces
    assert derive_status(events, day("2024-05-01")).force.since_date == PartialDate(2024, 4, 2)


def test_nothing_invents_a_day() -> None:
    events = [ev("signed", "2025-03-03"), ev("entered-into-force", "2025")]
    status = derive_status(events, day("2026-06-01"))
    assert status.force.since == day("2025-12-31")  # what the rule compares with
    assert status.force.since_date == PartialDate(2025)  # what a reader is told
    assert "31 December" not in status.explanation
    assert "in 2025" in status.explanation


def test_a_month_only_step_is_placed_after_same_month_days_then_by_stage() -> None:
    events = [
        ev("entered-into-force", "2024-04"),
        ev("signed", "2024-04-30"),
        ev("published", "2024-04-12"),
        ev("sent-for-signature", "2024-04"),
    ]
    ordered = [(e.type, e.date.iso) for e in sort_events(events)]
    assert ordered == [
        ("published", "2024-04-12"),
        ("sent-for-signature", "2024-04"),
        ("signed", "2024-04-30"),
        ("entered-into-force", "2024-04"),
    ]


@pytest.mark.parametrize("as_of", ["2024-04-02", "2024-05-01", "2025-06-01", "2026-11-28"])
def test_an_explanation_never_repeats_a_sentence(as_of: str) -> None:
    events = [*BILL, ev("repealed", "2025-05-01")]
    text = derive_status(events, day(as_of)).explanation
    sentences = [s.strip() for s in text.split(". ") if s.strip()]
    assert len(sentences) == len(set(sentences)), text
    signed = derive_status(BILL[:-1], day("2024-04-03")).explanation
    assert signed.count("Signed into law") == 1, signed


def test_a_year_only_extension_counts_from_the_end_of_that_year() -> None:
    events = [
        ev("extended", "2024-01-12", until="2024-03-31"),
        ev("extended", "2024", until="2025-03-31"),
    ]
    assert derive_status(events, day("2024-02-08")).term_end == day("2024-03-31")
    assert derive_status(events, day("2025-01-15")).term_end == day("2025-03-31")


# -- the one-sentence summary (tracker.status.summary) --------------------------------------


def said(events: list[Ev], on: str, scheduled: list[Ev] | None = None) -> str:
    from tracker.status import summary

    return summary(derive_status(events, day(on)), events, scheduled or [])


def test_summary_of_a_law_in_force_says_since_when_at_the_records_precision() -> None:
    # "April 2024": the month is all the record knows, so no day is invented.
    assert said(BILL, "2026-11-28") == "In force since April 2024."
    exact = [*BILL[:-1], ev("entered-into-force", "2024-04-13")]
    assert said(exact, "2026-11-28") == "In force since 13 April 2024."


def test_summary_tells_what_happened_last_after_the_standing() -> None:
    later = [*BILL, ev("court-ruling", "2025-01-14", actor="Bishkek administrative court")]
    assert said(later, "2026-11-28") == (
        "In force since April 2024; latest: court ruling (upheld) on 14 January 2025 "
        "(Bishkek administrative court)."
    )


def test_summary_never_claims_an_entry_into_force_the_record_lacks() -> None:
    signed = BILL[:-1]
    assert said(signed, "2026-11-28") == (
        "Signed into law on 2 April 2024 (President); entry into force not recorded."
    )
    # Signed, with the entry into force dated to a month that has not ended on the day asked.
    assert said(BILL, "2024-04-10") == (
        "Signed into law on 2 April 2024 (President); not yet in force: enters into force in "
        "April 2024 (the day is not recorded)."
    )


def test_summary_words_approximate_dates_as_approximate() -> None:
    order = [ev("imposed", "c. 2013", actor="City Hall")]
    assert said(order, "2026-11-28") == "In force since around 2013."


def test_summary_of_a_pending_bill_gives_its_last_step_and_what_is_scheduled() -> None:
    bill = BILL[:2]
    assert said(bill, "2023-11-01") == (
        "Pending: adopted in first reading on 25 October 2023 (Jogorku Kenesh)."
    )
    coming = [ev("reading-2", "2023-12-06", actor="Jogorku Kenesh")]
    assert said(bill + coming, "2023-11-01", scheduled=coming) == (
        "Pending: adopted in first reading on 25 October 2023 (Jogorku Kenesh). Next: adopted in "
        "second reading on 6 December 2023 (Jogorku Kenesh) (scheduled)."
    )


def test_summary_of_a_term_says_when_it_ends_and_when_it_ran_out() -> None:
    ban = [ev("imposed", "2025-12-31", until="2026-03-31", actor="District Court")]
    assert said(ban, "2026-01-15") == (
        "In force since 31 December 2025, until 31 March 2026, unless extended."
    )
    assert said(ban, "2026-11-28") == (
        "Expired after 31 March 2026; latest: imposed on 31 December 2025 (District Court)."
    )


def test_summary_of_a_defeat_and_of_an_empty_record() -> None:
    defeated = [ev("introduced", "2013-09"), ev("rejected", "2016-05-12", actor="Parliament")]
    assert said(defeated, "2026-11-28") == "Defeated: rejected on 12 May 2016 (Parliament)."
    assert said([], "2026-11-28") == "No events recorded yet."
