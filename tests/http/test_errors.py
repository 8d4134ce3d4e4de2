"""One error handler for both faces: the API's JSON shape under /api/, a page elsewhere."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("get", "/api/v1/nothing-here", 404), ("delete", "/api/v1/measures", 405)],
)
def test_the_api_answers_errors_in_its_json_shape(
    client: FlaskClient, method: str, path: str, status: int
) -> None:
    response = getattr(client, method)(path)
    assert response.status_code == status
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert set(error) == {"code", "message"}
    assert error["code"] == {404: "not_found", 405: "method_not_allowed"}[status]


@pytest.mark.parametrize(
    ("method", "path", "status"), [("get", "/nothing-here", 404), ("delete", "/measures/", 405)]
)
def test_pages_answer_errors_with_a_page(
    client: FlaskClient, method: str, path: str, status: int
) -> None:
    response = getattr(client, method)(path)
    assert response.status_code == status
    assert response.mimetype == "text/html"
    assert "<html" in response.get_data(as_text=True)


def test_a_405_says_what_is_allowed_in_both_faces(client: FlaskClient) -> None:
    for path in ("/measures/", "/api/v1/measures"):
        assert "GET" in client.delete(path).headers["Allow"]
