"""The facts an application adds for a business borrower and for the book's concentration,
beside `decision.facts.policy_facts`: what the application declares of the business
(`declared.*`, apart from the documents' `business.*` features that the registry and tax records
give) and, for a policy that reads them, the concentration of its industry and region
(`decision.concentration`). One function, `application_side_facts`, called once by the
decision service."""

from __future__ import annotations

from collections.abc import Iterable

from fengkong.decision.concentration import (
    ConcentrationCache,
    concentration_facts,
    needs_concentration,
)
from fengkong.onboarding.application import ApplicationRequest
from fengkong.onboarding.business import BusinessApplicant


def declared_business_facts(business: BusinessApplicant) -> dict[str, object]:
    """What the application says of the business: years, revenue, owners, guarantors."""
    return {
        "declared.years_in_operation": business.years_in_operation,
        "declared.annual_revenue": int(business.annual_revenue),
        "declared.owners_count": len(business.owners),
        "declared.owners_share_bp": business.owners_share_bp,
        "declared.guarantor_present": bool(business.guarantors),
        "declared.guarantors_count": len(business.guarantors),
        "declared.industry": business.industry,
        "declared.region": business.region,
    }


def application_side_facts(
    req: ApplicationRequest,
    facts_needed: Iterable[str],
    concentration: ConcentrationCache | None,
) -> dict[str, object]:
    """The declared business facts (a business application) and the concentration facts (a
    policy among whose `facts_needed` is a `concentration.*` one, with a snapshot taken)."""
    facts = {} if req.business is None else declared_business_facts(req.business)
    if concentration is None or not needs_concentration(facts_needed):
        return facts
    book = concentration.current()
    if book is not None:
        facts.update(
            concentration_facts(
                book,
                industry=req.segment_industry,
                region=req.region,
                amount=req.amount,
                limits=concentration.limits,
            )
        )
    return facts
