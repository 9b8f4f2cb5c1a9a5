"""Hypothesis strategies shared by the ledger tests, handed out as session fixtures (the test
directory is not a package, so they cannot be imported)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import strategies as st

from fengkong.core.money import Fen
from fengkong.ledger.audit import AuditRecord, append
from fengkong.ledger.journal import JournalEntry
from fengkong.ledger.loan_entries import (
    Receivables,
    RepaymentAllocation,
    accrual,
    disbursement,
    provision,
    refund,
    repayment,
    reserve,
    write_off,
)

START = datetime(2025, 3, 31, 1, 0, tzinfo=UTC)
DAY = date(2025, 3, 31)

fen = st.integers(min_value=0, max_value=10**10)
positive_fen = st.integers(min_value=1, max_value=10**10)
signed_fen = st.integers(min_value=-(10**10), max_value=10**10).filter(bool)
loan_ids = st.sampled_from(("loan_A", "loan_B", "loan_C"))


@st.composite
def _entry(draw: st.DrawFn, n: int) -> JournalEntry:
    """One entry from a randomly chosen builder; ids and keys are made unique by `n`."""
    ids: dict[str, Any] = {
        "entry_id": f"je_{n}",
        "business_date": DAY,
        "idempotency_key": f"key_{n}",
    }
    loan = draw(loan_ids)
    kind = draw(st.sampled_from(("disb", "accr", "repay", "prov", "resv", "wo", "refund")))
    if kind == "disb":
        return disbursement(
            **ids, loan_id=loan, principal=draw(positive_fen), origination_fee=draw(fen)
        )
    if kind == "accr":
        parts = draw(st.tuples(fen, fen, fen).filter(any))
        return accrual(**ids, loan_id=loan, interest=parts[0], fee=parts[1], penalty=parts[2])
    if kind == "repay":
        split = draw(st.tuples(fen, fen, fen, fen, fen).filter(any))
        return repayment(**ids, loan_id=loan, allocation=RepaymentAllocation(*map(Fen, split)))
    if kind == "prov":
        return provision(**ids, change=draw(signed_fen), loan_id=draw(st.none() | loan_ids))
    if kind == "resv":
        return reserve(**ids, change=draw(signed_fen))
    if kind == "wo":
        owed = draw(st.tuples(fen, fen, fen, fen).filter(any))
        return write_off(
            **ids,
            loan_id=loan,
            written_off=Receivables(*map(Fen, owed)),
            allowance_available=draw(fen),
        )
    return refund(**ids, loan_id=loan, amount=draw(positive_fen), paid_out=draw(st.booleans()))


@st.composite
def _entries(draw: st.DrawFn) -> tuple[JournalEntry, ...]:
    count = draw(st.integers(min_value=1, max_value=12))
    return tuple(draw(_entry(n)) for n in range(count))


@pytest.fixture(scope="session")
def journal_entries() -> st.SearchStrategy[tuple[JournalEntry, ...]]:
    return _entries()


_payloads = st.dictionaries(
    st.sampled_from(("amount", "loan_id", "reason", "rate", "note")),
    st.one_of(
        st.integers(-(10**12), 10**12),
        st.text(max_size=8),
        st.decimals(allow_nan=False, allow_infinity=False, places=4),
        st.none(),
    ),
    max_size=3,
)
_events = st.tuples(
    st.sampled_from(("officer_1", "system", "api_key_7")),
    st.sampled_from(("loan.disbursed", "repayment.posted", "line.frozen", "policy.published")),
    st.sampled_from(("L1", "L2", "P9")),
    _payloads,
    st.integers(min_value=0, max_value=3600),
    st.none() | st.sampled_from(("req_01KJPY44E05VGSZ79JXK9XXWVF", "cmpl-42")),  # request id
)


def build_chain(
    events: Sequence[tuple[str, str, str, Mapping[str, object], int, str | None]],
) -> tuple[AuditRecord, ...]:
    records: list[AuditRecord] = []
    at = START
    for actor, action, subject_id, payload, gap_seconds, request_id in events:
        at += timedelta(seconds=gap_seconds)
        records.append(
            append(
                records[-1] if records else None,
                at=at,
                actor=actor,
                action=action,
                subject_type="loan",
                subject_id=subject_id,
                payload=payload,
                request_id=request_id,
            )
        )
    return tuple(records)


def _chains(min_size: int) -> st.SearchStrategy[tuple[AuditRecord, ...]]:
    return st.lists(_events, min_size=min_size, max_size=25).map(build_chain)


@pytest.fixture(scope="session")
def audit_chains() -> Callable[[int], st.SearchStrategy[tuple[AuditRecord, ...]]]:
    """`audit_chains(min_size)`: valid chains of at least that many records."""
    return _chains


@pytest.fixture(scope="session")
def forged_record() -> Callable[[AuditRecord | None], AuditRecord]:
    """A well-formed record an intruder chains after `prev`, as `append` would."""

    def forge(prev: AuditRecord | None) -> AuditRecord:
        return append(
            prev,
            at=START + timedelta(days=1),
            actor="intruder",
            action="loan.disbursed",
            subject_type="loan",
            subject_id="L1",
            payload={"amount": 99_999_00, "rate": Decimal("0.0001")},
        )

    return forge
