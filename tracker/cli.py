"""The `tracker` command: serve, db, import, export, seed. Each command is a thin wrapper over
a service; `tracker --help` lists them."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy import func, select
from tqdm import tqdm

from tracker import create_app, migrate, paths
from tracker.db import get_engine, session_scope
from tracker.models import Measure
from tracker.services import dataset


def _create_app() -> Flask:
    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=False)
def main() -> None:
    """tracker: a human-rights legislation tracker."""


class _Progress:
    """tqdm bars on a terminal; silence when output is piped or redirected."""

    def __init__(self) -> None:
        self.bars: dict[str, tqdm[Any]] = {}

    def __call__(self, what: str, count: int) -> None:
        bar = self.bars.get(what)
        if bar is None:
            bar = tqdm(desc=what, unit=" records", disable=None, file=sys.stderr, leave=False)
            self.bars[what] = bar
        bar.update(count - bar.n)

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()


def _read_dataset(path: str) -> Any:
    try:
        text = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except OSError as exc:
        raise click.ClickException(f"cannot read {path}: {exc.strerror}") from None
    return dataset.load_json(text)


def _import(document: Any, label: str) -> dataset.ImportReport:
    progress = _Progress()
    try:
        with session_scope() as session:
            report = dataset.import_dataset(session, document, progress)
    except dataset.InvalidDataset as exc:
        progress.close()
        lines = "\n".join(f"  {problem}" for problem in exc.problems)
        raise click.ClickException(f"{label}: {exc}; nothing was imported.\n{lines}") from None
    progress.close()
    return report


def _is_empty() -> bool:
    with session_scope() as session:
        return not session.scalar(select(func.count()).select_from(Measure))


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port to listen on.")
@click.option("--workers", default=2, show_default=True, type=int, help="Worker processes.")
@click.option("--threads", default=4, show_default=True, type=int, help="Threads per worker.")
@with_appcontext
def serve_command(host: str, port: int, workers: int, threads: int) -> None:
    """Migrate the database, load the seed data into an empty one, and serve."""
    from tracker.server import serve

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    migrate.upgrade(get_engine())
    if app.config["SEED_ON_EMPTY"] and _is_empty():
        report = _import(_read_dataset(str(paths.seed_file())), "seed data")
        click.echo(f"Loaded the seed data: {report.created['measures']} measures.", err=True)
    click.echo(f"Serving the tracker on http://{host}:{port}/ (Ctrl+C to stop)", err=True)
    serve(app, host, port, workers, threads)


@main.group("db")
def db_group() -> None:
    """Manage the database schema (Alembic migrations)."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Upgrade the schema to REVISION (default: the latest)."""
    migrate.upgrade(get_engine(), revision)
    click.echo(f"Database at {migrate.current(get_engine())}.")


@db_group.command("downgrade")
@click.argument("revision")
@with_appcontext
def db_downgrade(revision: str) -> None:
    """Downgrade the schema to REVISION (e.g. -1, or base to remove everything)."""
    migrate.downgrade(get_engine(), revision)
    click.echo(f"Database at {migrate.current(get_engine()) or 'base (empty)'}.")


@db_group.command("check")
@with_appcontext
def db_check() -> None:
    """Fail unless the database is at the latest revision and matches the models."""
    engine = get_engine()
    current, heads = migrate.current(engine), migrate.heads(engine)
    if current not in heads:
        raise click.ClickException(f"database at {current}, latest is {', '.join(heads)}")
    diff = migrate.differences(engine)
    if diff:
        raise click.ClickException("schema differs from the models:\n" + "\n".join(map(str, diff)))
    click.echo(f"Database at {current}, the latest revision, and matches the models.")


@main.command("import")
@click.argument("file", type=click.Path(allow_dash=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Only validate; write nothing.")
@with_appcontext
def import_command(file: str, dry_run: bool) -> None:
    """Import a dataset (interchange JSON): all of it, or nothing if anything is wrong."""
    document = _read_dataset(file)
    if dry_run:
        with session_scope() as session:
            problems = dataset.validate_dataset(document, session)
            session.rollback()
        if problems:
            lines = "\n".join(f"  {problem}" for problem in problems)
            raise click.ClickException(f"{len(problems)} problem(s):\n{lines}")
        click.echo("The dataset is valid.")
        return
    report = _import(document, file)
    for line in report.lines():
        click.echo(line)
    if not report.changed:
        click.echo("Nothing changed.")


@main.command("export")
@click.argument("file", required=False, type=click.Path(allow_dash=True, dir_okay=False))
@click.option(
    "--public-only", is_flag=True, help="Leave out internal records (as anonymous visitors see)."
)
@with_appcontext
def export_command(file: str | None, public_only: bool) -> None:
    """Export everything as interchange JSON to FILE (default: standard output)."""
    progress = _Progress()
    with session_scope() as session:
        if file in (None, "-"):
            dataset.write_export(session, sys.stdout, not public_only, progress)
        else:
            assert file is not None
            target = Path(file)
            partial = target.with_name(target.name + ".partial")
            with partial.open("w", encoding="utf-8") as handle:
                dataset.write_export(session, handle, not public_only, progress)
            partial.replace(target)  # never leave a half-written export under the real name
    progress.close()


@main.command("seed")
@with_appcontext
def seed_command() -> None:
    """Load (or refresh) the shipped seed data: Kyrgyzstan's measures and their sources."""
    migrate.upgrade(get_engine())
    report = _import(_read_dataset(str(paths.seed_file())), "seed data")
    for line in report.lines():
        click.echo(line)


@main.command("validate")
@click.argument("file", type=click.Path(allow_dash=True, dir_okay=False))
def validate_command(file: str) -> None:
    """Check a dataset against the format alone, without a database."""
    problems = dataset.validate_dataset(_read_dataset(file))
    if problems:
        lines = "\n".join(f"  {problem}" for problem in problems)
        raise click.ClickException(f"{len(problems)} problem(s):\n{lines}")
    click.echo(json.dumps({"valid": True}))
