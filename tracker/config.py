"""Settings: defaults in one place, then ``TRACKER_*`` environment variables, then overrides.

Every key below can be set from the environment by prefixing it: ``TRACKER_DATABASE_URL``,
``TRACKER_SECRET_KEY``, ``TRACKER_BASE_URL``... Values that look like JSON (``true``, ``30``)
are read as such.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

DEFAULTS: dict[str, Any] = {
    # Default: a SQLite file in the instance folder (see resolve()).
    "DATABASE_URL": None,
    # Default: a random key generated once into the instance folder (see resolve()).
    # Bandit B105 reads this as a hard-coded password; None holds no secret.
    "SECRET_KEY": None,  # nosec B105
    # The public address, used for permalinks in exports and feeds; the request's host if unset.
    "BASE_URL": None,
    # The name exports, feeds and citations give the tracker ("Civic Space Tracker").
    "SITE_NAME": "tracker",
    # Pin "today" (YYYY-MM-DD) for demos and tests; the real date if unset.
    "TODAY": None,
    # Load the shipped seed data when `tracker serve` finds an empty database.
    "SEED_ON_EMPTY": True,
    # Refuse request bodies above this size with 413 (imports of large datasets use the CLI).
    "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_NAME": "tracker_session",
    "WTF_CSRF_TIME_LIMIT": None,  # tied to the session instead, so a long edit doesn't expire
    "JSON_SORT_KEYS": False,
    # Public pages kept in each worker's memory until the data or the day changes
    # (tracker.http.page_cache); sizes in bytes.
    "PAGE_CACHE": True,
    "PAGE_CACHE_BYTES": 64 * 1024 * 1024,
    "PAGE_CACHE_ENTRY_BYTES": 2 * 1024 * 1024,
    # The largest heavy download (a PDF brief, a PNG chart) the page cache keeps: they are what
    # is worth keeping most (seconds of work each), and a brief of twenty measures runs to a few
    # MiB. Heavy downloads are made at most HEAVY_DOWNLOADS at a time in each worker (the rest
    # are asked to try again in HEAVY_DOWNLOAD_RETRY_SECONDS): a worker has 4 threads, and one
    # PDF keeps a CPU core busy for seconds, so the pages keep the others (tracker.http.heavy).
    "PAGE_CACHE_DOWNLOAD_BYTES": 16 * 1024 * 1024,
    "HEAVY_DOWNLOADS": 1,
    "HEAVY_DOWNLOAD_RETRY_SECONDS": 10,
    # The most measures a brief of a selection covers: a PDF takes about 0.4 s of CPU per
    # measure to lay out, and twenty make a document of forty pages or so. Larger selections are
    # asked to narrow their filters, or to download the list as a spreadsheet.
    "BRIEF_MAX_MEASURES": 20,
    # Secure cookies: "auto" (when the request came over HTTPS), or true/false to force it.
    "SECURE_COOKIES": "auto",
    # How many proxies in front set X-Forwarded-Proto/-Host (0: believe none). The visitor's
    # address (X-Forwarded-For) is never read.
    "TRUSTED_PROXIES": 0,
    # A session ends after this long without a request, and this long after signing in.
    "SESSION_IDLE_MINUTES": 120,
    "SESSION_MAX_HOURS": 12,
    # Failed sign-ins per account (never per address; tracker.web.lockout): this many a day are
    # free, then each failure makes the next attempt wait twice as long, from 2 seconds up to
    # the longest wait below (a quarter of an hour: an attacker gets a few guesses an hour). A
    # browser that signed in to the account before has its own count of failures instead, so
    # nobody else's guesses keep the owner out of it.
    "LOGIN_FREE_FAILURES": 5,
    "LOGIN_MAX_DELAY_SECONDS": 15 * 60,
    "LOGIN_DEVICE_FAILURES": 10,
    # Writes per API token (Flask-Limiter's syntax).
    "API_WRITE_RATE_LIMIT": "120 per minute;5000 per hour",
    # What one API request may carry, list by list (a measure's events, a statement's
    # quotes...), so that no single request holds the database for long: a measure sent with
    # 3,000 events held SQLite's write lock for most of a minute, and every other save and
    # sign-in waited. Real records stay far below: a protest ban extended every month for
    # years has a few dozen events, and the largest joint letters a few hundred co-signatories.
    # More goes through `tracker import` on the server, which has no such limit.
    "API_RECORD_LIMITS": {
        "events": 500,  # of a measure
        "relations": 100,  # of a measure
        "topics": 50,  # of a measure
        "popular_names": 50,  # of a measure
        "sources": 100,  # of a measure, an event or a statement
        "quotes": 200,  # of a statement
        "signatories": 1000,  # of a statement (a joint letter)
        "measures": 200,  # a statement is about
    },
    # Where the limits are counted: each worker's memory by default; a shared store such as
    # "redis://127.0.0.1:6379" makes them hold across workers and servers.
    "RATELIMIT_STORAGE_URI": "memory://",
    # A refused request says when to try again (Retry-After), as RFC 6585 asks of a 429.
    "RATELIMIT_HEADERS_ENABLED": True,
    # Off unless TRACKER_DEBUG=true: a debugger shows code and data to whoever gets an error.
    "DEBUG": False,
    # Alerts (tracker.alerts). Email goes out through this SMTP server: "smtp://host:587"
    # (STARTTLS, required), "smtps://host:465" (TLS from the start), credentials in the
    # address ("smtp://user:password@host:587", the password percent-encoded), or
    # "smtp+plain://127.0.0.1:1025" for a local relay without TLS. Unset: the features that
    # need email say so on their pages instead of failing.
    "SMTP_URL": None,
    "SMTP_TIMEOUT_SECONDS": 30,
    # The From address of alerts ("Civic Space Tracker <alerts@example.org>").
    "MAIL_FROM": None,
    # How long a confirmation link works.
    "ALERT_CONFIRM_HOURS": 72,
    # The subscribe, confirm and unsubscribe pages are limited without looking at who asks
    # (no IP address is read): each endpoint as a whole, and confirmation emails per address
    # typed (counted under a keyed hash of it, tracker.web.alerts), so that nobody can use the
    # form to flood someone's inbox.
    "ALERT_RATE_LIMIT": "60 per minute;2000 per hour",
    "ALERT_ADDRESS_RATE_LIMIT": "3 per hour;6 per day",
    # Webhook endpoints must be HTTPS on a public address; tests (and only tests) allow
    # http:// and loopback or private addresses.
    "WEBHOOKS_ALLOW_PRIVATE": False,
    # How long one webhook delivery waits for the endpoint to connect and to answer, in seconds
    # ("send a test" waits this long in the page's request).
    "WEBHOOK_TIMEOUT_SECONDS": 10,
    # How long a save waits for another to finish on SQLite before the "busy" page (503).
    "SQLITE_BUSY_TIMEOUT_MS": 10000,
}

ENV_PREFIX = "TRACKER_"


def _parse_env(value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        return value


def from_environment(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Every ``TRACKER_*`` variable, prefix removed."""
    environ = os.environ if environ is None else environ
    return {
        key[len(ENV_PREFIX) :]: _parse_env(value)
        for key, value in environ.items()
        if key.startswith(ENV_PREFIX) and len(key) > len(ENV_PREFIX)
    }


def resolve(config: dict[str, Any], instance_path: Path) -> dict[str, Any]:
    """Fill in the defaults that need the instance folder."""
    if not config.get("DATABASE_URL"):
        instance_path.mkdir(parents=True, exist_ok=True)
        config["DATABASE_URL"] = f"sqlite:///{instance_path / 'tracker.sqlite3'}"
    if not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = _instance_secret(instance_path)
    return config


def _instance_secret(instance_path: Path) -> str:
    """A key generated once and kept in the instance folder, readable by its owner only."""
    instance_path.mkdir(parents=True, exist_ok=True)
    path = instance_path / "secret_key"
    if not path.exists():
        # O_EXCL: two workers starting at once must not write two different keys.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip()
