"""Write-off (核销) is allowed from the configured DPD, and takes what is charged off the books."""

from datetime import date, timedelta

import pytest

from fengkong.core.errors import Invalid
from fengkong.lending.delinquency import (
    NotEligibleForWriteOff,
    WriteOffPolicy,
    write_off,
    write_off_eligible,
)
from fengkong.lending.loan import LoanStatus, WrittenOff
from lending.servicing_helpers import loan

FIRST_DUE = date(2025, 2, 15)


def test_eligible_from_the_configured_dpd() -> None:
    state = loan()
    policy = WriteOffPolicy(min_days_past_due=90)
    assert not write_off_eligible(state, FIRST_DUE + timedelta(days=89), policy)
    assert write_off_eligible(state, FIRST_DUE + timedelta(days=90), policy)
    with pytest.raises(NotEligibleForWriteOff):
        write_off(state, FIRST_DUE + timedelta(days=89), "uncollectable", policy)


def test_write_off_takes_the_accrued_receivables() -> None:
    on = FIRST_DUE + timedelta(days=180)
    result = write_off(loan(), on, "uncollectable after 180 days")
    written = result.events[-1]
    assert isinstance(written, WrittenOff)
    state = result.state
    assert state.status is LoanStatus.WRITTEN_OFF
    assert written.written_off == state.outstanding
    assert written.written_off.principal == 1_000_000
    assert written.written_off.penalty > 0


def test_write_off_needs_a_reason() -> None:
    with pytest.raises(Invalid):
        write_off(loan(), FIRST_DUE + timedelta(days=400), "  ")
