"""The `tracker` command: serve, db, import, export, seed, users. Each command is a thin wrapper
over a service; `tracker --help` lists them."""

from __future__ import annotations

import io
import json
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tqdm import tqdm

from tracker import create_app, migrate, paths
from tracker import interchange as dataset
from tracker.db import get_engine, session_scope
from tracker.files import FileRefused, private_file
from tracker.models import ROLES, Measure
from tracker.services import backup, history, users
from tracker.services.saving import ValidationFailed
from tracker.viewpoint import Viewpoint


def _create_app() -> Flask:
    return create_app()


class _TrackerGroup(FlaskGroup):
    """Flask's command group without Flask's own options: the app is always the tracker
    (no --app), settings come from TRACKER_* variables (no --env-file, no .env files) and debug
    from TRACKER_DEBUG alone, never from --debug or a FLASK_DEBUG left in someone's shell (a
    debugger on a server is a remote shell for whoever finds it)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            create_app=_create_app,
            add_default_commands=False,
            add_version_option=False,
            load_dotenv=False,
            set_debug_flag=False,
            **kwargs,
        )
        self.params = [p for p in self.params if p.name not in {"app", "env_file", "debug"}]

    def _load_plugin_commands(self) -> None:
        # Other packages' commands (Flask-Limiter's "limiter") are not the tracker's.
        self._loaded_plugin_commands = True


@click.group(cls=_TrackerGroup)
@click.version_option(package_name="tracker", prog_name="tracker", message="%(prog)s %(version)s")
def main() -> None:
    """tracker: a human-rights legislation tracker."""


def _ready_database() -> None:
    """Before a command reads or writes the data: create the schema in an empty database (as
    `serve` does); refuse, saying what to run, when an existing one is behind the code."""
    engine = get_engine()
    if migrate.is_empty(engine):
        migrate.upgrade(engine)
        return
    at, latest = migrate.current(engine), migrate.heads(engine)
    if at not in latest:
        raise click.ClickException(
            f"the database is at revision {at or 'base'} and this tracker needs "
            f"{', '.join(latest)}: run `tracker db upgrade` first (back it up before)."
        )


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


@contextmanager
def _dataset_file(path: str) -> Iterator[IO[bytes]]:
    """The file to import, opened for reading as a stream (read once per section, so
    standard input is first copied to a temporary file: disk, not memory)."""
    try:
        if path != "-":
            with Path(path).open("rb") as handle:
                yield handle
            return
        with tempfile.TemporaryFile() as spooled:
            shutil.copyfileobj(sys.stdin.buffer, spooled, 1024 * 1024)
            spooled.seek(0)
            yield spooled
    except OSError as exc:
        raise click.ClickException(f"cannot read {path}: {exc.strerror}") from None


def _import(document: Any, label: str) -> dataset.ImportReport:
    return _import_with(
        lambda session, progress: dataset.import_dataset(session, document, progress), label
    )


def _import_with(
    run: Callable[[Session, dataset.Progress], dataset.ImportReport], label: str
) -> dataset.ImportReport:
    progress = _Progress()
    try:
        with session_scope() as session:
            history.set_actor(session, history.Actor("import"))
            report = run(session, progress)
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


# ignore_unknown_options: "-1" (one step down) is a revision, not an option.
@db_group.command("downgrade", context_settings={"ignore_unknown_options": True})
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
        raise click.ClickException(
            f"database at {current or 'base (empty)'}, latest is {', '.join(heads)}: "
            "run `tracker db upgrade`"
        )
    diff = migrate.differences(engine)
    if diff:
        raise click.ClickException("schema differs from the models:\n" + "\n".join(map(str, diff)))
    click.echo(f"Database at {current}, the latest revision, and matches the models.")


def _warn(warnings: list[dataset.Problem]) -> None:
    """Imported (or valid) but probably a mistake: said on stderr, never a failure."""
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)


@main.command("import")
@click.argument("file", type=click.Path(allow_dash=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Only validate; write nothing.")
@with_appcontext
def import_command(file: str, dry_run: bool) -> None:
    """Import a dataset (interchange JSON): all of it, or nothing if anything is wrong."""
    with _dataset_file(file) as handle:
        _ready_database()
        if dry_run:
            with session_scope() as session:
                check = dataset.validate_file(session, handle, with_look_alikes=True)
                session.rollback()
            if check.problems:
                lines = "\n".join(f"  {problem}" for problem in check.problems)
                raise click.ClickException(f"{len(check.problems)} problem(s):\n{lines}")
            _warn(check.warnings)
            click.echo("The dataset is valid.")
            for line in dataset.look_alike_lines(check.look_alikes):
                click.echo(line)
            return
        report = _import_with(
            lambda session, progress: dataset.import_file(session, handle, progress), file
        )
    for line in report.lines():
        click.echo(line)
    _warn(report.warnings)
    if not report.changed:
        click.echo("Nothing changed.")
    for line in dataset.look_alike_lines(report.look_alikes):
        click.echo(line)


@main.command("export")
@click.argument("file", required=False, type=click.Path(allow_dash=True, dir_okay=False))
@click.option(
    "--public-only", is_flag=True, help="Leave out internal records (as anonymous visitors see)."
)
@with_appcontext
def export_command(file: str | None, public_only: bool) -> None:
    """Export everything as interchange JSON to FILE (default: standard output)."""
    _ready_database()
    progress = _Progress()
    # One reader for the whole command: whoever runs it reads everything, as a signed-in user
    # does, unless asked to export what anonymous visitors see.
    view = Viewpoint.anonymous() if public_only else Viewpoint.viewer()
    with session_scope() as session:
        if file in (None, "-"):
            dataset.write_export(session, sys.stdout, view, progress)
        else:
            assert file is not None
            # The export may hold internal records: private, and never seen half-written.
            try:
                with private_file(Path(file), replace=True) as partial:
                    text = io.TextIOWrapper(partial.handle, encoding="utf-8", write_through=True)
                    dataset.write_export(session, text, view, progress)
                    text.detach()  # the handle stays open for private_file to finish
            except FileRefused as exc:
                raise click.ClickException(f"{exc}; nothing was exported.") from None
    progress.close()


@main.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
@with_appcontext
def backup_command(file: Path, force: bool) -> None:
    """Copy the whole database to FILE, safely while the tracker runs (keep it private)."""
    _ready_database()
    try:
        backup.backup(get_engine(), file, replace=force)
    except (backup.BackupFailed, FileRefused) as exc:
        raise click.ClickException(f"{exc}; nothing was backed up.") from None
    click.echo(f"Backed up the database to {file} (readable by you only).")


@main.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that already holds data.")
@with_appcontext
def restore_command(file: Path, force: bool) -> None:
    """Replace the database with the backup in FILE, then bring its schema up to date."""
    try:
        report = backup.restore(get_engine(), file, force=force)
    except backup.BackupFailed as exc:
        raise click.ClickException(f"{exc}; nothing was restored.") from None
    click.echo(f"Restored {file} (schema {report.revision}).")
    if report.upgraded_to:
        click.echo(f"Upgraded its schema to {report.upgraded_to}.")


@main.command("seed")
@with_appcontext
def seed_command() -> None:
    """Load (or refresh) the shipped seed data: Kyrgyzstan's measures and their sources."""
    _ready_database()
    report = _import(_read_dataset(str(paths.seed_file())), "seed data")
    for line in report.lines():
        click.echo(line)


