"""Fixtures of the browser tests: a real tracker server, another site, Chromium, journeys.

One server for the whole run: ``python -m tracker serve`` in a subprocess on 127.0.0.1, on a
database of its own (a SQLite file; a fresh PostgreSQL database when
``TRACKER_TEST_DATABASE_URL`` is set), seeded by ``serve`` itself, with an admin and an editor
created through the CLI beforehand, Georgia's law imported through the CLI once it runs, and
"today" pinned to 2026-11-28. A second, plain HTTP
server on another port plays an NGO's website that embeds the tracker in an iframe. One
Chromium for the run; every test gets fresh browser contexts (no shared cookies).
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.browser import CHROMIUM_VERSION, Account, missing
from tests.conftest import TODAY, drop_database_url, new_database_url
from tests.mailbox import Mailbox, smtp_server

if TYPE_CHECKING:
    from playwright.sync_api import Browser

    from tests.browser.support import Journey, Screenshots

ROOT = Path(__file__).resolve().parents[2]
GEORGIA = ROOT / "tests" / "data" / "georgia.json"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
_SCREENSHOTS = pytest.StashKey["Screenshots"]()


@dataclass(frozen=True)
class LiveTracker:
    url: str
    accounts: dict[str, Account]
    env: dict[str, str]

    def cli(self, *args: str, stdin: str = "") -> str:
        """Run a ``tracker`` command against the server's database."""
        done = subprocess.run(
            [sys.executable, "-m", "tracker", *args],
            input=stdin,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, f"tracker {' '.join(args)}: {done.stderr}"
        return done.stdout


ACCOUNTS = {
    "admin": Account("ada@example.org", "Ada Admin", "admin", "plum lantern orbit canyon"),
    "editor": Account("rosa@example.org", "Rosa Researcher", "editor", "violet harbor chalk"),
}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_until_serving(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"tracker serve exited ({process.returncode}):\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url + "/", timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.25)
    pytest.fail(f"tracker serve did not answer within 120 s:\n{log.read_text()}")


@pytest.fixture(scope="session")
def live_mailbox() -> Iterator[Mailbox]:
    """The live tracker's mail server: a real SMTP server on 127.0.0.1 (tests/mailbox.py)."""
    with smtp_server() as mailbox:
        yield mailbox


@pytest.fixture(scope="session")
def live_tracker(
    tmp_path_factory: pytest.TempPathFactory, live_mailbox: Mailbox
) -> Iterator[LiveTracker]:
    """The tracker as people run it: ``tracker serve`` on 127.0.0.1 with the seed data, sending
    email through ``live_mailbox``."""
    folder = tmp_path_factory.mktemp("live-tracker")
    database_url = new_database_url(folder, "browser")
    # Only our settings: a developer's own TRACKER_* variables must not leak into the server.
    env = {key: value for key, value in os.environ.items() if not key.startswith("TRACKER_")}
    port = _free_port()
    env.update(
        TRACKER_DATABASE_URL=database_url,
        # Permalinks in emails (and `tracker alerts send`, which has no request to ask).
        TRACKER_BASE_URL=f"http://127.0.0.1:{port}",
        TRACKER_TODAY=TODAY.isoformat(),
        TRACKER_INSTANCE_PATH=str(folder / "instance"),
        TRACKER_SECRET_KEY=secrets.token_urlsafe(32),
        TRACKER_SEED_ON_EMPTY="true",
        TRACKER_SMTP_URL=live_mailbox.url,
        PYTHONUNBUFFERED="1",
    )
    tracker = LiveTracker(f"http://127.0.0.1:{port}", ACCOUNTS, env)
    for account in ACCOUNTS.values():
        tracker.cli(
            "users", "create", account.email, "--role", account.role, "--name", account.name,
            "--password-stdin", stdin=account.password + "\n",
        )  # fmt: skip
    log = folder / "server.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "tracker", "serve", "--port", str(port), "--workers", "1"],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_serving(tracker.url, process, log)
        # A second country, imported while the server runs, as a researcher's colleague would.
        tracker.cli("import", str(GEORGIA))
        yield tracker
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        drop_database_url(database_url)


class OtherSite:
    """An NGO's website on another port: pages that the tests publish, served as they are."""

    def __init__(self) -> None:
        pages: dict[str, str] = {}
        self.pages = pages

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = pages.get(self.path)
                data = (body or "<!doctype html><title>Not found</title>").encode()
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def publish(self, path: str, html: str) -> str:
        self.pages[path] = html
        return self.url + path

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.fixture(scope="session")
def other_site() -> Iterator[OtherSite]:
    site = OtherSite()
    yield site
    site.close()


def _screenshot_folder() -> Path:
    return Path(os.environ.get("TRACKER_SCREENSHOTS") or ROOT / "test-screenshots").resolve()


@pytest.fixture(scope="session")
def screenshots(pytestconfig: pytest.Config) -> Screenshots:
    from tests.browser.support import Screenshots

    folder = _screenshot_folder()
    folder.mkdir(parents=True, exist_ok=True)
    # Last run's pictures would pass for this run's: remove the ones these tests name.
    for old in [*folder.glob("*-desktop.png"), *folder.glob("*-phone.png")]:
        old.unlink()
    shots = Screenshots(folder)
    pytestconfig.stash[_SCREENSHOTS] = shots
    return shots


_JOURNEYS = pytest.StashKey[list["Journey"]]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Any:
    """After a test's own steps passed: each of its journeys is clean and checked every page it
    visited. Done here, not in a fixture's teardown, so that a miss fails the test itself."""
    result = yield  # re-raises the test's own failure: that one is reported, not this check
    for journey in item.stash.get(_JOURNEYS, []):
        journey.finish()
    return result


OpenJourney = Callable[..., "Journey"]


@pytest.fixture(scope="session")
def signed_in(browser: Browser, live_tracker: LiveTracker) -> Callable[[str], Any]:
    """``signed_in("editor")``: cookies of a session signed in through the form, made once.

    For tests about pages rather than about signing in (the researcher's journey and the
    keyboard test sign in themselves)."""
    states: dict[str, Any] = {}

    def state(role: str) -> Any:
        if role not in states:
            account = live_tracker.accounts[role]
            context = browser.new_context()
            context.set_default_timeout(15_000)
            page = context.new_page()
            page.goto(live_tracker.url + "/login")
            page.get_by_label("Email").fill(account.email)
            page.get_by_label("Password").fill(account.password)
            with page.expect_navigation():
                page.get_by_role("button", name="Sign in").click()
            states[role] = context.storage_state()
            context.close()
        return states[role]

    return state


@pytest.fixture
def open_journey(
    request: pytest.FixtureRequest,
    browser: Browser,
    live_tracker: LiveTracker,
    screenshots: Screenshots,
    signed_in: Callable[[str], Any],
) -> Iterator[OpenJourney]:
    """``open_journey("desktop" | "phone", signed_in_as=None)``: a fresh, guarded browser tab.

    Each in a context of its own (its own cookies), as another person or another device.
    """
    from tests.browser.support import Guard, Journey

    contexts: list[Any] = []
    journeys = request.node.stash.setdefault(_JOURNEYS, [])

    def open_one(device: str = "desktop", signed_in_as: str | None = None) -> Journey:
        phone = device == "phone"
        context = browser.new_context(
            viewport=PHONE if phone else DESKTOP,
            device_scale_factor=1,
            is_mobile=phone,
            has_touch=phone,
            locale="en-GB",
            timezone_id="Asia/Bishkek",
            accept_downloads=True,
            storage_state=signed_in(signed_in_as) if signed_in_as else None,
        )
        context.set_default_timeout(15_000)
        guard = Guard(context)
        contexts.append(context)
        journey = Journey(context.new_page(), guard, screenshots, device, live_tracker.url)
        journeys.append(journey)
        return journey

    yield open_one
    for context in contexts:
        context.close()


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """Say whether the browser tests ran, in which Chromium, and where the screenshots are."""
    counts: dict[str, int] = {}
    for outcome in ("passed", "failed", "error", "skipped"):
        counts[outcome] = sum(
            1
            for report in terminalreporter.stats.get(outcome, [])
            if getattr(report, "nodeid", "").startswith("tests/browser/")
        )
    if not any(counts.values()):
        return
    version = config.stash.get(CHROMIUM_VERSION, None)
    terminalreporter.section("browser tests")
    ran = ", ".join(f"{count} {outcome}" for outcome, count in counts.items() if count)
    where = f" in Chromium {version}" if version else f" (not run: {missing() or 'deselected'})"
    terminalreporter.write_line(f"browser tests: {ran}{where}")
    shots = config.stash.get(_SCREENSHOTS, None)
    if shots and shots.taken:
        terminalreporter.write_line(
            f"screenshots of the key pages ({len(shots.taken)}): {shots.folder}"
        )
