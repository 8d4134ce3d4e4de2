"""Writing through the JSON API: API tokens, the write endpoints, versions, problems and history.

What a script using the API would notice: a write token creates, changes and deletes records
through the same rules as the forms; anything else (no token, a read token, a viewer's token,
a revoked or expired one, a browser's session cookie) is refused and writes nothing; a stale
version is a conflict that shows the record as it is now; a bad body says what is wrong where.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tests import factories
from tests.conftest import TODAY, bearer
from tests.security.state import changed_tables, database_rows
from tracker.models import ApiToken, Event, Measure, Revision, Statement, User
from tracker.services import users

LAW = "kg-foreign-representatives-law-2024"
RUSSIAN_LAW = "ru-foreign-agents-law-2012"
STATEMENT = "amnesty-2024-02-08-kyrgyzstan-crackdown"


def new_measure(**extra: Any) -> dict[str, Any]:
    return {
        "country": "KG",
        "kind": "bill",
        "title": "Draft law on non-commercial organizations (amendments)",
        "summary": "Adds *reporting* duties.",
        "topics": ["association"],
        "sources": [{"url": "https://example.org/draft", "title": "The draft"}],
        **extra,
    }


def an_event(**extra: Any) -> dict[str, Any]:
    return {
        "type": "introduced",
        "date": "2025-02",
        "sources": [{"url": "https://example.org/registered", "title": "Registered"}],
        **extra,
    }


def write(
    client: FlaskClient, method: str, url: str, token: str | None, body: Any = None, **kw: Any
) -> Any:
    headers = {**(bearer(token) if token else {}), **kw.pop("headers", {})}
    return client.open(url, method=method, json=body, headers=headers, **kw)


def revisions_of(session: Session, kind: str, record_id: int) -> list[Revision]:
    query = (
        select(Revision)
        .where(Revision.record_type == kind, Revision.record_id == record_id)
        .order_by(Revision.id)
    )
    return list(session.scalars(query))


# --------------------------------------------------------------------------------------------
# Creating, changing and deleting


def test_a_write_token_creates_a_measure_with_its_events_and_relations(
    client: FlaskClient, session: Session, make_token: Callable[..., str]
) -> None:
    token = make_token("editor", "write", name="import script")
    body = new_measure(
        events=[an_event(), an_event(type="reading-1", date="2025-04-10")],
        relations=[{"type": "modelled-on", "target": RUSSIAN_LAW, "note": "Same wording."}],
        reason="from the parliament's register",
    )
    response = write(client, "POST", "/api/v1/measures", token, body)
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert created["slug"] == "kg-draft-law-on-non-commercial-organizations-amendments"
    assert response.headers["Location"] == f"http://localhost/api/v1/measures/{created['slug']}"
    assert created["version"] == 1
    assert [e["type"] for e in created["events"]] == ["introduced", "reading-1"]
    assert created["status"]["stage"]["code"] == "reading-1"
    assert created["relations"][0]["measure"]["slug"] == RUSSIAN_LAW
    assert created["sources"][0]["title"] == "The draft"
    # What the Location names is the record, for anyone (it is public).
    assert client.get(response.headers["Location"]).get_json()["title"] == body["title"]

    measure = session.scalar(select(Measure).where(Measure.slug == created["slug"]))
    assert measure is not None
    history = revisions_of(session, "measure", measure.id)
    assert [r.action for r in history] == ["create"]
    assert history[0].actor_label.endswith("(API token “import script”)")
    assert history[0].user is not None
    assert history[0].user.role == "editor"
    assert history[0].reason == "from the parliament's register"
    # One change: the measure, its events, relation and new sources share it.
    change = session.scalars(
        select(Revision.record_type).where(Revision.change_id == history[0].change_id)
    ).all()
    assert sorted(set(change)) == ["event", "measure", "relation", "source"]


def test_an_api_write_shows_in_the_history_page_with_the_token_user_as_author(
    client: FlaskClient,
    session: Session,
    make_user: Callable[..., User],
    make_token: Callable[..., str],
    login_as: Callable[..., FlaskClient],
) -> None:
    author = make_user("editor", name="Aida Bekova")
    token = make_token(user=author, name="nightly sync")
    law = client.get(f"/api/v1/measures/{LAW}").get_json()
    response = write(
        client,
        "PATCH",
        f"/api/v1/measures/{LAW}",
        token,
        {"short_title": "Foreign Representatives Law", "version": law["version"]},
    )
    assert response.status_code == 200, response.get_json()
    measure = session.scalar(select(Measure).where(Measure.slug == LAW))
    assert measure is not None
    page = login_as("viewer").get(f"/history/measure/{measure.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "by Aida Bekova (API token “nightly sync”)" in text
    assert "Foreign Representatives Law" in text
    changes = login_as("viewer").get(f"/changes?author={author.id}").get_data(as_text=True)
    assert "API token “nightly sync”" in changes


def test_patch_changes_only_what_it_sends_and_returns_the_new_version(
    client: FlaskClient, session: Session, make_token: Callable[..., str]
) -> None:
    token = make_token()
    before = client.get(f"/api/v1/measures/{LAW}").get_json()
    response = write(
        client,
        "PATCH",
        f"/api/v1/measures/{LAW}",
        token,
        {"popular_names": ["foreign representatives law"], "identifier": None},
        headers={"If-Match": f'"{before["version"]}"'},
    )
    assert response.status_code == 200, response.get_json()
    after = response.get_json()
    assert after["version"] == before["version"] + 1
    assert after["popular_names"] == ["foreign representatives law"]
    assert after["identifier"] is None
    for unchanged in ("title", "country", "kind", "topics", "summary", "original_title"):
        assert after[unchanged] == before[unchanged], unchanged
    assert len(after["events"]) == len(before["events"])
    # The relations were not sent, so they stay.
    assert after["relations"] == before["relations"]


def test_a_stale_version_is_a_conflict_showing_the_current_record_and_writes_nothing(
    client: FlaskClient, session: Session, make_token: Callable[..., str]
) -> None:
    token = make_token()
    read = client.get(f"/api/v1/measures/{LAW}").get_json()
    first = write(
        client, "PATCH", f"/api/v1/measures/{LAW}", token,
        {"title": "Saved first", "version": read["version"]},
    )  # fmt: skip
    assert first.status_code == 200
    before = database_rows(session)
    late = write(
        client, "PATCH", f"/api/v1/measures/{LAW}", token,
        {"title": "Saved second, from an old read", "version": read["version"]},
    )  # fmt: skip
    assert late.status_code == 409
    error = late.get_json()["error"]
    assert error["code"] == "conflict"
    assert "version" in error["message"]
    assert error["current"]["title"] == "Saved first"
    assert error["current"]["version"] == read["version"] + 1
    assert not changed_tables(before, database_rows(session))
    # Sending the change again on the current version is a deliberate overwrite: it works.
    again = write(
        client, "PATCH", f"/api/v1/measures/{LAW}", token,
        {"title": "Saved second", "version": error["current"]["version"]},
    )  # fmt: skip
    assert again.status_code == 200


def test_a_patch_without_a_version_is_refused(
    client: FlaskClient, session: Session, make_token: Callable[..., str]
) -> None:
    token = make_token()
    before = database_rows(session)
    response = write(client, "PATCH", f"/api/v1/measures/{LAW}", token, {"title": "No version"})
    assert response.status_code == 428
    assert response.get_json()["error"]["code"] == "precondition_required"
    assert "version" in response.get_json()["error"]["message"]
    disagreeing = write(
        client, "PATCH", f"/api/v1/measures/{LAW}", token, {"title": "x", "version": 1},
        headers={"If-Match": "2"},
    )  # fmt: skip
    assert disagreeing.status_code == 400
    assert disagreeing.get_json()["error"]["details"][0]["path"] == "version"
    assert not changed_tables(before, database_rows(session))


def test_an_invalid_body_says_what_is_wrong_where_and_writes_nothing(
    client: FlaskClient, session: Session, make_token: Callable[..., str]
) -> None:
    token = make_token()
    before = database_rows(session)
    body = new_measure(
        country="XX",
        events=[an_event(), an_event(date="2023-13"), an_event(end_date="2020")],
        relations=[{"type": "amends", "target": "no-such-law"}],
    )
    response = write(client, "POST", "/api/v1/measures", token, body)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid"
    assert "nothing was saved" in error["message"]
    problems = {d["path"]: d["message"] for d in error["details"]}
    assert set(problems) == {
        "country",
        "events[1].date",
        "events[2].end_date",
        "relations[0].target",
    }, problems
    assert "2023-13" in problems["events[1].date"]
    assert "no-such-law" in problems["relations[0].target"]
    # The schema's own checks, each at its place.
    response = write(
        client,
        "POST",
        "/api/v1/measures",
        token,
        {"kind": "novel", "title": "", "popular_names": "one", "colour": "red"},
    )
    paths = {d["path"] for d in response.get_json()["error"]["details"]}
    assert {"country", "kind", "title", "popular_names", ""} <= paths
    assert not changed_tables(before, database_rows(session))


def test_problems_the_editing_services_find_are_placed_too(
    client: FlaskClient, session: Session, make_token: Callable[..., str]
) -> None:
    """Rules that only the services know (a slug taken or reserved, a web address the schema
    lets through) come back at their place in the body, and nothing is kept."""
    token = make_token()
    before = database_rows(session)
    body = new_measure(slug=LAW, sources=[{"url": "https://#nowhere"}])
    response = write(client, "POST", "/api/v1/measures", token, body)
    assert response.status_code == 400
    problems = {d["path"]: d["message"] for d in response.get_json()["error"]["details"]}
    assert set(problems) == {"slug", "sources[0].url"}
    assert "already used" in problems["slug"]
    body = new_measure(slug="new", events=[an_event(sources=[{"url": "http://?x"}])])
    response = write(client, "POST", "/api/v1/measures", token, body)
    paths = [d["path"] for d in response.get_json()["error"]["details"]]
    assert paths == ["slug"]  # the events wait for a measure to belong to
    body = new_measure(events=[an_event(), an_event(sources=[{"url": "http://?x"}])])
    response = write(client, "POST", "/api/v1/measures", token, body)
    paths = [d["path"] for d in response.get_json()["error"]["details"]]
    assert paths == ["events[1].sources[0].url"]
    assert not changed_tables(before, database_rows(session))


def test_measure_events_are_changed_one_at_a_time(
    client: FlaskClient, session: Session, make_token: Callable[..., str]
) -> None:
    token = make_token()
    law = client.get(f"/api/v1/measures/{LAW}").get_json()
    response = write(
        client, "PATCH", f"/api/v1/measures/{LAW}", token,
        {"events": [], "version": law["version"]},
    )  # fmt: skip
    assert response.status_code == 400
    detail = response.get_json()["error"]["details"][0]
    assert detail["path"] == "events"
    assert "/api/v1/events/" in detail["message"]
    assert len(client.get(f"/api/v1/measures/{LAW}").get_json()["events"]) == len(law["events"])


def test_relations_sent_in_a_patch_replace_the_measures_own(
    client: FlaskClient, make_token: Callable[..., str]
) -> None:
    token = make_token()
    law = client.get(f"/api/v1/measures/{LAW}").get_json()
    outgoing = [r for r in law["relations"] if r["direction"] == "outgoing"]
    assert outgoing
    response = write(
        client, "PATCH", f"/api/v1/measures/{LAW}", token,
        {"relations": [{"type": "related", "target": RUSSIAN_LAW, "note": "See also."}],
         "version": law["version"]},
    )  # fmt: skip
    assert response.status_code == 200, response.get_json()
    now = [r for r in response.get_json()["relations"] if r["direction"] == "outgoing"]
    assert [(r["type"], r["measure"]["slug"], r["note"]) for r in now] == [
        ("related", RUSSIAN_LAW, "See also.")
    ]


def test_events_are_added_changed_with_a_merge_patch_and_deleted(
    client: FlaskClient, session: Session, make_token: Callable[..., str]
) -> None:
    token = make_token()
    response = write(
        client, "POST", f"/api/v1/measures/{LAW}/events", token,
        an_event(type="court-challenge", date="2026-05-12", votes={"for": 12, "against": 3}),
    )  # fmt: skip
    assert response.status_code == 201, response.get_json()
    event = response.get_json()
    assert response.headers["Location"] == f"http://localhost/api/v1/events/{event['id']}"
    assert event["measure"]["slug"] == LAW
    assert client.get(f"/api/v1/events/{event['id']}").get_json()["id"] == event["id"]
    # A merge patch: votes.against cleared, votes.for kept, description added.
    changed = write(
        client, "PATCH", f"/api/v1/events/{event['id']}", token,
        {"votes": {"against": None, "abstain": 1}, "description": "Filed by lawyers."},
        headers={"If-Match": str(event["version"])},
    )  # fmt: skip
    assert changed.status_code == 200, changed.get_json()
    data = changed.get_json()
    assert data["votes"] == {"for": 12, "against": None, "abstain": 1}
    assert data["description"] == "Filed by lawyers."
    assert data["version"] == event["version"] + 1
    stale = write(
        client, "DELETE", f"/api/v1/events/{event['id']}", token,
        headers={"If-Match": str(event["version"])},
    )  # fmt: skip
    assert stale.status_code == 409
    assert stale.get_json()["error"]["current"]["description"] == "Filed by lawyers."
    gone = write(
        client, "DELETE", f"/api/v1/events/{event['id']}?reason=entered+twice", token,
        headers={"If-Match": str(data["version"])},
    )  # fmt: skip
    assert gone.status_code == 204
    assert gone.data == b""
    assert session.get(Event, event["id"]) is None
    deletion = revisions_of(session, "event", event["id"])[-1]
    assert (deletion.action, deletion.reason) == ("delete", "entered twice")
    assert client.get(f"/api/v1/events/{event['id']}").status_code == 404


def test_statements_are_created_changed_and_deleted(
    client: FlaskClient, session: Session, make_token: Callable[..., str]
) -> None:
    token = make_token()
    body = {
        "organization": "amnesty-international",
        "signatories": ["human-rights-watch"],
        "title": "Kyrgyzstan: withdraw the draft",
        "date": "2026-03-01",
        "stance": "oppose",
        "asks": ["withdraw"],
        "measures": [LAW],
        "reacts_to": {"measure": LAW, "type": "signed", "date": "2024-04-02"},
        "quotes": [{"text": "This law must go.", "speaker": "maisy-weicherding"}],
        "sources": [{"url": "https://example.org/amnesty-2026"}],
    }
    response = write(client, "POST", "/api/v1/statements", token, body)
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert created["reacts_to"]["type"] == "signed"
    assert created["quotes"][0]["speaker"]["slug"] == "maisy-weicherding"
    assert created["signatories"][0]["slug"] == "human-rights-watch"
    url = f"/api/v1/statements/{created['slug']}"
    assert response.headers["Location"] == f"http://localhost{url}"
    changed = write(client, "PATCH", url, token, {"stance": "concern", "quotes": [], "version": 1})
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["stance"] == "concern"
    assert changed.get_json()["quotes"] == []
    assert changed.get_json()["title"] == body["title"]
    assert write(client, "DELETE", url, token).status_code == 204
    assert session.scalar(select(Statement).where(Statement.slug == created["slug"])) is None


def test_statement_references_that_resolve_nowhere_are_problems(
    client: FlaskClient, session: Session, make_token: Callable[..., str]
) -> None:
    token = make_token()
    before = database_rows(session)
    body = {
        "organization": "no-such-org",
        "title": "A statement",
        "date": "2026-03-01",
        "measures": [LAW, "no-such-law"],
        "reacts_to": {"measure": LAW, "type": "vetoed", "date": "2024-04-02"},
        "quotes": [{"text": "Words.", "speaker": "nobody"}],
    }
    response = write(client, "POST", "/api/v1/statements", token, body)
    assert response.status_code == 400
    paths = {d["path"] for d in response.get_json()["error"]["details"]}
    assert paths == {"organization", "measures[1]", "reacts_to", "quotes[0].speaker", ""}
    assert not changed_tables(before, database_rows(session))


def test_a_deleted_measure_is_gone_and_its_history_says_who(
    client: FlaskClient, session: Session, make_token: Callable[..., str]
) -> None:
    token = make_token()
    made = write(client, "POST", "/api/v1/measures", token, new_measure(events=[an_event()]))
    slug = made.get_json()["slug"]
    measure_id = session.scalar(select(Measure.id).where(Measure.slug == slug))
    assert measure_id is not None
    response = write(client, "DELETE", f"/api/v1/measures/{slug}", token)
    assert response.status_code == 204
    assert client.get(f"/api/v1/measures/{slug}", headers=bearer(token)).status_code == 404
    assert write(client, "DELETE", f"/api/v1/measures/{slug}", token).status_code == 404
    deletion = revisions_of(session, "measure", measure_id)[-1]
    assert deletion.action == "delete"
    assert "(API token" in deletion.actor_label


# --------------------------------------------------------------------------------------------
# Who may write


def api_writes(session: Session, token: str | None = None) -> list[tuple[str, str, Any]]:
    """One attempt at every write endpoint, on real records, with bodies that would work."""
    event_id = session.scalar(select(Event.id).order_by(Event.id))
    return [
        ("POST", "/api/v1/measures", new_measure()),
        ("PATCH", f"/api/v1/measures/{LAW}", {"title": "Defaced", "version": 1}),
        ("DELETE", f"/api/v1/measures/{LAW}", None),
        ("POST", f"/api/v1/measures/{LAW}/events", an_event()),
        ("PATCH", f"/api/v1/events/{event_id}", {"description": "Defaced", "version": 1}),
        ("DELETE", f"/api/v1/events/{event_id}", None),
        ("POST", "/api/v1/statements", {"organization": "amnesty-international",
                                        "title": "Forged", "date": "2026-01-01",
                                        "measures": [LAW], "url": "https://example.org/f"}),
        ("PATCH", f"/api/v1/statements/{STATEMENT}", {"title": "Defaced", "version": 1}),
        ("DELETE", f"/api/v1/statements/{STATEMENT}", None),
    ]  # fmt: skip


def test_every_write_endpoint_is_in_the_list_above(app: Flask, session: Session) -> None:
    routed = {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
        for method in (rule.methods or set()) - {"GET", "HEAD", "OPTIONS"}
    }
    tried = set()
    for method, url, _ in api_writes(session):
        match = app.url_map.bind("localhost").match(url, method=method, return_rule=True)
        tried.add((method, match[0].rule))
    assert tried == routed


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("no token", 401),
        ("a session cookie only", 401),
        ("a malformed token", 401),
        ("an unknown token", 401),
        ("a revoked token", 401),
        ("an expired token", 401),
        ("a deactivated user's token", 401),
        ("a read token", 403),
        ("a demoted editor's write token", 403),
    ],
)
def test_writes_without_a_working_write_token_are_refused_and_change_nothing(
    app: Flask,
    session: Session,
    make_user: Callable[..., User],
    make_token: Callable[..., str],
    login_as: Callable[..., FlaskClient],
    who: str,
    status: int,
) -> None:
    client = app.test_client()
    token: str | None = None
    if who == "a session cookie only":
        client = login_as("admin")  # the cookie of an admin, who could write on the site
    elif who == "a malformed token":
        token = "not-a-token"
    elif who == "an unknown token":
        token = "trk_abcdefgh_" + "x" * 43
    elif who == "a revoked token":
        token = make_token("editor")
        session.execute(update(ApiToken).values(revoked_at=dt.datetime.now(dt.UTC)))
        session.commit()
    elif who == "an expired token":
        token = make_token("editor", expires_on=TODAY.replace(day=29))
        session.execute(update(ApiToken).values(expires_on=TODAY))
        session.commit()
    elif who == "a deactivated user's token":
        user = make_user("editor")
        token = make_token(user=user)
        user.active = False  # behind the service's back: the check is at each request
        session.commit()
    elif who == "a read token":
        token = make_token("admin", "read")
    elif who == "a demoted editor's write token":
        user = make_user("editor")
        token = make_token(user=user)
        users.update_user(
            session, user, name=user.name, email=user.email, role="viewer", active=True
        )
        session.commit()
    before = database_rows(session)
    for method, url, body in api_writes(session):
        response = write(client, method, url, token, body)
        assert response.status_code == status, (who, method, url, response.get_json())
        assert response.get_json()["error"]["code"] == (
            "unauthorized" if status == 401 else "forbidden"
        )
        if status == 401:
            assert response.headers["WWW-Authenticate"].startswith('Bearer realm="tracker"')
        assert "Set-Cookie" not in response.headers
    assert not changed_tables(before, database_rows(session))


def test_the_reasons_for_a_refusal_are_told_to_whoever_holds_the_token(
    client: FlaskClient, session: Session, make_token: Callable[..., str]
) -> None:
    read_token = make_token("viewer", "read")
    refused = write(client, "POST", "/api/v1/measures", read_token, new_measure())
    assert "may only read" in refused.get_json()["error"]["message"]
    assert 'error="insufficient_scope"' in refused.headers["WWW-Authenticate"]
    write_token = make_token("editor")
    session.execute(update(ApiToken).values(expires_on=TODAY))
    session.commit()
    expired = client.get("/api/v1/measures", headers=bearer(write_token))
    assert expired.status_code == 401
    assert "expired on 2026-11-28" in expired.get_json()["error"]["message"]
    assert 'error="invalid_token"' in expired.headers["WWW-Authenticate"]
    basic = client.get("/api/v1/measures", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert basic.status_code == 401
    assert "Bearer" in basic.get_json()["error"]["message"]


def test_a_wrong_token_on_a_read_is_an_error_not_anonymous(client: FlaskClient) -> None:
    response = client.get("/api/v1/measures", headers=bearer("trk_abcdefgh_" + "x" * 43))
    assert response.status_code == 401
    assert response.get_json()["error"]["message"] == "The token is not valid."


# --------------------------------------------------------------------------------------------
# Reading with a token


def test_a_token_shows_internal_records_and_a_cookie_does_not(
    app: Flask,
    session: Session,
    make_token: Callable[..., str],
    login_as: Callable[..., FlaskClient],
) -> None:
    hidden = factories.measure(session, "zz-token-internal", visibility="internal")
    factories.event(session, hidden, "drafted", "2025-01", description="wombatword")
    factories.statement(session, "zz-token-statement", [hidden], visibility="internal")
    session.commit()
    token = make_token("viewer", "read")
    anonymous = app.test_client()
    cookie = login_as("admin")  # signed in on the site: the API takes no notice
    for client, headers, visible in ((anonymous, {}, False), (cookie, {}, False),
                                     (anonymous, bearer(token), True)):  # fmt: skip
        listed = client.get("/api/v1/measures", headers=headers).get_json()
        assert listed["total"] == (9 if visible else 8)
        one = client.get("/api/v1/measures/zz-token-internal", headers=headers)
        assert one.status_code == (200 if visible else 404)
        statement = client.get("/api/v1/statements/zz-token-statement", headers=headers)
        assert statement.status_code == (200 if visible else 404)
        found = client.get("/api/v1/search?q=wombatword", headers=headers).get_json()
        assert found["total"] == (1 if visible else 0)
        event_id = hidden.events[0].id
        assert client.get(f"/api/v1/events/{event_id}", headers=headers).status_code == (
            200 if visible else 404
        )


def test_the_api_neither_reads_nor_sets_a_session_cookie(
    login_as: Callable[..., FlaskClient],
) -> None:
    admin = login_as("admin")
    response = admin.get("/api/v1/measures")
    assert "Set-Cookie" not in response.headers
    assert "Cookie" not in response.headers.get("Vary", "")
    page = admin.get("/changes")  # the site still knows the admin
    assert page.status_code == 200


def test_versions_are_in_what_the_api_reads(client: FlaskClient) -> None:
    listed = client.get("/api/v1/measures?size=1").get_json()["items"][0]
    assert listed["version"] >= 1
    detail = client.get(f"/api/v1/measures/{LAW}").get_json()
    assert detail["version"] >= 1
    assert all(event["version"] >= 1 for event in detail["events"])
    assert client.get(f"/api/v1/statements/{STATEMENT}").get_json()["version"] >= 1


def test_a_token_records_the_day_it_was_used_and_nothing_else(
    client: FlaskClient, session: Session, make_token: Callable[..., str]
) -> None:
    token = make_token("viewer", "read")
    row = session.scalar(select(ApiToken))
    assert row is not None
    assert row.last_used_on is None
    environ = {"REMOTE_ADDR": "203.0.113.77"}
    response = client.get("/api/v1/measures", headers=bearer(token), environ_base=environ)
    assert response.status_code == 200
    session.expire_all()
    assert row.last_used_on == TODAY
    stored = [str(value) for rows in database_rows(session).values() for r in rows for value in r]
    assert not any("203.0.113.77" in value for value in stored)


# --------------------------------------------------------------------------------------------
# Limits and malformed requests


@pytest.mark.parametrize("app_config", [{"API_WRITE_RATE_LIMIT": "3 per minute"}])
def test_writes_are_limited_per_token_not_per_address(
    client: FlaskClient, make_token: Callable[..., str], make_user: Callable[..., User]
) -> None:
    user = make_user("editor")
    first, second = make_token(user=user), make_token(user=user)
    environ = {"REMOTE_ADDR": "198.51.100.7"}
    statuses = [
        write(
            client, "POST", "/api/v1/measures", first, {"title": "x"}, environ_base=environ
        ).status_code
        for _ in range(4)
    ]
    assert statuses == [400, 400, 400, 429]
    limited = write(client, "PATCH", f"/api/v1/measures/{LAW}", first, {"version": 1})
    assert limited.status_code == 429
    assert limited.get_json()["error"]["code"] == "too_many_requests"
    assert int(limited.headers["Retry-After"]) > 0
    # Another token, from the same address, has its own budget; reads are not limited.
    other = write(client, "POST", "/api/v1/measures", second, {"title": "x"}, environ_base=environ)
    assert other.status_code == 400
    assert client.get("/api/v1/measures", headers=bearer(first)).status_code == 200


def test_bodies_that_are_not_json_objects(
    app: Flask, client: FlaskClient, session: Session, make_token: Callable[..., str]
) -> None:
    token = make_token()
    form = client.post("/api/v1/measures", data={"title": "x"}, headers=bearer(token))
    assert form.status_code == 415
    assert form.get_json()["error"]["code"] == "unsupported_media_type"
    broken = client.post(
        "/api/v1/measures",
        data=b'{"title": ',
        content_type="application/json",
        headers=bearer(token),
    )
    assert broken.status_code == 400
    assert "not valid JSON" in broken.get_json()["error"]["message"]
    deep = client.post(
        "/api/v1/measures",
        data=b"[" * 100_000 + b"]" * 100_000,
        content_type="application/json",
        headers=bearer(token),
    )
    assert deep.status_code == 400
    listed = write(client, "POST", "/api/v1/measures", token, [new_measure()])
    assert listed.status_code == 400
    assert listed.get_json()["error"]["details"][0]["path"] == ""
    nul = write(client, "POST", "/api/v1/measures", token, new_measure(title="bad\u0000title"))
    assert nul.get_json()["error"]["details"] == [
        {"path": "title", "message": "contains an invisible control character (U+0000)"}
    ]
    lone = client.post(
        "/api/v1/measures",
        data=b'{"country": "KG", "kind": "bill", "title": "\\ud800"}',
        content_type="application/json",
        headers=bearer(token),
    )
    assert lone.status_code == 400
    assert lone.get_json()["error"]["details"][0]["path"] == "title"
    app.config["MAX_CONTENT_LENGTH"] = 1000
    large = write(client, "POST", "/api/v1/measures", token, new_measure(summary="x" * 2000))
    assert large.status_code == 413
    assert large.get_json()["error"]["code"] == "too_large"


def test_no_token_reaches_the_logs(
    app: Flask,
    client: FlaskClient,
    make_token: Callable[..., str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The app's logger is shared by every app of the run; another test may have muted it.
    monkeypatch.setattr(app.logger, "disabled", False)

    def broken() -> str:
        raise RuntimeError("failed")

    app.add_url_rule("/api/v1/_broken", "api_broken", broken)
    from tracker.http.access import public

    public(broken)
    caplog.set_level(logging.DEBUG)
    token = make_token()
    write(client, "POST", "/api/v1/measures", token, new_measure())
    write(client, "POST", "/api/v1/measures", token[:-1] + "Z", new_measure())
    assert client.get("/api/v1/_broken", headers=bearer(token)).status_code == 500
    secret = token.split("_")[2]
    logged = "\n".join(record.getMessage() + str(record.exc_info) for record in caplog.records)
    assert "incident" in logged  # the failure was logged...
    assert secret not in logged  # ...without the token
    assert hashlib.sha256(secret.encode()).hexdigest() not in logged
