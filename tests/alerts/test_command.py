"""`tracker alerts send`, run as an operator runs it (a subprocess, its own database)."""

from __future__ import annotations

from tests.conftest import tracker


def test_without_smtp_the_command_says_so_in_one_line_and_fails(cli_env: dict[str, str]) -> None:
    env = {**cli_env, "TRACKER_BASE_URL": "https://tracker.example.org"}
    env.pop("TRACKER_SMTP_URL", None)
    result = tracker(env, "alerts", "send")
    assert result.returncode != 0
    errors = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(errors) == 1
    assert "email is not set up: set TRACKER_SMTP_URL" in errors[0]
    assert "Traceback" not in result.stderr


def test_dry_run_without_smtp_prints_and_succeeds(cli_env: dict[str, str]) -> None:
    env = {**cli_env, "TRACKER_BASE_URL": "https://tracker.example.org"}
    env.pop("TRACKER_SMTP_URL", None)
    result = tracker(env, "alerts", "send", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "would send 0 email(s)" in result.stdout


def test_without_a_base_url_the_command_refuses(cli_env: dict[str, str]) -> None:
    env = {**cli_env, "TRACKER_SMTP_URL": "smtp+plain://127.0.0.1:1"}
    env.pop("TRACKER_BASE_URL", None)
    result = tracker(env, "alerts", "send")
    assert result.returncode != 0
    assert "TRACKER_BASE_URL" in result.stderr
