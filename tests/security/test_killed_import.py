"""A process killed in the middle of an import leaves the database exactly as before: a real
`tracker import` of a large file, killed with SIGKILL once it has started writing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from tests.conftest import drop_database_url, new_database_url
from tests.security.state import database_rows
from tracker import interchange, migrate, paths
from tracker.db import build_engine


def large_dataset(measures: int) -> dict[str, object]:
    events = [
        {
            "type": kind,
            "date": f"2020-0{month}",
            "description": f"Step {month} " + "x" * 300,
            "sources": [{"url": f"https://example.org/gazette/{month}"}],
        }
        for month, kind in enumerate(["introduced", "reading-1", "reading-2", "passed"], 1)
    ]
    return {
        "format": "tracker-dataset",
        "version": 1,
        "measures": [
            {
                "slug": f"xx-generated-{number:05d}",
                "country": "KG",
                "kind": "bill",
                "title": f"Generated bill number {number} " + "y" * 200,
                "summary": "z" * 1000,
                "events": events,
            }
            for number in range(measures)
        ],
    }


def _progress(engine: Engine, url: str) -> Callable[[], int]:
    """How much the import has written so far (uncommitted), in bytes."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        wal = Path(f"{parsed.database}-wal")
        return lambda: wal.stat().st_size if wal.exists() else 0

    def size() -> int:
        with engine.connect() as connection:
            return int(connection.scalar(text("SELECT pg_total_relation_size('events')")) or 0)

    return size


@pytest.mark.slow
def test_an_import_killed_half_way_leaves_the_database_as_before(tmp_path: Path) -> None:
    url = new_database_url(tmp_path, "killed")
    engine = build_engine(url)
    try:
        migrate.upgrade(engine)
        with Session(engine) as session:
            interchange.import_dataset(
                session, interchange.load_json(paths.seed_file().read_bytes())
            )
            session.commit()
        with engine.connect() as connection:
            before = database_rows(connection)
        big = tmp_path / "big.json"
        big.write_text(json.dumps(large_dataset(3000)), encoding="utf-8")
        measure = _progress(engine, url)
        start = measure()
        env = {**os.environ, "TRACKER_DATABASE_URL": url, "TRACKER_INSTANCE_PATH": str(tmp_path)}
        process = subprocess.Popen(
            [sys.executable, "-m", "tracker", "import", str(big)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 120
        while measure() < start + 2_000_000:  # a couple of megabytes written, not committed
            assert process.poll() is None, "the import finished before it could be killed"
            assert time.monotonic() < deadline, "the import never started writing"
            time.sleep(0.02)
        os.kill(process.pid, signal.SIGKILL)
        assert process.wait(timeout=30) == -signal.SIGKILL
        engine.dispose()
        engine = build_engine(url)
        with engine.connect() as connection:
            assert database_rows(connection) == before
            if make_url(url).get_backend_name() == "sqlite":
                assert connection.scalar(text("PRAGMA integrity_check")) == "ok"
        # And the database takes writes again: the dead process holds no lock.
        with Session(engine) as session:
            small = large_dataset(2)
            interchange.import_dataset(session, small)
            session.commit()
    finally:
        engine.dispose()
        drop_database_url(url)
