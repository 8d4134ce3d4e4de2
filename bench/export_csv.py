"""Benchmark: streaming the CSV of every event, a million of them, from the production server.

    .venv/bin/python bench/export_csv.py [--events 1000000] [--per-measure 1000]
                                         [--database-url URL | --keep FILE] [--runs 3] [--seed 1]

It writes measures with realistic events (a path through the legislature, court rulings, bans
extended term after term; a quarter of the dates known only to the month or year, some
approximate; one to three sources each) in the interchange format, imports them with the
project's own importer (``tracker.interchange.import_dataset``, in batches) into a
temporary SQLite database (or the empty database at --database-url), starts ``tracker serve``
(gunicorn, one worker, as in production) on 127.0.0.1, and downloads ``/events.csv`` --runs
times. For each run it prints the time to the first byte, the total time, rows per second, and
the worker's resident memory: the highest sample taken every 20 ms during the download, and the
kernel's high-water mark (VmHWM) for the worker's whole life. It checks that every event came
back, and removes what it made (``--keep FILE`` builds the SQLite database into FILE once and
reuses it on later runs: the import of a million events takes a quarter of an hour).

Targets (issue 6): first byte within 1 s, peak memory under 150 MB, at least 200,000 rows/s.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import http.client
import io
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psutil
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tracker import interchange as dataset
from tracker import migrate
from tracker.db import build_engine
from tracker.models import Event

COUNTRIES = ["KG", "KZ", "RU", "BY", "AZ", "GE", "HU", "IN", "TR", "UZ", "TJ", "NI", "VE", "ZW"]
PATH = [
    "drafted", "introduced", "committee-referral", "hearing", "reading-1", "committee-approval",
    "reading-2", "passed", "signed", "published", "entered-into-force",
]  # fmt: skip
AFTERWARDS = [
    "amended", "implementing-regulation", "enforcement-action", "court-challenge",
    "court-ruling", "international-opinion", "other", "extended",
]  # fmt: skip
ACTORS = ["Parliament", "President", "Constitutional Court", "District Court", "Ministry"]


def _date(day: dt.date, rng: random.Random) -> tuple[str, bool]:
    roll = rng.random()
    text = day.isoformat() if roll < 0.75 else day.isoformat()[:7] if roll < 0.92 else str(day.year)
    return text, rng.random() < 0.06


def _measure(number: int, events: int, rng: random.Random) -> dict[str, Any]:
    slug = f"bench-{number:06d}"
    # Every date before the real today: the list shows events up to its "as of" day.
    day = dt.date(1990, 1, 1) + dt.timedelta(days=rng.randrange(0, 3000))
    sources = [f"https://news{number % 97}.example/{slug}/{n}" for n in range(8)]
    items = []
    for index in range(events):
        day += dt.timedelta(days=rng.randrange(1, 9) if events <= 1000 else 1)
        kind = PATH[index] if index < len(PATH) else rng.choice(AFTERWARDS)
        date, approximate = _date(day, rng)
        event: dict[str, Any] = {
            "type": kind,
            "date": date,
            "approximate": approximate,
            "actor": rng.choice(ACTORS),
            "description": f"Step {index} of {slug}: {kind.replace('-', ' ')} as reported.",
            "sources": [{"url": url} for url in rng.sample(sources, rng.randint(1, 3))],
        }
        if kind == "extended":
            end = day + dt.timedelta(days=rng.randrange(30, 120))
            event["end_date"] = end.isoformat()
        if kind.startswith("reading") or kind == "passed":
            event["votes"] = {"for": rng.randrange(40, 90), "against": rng.randrange(0, 20)}
        items.append(event)
    return {
        "slug": slug,
        "country": COUNTRIES[number % len(COUNTRIES)],
        "kind": "law",
        "title": f"Benchmark law {number} on non-commercial organizations",
        "original_title": f"Закон № {number} «О некоммерческих организациях»",
        "original_language": "ru",
        "events": items,
    }


def build(url: str, total: int, per_measure: int, seed: int) -> None:
    """Fill the database through the importer, a batch of measures per transaction."""
    rng = random.Random(seed)
    engine = build_engine(url)
    migrate.upgrade(engine)
    measures = -(-total // per_measure)
    batch = max(1, 50_000 // per_measure)
    started = time.perf_counter()
    made = 0
    for first in range(0, measures, batch):
        numbers = range(first, min(first + batch, measures))
        document = {
            "format": "tracker-dataset",
            "version": 1,
            "measures": [
                _measure(n, min(per_measure, total - n * per_measure), rng) for n in numbers
            ],
        }
        with Session(engine) as session:
            dataset.import_dataset(session, document)
            session.commit()
        made += sum(len(m["events"]) for m in document["measures"])
        rate = made / (time.perf_counter() - started)
        print(f"\r  imported {made:,} events ({rate:,.0f}/s)", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    with Session(engine) as session:
        count = session.scalar(select(func.count(Event.id)))
    engine.dispose()
    assert count == total, f"expected {total} events, the database has {count}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for(port: int, process: subprocess.Popen[bytes], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the server stopped; see its output above")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError("the server did not start")


def worker_of(master: int, timeout: float = 30) -> psutil.Process:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        children = psutil.Process(master).children(recursive=True)
        if children:
            return children[0]
        time.sleep(0.1)
    raise RuntimeError("no gunicorn worker appeared")


def high_water_mark(process: psutil.Process) -> int:
    """VmHWM: the most resident memory the process ever had, in bytes."""
    for line in Path(f"/proc/{process.pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmHWM in /proc")


def download(port: int, worker: psutil.Process, path: str) -> dict[str, float]:
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, worker.memory_info().rss)
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    cpu_before = sum(worker.cpu_times()[:2])
    sampler.start()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    started = time.perf_counter()
    connection.request("GET", path)
    response = connection.getresponse()
    assert response.status == 200, response.status
    first = response.read(1)
    first_byte = time.perf_counter() - started
    size = len(first)
    rows = first.count(b"\n")
    tail = b""
    while chunk := response.read(256 * 1024):
        size += len(chunk)
        rows += chunk.count(b"\n")
        tail = chunk[-4096:]
    total = time.perf_counter() - started
    done.set()
    sampler.join()
    cpu = sum(worker.cpu_times()[:2]) - cpu_before
    connection.close()
    last = list(csv.reader(io.StringIO(tail.decode("utf-8", "replace"))))[-1]
    return {
        "first_byte": first_byte,
        "total": total,
        "rows": rows - 1,  # the header
        "bytes": size,
        "peak_rss": peak,
        "hwm": high_water_mark(worker),
        "cpu": cpu,
        "last_id": float(last[0]) if last and last[0].isdigit() else -1,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--per-measure", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", help="an empty database to use instead of SQLite")
    parser.add_argument("--keep", type=Path, help="build the SQLite database here, or reuse it")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="tracker-bench-csv-"))
    url = args.database_url or f"sqlite:///{args.keep or folder / 'bench.sqlite3'}"
    server = None
    try:
        if args.keep and args.keep.exists():
            print(f"Reusing {args.keep}", file=sys.stderr)
        else:
            print(f"Building {args.events:,} events in {url.split(':')[0]}...", file=sys.stderr)
            started = time.perf_counter()
            build(url, args.events, args.per_measure, args.seed)
            print(f"  built in {time.perf_counter() - started:.0f} s", file=sys.stderr)

        port = free_port()
        env = {
            **os.environ,
            "TRACKER_DATABASE_URL": url,
            "TRACKER_INSTANCE_PATH": str(folder / "instance"),
            "TRACKER_SEED_ON_EMPTY": "false",
        }
        server = subprocess.Popen(
            [sys.executable, "-m", "tracker", "serve", "--port", str(port), "--workers", "1"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(port, server)
        worker = worker_of(server.pid)
        idle = worker.memory_info().rss
        results = [download(port, worker, "/events.csv") for _ in range(args.runs)]

        for result in results:
            assert result["rows"] == args.events, f"{result['rows']} rows, not {args.events}"
        mb = 1024 * 1024
        print(f"\nCSV of all events: {args.events:,} rows, {results[0]['bytes'] / mb:,.0f} MB")
        print(
            "server: tracker serve --workers 1 (gunicorn, gthread) on 127.0.0.1; "
            f"database: {url.split(':')[0]}; worker idle RSS {idle / mb:.0f} MB"
        )
        heads = f"{'run':>4} {'first byte':>11} {'total':>8} {'rows/s':>10}"
        print(f"{heads} {'worker CPU':>11} {'rows/CPU-s':>11} {'peak RSS':>9} {'VmHWM':>7}")
        for number, r in enumerate(results, 1):
            print(
                f"{number:>4} {r['first_byte'] * 1000:>9.0f}ms {r['total']:>7.1f}s "
                f"{r['rows'] / r['total']:>10,.0f} {r['cpu']:>10.1f}s "
                f"{r['rows'] / r['cpu']:>11,.0f} {r['peak_rss'] / mb:>7.0f}MB "
                f"{r['hwm'] / mb:>5.0f}MB"
            )
        rates = [r["rows"] / r["total"] for r in results]
        firsts = [r["first_byte"] for r in results]
        peak = max(r["hwm"] for r in results)
        per_cpu = [r["rows"] / r["cpu"] for r in results]
        print(
            f"median: first byte {statistics.median(firsts) * 1000:.0f} ms, "
            f"{statistics.median(rates):,.0f} rows/s ({statistics.median(per_cpu):,.0f} rows "
            f"per second of the worker's CPU); worker's peak memory {peak / mb:.0f} MB"
        )
        print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
        quick = sum(first < 1 for first in firsts)
        print(
            f"targets: first byte < 1000 ms: met in {quick} of {len(firsts)} runs "
            f"(median {'met' if statistics.median(firsts) < 1 else 'MISSED'})"
            + "; peak memory < 150 MB: "
            + ("met" if peak < 150 * mb else "MISSED")
            + "; >= 200,000 rows/s: "
            + ("met" if statistics.median(rates) >= 200_000 else "MISSED")
        )
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