@main.command("validate")
@click.argument("file", type=click.Path(allow_dash=True, dir_okay=False))
def validate_command(file: str) -> None:
    """Check a dataset against the format alone, without a database."""
    document = _read_dataset(file)
    problems = dataset.validate_dataset(document, outside_known=True)
    if problems:
        lines = "\n".join(f"  {problem}" for problem in problems)
        raise click.ClickException(f"{len(problems)} problem(s):\n{lines}")
    _warn(dataset.dataset_warnings(document))
    # What it refers to but does not hold must be in the tracker it is imported into.
    outside = dataset.outside_references(document)
    click.echo(json.dumps({"valid": True, "refers_to_records_not_in_the_file": outside}))


# --------------------------------------------------------------------------------------------
# Users


@main.group("users")
def users_group() -> None:
    """Manage accounts: create the first admin, list users, change roles."""


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password: str = click.prompt("Password", hide_input=True, confirmation_prompt="Password again")
    return password


def _problems(exc: ValidationFailed) -> click.ClickException:
    return click.ClickException(
        "\n".join(f"{key}: {message}" for key, message in exc.errors.items())
    )


@users_group.command("create")
@click.argument("email")
@click.option(
    "--role",
    type=click.Choice(ROLES),
    default="editor",
    show_default=True,
    help="What they may do.",
)
@click.option("--name", default="", help="The person's name (default: from the email).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def users_create(email: str, role: str, name: str, password_stdin: bool) -> None:
    """Create an account; asks for the password twice (or reads it with --password-stdin)."""
    _ready_database()
    password = _read_password(password_stdin)
    try:
        with session_scope() as session:
            user = users.create_user(session, email, name, role, password)
            label = f"{user.email} ({user.role})"
    except ValidationFailed as exc:
        raise _problems(exc) from None
    click.echo(f"Created the account {label}.")


@users_group.command("list")
@with_appcontext
def users_list() -> None:
    """List the accounts: email, role, active, last sign-in."""
    _ready_database()
    with session_scope() as session:
        for user in users.list_users(session):
            seen = user.last_login_at.strftime("%Y-%m-%d") if user.last_login_at else "never"
            state = "active" if user.active else "inactive"
            click.echo(f"{user.email}\t{user.role}\t{state}\t{seen}\t{user.name}")


def _user_or_fail(session: Any, email: str) -> Any:
    user = users.get_by_email(session, email)
    if user is None:
        raise click.ClickException(f"no account with the email {email}")
    return user


@users_group.command("set-role")
@click.argument("email")
@click.argument("role", type=click.Choice(ROLES))
@with_appcontext
def users_set_role(email: str, role: str) -> None:
    """Change an account's role (signs the user out everywhere)."""
    _ready_database()
    try:
        with session_scope() as session:
            user = _user_or_fail(session, email)
            users.update_user(
                session, user, name=user.name, email=user.email, role=role, active=user.active
            )
    except ValidationFailed as exc:
        raise _problems(exc) from None
    click.echo(f"{email} is now {role}.")


@users_group.command("deactivate")
@click.argument("email")
@with_appcontext
def users_deactivate(email: str) -> None:
    """Stop an account from signing in (its history stays)."""
    _ready_database()
    try:
        with session_scope() as session:
            user = _user_or_fail(session, email)
            users.update_user(
                session, user, name=user.name, email=user.email, role=user.role, active=False
            )
    except ValidationFailed as exc:
        raise _problems(exc) from None
    click.echo(f"{email} is deactivated.")


@users_group.command("reset-password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def users_reset_password(email: str, password_stdin: bool) -> None:
    """Set a new password for an account (signs the user out everywhere)."""
    _ready_database()
    password = _read_password(password_stdin)
    try:
        with session_scope() as session:
            users.reset_password(session, _user_or_fail(session, email), password)
    except ValidationFailed as exc:
        raise _problems(exc) from None
    click.echo(f"Set a new password for {email}.")


@main.group("alerts")
def alerts_group() -> None:
    """Alerts: email digests and webhooks of what followers follow (docs/alerts.md)."""


@alerts_group.command("send")
@click.option("--dry-run", is_flag=True, help="Print what would be sent; change nothing.")
@with_appcontext
def alerts_send(dry_run: bool) -> None:
    """Run one round of alerts: compose, write to the outbox, send (for cron or a timer)."""
    from tracker import clock
    from tracker.alerts import mail, rounds
    from tracker.http.links import WebLinks

    _ready_database()
    config = current_app.config
    if not config.get("BASE_URL"):
        raise click.ClickException(
            "TRACKER_BASE_URL is not set: emailed links need the tracker's public address"
        )
    # Links are built as for a request to the public address (url_for needs one).
    with (
        current_app.test_request_context("/", base_url=str(config["BASE_URL"])),
        session_scope() as session,
    ):
        report = rounds.send_round(session, config, WebLinks(), clock.now(), dry_run=dry_run)
    if dry_run:
        for message in report.composed:
            click.echo(f"--- {message.channel} to {message.to}: {message.subject}")
            click.echo(message.text or json.dumps(message.body, indent=2, ensure_ascii=False))
        click.echo(report.summary())
        if not mail.configured(config):
            click.echo(
                "note: email is not set up (TRACKER_SMTP_URL); a real round would keep "
                "the emails in the outbox",
                err=True,
            )
        return
    click.echo(report.summary())
    for error in report.errors:
        click.echo(f"error: {error}", err=True)
    if report.mail_error:
        raise click.ClickException(
            f"{report.mail_error}; {report.waiting} email(s) wait in the outbox"
        )
