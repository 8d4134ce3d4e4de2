"""The addresses alert messages carry, built by the web layer on BASE_URL."""

from __future__ import annotations

from flask import Flask

from tests.alerts.conftest import BASE_URL
from tracker.http.links import WebLinks


def test_alert_links_are_permalinks_on_the_base_url(app: Flask) -> None:
    links = WebLinks()
    with app.test_request_context("/", base_url="http://internal-host:5000"):
        assert links.country("KG") == f"{BASE_URL}/countries/KG"
        assert links.history("measure", 3) == f"{BASE_URL}/history/measure/3"
        assert links.listing("/measures/?country=KG") == f"{BASE_URL}/measures/?country=KG"


def test_a_saved_list_never_links_to_another_site(app: Flask) -> None:
    links = WebLinks()
    with app.test_request_context("/", base_url=BASE_URL):
        for target in ("https://evil.example/x", "//evil.example/x", "javascript:alert(1)"):
            assert links.listing(target) == f"{BASE_URL}/"
