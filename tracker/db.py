"""The database: engine, the typed declarative base, and one session per request.

Views and services only ``flush()``. The request commits once, in ``after_request``, when the
response is a success or a redirect, and rolls back otherwise; the session is always closed at
teardown. Two small writes are made apart, in a transaction of their own that gives up rather
than wait for another writer (``write_now``): noting a sign-in, and a reader's refresh of the
status cache. Nothing here runs at import time.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from flask import Flask, Response, current_app, g, has_request_context, request
from sqlalchemy import DateTime, Engine, MetaData, create_engine, event, func, select, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

# The naming convention SQLAlchemy documents, so that constraints have stable names that
# Alembic can drop and SQLite batch migrations can recreate.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored as naive UTC and always returned aware.

    SQLite keeps no time zone and PostgreSQL's ``timestamptz`` converts on the way out; storing
    naive UTC everywhere makes both databases return the same value.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime; use tracker.clock.now()")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        return value.replace(tzinfo=dt.UTC) if value is not None else None


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    # Read by DeclarativeBase at class creation; never mutated.
    type_annotation_map = {dt.datetime: UTCDateTime()}  # noqa: RUF012


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the pysqlite driver, decide when transactions begin; the driver's
        # own handling breaks SAVEPOINT (used by the tests and by nested writes).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        # A request that writes takes SQLite's write lock when its transaction begins, so two
        # saves of one record run one after the other and the second reads the first's version
        # (a deferred BEGIN would fail with "database is locked" when upgrading a stale read).
        immediate = _is_write_request() or connection.get_execution_options().get(_WRITE_NOW)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


_WRITE_NOW = "tracker_write_now"
_NO_WRITE_LOCK = "tracker_no_write_lock"


def _is_write_request() -> bool:
    if not has_request_context() or request.method in ("GET", "HEAD", "OPTIONS"):
        return False
    view = current_app.view_functions.get(request.endpoint or "")
    return not getattr(view, _NO_WRITE_LOCK, False)


def create_private_sqlite_file(url: URL) -> None:
    """Create a SQLite database file that does not exist yet, readable by its owner only.

    It holds password hashes and internal records; SQLite would create it (and its -wal and
    -shm files, which take the database file's permissions) readable by everyone.
    """
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    if path.exists() or not path.parent.is_dir():
        return  # a missing folder is SQLite's error to report, on first use
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except FileExistsError:
        return  # another process made it at the same moment
    os.close(fd)


def build_engine(url: str | URL, busy_timeout_ms: int = 10000, **kwargs: Any) -> Engine:
    """Create an engine with the settings the tracker relies on for each database."""
    url = make_url(url)
    if url.get_backend_name() == "sqlite":
        create_private_sqlite_file(url)
        kwargs.setdefault("connect_args", {}).setdefault("timeout", busy_timeout_ms / 1000)
        engine = create_engine(url, **kwargs)
        _configure_sqlite(engine, busy_timeout_ms)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def init_app(app: Flask) -> None:
    """Bind the engine and the per-request session to the app."""
    engine = build_engine(
        app.config["DATABASE_URL"], busy_timeout_ms=int(app.config["SQLITE_BUSY_TIMEOUT_MS"])
    )
    app.extensions["tracker.engine"] = engine
    app.extensions["tracker.sessionmaker"] = sessionmaker(bind=engine, expire_on_commit=False)

    @app.after_request
    def commit_or_roll_back(response: Response) -> Response:
        session: Session | None = g.get("db_session")
        if session is not None:
            if response.status_code < 400:
                session.commit()
            else:
                session.rollback()
        return response

    @app.teardown_request
    def close_request_session(_exc: BaseException | None) -> None:
        # An app context can outlive a request (tests and scripts push one around several);
        # each request must still get its own session, as it does in production.
        session: Session | None = g.pop("db_session", None)
        if session is not None:
            session.close()

    @app.teardown_appcontext
    def close_session(_exc: BaseException | None) -> None:
        session: Session | None = g.pop("db_session", None)
        if session is not None:
            session.close()  # also rolls back whatever after_request did not commit


def engine_of(session: Session) -> Engine:
    """The engine a session works on (its own, or the one of the connection it is bound to)."""
    bind = session.get_bind()
    return bind if isinstance(bind, Engine) else bind.engine


def get_engine(app: Flask | None = None) -> Engine:
    engine: Engine = (app or current_app).extensions["tracker.engine"]
    return engine


def session_factory(app: Flask | None = None) -> sessionmaker[Session]:
    factory: sessionmaker[Session] = (app or current_app).extensions["tracker.sessionmaker"]
    return factory


def get_session() -> Session:
    """The session of the current request (or app context), opened on first use."""
    if "db_session" not in g:
        g.db_session = session_factory()()
    session: Session = g.db_session
    return session


@contextmanager
def session_scope(app: Flask | None = None) -> Iterator[Session]:
    """A session for work outside requests (CLI, scripts): commit on success, else roll back."""
    session = session_factory(app)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


# --------------------------------------------------------------------------------------------
# Writing without waiting: sign-ins and the status cache never queue behind a long save


F = TypeVar("F", bound=Callable[..., Any])


def without_write_lock(view: F) -> F:
    """Mark a POST view that only reads in its own transaction (it writes, if at all, with
    ``write_now``), so that it never waits for the database's write lock (signing in)."""
    setattr(view, _NO_WRITE_LOCK, True)
    return view


def may_write_here() -> bool:
    """Whether work here runs in a transaction meant to write: outside requests (the CLI,
    scripts, tests), or in a request that takes the write lock."""
    return not has_request_context() or _is_write_request()


def is_busy(error: OperationalError) -> bool:
    """A lock that was not granted in time: worth retrying, not a bug."""
    text = str(error.orig).lower()
    if "database is locked" in text or "database is busy" in text:
        return True
    # psycopg: lock_not_available, serialization_failure, deadlock_detected
    return getattr(error.orig, "sqlstate", None) in ("55P03", "40001", "40P01")


@contextmanager
def write_now(engine: Engine, lock: int | None = None) -> Iterator[Session | None]:
    """A session of its own whose transaction can write without waiting, committed at the end;
    or None at once when another writer holds the database (SQLite) or the rows (PostgreSQL).

    For work worth doing only when it costs nobody any waiting: refreshing a cache, noting when
    someone signed in. ``lock``: on PostgreSQL, an advisory lock only one such writer may hold
    (SQLite has one write lock for everything anyway).
    """
    with engine.connect() as connection:
        connection.execution_options(**{_WRITE_NOW: True})
        raw: Any = None
        if engine.url.get_backend_name() == "sqlite":
            raw = connection.connection.driver_connection
            waited = raw.execute("PRAGMA busy_timeout").fetchone()[0]
            raw.execute("PRAGMA busy_timeout=0")
        try:
            with Session(bind=connection, expire_on_commit=False) as session:
                if not _locked_at_once(session, sqlite=raw is not None, lock=lock):
                    yield None
                    return
                yield session
                session.commit()
        finally:
            if raw is not None:
                raw.execute(f"PRAGMA busy_timeout={int(waited)}")


def _locked_at_once(session: Session, *, sqlite: bool, lock: int | None) -> bool:
    try:
        if sqlite:
            session.connection()  # BEGIN IMMEDIATE, with no busy timeout: the lock, or busy
            return True
        # 1 ms: PostgreSQL reads 0 as "wait for ever".
        session.execute(text("SET LOCAL lock_timeout = '1ms'"))
        if lock is None or session.scalar(select(func.pg_try_advisory_xact_lock(lock))):
            return True
    except OperationalError as error:
        if not is_busy(error):
            raise
    session.rollback()
    return False
