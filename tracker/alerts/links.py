"""The addresses alert messages carry: the exports' permalinks plus the pages of following.

The round knows nothing of HTTP; the face that runs it (the ``tracker alerts send`` command,
through ``tracker.http.links.WebLinks``) hands it an object with these methods. Every address is
absolute, on ``BASE_URL``, and leads straight to the page: no redirector, no tracking.
"""

from __future__ import annotations

from typing import Protocol

from tracker.exports.links import Links


class AlertLinks(Links, Protocol):
    """Absolute addresses for alert messages."""

    def country(self, code: str) -> str: ...
    def history(self, record_type: str, record_id: int) -> str: ...
    def listing(self, path_and_query: str) -> str:
        """A saved list or search ("/measures/?country=KG") on the site's address."""
        ...

    def manage(self) -> str:
        """Where a signed-in user manages what they follow."""
        ...

    def unsubscribe(self, token: str) -> str:
        """One subscription's unsubscribe page (GET) and one-click address (POST, RFC 8058)."""
        ...

    def unsubscribe_all(self, token: str) -> str:
        """Unsubscribe from everything an address follows."""
        ...
