"""The `tracker` command, run as a user runs it: in a subprocess, against its own database."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

from tests.conftest import serving, tracker

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
