"""How simulated people act at the platform's doors: what an applicant sends (an application
fitted to what the policy's product offers), whether they take the offer,
when they draw on a line, and the review habit of the
simulated officer. Every draw is seeded by the run's seed and the applicant's key, so a rerun
(or a resumed run) acts the same."""

from __future__ import annotations

import random
from datetime import date

from fengkong.core.money import Fen
from fengkong.lending.product import Product, nearest_term
from fengkong.onboarding.application import ApplicationRequest, Channel, ConsentGiven
from fengkong.onboarding.channel import SalesChannel
from fengkong.onboarding.consent import Purpose
from fengkong.onboarding.service import validate_applicant
from fengkong.sim.model import Applicant, FraudKind
from fengkong.sim.population import INDUSTRY_SECTIONS

# Share of approved honest applicants who take their offer (the rest shop elsewhere).
TAKE_UP = 0.9
# Of a live face check (`sim.identity_checks`): honest people pass it nearly always; a ring
# member sends a real face, an identity thief cannot.
PASSES_STEP_UP = {FraudKind.NONE: 0.97, FraudKind.RING: 0.6, FraudKind.IDENTITY_THIEF: 0.1}
# The officer's habit on a referral: approves most, fewer the riskier the model says the
# applicant is, and a phone call or document check unmasks half of the fraudsters.
OFFICER_BASE_APPROVAL = 0.85
OFFICER_PD_SLOPE = 1.5  # approval rate lost per unit of probability of default
OFFICER_CATCHES_FRAUD = 0.5
DECLINE_REASONS = ("REV_INCOME_NOT_VERIFIED", "REV_NOT_AFFORDABLE")
FRAUD_DECLINE_REASON = "REV_IDENTITY_NOT_CONFIRMED"
LINE_TERMS = (1, 3, 6, 12)


def rng_for(seed: int, *parts: object) -> random.Random:
    """The random stream of one choice of one person, the same on every run of `seed`."""
    return random.Random("/".join((str(seed), *map(str, parts))))


def fitted_terms(applicant: Applicant, product: Product) -> tuple[int, int]:
    """The term and amount (fen) asked for, brought within what `product` offers: the offered
    term nearest the wish (the longer on a tie), the amount clamped to the product's bounds and
    rounded to whole yuan."""
    term = nearest_term(product.terms, applicant.term_months)
    amount = min(max(int(applicant.amount), int(product.min_amount)), int(product.max_amount))
    amount = -(-amount // 100) * 100
    return term, min(amount, int(product.max_amount) // 100 * 100)


def application_request(
    applicant: Applicant,
    product: Product,
    as_of: date,
    channel: SalesChannel,
    *,
    data_sources: bool = False,
) -> ApplicationRequest:
    """The applicant's application as the decision service takes it, through `channel`: the
    identity validated and normalised as every door validates it (`validate_applicant`), and
    the industry as the GB/T 4754 section the application names (`INDUSTRY_SECTIONS`)."""
    person = applicant.identity
    term, amount = fitted_terms(applicant, product)
    return ApplicationRequest(
        product=product.code,
        amount=Fen(amount),
        term_months=term,
        purpose=applicant.purpose,
        monthly_income=applicant.monthly_income,
        applicant=validate_applicant(
            person.name,
            person.id_number,
            person.phone,
            as_of,
            bank_card=person.bank_card,
            employer_uscc=person.employer_uscc,
        ),
        profile=dict(applicant.profile),
        existing_monthly_debt=applicant.existing_monthly_debt,
        consents=(
            ConsentGiven(Purpose.CREDIT_BUREAU, "credit report for this application", "sim-1"),
            # the identity checks a policy may ask for before it decides
            ConsentGiven(Purpose.FRAUD_CHECK, "identity checks for this application", "sim-1"),
            # bank statements and other records, when the policy asks for them
            *(
                (
                    ConsentGiven(
                        Purpose.DATA_SOURCES, "bank statements for this application", "sim-1"
                    ),
                )
                if data_sources
                else ()
            ),
        ),
        channel=Channel(device_id=person.device_id, ip=person.ip, source=channel),
        industry=INDUSTRY_SECTIONS.get(applicant.industry),
    )


def takes_offer(applicant: Applicant, seed: int) -> bool:
    """Fraudsters always take the money; most honest applicants do."""
    return applicant.is_fraud or rng_for(seed, applicant.key, "take-up").random() < TAKE_UP


def officer_approves(applicant: Applicant, pd: float | None, seed: int) -> bool:
    """The simulated officer's call on a referral: a habit around the model's probability of
    default, and a check of documents and a phone call that unmasks some fraudsters."""
    rng = rng_for(seed, applicant.key, "officer")
    if applicant.is_fraud and rng.random() < OFFICER_CATCHES_FRAUD:
        return False
    p = OFFICER_BASE_APPROVAL - OFFICER_PD_SLOPE * (pd or 0.0)
    return rng.random() < min(max(p, 0.05), 0.95)


def decline_reason(applicant: Applicant, seed: int) -> str:
    if applicant.is_fraud:
        return FRAUD_DECLINE_REASON
    return rng_for(seed, applicant.key, "officer-reason").choice(DECLINE_REASONS)


def draw_plan(applicant: Applicant, seed: int, limit: int) -> tuple[int, int, int]:
    """A line holder's habit: how much of the limit each draw takes (fen, whole yuan), on which
    term, and how many days pass between draws."""
    rng = rng_for(seed, applicant.key, "draws")
    share = 1.0 if applicant.is_fraud else rng.uniform(0.3, 0.8)
    amount = max(int(limit * share) // 100 * 100, 10_000)
    term = nearest_term(LINE_TERMS, applicant.term_months)
    return min(amount, limit), term, rng.randrange(45, 120)


__all__ = [
    "application_request",
    "decline_reason",
    "draw_plan",
    "fitted_terms",
    "officer_approves",
    "rng_for",
    "takes_offer",
]
