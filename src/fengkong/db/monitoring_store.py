"""Portfolio monitoring in the database (`monitoring.snapshots.PortfolioStore`): the loans read as
`LoanFacts` (each joined to its application, or for a draw its line's application, and that
application's decision), the book's mark, and the stored snapshots."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from fengkong.core.money import Fen
from fengkong.db.ledger_tables import journal_entries, journal_postings
from fengkong.db.lending_codec import state_from_json
from fengkong.db.lending_tables import credit_lines, eod_runs, loans
from fengkong.db.monitoring_tables import portfolio_snapshot_books, portfolio_snapshots
from fengkong.db.tables import applications, decisions
from fengkong.ledger.accounts import LOSS_ALLOWANCE, PRINCIPAL_RECEIVABLE
from fengkong.lending.quiet import with_quiet_charge
from fengkong.monitoring.as_of import LoanHistory
from fengkong.monitoring.facts import UNKNOWN, LoanFacts, score_band, vintage_of
from fengkong.monitoring.figures import DIMENSIONS, Exposure, SegmentFigures
from fengkong.monitoring.snapshots import BookMark, DatedRow, SnapshotBook, SnapshotRow
from fengkong.onboarding.party import CUSTOMER_PREFIX, PartyTokens, customer_id

# The stages a snapshot reads (`monitoring.figures`): paid out, on the books or not.
_COUNTED = ("active", "settled", "written_off")
# The largest borrowers are kept as rows of their own dimension, one per customer, beside the
# segments (`figures.TOP_KEPT` of them); reports by dimension never ask for it.
BORROWER = "borrower"
_STREAM = 10_000  # loans fetched at a time
_PAGE = 2_000  # loans a rebuild reads at a time, with their journal balances


class SqlPortfolioStore:
    """Implements `PortfolioStore` in the unit of work's session (never commits)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def _facts_query(self, on: date) -> sa.Select[Any]:
        owner = sa.func.coalesce(loans.c.application_id, credit_lines.c.application_id)
        # `_facts` unpacks each row by position: the columns' order here is the order there.
        return (
            sa.select(
                loans.c.id,
                loans.c.product_code,
                loans.c.status,
                loans.c.booked_on,
                loans.c.amount_fen,
                loans.c.principal_outstanding_fen,
                loans.c.days_past_due,
                loans.c.dpd_bucket,
                loans.c.loan_class,
                loans.c.allowance_fen,
                loans.c.reserve_fen,
                applications.c.channel,
                applications.c.region,
                applications.c.industry,
                applications.c.id_number_bidx,
                decisions.c.score,
                decisions.c.pd,
            )
            .select_from(
                loans.outerjoin(credit_lines, credit_lines.c.id == loans.c.line_id)
                .outerjoin(applications, applications.c.id == owner)
                .outerjoin(decisions, decisions.c.application_id == owner)
            )
            .where(loans.c.booked_on <= on, loans.c.status.in_(_COUNTED))
            .order_by(loans.c.id)
        )

    def loan_facts(self, on: date) -> Iterator[LoanFacts]:
        query = self._facts_query(on)
        result = self.session.execute(query, execution_options={"yield_per": _STREAM})
        for r in result:
            yield _facts(r)

    def loan_histories(self, on: date) -> Iterator[LoanHistory]:
        # Keyset pages of loans ordered by id, each with its journal balances at the end of `on`
        # read for the page's loans only: a rebuild streams the book as a snapshot does.
        after = ""
        while True:
            page = self.session.execute(
                self._facts_query(on)
                .add_columns(
                    loans.c.state,
                    loans.c.accrued_through,
                    loans.c.quiet_instalment,
                    loans.c.quiet_charged_fen,
                )
                .where(loans.c.id > after)
                .limit(_PAGE)
            ).all()
            if not page:
                return
            ids = [r[0] for r in page]
            held = self._balances(ids, on)
            for r in page:
                state_doc, accrued_through, quiet_instalment, quiet_charged = r[-4:]
                if isinstance(state_doc, str):
                    state_doc = json.loads(state_doc)
                state = state_from_json(state_doc)
                if quiet_instalment is not None:
                    state = with_quiet_charge(
                        state, quiet_instalment, quiet_charged, accrued_through
                    )
                principal, allowance = held.get(r[0], (0, 0))
                yield LoanHistory(_facts(r[:-4]), state, Fen(principal), Fen(allowance))
            after = ids[-1]

    def _balances(self, ids: Sequence[str], on: date) -> dict[str, tuple[int, int]]:
        """By loan, (principal receivable, loss allowance) over the entries dated up to `on`."""
        signed = sa.case(
            (journal_postings.c.side == "debit", journal_postings.c.amount_fen),
            else_=-journal_postings.c.amount_fen,
        )
        found = self.session.execute(
            sa.select(
                journal_postings.c.loan_id, journal_postings.c.account_code, sa.func.sum(signed)
            )
            .select_from(
                journal_postings.join(
                    journal_entries, journal_entries.c.entry_id == journal_postings.c.entry_id
                )
            )
            .where(
                journal_postings.c.loan_id.in_(list(ids)),
                journal_postings.c.account_code.in_(
                    (PRINCIPAL_RECEIVABLE.code, LOSS_ALLOWANCE.code)
                ),
                journal_entries.c.business_date <= on,
            )
            .group_by(journal_postings.c.loan_id, journal_postings.c.account_code)
        ).all()
        held: dict[str, tuple[int, int]] = {}
        for loan_id, code, debit_less_credit in found:
            principal, allowance = held.get(loan_id, (0, 0))
            if code == PRINCIPAL_RECEIVABLE.code:
                principal = int(debit_less_credit)
            else:  # a contra-asset: its balance is on the credit side
                allowance = -int(debit_less_credit)
            held[loan_id] = (principal, allowance)
        return held

    def first_booked_on(self) -> date | None:
        value = self.session.execute(
            sa.select(sa.func.min(loans.c.booked_on)).where(loans.c.status.in_(_COUNTED))
        ).scalar_one()
        return value  # type: ignore[no-any-return]

    def book_mark(self) -> BookMark:
        count, revisions = self.session.execute(
            sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(loans.c.revision), 0))
        ).one()
        return BookMark(int(count), int(revisions))

    def last_completed_eod(self) -> date | None:
        value = self.session.execute(
            sa.select(sa.func.max(eod_runs.c.business_date)).where(eod_runs.c.status == "done")
        ).scalar_one()
        return value  # type: ignore[no-any-return]

    def replace_snapshot(
        self, rows: Sequence[SnapshotRow], book: SnapshotBook, borrowers: Sequence[Exposure] = ()
    ) -> None:
        on = book.business_date
        self.session.execute(
            portfolio_snapshots.delete().where(portfolio_snapshots.c.business_date == on)
        )
        self.session.execute(
            portfolio_snapshot_books.delete().where(portfolio_snapshot_books.c.business_date == on)
        )
        if rows:
            self.session.execute(
                portfolio_snapshots.insert(),
                [
                    {
                        "business_date": on,
                        "dimension": dimension,
                        "segment": segment,
                        "figures": figures.as_dict(),
                    }
                    for dimension, segment, figures in rows
                ],
            )
        if borrowers:
            self.session.execute(
                portfolio_snapshots.insert(),
                [
                    {
                        "business_date": on,
                        "dimension": BORROWER,
                        "segment": e.customer,
                        "figures": {
                            "rank": k,
                            "loans": e.loans,
                            "outstanding_fen": int(e.outstanding_fen),
                        },
                    }
                    for k, e in enumerate(borrowers, start=1)
                ],
            )
        self.session.execute(
            portfolio_snapshot_books.insert().values(
                business_date=on,
                taken_at=book.taken_at,
                loans=book.loans,
                book_mark=book.book_mark,
                lgd=str(book.lgd),
            )
        )

    def snapshot_book(self, on: date) -> SnapshotBook | None:
        row = self.session.execute(
            sa.select(portfolio_snapshot_books).where(
                portfolio_snapshot_books.c.business_date == on
            )
        ).first()
        if row is None:
            return None
        return SnapshotBook(
            business_date=row.business_date,
            taken_at=row.taken_at,
            loans=row.loans,
            book_mark=row.book_mark,
            lgd=Decimal(row.lgd),
        )

    def snapshot_rows(self, on: date, dimensions: Sequence[str]) -> list[SnapshotRow]:
        found = self.session.execute(
            sa.select(
                portfolio_snapshots.c.dimension,
                portfolio_snapshots.c.segment,
                portfolio_snapshots.c.figures,
            ).where(
                portfolio_snapshots.c.business_date == on,
                portfolio_snapshots.c.dimension.in_(list(dimensions)),
            )
        ).all()
        order = {d: k for k, d in enumerate(DIMENSIONS)}
        rows = [(r.dimension, r.segment, SegmentFigures.from_dict(r.figures)) for r in found]
        return sorted(rows, key=lambda row: (order.get(row[0], len(order)), row[1]))

    def snapshot_span(self) -> tuple[date, date] | None:
        first, last = self.session.execute(
            sa.select(
                sa.func.min(portfolio_snapshot_books.c.business_date),
                sa.func.max(portfolio_snapshot_books.c.business_date),
            )
        ).one()
        return None if first is None else (first, last)

    def snapshot_dates(self, until: date) -> list[date]:
        found = self.session.execute(
            sa.select(portfolio_snapshot_books.c.business_date)
            .where(portfolio_snapshot_books.c.business_date <= until)
            .order_by(portfolio_snapshot_books.c.business_date)
        ).scalars()
        return list(found)

    def dimension_rows(self, dates: Sequence[date], dimension: str) -> list[DatedRow]:
        if not dates:
            return []
        found = self.session.execute(
            sa.select(
                portfolio_snapshots.c.business_date,
                portfolio_snapshots.c.segment,
                portfolio_snapshots.c.figures,
            )
            .where(
                portfolio_snapshots.c.business_date.in_(list(dates)),
                portfolio_snapshots.c.dimension == dimension,
            )
            .order_by(portfolio_snapshots.c.business_date, portfolio_snapshots.c.segment)
        ).all()
        return [(r.business_date, r.segment, SegmentFigures.from_dict(r.figures)) for r in found]

    def top_borrowers(self, on: date, n: int) -> list[Exposure]:
        found = self.session.execute(
            sa.select(portfolio_snapshots.c.segment, portfolio_snapshots.c.figures).where(
                portfolio_snapshots.c.business_date == on,
                portfolio_snapshots.c.dimension == BORROWER,
            )
        ).all()
        ranked = sorted(found, key=lambda r: int(r.figures["rank"]))[:n]
        return [
            Exposure(r.segment, int(r.figures["loans"]), Fen(int(r.figures["outstanding_fen"])))
            for r in ranked
        ]

    def party_tokens(self, customers: Sequence[str]) -> Mapping[str, PartyTokens]:
        indexes = [c[len(CUSTOMER_PREFIX) :] for c in customers if c.startswith(CUSTOMER_PREFIX)]
        if not indexes:
            return {}
        found = self.session.execute(
            sa.select(
                applications.c.id_number_bidx,
                applications.c.name_enc,
                applications.c.id_number_enc,
                applications.c.phone_enc,
            )
            .where(applications.c.id_number_bidx.in_(indexes))
            .order_by(applications.c.received_at, applications.c.id)
        ).all()
        # Later applications overwrite earlier ones: the latest party stands.
        return {
            customer_id(r.id_number_bidx): PartyTokens(
                r.id_number_bidx, r.name_enc, r.id_number_enc, r.phone_enc
            )
            for r in found
        }


