"""The servicing steps of end of day, in the order they must run for each business date."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date

from fengkong.lending.autodebit import autodebit_step
from fengkong.lending.blacklist_trigger import blacklist_step
from fengkong.lending.collateral_service import collateral_step
from fengkong.lending.collections import collections_step
from fengkong.lending.eod_steps import DateStep
from fengkong.lending.guarantee import guarantee_step
from fengkong.lending.line_notices import line_notice_step
from fengkong.lending.receipts_trigger import receipts_step
from fengkong.lending.reminders import reminder_step
from fengkong.lending.secured_offers import lapse_step
from fengkong.lending.servicing import ServicingServices


def servicing_steps(svc: ServicingServices) -> tuple[DateStep, ...]:
    """The per-date steps, in the order they must run: the black-list check first (it may close
    lines), the missing-receipts freeze (docs/use-of-funds.md), the lapse of conditional offers
    past their last date (docs/decisions.md), then auto-debit (a successful debit cures what later steps would chase), guarantor
    calls, collateral, the line notices (of every rule's action on a line that date, the loan
    chunks' triggers included), collections, and the reminders last (they report the day's
    outcome)."""

    def bind(step: Callable[[date, ServicingServices], Mapping[str, int]]) -> DateStep:
        return lambda day: step(day, svc)

    return tuple(
        bind(step)
        for step in (
            blacklist_step,
            receipts_step,
            lapse_step,
            autodebit_step,
            guarantee_step,
            collateral_step,
            line_notice_step,
            collections_step,
            reminder_step,
        )
    )
