"""Statements: ``read`` lists and shows them, ``write`` saves one with its quotes."""

from __future__ import annotations

from tracker.services.statements.read import (
    StatementFilters,
    by_organizations,
    count_statements,
    get_statement,
    iter_statements,
    list_statements,
    newest_statements,
    page_statements,
    statement_counts,
    statements_by,
)
from tracker.services.statements.write import (
    save_statement,
)

__all__ = [
    "StatementFilters",
    "by_organizations",
    "count_statements",
    "get_statement",
    "iter_statements",
    "list_statements",
    "newest_statements",
    "page_statements",
    "save_statement",
    "statement_counts",
    "statements_by",
]
