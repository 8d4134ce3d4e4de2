"""Editing pages: forms to create, change and delete every kind of record (editors only).

- table.py: what differs between kinds, one EditKind entry each (form, address, save function,
  pickers, where a deletion goes, what it takes with it).
- pages.py: what every kind shares: the blueprint, the form page, the conflict page, the page
  for a record deleted meanwhile, the deletion's confirmation.
- views.py: the routes made from the table (``edit.new_measure``, ``edit.edit_statement``,
  ``edit.delete_source``, …), the list of sources and the measure page's event form.
"""

from __future__ import annotations

from tracker.web.editing import views as views  # adds the routes to the blueprint
from tracker.web.editing.pages import Page, bp

__all__ = ["Page", "bp"]
