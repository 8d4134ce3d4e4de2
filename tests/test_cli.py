"""The `tracker` command, run as a user runs it: in a subprocess, against its own database."""

from __future__ import annotations

import json
import os
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import drop_database_url, new_database_url, serving, tracker

DATA = Path(__file__).parent / "data"


def test_seed_then_export_then_import_round_trips(cli_env: dict[str, str], tmp_path: Path) -> None:
    seeded = tracker(cli_env, "seed")
    assert seeded.returncode == 0, seeded.stderr
    assert "measures: 8 created" in seeded.stdout
    exported = tracker(cli_env, "export", str(tmp_path / "out.json"))
    assert exported.returncode == 0, exported.stderr
    assert exported.stderr == ""  # quiet when not on a terminal
    document = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert len(document["measures"]) == 8
    again = tracker(cli_env, "import", str(tmp_path / "out.json"))
    assert again.returncode == 0, again.stderr
    assert "Nothing changed." in again.stdout


def test_import_of_an_invalid_file_lists_problems_and_writes_nothing(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    assert tracker(cli_env, "db", "upgrade").returncode == 0
    document = json.loads((DATA / "georgia.json").read_text(encoding="utf-8"))
    document["measures"][0]["events"][1]["date"] = "2024-04-31"
    document["measures"][0]["relations"] = []  # no Russian law in this empty database
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(document), encoding="utf-8")
    result = tracker(cli_env, "import", str(bad))
    assert result.returncode == 1
    assert 'measures[0].events[1].date: "2024-04-31" is not a date' in result.stderr
    assert "nothing was imported" in result.stderr
    exported = tracker(cli_env, "export")
    assert json.loads(exported.stdout)["measures"] == []


def test_import_reads_standard_input(cli_env: dict[str, str]) -> None:
    document = json.loads((DATA / "georgia.json").read_text(encoding="utf-8"))
    document["measures"][0]["relations"] = []
    assert tracker(cli_env, "db", "upgrade").returncode == 0
    result = tracker(cli_env, "import", "-", stdin=json.dumps(document))
    assert result.returncode == 0, result.stderr
    assert "measures: 1 created" in result.stdout


def test_db_check_passes_after_upgrade(cli_env: dict[str, str]) -> None:
    assert tracker(cli_env, "db", "upgrade").returncode == 0
    result = tracker(cli_env, "db", "check")
    assert result.returncode == 0, result.stderr
    assert "matches the models" in result.stdout


def test_serve_migrates_seeds_and_serves_with_a_production_server(cli_env: dict[str, str]) -> None:
    with serving(cli_env) as served:
        with urllib.request.urlopen(f"{served.base}/measures/") as response:
            body = response.read().decode()
            headers = response.headers
        assert "Foreign Representatives" in body or "foreign representatives" in body.lower()
        assert "gunicorn" not in headers.get("Server", "").lower()
        assert "werkzeug" not in headers.get("Server", "").lower()
        assert headers["X-Content-Type-Options"] == "nosniff"
    output = served.output
    assert "Loaded the seed data: 8 measures" in output
    assert "Development server" not in output


def _fresh_env(tmp_path: Path, name: str) -> dict[str, str]:
    """A database nothing has created yet (SQLite: a path with no file; PostgreSQL: an empty
    database)."""
    return {
        **os.environ,
        "TRACKER_DATABASE_URL": new_database_url(tmp_path, name),
        "TRACKER_INSTANCE_PATH": str(tmp_path / "instance"),
        "TRACKER_TODAY": "2026-11-28",
    }


COMMANDS_ON_A_FRESH_DATABASE = [
    (("import", str(DATA / "georgia.json")), 1, 'no measure with slug "ru-foreign-agents'),
    (("import", "--dry-run", str(DATA / "georgia.json")), 1, "1 problem(s)"),
    (("export",), 0, '"format": "tracker-dataset"'),
    (("users", "list"), 0, ""),
    (("users", "set-role", "nobody@example.org", "viewer"), 1, "no account with the email"),
    (("users", "deactivate", "nobody@example.org"), 1, "no account with the email"),
    (("db", "check"), 1, "run `tracker db upgrade`"),
    (("backup", "BACKUP"), 0, "Backed up the database"),
]


