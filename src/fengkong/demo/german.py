"""`fengkong demo`, part one: the decision slice on public data. Train a scorecard on part of the German credit
table, send the held-back rows through the same service the API uses, and report what happened.

The held-back rows are decided once under each shipped policy (`decision/policies/*.yaml`), each
time by new synthetic applicants (so none is a returning customer), asking for what that policy's
product offers: the offered term nearest the row's duration (the longer on a tie) and the row's
amount within the product's limits. The demo's own policy (`demo-german`, whose product offers the
German data's terms and amounts) gives the detailed report; every policy gives its rates. A policy
that asks for external data (`sources:`, retail-bureau-v1) is left out: the German rows have no
credit report or statements to give it."""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from sklearn.model_selection import train_test_split

from fengkong.api.schemas import ApplicationIn
from fengkong.bootstrap import Context, bootstrap
from fengkong.core.actor import Actor, Role
from fengkong.core.clock import Clock, SystemClock
from fengkong.core.money import Fen
from fengkong.core.settings import Settings
from fengkong.decision.bundle import ActivePolicy, read_shipped_bundle
from fengkong.decision.outcome import Outcome
from fengkong.decision.service import submit_application
from fengkong.features.application import PROFILE_FIELDS
from fengkong.lending.product import Product, nearest_term
from fengkong.scoring.metrics import auc
from fengkong.scoring.train import binary_target, train_scorecard
from fengkong.sim.identity import identity
from fengkong.sim.setup import german_credit, promote_trained, shipped_policy_files

TARGET = "creditability"
DEMO_POLICY = "demo-german.yaml"
# The two people the demo acts as: a risk manager asks for the model's promotion, an approver
# approves it (maker-checker, `docs/maker-checker.md`).
DEMO_MAKER = Actor(name="demo-risk", kind="user", roles=frozenset({Role.RISK_MANAGER}))
DEMO_CHECKER = Actor(name="demo-approver", kind="user", roles=frozenset({Role.APPROVER}))


@dataclass(frozen=True, slots=True)
class PolicyRates:
    """What one policy did with the held-back applications."""

    policy_version: str
    decided: int
    outcomes: dict[str, int]
    bad_rate_by_outcome: dict[str, float | None]

    def rate(self, outcome: str) -> float:
        return self.outcomes.get(outcome, 0) / self.decided

    def as_dict(self) -> dict[str, Any]:
        return {
            "decided": self.decided,
            "outcomes": self.outcomes,
            "rates": {o: round(self.rate(o), 4) for o in self.outcomes},
            "bad_rate_by_outcome": self.bad_rate_by_outcome,
        }


@dataclass(frozen=True, slots=True)
class GermanReport:
    """What the scorecard trained on German credit did with the held-back rows."""

    database: str
    artifacts: str
    model_version: str
    policy_version: str
    trained_on: int
    decided: int
    outcomes: dict[str, int]
    bad_rate_by_outcome: dict[str, float | None]
    holdout_auc: float
    test_auc_at_training: float
    approved_amount: Fen
    policies: dict[str, PolicyRates] = field(default_factory=dict)  # every shipped policy

    @property
    def approval_rate(self) -> float:
        return self.outcomes.get(Outcome.APPROVE, 0) / self.decided

    def as_dict(self) -> dict[str, Any]:
        return {
            "database": self.database,
            "artifacts": self.artifacts,
            "model_version": self.model_version,
            "policy_version": self.policy_version,
            "trained_on": self.trained_on,
            "decided": self.decided,
            "outcomes": self.outcomes,
            "approval_rate": round(self.approval_rate, 4),
            "bad_rate_by_outcome": self.bad_rate_by_outcome,
            "holdout_auc": round(self.holdout_auc, 4),
            "approved_amount_fen": int(self.approved_amount),
            "policies": {label: rates.as_dict() for label, rates in self.policies.items()},
        }


