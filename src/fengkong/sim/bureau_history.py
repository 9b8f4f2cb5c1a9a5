"""The simulated lender's past consumer book with its documents: for each past applicant of
`sim.history` (the same people, loans and outcomes), the credit bureau report and the bank
statements the run's simulated provider (`sim.population_sources.PopulationSources`, the one
definition of what it answers) would have answered on the application day, read by the
platform's own readers (`sources.bureau`, `sources.statements`) and turned into features by the
platform's own families (`features.bureau`, `features.statements`): the table the consumer bureau
model (`sim.bureau_model`) is trained on.

Each row is the record a decision under a policy naming that model scores
(`features.business_inputs.scoring_record`): the application's features (the German table's
columns, as `APPLICATION_FEATURES` names them), the loan's columns and the bureau and statement
features, then `applied_on` and the outcome `creditability` (good/bad) of `sim.history`. Flags
are written 1.0/0.0 and missing values NaN. The documents follow the applicant's hidden risk as
the live provider's do (`sim.sources_bureau.risk_of`), and the same seed draws the same book."""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from fengkong.core.money import Fen
from fengkong.features.bureau import BUREAU_FEATURES
from fengkong.features.business_inputs import LOAN_COLUMNS, scoring_record
from fengkong.features.documents import FeatureValue
from fengkong.features.statements import STATEMENT_FEATURES
from fengkong.sim.history import (
    COLUMNS,
    HISTORY_DAYS,
    OUTCOME_DAYS,
    TARGET,
    past_applicants,
    row,
)
from fengkong.sim.model import Applicant
from fengkong.sim.population_sources import PopulationSources
from fengkong.sources import bureau, statements
from fengkong.sources.connector import Subject
from fengkong.sources.kinds import SourceKind

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "APPLICATION_COLUMNS",
    "APPLIED_ON",
    "DOCUMENT_COLUMNS",
    "TARGET",
    "applied_on",
    "bureau_history",
    "bureau_history_row",
    "person_features",
]

APPLIED_ON = "applied_on"
# The application's features: the German table's columns (the target aside).
APPLICATION_COLUMNS: tuple[str, ...] = tuple(c for c in COLUMNS if c != TARGET)
# The documents a person's provider answers: the bureau report and the bank statements.
DOCUMENT_COLUMNS: tuple[str, ...] = (*BUREAU_FEATURES.names, *STATEMENT_FEATURES.names)
_NO_PARAMS: dict[str, Any] = {}


def applied_on(person: Applicant, as_of: date) -> date:
    """The day `person` of the book as of `as_of` applied (`sim.history`'s calendar: day 0 is
    two years and a year before `as_of`)."""
    return as_of - timedelta(days=HISTORY_DAYS + OUTCOME_DAYS) + timedelta(days=person.day)


def person_features(
    person: Applicant, on: date, answers: PopulationSources
) -> dict[str, FeatureValue]:
    """The bureau and statement features of `person` as of `on`, from what `answers` (the
    provider's answer function, told of `person`) gives, read as a fetch reads it."""
    answers.know(person)
    subject = {"name": person.identity.name, "id_number": person.identity.id_number}
    who = Subject(key=person.key, name=person.identity.name, id_number=person.identity.id_number)
    report, _ = answers(SourceKind.CREDIT_BUREAU, subject, on, _NO_PARAMS)
    statement, _ = answers(SourceKind.BANK_STATEMENT, subject, on, _NO_PARAMS)
    return {
        **BUREAU_FEATURES.compute_online(bureau.read(report, who, on), on),
        **STATEMENT_FEATURES.compute_online(statements.read(statement, who, on), on),
    }


def bureau_history_row(person: Applicant, on: date, answers: PopulationSources) -> dict[str, Any]:
    """One past loan: the record a decision scores (a missing value NaN), the day, the outcome."""
    application = {k: v for k, v in row(person).items() if k != TARGET}
    values = person_features(person, on, answers)
    record = scoring_record(application, values, Fen(person.amount), person.term_months)
    return {
        APPLIED_ON: on,
        **{
            name: math.nan if record[name] is None else record[name]
            for name in (*APPLICATION_COLUMNS, *LOAN_COLUMNS, *DOCUMENT_COLUMNS)
        },
        TARGET: row(person)[TARGET],
    }


def bureau_history(seed: int, rows: int, as_of: date) -> pd.DataFrame:
    """`rows` past consumer loans of the simulated world (`sim.history`'s, oldest first) with
    their documents' features and outcome: `applied_on`, the application's, loan's, bureau and
    statement columns and the target `creditability`. The same for the same seed."""
    import pandas as pd

    answers = PopulationSources(seed)
    book = [
        bureau_history_row(p, applied_on(p, as_of), answers)
        for p in past_applicants(seed, rows, as_of)
    ]
    columns = [APPLIED_ON, *APPLICATION_COLUMNS, *LOAN_COLUMNS, *DOCUMENT_COLUMNS, TARGET]
    return pd.DataFrame(book, columns=columns)