@pytest.mark.parametrize(("args", "code", "says"), COMMANDS_ON_A_FRESH_DATABASE)
def test_every_command_on_a_database_nothing_has_created_yet(
    tmp_path: Path, args: tuple[str, ...], code: int, says: str
) -> None:
    """No command answers a fresh path with a traceback ("no such table"): each creates the
    schema first, as serve does, or says what to run."""
    env = _fresh_env(tmp_path, "fresh")
    args = tuple(str(tmp_path / "out.backup") if arg == "BACKUP" else arg for arg in args)
    try:
        result = tracker(env, *args)
    finally:
        drop_database_url(env["TRACKER_DATABASE_URL"])
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == code, result.stderr
    assert says in result.stdout + result.stderr


def test_a_database_behind_the_code_is_not_used_until_upgraded(cli_env: dict[str, str]) -> None:
    assert tracker(cli_env, "db", "upgrade", "0006").returncode == 0
    result = tracker(cli_env, "users", "list")
    assert result.returncode == 1
    assert "run `tracker db upgrade` first" in result.stderr
    assert "Traceback" not in result.stderr


def test_downgrade_takes_a_relative_revision_as_its_help_says(cli_env: dict[str, str]) -> None:
    assert tracker(cli_env, "db", "upgrade").returncode == 0
    result = tracker(cli_env, "db", "downgrade", "-1")
    assert result.returncode == 0, result.stderr
    assert "Database at " in result.stdout
    assert "-1" in tracker(cli_env, "db", "downgrade", "--help").stdout


def test_validate_checks_the_format_alone_and_names_what_must_exist_elsewhere() -> None:
    result = tracker(dict(os.environ), "validate", str(DATA / "georgia.json"))
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["valid"] is True
    assert answer["refers_to_records_not_in_the_file"] == ["measure ru-foreign-agents-law-2012"]


def test_help_shows_the_trackers_commands_and_version_not_flasks(cli_env: dict[str, str]) -> None:
    shown = tracker(cli_env, "--help").stdout
    for command in ("serve", "db", "import", "export", "seed", "validate", "users", "backup"):
        assert f"  {command} " in shown
    for flasks in ("--env-file", "--debug", "--app", "limiter"):
        assert flasks not in shown
    version = tracker(cli_env, "--version")
    assert version.returncode == 0
    assert version.stdout.startswith("tracker ")
    assert "Flask" not in version.stdout


def test_import_warns_of_a_withdrawal_after_enactment_and_imports_it(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    document = json.loads((DATA / "georgia.json").read_text(encoding="utf-8"))
    document["measures"][0]["relations"] = []
    document["measures"][0]["events"].append(
        {"type": "withdrawn", "date": "2026-01", "sources": [{"url": "https://example.org/w"}]}
    )
    path = tmp_path / "withdrawn.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    checked = tracker(cli_env, "import", "--dry-run", str(path))
    assert checked.returncode == 0, checked.stderr
    assert "did you mean repealed?" in checked.stderr
    imported = tracker(cli_env, "import", str(path))
    assert imported.returncode == 0, imported.stderr
    assert "measures: 1 created" in imported.stdout
    assert "warning: measures[0].events[7]: After enactment" in imported.stderr


def test_import_and_its_dry_run_warn_of_records_that_look_like_existing_ones(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    assert tracker(cli_env, "seed").returncode == 0
    document = {
        "format": "tracker-dataset",
        "version": 1,
        "organizations": [{"slug": "amnesty", "name": "Amnesty International"}],
        "people": [],
        "measures": [],
        "statements": [],
    }
    path = tmp_path / "amnesty.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    warning = (
        'organizations[0]: "Amnesty International" (amnesty) looks like the existing '
        'organization "Amnesty International" (amnesty-international): same name'
    )
    checked = tracker(cli_env, "import", "--dry-run", str(path))
    assert checked.returncode == 0, checked.stderr
    assert "The dataset is valid." in checked.stdout
    assert warning in checked.stdout
    imported = tracker(cli_env, "import", str(path))
    assert imported.returncode == 0, imported.stderr
    assert "organizations: 1 created" in imported.stdout
    assert "Warning: 1 new record looks like others" in imported.stdout
    assert warning in imported.stdout
