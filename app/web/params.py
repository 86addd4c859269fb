"""Path and query parameters that hold a database id, checked before any query runs.

Ids are ``INTEGER`` columns: 32 bits on PostgreSQL (SQLite's are wider). A larger number in a
URL would make the driver fail (``OverflowError`` on SQLite, ``NumericValueOutOfRange`` on
PostgreSQL), a 500; checked here, it is a 422 like any other bad parameter.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from app.models.base import MAX_ID

DbId = Annotated[int, Path(ge=1, le=MAX_ID, description="A database id")]
"""An id in the path: ``campaign_id: DbId``."""

Cursor = Annotated[int, Query(ge=0, le=MAX_ID, description="Only outcomes with a larger id")]
"""An id to continue after, in the query (0: from the start)."""


def as_id(text: str) -> int | None:
    """A form field's id, or None when it is not one (not digits, zero, too large)."""
    value = text.strip()
    if not value.isascii() or not value.isdigit():
        return None
    number = int(value)
    return number if 1 <= number <= MAX_ID else None
