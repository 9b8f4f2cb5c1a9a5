"""The rows an in-memory unit of work keeps: one dict per table, keyed as the table is, holding
frozen domain records. A unit of work copies the dicts when it begins (the records themselves are
immutable, so a shallow copy is a snapshot) and publishes its changes when it commits."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from fengkong.access.approvals import ApprovalRequest
from fengkong.audit.chain import AuditRecord
from fengkong.core.errors import Conflict
from fengkong.decision.officer import OfficerDecision
from fengkong.decision.policy_registry import PolicyVersion
from fengkong.decision.record import DecisionRecord
from fengkong.decision.review import ReviewEvent, ReviewItem
from fengkong.fraud.lists import ListEntry
from fengkong.ledger.journal import JournalEntry
from fengkong.lending.behaviour import BehaviourScore
from fengkong.lending.collateral import CollateralItem
from fengkong.lending.contract import Contract
from fengkong.lending.errors import DuplicateKey, StaleLoan
from fengkong.lending.guarantee_rules import Guarantee
from fengkong.lending.records import (
    DrawRecord,
    LineRecord,
    LoanRecord,
    PayoutRecord,
    RepaymentRecord,
)
from fengkong.lending.schedule import Instalment
from fengkong.lending.secured_offer import SecuredOffer
from fengkong.lending.servicing_records import CollectionAction, CollectionCase, PromiseToPay
from fengkong.lending.use_of_funds import FundUse, Receipt
from fengkong.onboarding.application import StoredApplication
from fengkong.onboarding.consent import ConsentRecord
from fengkong.scoring.registry import ModelVersion


@dataclass(frozen=True, slots=True)
class StoredBundle:
    """A row of `policy_bundles`."""

    label: str
    bundle: dict[str, Any]
    first_used_at: datetime


@dataclass(frozen=True, slots=True)
class PostedEntry:
    """A row of `journal_entries` with its postings: the entry, the hash of the request that
    posted it and when."""

    entry: JournalEntry
    request_hash: str
    posted_at: datetime


@dataclass(frozen=True, slots=True)
class LinkFlags:
    """An application's outcome flags on the identity-link graph."""

    declined: bool
    defaulted: bool


@dataclass(frozen=True, slots=True)
class StoredPayout:
    """A row of `payouts`: the record and when it was first stored (the order a loan's payouts
    are listed in)."""

    payout: PayoutRecord
    created_at: datetime


@dataclass(slots=True)
class Tables:
    """Every table the in-memory repositories keep. Dicts keep insertion order, which is the
    order rows were added in; repositories sort as their SQL twins do where the order matters."""

    applications: dict[str, StoredApplication] = field(default_factory=dict)
    decisions: dict[str, DecisionRecord] = field(default_factory=dict)
    models: dict[str, ModelVersion] = field(default_factory=dict)  # by version
    audit: list[AuditRecord] = field(default_factory=list)  # in seq order, from seq 1
    journal: dict[str, PostedEntry] = field(default_factory=dict)  # by entry id
    policy_bundles: dict[str, StoredBundle] = field(default_factory=dict)  # by sha256
    reviews: dict[str, ReviewItem] = field(default_factory=dict)
    review_events: dict[str, tuple[ReviewEvent, ...]] = field(default_factory=dict)
    officer_decisions: dict[str, OfficerDecision] = field(default_factory=dict)
    policies: dict[str, PolicyVersion] = field(default_factory=dict)  # by version
    consents: dict[str, ConsentRecord] = field(default_factory=dict)
    list_entries: dict[str, ListEntry] = field(default_factory=dict)
    approvals: dict[str, ApprovalRequest] = field(default_factory=dict)
    # The identity-link graph's applications: those it took, with their flags.
    linked: dict[str, LinkFlags] = field(default_factory=dict)
    # Lending (`db/lending_tables.py`).
    loans: dict[str, LoanRecord] = field(default_factory=dict)
    instalments: dict[str, tuple[Instalment, ...]] = field(default_factory=dict)  # by loan
    contracts: dict[str, Contract] = field(default_factory=dict)  # by loan
    payouts: dict[str, StoredPayout] = field(default_factory=dict)
    repayments: dict[str, RepaymentRecord] = field(default_factory=dict)
    lines: dict[str, LineRecord] = field(default_factory=dict)
    draws: dict[str, DrawRecord] = field(default_factory=dict)  # by the draw's loan
    # the latest behaviour score of each line's borrower, by line
    line_scores: dict[str, BehaviourScore] = field(default_factory=dict)
    eod_runs: dict[date, Mapping[str, Any]] = field(default_factory=dict)
    eod_progress: dict[tuple[date, int], Mapping[str, Any]] = field(default_factory=dict)
    # Lending's unique columns, "table.column:value" -> the row's key: a unique index as a table
    # of its own, so two units of work taking the same key clash at the commit, as at the
    # database's unique constraint.
    lending_keys: dict[str, str] = field(default_factory=dict)
    # Servicing (`db/servicing_tables.py`): collections, with when each action and promise was
    # stored (the order they are listed in).
    collection_cases: dict[str, CollectionCase] = field(default_factory=dict)  # by loan
    collection_actions: dict[str, tuple[CollectionAction, datetime]] = field(default_factory=dict)
    promises: dict[str, tuple[PromiseToPay, datetime]] = field(default_factory=dict)
    # Use of funds (`db/funds_tables.py`): by loan, and each loan's receipts in the order given.
    fund_uses: dict[str, FundUse] = field(default_factory=dict)
    fund_receipts: dict[str, tuple[Receipt, ...]] = field(default_factory=dict)
    # Approve-if-secured offers (`db/secured_offer_tables.py`), by application, and what went
    # to each loan on booking (the collateral item or the guarantee), by loan.
    secured_offers: dict[str, SecuredOffer] = field(default_factory=dict)
    loan_security: dict[str, CollateralItem | Guarantee] = field(default_factory=dict)
    # the lapsed ones (`secured_offer_lapses`): the business date each lapsed, by application
    secured_lapses: dict[str, date] = field(default_factory=dict)

    def copy(self) -> Tables:
        """A snapshot: new containers, the same immutable records."""
        tables = Tables()
        tables.load(self)
        return tables

    def load(self, other: Tables) -> None:
        """Hold copies of `other`'s containers, in place: repositories bound to these tables
        see them."""
        for f in dataclasses.fields(self):
            value = getattr(other, f.name)
            setattr(self, f.name, type(value)(value))


KEYED = tuple(f.name for f in dataclasses.fields(Tables) if f.name != "audit")

# What a commit raises for a row another unit of work changed meanwhile: lending's use cases
# retry a stale loan or line and a key taken by a concurrent request, as they do when the
# database's revision check or unique constraint refuses the write.
ON_CONFLICT: dict[str, type[Conflict]] = {
    "loans": StaleLoan,
    "lines": StaleLoan,
    "lending_keys": DuplicateKey,
}
