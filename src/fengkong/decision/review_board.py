"""The review queue as officers browse it: the items of one standing (open, claimed, held by the
officer, awaiting a second approval, closed), narrowed by product, sales channel and amount,
newest, oldest or soonest due first, one page at a time, each with its application's product and
channel.

A read model over `review_queue.list_items` and the stored applications; nothing is written.
The queue is read up to `list_items`' most (1000 items a standing): an application is read for
every candidate only when the product or channel narrows them, else for the page's rows alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from fengkong.core.clock import Clock
from fengkong.core.errors import FieldError, Invalid
from fengkong.core.money import Fen
from fengkong.decision.review import ReviewItem, ReviewStatus
from fengkong.decision.review_queue import ReviewUnitOfWork, list_items
from fengkong.onboarding.application import StoredApplication

# The standings an officer picks from; `active` is any not yet closed, `mine` those they hold.
BOARD_STATUSES: tuple[str, ...] = (
    "active",
    "open",
    "claimed",
    "mine",
    "awaiting_second",
    "approved",
    "declined",
    "expired",
)
ORDERS: tuple[str, ...] = ("newest", "oldest", "due")
MAX_PER_PAGE = 100
_READ_AT_MOST = 1000  # `list_items`' most, per standing


class Applications(Protocol):
    def get(self, application_id: str) -> StoredApplication | None: ...


class BoardUnitOfWork(ReviewUnitOfWork, Protocol):
    @property
    def applications(self) -> Applications: ...


@dataclass(frozen=True, slots=True)
class BoardFilter:
    """What the officer asked for; `officer` is their audit name (for `mine`)."""

    officer: str
    status: str = "active"
    product: str | None = None
    channel: str | None = None
    min_amount: Fen | None = None
    max_amount: Fen | None = None
    order: str = "newest"
    page: int = 1
    per_page: int = 25

    def check(self) -> None:
        errors = []
        if self.status not in BOARD_STATUSES:
            errors.append(FieldError(("status",), f"one of {', '.join(BOARD_STATUSES)}"))
        if self.order not in ORDERS:
            errors.append(FieldError(("order",), f"one of {', '.join(ORDERS)}"))
        if self.page < 1:
            errors.append(FieldError(("page",), "must be at least 1"))
        if not 0 < self.per_page <= MAX_PER_PAGE:
            errors.append(FieldError(("per_page",), f"between 1 and {MAX_PER_PAGE}"))
        for name in ("min_amount", "max_amount"):
            value = getattr(self, name)
            if value is not None and value < 0:
                errors.append(FieldError((name,), "must not be negative"))
        if (
            self.min_amount is not None
            and self.max_amount is not None
            and self.min_amount > self.max_amount
        ):
            errors.append(FieldError(("max_amount",), "must not be below the minimum"))
        if errors:
            raise Invalid(tuple(errors))


@dataclass(frozen=True, slots=True)
class BoardRow:
    item: ReviewItem
    product: str | None  # None: the application is gone (never, short of a broken store)
    channel: str | None  # None: stored before channels were kept


@dataclass(frozen=True, slots=True)
class BoardPage:
    rows: tuple[BoardRow, ...]
    total: int  # items matching the filter (up to the queue's read limit)
    page: int
    pages: int


def _standing(uow: ReviewUnitOfWork, clock: Clock, f: BoardFilter) -> list[ReviewItem]:
    def of(status: ReviewStatus) -> tuple[ReviewItem, ...]:
        return list_items(uow, clock, status=status, limit=_READ_AT_MOST)

    match f.status:
        case "active":
            return [
                *of(ReviewStatus.OPEN),
                *of(ReviewStatus.CLAIMED),
                *of(ReviewStatus.AWAITING_SECOND),
            ]
        case "mine":
            held = [*of(ReviewStatus.CLAIMED), *of(ReviewStatus.AWAITING_SECOND)]
            return [i for i in held if i.claimed_by == f.officer]
        case _:
            return list(of(ReviewStatus(f.status)))


def _in_amounts(item: ReviewItem, f: BoardFilter) -> bool:
    return (f.min_amount is None or item.amount >= f.min_amount) and (
        f.max_amount is None or item.amount <= f.max_amount
    )


def _row(uow: BoardUnitOfWork, item: ReviewItem) -> BoardRow:
    app = uow.applications.get(item.application_id)
    if app is None:
        return BoardRow(item, None, None)
    return BoardRow(item, app.product, None if app.channel is None else app.channel.value)


def _sorted(items: Iterable[ReviewItem], order: str) -> list[ReviewItem]:
    match order:
        case "oldest":
            return sorted(items, key=lambda i: (i.created_at, i.id))
        case "due":
            return sorted(items, key=lambda i: (i.due_at, i.id))
        case _:
            return sorted(items, key=lambda i: (i.created_at, i.id), reverse=True)


def review_board(uow: BoardUnitOfWork, clock: Clock, f: BoardFilter) -> BoardPage:
    """One page of the queue as `f` asks; `Invalid` names the fields it cannot take."""
    f.check()
    items = _sorted((i for i in _standing(uow, clock, f) if _in_amounts(i, f)), f.order)
    if f.product is not None or f.channel is not None:
        rows = [
            r
            for r in (_row(uow, i) for i in items)
            if (f.product is None or r.product == f.product)
            and (f.channel is None or r.channel == f.channel)
        ]
        total = len(rows)
        start = (f.page - 1) * f.per_page
        shown = tuple(rows[start : start + f.per_page])
    else:
        total = len(items)
        start = (f.page - 1) * f.per_page
        shown = tuple(_row(uow, i) for i in items[start : start + f.per_page])
    pages = max(1, -(-total // f.per_page))
    return BoardPage(shown, total, f.page, pages)
