"""The JSON API: envelope, pagination, filters, visibility and one error shape for every error."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests import factories
from tracker.http.access import public


def get(client: FlaskClient, url: str, status: int = 200) -> Any:
    response = client.get(url)
    assert response.status_code == status, response.data
    assert response.content_type == "application/json"
    return response.get_json()


def test_measure_list_envelope_and_page_links(client: FlaskClient) -> None:
    first = get(client, "/api/v1/measures?size=3")
    assert set(first) >= {"items", "total", "page", "size", "links"}
    assert first["total"] == 8
    assert len(first["items"]) == 3
    assert first["links"]["prev"] is None
    second = get(client, first["links"]["next"].replace("http://localhost", ""))
    assert second["page"] == 2
    assert {m["slug"] for m in first["items"]}.isdisjoint(m["slug"] for m in second["items"])
    last = get(client, "/api/v1/measures?size=3&page=3")
    assert last["links"]["next"] is None
    assert len(last["items"]) == 2


def test_measure_list_filters_like_the_pages(client: FlaskClient) -> None:
    data = get(client, "/api/v1/measures?country=KG&status=in-force")
    assert data["total"] >= 1
    assert all(m["country"] == "KG" for m in data["items"])
    assert all(m["status"]["state"] == "in-force" for m in data["items"])
    several = get(client, "/api/v1/measures?country=KG&country=RU")
    assert several["total"] == 8
    words = get(client, "/api/v1/measures?q=foreign+agents")
    assert "ru-foreign-agents-law-2012" in {m["slug"] for m in words["items"]}


def test_status_filter_follows_as_of(client: FlaskClient) -> None:
    today = get(client, "/api/v1/measures?status=in-force")
    then = get(client, "/api/v1/measures?status=in-force&as_of=2024-02-08")
    slugs_today = {m["slug"] for m in today["items"]}
    assert "kg-foreign-representatives-law-2024" in slugs_today
    assert "kg-foreign-representatives-law-2024" not in {m["slug"] for m in then["items"]}
    assert all(m["status"]["as_of"] == "2024-02-08" for m in then["items"])


def test_facets_on_request(client: FlaskClient) -> None:
    data = get(client, "/api/v1/measures?facets=true&country=KG")
    facets = {f["name"]: f for f in data["facets"]}
    assert set(facets) == {"country", "kind", "status", "topic", "year"}
    country = {v["value"]: v for v in facets["country"]["values"]}
    assert country["KG"]["selected"]
    assert country["RU"]["count"] == 1  # the country facet ignores its own filter
    assert sum(v["count"] for v in facets["kind"]["values"]) == data["total"]
    assert "facets" not in get(client, "/api/v1/measures")


def test_one_measure_with_everything(client: FlaskClient) -> None:
    data = get(client, "/api/v1/measures/kg-foreign-representatives-law-2024")
    assert data["status"]["force"]["code"] == "in-force"
    assert data["status"]["explanation"]
    assert any(e["type"] == "signed" and e["date"]["iso"] == "2024-04-02" for e in data["events"])
    modelled_on = {
        r["measure"]["slug"]
        for r in data["relations"]
        if r["type"] == "modelled-on" and r["direction"] == "outgoing"
    }
    assert "ru-foreign-agents-law-2012" in modelled_on
    assert data["statements"]
    russian = get(client, "/api/v1/measures/ru-foreign-agents-law-2012")
    assert any(
        r["direction"] == "incoming" and r["label"] == "model for" for r in russian["relations"]
    )


def test_one_measure_as_of_a_past_day(client: FlaskClient) -> None:
    data = get(client, "/api/v1/measures/kg-foreign-representatives-law-2024?as_of=2024-02-08")
    assert data["status"]["stage"]["code"] == "reading-1"
    assert data["hidden_events"] > 0
    assert all(e["date"]["start"] <= "2024-02-08" for e in data["events"])


def test_events_statements_organizations_people(client: FlaskClient) -> None:
    events = get(client, "/api/v1/events?type=extended&size=100")
    assert events["total"] >= 3
    assert all(e["type"] == "extended" for e in events["items"])
    # Newest first where the status rule places them: a month-only date on its last day.
    days = [e["date"]["end"] for e in events["items"]]
    assert days == sorted(days, reverse=True)
    statements = get(client, "/api/v1/statements?organization=amnesty-international")
    assert statements["total"] >= 1
    assert get(client, "/api/v1/statements/amnesty-2024-02-08-kyrgyzstan-crackdown")["quotes"]
    assert get(client, "/api/v1/organizations")["total"] >= 20
    amnesty = get(client, "/api/v1/organizations/amnesty-international")
    assert any(p["slug"] == "maisy-weicherding" for p in amnesty["people"])
    assert get(client, "/api/v1/people/maisy-weicherding")["organization"]["slug"]


def test_search_endpoint(client: FlaskClient) -> None:
    data = get(client, "/api/v1/search?q=foreign+agents")
    measures = next(g for g in data["groups"] if g["kind"] == "measures")
    assert measures["total"] >= 3
    assert "<mark>" in measures["items"][0]["title_html"] + measures["items"][0]["snippet_html"]
    scoped = get(client, "/api/v1/search?q=law&scope=events&size=2")
    assert [g["kind"] for g in scoped["groups"]] == ["events"]
    assert scoped["links"]["next"]
    assert get(client, "/api/v1/search?q=", 400)["error"]["code"] == "bad_request"


def test_internal_records_stay_out_of_the_api(session: Session, client: FlaskClient) -> None:
    hidden = factories.measure(session, "zz-api-internal", visibility="internal")
    factories.event(session, hidden, "drafted", "2025-01", description="echidnaword")
    factories.statement(session, "zz-api-statement", [hidden], visibility="internal")
    session.commit()
    assert get(client, "/api/v1/measures")["total"] == 8
    get(client, "/api/v1/measures/zz-api-internal", 404)
    get(client, "/api/v1/statements/zz-api-statement", 404)
    assert get(client, "/api/v1/events?measure=zz-api-internal")["total"] == 0
    assert get(client, "/api/v1/search?q=echidnaword")["total"] == 0


@pytest.mark.parametrize(
    ("url", "status", "code"),
    [
        ("/api/v1/nothing-here", 404, "not_found"),
        ("/api/v1/measures/no-such-measure", 404, "not_found"),
        ("/api/v1/measures?as_of=2024-13-01", 400, "bad_request"),
        ("/api/v1/measures?size=1000", 400, "bad_request"),
        ("/api/v1/measures?page=0", 400, "bad_request"),
        ("/api/v1/measures?kind=nonsense", 400, "bad_request"),
        ("/api/v1/measures?facets=maybe", 400, "bad_request"),
        ("/api/v1/events?type=nonsense", 400, "bad_request"),
    ],
)
def test_errors_have_one_json_shape(client: FlaskClient, url: str, status: int, code: str) -> None:
    data = get(client, url, status)
    assert data["error"]["code"] == code
    assert data["error"]["message"]


def test_writes_without_a_token_are_refused_with_json_and_no_csrf_page(
    client: FlaskClient,
) -> None:
    response = client.post("/api/v1/measures", json={"slug": "x"})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="tracker"'
    response = client.put("/api/v1/measures", json={"slug": "x"})
    assert response.status_code == 405
    assert response.get_json()["error"]["code"] == "method_not_allowed"
    assert "GET" in response.headers["Allow"]


def test_too_large_and_unexpected_errors_are_json_without_details(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    @public
    def echo() -> str:
        from flask import request

        return str(len(request.get_data()))

    @public
    def broken() -> str:
        raise RuntimeError("secret table name")

    app.add_url_rule("/api/v1/_echo", "api_echo", echo, methods=["POST"])
    app.add_url_rule("/api/v1/_broken", "api_broken", broken)
    app.config["MAX_CONTENT_LENGTH"] = 10
    client = app.test_client()
    too_large = client.post("/api/v1/_echo", data=b"x" * 100)
    assert too_large.status_code == 413
    assert too_large.get_json()["error"]["code"] == "too_large"
    # The "tracker" logger outlives the app: silence it for this test only.
    monkeypatch.setattr(app.logger, "disabled", True)
    failed = client.get("/api/v1/_broken")
    assert failed.status_code == 500
    assert failed.get_json()["error"]["code"] == "internal_error"
    assert b"secret" not in failed.data


def test_pages_still_answer_errors_in_html(client: FlaskClient) -> None:
    response = client.get("/measures/no-such-measure")
    assert response.status_code == 404
    assert response.content_type.startswith("text/html")


def test_openapi_document_is_31_and_lists_every_endpoint(client: FlaskClient, app: Flask) -> None:
    document = get(client, "/api/v1/openapi.json")
    assert document["openapi"].startswith("3.1")
    documented = {
        (method.upper(), f"/api/v1{path}")
        for path, operations in document["paths"].items()
        for method in operations
    }
    routed = {
        (method, rule.rule.replace("<slug>", "{slug}").replace("<int:event_id>", "{event_id}"))
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.") and rule.endpoint not in {"api.index", "api.openapi"}
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }
    assert routed == documented


@pytest.mark.parametrize("app_config", [{"BASE_URL": "https://tracker.example.org/"}])
def test_links_use_the_public_base_url(client: FlaskClient) -> None:
    data = get(client, "/api/v1/measures?size=1")
    assert data["links"]["next"].startswith("https://tracker.example.org/api/v1/measures?")
    assert data["items"][0]["url"].startswith("https://tracker.example.org/api/v1/measures/")
