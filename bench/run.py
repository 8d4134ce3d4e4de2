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
import random
import re
import secrets
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
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


def wrk(
    base: str,
    seconds: int,
    connections: int,
    paths: Path | None = None,
    offset: int = 0,
    headers: dict[str, str] | None = None,
    path: str = "/",
) -> tuple[float, float]:
    """(requests per second, p99 latency in ms) of one wrk run: the same ``path`` again and
    again, or (``paths``) the next line of that file at every request, from line ``offset``."""
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    if paths is not None:
        command += ["-s", str(HERE / "rotate.lua"), base, "--", str(paths), str(offset)]
    else:
        command.append(base + path)
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    match = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    assert match, out
    value, unit = float(match.group(1)), match.group(2)
    p99 = value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        raise SystemExit(f"{base} {paths or path}: {non2xx.group(1)} error responses\n{out}")
    return rate, p99


def get(url: str, headers: dict[str, str] | None = None, timeout: float = 600) -> bytes:
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - 127.0.0.1
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
        return bytes(response.read())


def download(url: str, headers: dict[str, str] | None = None) -> dict[str, float]:
    """Stream a CSV: seconds to the first byte, in total, rows per second."""
    started = time.perf_counter()
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - 127.0.0.1
    with urllib.request.urlopen(request, timeout=600) as response:  # noqa: S310
        first = response.read(1)
        first_byte = time.perf_counter() - started
        rows = first.count(b"\n")
        while chunk := response.read(1 << 16):
            rows += chunk.count(b"\n")
    total = time.perf_counter() - started
    return {"first_byte_s": first_byte, "total_s": total, "rows_per_s": rows / total}


def sample(database: str) -> dict[str, str]:
    """A country with many measures, a busy measure and a search word from the data: the one
    URL per case of the same-URL run (the page cache's figures)."""
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
ROTATING = CASES[:4]
FACETS = "&_facet=country&_facet=kind&_facet=visibility"
_SEARCH_WORD = re.compile(r"[^\W\d_]{3,}")


def same_urls(kind: str, s: dict[str, str]) -> dict[str, str]:
    """One path per case, asked again and again (what the page cache answers)."""
    c = s["country"]
    if kind == "tracker":
        return {
            "list with facets": f"/measures/?country={c}&status=in-force",
            "search": "/search?q=foreign+agents",
            "measure page": f"/measures/{s['slug']}",
            "JSON API page": f"/api/v1/measures?country={c}&status=in-force&facets=true",
            "CSV of all events": "/events.csv",
        }
    if kind == "ceiling":
        return {"CSV of all events": "/events.csv"}
    return {"CSV of all events": "/bench/events.csv?_stream=on&_size=max"}


