"""The unit-of-work contract every use case's port extends: `with uow: …; uow.commit()`, and
leaving the block without `commit` rolls back. Each area adds the repositories it needs."""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, Self


class UnitOfWork(Protocol):
    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    def commit(self) -> None: ...
