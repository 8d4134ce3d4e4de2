"""What recording history costs: the seed import and single saves, with and without revisions.

Usage: .venv/bin/python bench/history_overhead.py [--saves 200]
Prints one line per figure. Uses throwaway SQLite files in a temporary folder.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from tracker import interchange as dataset
from tracker import migrate, paths
from tracker.db import build_engine
from tracker.models import Event, Revision
from tracker.services import history
from tracker.services.events import save_event
from tracker.services.record_data import event_data


def fresh_engine(folder: Path, name: str) -> Engine:
    engine = build_engine(f"sqlite:///{folder / name}.sqlite3")
    migrate.upgrade(engine)
    return engine


def import_seed(engine: Engine, with_history: bool) -> float:
    document = dataset.load_json(paths.seed_file().read_bytes())
    with Session(engine) as session:
        session.info[history.DISABLED] = not with_history
        started = time.perf_counter()
        dataset.import_dataset(session, document)
        session.commit()
        return time.perf_counter() - started


def saves(engine: Engine, count: int, with_history: bool) -> list[float]:
    timings = []
    with Session(engine) as session:
        session.info[history.DISABLED] = not with_history
        event_ids = list(session.scalars(select(Event.id).limit(count)))
    for index in range(count):
        with Session(engine) as session:
            session.info[history.DISABLED] = not with_history
            event = session.get(Event, event_ids[index % len(event_ids)])
            assert event is not None
            data = event_data(event)
            data.description = f"{data.description or ''} (edit {index})"
            started = time.perf_counter()
            save_event(session, event.measure, event, data, expected_version=event.version)
            session.commit()
            timings.append(time.perf_counter() - started)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--saves", type=int, default=200)
    args = parser.parse_args()
    history.install()
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        for with_history in (False, True):
            label = "with history" if with_history else "without history"
            engine = fresh_engine(base, label.replace(" ", "-"))
            seconds = import_seed(engine, with_history)
            print(f"seed import {label}: {seconds * 1000:.0f} ms")
            timings = saves(engine, args.saves, with_history)
            print(
                f"event save {label}: median {statistics.median(timings) * 1000:.2f} ms, "
                f"p95 {sorted(timings)[int(len(timings) * 0.95)] * 1000:.2f} ms "
                f"over {len(timings)} saves"
            )
            with Session(engine) as session:
                revisions = session.scalar(select(func.count()).select_from(Revision))
            print(f"revisions written {label}: {revisions}")
            engine.dispose()


if __name__ == "__main__":
    main()
