"""The `tracker users` commands: the first admin comes from the command line."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from flask.cli import ScriptInfo

from tests.conftest import drop_database_url, new_database_url
from tracker import create_app
from tracker.cli import main
from tracker.db import get_engine

PASSWORD = "velvet kettle orbit plum"


@pytest.fixture
def run(tmp_path: Path) -> Iterator[Callable[..., Result]]:
    """Run `tracker ...` against a fresh database of the kind under test."""
    url = new_database_url(tmp_path, "cli")
    app = create_app(
        {"DATABASE_URL": url, "INSTANCE_PATH": str(tmp_path / "instance"), "SECRET_KEY": "cli"}
    )

    def invoke(*args: str, input: str | None = None) -> Result:
        info = ScriptInfo(create_app=lambda: app)
        return CliRunner().invoke(main, list(args), obj=info, input=input)

    yield invoke
    get_engine(app).dispose()
    drop_database_url(url)


def test_the_first_admin_is_created_with_the_password_asked_twice(
    run: Callable[..., Result],
) -> None:
    invoke = run
    result = invoke(
        "users", "create", "Admin@Example.org", "--role", "admin", input=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert result.exit_code == 0, result.output
    assert "Created the account admin@example.org (admin)" in result.output
    listed = invoke("users", "list")
    assert "admin@example.org\tadmin\tactive\tnever" in listed.output


def test_a_weak_password_or_a_second_account_with_the_email_is_refused(
    run: Callable[..., Result],
) -> None:
    invoke = run
    weak = invoke("users", "create", "ed@example.org", "--password-stdin", input="password\n")
    assert weak.exit_code == 1
    assert "at least 12 characters" in weak.output
    ok = invoke("users", "create", "ed@example.org", "--password-stdin", input=PASSWORD + "\n")
    assert ok.exit_code == 0
    again = invoke("users", "create", "ED@example.org", "--password-stdin", input=PASSWORD + "\n")
    assert again.exit_code == 1
    assert "already an account" in again.output


def test_roles_change_and_accounts_are_deactivated(run: Callable[..., Result]) -> None:
    invoke = run
    for email, role in (("admin@example.org", "admin"), ("ed@example.org", "editor")):
        invoke("users", "create", email, "--role", role, "--password-stdin", input=PASSWORD + "\n")
    assert invoke("users", "set-role", "ed@example.org", "viewer").exit_code == 0
    last = invoke("users", "set-role", "admin@example.org", "editor")
    assert last.exit_code == 1
    assert "last active admin" in last.output
    assert invoke("users", "deactivate", "ed@example.org").exit_code == 0
    listed = invoke("users", "list").output
    assert "ed@example.org\tviewer\tinactive" in listed
    missing = invoke("users", "deactivate", "nobody@example.org")
    assert missing.exit_code == 1
    assert "no account" in missing.output
