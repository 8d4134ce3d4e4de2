"""A real `tracker serve` (gunicorn) in a real browser (Debian's Chromium through Playwright):
the key pages, signed out and signed in, with the hostile records planted, make no request to
another origin, log no error, break no rule of the CSP, and run none of the planted script.
The same server also must not name its software in any response, gunicorn's own included."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy.orm import Session

from tests.browser import skip_unless_browser
from tests.conftest import PASSWORD
from tests.security import payloads
from tests.security.headers import header_problems
from tracker import interchange, migrate, paths
from tracker.db import build_engine
from tracker.services import history, users

ADMIN = "browser-admin@example.org"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`tracker serve` on 127.0.0.1, on a database holding the seed and the hostile records."""
    folder = tmp_path_factory.mktemp("live")
    url = f"sqlite:///{folder / 'live.sqlite3'}"
    engine = build_engine(url)
    migrate.upgrade(engine)
    with Session(engine) as session:
        history.set_actor(session, history.Actor("import"))
        interchange.import_dataset(session, interchange.load_json(paths.seed_file().read_bytes()))
        interchange.import_dataset(session, payloads.document())
        users.create_user(session, ADMIN, payloads.payload("admin", 200), "admin", PASSWORD)
        session.commit()
    engine.dispose()
    port = _free_port()
    env = {
        **os.environ,
        "TRACKER_DATABASE_URL": url,
        "TRACKER_INSTANCE_PATH": str(folder),
        "TRACKER_TODAY": "2026-11-28",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "tracker", "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(base + "/", timeout=5):
                break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise
            time.sleep(0.2)
    yield base
    process.terminate()
    process.wait(timeout=30)
    if process.stderr:
        process.stderr.close()


def _headers(url: str, method: str = "GET") -> tuple[int, dict[str, str]]:
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers)
    except urllib.error.HTTPError as error:
        error.close()
        return error.code, dict(error.headers)


@pytest.mark.slow
def test_the_real_server_never_names_its_software(server: str) -> None:
    offenders = []
    for path, method in [
        ("/", "GET"),
        ("/measures/", "GET"),
        ("/static/css/tracker.css", "GET"),
        ("/no/such/page", "GET"),
        ("/measures/", "DELETE"),
    ]:
        _, headers = _headers(server + path, method)
        offenders += [f"{method} {path}: {p}" for p in header_problems(headers, path)]
    assert not offenders, "\n".join(offenders)
    # A request gunicorn refuses itself, before the application sees it.
    host, port = urlsplit(server).hostname, urlsplit(server).port
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n")
        reply = sock.recv(4096).decode("latin-1")
    assert "gunicorn" not in reply.lower()
    assert not any(line.lower().startswith("server:") and any(c.isdigit() for c in line)
                   for line in reply.splitlines())  # fmt: skip


@pytest.mark.browser
@pytest.mark.slow
def test_key_pages_in_a_real_browser_stay_on_this_machine(
    server: str, request: pytest.FixtureRequest
) -> None:
    skip_unless_browser()
    browser = request.getfixturevalue("browser")  # launched only once the skip is decided
    outside: list[str] = []
    console: list[str] = []
    violations: list[str] = []
    dialogs: list[str] = []
    executed: list[str] = []

    def guard(route: Any) -> None:
        target = urlsplit(route.request.url)
        if target.scheme in ("data", "blob") or target.hostname == "127.0.0.1":
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    with contextlib.closing(browser.new_context()) as context:
        context.route("**/*", guard)
        context.expose_binding(
            "reportViolation", lambda _source, text: violations.append(str(text))
        )
        context.add_init_script(
            "document.addEventListener('securitypolicyviolation', e => "
            "window.reportViolation(e.violatedDirective + ' ' + e.blockedURI));"
        )
        page = context.new_page()
        page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda error: console.append(str(error)))
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

        def visit(path: str) -> None:
            response = page.goto(server + path, wait_until="load")
            assert response is not None
            assert response.status == 200, path
            page.wait_for_timeout(100)
            if page.evaluate("typeof window.__xss !== 'undefined'"):
                executed.append(path)

        public = [
            "/",
            "/measures/",
            f"/measures/{payloads.SLUG}",
            f"/measures/{payloads.OTHER_SLUG}",
            "/measures/kg-foreign-representatives-law-2024",
            "/statements/",
            f"/statements/{payloads.STATEMENT_SLUG}",
            "/organizations/",
            f"/organizations/{payloads.ORG_SLUG}",
            f"/people/{payloads.PERSON_SLUG}",
            "/login",
        ]
        for path in public:
            visit(path)
        page.fill("input[name=email]", ADMIN)
        page.fill("input[name=password]", PASSWORD)
        page.click("form[action='/login'] button[type=submit], form button[type=submit]")
        page.wait_for_load_state("load")
        assert "/login" not in page.url
        for path in [
            f"/measures/{payloads.SLUG}",
            f"/measures/{payloads.SLUG}/edit",
            "/measures/new",
            "/statements/new",
            f"/statements/{payloads.STATEMENT_SLUG}/edit",
            "/changes",
            "/sources/",
            "/admin/users",
        ]:
            visit(path)
        visit("/statements/new")
        if page.query_selector("input.picker-filter"):  # forms.js ran, under the CSP
            page.fill("input.picker-filter >> nth=0", "Amnesty")
    assert not outside, f"requests to other origins: {outside}"
    assert not violations, f"CSP violations: {violations}"
    assert not console, f"console errors: {console}"
    assert not dialogs, f"planted script opened dialogs: {dialogs}"
    assert not executed, f"planted script ran on: {executed}"
