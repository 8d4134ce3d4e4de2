"""schemathesis calls every read endpoint of the API with generated parameters and checks that
no response is a server error and that every response matches the OpenAPI document.

The operations are listed from the document itself, so a new endpoint is checked as soon as it
is documented (and tests/test_api.py fails if a routed endpoint is not documented).
"""

from __future__ import annotations

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings

from tracker.api.openapi import document

pytestmark = pytest.mark.slow

OPERATIONS = sorted(document()["paths"])


@pytest.mark.parametrize("path", OPERATIONS)
def test_every_read_endpoint_conforms(app: Flask, path: str) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operation = schema[path]["GET"]

    @given(case=operation.as_strategy())
    @settings(
        max_examples=25,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def conforms(case: schemathesis.Case) -> None:
        case.call_and_validate()

    conforms()
