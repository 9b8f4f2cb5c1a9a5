"""What a model scored on documents reads: the loan asked for and the features of the documents
(`bureau.*`, `business.*`, `financials.*`, `statement.*`), one record for one application, with
the application's own features beside them (`scoring_record`): the business scorecard reads the
loan and the business's documents, the consumer bureau scorecard (`retail-bureau-scorecard`) the
application form and the applicant's bureau report and bank statements. The simulated past books
(`sim.business_history`, `sim.bureau_history`) train on these records and the decision scores
them (`decision.business_scoring`): one definition, online and in training.

Values are numbers the scoring lab reads: a flag 1.0/0.0, a decimal as its float, the tax
credit grade as its text, a missing value None (the training frame writes it NaN)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from fengkong.core.money import Fen
from fengkong.features.application import APPLICATION_FEATURES
from fengkong.features.bureau import BUREAU_FEATURES
from fengkong.features.business import BUSINESS_FEATURES, TAX_FEATURES, UTILITY_FEATURES
from fengkong.features.documents import DocumentFeatures
from fengkong.features.financials import FINANCIAL_FEATURES, requested_instalment
from fengkong.features.statements import STATEMENT_FEATURES

__all__ = [
    "BUSINESS_FAMILIES",
    "BUSINESS_INPUT_LABELS",
    "DOCUMENT_COLUMNS",
    "INPUT_LABELS",
    "LOAN_COLUMNS",
    "InputLabel",
    "business_model_inputs",
    "input_value",
    "reads_documents",
    "scoring_record",
]

# The document feature families a business is read by, in the order the records list them.
BUSINESS_FAMILIES: tuple[DocumentFeatures[Any], ...] = (
    BUREAU_FEATURES,
    BUSINESS_FEATURES,
    TAX_FEATURES,
    UTILITY_FEATURES,
    FINANCIAL_FEATURES,
    STATEMENT_FEATURES,
)
LOAN_COLUMNS = ("loan.amount_yuan", "loan.term_months", "loan.instalment_yuan")
DOCUMENT_COLUMNS: tuple[str, ...] = tuple(n for family in BUSINESS_FAMILIES for n in family.names)


def input_value(value: object) -> float | str | None:
    """A feature's value as the record holds it: a flag 1.0/0.0, a number its float, a text
    itself, missing None."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float | Decimal):
        return float(value)
    raise TypeError(f"a feature's value is a number, a flag or a text: {value!r}")


def business_model_inputs(
    values: Mapping[str, object], amount: Fen, term_months: int
) -> dict[str, float | str | None]:
    """The record a business model reads: the loan's columns (yuan; the instalment the level
    monthly repayment `features.financials.requested_instalment` reckons) and every document
    feature of `values` (as computed, or as the decision's facts hold them), a feature a
    document did not give None."""
    instalment = requested_instalment(amount, term_months)
    return {
        "loan.amount_yuan": int(amount) / 100,
        "loan.term_months": float(term_months),
        "loan.instalment_yuan": int(instalment) / 100,
        **{name: input_value(values.get(name)) for name in DOCUMENT_COLUMNS},
    }


def scoring_record(
    application: Mapping[str, Any], values: Mapping[str, object], amount: Fen, term_months: int
) -> dict[str, Any]:
    """The record a model scored on documents reads: the application's features (as
    `APPLICATION_FEATURES.compute_online` gives them) and `business_model_inputs`'s loan and
    document columns. Each model reads its own features of it."""
    return {**application, **business_model_inputs(values, amount, term_months)}


def reads_documents(features: tuple[str, ...]) -> bool:
    """Whether a model with these `features` reads any document feature (it then scores a
    business only once its documents are in)."""
    return any(name in _DOCUMENT_NAMES for name in features)


_DOCUMENT_NAMES = frozenset(DOCUMENT_COLUMNS)


@dataclass(frozen=True, slots=True)
class InputLabel:
    name: str
    label_en: str
    label_zh: str


class _Labels:
    """The labels of the record's columns, looked up as `FeatureSet.by_name` is (StopIteration
    for a name it does not know), for the adverse reasons of a model scored on documents;
    `with_application` adds the application's features' labels."""

    def __init__(self, with_application: bool = False) -> None:
        loan = (
            InputLabel("loan.amount_yuan", "Amount requested", "申请金额"),
            InputLabel("loan.term_months", "Term requested", "申请期限"),
            InputLabel("loan.instalment_yuan", "Monthly instalment", "月还款额"),
        )
        documents = (
            InputLabel(f.name, f.label_en, f.label_zh)
            for family in BUSINESS_FAMILIES
            for f in family.features
        )
        application = (
            InputLabel(f.name, f.label_en, f.label_zh)
            for f in (APPLICATION_FEATURES.features if with_application else ())
        )
        self._by_name: Mapping[str, InputLabel] = MappingProxyType(
            {label.name: label for label in (*application, *loan, *documents)}
        )

    def by_name(self, name: str) -> InputLabel:
        found = self._by_name.get(name)
        if found is None:
            raise StopIteration(name)
        return found


BUSINESS_INPUT_LABELS = _Labels()
# The labels of `scoring_record`'s every column: the application's features and the documents'.
INPUT_LABELS = _Labels(with_application=True)
