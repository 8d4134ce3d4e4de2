"""Lists, the API list, home, country and timeline pages without the page cache, in the process.

Runs each case through Flask's test client against an imported benchmark database (make it
with ``bench/run.py --scale 1``, or ``bench/generate.py`` and ``bench/load.py``), with the page
cache off and signed in as a viewer (who is never served a cached page), rotating through
distinct URLs drawn from the data. Prints the median, 90th and 99th percentile and the slowest
request per case, and, for the list and the API list, the same requests to the ceiling
(``bench/ceiling_app.py``, the same SQL without templates or services) in the same process.

    .venv/bin/python bench/lists.py                                 # bench/data/scale-1.sqlite3
    .venv/bin/python bench/lists.py --requests 200 --database postgresql+psycopg://...
    .venv/bin/python bench/lists.py --profile list                  # cProfile's top entries

Compare two versions of the code side by side by running the same command with
``PYTHONPATH=/path/to/other/checkout`` (the database is shared; the other code must accept its
migrations).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select

HERE = Path(__file__).resolve().parent
STATES = ("in-force", "pending", "expired", "defeated", "not-recorded", "repealed")
KINDS = ("law", "bill", "decree", "administrative-order", "amendment")


def urls(case: str, countries: list[str], count: int, rng: random.Random) -> list[str]:
    """``count`` distinct addresses of one case (repeats only if the data has fewer)."""
    made: list[str] = []
    seen: set[str] = set()
    for attempt in range(count * 20):
        country = rng.choice(countries)
        if case == "list":
            url = f"/measures/?country={country}&status={rng.choice(STATES)}"
            if rng.random() < 0.3:
                url += f"&kind={rng.choice(KINDS)}"
            if rng.random() < 0.2:
                url = f"/measures/?status={rng.choice(STATES)}&page={rng.randint(1, 40)}"
        elif case == "api":
            url = f"/api/v1/measures?country={country}&status={rng.choice(STATES)}&facets=true"
            if rng.random() < 0.2:
                url = f"/api/v1/measures?status={rng.choice(STATES)}&page={rng.randint(1, 40)}"
        elif case == "home":
            url = f"/?utm_source=bench{attempt}"  # one page; the cache is off anyway
        elif case == "country":
            url = f"/countries/{country}"
        elif case == "timeline":
            url = f"/timeline/?country={country}"
        else:
            raise SystemExit(f"unknown case {case}")
        if url not in seen or attempt >= count * 10:
            seen.add(url)
            made.append(url)
        if len(made) == count:
            break
    return made


def ceiling_url(url: str) -> str:
    """The ceiling's address for a list or API address (same filters)."""
    path, _, query = url.partition("?")
    return ("/api/measures?" if path.startswith("/api/") else "/measures?") + query


def timed(get: Callable[[str], object], addresses: list[str]) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds of each request (on a shared machine the CPU time is
    what the work costs; the wall clock adds the wait for a core)."""
    times, cpu = [], []
    for url in addresses:
        started, started_cpu = time.perf_counter(), time.process_time()
        get(url)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return times, cpu


def line(name: str, measured: tuple[list[float], list[float]]) -> str:
    times, cpu = measured
    ordered = sorted(times)

    def at(share: float) -> float:
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]

    return (
        f"{name:<28} {len(times):>5} {statistics.median(times):>9.1f} {at(0.9):>8.1f} "
        f"{at(0.99):>8.1f} {ordered[-1]:>8.1f} {1000 / statistics.mean(times):>7.1f} "
        f"{statistics.median(cpu):>10.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = f"sqlite:///{HERE / 'data' / 'scale-1.sqlite3'}"
    parser.add_argument("--database", default=default, help="SQLAlchemy URL of an imported one")
    parser.add_argument("--requests", type=int, default=100, help="distinct URLs per case")
    parser.add_argument("--cases", default="list,api,home,country,timeline")
    parser.add_argument("--profile", help="profile one case with cProfile instead of timing all")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument(
        "--no-migrate", action="store_true", help="for older code on a newer database"
    )
    args = parser.parse_args()

    from tracker import create_app, migrate
    from tracker.db import get_engine, session_scope
    from tracker.models import MeasureStatus, User
    from tracker.services import users

    app = create_app(
        {
            "DATABASE_URL": args.database,
            "SECRET_KEY": "bench",
            "SEED_ON_EMPTY": False,
            "PAGE_CACHE": False,
            "WTF_CSRF_ENABLED": False,
        }
    )
    email = "bench-viewer@example.org"
    password = "quiet orchard lantern 4417 mosaic"  # noqa: S105 - a throwaway local account
    with app.app_context():
        if not args.no_migrate:
            migrate.upgrade(get_engine())
        with session_scope() as session:
            if session.scalar(select(User).where(User.email == email)) is None:
                users.create_user(session, email, "Bench viewer", "viewer", password)
            countries = sorted(set(session.scalars(select(MeasureStatus.country))))
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": password})
    if response.status_code != 303:
        sys.exit(f"could not sign in as a viewer: {response.status_code}")

    def get(url: str) -> object:
        answer = client.get(url)
        if answer.status_code != 200:
            sys.exit(f"{url}: {answer.status_code}")
        return answer.data

    rng = random.Random(args.seed)
    cases = args.cases.split(",")
    if args.profile:
        addresses = urls(args.profile, countries, args.requests, rng)
        get(addresses[0])  # warm up
        profiler = cProfile.Profile()
        profiler.enable()
        for url in addresses:
            get(url)
        profiler.disable()
        # The project's own functions and templates by cumulative time, then everything by
        # its own time.
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(r"tracker|templates", 30)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(15)
        return

    ceiling = None
    if {"list", "api"} & set(cases):
        os.environ["BENCH_DATABASE_URL"] = args.database
        sys.path.insert(0, str(HERE.parent))
        from bench.ceiling_app import app as ceiling_app

        ceiling = ceiling_app.test_client()

    print(f"{args.database.split('://')[0]}, {len(countries)} countries, viewer, no page cache")
    heads = ("n", "median ms", "p90 ms", "p99 ms", "max ms", "req/s", "CPU ms p50")
    widths = (5, 9, 8, 8, 8, 7, 10)
    print(f"{'case':<28} " + " ".join(f"{h:>{w}}" for h, w in zip(heads, widths, strict=True)))
    for case in cases:
        addresses = urls(case, countries, args.requests, rng)
        get(addresses[0])  # warm up
        print(line(case, timed(get, addresses)), flush=True)
        if ceiling is not None and case in ("list", "api"):
            ceiling.get(ceiling_url(addresses[0]))
            same = timed(lambda url: ceiling.get(ceiling_url(url)).data, addresses)
            print(line(f"{case}: ceiling, same URLs", same), flush=True)


if __name__ == "__main__":
    main()
