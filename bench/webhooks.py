"""Benchmark: how fast a round hands webhook deliveries over, and what endpoints that never
answer cost it.

    .venv/bin/python bench/webhooks.py [--messages 2000] [--hanging 16] [--timeout 1]

Makes a throwaway SQLite database (migrated like a real one), one user following something
with a webhook to a local receiver (http.server, threaded, on 127.0.0.1: the test-only setting
WEBHOOKS_ALLOW_PRIVATE is on for it), and prints:

1. signing: microseconds to sign one delivery body (HMAC-SHA256);
2. healthy: --messages deliveries in one round (deliver_due) to a receiver answering 200 at
   once: seconds, deliveries per second, and the process's peak memory;
3. hanging: --hanging deliveries to a receiver that never answers, with --timeout seconds per
   attempt: how long the round waits for them (DELIVERY_THREADS at a time).
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import secrets
import sys
import tempfile
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from tracker import migrate  # noqa: E402  # after the path is set
from tracker.alerts import webhooks  # noqa: E402
from tracker.db import build_engine  # noqa: E402
from tracker.models import AlertOutboxMessage, AlertRecipient, AlertSubscription  # noqa: E402
from tracker.services import users  # noqa: E402

NOW = dt.datetime.now(dt.UTC)
PASSWORD = "velvet kettle orbit plum"  # noqa: S105  # a throwaway account of the bench
BODY = {
    "event": "change",
    "subscription": {"id": 1, "target_kind": "country", "target": "KG", "label": "Kyrgyzstan"},
    "changes": [
        {
            "kind": "status",
            "measure": {"slug": "kg-foreign-representatives-law-2024", "title": "Law " * 20},
            "stage": {"old": "signed", "new": "in force"},
        }
    ]
    * 3,
}


def receiver(hang: threading.Event | None) -> tuple[ThreadingHTTPServer, str]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if hang is not None:
                hang.wait(60)
                return
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    # A listen queue of 5 (http.server's default) drops connections at 8 at a time.
    ThreadingHTTPServer.request_queue_size = 128
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/hook"


def a_webhook(session: Session, url: str) -> AlertSubscription:
    user = users.create_user(
        session,
        f"bench-{secrets.token_hex(4)}@example.org",
        "Bench",
        "viewer",
        "velvet kettle orbit plum",
    )
    recipient = AlertRecipient(user_id=user.id, secret=secrets.token_hex(16))
    session.add(recipient)
    session.flush()
    follows = AlertSubscription(
        recipient_id=recipient.id, target_kind="country", target="KG", label="Kyrgyzstan"
    )
    session.add(follows)
    session.flush()
    return webhooks.add_webhook(session, follows, url, NOW)


def round_of(session: Session, url: str, count: int, config: dict[str, Any]) -> tuple[float, Any]:
    webhook = a_webhook(session, url)
    for _ in range(count):
        session.add(webhooks.new_message(webhook, BODY, "Status changed"))
    session.commit()
    started = time.perf_counter()
    summary = webhooks.deliver_due(session, config, NOW)
    seconds = time.perf_counter() - started
    errors = Counter(
        session.scalars(
            select(AlertOutboxMessage.last_error).where(
                AlertOutboxMessage.subscription_id == webhook.id,
                AlertOutboxMessage.last_error.is_not(None),
            )
        )
    )
    if errors:
        print(f"  errors: {dict(errors)}")
    session.commit()
    return seconds, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--hanging", type=int, default=16)
    parser.add_argument("--timeout", type=float, default=1.0)
    args = parser.parse_args()

    payload = webhooks.encode_body(BODY)
    rounds = 20000
    started = time.perf_counter()
    for _ in range(rounds):
        webhooks.sign("0" * 64, payload, 1_800_000_000)
    signing = (time.perf_counter() - started) / rounds * 1e6
    print(f"signing: {signing:.1f} µs per delivery ({len(payload)} bytes of JSON)")

    config = {"WEBHOOKS_ALLOW_PRIVATE": True, "WEBHOOK_TIMEOUT_SECONDS": args.timeout}
    with tempfile.TemporaryDirectory() as folder:
        engine = build_engine(f"sqlite:///{folder}/bench.sqlite3")
        migrate.upgrade(engine)
        healthy, healthy_url = receiver(None)
        stop = threading.Event()
        hanging, hanging_url = receiver(stop)
        with Session(engine, expire_on_commit=False) as session:
            seconds, summary = round_of(session, healthy_url, args.messages, config)
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(
                f"healthy: {summary.sent} of {args.messages} deliveries sent in {seconds:.2f} s "
                f"({summary.sent / seconds:.0f}/s, {webhooks.DELIVERY_THREADS} at a time); "
                f"peak memory {peak:.0f} MiB"
            )
            seconds, summary = round_of(session, hanging_url, args.hanging, config)
            print(
                f"hanging: {args.hanging} endpoints that never answer (timeout {args.timeout} s) "
                f"held the round {seconds:.2f} s; {summary.retrying} left to retry"
            )
        stop.set()
        healthy.shutdown()
        hanging.shutdown()
        engine.dispose()


if __name__ == "__main__":
    main()
