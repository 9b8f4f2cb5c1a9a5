"""The facts a small-business policy (`decision/policies/business-v1.yaml`) decides a simulated
business's application on: its documents' features by their family names, the loan asked for,
and the facts the decision service supplies (score, consents, lists, exposure), with the limit
stage's money read from the business's cash flow:

- `monthly_income`: the monthly operating cash flow of the latest financial statements
  (经营活动现金流量净额 over the months reported), in fen;
- `existing_monthly_debt`: the legal representative's existing monthly repayments, in fen (the
  business's own interest is already paid out of its cash flow).

For tests, back-tests and the simulator's business path; the decision service builds the same
mapping from recorded fetches."""

from __future__ import annotations

import math
from collections.abc import Mapping

from fengkong.decision.source_facts import SourceStatus, status_fact
from fengkong.features.documents import FeatureValue
from fengkong.sim.business import SmallBusiness
from fengkong.sim.business_documents import BUSINESS_ANSWERS, BusinessDocuments

__all__ = ["monthly_cash_flow", "oracle_score", "policy_facts"]


def monthly_cash_flow(documents: BusinessDocuments) -> int | None:
    """The latest period's operating cash flow a month, in whole fen (None when not reported)."""
    latest = documents.financials.latest
    if latest.operating_cash_flow is None:
        return None
    return int(latest.operating_cash_flow // latest.months)


def oracle_score(firm: SmallBusiness) -> int:
    """The score a perfect model would give: the hidden PD on the scorecard scale (600 points at
    odds of 50:1, 20 points to double them). For testing a policy apart from a model."""
    odds = (1 - firm.pd) / firm.pd
    return round(600 + 20 * math.log2(odds / 50))


# The concentration facts of a book with room in every industry and region: what a back-test
# of the policy on simulated businesses assumes unless it builds a book.
BOOK_WITHIN_LIMITS: Mapping[str, object] = {
    "concentration.industry_over_limit": False,
    "concentration.region_over_limit": False,
}


def policy_facts(
    firm: SmallBusiness,
    documents: BusinessDocuments,
    features: Mapping[str, FeatureValue],
    *,
    score: int,
    consent: bool = True,
    returning: bool = False,
    exposure: int = 0,
    concentration: Mapping[str, object] | None = None,
) -> dict[str, object]:
    """The facts of `firm`'s application: `features` (`business_features`) with the service's.
    `concentration`: the book's `concentration.*` facts; by default a book within its limits."""
    facts: dict[str, object] = {k: v for k, v in features.items() if v is not None}
    facts.update(BOOK_WITHIN_LIMITS if concentration is None else concentration)
    # every document was had, as the policy's `sources:` stage reads it
    facts.update({status_fact(kind.value): SourceStatus.OK.value for kind in BUSINESS_ANSWERS})
    facts.update(
        {
            "score": score,
            "amount": int(firm.amount),
            "term_months": firm.term_months,
            "existing_monthly_debt": int(firm.owner.existing_monthly_debt),
            "existing_exposure": exposure,
            "customer.returning": returning,
            "consent.credit_bureau": consent,
            "consent.data_sources": consent,
            "lists.black_hit": False,
        }
    )
    cash = monthly_cash_flow(documents)
    if cash is not None:
        facts["monthly_income"] = cash
    return facts
