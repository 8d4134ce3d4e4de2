"""Benchmark: one round of alerts for 10,000 subscriptions over 1,000 changes.

    .venv/bin/python bench/alerts.py [--subscriptions 10000] [--changes 1000] [--measures 200]

A throwaway SQLite database holds the seed plus --measures generated measures (in five
countries, with topics and a chain of "modelled-on" copies); --subscriptions confirmed
subscriptions by about half as many addresses follow measures, countries, topics,
organizations, lineages and saved lists; then an editor makes --changes saves through the
services' write path (new events, a tenth of them putting a measure in force). A real SMTP
server (aiosmtpd) on 127.0.0.1 takes the mail. Prints the time of the round (composing and
writing the outbox, then delivering), how many messages, and the process's peak memory.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tracker import clock, create_app, interchange, migrate, paths
from tracker.alerts import rounds
from tracker.db import get_engine, session_scope
from tracker.http.links import WebLinks, site_url
from tracker.models import (
    AlertRecipient,
    AlertSubscription,
    Measure,
    Organization,
    Topic,
    User,
)
from tracker.services import history, users
from tracker.services.events.write import save_event
from tracker.services.measures.write import save_measure, save_relation
from tracker.services.record_data import EventData, MeasureData, RelationData

BASE_URL = "https://tracker.example.org"
COUNTRIES = ("KG", "KZ", "TJ", "GE", "AZ")
TODAY = "2026-11-28"


class Sink:
    """Counts what the SMTP server receives."""

    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.count += 1
        return "250 OK"


class BenchLinks(WebLinks):
    """The following pages' addresses written out (their endpoints live in tracker.web.alerts)."""

    def manage(self) -> str:
        return site_url() + "/account/alerts"

    def unsubscribe(self, token: str) -> str:
        return f"{site_url()}/alerts/unsubscribe/{token}"

    def unsubscribe_all(self, token: str) -> str:
        return f"{site_url()}/alerts/unsubscribe-all/{token}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscriptions", type=int, default=10_000)
    parser.add_argument("--changes", type=int, default=1_000)
    parser.add_argument("--measures", type=int, default=200)
    parser.add_argument("--round", metavar="DATABASE", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--dry-run", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.round:
        run_round(args.round, args.port, args.dry_run)
        return
    rng = random.Random(14)

    folder = Path(tempfile.mkdtemp(prefix="bench-alerts-"))
    sink, port = Sink(), free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}",
            "SECRET_KEY": "bench",
            "INSTANCE_PATH": str(folder / "instance"),
            "TODAY": TODAY,
            "BASE_URL": BASE_URL,
            "SMTP_URL": f"smtp+plain://127.0.0.1:{port}",
        }
    )
    with app.app_context(), app.test_request_context("/", base_url=BASE_URL):
        migrate.upgrade(get_engine())
        started = time.perf_counter()
        with session_scope() as session:
            interchange.import_dataset(
                session, interchange.load_json(paths.seed_file().read_bytes())
            )
            editor = users.create_user(
                session, "bench@example.org", "Bench", "editor", "velvet kettle orbit plum"
            )
            editor_id = editor.id
        with session_scope() as session:
            history.set_actor(session, history.Actor("bench"))
            topic_slugs = [t.slug for t in session.scalars(select_all(Topic))]
            made: list[Measure] = []
            for number in range(args.measures):
                made.append(
                    save_measure(
                        session,
                        None,
                        MeasureData(
                            title=f"Bench measure {number}",
                            country=COUNTRIES[number % len(COUNTRIES)],
                            kind="bill",
                            topics=[topic_slugs[number % len(topic_slugs)]],
                        ),
                    )
                )
            for number in range(1, args.measures, 10):
                save_relation(
                    session,
                    made[number],
                    None,
                    RelationData(type="modelled-on", target=made[number - 1].slug),
                )
            slugs = [m.slug for m in made]
            orgs = [o.slug for o in session.scalars(select_all(Organization))]
        with session_scope() as session:
            now = clock.now()
            targets: list[tuple[str, str]] = []
            for number in range(args.subscriptions):
                roll = number % 20
                if roll < 10:
                    targets.append(("measure", rng.choice(slugs)))
                elif roll < 13:
                    targets.append(("country", rng.choice(COUNTRIES)))
                elif roll < 16:
                    targets.append(("topic", rng.choice(topic_slugs)))
                elif roll < 17:
                    targets.append(("organization", rng.choice(orgs)))
                elif roll < 19:
                    targets.append(("lineage", rng.choice(slugs[:20])))
                else:
                    targets.append(("search", f"/measures/?country={rng.choice(COUNTRIES)}"))
            recipients = [
                AlertRecipient(email=f"reader{n}@example.org", secret=secrets.token_hex(16))
                for n in range(args.subscriptions // 2)
            ]
            session.add_all(recipients)
            for number, (kind, target) in enumerate(targets):
                session.add(
                    AlertSubscription(
                        recipient=recipients[number % len(recipients)],
                        target_kind=kind,
                        target=target,
                        label=f"{kind} {target}",
                        confirmed_at=now,
                    )
                )
        with session_scope() as session:
            editor = session.get(User, editor_id)
            assert editor is not None
            history.set_actor(session, history.actor_for(editor))
            measures = {m.slug: m for m in session.scalars(select_all(Measure))}
            for number in range(args.changes):
                measure = measures[rng.choice(slugs)]
                kind = "entered-into-force" if number % 10 == 0 else "reading-1"
                save_event(
                    session,
                    measure,
                    None,
                    EventData(
                        type=kind,
                        date=(dt.date(2026, 1, 1) + dt.timedelta(days=number % 300)).isoformat(),
                        sources=["https://example.org/bench"],
                    ),
                )
        print(f"set up in {time.perf_counter() - started:.1f} s", file=sys.stderr)

    # Each round in a process of its own, so that its peak memory is the round's alone (plus
    # the imports, about 100 MiB), not the set-up's.
    database = str(folder / "bench.sqlite3")
    dry = round_in_child(database, port, dry_run=True)
    real = round_in_child(database, port, dry_run=False)
    controller.stop()
    print(
        f"round: {args.subscriptions} subscriptions, {args.changes} changes: "
        f"{real['seconds']:.1f} s ({real['cpu']:.1f} s of CPU), "
        f"peak memory {real['peak_mib']:.0f} MiB (RSS); "
        f"{real['emails']} emails composed, {real['sent']} sent ({sink.count} received), "
        f"{real['quiet']} subscriptions with nothing new"
    )
    load = os.getloadavg()[0]
    print(
        f"composing alone (--dry-run): {dry['seconds']:.1f} s ({dry['cpu']:.1f} s of CPU), "
        f"peak memory {dry['peak_mib']:.0f} MiB (RSS); load average {load:.1f} on "
        f"{os.cpu_count()} CPUs"
    )


def round_in_child(database: str, port: int, *, dry_run: bool) -> dict[str, Any]:
    command = [sys.executable, __file__, "--round", database, "--port", str(port)]
    if dry_run:
        command.append("--dry-run")
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def run_round(database: str, port: int, dry_run: bool) -> None:
    """One round on the set-up database; prints its figures as JSON."""
    folder = Path(database).parent
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{database}",
            "SECRET_KEY": "bench",
            "INSTANCE_PATH": str(folder / "instance"),
            "TODAY": TODAY,
            "BASE_URL": BASE_URL,
            "SMTP_URL": f"smtp+plain://127.0.0.1:{port}",
        }
    )
    with (
        app.app_context(),
        app.test_request_context("/", base_url=BASE_URL),
        session_scope() as session,
    ):
        started, cpu_started = time.perf_counter(), time.process_time()
        report = rounds.send_round(session, app.config, BenchLinks(), clock.now(), dry_run=dry_run)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    print(
        json.dumps(
            {
                "seconds": seconds,
                "cpu": cpu,
                "peak_mib": peak_mib(),
                "emails": report.emails,
                "sent": report.sent,
                "quiet": report.quiet,
            }
        )
    )


def select_all(model: Any) -> Any:
    return select(model)


if __name__ == "__main__":
    main()
