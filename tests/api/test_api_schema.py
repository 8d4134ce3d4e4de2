"""schemathesis calls every endpoint of the API with generated parameters and bodies, and checks
that no response is a server error and that every response matches the OpenAPI document.

The operations are listed from the document itself, so a new endpoint is checked as soon as it
is documented (and tests/api/test_api.py fails if a routed endpoint is not documented). Reads are
called anonymously; writes with an editor's write token, half of the time on a record that
exists (a generated slug or id names none), so that the successful answers are checked too.
Hypothesis runs derandomized on the seed data: the same examples every run.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.specs.openapi.checks import positive_data_acceptance
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import bearer
from tracker.api.openapi import document
from tracker.models import Event

pytestmark = pytest.mark.slow

READS = sorted(path for path, operations in document()["paths"].items() if "get" in operations)
WRITES = sorted(
    (path, method.upper())
    for path, operations in document()["paths"].items()
    for method in operations
    if method != "get"
)
EXISTING_SLUGS = {
    "measures": "kg-foreign-representatives-law-2024",
    "statements": "amnesty-2024-02-08-kyrgyzstan-crackdown",
}
SETTINGS = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture
def app_config() -> dict[str, Any]:
    # Hypothesis sends hundreds of writes a minute with one token.
    return {"API_WRITE_RATE_LIMIT": "100000 per minute"}


@pytest.mark.parametrize("path", READS)
def test_every_read_endpoint_conforms(app: Flask, path: str) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operation = schema[path]["GET"]

    @given(case=operation.as_strategy())
    @SETTINGS
    def conforms(case: schemathesis.Case) -> None:
        case.call_and_validate()

    conforms()


@pytest.mark.parametrize(("path", "method"), WRITES)
def test_every_write_endpoint_conforms(
    app: Flask, session: Session, make_token: Callable[..., str], path: str, method: str
) -> None:
    token = make_token("editor", "write")
    event_id = session.scalar(select(Event.id).order_by(Event.id))
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operation = schema[path][method]

    @given(case=operation.as_strategy(), real=st.booleans())
    @SETTINGS
    def conforms(case: schemathesis.Case, real: bool) -> None:
        if real and "slug" in (case.path_parameters or {}):
            case.path_parameters["slug"] = EXISTING_SLUGS[path.split("/")[1]]
        if real and "event_id" in (case.path_parameters or {}):
            case.path_parameters["event_id"] = event_id
        if real and isinstance(case.body, dict):
            # References and dates that resolve, so that records are made and changed too.
            if "organization" in case.body or path == "/statements":
                case.body.update(
                    organization="amnesty-international",
                    measures=[EXISTING_SLUGS["measures"]],
                    signatories=[],
                    quotes=[],
                    url="https://example.org/statement",
                )
                for reference in ("speaker", "reacts_to"):
                    case.body.pop(reference, None)
            if "date" in case.body:
                case.body["date"] = "2025-06"
        case.call_and_validate(
            headers=bearer(token),
            # A body can match the schema and still name an organization or a measure that
            # does not exist, which only the database knows: a 400 that says so is right.
            excluded_checks=[positive_data_acceptance],
        )

    conforms()
