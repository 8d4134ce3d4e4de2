"""The three journeys (researcher, advocate, journalist) in a real browser, against a real server.

Debian's Chromium driven by the ``playwright`` package. Without either, every module here is
skipped with a message saying how to enable it; with ``TRACKER_REQUIRE_BROWSER=1`` (CI) a
missing browser fails the run instead, so the journeys cannot silently stop running.
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# The Chromium version the run used, for the summary line (set by the ``browser`` fixture).
CHROMIUM_VERSION = pytest.StashKey[str]()
HOW_TO_ENABLE = (
    "install Chromium (apt-get install chromium) and the test extra (pip install -e '.[test]')"
)


@dataclass(frozen=True)
class Account:
    """A person with an account on the tracker under test."""

    email: str
    name: str
    role: str
    password: str


def missing() -> str | None:
    """What the browser tests lack on this machine, or None when they can run."""
    lacking = []
    if not CHROMIUM.exists():
        lacking.append(f"Chromium ({CHROMIUM})")
    for module in ("playwright", "axe_playwright_python"):
        if importlib.util.find_spec(module) is None:
            lacking.append(f"the {module} package")
    return " and ".join(lacking) or None


def skip_unless_browser() -> None:
    """Skip the calling test module, saying how to enable it (or fail, when CI requires it)."""
    lacking = missing()
    if lacking is None:
        return
    message = f"browser tests need {lacking}: {HOW_TO_ENABLE}"
    if os.environ.get("TRACKER_REQUIRE_BROWSER"):
        pytest.fail(f"TRACKER_REQUIRE_BROWSER is set but {message}", pytrace=False)
    pytest.skip(message, allow_module_level=True)
