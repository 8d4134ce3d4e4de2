"""Absolute addresses: the site's address once, with its mount point once."""

from __future__ import annotations

import pytest
from flask import Flask, url_for

from tracker.http.links import WebLinks, absolute_url, authority, external_url

MOUNTED = "http://internal:8000/tracker/"


@pytest.mark.parametrize(
    ("base_url", "site"),
    [
        (None, "http://internal:8000/tracker"),  # the address the request came to
        ("https://example.org/tracker/", "https://example.org/tracker"),  # BASE_URL names it
    ],
)
def test_a_mounted_tracker_names_its_mount_point_once(
    app: Flask, base_url: str | None, site: str
) -> None:
    app.config["BASE_URL"] = base_url
    with app.test_request_context("/measures/", base_url=MOUNTED):
        assert absolute_url("measures.show", slug="x") == f"{site}/measures/x"
        assert absolute_url("measures.show", slug="x", as_of=None) == f"{site}/measures/x"
        assert external_url(url_for("api.measure", slug="x")) == f"{site}/api/v1/measures/x"
        assert WebLinks().home() == f"{site}/"
        assert authority() == ("example.org" if base_url else "internal")


def test_unmounted_addresses_are_on_the_request_host_or_base_url(app: Flask) -> None:
    with app.test_request_context("/"):
        assert absolute_url("statements.show", slug="s") == "http://localhost/statements/s"
    app.config["BASE_URL"] = "https://tracker.example.org"
    with app.test_request_context("/"):
        assert (
            absolute_url("statements.show", slug="s") == "https://tracker.example.org/statements/s"
        )
