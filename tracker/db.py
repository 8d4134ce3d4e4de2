"""The database: engine, the typed declarative base, and one session per request.

Views and services only ``flush()``. The request commits once, in ``after_request``, when the
response is a success or a redirect, and rolls back otherwise; the session is always closed at
teardown. Nothing here runs at import time.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, g, has_request_context, request
from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.engine import URL, make_url
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
            raise ValueError("naive datetime; use datetime.now(UTC)")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        return value.replace(tzinfo=dt.UTC) if value is not None else None


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


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
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _is_write_request() else "BEGIN")


def _is_write_request() -> bool:
    return has_request_context() and request.method not in ("GET", "HEAD", "OPTIONS")


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
