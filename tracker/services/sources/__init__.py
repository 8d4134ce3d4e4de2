"""Sources: ``read`` names them for lists, ``write`` saves one (sources are shared by URL)."""

from __future__ import annotations

from tracker.services.sources.read import (
    first_source_name,
    source_namer,
)
from tracker.services.sources.write import (
    save_source,
)

__all__ = [
    "first_source_name",
    "save_source",
    "source_namer",
]
