"""Approve-if-secured offers (需提供担保后批准): the security a decision's offer is conditional
on, as lending reads it from the decision's offer document, the security registered to complete
it, and the pure checks that decide whether it does.

- The terms come from the decision (`offer["security"]`, written by `decision`'s policy): which
  kinds complete it (guarantor, collateral), the least collateral lending value (a minimum value
  and a maximum LTV on the offered amount), a guarantor's allowed kinds, least stated monthly
  income and most guaranteed exposure, and the days the offer stays open.
- Collateral completes it when its lending value (value × (1 − haircut)) reaches the least, from a
  valuation neither in the future nor older than `VALUATION_MAX_AGE_DAYS`.
- A guarantor completes it when of an allowed kind, not the applicant, stating at least the
  least income, and guaranteeing no more than the most with this loan (a guarantee of the whole
  loan, share 1).
- The offer lapses `within_days` after the decision's business date: neither registering nor
  accepting is possible after; end of day writes the lapse down (`secured_offers.lapse_step`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from fengkong.core.errors import FieldError, Invalid
from fengkong.core.money import Fen, format_fen
from fengkong.lending.collateral import CollateralType
from fengkong.lending.guarantee_rules import Guarantor

SECURED = "approve_secured"  # the decision outcome (decision's `Outcome.APPROVE_IF_SECURED`)
VALUATION_MAX_AGE_DAYS = 90


class SecurityKind(StrEnum):
    GUARANTOR = "guarantor"
    COLLATERAL = "collateral"


class SecuredStatus(StrEnum):
    AWAITING = "awaiting"  # open, nothing registered yet
    COMPLETED = "completed"  # the security is registered: the offer can be accepted
    EXPIRED = "expired"  # lapsed unsecured, or secured and never accepted in time
    BOOKED = "booked"  # accepted: the loan holds the security


@dataclass(frozen=True, slots=True)
class SecurityTerms:
    """What the offer asks for, as the decision recorded it."""

    requirement: str
    code: str
    text_en: str
    text_zh: str
    accepts: tuple[SecurityKind, ...]
    amount: Fen
    why: str
    within_days: int
    min_lending_value: Fen | None = None
    max_ltv: Decimal | None = None
    guarantor_kinds: tuple[str, ...] = ()
    guarantor_min_income: Fen | None = None
    guarantor_max_exposure: Fen | None = None

    def missing(self) -> str:
        """What is still to be registered, in both languages."""
        wants_en: list[str] = []
        wants_zh: list[str] = []
        if SecurityKind.GUARANTOR in self.accepts:
            wants_en.append("a guarantor")
            wants_zh.append("保证人")
        if SecurityKind.COLLATERAL in self.accepts:
            least = "" if self.min_lending_value is None else format_fen(self.min_lending_value)
            wants_en.append(f"collateral with a lending value of at least {least}".rstrip())
            wants_zh.append(f"抵质押物（折后价值不低于 {least}）")
        return f"needs {' or '.join(wants_en)} / 需提供{'或'.join(wants_zh)}"


def terms_of(condition: Mapping[str, object]) -> SecurityTerms:
    """The terms from the decision's recorded condition (`offer["security"]`)."""
    collateral = condition.get("collateral")
    guarantor = condition.get("guarantor")
    col = collateral if isinstance(collateral, Mapping) else {}
    gtr = guarantor if isinstance(guarantor, Mapping) else {}
    accepts = condition.get("accepts")
    return SecurityTerms(
        requirement=str(condition.get("requirement", "")),
        code=str(condition.get("code", "")),
        text_en=str(condition.get("text_en", "")),
        text_zh=str(condition.get("text_zh", "")),
        accepts=tuple(SecurityKind(k) for k in accepts) if isinstance(accepts, list) else (),
        amount=Fen(_int(condition.get("amount_fen")) or 0),
        why=str(condition.get("why", "")),
        within_days=_int(condition.get("within_days")) or 0,
        min_lending_value=_fen(col.get("min_lending_value_fen")),
        max_ltv=None if col.get("max_ltv") is None else Decimal(str(col["max_ltv"])),
        guarantor_kinds=tuple(str(k) for k in gtr.get("kinds") or ()),
        guarantor_min_income=_fen(gtr.get("min_monthly_income_fen")),
        guarantor_max_exposure=_fen(gtr.get("max_exposure_fen")),
    )


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _fen(value: object) -> Fen | None:
    found = _int(value)
    return None if found is None else Fen(found)


def expires_on(decided_on: date, terms: SecurityTerms) -> date:
    """The last business date the offer can be secured and accepted."""
    return decided_on + timedelta(days=terms.within_days)


