"""How far behind a credit line is: the worst of its active draws, each aged by the one
definition (`lending.delinquency.delinquency`, stored on the draw's loan record).

End of day hands a line's triggers the worst stored DPD of its draws
(`lending.ports.EodStore.worst_dpd_on_line`); the line's view reads the same stored columns, so
both see the same number, and the bucket and class of the draw that is furthest behind."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from fengkong.lending.config import LendingConfig
from fengkong.lending.delinquency import LoanClass, classify, dpd_bucket
from fengkong.lending.errors import LineNotFound
from fengkong.lending.records import LoanRecord, LoanStage
from fengkong.lending.services import LendingServices


@dataclass(frozen=True, slots=True)
class LineAging:
    days_past_due: int  # the worst over the line's active draws, 0 with none
    bucket: str
    loan_class: LoanClass  # the worst class over the line's active draws


def worst_of(draws: Iterable[LoanRecord], config: LendingConfig) -> LineAging:
    """The line's aging from its draws' records: only active draws count."""
    active = [r for r in draws if r.stage is LoanStage.ACTIVE]
    dpd = max((r.days_past_due for r in active), default=0)
    worst = max(
        (r.loan_class for r in active),
        key=lambda c: c.rank,
        default=classify(0, rules=config.classification),
    )
    return LineAging(dpd, dpd_bucket(dpd, config.buckets), worst)


def line_aging(line_id: str, svc: LendingServices) -> LineAging:
    """The line's aging as its draws' stored records hold it."""
    with svc.uow() as uow:
        stored = uow.lending.get_line(line_id)
        if stored is None:
            raise LineNotFound(f"no credit line {line_id!r}")
        records = [uow.lending.get_loan(d.draw_id) for d in stored.line.draws]
    return worst_of((r for r in records if r is not None), svc.config)


__all__ = ["LineAging", "line_aging", "worst_of"]
