"""Bodies of the credit-line endpoints added beside `loan_schemas`: a repayment of a draw."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from fengkong.api.input import InputModel
from fengkong.api.loan_schemas import LineOut, PositiveYuan, RepaymentOut
from fengkong.core.money import CURRENCY, Fen, yuan_to_fen
from fengkong.lending.behaviour import BehaviourScore
from fengkong.lending.line_aging import LineAging
from fengkong.lending.line_repayment import LineRepayment


class LineRepaymentIn(InputModel):
    model_config = ConfigDict(extra="forbid")
    draw_id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
    amount: PositiveYuan
    currency: Annotated[str, StringConstraints(min_length=1, max_length=8)] = CURRENCY

    def fen(self) -> Fen:
        return yuan_to_fen(self.amount)


class LineRepaymentOut(BaseModel):
    line: LineOut
    repayment: RepaymentOut = Field(description="The draw's repayment, as /v1/loans answers it")

    @classmethod
    def of(cls, result: LineRepayment, aging: LineAging) -> LineRepaymentOut:
        return cls(line=LineOut.of(result.line, aging), repayment=RepaymentOut.of(result.repayment))


class BehaviourScoreOut(BaseModel):
    """A borrower's behaviour score on a business date (`lending.rescoring`): the score and PD
    the line rules read, the model that gave them, its reason codes and the facts scored."""

    model_config = ConfigDict(frozen=True)

    customer: str
    business_date: date
    score: int
    pd: Decimal
    model_version: str
    reasons: list[str]
    facts: dict[str, float]

    @classmethod
    def of(cls, score: BehaviourScore) -> BehaviourScoreOut:
        return cls(
            customer=score.customer,
            business_date=score.business_date,
            score=score.score,
            pd=score.pd,
            model_version=score.model_version,
            reasons=list(score.reasons),
            facts=score.facts.features(),
        )
