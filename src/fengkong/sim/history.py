"""A lender's past book, drawn from the simulated population: the table a first model of the
simulated world is trained on, in the German credit data's columns.

The book holds the honest applicants of the two years that ended a year before `as_of` (so each
has a full year of repayments behind it), in a calm economy, every one of them lent what they
asked for: no decline, so no reject inference is needed. It comes from its own population,
seeded from `seed` but apart from the run's, so the run's applicants are never in it.

`creditability` is "bad" when the borrower defaults within twelve months of borrowing: they roll
to default, and by construction (`sim.behaviour.default_instalment`) their first missed
instalment falls within the term and the first twelve. A borrower who misses a spell and catches
up (`CURED`) is "good": the spell lasts at most three instalments and is made good in full.
"""

from __future__ import annotations

import hashlib
import math
from datetime import date, timedelta
from typing import TYPE_CHECKING

from fengkong.sim.model import Applicant, Behaviour
from fengkong.sim.population import Population
from fengkong.sim.scenarios import BASELINE

if TYPE_CHECKING:
    import pandas as pd

HISTORY_DAYS = 730  # the book's applications span two years…
OUTCOME_DAYS = 365  # …ending a year before `as_of`, each observed for a year
TARGET = "creditability"
COLUMNS = (  # the German credit table's, in its order
    "status_of_existing_checking_account",
    "duration_in_month",
    "credit_history",
    "purpose",
    "credit_amount",
    "savings_account_and_bonds",
    "present_employment_since",
    "installment_rate_in_percentage_of_disposable_income",
    "personal_status_and_sex",
    "other_debtors_or_guarantors",
    "present_residence_since",
    "property",
    "age_in_years",
    "other_installment_plans",
    "housing",
    "number_of_existing_credits_at_this_bank",
    "job",
    "number_of_people_being_liable_to_provide_maintenance_for",
    "telephone",
    "foreign_worker",
    TARGET,
)


def history_seed(seed: int) -> int:
    """The seed of the past book's population: fixed by `seed`, never the run's own."""
    return int.from_bytes(hashlib.sha256(f"history/{seed}".encode()).digest()[:8], "big")


def is_bad(applicant: Applicant) -> bool:
    """Whether the borrower defaults within twelve months (see the module's docstring)."""
    return applicant.is_fraud or applicant.behaviour is Behaviour.ROLLS_TO_DEFAULT


def row(applicant: Applicant) -> dict[str, str | int]:
    """One applicant as a row of the German table, outcome included."""
    return {
        **applicant.profile,
        "duration_in_month": applicant.term_months,
        "purpose": applicant.purpose,
        "credit_amount": applicant.amount // 100,  # yuan, as the model reads it
        "age_in_years": applicant.age,
        TARGET: "bad" if is_bad(applicant) else "good",
    }


def past_applicants(seed: int, rows: int, as_of: date) -> list[Applicant]:
    """The book's first `rows` honest applicants, oldest first."""
    if rows < 1:
        raise ValueError("a history has at least one row")
    start = as_of - timedelta(days=HISTORY_DAYS + OUTCOME_DAYS)
    per_day = math.ceil(rows * 1.1 / HISTORY_DAYS)  # fraud slots are left out
    population = Population(history_seed(seed), BASELINE, start, daily_arrivals=per_day)
    book: list[Applicant] = []
    day = 0
    while len(book) < rows:
        book.extend(a for a in population.arrivals(day, per_day) if not a.is_fraud)
        day += 1
    return book[:rows]


def simulated_history(seed: int, rows: int, as_of: date) -> pd.DataFrame:
    """`rows` past loans of the simulated world with their outcome, in the German table's columns
    (`credit_amount` in whole yuan) and target `creditability` (good/bad)."""
    import pandas as pd

    frame = pd.DataFrame([row(a) for a in past_applicants(seed, rows, as_of)])
    return frame.loc[:, list(COLUMNS)]


__all__ = ["COLUMNS", "TARGET", "history_seed", "is_bad", "past_applicants", "simulated_history"]
