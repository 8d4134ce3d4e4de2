"""The system libraries two downloads need, and a clear error when one is missing.

PDF briefs (WeasyPrint) need pango, PNG charts (CairoSVG) need cairo. pip installs the Python
packages but not these, so on a machine without them everything else works and those two
downloads answer with what to install instead of failing at start-up or with a bare 500.
"""

from __future__ import annotations

import importlib
from types import ModuleType


class MissingSystemLibrary(RuntimeError):
    """A download needs a system library this machine does not have."""


def load(module: str, needs: str) -> ModuleType:
    """Import ``module``; if its system library is missing, say which package provides it."""
    try:
        return importlib.import_module(module)
    except OSError as exc:  # cffi's dlopen failing: the library itself is not installed
        raise MissingSystemLibrary(
            f"This download needs the {needs} library, which is not installed on the server. "
            f"On Debian or Ubuntu: apt-get install {SYSTEM_PACKAGES}."
        ) from exc


SYSTEM_PACKAGES = "libcairo2 libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core"