# Many loans share a booking date, a score and a PD: each is turned into its segment once.
_vintage = functools.lru_cache(maxsize=4096)(vintage_of)
_band = functools.lru_cache(maxsize=1024)(score_band)
_pd = functools.lru_cache(maxsize=65536)(Decimal)


def _facts(r: Any) -> LoanFacts:
    # Unpacked by position (the select's order): a snapshot reads every loan, and a row's
    # attributes by name cost more than the rest of the loan's facts.
    (
        loan_id, product, status, booked_on, amount, principal, dpd, bucket, loan_class,
        allowance, reserve, channel, region, industry, bidx, score, pd,
    ) = r  # fmt: skip
    written_off = status == "written_off"
    return LoanFacts(
        loan_id=loan_id,
        product=product,
        channel=channel or UNKNOWN,
        region=region or UNKNOWN,
        vintage=_vintage(booked_on),
        score_band=_band(score),
        stage=status,
        principal_outstanding=Fen(principal),
        days_past_due=dpd,
        bucket=bucket,
        loan_class=loan_class,
        pd=None if pd is None else _pd(pd),
        allowance=Fen(allowance),
        reserve=Fen(reserve),
        amount=Fen(amount),
        # A written-off loan keeps the positions it was written off with: what it owed is
        # what was written off.
        written_off=Fen(principal) if written_off else Fen(0),
        customer=None if bidx is None else CUSTOMER_PREFIX + bidx,  # `customer_id`
        industry=industry or UNKNOWN,
    )
