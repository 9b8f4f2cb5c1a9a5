"""The facts an application adds for a business borrower and for the book's concentration,
beside `decision.facts.policy_facts`: what the application declares of the business
(`declared.*`, apart from the documents' `business.*` features that the registry and tax records
give) and, for a policy that reads them, the concentration of its industry and region
(`decision.concentration`). One function, `application_side_facts`, called once by the
decision service."""

from __future__ import annotations

from fengkong.decision.concentration import (
    ConcentrationCache,
    concentration_facts,
    needs_concentration,
)
from fengkong.decision.policy import CompiledPolicy
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


# By policy (its document's sha256): whether it reads a `concentration.*` fact. Worked out once,
# so a consumer decision pays a dictionary look-up for the question.
_READS_CONCENTRATION: dict[str, bool] = {}


def reads_concentration(policy: CompiledPolicy) -> bool:
    found = _READS_CONCENTRATION.get(policy.sha256)
    if found is None:
        found = _READS_CONCENTRATION[policy.sha256] = needs_concentration(policy.facts_needed)
    return found


def application_side_facts(
    req: ApplicationRequest,
    policy: CompiledPolicy,
    concentration: ConcentrationCache | None,
) -> dict[str, object]:
    """The declared business facts (a business application) and the concentration facts (a
    policy that reads a `concentration.*` fact, with a snapshot taken)."""
    facts = {} if req.business is None else declared_business_facts(req.business)
    if concentration is None or not reads_concentration(policy):
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
