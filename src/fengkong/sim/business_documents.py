"""What the simulated providers answer about a simulated small business (`sim.business`) on a
day: its registry record, tax and utility payments, financial statements and bank statements,
and its owner's personal credit report, each drawn by the `sim.sources_*` generators from the
business's hidden state, so that they agree with its hidden risk. Each document comes from a
generator seeded by `(seed, business, kind)`: the same seed answers the same documents.

`read_documents` reads them as the platform does (`sources.*.read`), and `business_features`
computes the feature families on them (`features.bureau`, `features.business`,
`features.statements`, `features.financials` with the requested instalment): the one definition
the decision service uses online."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType
from typing import Any

from fengkong.core.errors import NotFound
from fengkong.core.money import Fen
from fengkong.features.bureau import BUREAU_FEATURES
from fengkong.features.business import BUSINESS_FEATURES, TAX_FEATURES, UTILITY_FEATURES
from fengkong.features.documents import FeatureValue
from fengkong.features.financials import FINANCIAL_FEATURES, FinancialsRequest
from fengkong.features.statements import STATEMENT_FEATURES
from fengkong.sim.business import SmallBusiness
from fengkong.sim.sources_bureau import BUREAU_COST, answer_bureau
from fengkong.sim.sources_business import (
    REGISTRY_COST,
    TAX_COST,
    UTILITY_COST,
    answer_business_registry,
    answer_tax,
    answer_utility,
)
from fengkong.sim.sources_financials import FINANCIALS_COST, financials_document
from fengkong.sim.sources_statements import STATEMENT_COST, statement_document
from fengkong.sources import bureau, business, financials, payments, statements
from fengkong.sources.bureau import BureauReport
from fengkong.sources.business import RegistryRecord
from fengkong.sources.connector import Subject
from fengkong.sources.financials import Financials
from fengkong.sources.kinds import SourceKind
from fengkong.sources.payments import TaxRecords, UtilityRecords
from fengkong.sources.statements import BankStatements

__all__ = [
    "BUSINESS_ANSWERS",
    "BusinessAnswerer",
    "BusinessDocuments",
    "answer_for_business",
    "business_documents",
    "business_features",
    "business_subject",
    "owner_subject",
    "read_documents",
]

STATEMENT_MONTHS = 6


def _rng(seed: int, firm: SmallBusiness, kind: SourceKind) -> random.Random:
    return random.Random(f"{seed}:{firm.key}:{kind.value}")


def business_subject(firm: SmallBusiness) -> Subject:
    """The business as a subject of the registry, tax, utility and statement documents."""
    return Subject(key=firm.key, name=firm.name, uscc=firm.uscc)


def owner_subject(firm: SmallBusiness) -> Subject:
    """The business's legal representative as the subject of a personal credit report."""
    who = firm.owner.identity
    return Subject(key=f"{firm.key}/owner", name=who.name, id_number=who.id_number)


def _bureau(firm: SmallBusiness, as_of: date, seed: int) -> dict[str, Any]:
    return answer_bureau(firm.owner, as_of, _rng(seed, firm, SourceKind.CREDIT_BUREAU))


def _registry(firm: SmallBusiness, as_of: date, seed: int) -> dict[str, Any]:
    rng = _rng(seed, firm, SourceKind.BUSINESS_REGISTRY)
    return answer_business_registry(firm.owner, as_of, rng, business=firm.docs())


def _tax(firm: SmallBusiness, as_of: date, seed: int) -> dict[str, Any]:
    rng = _rng(seed, firm, SourceKind.TAX_PAYMENTS)
    return answer_tax(firm.owner, as_of, rng, business=firm.docs())


def _utility(firm: SmallBusiness, as_of: date, seed: int) -> dict[str, Any]:
    rng = _rng(seed, firm, SourceKind.UTILITY_PAYMENTS)
    return answer_utility(firm.owner, as_of, rng, business=firm.docs())


def _financials(firm: SmallBusiness, as_of: date, seed: int) -> dict[str, Any]:
    return financials_document(
        company=firm.name,
        uscc=firm.uscc,
        annual_revenue=firm.annual_revenue,
        creditworthiness=firm.strength,
        rng=_rng(seed, firm, SourceKind.FINANCIAL_STATEMENTS),
        as_of=as_of,
        debt_ratio=firm.debt_ratio,
        margin=firm.margin,
        growth=firm.growth,
    )