@dataclass(frozen=True, slots=True)
class PledgedCollateral:
    type: CollateralType
    value: Fen
    haircut: Decimal
    valued_on: date
    source: str
    description: str = ""

    @property
    def lending_value(self) -> Fen:
        return Fen(int(self.value * (1 - self.haircut)))


@dataclass(frozen=True, slots=True)
class PledgedGuarantor:
    guarantor_id: str
    monthly_income: Fen


@dataclass(frozen=True, slots=True)
class SecuredOffer:
    """A conditional offer's security once registered (a row of `secured_offers`), and the loan
    it went to once the offer was accepted."""

    application_id: str
    decision_id: str
    kind: SecurityKind
    registered_at: datetime
    registered_by: str
    expires_on: date
    collateral: PledgedCollateral | None = None
    guarantor: PledgedGuarantor | None = None
    loan_id: str | None = None


def check_collateral(terms: SecurityTerms, pledged: PledgedCollateral, today: date) -> None:
    """`Invalid` (422) when the collateral cannot complete the offer: not accepted, a valuation
    in the future or too old, or a lending value below the least the offer needs."""
    errors: list[FieldError] = []
    if SecurityKind.COLLATERAL not in terms.accepts:
        errors.append(FieldError(("kind",), "this offer does not accept collateral"))
    if pledged.valued_on > today:
        errors.append(FieldError(("valued_on",), "a valuation cannot be in the future"))
    elif (today - pledged.valued_on).days > VALUATION_MAX_AGE_DAYS:
        errors.append(
            FieldError(
                ("valued_on",),
                f"the valuation is older than {VALUATION_MAX_AGE_DAYS} days / 估值已超过 "
                f"{VALUATION_MAX_AGE_DAYS} 天",
            )
        )
    least = terms.min_lending_value
    if least is not None and pledged.lending_value < least:
        ltv = "" if terms.max_ltv is None else f", LTV ≤ {terms.max_ltv}"
        errors.append(
            FieldError(
                ("value",),
                f"collateral below the minimum: lending value {format_fen(pledged.lending_value)} "
                f"after a {pledged.haircut} haircut, needs {format_fen(least)}{ltv} / 抵质押物"
                f"折后价值 {format_fen(pledged.lending_value)} 低于所需 {format_fen(least)}",
                "below_minimum",
            )
        )
    if errors:
        raise Invalid(tuple(errors))


def check_guarantor(
    terms: SecurityTerms,
    guarantor: Guarantor,
    monthly_income: int,
    applicant_id_bidx: str | None,
    exposure: int,
) -> None:
    """`Invalid` (422) when the guarantor cannot complete the offer: not accepted, of a kind the
    offer refuses, the applicant themself, too little income, or too much guaranteed already
    (`exposure`: what it guarantees now; the offer's amount is added)."""
    errors: list[FieldError] = []
    if SecurityKind.GUARANTOR not in terms.accepts:
        errors.append(FieldError(("kind",), "this offer does not accept a guarantor"))
    if terms.guarantor_kinds and guarantor.kind.value not in terms.guarantor_kinds:
        errors.append(
            FieldError(
                ("guarantor_id",),
                f"a {guarantor.kind.value} guarantor is not accepted; one of "
                f"{', '.join(terms.guarantor_kinds)}",
            )
        )
    if applicant_id_bidx is not None and guarantor.id_number_bidx == applicant_id_bidx:
        errors.append(
            FieldError(
                ("guarantor_id",),
                "the applicant cannot guarantee their own loan / 申请人不能为本人担保",
            )
        )
    if (
        isinstance(monthly_income, bool)
        or not isinstance(monthly_income, int)
        or monthly_income < 0
    ):
        errors.append(FieldError(("monthly_income",), f"must be fen ≥ 0: {monthly_income!r}"))
    elif terms.guarantor_min_income is not None and monthly_income < terms.guarantor_min_income:
        errors.append(
            FieldError(
                ("monthly_income",),
                f"the guarantor's monthly income {format_fen(Fen(monthly_income))} is below "
                f"{format_fen(terms.guarantor_min_income)} / 保证人月收入低于要求",
                "below_minimum",
            )
        )
    most = terms.guarantor_max_exposure
    if most is not None and exposure + terms.amount > most:
        errors.append(
            FieldError(
                ("guarantor_id",),
                f"the guarantor already guarantees {format_fen(Fen(exposure))}; with this loan "
                f"{format_fen(Fen(exposure + terms.amount))}, above {format_fen(most)} / "
                "保证人担保总额超过上限",
            )
        )
    if errors:
        raise Invalid(tuple(errors))
