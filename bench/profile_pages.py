"""Profile one case of bench/run.py in the process: cProfile over rotating requests.

    .venv/bin/python bench/profile_pages.py "measure page" --scale 0.1 --requests 100
    .venv/bin/python bench/profile_pages.py search --scale 1 --sort tottime

It reads the URL lists bench/run.py wrote (bench/data/urls-*-tracker-*.txt: run it once
first), signs in as the benchmark's viewer through the login form with Flask's test client,
turns the page cache off, asks for each URL once without profiling (warming the caches the
server's workers would have warm), then again ``--requests`` of them under cProfile timed in
CPU seconds, and prints the top entries and the CPU time per request.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import re
import secrets
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
PROFILER = "bench-profiler@example.org"

from run import viewer_token  # noqa: E402 - the benchmark's own helpers

from tracker import create_app  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("case", help='"measure page", search, "list with facets"...')
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--database", help="SQLAlchemy URL (default: bench/data's SQLite file)")
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--sort", default="cumulative", help="pstats order: cumulative, tottime")
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    database = args.database or f"sqlite:///{HERE / 'data' / f'scale-{args.scale:g}.sqlite3'}"
    urls = HERE / "data" / f"urls-{args.scale:g}-tracker-{args.case.replace(' ', '-')}.txt"
    paths = [line for line in urls.read_text().splitlines() if line][: args.requests]

    password = secrets.token_urlsafe(18)
    # An account of its own: a new password ends the sessions of a run.py signed in meanwhile.
    token = viewer_token(database, password, PROFILER)
    app = create_app(
        {
            "DATABASE_URL": database,
            "SECRET_KEY": "bench-secret",
            "SEED_ON_EMPTY": False,
            "PAGE_CACHE": False,
            "RATELIMIT_ENABLED": False,
        }
    )
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert csrf, "no CSRF token on the login page"
    signed = client.post(
        "/login", data={"csrf_token": csrf.group(1), "email": PROFILER, "password": password}
    )
    assert signed.status_code == 303, signed.status_code
    headers = {"Authorization": f"Bearer {token}"} if paths[0].startswith("/api/") else {}

    def ask(path: str) -> None:
        response = client.get(path, headers=headers)
        assert response.status_code == 200, (path, response.status_code)

    for path in paths:
        ask(path)
    # Timed in CPU seconds of this process: on a shared machine, wall-clock time mostly
    # measures how long the process waited for a core.
    profile = cProfile.Profile(time.process_time)
    started, cpu = time.perf_counter(), time.process_time()
    profile.enable()
    for path in paths:
        ask(path)
    profile.disable()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(
        f"{len(paths)} requests, {1000 * cpu / len(paths):.1f} ms of CPU each "
        f"({1000 * elapsed / len(paths):.1f} ms wall clock), profiled"
    )
    pstats.Stats(profile).sort_stats(args.sort).print_stats(args.top)


if __name__ == "__main__":
    main()
