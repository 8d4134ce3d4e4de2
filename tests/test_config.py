"""Settings come from defaults, then TRACKER_* variables, then the caller; SQLite is set up
for concurrent use."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from sqlalchemy import text

from tracker import create_app
from tracker.config import from_environment
from tracker.db import build_engine, get_engine


def test_environment_variables_are_read_with_their_prefix_removed() -> None:
    settings = from_environment(
        {"TRACKER_DATABASE_URL": "sqlite:///x.db", "TRACKER_SEED_ON_EMPTY": "false", "HOME": "/"}
    )
    assert settings == {"DATABASE_URL": "sqlite:///x.db", "SEED_ON_EMPTY": False}


def test_defaults_put_the_database_and_a_secret_key_in_the_instance_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("TRACKER_DATABASE_URL", "TRACKER_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    instance = tmp_path / "instance"
    app = create_app({"INSTANCE_PATH": str(instance)})
    assert app.config["DATABASE_URL"] == f"sqlite:///{instance / 'tracker.sqlite3'}"
    key_file = instance / "secret_key"
    assert app.config["SECRET_KEY"] == key_file.read_text().strip()
    assert len(app.config["SECRET_KEY"]) >= 40
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    again = create_app({"INSTANCE_PATH": str(instance)})
    assert again.config["SECRET_KEY"] == app.config["SECRET_KEY"]  # sessions survive restarts


def test_the_caller_overrides_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TRACKER_BASE_URL", "https://from-env.example")
    app = create_app({"INSTANCE_PATH": str(tmp_path), "BASE_URL": "https://from-caller.example"})
    assert app.config["BASE_URL"] == "https://from-caller.example"


def test_sqlite_runs_in_wal_mode_with_foreign_keys_and_a_busy_timeout(tmp_path: Path) -> None:
    engine = build_engine(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    with engine.connect() as connection:
        assert connection.scalar(text("PRAGMA journal_mode")) == "wal"
        assert connection.scalar(text("PRAGMA foreign_keys")) == 1
        assert connection.scalar(text("PRAGMA busy_timeout")) >= 5000
    engine.dispose()


def test_postgresql_uses_psycopg_3(tmp_path: Path) -> None:
    app = create_app(
        {"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": "postgresql+psycopg://u@127.0.0.1/db"}
    )
    with app.app_context():
        assert get_engine().dialect.driver == "psycopg"
