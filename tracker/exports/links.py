"""Where records live on the web: permalinks for exports, built by the web layer."""

from __future__ import annotations

from typing import Protocol


class Links(Protocol):
    """Absolute addresses of the tracker's pages (``BASE_URL`` when set)."""

    def home(self) -> str: ...
    def measure(self, slug: str) -> str: ...
    def statement(self, slug: str) -> str: ...
    def organization(self, slug: str) -> str: ...
    def person(self, slug: str) -> str: ...


def event_link(measure_url: str, event_id: int) -> str:
    """An event is a fragment of its measure's page (the timeline's ``event-<id>`` anchors)."""
    path, _, _fragment = measure_url.partition("#")
    return f"{path}#event-{event_id}"
