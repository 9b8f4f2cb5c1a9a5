"""The limit, price and term an officer may grant on a referred application: the bounds of the
policy that referred it, worked out from what its decision stored.

- limit: at least the product's minimum; at most the amount applied for, the product's maximum,
  the limit matrix (the cell the policy found, as its `limits.adjust` raised or cut it, else the
  most of the score band's row, else of the whole matrix when the referral came before the score
  band was known) and the exposure cap less what the applicant already owed us;
- annual rate: within the product's rate range, which bounds the policy's own pricing too;
- term: one the product offers;
- and the all-in APR of the resulting loan within the legal cap the policy decided under;
- optionally, approval on condition of security (需提供担保后批准): one of the policy's own
  security requirements, as its approve_secured offers state them; never on a credit line.

Pure functions over a compiled policy and a stored decision; nothing here reads or writes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from fengkong.core.errors import FieldError, Invalid
from fengkong.core.money import Fen, format_fen, yuan_to_fen
from fengkong.decision.facts import facts_from_json
from fengkong.decision.policy import CompiledPolicy
from fengkong.decision.pricing import RATE_QUANTUM, Offer, all_in_apr, offer_within_cap
from fengkong.decision.record import DecisionRecord
from fengkong.lending.product import ProductKind


@dataclass(frozen=True, slots=True)
class OfficerTerms:
    """What an officer grants: the limit (fen), the nominal annual rate and the term, and the
    security requirement (by name, of the referring policy) the approval is conditional on."""

    amount: Fen
    annual_rate: Decimal
    term_months: int
    security: str | None = None

    def as_dict(self) -> dict[str, object]:
        doc: dict[str, object] = {
            "amount_fen": int(self.amount),
            "annual_rate": str(self.annual_rate),
            "term_months": self.term_months,
        }
        if self.security is not None:
            doc["security"] = self.security
        return doc


@dataclass(frozen=True, slots=True)
class AskedTerms:
    """What the officer typed; a part left out takes the default (see `resolve_terms`)."""

    amount: Fen | None = None
    annual_rate: Decimal | None = None
    term_months: int | None = None
    security: str | None = None  # a requirement's name: approve on condition of security


@dataclass(frozen=True, slots=True)
class TermsBounds:
    """The most and least an officer may grant on one referral, and why."""

    policy: str  # the label of the policy that referred it, e.g. "retail-v3"
    min_amount: Fen
    max_amount: Fen
    max_amount_basis: str  # which bound is the tightest, in words
    min_annual_rate: Decimal
    max_annual_rate: Decimal
    terms: tuple[int, ...]
    apr_cap: Decimal
    apr_cap_basis: str
    suggested_amount: Fen | None  # the policy's own limit if it found one, else the amount asked
    suggested_annual_rate: Decimal | None  # the policy's price, if it got as far as pricing
    suggested_term_months: int | None
    # the policy's security requirements an approval may be conditional on (none on a line)
    security: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "policy": self.policy,
            "min_amount_fen": int(self.min_amount),
            "max_amount_fen": int(self.max_amount),
            "max_amount_basis": self.max_amount_basis,
            "min_annual_rate": str(self.min_annual_rate),
            "max_annual_rate": str(self.max_annual_rate),
            "terms": list(self.terms),
            "apr_cap": str(self.apr_cap),
            "apr_cap_basis": self.apr_cap_basis,
            "suggested_amount_fen": None
            if self.suggested_amount is None
            else int(self.suggested_amount),
            "suggested_annual_rate": None
            if self.suggested_annual_rate is None
            else str(self.suggested_annual_rate),
            "suggested_term_months": self.suggested_term_months,
            "security": list(self.security),
        }


def _stage_detail(decision: DecisionRecord, stage: str) -> Mapping[str, Any]:
    for entry in decision.trace:
        if entry.get("stage") == stage:
            detail = entry.get("detail")
            return detail if isinstance(detail, Mapping) else {}
    return {}


def _adjusted_cell(limit: Mapping[str, Any]) -> Fen | None:
    """The cell as the policy's `limits.adjust` set it (the limit stage's `adjusted`, written by
    `format_fen`), or None when no adjustment was made or it cannot be read."""
    written = limit.get("adjusted")
    if not isinstance(written, str):
        return None
    try:
        return yuan_to_fen(written.replace("¥", "").replace(",", "").strip())
    except Invalid:
        return None


def _matrix_ceiling(policy: CompiledPolicy, decision: DecisionRecord) -> tuple[Fen, str]:
    limit = _stage_detail(decision, "limit")
    band, afford = str(limit.get("score_band")), str(limit.get("affordability"))
    if (band, afford) in policy.matrix:
        # The cell as the policy adjusted it (a salary raises it, full cards cut it): the limit
        # the policy itself would have granted, which an officer's default amount is.
        adjusted = _adjusted_cell(limit)
        if adjusted is not None:
            return adjusted, f"the limit matrix for score band {band} × {afford}, as adjusted"
        return (
            policy.matrix[(band, afford)],
            f"the limit matrix for score band {band} × {afford}",
        )
    band = str(limit.get("score_band") or _stage_detail(decision, "pricing").get("band"))
    row = [amount for (b, _), amount in policy.matrix.items() if b == band]
    if row:
        return Fen(max(row)), f"the limit matrix's most for score band {band}"
    return Fen(max(policy.matrix.values(), default=0)), "the limit matrix's most"


def requested_amount(decision: DecisionRecord) -> Fen | None:
    asked = decision.inputs.get("amount_fen")
    return None if asked is None else Fen(int(asked))


def terms_bounds(policy: CompiledPolicy, decision: DecisionRecord) -> TermsBounds:
    """The bounds of `policy` (the one that referred `decision`) on what an officer grants."""
    product = policy.product
    ceilings: list[tuple[Fen, str]] = [(product.max_amount, "the product's maximum")]
    asked = requested_amount(decision)
    if asked is not None:
        ceilings.append((asked, "the amount applied for"))
    ceilings.append(_matrix_ceiling(policy, decision))
    if policy.max_exposure is not None:
        owed = facts_from_json(decision.facts).get("existing_exposure")
        if isinstance(owed, int) and not isinstance(owed, bool):
            ceilings.append(
                (
                    Fen(max(policy.max_exposure - owed, 0)),
                    f"the exposure cap {format_fen(policy.max_exposure)} less "
                    f"{format_fen(owed)} already lent",
                )
            )
        else:
            ceilings.append((policy.max_exposure, "the exposure cap"))
    # The first of the tightest names it: the product, then the application, then the policy.
    ceiling, basis = min(ceilings, key=lambda c: c[0])
    offer = decision.offer or {}
    suggested = offer.get("amount_fen", asked)
    term = offer.get("term_months") or decision.term_months or decision.inputs.get("term_months")
    rate = offer.get("annual_rate") or decision.annual_rate
    return TermsBounds(
        policy=policy.label,
        min_amount=product.min_amount,
        max_amount=ceiling,
        max_amount_basis=basis,
        min_annual_rate=product.min_annual_rate,
        max_annual_rate=product.max_annual_rate,
        terms=product.terms,
        apr_cap=policy.cap.annual,
        apr_cap_basis=policy.cap.basis,
        suggested_amount=None if suggested is None else Fen(int(suggested)),
        suggested_annual_rate=None if rate is None else Decimal(str(rate)),
        suggested_term_months=None if term is None else int(term),
        security=()
        if product.kind is ProductKind.REVOLVING_LINE
        else tuple(sorted(policy.security)),
    )


def resolve_terms(
    asked: AskedTerms, default: OfficerTerms | None, bounds: TermsBounds
) -> AskedTerms:
    """The officer's terms with the parts left out taken from `default` (a first approval's
    terms) or else from the policy's suggestion."""
    return AskedTerms(
        amount=asked.amount
        if asked.amount is not None
        else (default.amount if default else bounds.suggested_amount),
        annual_rate=asked.annual_rate
        if asked.annual_rate is not None
        else (default.annual_rate if default else bounds.suggested_annual_rate),
        term_months=asked.term_months
        if asked.term_months is not None
        else (default.term_months if default else bounds.suggested_term_months),
        # no policy suggestion here: the condition is the officer's to ask, or the first's
        security=asked.security
        if asked.security is not None
        else (default.security if default else None),
    )