def rotating_urls(database: str, count: int) -> dict[str, dict[str, list[str]]]:
    """``count`` distinct paths per case drawn from the data, for each kind of server: by
    case, then by server kind, lists in the same order (line i asks each for the same thing).

    The list and the API: country and status (and kind, and a second page where there is
    one); Datasette, which cannot join the status, gets the country and kind. Search: one or
    two neighbouring words of measures' titles and popular names. The measure page: measures
    spread over the whole table.
    """
    from sqlalchemy import create_engine, text

    chooser = random.Random(17)  # the same URLs on every run
    engine = create_engine(database)
    with engine.connect() as connection:
        combos = connection.execute(
            text(
                "SELECT country, state, kind, count(*) FROM measure_status "
                "WHERE state IS NOT NULL GROUP BY country, state, kind"
            )
        ).all()
        measures = connection.execute(
            text("SELECT id, slug, title, popular_names FROM measures ORDER BY id")
        ).all()
        # Generated titles repeat a few patterns (a few hundred distinct words and pairs at
        # any scale): the summaries' words too, those of a few thousand measures.
        summaries = connection.execute(
            text("SELECT summary FROM measures WHERE summary IS NOT NULL ORDER BY id LIMIT 3000")
        ).scalars()
        texts = [*(m.title for m in measures), *summaries]
    engine.dispose()
    out: dict[str, dict[str, list[str]]] = {case: {} for case in ROTATING}

    lists: list[tuple[str, str, str | None, int]] = []
    by_pair: dict[tuple[str, str], int] = {}
    for country, state, kind, n in combos:
        by_pair[(country, state)] = by_pair.get((country, state), 0) + n
        lists.append((country, state, kind, 1))
    lists += [(country, state, None, 1) for (country, state) in by_pair]
    lists += [(country, state, None, 2) for (country, state), n in by_pair.items() if n > 50]
    chooser.shuffle(lists)
    lists = lists[:count]
    for case, tracker_path, ceiling_path in (
        ("list with facets", "/measures/", "/measures"),
        ("JSON API page", "/api/v1/measures", "/api/measures"),
    ):
        extra = "&facets=true" if case == "JSON API page" else ""
        dataset_path = "/bench/measures.json" if case == "JSON API page" else "/bench/measures"
        tracker, ceiling, datasette = [], [], []
        for country, state, kind, page in lists:
            query = f"country={country}&status={state}" + (f"&kind={kind}" if kind else "")
            query += f"&page={page}" if page > 1 else ""
            tracker.append(f"{tracker_path}?{query}{extra}")
            ceiling.append(f"{ceiling_path}?{query}")
            datasette.append(
                f"{dataset_path}?country={country}"
                + (f"&kind={kind}" if kind else "")
                + f"{FACETS}&_size=50"
                + (f"&_next={(page - 1) * 50}" if page > 1 else "")
            )
        out[case] = {"tracker": tracker, "ceiling": ceiling, "datasette": datasette}

    phrases: dict[str, None] = {}
    for _, _, _, names in measures:
        texts += json.loads(names) if isinstance(names, str) else names or []
    for candidate in texts:
        # Every word and every pair of neighbouring words.
        words = [word.lower() for word in _SEARCH_WORD.findall(candidate or "")]
        for first in range(len(words)):
            phrases.setdefault(words[first], None)
            if first + 1 < len(words):
                phrases.setdefault(f"{words[first]} {words[first + 1]}", None)
    chosen = list(phrases)
    chooser.shuffle(chosen)
    chosen = chosen[:count]
    out["search"] = {
        "tracker": [f"/search?q={urllib.parse.quote_plus(q)}" for q in chosen],
        "ceiling": [f"/search?q={urllib.parse.quote_plus(q)}" for q in chosen],
        "datasette": [
            f"/bench/search_measures?_search={urllib.parse.quote_plus(q + '*')}" for q in chosen
        ],
    }
    picked = chooser.sample(list(measures), min(count, len(measures)))
    out["measure page"] = {
        "tracker": [f"/measures/{urllib.parse.quote(slug)}" for _, slug, _, _ in picked],
        "ceiling": [f"/measures/{urllib.parse.quote(slug)}" for _, slug, _, _ in picked],
        "datasette": [f"/bench/measures/{measure_id}" for measure_id, _, _, _ in picked],
    }
    return out


VIEWER = "bench-viewer@example.org"


def viewer_token(database: str, password: str, email: str = VIEWER) -> str:
    """Make the benchmark's viewer account (once), give it ``password`` and a read token for
    the API. (A new password ends the account's sessions: runs at the same time use different
    accounts.)"""
    from tracker import clock, create_app
    from tracker.db import session_scope
    from tracker.services import api_tokens, users

    app = create_app(
        {"DATABASE_URL": database, "SECRET_KEY": "bench-secret", "SEED_ON_EMPTY": False}
    )
    with app.app_context(), session_scope() as session:
        user = users.get_by_email(session, email)
        if user is None:
            user = users.create_user(session, email, "Benchmark viewer", "viewer", password)
        else:
            users.reset_password(session, user, password)
        made = api_tokens.create_token(session, user, "benchmark", "read", None, clock.today())
        return made.plaintext


