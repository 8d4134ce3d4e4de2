"""Inputs the fuzzers found that once gave a 500, kept as plain examples."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tracker.services.measures import save_measure
from tracker.services.organizations import save_organization
from tracker.services.record_data import MeasureData, OrganizationData, SourceData
from tracker.services.saving import ValidationFailed
from tracker.services.sources import save_source


@pytest.mark.parametrize(
    "data",
    [
        SourceData(url="HTTP://example.org/upper-case-scheme"),
        SourceData(url="https://example.org/nul\x00"),
        OrganizationData(name="Nul\x00 Org"),
        MeasureData(title="T", country="KG", kind="law", popular_names=["a\x00"]),
    ],
)
def test_refused_with_a_message_not_a_database_error(session: Session, data: object) -> None:
    save = {
        SourceData: save_source,
        OrganizationData: save_organization,
        MeasureData: save_measure,
    }[type(data)]
    with pytest.raises(ValidationFailed) as refused:
        save(session, None, data)  # type: ignore[operator]
    assert all(refused.value.errors.values())


@pytest.mark.parametrize(
    "url",
    [
        "/events/99999999999999999999/edit",
        "/history/measure/9223372036854775808",
        "/changes?before=99999999999999999999&author=99999999999999999999",
        "/changes?before=%C2%B2",
        "/measures/kg%00law",
        "/measures/?q=%00",
        "/?as_of=9999-12-31",
        "/?as_of=0001-01-01",
        "/measures/?as_of=9999-12-31",
        "/statements/?as_of=0001-01-01",
        "/measures/kg-foreign-representatives-law-2024?as_of=9999-12-31",
        "/measures/kg-foreign-representatives-law-2024?as_of=0001-01-01",
    ],
)
def test_addresses_that_name_nothing_are_not_errors(login_as: object, url: str) -> None:
    admin: FlaskClient = login_as("admin")  # type: ignore[operator]
    response = admin.get(url)
    assert response.status_code in (200, 400, 404), (url, response.status_code)


def test_a_nul_in_a_form_is_refused_next_to_the_field(login_as: object) -> None:
    editor: FlaskClient = login_as("editor")  # type: ignore[operator]
    response = editor.post(
        "/organizations/new", data={"name": "Human Rights\x00 Watch", "reason": "x"}
    )
    assert response.status_code == 422
    assert "invisible control character (U+0000)" in response.get_data(as_text=True)


def test_a_nul_in_the_sign_in_form_is_a_wrong_password_not_an_error(
    client: FlaskClient,
) -> None:
    response = client.post("/login", data={"email": "a\x00@example.org", "password": "x" * 12})
    assert response.status_code in (200, 422)