def check_terms(
    asked: AskedTerms, bounds: TermsBounds, policy: CompiledPolicy, start: date
) -> tuple[OfficerTerms, Offer]:
    """The terms, and the loan they make paid out `start`, if within `bounds`; else `Invalid`
    with one error per field naming the bound it breaks."""
    errors: list[FieldError] = []
    amount, rate, term = asked.amount, asked.annual_rate, asked.term_months
    of_policy = f"(policy {bounds.policy})"
    if amount is None:
        errors.append(FieldError(("limit",), "required: the policy proposed no limit"))
    elif amount < bounds.min_amount:
        errors.append(
            FieldError(
                ("limit",),
                f"{format_fen(amount)} is below the product's minimum "
                f"{format_fen(bounds.min_amount)} {of_policy}",
            )
        )
    elif amount > bounds.max_amount:
        errors.append(
            FieldError(
                ("limit",),
                f"{format_fen(amount)} is above {format_fen(bounds.max_amount)}, "
                f"{bounds.max_amount_basis} {of_policy}",
            )
        )
    if rate is None:
        errors.append(FieldError(("annual_rate",), "required: the policy priced nothing"))
    elif not bounds.min_annual_rate <= rate <= bounds.max_annual_rate:
        errors.append(
            FieldError(
                ("annual_rate",),
                f"{rate} is outside the product's rate range {bounds.min_annual_rate}.."
                f"{bounds.max_annual_rate} {of_policy}",
            )
        )
    elif rate != rate.quantize(RATE_QUANTUM):
        errors.append(FieldError(("annual_rate",), f"at most 6 decimals, not {rate}"))
    if term is None:
        errors.append(FieldError(("term_months",), "required: the policy proposed no term"))
    elif term not in bounds.terms:
        offered = ", ".join(map(str, bounds.terms))
        errors.append(
            FieldError(
                ("term_months",),
                f"{term} months is not offered by the product; one of {offered} {of_policy}",
            )
        )
    if asked.security is not None and asked.security not in bounds.security:
        errors.append(_security_error(asked.security, bounds))
    if errors:
        raise Invalid(tuple(errors))
    assert amount is not None and rate is not None and term is not None
    offer = offer_within_cap(policy.product, amount, term, rate, start, policy.cap)
    if offer is None:
        apr = all_in_apr(policy.product, amount, term, rate, start)
        raise Invalid(
            (
                FieldError(
                    ("annual_rate",),
                    f"the all-in APR of this loan, {apr * 100:.2f} %, is above the legal cap "
                    f"{bounds.apr_cap * 100:f} % ({bounds.apr_cap_basis}); lower the rate",
                ),
            )
        )
    return OfficerTerms(amount, rate, term, asked.security), offer


def _security_error(name: str, bounds: TermsBounds) -> FieldError:
    if not bounds.security:
        return FieldError(
            ("security",),
            "no security requirement to approve on: the policy defines none, or offers a "
            "credit line, which takes no security / 该政策未定义担保要求或为循环额度产品，"
            "不能附担保条件批准",
            "unknown_security",
        )
    return FieldError(
        ("security",),
        f"{name!r} is not a security requirement of policy {bounds.policy}; one of "
        f"{', '.join(bounds.security)} / 非该政策的担保要求",
        "unknown_security",
        bounds.security,
    )


def parse_rate(text: str | None, loc: str = "annual_rate") -> Decimal | None:
    """A rate typed as a fraction ("0.15" is 15 % a year)."""
    if text is None:
        return None
    try:
        value = Decimal(str(text).strip())
    except (InvalidOperation, ValueError):
        raise Invalid((FieldError((loc,), f"not a number: {text!r}"),)) from None
    if not value.is_finite() or value <= 0:
        raise Invalid((FieldError((loc,), f"must be a positive fraction like 0.15: {text!r}"),))
    return value