def _statements(firm: SmallBusiness, as_of: date, seed: int) -> dict[str, Any]:
    revenue = firm.annual_revenue
    statement = statement_document(
        holder=firm.name,
        monthly_income=Fen(revenue // 12),
        creditworthiness=-firm.risk,
        salaried=False,
        # the business's own debt service: a tenth of its liabilities' share of a month's sales
        monthly_debt=Fen(round(revenue / 12 * firm.debt_ratio * 0.1)),
        rng=_rng(seed, firm, SourceKind.BANK_STATEMENT),
        as_of=as_of,
        months=STATEMENT_MONTHS,
    )
    return {"statements": [statement]}


BusinessAnswerer = Callable[[SmallBusiness, date, int], dict[str, Any]]
# Each kind a simulated provider answers about a business: how, and the price of one call.
BUSINESS_ANSWERS: Mapping[SourceKind, tuple[BusinessAnswerer, Fen]] = MappingProxyType(
    {
        SourceKind.CREDIT_BUREAU: (_bureau, BUREAU_COST),
        SourceKind.BUSINESS_REGISTRY: (_registry, REGISTRY_COST),
        SourceKind.TAX_PAYMENTS: (_tax, TAX_COST),
        SourceKind.UTILITY_PAYMENTS: (_utility, UTILITY_COST),
        SourceKind.FINANCIAL_STATEMENTS: (_financials, FINANCIALS_COST),
        SourceKind.BANK_STATEMENT: (_statements, STATEMENT_COST),
    }
)


def answer_for_business(
    firm: SmallBusiness, kind: SourceKind, as_of: date, seed: int
) -> dict[str, Any]:
    """What the simulated provider of `kind` answers about `firm` (its owner, for the bureau)."""
    found = BUSINESS_ANSWERS.get(kind)
    if found is None:
        raise NotFound(f"no simulated business provider answers {kind.value}")
    return found[0](firm, as_of, seed)


def business_documents(
    firm: SmallBusiness, as_of: date, seed: int
) -> dict[SourceKind, dict[str, Any]]:
    """Every document a simulated provider answers about `firm` as of `as_of`, by kind, as JSON."""
    return {kind: answer(firm, as_of, seed) for kind, (answer, _) in BUSINESS_ANSWERS.items()}


@dataclass(frozen=True, slots=True)
class BusinessDocuments:
    """The documents of one business as the platform reads them."""

    bureau: BureauReport
    registry: RegistryRecord
    tax: TaxRecords
    utility: UtilityRecords
    financials: Financials
    statements: BankStatements


def read_documents(
    firm: SmallBusiness, payloads: Mapping[SourceKind, Mapping[str, Any]], as_of: date
) -> BusinessDocuments:
    """The payloads read by the platform's own readers (`Invalid` if one is refused)."""
    who, what = owner_subject(firm), business_subject(firm)
    return BusinessDocuments(
        bureau=bureau.read(payloads[SourceKind.CREDIT_BUREAU], who, as_of),
        registry=business.read(payloads[SourceKind.BUSINESS_REGISTRY], what, as_of),
        tax=payments.read_tax(payloads[SourceKind.TAX_PAYMENTS], what, as_of),
        utility=payments.read_utility(payloads[SourceKind.UTILITY_PAYMENTS], what, as_of),
        financials=financials.read(payloads[SourceKind.FINANCIAL_STATEMENTS], what, as_of),
        statements=statements.read(payloads[SourceKind.BANK_STATEMENT], what, as_of),
    )


def business_features(
    documents: BusinessDocuments, as_of: date, instalment: Fen | None
) -> dict[str, FeatureValue]:
    """Every feature family's values for one business, as the decision reads them."""
    return {
        **BUREAU_FEATURES.compute_online(documents.bureau, as_of),
        **BUSINESS_FEATURES.compute_online(documents.registry, as_of),
        **TAX_FEATURES.compute_online(documents.tax, as_of),
        **UTILITY_FEATURES.compute_online(documents.utility, as_of),
        **FINANCIAL_FEATURES.compute_online(
            FinancialsRequest(documents.financials, instalment), as_of
        ),
        **STATEMENT_FEATURES.compute_online(documents.statements, as_of),
    }
