"""Lending's stores in memory (`lending.ports.LendingBook`), composed as the SQL repository
(`db/lending_repository.py`) composes its own: loans, payouts and repayments, credit lines and
draws, end of day."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fakes.eod import MemoryEndOfDay
from fakes.lines import MemoryCreditLines
from fakes.tables import Tables
from fengkong.lending.ports import LendingBook


class MemoryLending(MemoryEndOfDay, MemoryCreditLines):
    """Every lending store over one unit of work's tables."""

    def __init__(self, tables: Tables) -> None:
        self.tables = tables


# mypy checks the composed stores against the port lending declares.
if TYPE_CHECKING:
    _lending: type[LendingBook] = MemoryLending
