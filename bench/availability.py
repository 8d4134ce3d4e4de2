"""Benchmark: does one client take the tracker down? The attacks of issue 12, timed.

    .venv/bin/python bench/availability.py [--briefs 12] [--events 500] [--code DIR]

It serves a throwaway SQLite database with `tracker serve` (gunicorn, 2 workers of 4 threads,
as deployed), holding a generated dataset of 20 measures (a brief of all of them is the largest
one allowed), and prints, for each attack, what an ordinary visitor or editor meanwhile gets:

1. briefs: --briefs anonymous PDF briefs of every measure asked for at once, each with a query
   string of its own; meanwhile a measure page (with a query string of its own each time, so
   that it is really made) is asked for every quarter of a second. Prints that page's median
   and slowest time, and how the briefs were answered.
2. API write: a measure with --events events sent through the API; meanwhile an editor signs
   in. Prints both times and answers; then a measure of 3,000 events (what the review sent).
3. day change: the server restarted on a later day (cached statuses stale), then sixteen
   anonymous list requests at once. Prints how they were answered.

--code DIR runs the server from another checkout of the tracker (e.g. the commit before these
fixes, unpacked with `git archive`), to compare; the data is made the same way for both.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from run import free_port, server  # noqa: E402  # the helpers of bench/run.py

PASSWORD = "velvet kettle orbit plum"  # noqa: S105  # a throwaway account of the bench
EDITOR = "bench-editor@example.org"


def request(
    url: str,
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
    opener: urllib.request.OpenerDirector | None = None,
) -> tuple[int, float]:
    """(status, seconds) of one request; the body is read and thrown away."""
    started = time.perf_counter()
    send = opener.open if opener is not None else urllib.request.urlopen
    try:
        asked = urllib.request.Request(url, data=data, headers=headers or {})  # noqa: S310  # http://127.0.0.1
        with send(asked, timeout=600) as r:
            r.read()
            status = r.status
    except urllib.error.HTTPError as error:
        error.read()
        status = error.code
    return status, time.perf_counter() - started


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a sign-in answers 303: that is the answer to time


def sign_in(base: str) -> tuple[int, float]:
    """An editor signs in through the form (its CSRF token first); (status, seconds) of the
    POST alone."""
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect()
    )
    with opener.open(f"{base}/login", timeout=60) as response:
        page = response.read().decode()
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    form = urllib.parse.urlencode({"email": EDITOR, "password": PASSWORD, "csrf_token": token})
    kind = {"Content-Type": "application/x-www-form-urlencoded"}
    return request(f"{base}/login", form.encode(), kind, opener)


def tracker(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "tracker", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def prepare(folder: Path, env: dict[str, str], measures: int) -> str:
    """A database with generated measures and an editor; returns the editor's write token."""
    data = folder / f"data-{measures}"
    scale = str(measures / 100_000)
    subprocess.run(
        [sys.executable, str(HERE / "generate.py"), "--scale", scale, "--out", str(data)],
        check=True,
        capture_output=True,
    )
    tracker(env, "db", "upgrade")
    for batch in sorted(data.glob("batch-*.json")):
        tracker(env, "import", str(batch))
    tracker(env, "users", "create", EDITOR, "--role", "editor", "--name", "Bench",
            "--password-stdin", stdin=PASSWORD + "\n")  # fmt: skip
    script = (
        "import datetime as dt\n"
        "from tracker import create_app\n"
        "from tracker.db import session_scope\n"
        "from tracker.services import api_tokens, users\n"
        "app = create_app()\n"
        "with app.app_context(), session_scope() as s:\n"
        f"    user = users.get_by_email(s, {EDITOR!r})\n"
        "    print(api_tokens.create_token(s, user, 'bench', 'write', None,"
        " dt.date(2026, 11, 28)).plaintext)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    return out.stdout.strip().splitlines()[-1]


def serve(env: dict[str, str], port: int) -> Any:
    command = [sys.executable, "-m", "tracker", "serve", "--port", str(port),
               "--workers", "2", "--threads", "4"]  # fmt: skip
    return server(command, env, f"http://127.0.0.1:{port}/")


def briefs(base: str, count: int) -> None:
    answers: list[tuple[int, float]] = []
    page_times: list[float] = []
    done = threading.Event()

    def ask(number: int) -> None:
        answers.append(request(f"{base}/brief.pdf?n={number}"))

    def ordinary() -> None:
        number = 0
        while not done.is_set():
            status, seconds = request(f"{base}/measures/?look={number}")
            assert status == 200, status
            page_times.append(seconds)
            number += 1
            time.sleep(0.25)

    _, alone = request(f"{base}/measures/?look=alone")
    watcher = threading.Thread(target=ordinary)
    watcher.start()
    started = time.perf_counter()
    threads = [threading.Thread(target=ask, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    took = time.perf_counter() - started
    done.set()
    watcher.join()
    statuses = Counter(status for status, _ in answers)
    answers.clear()
    started = time.perf_counter()
    threads = [threading.Thread(target=ask, args=(count + n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    again = time.perf_counter() - started
    statuses_again = Counter(status for status, _ in answers)
    print(f"1. {count} PDF briefs of all 20 measures at once, unique query strings")
    print(f"   a measure list page alone:           {alone * 1000:8.0f} ms")
    print(f"   the same page meanwhile, median:     {statistics.median(page_times) * 1000:8.0f} ms")
    print(f"   the same page meanwhile, slowest:    {max(page_times) * 1000:8.0f} ms")
    print(f"   briefs answered: {dict(sorted(statuses.items()))} in {took:.1f} s")
    answered = dict(sorted(statuses_again.items()))
    print(f"   then {count} more, new query strings: {answered} in {again:.1f} s")


def api_write(base: str, token: str, events: int) -> None:
    def body(count: int) -> bytes:
        events = [
            {
                "type": "extended",
                "date": f"{2000 + n % 25}-{1 + n % 12:02d}",
                "description": f"Extension {n}",
                "sources": [{"url": f"https://example.org/order/{count}/{n}"}],
            }
            for n in range(count)
        ]
        measure = {"title": f"A ban extended {count} times", "country": "KG", "kind": "court-order"}
        return json.dumps({**measure, "events": events}).encode()

    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    written: list[tuple[int, float]] = []
    writer = threading.Thread(
        target=lambda: written.append(request(f"{base}/api/v1/measures", body(events), headers))
    )
    writer.start()
    time.sleep(0.3)  # the write has begun
    signed = sign_in(base)
    writer.join()
    print(f"2. an API write of a measure with {events} events")
    print(f"   the write:                 {written[0][0]} in {written[0][1] * 1000:8.0f} ms")
    print(f"   a sign-in meanwhile:       {signed[0]} in {signed[1] * 1000:8.0f} ms")
    status, seconds = request(f"{base}/api/v1/measures", body(3000), headers)
    print(f"   a measure of 3,000 events: {status} in {seconds * 1000:8.0f} ms")


def day_change(base: str) -> None:
    answers: list[tuple[int, float]] = []
    start = threading.Barrier(16)

    def read(number: int) -> None:
        start.wait()
        answers.append(request(f"{base}/measures/?status=in-force&reader={number}"))

    threads = [threading.Thread(target=read, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = Counter(status for status, _ in answers)
    slowest = max(seconds for _, seconds in answers)
    print("3. sixteen list requests at once, the first after a day change (2,000 measures)")
    print(f"   answered: {dict(sorted(statuses.items()))}, slowest {slowest * 1000:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--briefs", type=int, default=12)
    parser.add_argument("--events", type=int, default=500)
    parser.add_argument("--code", type=Path, help="serve the tracker from this checkout")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        env = {
            **os.environ,
            "TRACKER_INSTANCE_PATH": str(folder / "instance"),
            "TRACKER_SEED_ON_EMPTY": "false",
            "TRACKER_TODAY": "2026-11-28",
            "TRACKER_API_WRITE_RATE_LIMIT": "1000 per minute",
        }
        if args.code:
            # `python -m tracker` looks in the working folder first.
            env["PYTHONPATH"] = str(args.code.resolve())
            os.chdir(args.code)
        port = free_port()
        base = f"http://127.0.0.1:{port}"

        many = {**env, "TRACKER_DATABASE_URL": f"sqlite:///{folder / 'many.sqlite3'}"}
        prepare(folder, many, 2000)
        with serve({**many, "TRACKER_TODAY": "2020-01-01"}, port):
            request(f"{base}/measures/?status=in-force")  # statuses cached for 2020-01-01
        with serve(many, port):
            day_change(base)

        env["TRACKER_DATABASE_URL"] = f"sqlite:///{folder / 'bench.sqlite3'}"
        token = prepare(folder, env, 20)  # a brief of all of them is the largest allowed
        with serve(env, port):
            briefs(base, args.briefs)
            api_write(base, token, args.events)


if __name__ == "__main__":
    main()
