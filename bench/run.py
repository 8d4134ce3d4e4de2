"""The benchmark: generate, import, serve three ways, load-test with wrk, print a table.

One command does everything (see bench/README.md):

    .venv/bin/python bench/run.py --scale 1            # 100k measures, 1M events (long)
    .venv/bin/python bench/run.py --scale 0.1          # a quick run
    .venv/bin/python bench/run.py --database postgresql+psycopg://postgres@127.0.0.1:5432/bench

Steps: write the synthetic dataset (bench/generate.py) unless it exists; import it through the
tracker's own import path (bench/load.py: time, peak memory) unless the database holds it;
start the tracker with its production server (gunicorn, 2 sync workers, as `tracker serve`),
once as configured by default and once with its page cache off; Datasette on the same SQLite
file (installed in bench/.venv, not in the project); and the minimal Flask + SQLAlchemy ceiling
(bench/ceiling_app.py, 2 gunicorn workers). Then run wrk against each case on each server,
several runs each, and print the medians side by side.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
BENCH_VENV = HERE / ".venv"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(url: str, seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5):  # noqa: S310 - 127.0.0.1
                return
        except urllib.error.HTTPError as error:  # it answers: up, even if with a 404
            if error.code < 500:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"server did not answer {url}")


@contextmanager
def server(command: list[str], env: dict[str, str], ready_url: str) -> Iterator[None]:
    process = subprocess.Popen(
        command, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_for(ready_url)
        yield
    finally:
        process.terminate()
        with suppress(subprocess.TimeoutExpired):
            process.wait(10)
        if process.poll() is None:
            process.kill()


def wrk(url: str, seconds: int, connections: int) -> tuple[float, float]:
    """(requests per second, p99 latency in ms) of one wrk run."""
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    match = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    assert match, out
    value, unit = float(match.group(1)), match.group(2)
    p99 = value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        raise SystemExit(f"{url}: {non2xx.group(1)} error responses\n{out}")
    return rate, p99


def download(url: str) -> dict[str, float]:
    """Stream a CSV: seconds to the first byte, in total, rows per second."""
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=600) as response:  # noqa: S310 - 127.0.0.1
        first = response.read(1)
        first_byte = time.perf_counter() - started
        rows = first.count(b"\n")
        while chunk := response.read(1 << 16):
            rows += chunk.count(b"\n")
    total = time.perf_counter() - started
    return {"first_byte_s": first_byte, "total_s": total, "rows_per_s": rows / total}


def sample(database: str) -> dict[str, str]:
    """A country with many measures, a busy measure and a search word from the data."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database)
    with engine.connect() as connection:
        country = connection.execute(
            text("SELECT country FROM measures GROUP BY country ORDER BY count(*) DESC LIMIT 1")
        ).scalar_one()
        slug, measure_id = connection.execute(
            text(
                "SELECT m.slug, m.id FROM measures m JOIN statement_measures sm "
                "ON sm.measure_id = m.id WHERE m.visibility = 'public' "
                "GROUP BY m.id, m.slug ORDER BY count(*) DESC, m.id LIMIT 1"
            )
        ).one()
    engine.dispose()
    return {"country": country, "slug": slug, "id": str(measure_id)}


CASES = ("list with facets", "search", "measure page", "JSON API page", "CSV of all events")


def urls(kind: str, base: str, s: dict[str, str]) -> dict[str, str]:
    c = s["country"]
    if kind == "tracker":
        return {
            "list with facets": f"{base}/measures/?country={c}&status=in-force",
            "search": f"{base}/search?q=foreign+agents",
            "measure page": f"{base}/measures/{s['slug']}",
            "JSON API page": f"{base}/api/v1/measures?country={c}&status=in-force&facets=true",
            "CSV of all events": f"{base}/events.csv",
        }
    if kind == "ceiling":
        return {
            "list with facets": f"{base}/measures?country={c}&status=in-force",
            "search": f"{base}/search?q=foreign+agents",
            "measure page": f"{base}/measures/{s['slug']}",
            "JSON API page": f"{base}/api/measures?country={c}&status=in-force",
            "CSV of all events": f"{base}/events.csv",
        }
    # Datasette: the measures table filtered the same way, with facets on the same columns it
    # can see (status lives in another table, which a table view cannot join).
    facets = "&_facet=country&_facet=kind&_facet=visibility"
    return {
        "list with facets": f"{base}/bench/measures?country={c}{facets}&_size=50",
        "search": f"{base}/bench/search_measures?_search=foreign+agents*",
        "measure page": f"{base}/bench/measures/{s['id']}",
        "JSON API page": f"{base}/bench/measures.json?country={c}{facets}&_size=50",
        "CSV of all events": f"{base}/bench/events.csv?_stream=on&_size=max",
    }