def sign_in(base: str, password: str) -> str:
    """Sign the viewer in through the login form: the session cookie, as "name=value"."""
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    connection.request("GET", "/login")
    response = connection.getresponse()
    page = response.read().decode()
    cookie = response.getheader("Set-Cookie", "").split(";")[0]
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert token, "no CSRF token on the login page"
    body = urllib.parse.urlencode(
        {"csrf_token": token.group(1), "email": VIEWER, "password": password, "next": ""}
    )
    connection.request(
        "POST",
        "/login",
        body,
        {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
    )
    response = connection.getresponse()
    response.read()
    if response.status != 303:
        raise SystemExit(f"signing the benchmark viewer in failed: {response.status}")
    signed_in = [
        value.split(";")[0]
        for name, value in response.getheaders()
        if name.lower() == "set-cookie" and value.startswith("tracker_session=")
    ]
    assert signed_in, "no session cookie after signing in"
    return signed_in[-1]


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
    parser.add_argument("--urls", type=int, default=2000, help="distinct URLs per case")
    parser.add_argument(
        "--before",
        type=Path,
        help="another checkout of the tracker (e.g. `git archive main | tar -x -C DIR`), "
        'served the same way side by side as the column "before"',
    )
    parser.add_argument(
        "--cases", help="comma-separated cases to run (default: all): " + ", ".join(CASES)
    )
    parser.add_argument(
        "--skip", default="", help="comma-separated servers to leave out: page cache, datasette"
    )
    parser.add_argument("--out", type=Path, default=HERE / "results", help="where JSON goes")
    args = parser.parse_args()
    cases = [c.strip() for c in args.cases.split(",")] if args.cases else list(CASES)
    unknown = set(cases) - set(CASES)
    if unknown:
        parser.error(f"unknown cases: {', '.join(sorted(unknown))}")
    skip = {name.strip() for name in args.skip.split(",") if name.strip()}

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
    summary: dict[str, Any] = {
        "scale": args.scale,
        "database": database.split("://")[0],
        "runs": args.runs,
        "seconds": args.seconds,
        "connections": args.connections,
    }
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
    password = secrets.token_urlsafe(18)  # a throwaway account in a benchmark database
    token = viewer_token(database, password)
    rotating = rotating_urls(database, args.urls)
    url_files: dict[tuple[str, str], Path] = {}
    for case, by_kind in rotating.items():
        for kind, paths in by_kind.items():
            path = HERE / "data" / f"urls-{args.scale:g}-{kind}-{case.replace(' ', '-')}.txt"
            path.write_text("\n".join(paths) + "\n")
            url_files[(case, kind)] = path
    summary["distinct_urls"] = {case: len(by_kind["tracker"]) for case, by_kind in rotating.items()}

    # name -> (command, environment, base URL, kind, rotating?)
    servers: dict[str, tuple[list[str], dict[str, str], str, str, bool]] = {}
    tracker_env = {
        "TRACKER_DATABASE_URL": database,
        "TRACKER_SEED_ON_EMPTY": "false",
        "TRACKER_SECRET_KEY": "bench-secret",
    }

    def tracker_server(code: Path, page_cache: bool) -> tuple[list[str], dict[str, str], str]:
        port = free_port()
        env = {**tracker_env, "TRACKER_PAGE_CACHE": "true" if page_cache else "false"}
        if code != ROOT:
            env["PYTHONPATH"] = str(code)  # imported before this checkout's editable install
        command = [str(ROOT / ".venv" / "bin" / "tracker"), "serve", "--port", str(port),
                   "--workers", "2", "--threads", "1"]  # fmt: skip
        return command, env, f"http://127.0.0.1:{port}"

    # The tracker as signed-in readers and fresh URLs get it: page cache off, every URL new.
    servers["tracker"] = (*tracker_server(ROOT, page_cache=False), "tracker", True)
    if args.before is not None:
        servers["before"] = (
            *tracker_server(args.before.resolve(), page_cache=False),
            "tracker",
            True,
        )
    # The old headline: anonymous, the same URL again and again, answered by the page cache.
    if "page cache" not in skip:
        servers["page cache"] = (*tracker_server(ROOT, page_cache=True), "tracker", False)
    port = free_port()
    servers["ceiling"] = (
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}",
         "--timeout", "600", "--chdir", str(ROOT), "bench.ceiling_app:app"],
        {"BENCH_DATABASE_URL": database},
        f"http://127.0.0.1:{port}",
        "ceiling",
        True,
    )  # fmt: skip
    datasette = ensure_datasette() if is_sqlite and "datasette" not in skip else None
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
            "datasette",
            True,
        )  # fmt: skip

    ready = {"tracker": "/api/v1/", "ceiling": "/", "datasette": "/"}
    results: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in servers}
    with ExitStack() as stack:
        # Every server up at once, and each case measured on each server in turn, run after
        # run: a change in the machine's load touches every column alike.
        for command, env, base, kind, _ in servers.values():
            stack.enter_context(server(command, env, base + ready[kind]))
        headers: dict[str, dict[str, str]] = {}
        for name, (_, _, base, kind, rotates) in servers.items():
            if kind == "tracker" and rotates:
                headers[name] = {"Cookie": sign_in(base, password)}
            else:
                headers[name] = {}
        for case in cases:
            measured = []
            for name, (_, _, base, kind, rotates) in servers.items():
                sent = dict(headers[name])
                if case == "JSON API page" and name != "page cache" and kind == "tracker":
                    sent = {"Authorization": f"Bearer {token}"}  # the API reads no session
                if case == "CSV of all events":
                    if not rotates:
                        continue  # a stream is never cached: the same figure twice
                    url = base + same_urls(kind, s)[case]
                elif rotates:
                    paths = rotating[case][kind]
                    url = base + paths[0]
                else:
                    url = base + same_urls(kind, s)[case]
                try:
                    # Warm up every worker (and the page cache) before measuring.
                    warm = [url] if case == "CSV of all events" else (
                        [base + p for p in rotating[case][kind][-10:]] if rotates else [url] * 10
                    )  # fmt: skip
                    for address in warm:
                        get(address, sent)
                except (OSError, http.client.HTTPException) as exc:
                    print(f"{name} / {case}: skipped ({exc})", file=sys.stderr)
                    continue
                measured.append((name, base, kind, rotates, sent, url))
            if case == "CSV of all events":
                for name, _, _, _, sent, url in measured:
                    runs = [download(url, sent) for _ in range(max(1, args.runs // 2))]
                    results[name][case] = {
                        k: statistics.median(r[k] for r in runs) for k in runs[0]
                    }
                    print(f"{name} / {case}: {results[name][case]}", file=sys.stderr)
                continue
            rates: dict[str, list[float]] = {name: [] for name, *_ in measured}
            p99s: dict[str, list[float]] = {name: [] for name, *_ in measured}
            for run in range(args.runs):
                for name, base, kind, rotates, sent, url in measured:
                    if rotates:
                        # Each run starts further down the list: no run repeats the last one's
                        # first URLs.
                        offset = run * len(rotating[case][kind]) // max(1, args.runs)
                        rate, p99 = wrk(
                            base, args.seconds, args.connections,
                            url_files[(case, kind)], offset, sent,
                        )  # fmt: skip
                    else:
                        rate, p99 = wrk(
                            base, args.seconds, args.connections, headers=sent,
                            path=url.removeprefix(base),
                        )  # fmt: skip
                    rates[name].append(rate)
                    p99s[name].append(p99)
            for name, *_ in measured:
                results[name][case] = {
                    "rps": statistics.median(rates[name]),
                    "p99_ms": statistics.median(p99s[name]),
                    "runs_rps": rates[name],
                    "runs_p99_ms": p99s[name],
                }
                print(f"{name} / {case}: {results[name][case]}", file=sys.stderr)
    summary["results"] = results
    args.out.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (args.out / f"{stamp}-scale-{args.scale:g}-{summary['database']}.json").write_text(
        json.dumps(summary, indent=1)
    )
    print_table(summary)


LABELS = {
    "tracker": "tracker",
    "before": "before",
    "page cache": "page cache (same URL)",
    "ceiling": "ceiling",
    "datasette": "Datasette",
}


def print_table(summary: dict[str, Any]) -> None:
    results = summary["results"]
    imported = summary["import"]
    print(
        f"\nscale {summary['scale']:g} on {summary['database']}: "
        f"{imported['measures']:,} measures, "
        f"{imported['events']:,} events, {imported['statements']:,} statements; import "
        f"{imported['seconds']:.0f} s, peak memory {imported['peak_memory_mb']} MB"
    )
    print(
        f"wrk: {summary.get('connections', 4)} connections, medians of {summary.get('runs')} "
        f"runs of {summary.get('seconds')} s; distinct URLs per case "
        f"{summary.get('distinct_urls', {})}; tracker and before: page cache off, signed in "
        "as a viewer (the API with a viewer's token)\n"
    )
    names = [n for n in LABELS if n in results]
    compared = [n for n in ("tracker", "before") if n in results]
    against = [n for n in ("ceiling", "datasette") if n in results]
    ratio_names = [(a, b) for a in compared for b in against]
    header = ["case", *(LABELS[n] for n in names)]
    header += [f"{LABELS[a]} ÷ {LABELS[b]}" for a, b in ratio_names]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
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
            f"{rates[a] / rates[b]:.2f}×" if a in rates and b in rates else "n/a"
            for a, b in ratio_names
        ]
        if any(c != "n/a" for c in cells):
            print(f"| {case} | " + " | ".join(cells + ratios) + " |")


if __name__ == "__main__":
    main()
