"""Every response carries the security headers: every GET route of the URL map (pages, static
files, and whatever routes are added later), every error page, over HTTP and HTTPS."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from tests.conftest import PASSWORD, make_app
from tests.security.content import read
from tests.security.headers import header_problems
from tests.security.routes import fetch, get_routes, pools_from, rules, urls_for
from tracker.db import session_factory
from tracker.models import User

HTTPS = "https://localhost"


def test_every_get_route_carries_the_security_headers_and_obeys_its_policy(
    app: Flask, session: Session, login_as: Callable[..., FlaskClient]
) -> None:
    """Headers on every response; and on every page no inline script or style, no event
    handler, nothing from another origin: what the CSP would block is not there to block."""
    clients = {"anonymous": app.test_client(), "admin": login_as("admin")}
    pools = pools_from(session, per_kind=1)
    offenders: list[str] = []
    disobeying: list[str] = []
    checked: set[str] = set()
    pages = 0
    for route in get_routes(app, pools):
        for who, client in clients.items():
            for base in (HTTPS, "http://localhost"):
                response = fetch(client, route.url, base_url=base)
                problems = header_problems(response.headers, route.url, https=base == HTTPS)
                offenders += [f"GET {base}{route} as {who}: {p}" for p in problems]
                checked.add(route.endpoint)
            # The page read over http://localhost, the origin the checker takes as ours
            # (permalinks in briefs are absolute and follow the scheme asked).
            if response.redirect or response.status == 404:
                continue
            pages += response.mimetype == "text/html"
            _, problems = read(response.mimetype, response.data)
            disobeying += [f"GET {route} as {who}: {problem}" for problem in problems]
    assert not offenders, "\n".join(offenders)
    assert not disobeying, "\n".join(disobeying)
    # Every GET endpoint was reached at least once, the static files included.
    assert checked == {rule.endpoint for rule in rules(app, "GET")}
    assert pages >= 20


# --------------------------------------------------------------------------------------------
# Error pages: each must be as locked down as the pages, and plain.


@pytest.fixture
def production_app(database_url: str, connection: Connection, tmp_path: Path) -> Iterator[Flask]:
    """The app as deployed (not TESTING, CSRF on), with a route that fails."""
    app = make_app(database_url, tmp_path, TESTING=False, WTF_CSRF_ENABLED=True)

    def fail() -> str:
        raise RuntimeError("secret detail: /srv/tracker/db password=hunter2")

    app.add_url_rule("/_test/fail", "test_fail", fail)
    from tracker.http.access import public

    public(fail)
    session_factory(app).configure(bind=connection, join_transaction_mode="create_savepoint")
    with app.app_context():
        yield app


def _error_responses(app: Flask, user: User, base: str) -> dict[str, Any]:
    client = app.test_client()
    responses = {
        "404": fetch(client, "/no/such/page", base_url=base),
        "405": fetch(client, "/measures/", method="DELETE", base_url=base),
        "413": fetch(
            client, "/login", method="POST", data={"email": "x" * (17 * 1024 * 1024)}, base_url=base
        ),
        "400 (CSRF)": fetch(
            client, "/login", method="POST", data={"email": user.email}, base_url=base
        ),
        "500": fetch(client, "/_test/fail", base_url=base),
    }
    # 403 and 429 need a session: sign in through the real form, token included.
    page = client.get("/login", base_url=base).get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    signed_in = client.post(
        "/login",
        data={"email": user.email, "password": PASSWORD, "csrf_token": token},
        base_url=base,
    )
    assert signed_in.status_code == 303
    responses["403"] = fetch(client, "/admin/users", base_url=base)
    attacker = app.test_client()
    page = attacker.get("/login", base_url=base).get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    for _ in range(7):  # six failures, then the wait
        last = fetch(
            attacker,
            "/login",
            method="POST",
            data={"email": "someone@example.org", "password": "wrong guess", "csrf_token": token},
            base_url=base,
        )
    responses["429"] = last
    # Every heavy download's slot taken: the "busy, try again" page.
    slots = app.extensions["tracker.heavy_slots"]
    held = [slots.acquire(blocking=False) for _ in range(app.config["HEAVY_DOWNLOADS"])]
    responses["503 (heavy downloads)"] = fetch(client, "/brief.pdf", base_url=base)
    for _ in held:
        slots.release()
    return responses


@pytest.mark.parametrize("base", ["http://localhost", HTTPS])
def test_error_pages_carry_the_headers_and_say_what_happened_plainly(
    production_app: Flask, make_user: Callable[..., User], base: str
) -> None:
    viewer = make_user("viewer")
    responses = _error_responses(production_app, viewer, base)
    offenders = []
    for name, response in responses.items():
        assert str(response.status) == name.split()[0], (name, response.data[:300])
        assert response.mimetype == "text/html"
        problems = header_problems(response.headers, "/", https=base == HTTPS)
        offenders += [f"{name}: {problem}" for problem in problems]
        _, page_problems = read(response.mimetype, response.data)
        offenders += [f"{name}: {problem}" for problem in page_problems]
        page = response.data.decode()
        assert "<h1>" in page, name
        assert "Traceback" not in page, name
    assert not offenders, "\n".join(offenders)
    assert "Allow" in responses["405"].headers
    assert "Retry-After" in responses["429"].headers
    assert "Retry-After" in responses["503 (heavy downloads)"].headers
    assert "nothing was saved" in responses["400 (CSRF)"].data.decode()
    assert "too large" in responses["413"].data.decode().lower()


def test_hsts_is_sent_over_https_only(client: FlaskClient) -> None:
    assert "Strict-Transport-Security" not in client.get("/").headers
    secure = client.get("/", base_url=HTTPS).headers["Strict-Transport-Security"]
    assert "max-age=63072000" in secure


def test_embed_routes_alone_may_be_framed(app: Flask) -> None:
    from tracker.http.access import public
    from tracker.security import allow_framing

    def embed() -> str:
        allow_framing()
        return "<!doctype html><title>x</title><p>embedded</p>"

    app.add_url_rule("/embed/_test", "test_embed", public(embed))
    response = app.test_client().get("/embed/_test")
    assert not header_problems(response.headers, "/embed/_test")
    assert "frame-ancestors 'none'" not in response.headers["Content-Security-Policy"]
    # The same answer on any other path would be refused by the header check.
    assert header_problems(response.headers, "/measures/")


# --------------------------------------------------------------------------------------------
# Caching: what a reader of internal records is answered is kept by no one.


def test_every_answer_to_a_reader_of_internal_records_is_private_and_never_stored(
    app: Flask,
    session: Session,
    login_as: Callable[..., FlaskClient],
    make_token: Callable[..., str],
) -> None:
    """Issue 12.6: internal measure and statement pages, /history, /changes and the forms were
    sent with no Cache-Control, so a proxy or the browser of a shared computer could keep
    them. Every route, as a signed-in viewer and as an editor, and with an API token: always
    ``private, no-store`` (our static files aside), and anonymous downloads stay cacheable."""
    from tracker.services.measures import save_measure
    from tracker.services.record_data import MeasureData

    internal = save_measure(
        session,
        None,
        MeasureData("Draft on NGO inspections", "KG", "bill", visibility="internal"),
    )
    session.commit()
    pools = pools_from(session, per_kind=1)
    pools.slugs["measure"] = [internal.slug]
    token = {"Authorization": f"Bearer {make_token('viewer', 'read')}"}
    readers: dict[str, tuple[FlaskClient, dict[str, str]]] = {
        "viewer": (login_as("viewer"), {}),
        "editor": (login_as("editor"), {}),
        "token": (app.test_client(), token),
    }
    offenders = []
    for route in get_routes(app, pools):
        if route.endpoint == "static":
            continue
        for who, (client, headers) in readers.items():
            if route.endpoint.startswith(("api.", "embed.")) and not headers:
                # Neither reads the session: a signed-in browser gets what anyone gets.
                continue
            response = fetch(client, route.url, headers=headers)
            if response.headers.get("Cache-Control") != "private, no-store":
                offenders.append(
                    f"GET {route} as {who} ({response.status}): "
                    f"Cache-Control {response.headers.get('Cache-Control')!r}"
                )
    assert not offenders, "\n".join(offenders)
    viewer = readers["viewer"][0]
    page = viewer.get(f"/measures/{internal.slug}")
    assert page.status_code == 200
    assert "Draft on NGO inspections" in page.get_data(as_text=True)
    # A form sent back with its mistakes holds what was typed.
    editor = readers["editor"][0]
    refused = editor.post("/measures/new", data={"title": "Typed draft", "country": "KG"})
    assert refused.status_code == 422
    assert refused.headers["Cache-Control"] == "private, no-store"
    # The rule is about who asks: an anonymous download stays cacheable, static files too.
    anonymous = app.test_client()
    assert fetch(anonymous, "/measures.csv").headers["Cache-Control"] == "public, max-age=300"
    static = fetch(viewer, "/static/css/tracker.css")
    assert "no-store" not in static.headers.get("Cache-Control", "")


def test_no_redirect_names_the_host_a_request_claims(
    app: Flask, session: Session, login_as: Callable[..., FlaskClient]
) -> None:
    """A forged Host header never comes back in a Location: the slash redirects (/timeline to
    /timeline/) are relative, as the application's own redirects are."""
    app.config["BASE_URL"] = "https://tracker.example.org"
    forged = {"Host": "evil.example"}
    pools = pools_from(session, per_kind=1)
    slashless = 0
    for who, client in {"anonymous": app.test_client(), "admin": login_as("admin")}.items():
        for route in [r for rule in rules(app, "GET") for r in urls_for(rule, pools)[:1]]:
            urls = [route.url]
            path, _, query = route.url.partition("?")
            if path.endswith("/") and path != "/":
                urls.append(path.rstrip("/") + (f"?{query}" if query else "?from=2024"))
            for url in urls:
                response = fetch(client, url, headers=forged)
                location = response.headers.get("Location", "")
                assert "evil.example" not in location, (who, url, location)
                assert not location.startswith("//"), (who, url, location)
                if url is not route.url:
                    assert response.status == 308, (who, url, response.status)
                    assert location == path + f"?{query or 'from=2024'}", (url, location)
                    slashless += 1
    assert slashless >= 10
