"""Fixtures are the test suite's API: ``engine``, ``app``, ``client``, ``session``,
``make_user`` and ``login_as``.

The suite runs on SQLite by default and on PostgreSQL when ``TRACKER_TEST_DATABASE_URL`` is set
(``.ci/run`` does both). The schema is built once per run by the Alembic migrations, never by
``create_all``, so the migrations are what every test exercises. The shipped seed data is
imported once and committed; each test then runs inside a transaction that is rolled back
(the SAVEPOINT recipe), so tests see the seed and never see each other's writes.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from tracker import create_app, interchange, migrate, paths
from tracker.db import build_engine, get_engine, session_factory
from tracker.models import User
from tracker.services import status_cache, users

if TYPE_CHECKING:
    from playwright.sync_api import Browser

# The day the tests treat as today, so that statuses that expire by themselves (the protest
# ban "until 31 March 2026") give the same answer whenever the suite runs.
TODAY = dt.date(2026, 11, 28)


def pytest_report_header() -> str:
    url = os.environ.get("TRACKER_TEST_DATABASE_URL")
    return f"tracker database: {make_url(url).get_backend_name() if url else 'sqlite'}"


def reset_database(url: str) -> None:
    """An empty database at ``url`` (PostgreSQL: drop and recreate the public schema)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database:
            for suffix in ("", "-wal", "-shm"):
                Path(parsed.database + suffix).unlink(missing_ok=True)
        return
    engine = build_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def new_database_url(tmp_path: Path, name: str) -> str:
    """A fresh, empty database of the kind under test, for tests that need their own."""
    base = os.environ.get("TRACKER_TEST_DATABASE_URL")
    if not base:
        return f"sqlite:///{tmp_path / (name + '.sqlite3')}"
    parsed = make_url(base)
    database = f"{parsed.database}_{name}_{uuid.uuid4().hex[:8]}"
    admin = build_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{database}"'))
    admin.dispose()
    return parsed.set(database=database).render_as_string(hide_password=False)


