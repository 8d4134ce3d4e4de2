"""Benchmark: the cross-measure timeline of 1,000 measures with 20,000 events.

    .venv/bin/python bench/timeline.py [--runs 10] [--measures 1000] [--events 20000]
                                       [--database-url URL] [--seed 1]

It writes a dataset in the interchange format (realistic event sequences: bills that pass or
fail, laws amended and struck down, bans extended term after term; a quarter of the dates known
only to the month or year, some approximate), imports it with the project's own importer into a
temporary SQLite database (or the empty database at --database-url), then times, over --runs
runs after one warm-up:

- in the process: the timeline service (queries and status history), its layout and the SVG;
- over HTTP, through `tracker serve` (gunicorn, one worker) on 127.0.0.1: the timeline page,
  the SVG download, the embed, one country's page and PNG, and the lineage page.

It prints a table of medians and 95th percentiles in milliseconds, and removes what it made.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from tracker import create_app, migrate
from tracker import interchange as dataset
from tracker.charts import svg
from tracker.charts.timeline import layout_timeline
from tracker.db import build_engine, get_session
from tracker.models import Event, Measure
from tracker.services.measures import MeasureFilters
from tracker.services.timeline import build_timeline
from tracker.viewpoint import Viewpoint
from tracker.web.charts import ChartLinks

TODAY = dt.date(2026, 11, 28)
COUNTRIES = [
    "AM", "AZ", "BY", "GE", "HU", "IN", "KG", "KZ", "MD", "NI", "PL", "RS", "RU", "SK", "TJ",
    "TR", "UZ", "VE", "ZW", "EG", "ET", "UG", "KH", "LK", "PK", "BD", "ID", "MY", "TH", "VN",
    "SV", "GT", "BO", "PE", "TN", "DZ", "MA", "JO", "IL", "BA",
]  # fmt: skip
TOPICS = ["association", "assembly", "expression", "media", "foreign-funding", "online-content"]
ORGANIZATIONS = [f"org-{n}" for n in range(40)]

# Event sequences as they happen: a path through the legislature, then what follows.
LEGISLATIVE_PATH = [
    "drafted", "introduced", "committee-referral", "hearing", "reading-1",
    "committee-approval", "reading-2", "passed", "signed", "published", "entered-into-force",
]  # fmt: skip
AFTERWARDS = [
    "amended", "implementing-regulation", "enforcement-action", "court-challenge",
    "court-ruling", "international-opinion", "other",
]  # fmt: skip
ENDINGS = ["rejected", "withdrawn", "lapsed", "vetoed"]


def _date(day: dt.date, rng: random.Random) -> tuple[str, bool]:
    """A day, or only its month or year, as sources give them; sometimes approximate."""
    roll = rng.random()
    if roll < 0.75:
        text = day.isoformat()
    elif roll < 0.92:
        text = day.isoformat()[:7]
    else:
        text = day.isoformat()[:4]
    return text, rng.random() < 0.06


def _event(kind: str, day: dt.date, rng: random.Random, n: int, **extra: Any) -> dict[str, Any]:
    date, approximate = _date(day, rng)
    event: dict[str, Any] = {
        "type": kind,
        "date": date,
        "description": f"{kind.replace('-', ' ').capitalize()}: step {n} as reported.",
        "sources": [{"url": f"https://example.org/source/{rng.randrange(3000)}"}],
    }
    if approximate:
        event["approximate"] = True
    event.update(extra)
    return event


def _measure_events(count: int, rng: random.Random) -> tuple[str, list[dict[str, Any]]]:
    day = dt.date(2000, 1, 1) + dt.timedelta(days=rng.randrange(26 * 365))
    events: list[dict[str, Any]] = []

    def step(kind: str, **extra: Any) -> None:
        nonlocal day
        events.append(_event(kind, day, rng, len(events) + 1, **extra))
        day += dt.timedelta(days=rng.randrange(4, 120))

    if rng.random() < 0.15:  # an order or ban, extended term after term
        kind = rng.choice(["court-order", "administrative-order", "decree"])
        end = day + dt.timedelta(days=rng.randrange(30, 200))
        step("imposed", end_date=end.isoformat())
        while len(events) < count:
            if rng.random() < 0.7:
                day = end - dt.timedelta(days=rng.randrange(0, 10))
                end = day + dt.timedelta(days=rng.randrange(60, 200))
                step("extended", end_date=end.isoformat())
            else:
                step(rng.choice(AFTERWARDS))
        return kind, events[:count]

    kind = rng.choice(["bill", "law", "law", "amendment", "constitutional-law", "regulation"])
    stop = rng.randrange(3, len(LEGISLATIVE_PATH) + 4)
    for kind_of_step in LEGISLATIVE_PATH[: min(stop, len(LEGISLATIVE_PATH))]:
        if len(events) >= count:
            break
        step(kind_of_step)
    if stop < len(LEGISLATIVE_PATH) and len(events) < count and rng.random() < 0.5:
        step(rng.choice(ENDINGS))
    while len(events) < count:
        roll = rng.random()
        if roll < 0.02:
            step("struck-down")
        elif roll < 0.04:
            step("repealed")
        else:
            step(rng.choice(AFTERWARDS))
    return kind, events


def generate(measures: int, events: int, seed: int) -> dict[str, Any]:
    """A dataset of ``measures`` measures sharing ``events`` events, and statements about them."""
    rng = random.Random(seed)
    # Measures have between 5 and 35 events, 20 on average, adding up to exactly ``events``.
    counts = [rng.randint(5, 35) for _ in range(measures)]
    while sum(counts) != events:
        i = rng.randrange(measures)
        if sum(counts) > events and counts[i] > 1:
            counts[i] -= 1
        elif sum(counts) < events:
            counts[i] += 1
    items = []
    for n, count in enumerate(counts):
        kind, measure_events = _measure_events(count, rng)
        slug = f"bench-measure-{n}"
        item: dict[str, Any] = {
            "slug": slug,
            "country": rng.choice(COUNTRIES),
            "kind": kind,
            "title": f"Benchmark measure {n}: law on the registration of organisations",
            "popular_names": [f"measure {n} law"],
            "topics": rng.sample(TOPICS, 2),
            "events": measure_events,
        }
        if n > 10 and rng.random() < 0.3:
            item["relations"] = [
                {"type": rng.choice(["modelled-on", "amends", "reintroduces", "related"]),
                 "target": f"bench-measure-{rng.randrange(n)}"}
            ]  # fmt: skip
        items.append(item)
    statements = [
        {
            "slug": f"bench-statement-{n}",
            "organization": rng.choice(ORGANIZATIONS),
            "title": f"Benchmark statement {n}",
            "date": f"{rng.randint(2000, 2026)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            "stance": rng.choice(["oppose", "concern", "welcome"]),
            "measures": [f"bench-measure-{rng.randrange(measures)}"],
            "sources": [{"url": f"https://example.org/statement/{n}"}],
        }
        for n in range(measures * 2)
    ]
    return {
        "format": "tracker-dataset",
        "version": 1,
        "topics": [{"slug": t, "name": t.replace("-", " ").capitalize()} for t in TOPICS],
        "organizations": [{"slug": o, "name": f"Organisation {o[4:]}"} for o in ORGANIZATIONS],
        "measures": items,
        "statements": statements,
    }


Timing = tuple[list[float], list[float]]
"""Wall-clock and CPU milliseconds of each run."""


def timings(
    run: Callable[[], object], runs: int, cpu_clock: Callable[[], float] = time.process_time
) -> Timing:
    """Wall-clock time and CPU time of each run. On a shared machine the wall clock includes
    waiting for other processes; the CPU time is what the work itself costs."""
    run()  # warm-up: caches, connections, compiled templates
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), cpu_clock()
        run()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((cpu_clock() - start_cpu) * 1000)
    return wall, cpu


def server_cpu(pid: int) -> Callable[[], float]:
    """CPU seconds used so far by a server and its worker processes (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")

    def used(process: int) -> float:
        try:
            fields = Path(f"/proc/{process}/stat").read_text().rsplit(")", 1)[1].split()
            children = Path(f"/proc/{process}/task/{process}/children").read_text().split()
        except OSError:
            return 0.0
        own = (int(fields[11]) + int(fields[12])) / ticks  # utime + stime
        return own + sum(used(int(child)) for child in children)

    return lambda: used(pid)


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--measures", type=int, default=1000)
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", help="an empty database to use instead of SQLite")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="tracker-bench-"))
    url = args.database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    server: subprocess.Popen[bytes] | None = None
    try:
        print(f"Generating {args.measures} measures with {args.events} events...", file=sys.stderr)
        document = generate(args.measures, args.events, args.seed)
        engine = build_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
        config = {
            "DATABASE_URL": url,
            "SECRET_KEY": "bench",
            "TODAY": TODAY.isoformat(),
            "INSTANCE_PATH": str(workdir / "instance"),
        }
        app = create_app(config)
        started = time.perf_counter()
        with app.app_context():
            session = get_session()
            dataset.import_dataset(session, document)
            session.commit()
            stored = session.scalar(select(func.count()).select_from(Event))
            measure_count = session.scalar(select(func.count()).select_from(Measure))
            country = session.scalar(
                select(Measure.country).group_by(Measure.country).order_by(func.count().desc())
            )
        print(
            f"Imported {measure_count} measures, {stored} events in "
            f"{time.perf_counter() - started:.1f} s through tracker.interchange.",
            file=sys.stderr,
        )

        rows: list[tuple[str, Timing, str]] = []
        with app.test_request_context("/timeline/"):
            session = get_session()
            links = ChartLinks(None)

            def build() -> Any:
                return build_timeline(session, MeasureFilters(), Viewpoint.anonymous(TODAY), TODAY)

            timeline = build()
            layout = layout_timeline(timeline)
            out = svg.timeline_svg(layout, links)
            rows.append(
                ("service: build_timeline (queries + status)", timings(build, args.runs), "")
            )
            rows.append(
                (
                    "service: layout_timeline",
                    timings(lambda: layout_timeline(timeline), args.runs),
                    "",
                )
            )
            rows.append(
                (
                    "SVG writer: timeline_svg",
                    timings(lambda: svg.timeline_svg(layout, links), args.runs),
                    f"{len(out) / 1e6:.1f} MB",
                )
            )

            def everything() -> str:
                return svg.timeline_svg(layout_timeline(build()), links)

            rows.append(
                (
                    f"service + SVG, all {len(timeline.lanes)} lanes",
                    timings(everything, args.runs),
                    f"{timeline.event_count} events",
                )
            )

        port = free_port()
        env = {
            **os.environ,
            "TRACKER_DATABASE_URL": url,
            "TRACKER_SECRET_KEY": "bench",
            "TRACKER_TODAY": TODAY.isoformat(),
            "TRACKER_INSTANCE_PATH": str(workdir / "instance"),
            "TRACKER_SEED_ON_EMPTY": "false",
        }
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tracker",
                "serve",
                "--port",
                str(port),
                "--workers",
                "1",
                "--threads",
                "1",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        # Loopback only, never through a proxy.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                opener.open(base + "/", timeout=5).read()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("the server did not start") from None
                time.sleep(0.2)

        for label, path in [
            ("HTTP /timeline/ (page: chart + list of all events)", "/timeline/"),
            ("HTTP /timeline.svg (download, all measures)", "/timeline.svg"),
            ("HTTP /embed/timeline (all measures)", "/embed/timeline"),
            (f"HTTP /timeline/?country={country} (one country)", f"/timeline/?country={country}"),
            (f"HTTP /timeline.png?country={country}", f"/timeline.png?country={country}"),
            ("HTTP /lineage/ (all relations)", "/lineage/"),
        ]:
            sizes: list[int] = []

            def fetch(path: str = path, sizes: list[int] = sizes) -> None:
                with opener.open(base + path, timeout=60) as response:
                    assert response.status == 200, response.status
                    sizes.append(len(response.read()))

            values = timings(fetch, args.runs, server_cpu(server.pid))
            rows.append((label, values, f"{sizes[-1] / 1e6:.2f} MB"))

        backend = url.split(":")[0]
        load = os.getloadavg()[0]
        print(
            f"\nTimeline benchmark: {measure_count} measures, {stored} events; {args.runs} runs "
            f"each after a warm-up; {backend}; {os.cpu_count()} cores, load average {load:.1f}\n"
        )
        width = max(len(label) for label, _, _ in rows)
        header = f"{'median ms':>9}  {'p95 ms':>7}  {'min ms':>7}  {'CPU ms':>7}"
        print(f"{'case':<{width}}  {header}  size")
        print(f"{'-' * width}  {'-' * 9}  {'-' * 7}  {'-' * 7}  {'-' * 7}  ----")
        for label, (wall, cpu), note in rows:
            print(
                f"{label:<{width}}  {statistics.median(wall):>9.0f}  {p95(wall):>7.0f}"
                f"  {min(wall):>7.0f}  {statistics.median(cpu):>7.0f}  {note}"
            )
        print(
            "\nWall-clock times (median, 95th percentile, fastest) include waiting for other "
            "processes on a busy machine;\nCPU ms is the median CPU time of the work itself (for "
            "HTTP, of the server process, to 10 ms)."
        )
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
