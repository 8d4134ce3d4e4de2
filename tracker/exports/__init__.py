"""Exports for journalists and data users: briefs, list downloads, the full dataset, feeds.

Every export reads through the services (so the visibility rule and the status rule exist once),
says "as of" which day it describes and when it was generated, and cites its sources. The web
layer (tracker.web.exports) turns requests into calls of these functions; nothing here reads
the request, so the same code serves the CLI and the tests. Heavy libraries (WeasyPrint,
python-docx, openpyxl) are imported only by the function that needs them, so that a worker that
never renders a PDF does not carry them in memory.
"""