def drop_database_url(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return
    admin = build_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    admin.dispose()


def pinned_clock() -> AbstractContextManager[object]:
    """An app context whose clock (tracker.clock) reads the tests' pinned day, for writes
    made outside the app under test."""
    bare = Flask(__name__, root_path=str(Path(__file__).parent))
    bare.config["TODAY"] = TODAY.isoformat()
    return bare.app_context()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("TRACKER_TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'tracker-test.sqlite3'}"


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    """The test database, migrated to head and holding the seed data."""
    reset_database(database_url)
    engine = build_engine(database_url)
    migrate.upgrade(engine)
    # On the tests' pinned day, like everything the app writes during the tests.
    with pinned_clock(), Session(engine) as session:
        interchange.import_dataset(session, interchange.load_json(paths.seed_file().read_bytes()))
        session.commit()
        # Statuses as of the tests' "today" (the import used the real date), as a server
        # pinned to that day would have them: no test starts with a stale cache to refresh.
        status_cache.refresh(session, TODAY)
        session.commit()
    yield engine
    engine.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    connection = engine.connect()
    transaction = connection.begin()
    yield connection
    transaction.rollback()
    connection.close()


def make_app(database_url: str, tmp_path: Path, **config: Any) -> Flask:
    settings = {
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret-key",
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "TODAY": TODAY.isoformat(),
        "WTF_CSRF_ENABLED": False,
        # Tests write and read within one rolled-back transaction; the cache has its own tests.
        "PAGE_CACHE": False,
        "TESTING": True,
    }
    settings.update(config)
    return create_app(settings)


# --------------------------------------------------------------------------------------------
# The `tracker` command, run as a user runs it: in a subprocess, against its own database


@pytest.fixture
def cli_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """The environment of a `tracker` command with a database of its own (empty)."""
    url = new_database_url(tmp_path, "cli")
    env = {
        **os.environ,
        "TRACKER_DATABASE_URL": url,
        "TRACKER_INSTANCE_PATH": str(tmp_path / "instance"),
        "TRACKER_TODAY": TODAY.isoformat(),
    }
    yield env
    drop_database_url(url)


def tracker(
    env: dict[str, str], *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tracker", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Served:
    """A `tracker serve` running on 127.0.0.1; ``output`` is all it printed, once it stopped."""

    base: str
    port: int
    output: str = ""


@contextmanager
def serving(env: dict[str, str]) -> Iterator[Served]:
    """`tracker serve` (one worker) until the block ends; the block starts once it answers."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tracker", "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    served = Served(f"http://127.0.0.1:{port}", port)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(served.base + "/", timeout=5):
                    break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.3)
        yield served
    finally:
        process.terminate()
        served.output, _ = process.communicate(timeout=30)


def file_app(url: str, tmp_path: Path, **config: Any) -> Flask:
    """The app as deployed (not TESTING) on a database of its own, with its real transactions
    and locks: for tests of concurrency, where the SAVEPOINT recipe would hide them."""
    return create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "test",
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "TODAY": TODAY.isoformat(),
            "WTF_CSRF_ENABLED": False,
            "TESTING": False,
            **config,
        }
    )


@pytest.fixture
def sqlite_file(tmp_path: Path) -> str:
    """A SQLite database file with the seed and four editors (writer0..3@example.org)."""
    url = f"sqlite:///{tmp_path / 'concurrent.sqlite3'}"
    engine = build_engine(url)
    migrate.upgrade(engine)
    with Session(engine) as session:
        interchange.import_dataset(session, interchange.load_json(paths.seed_file().read_bytes()))
        for number in range(4):
            users.create_user(
                session, f"writer{number}@example.org", f"W{number}", "editor", PASSWORD
            )
        session.commit()
    engine.dispose()
    return url


@pytest.fixture
def app_config() -> dict[str, Any]:
    """Override in a test module to change the app's settings."""
    return {}


@pytest.fixture
def app(
    database_url: str, connection: Connection, tmp_path: Path, app_config: dict[str, Any]
) -> Iterator[Flask]:
    """The app, its sessions bound to the test's connection: every commit is a SAVEPOINT."""
    app = make_app(database_url, tmp_path, **app_config)
    session_factory(app).configure(bind=connection, join_transaction_mode="create_savepoint")
    with app.app_context():
        yield app
    get_engine(app).dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    """A session on the same connection as the app's requests."""
    session = session_factory(app)()
    yield session
    session.close()


# A password the policy accepts, shared by every test user.
PASSWORD = "velvet kettle orbit plum"


@pytest.fixture
def make_user(session: Session) -> Callable[..., User]:
    """Create a user (committed to the test's transaction, so requests see it)."""

    def make(
        role: str = "editor",
        email: str | None = None,
        name: str | None = None,
        password: str = PASSWORD,
    ) -> User:
        address = email or f"{role}-{uuid.uuid4().hex[:8]}@example.org"
        user = users.create_user(session, address, name or f"Test {role.title()}", role, password)
        session.commit()
        return user

    return make


class SignedInClient(FlaskClient):
    """A test client signed in as ``user``."""

    user: User


@pytest.fixture
def login_as(app: Flask, make_user: Callable[..., User]) -> Callable[..., SignedInClient]:
    """``login_as("viewer")``: a new client signed in as a new user with that role."""

    def login(role: str = "editor", user: User | None = None) -> SignedInClient:
        user = user or make_user(role)
        client = app.test_client()
        response = client.post("/login", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 303, response.data[:500]
        signed_in = SignedInClient.__new__(SignedInClient)
        signed_in.__dict__.update(client.__dict__)
        signed_in.user = user
        return signed_in

    return login


@pytest.fixture(scope="session")
def browser(pytestconfig: pytest.Config) -> Iterator[Browser]:
    """Debian's Chromium, once for the run (never a browser that playwright downloads).

    Here rather than with the journeys because the security suite drives it too, and Playwright's
    sync API allows one running instance per thread: a second ``sync_playwright()`` while this
    one is open fails."""
    from playwright.sync_api import sync_playwright

    from tests.browser import CHROMIUM, CHROMIUM_ARGS, CHROMIUM_VERSION

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        pytestconfig.stash[CHROMIUM_VERSION] = chromium.version
        yield chromium
        chromium.close()


@pytest.fixture
def make_token(session: Session, make_user: Callable[..., User]) -> Callable[..., str]:
    """``make_token("editor", "write")``: a new API token (the token itself) of a new user with
    that role, or of ``user``; committed to the test's transaction, so requests see it."""
    from tracker.services import api_tokens

    def make(
        role: str = "editor",
        scope: str = "write",
        user: User | None = None,
        expires_on: dt.date | None = None,
        name: str | None = None,
    ) -> str:
        owner = user or make_user(role)
        made = api_tokens.create_token(
            session, owner, name or f"{scope} script", scope, expires_on, TODAY
        )
        session.commit()
        return made.plaintext

    return make


def bearer(token: str) -> dict[str, str]:
    """The header that carries an API token."""
    return {"Authorization": f"Bearer {token}"}
