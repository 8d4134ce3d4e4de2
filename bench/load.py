"""Import generated batch files through the tracker's own import path and time it.

Each batch file goes through ``tracker.interchange.import_dataset`` (validation, then the
all-or-nothing upsert) in its own transaction, exactly as ``tracker import FILE`` would do it.
Prints the time, the throughput and the peak memory of the process.

    python bench/load.py --database sqlite:///bench/data/bench.sqlite3 bench/data/scale-1
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from tracker import create_app, migrate
from tracker import interchange as dataset
from tracker.db import get_engine, session_scope
from tracker.models import Event, Measure, Statement


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--database", required=True, help="SQLAlchemy URL of an empty database")
    parser.add_argument("--today", default=None, help="pin today (YYYY-MM-DD)")
    args = parser.parse_args()
    config = {"DATABASE_URL": args.database, "SECRET_KEY": "bench", "SEED_ON_EMPTY": False}
    if args.today:
        config["TODAY"] = args.today
    app = create_app(config)
    files = sorted(args.folder.glob("batch-*.json"))
    if not files:
        sys.exit(f"no batch-*.json in {args.folder}")
    with app.app_context():
        migrate.upgrade(get_engine())
        started = time.perf_counter()
        for number, path in enumerate(files, 1):
            document = dataset.load_json(path.read_bytes())
            with session_scope() as session:
                dataset.import_dataset(session, document)
            del document
            elapsed = time.perf_counter() - started
            print(f"\r{number}/{len(files)} batches, {elapsed:.0f} s", end="", file=sys.stderr)
        elapsed = time.perf_counter() - started
        print(file=sys.stderr)
        with session_scope() as session:
            counts = {
                "measures": session.scalar(select(func.count()).select_from(Measure)),
                "events": session.scalar(select(func.count()).select_from(Event)),
                "statements": session.scalar(select(func.count()).select_from(Statement)),
            }
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows = sum(v or 0 for v in counts.values())
    print(
        json.dumps(
            {
                **counts,
                "seconds": round(elapsed, 1),
                "records_per_second": round(rows / elapsed),
                "peak_memory_mb": round(peak_mb),
            }
        )
    )


if __name__ == "__main__":
    main()
