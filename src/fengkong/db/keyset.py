"""Keyset pages in SQL: order by (key, id), start strictly after the cursor's (key, id), and
read one row more than the page to know whether another follows."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import sqlalchemy as sa

from fengkong.core.paging import KeyValue, Page, PageRequest, Position

T = TypeVar("T")


def after(
    key: sa.ColumnElement[Any], row_id: sa.ColumnElement[Any], request: PageRequest
) -> sa.ColumnElement[bool] | None:
    """The condition "after the cursor" in the request's order, or None on the first page."""
    if request.after is None:
        return None
    value, last = request.after.value, request.after.id
    if request.sort.descending:
        return sa.or_(key < value, sa.and_(key == value, row_id < last))
    return sa.or_(key > value, sa.and_(key == value, row_id > last))


def ordered(
    key: sa.ColumnElement[Any], row_id: sa.ColumnElement[Any], request: PageRequest
) -> tuple[sa.ColumnElement[Any], sa.ColumnElement[Any]]:
    if request.sort.descending:
        return key.desc(), row_id.desc()
    return key.asc(), row_id.asc()


def paged(
    query: sa.Select[Any],
    key: sa.ColumnElement[Any],
    row_id: sa.ColumnElement[Any],
    request: PageRequest,
    *,
    having: bool = False,
) -> sa.Select[Any]:
    """`query` limited to the request's page (plus one row); `having` for a grouped key."""
    condition = after(key, row_id, request)
    if condition is not None:
        query = query.having(condition) if having else query.where(condition)
    return query.order_by(*ordered(key, row_id, request)).limit(request.limit + 1)


def page_of(
    rows: Sequence[Any],
    request: PageRequest,
    build: Callable[[Any], T],
    position: Callable[[Any], tuple[KeyValue, str]],
) -> Page[T]:
    """The page's rows built, and the position of its last one if more rows follow."""
    shown = rows[: request.limit]
    more = len(rows) > request.limit
    return Page(
        tuple(build(r) for r in shown),
        Position(*position(shown[-1])) if more and shown else None,
    )
