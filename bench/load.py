"""Import generated batch files through the tracker's own import path and time it.

Each batch file goes through ``tracker.interchange.import_file`` (read as a stream, validated,
then the all-or-nothing upsert) in its own transaction, exactly as ``tracker import FILE``
does it; ``--whole`` loads each file whole and imports it with ``import_dataset`` instead
(the path before issue 17, and still that of the seed), to compare. Prints the time, the CPU
time, the throughput and the peak memory of the process.

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
    parser.add_argument("--whole", action="store_true", help="json.loads + import_dataset")
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
        cpu = time.process_time()
        for number, path in enumerate(files, 1):
            with session_scope() as session:
                if args.whole:
                    dataset.import_dataset(session, dataset.load_json(path.read_bytes()))
                else:
                    with path.open("rb") as handle:
                        dataset.import_file(session, handle)
            elapsed = time.perf_counter() - started
            print(f"\r{number}/{len(files)} batches, {elapsed:.0f} s", end="", file=sys.stderr)
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu
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
                "path": "import_dataset" if args.whole else "import_file",
                "seconds": round(elapsed, 1),
                "cpu_seconds": round(cpu, 1),
                "records_per_second": round(rows / elapsed),
                "peak_memory_mb": round(peak_mb),
            }
        )
    )


if __name__ == "__main__":
    main()
