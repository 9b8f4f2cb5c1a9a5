"""Shared by the back-test modules (no tests here): stored decisions made through the real
service from German credit rows, and the demo policy's text with its cut-offs moved."""

from __future__ import annotations

import random
from importlib import resources
from typing import Any

import pandas as pd

from factories import body
from fengkong.api.schemas import ApplicationIn
from fengkong.bootstrap import Context
from fengkong.decision.bundle import PolicyBundle, read_shipped_bundle
from fengkong.decision.record import DecisionRecord
from fengkong.decision.service import submit_application
from fengkong.sim.identity import identity

DEMO = "demo-german.yaml"
DEMO_TEXT = resources.files("fengkong.decision").joinpath(f"policies/{DEMO}").read_text("utf-8")
PROFILE_KEYS = (
    "status_of_existing_checking_account",
    "credit_history",
    "savings_account_and_bonds",
    "present_employment_since",
    "installment_rate_in_percentage_of_disposable_income",
    "personal_status_and_sex",
    "other_debtors_or_guarantors",
    "present_residence_since",
    "property",
    "other_installment_plans",
    "housing",
    "number_of_existing_credits_at_this_bank",
    "job",
    "number_of_people_being_liable_to_provide_maintenance_for",
    "telephone",
    "foreign_worker",
)


def application_body(row: pd.Series, rng: random.Random, as_of: Any) -> dict[str, Any]:
    """One German credit row as an application, from a fresh synthetic person of its age."""
    person = identity(int(row["age_in_years"]), as_of, rng)
    profile = {
        k: (v.item() if hasattr(v, "item") else v) for k, v in row[list(PROFILE_KEYS)].items()
    }
    income = rng.choice(("3000.00", "6000.00", "12000.00", "25000.00"))
    application: dict[str, Any] = body(
        amount=f"{max(int(row['credit_amount']), 250)}.00",
        term_months=int(row["duration_in_month"]),
        purpose=str(row["purpose"]),
        monthly_income=income,
        existing_monthly_debt=rng.choice(("0.00", "300.00", "1500.00")),
        applicant={"name": person.name, "id_number": person.id_number, "phone": person.phone},
        profile=profile,
    )
    return application


def decide(context: Context, german: pd.DataFrame, n: int, seed: int = 7) -> list[DecisionRecord]:
    """`n` applications through the real decision service, each a different person."""
    rng = random.Random(seed)
    rows = german.sample(n=n, random_state=seed)
    as_of = context.clock.business_date()
    made = []
    for _, row in rows.iterrows():
        request = ApplicationIn.model_validate(application_body(row, rng, as_of)).to_request(as_of)
        made.append(submit_application(request, context.decisions))
    return made


def demo_with(old: str, new: str, version: int = 3) -> str:
    """The demo policy's text with one passage replaced, under a new version."""
    assert old in DEMO_TEXT, old
    return DEMO_TEXT.replace(old, new, 1).replace("\nversion: 2\n", f"\nversion: {version}\n", 1)


def demo_bundle(text: str = DEMO_TEXT) -> PolicyBundle:
    shipped = read_shipped_bundle(DEMO)
    return PolicyBundle(DEMO, text, dict(shipped.tables), dict(shipped.cap))


# The new-applicant segment's bands: decline below 515, refer to 530, approve from 530.
NEW_SEGMENT = """      - {from: 0, to: 515, outcome: decline}
      - {from: 515, to: 530, outcome: refer}
      - {from: 530, to: 1000, outcome: approve}"""
STRICTER = """      - {from: 0, to: 560, outcome: decline}
      - {from: 560, to: 575, outcome: refer}
      - {from: 575, to: 1000, outcome: approve}"""
LOOSER = """      - {from: 0, to: 470, outcome: decline}
      - {from: 470, to: 480, outcome: refer}
      - {from: 480, to: 1000, outcome: approve}"""
