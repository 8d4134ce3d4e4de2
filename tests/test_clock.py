"""Every "now" in the package comes from tracker.clock, so a pinned day holds everywhere.

A brief's "Generated" line and a token's "Revoked" day once read the real clock while the tests
pinned another day: the suite passed on the day it was written and failed a week later. These
tests fail on any direct read of the wall clock in tracker/, and show that the pinned day reaches
the stored timestamps.
"""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

from flask import Flask

import tracker
from tracker import clock

PACKAGE = Path(tracker.__file__).parent

# Calls that read the wall clock: datetime.now(), date.today() (through the datetime module or
# its classes), time.time() (through the time module; dt.time() is midnight, not a reading).
_DATETIME_READS = {"now", "utcnow", "today"}
_DATETIME_NAMES = {"datetime", "date", "dt"}
_TIME_READS = {"time", "time_ns", "localtime", "gmtime", "ctime", "strftime"}


def _wall_clock_reads(source: str) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        attribute = node.func
        # The names the call is reached through: dt.datetime.now() -> dt, datetime.
        chain, owner = [], attribute.value
        while isinstance(owner, ast.Attribute):
            chain.append(owner.attr)
            owner = owner.value
        if isinstance(owner, ast.Name):
            chain.append(owner.id)
        reads_datetime = attribute.attr in _DATETIME_READS and _DATETIME_NAMES & set(chain)
        if reads_datetime or (attribute.attr in _TIME_READS and chain == ["time"]):
            found.append((node.lineno, ast.unparse(node)))
    return found


def test_only_the_clock_module_reads_the_wall_clock() -> None:
    offenders = [
        f"{path.relative_to(PACKAGE.parent)}:{line}: {call}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.name != "clock.py"
        for line, call in _wall_clock_reads(path.read_text(encoding="utf-8"))
    ]
    assert offenders == [], "read the day and time from tracker.clock instead:\n" + "\n".join(
        offenders
    )


def test_the_guard_sees_every_way_of_reading_the_clock() -> None:
    source = "\n".join(
        [
            "dt.datetime.now(dt.UTC)",
            "datetime.datetime.utcnow()",
            "dt.date.today()",
            "time.time()",
            "date.today()",
            "datetime.now()",
        ]
    )
    assert len(_wall_clock_reads(source)) == 6
    assert _wall_clock_reads("clock.now()\nclock.today()\nrow.time()") == []


def test_a_pinned_day_is_the_day_of_now(app: Flask) -> None:
    with app.app_context():
        pinned = clock.today()
        first, second = clock.now(), clock.now()
    assert first.date() == pinned == dt.date.fromisoformat(app.config["TODAY"])
    assert first.tzinfo is not None
    assert first <= second  # timestamps taken in turn keep their order


def test_without_a_pin_the_clock_is_the_real_one() -> None:
    bare = Flask("bare")
    with bare.app_context():
        assert abs(clock.now() - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)
        assert clock.today() in {dt.date.today(), dt.date.today() - dt.timedelta(days=1)}