def application_body(
    row: pd.Series, as_of: date, rng: random.Random, product: Product | None = None
) -> dict[str, Any]:
    """A German credit row as an application JSON body, with a synthetic identity whose resident
    ID encodes the row's age (the age feature is derived from the ID, as it is live). With a
    `product`, the term and amount asked for are the nearest it offers."""
    person = identity(int(row["age_in_years"]), as_of, rng)
    profile = {name: _plain(row[name]) for name in PROFILE_FIELDS}
    term, amount = int(row["duration_in_month"]), int(row["credit_amount"])
    if product is not None:
        term = nearest_term(product.terms, term)
        amount = min(max(amount, -(-product.min_amount // 100)), product.max_amount // 100)
    return {
        "product": "cash_loan",
        "amount": str(Decimal(amount)),
        "term_months": term,
        "purpose": str(row["purpose"]),
        "monthly_income": str(Decimal(rng.randrange(3_000, 30_000))),
        "applicant": {"name": person.name, "id_number": person.id_number, "phone": person.phone},
        "profile": profile,
        # The public data has no other debts: the demo declares none, and consents as asked.
        "existing_monthly_debt": "0.00",
        "consents": [
            {
                "purpose": "credit_bureau",
                "scope": "credit report for this application",
                "text_version": "demo-1",
            },
            {  # the identity checks the policy may ask for (a step-up)
                "purpose": "fraud_check",
                "scope": "identity checks for this application",
                "text_version": "demo-1",
            },
        ],
    }


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def run_german(
    settings: Settings,
    *,
    holdout: int = 300,
    seed: int = 0,
    console: Console | None = None,
    clock: Clock | None = None,
) -> GermanReport:
    """Train on part of the German data in a database of its own under `settings.home`, and
    decide the held-back rows under each shipped policy."""
    console = console or Console(stderr=True)
    home = settings.home
    demo_settings = settings.model_copy(
        update={"home": home, "database_url": None, "vault_key_file": None}
    )
    policy = read_shipped_bundle(DEMO_POLICY, demo_settings.price_cap)
    with console.status(f"creating a fresh database under {home}…"):
        ctx = bootstrap(demo_settings, clock=clock or SystemClock(), policy=policy)
    try:
        return _run(ctx, holdout, seed, console)
    finally:
        ctx.close()


def _run(ctx: Context, holdout: int, seed: int, console: Console) -> GermanReport:
    with console.status("loading the German credit data…"):
        data = german_credit()
        y = binary_target(data[TARGET])
        train, held = train_test_split(data, test_size=holdout, stratify=y, random_state=seed)
    with console.status(f"training a scorecard on {len(train)} applications…"):
        trained = train_scorecard(train, TARGET, seed=seed)
    with console.status("registering and promoting the model…"):
        # Maker-checker holds in the demo too: one demo person asks, another approves.
        model = promote_trained(
            ctx, trained, maker=DEMO_MAKER, checker=DEMO_CHECKER, registered_by="cli:demo"
        )

    truth = binary_target(held[TARGET])
    main = _decide(ctx, held, random.Random(seed), console)
    rates = {main.rates.policy_version: main.rates}
    for name in shipped_policy_files():
        if name == DEMO_POLICY:
            continue
        bundle = read_shipped_bundle(name, ctx.settings.price_cap)
        if bundle.compile().sources:
            continue  # it decides on a credit report and statements the German rows do not have
        other = replace(ctx, policy=ActivePolicy.of(bundle))
        decided = _decide(other, held, random.Random(f"{seed}/{name}"), console)
        rates[decided.rates.policy_version] = decided.rates
    return GermanReport(
        database=ctx.db.describe(),
        artifacts=str(Path(ctx.artifacts_dir).resolve()),
        model_version=model.version,
        policy_version=ctx.policy.version,
        trained_on=int(trained.metrics["train"]["n"]),
        decided=len(held),
        outcomes=main.rates.outcomes,
        bad_rate_by_outcome=main.rates.bad_rate_by_outcome,
        holdout_auc=auc(truth, np.asarray(main.scores, dtype=float), higher_is_riskier=False),
        test_auc_at_training=trained.metrics["test"]["auc"],
        approved_amount=Fen(main.approved),
        policies=rates,
    )


@dataclass(frozen=True, slots=True)
class _Decided:
    rates: PolicyRates
    scores: list[int]
    approved: int


def _decide(ctx: Context, held: pd.DataFrame, rng: random.Random, console: Console) -> _Decided:
    """Send every held-back row through the decision service under `ctx`'s policy."""
    as_of = ctx.clock.business_date()
    product = ctx.policy.compiled.product
    outcomes: list[str] = []
    scores: list[int] = []
    approved = 0
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task(
            f"deciding held-back applications under {ctx.policy.version}", total=len(held)
        )
        for _, row in held.iterrows():
            body = ApplicationIn.model_validate(application_body(row, as_of, rng, product))
            decision = submit_application(body.to_request(as_of), ctx.decisions)
            outcomes.append(decision.outcome.value)
            scores.append(decision.score or 0)
            approved += decision.approved_amount or 0
            progress.advance(task)
    truth = binary_target(held[TARGET])
    outcome_arr = np.asarray(outcomes)
    bad_rates: dict[str, float | None] = {}
    for o in Outcome:
        mask = outcome_arr == o.value
        bad_rates[o.value] = float(truth[mask].mean()) if mask.any() else None
    rates = PolicyRates(
        policy_version=ctx.policy.version,
        decided=len(held),
        outcomes={o.value: int((outcome_arr == o.value).sum()) for o in Outcome},
        bad_rate_by_outcome=bad_rates,
    )
    return _Decided(rates, scores, approved)


def render_german(report: GermanReport, console: Console) -> None:
    table = Table(title="Fengkong demo: German credit, decided live", show_header=True)
    table.add_column("outcome")
    table.add_column("applications", justify="right")
    table.add_column("share", justify="right")
    table.add_column("observed bad rate", justify="right")
    for outcome, n in report.outcomes.items():
        rate = report.bad_rate_by_outcome[outcome]
        table.add_row(
            outcome, str(n), f"{n / report.decided:.1%}", "-" if rate is None else f"{rate:.1%}"
        )
    console.print(table)
    console.print(
        f"model [bold]{report.model_version}[/] fitted on {report.trained_on} rows; "
        f"AUC on the {report.decided} held-back applications: [bold]{report.holdout_auc:.3f}[/]"
    )
    console.print(f"approval rate {report.approval_rate:.1%}; policy {report.policy_version}")
    shipped = Table(title="every shipped policy, on the same held-back applications")
    shipped.add_column("policy")
    for outcome in Outcome:
        shipped.add_column(outcome.value, justify="right")
    shipped.add_column("bad rate of approved", justify="right")
    for label, rates in report.policies.items():
        bad = rates.bad_rate_by_outcome.get(Outcome.APPROVE)
        shipped.add_row(
            label,
            *(f"{rates.rate(o):.1%}" for o in Outcome),
            "-" if bad is None else f"{bad:.1%}",
        )
    console.print(shipped)
    console.print(f"database:  {report.database}", highlight=False, soft_wrap=True)