def ensure_datasette() -> Path | None:
    binary = BENCH_VENV / "bin" / "datasette"
    if not binary.exists():
        print("installing Datasette into bench/.venv ...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(BENCH_VENV)], check=True)
        subprocess.run([str(BENCH_VENV / "bin" / "pip"), "install", "-q", "datasette"], check=True)
    return binary if binary.exists() else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1 = 100k measures, 1M events")
    parser.add_argument("--database", help="SQLAlchemy URL (default: a SQLite file in bench/data)")
    parser.add_argument("--runs", type=int, default=3, help="wrk runs per case (median)")
    parser.add_argument("--seconds", type=int, default=10, help="length of one wrk run")
    parser.add_argument(
        "--connections", type=int, default=4, help="wrk connections (2 per server worker)"
    )
    parser.add_argument("--out", type=Path, default=HERE / "results", help="where JSON goes")
    args = parser.parse_args()

    data = HERE / "data" / f"scale-{args.scale:g}"
    database = args.database or f"sqlite:///{HERE / 'data' / f'scale-{args.scale:g}.sqlite3'}"
    is_sqlite = database.startswith("sqlite")
    if not any(data.glob("batch-*.json")):
        subprocess.run(
            [
                str(PYTHON),
                str(HERE / "generate.py"),
                "--scale",
                str(args.scale),
                "--out",
                str(data),
            ],
            check=True,
        )
    summary: dict[str, Any] = {"scale": args.scale, "database": database.split("://")[0]}
    marker = data / f"imported-{'sqlite' if is_sqlite else 'postgresql'}.json"
    if is_sqlite and not Path(database.removeprefix("sqlite:///")).exists():
        marker.unlink(missing_ok=True)
    if not marker.exists():
        out = subprocess.run(
            [str(PYTHON), str(HERE / "load.py"), str(data), "--database", database],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        marker.write_text(out.strip().splitlines()[-1])
    summary["import"] = json.loads(marker.read_text())
    if not is_sqlite:
        # Fresh planner statistics, as autovacuum would gather some time after a bulk load.
        from sqlalchemy import create_engine, text

        engine = create_engine(database, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text("VACUUM ANALYZE"))
        engine.dispose()
    s = sample(database)

    servers: dict[str, tuple[list[str], dict[str, str], str]] = {}
    port = free_port()
    servers["tracker"] = (
        [str(ROOT / ".venv" / "bin" / "tracker"), "serve", "--port", str(port), "--workers", "2",
         "--threads", "1"],
        {"TRACKER_DATABASE_URL": database, "TRACKER_SEED_ON_EMPTY": "false",
         "TRACKER_SECRET_KEY": "bench-secret"},
        f"http://127.0.0.1:{port}",
    )  # fmt: skip
    # The same server without its page cache: what a request costs when the data has just
    # changed (or for a signed-in user), so the cache's share of the figures is visible.
    port = free_port()
    servers["tracker, no page cache"] = (
        [*servers["tracker"][0][:3], str(port), *servers["tracker"][0][4:]],
        {**servers["tracker"][1], "TRACKER_PAGE_CACHE": "false"},
        f"http://127.0.0.1:{port}",
    )
    port = free_port()
    servers["ceiling"] = (
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}",
         "--timeout", "600", "--chdir", str(ROOT), "bench.ceiling_app:app"],
        {"BENCH_DATABASE_URL": database},
        f"http://127.0.0.1:{port}",
    )  # fmt: skip
    datasette = ensure_datasette() if is_sqlite else None
    if datasette is not None:
        port = free_port()
        path = database.removeprefix("sqlite:///")
        link = HERE / "data" / "bench.sqlite3"  # Datasette names the database after the file
        link.unlink(missing_ok=True)
        link.symlink_to(path)
        servers["datasette"] = (
            [str(datasette), "serve", str(link), "--port", str(port),
             "--setting", "sql_time_limit_ms", "20000", "--setting", "max_csv_mb", "0",
             "--setting", "num_sql_threads", "2", "--setting", "suggest_facets", "off"],
            {},
            f"http://127.0.0.1:{port}",
        )  # fmt: skip

    results: dict[str, dict[str, dict[str, float]]] = {}
    # A cheap page to know a server is up (the tracker's home page lists every measure).
    ready = {"tracker": "/api/v1/", "ceiling": "/", "datasette": "/"}
    for name, (command, env, base) in servers.items():
        kind = name.split(",")[0]
        with server(command, env, base + ready[kind]):
            results[name] = {}
            for case, url in urls(kind, base, s).items():
                if case == "CSV of all events" and name != kind:
                    continue  # a stream is never cached: the same figure twice
                try:
                    # Warm up every worker (and the page cache) before measuring.
                    for _ in range(1 if case == "CSV of all events" else 10):
                        urllib.request.urlopen(url, timeout=600).read()  # noqa: S310
                except (OSError, http.client.HTTPException) as exc:
                    print(f"{name} / {case}: skipped ({exc})", file=sys.stderr)
                    continue
                if case == "CSV of all events":
                    runs = [download(url) for _ in range(max(1, args.runs // 2))]
                    results[name][case] = {
                        k: statistics.median(r[k] for r in runs) for k in runs[0]
                    }
                    continue
                rates, p99s = [], []
                for _ in range(args.runs):
                    rate, p99 = wrk(url, args.seconds, args.connections)
                    rates.append(rate)
                    p99s.append(p99)
                results[name][case] = {
                    "rps": statistics.median(rates),
                    "p99_ms": statistics.median(p99s),
                }
                print(f"{name} / {case}: {results[name][case]}", file=sys.stderr)
    summary["results"] = results
    args.out.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (args.out / f"{stamp}-scale-{args.scale:g}-{summary['database']}.json").write_text(
        json.dumps(summary, indent=1)
    )
    print_table(summary)


def print_table(summary: dict[str, Any]) -> None:
    results = summary["results"]
    imported = summary["import"]
    print(
        f"\nscale {summary['scale']:g} on {summary['database']}: "
        f"{imported['measures']:,} measures, "
        f"{imported['events']:,} events, {imported['statements']:,} statements; import "
        f"{imported['seconds']:.0f} s, peak memory {imported['peak_memory_mb']} MB\n"
    )
    names = list(results)
    header = (
        "| case | "
        + " | ".join(names)
        + " | tracker ÷ "
        + " | tracker ÷ ".join(n for n in names if n != "tracker")
        + " |"
    )
    print(header)
    print("|" + "---|" * (1 + 2 * len(names) - 1))
    for case in CASES:
        cells, rates = [], {}
        for name in names:
            r = results[name].get(case)
            if r is None:
                cells.append("n/a")
            elif "rps" in r:
                cells.append(f"{r['rps']:,.0f} req/s, p99 {r['p99_ms']:.0f} ms")
                rates[name] = r["rps"]
            else:
                cells.append(
                    f"first byte {r['first_byte_s']:.2f} s, {r['total_s']:.1f} s, "
                    f"{r['rows_per_s']:,.0f} rows/s"
                )
                rates[name] = r["rows_per_s"]
        ratios = [
            f"{rates['tracker'] / rates[n]:.2f}×" if "tracker" in rates and n in rates else "n/a"
            for n in names
            if n != "tracker"
        ]
        print(f"| {case} | " + " | ".join(cells + ratios) + " |")


if __name__ == "__main__":
    main()
