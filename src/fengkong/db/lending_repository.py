"""Lending in the database: loans (state as JSON), schedules, contracts, payouts, repayments,
credit lines, draws and end-of-day progress, one store per use case, composed into the
repository a unit of work carries. Repositories never commit.

The loan state codec is `db.lending_codec`, the row mappers `db.lending_rows`, and what only
PostgreSQL does (pipelined driver SQL, COPY) `db.lending_pg`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fengkong.db.lending_eod import SqlEndOfDay
from fengkong.db.lending_lines import SqlCreditLines
from fengkong.db.lending_repayments import SqlRepayments
from fengkong.lending.ports import LendingBook


class SqlLendingRepository(SqlRepayments, SqlCreditLines, SqlEndOfDay):
    """All of lending's stores over one session (`lending.ports.LendingBook`)."""


# mypy checks the composed stores against the port lending declares.
if TYPE_CHECKING:
    _lending: type[LendingBook] = SqlLendingRepository
