"""In-memory twin of `db/servicing_collections.py`: the collections queue, officers' actions and
promises to pay; delinquent loans (with their decision's score and PD) and repayments are read
from the lending and decision tables, as the SQL store reads them."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

from fakes.records import DuplicateKey
from fakes.tables import Tables
from fengkong.lending.records import LoanStage
from fengkong.lending.servicing_records import (
    CaseStatus,
    CollectionAction,
    CollectionCase,
    PromiseStatus,
    PromiseToPay,
)


class MemoryCollections:
    def __init__(self, tables: Tables) -> None:
        self.tables = tables

    def cases(self, status: CaseStatus) -> list[CollectionCase]:
        return [c for c in self.tables.collection_cases.values() if c.status is status]

    def get_case(self, loan_id: str) -> CollectionCase | None:
        return self.tables.collection_cases.get(loan_id)

    def save_case(self, c: CollectionCase) -> None:
        self.tables.collection_cases[c.loan_id] = c

    def delinquent_loans(self, min_dpd: int) -> list[tuple[str, int | None, Decimal | None]]:
        """Active loans at or past `min_dpd`, with the score and PD of their decision if any."""
        decided = {d.application_id: d for d in self.tables.decisions.values()}
        found = []
        for r in sorted(self.tables.loans.values(), key=lambda r: r.loan_id):
            if r.stage is not LoanStage.ACTIVE or r.days_past_due < min_dpd:
                continue
            d = decided.get(r.application_id) if r.application_id is not None else None
            score = None if d is None else d.score
            pd = None if d is None or d.pd is None else Decimal(d.pd)
            found.append((r.loan_id, score, pd))
        return found

    def add_action(self, a: CollectionAction, now: datetime) -> None:
        if a.action_id in self.tables.collection_actions:
            raise DuplicateKey(f"collection_actions: {a.action_id!r} is taken")
        self.tables.collection_actions[a.action_id] = (a, now)

    def actions_for(self, loan_id: str) -> list[CollectionAction]:
        rows = [row for row in self.tables.collection_actions.values() if row[0].loan_id == loan_id]
        return [a for a, _ in sorted(rows, key=lambda row: (row[1], row[0].action_id))]

    def add_promise(self, p: PromiseToPay, now: datetime) -> None:
        if p.promise_id in self.tables.promises:
            raise DuplicateKey(f"promises_to_pay: {p.promise_id!r} is taken")
        self.tables.promises[p.promise_id] = (p, now)

    def save_promise(self, p: PromiseToPay) -> None:
        """Update the promise's standing (status, paid, closed); what was promised stays."""
        stored = self.tables.promises.get(p.promise_id)
        if stored is None:
            return
        old, at = stored
        new = replace(old, status=p.status, paid=p.paid, closed_on=p.closed_on)
        self.tables.promises[p.promise_id] = (new, at)

    def promises_for(self, loan_id: str) -> list[PromiseToPay]:
        rows = [row for row in self.tables.promises.values() if row[0].loan_id == loan_id]
        return [p for p, _ in sorted(rows, key=lambda row: (row[1], row[0].promise_id))]

    def open_promises(self) -> list[PromiseToPay]:
        rows = [p for p, _ in self.tables.promises.values() if p.status is PromiseStatus.OPEN]
        return sorted(rows, key=lambda p: p.promise_id)

    def repaid_between(self, loan_id: str, start: date, end: date) -> int:
        return sum(
            int(r.amount)
            for r in self.tables.repayments.values()
            if r.loan_id == loan_id and r.status == "applied" and start <= r.business_date <= end
        )
