"""Who may see what. Anonymous visitors read public records only."""

from __future__ import annotations

from flask import g


def can_see_internal() -> bool:
    """Signed-in users see internal records; the accounts issue sets ``g.user``."""
    return g.get("user") is not None
