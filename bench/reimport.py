"""Export a whole database as interchange JSON, then import that file into a fresh database:
the time, CPU time and peak memory of each step, each in its own process (issue 17: an 844 MB
export of the benchmark's dataset peaked at 6.18 GB when re-imported).

    python bench/reimport.py --database sqlite:///bench/data/bench.sqlite3
    python bench/reimport.py --database sqlite:///bench/data/bench.sqlite3 --whole

The export is ``tracker export FILE``; the import ``tracker import FILE`` (a stream), or with
``--whole`` the path before issue 17 (the file read whole, ``json.loads``, then
``import_dataset``), to compare. ``--target`` imports into that (empty) database instead of a
temporary SQLite file. Peak memory is the child's maximum resident set size.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TRACKER = Path(sys.executable).with_name("tracker")

# The import as the CLI did it before issue 17, for --whole.
WHOLE = """
import sys
from tracker import create_app, interchange
from tracker.cli import _ready_database
from tracker.db import session_scope
from tracker.services import history
with create_app().app_context():
    _ready_database()
    document = interchange.load_json(open(sys.argv[1], "rb").read())
    with session_scope() as session:
        history.set_actor(session, history.Actor("import"))
        interchange.import_dataset(session, document)
"""


def run(command: list[str], env: dict[str, str]) -> dict[str, float]:
    """Run a child process to the end: its wall time, CPU time and peak memory."""
    started = time.perf_counter()
    child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        sys.exit(f"{' '.join(command)} failed with {child.returncode}")
    return {
        "seconds": round(elapsed, 1),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1),
        "peak_memory_mb": round(usage.ru_maxrss / 1024),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True, help="SQLAlchemy URL of the data to export")
    parser.add_argument("--target", help="SQLAlchemy URL of an empty database to import into")
    parser.add_argument("--whole", action="store_true", help="import the way it was before")
    parser.add_argument("--today", default="2026-11-28", help="pin today (YYYY-MM-DD)")
    args = parser.parse_args()
    base = {**os.environ, "TRACKER_SECRET_KEY": "bench", "TRACKER_TODAY": args.today}
    base["TRACKER_SEED_ON_EMPTY"] = "false"
    with tempfile.TemporaryDirectory(prefix="tracker-reimport-") as folder:
        exported = Path(folder) / "export.json"
        export = run(
            [str(TRACKER), "export", str(exported)], {**base, "TRACKER_DATABASE_URL": args.database}
        )
        size_mb = exported.stat().st_size / 1e6
        target = args.target or f"sqlite:///{Path(folder) / 'reimported.sqlite3'}"
        env = {**base, "TRACKER_DATABASE_URL": target}
        if args.whole:
            command = [sys.executable, "-c", WHOLE, str(exported)]
        else:
            command = [str(TRACKER), "import", str(exported)]
        imported = run(command, env)
    print(
        json.dumps(
            {
                "export": {**export, "file_mb": round(size_mb)},
                "import": {"path": "whole" if args.whole else "stream", **imported},
            }
        )
    )


if __name__ == "__main__":
    main()
