"""`fengkong demo`: the whole slice on public data. Train a scorecard on part of the German credit
table, send the held-back rows through the same service the API uses, and report what happened."""

from __future__ import annotations

import random
import shutil
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from importlib import resources
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
from fengkong.core.clock import Clock, SystemClock
from fengkong.core.money import Fen
from fengkong.core.settings import Settings
from fengkong.decision.bundle import read_shipped_bundle
from fengkong.decision.outcome import Outcome
from fengkong.decision.service import submit_application
from fengkong.features.application import PROFILE_FIELDS
from fengkong.scoring.metrics import auc
from fengkong.scoring.promotion import promote_audited, register_audited
from fengkong.scoring.train import binary_target, train_scorecard
from fengkong.sim.identity import identity

TARGET = "creditability"


def german_credit() -> pd.DataFrame:
    """The UCI Statlog German credit data (CC BY 4.0) shipped with Fengkong."""
    with resources.as_file(resources.files("fengkong.data").joinpath("germancredit.csv")) as path:
        return pd.read_csv(path)


@dataclass(frozen=True, slots=True)
class DemoReport:
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
        }


def application_body(row: pd.Series, as_of: date, rng: random.Random) -> dict[str, Any]:
    """A German credit row as an application JSON body, with a synthetic identity whose resident
    ID encodes the row's age (the age feature is derived from the ID, as it is live)."""
    person = identity(int(row["age_in_years"]), as_of, rng)
    profile = {name: _plain(row[name]) for name in PROFILE_FIELDS}
    return {
        "product": "cash_loan",
        "amount": str(Decimal(int(row["credit_amount"]))),
        "term_months": int(row["duration_in_month"]),
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
            }
        ],
    }


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def run_demo(
    settings: Settings,
    *,
    holdout: int = 300,
    seed: int = 0,
    console: Console | None = None,
    clock: Clock | None = None,
) -> DemoReport:
    console = console or Console(stderr=True)
    home = settings.home / "demo"
    if home.exists():
        shutil.rmtree(home)
    demo_settings = settings.model_copy(
        update={"home": home, "database_url": None, "vault_key_file": None}
    )
    policy = read_shipped_bundle("demo-german.yaml", demo_settings.price_cap)
    ctx = bootstrap(demo_settings, clock=clock or SystemClock(), policy=policy)
    try:
        return _run(ctx, holdout, seed, console)
    finally:
        ctx.close()


def _run(ctx: Context, holdout: int, seed: int, console: Console) -> DemoReport:
    data = german_credit()
    y = binary_target(data[TARGET])
    train, held = train_test_split(data, test_size=holdout, stratify=y, random_state=seed)
    with console.status(f"training a scorecard on {len(train)} applications…"):
        trained = train_scorecard(train, TARGET, seed=seed)
    with ctx.uow() as uow:
        model = register_audited(
            uow,
            ctx.artifacts_dir,
            name="application",
            scorecard=trained.model.scorecard_,
            data_fingerprint=trained.data_fingerprint,
            params=trained.params,
            metrics=trained.metrics,
            actor="cli:demo",
            clock=ctx.clock,
        )
        promote_audited(uow, model.version, actor="cli:demo", clock=ctx.clock)
        uow.commit()

    rng = random.Random(seed)
    as_of = ctx.clock.business_date()
    outcomes: list[str] = []
    scores: list[int] = []
    approved = 0
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("deciding held-back applications", total=len(held))
        for _, row in held.iterrows():
            body = ApplicationIn.model_validate(application_body(row, as_of, rng))
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
    return DemoReport(
        database=ctx.db.describe(),
        artifacts=str(Path(ctx.artifacts_dir).resolve()),
        model_version=model.version,
        policy_version=ctx.policy.version,
        trained_on=int(trained.metrics["train"]["n"]),
        decided=len(held),
        outcomes={o.value: int((outcome_arr == o.value).sum()) for o in Outcome},
        bad_rate_by_outcome=bad_rates,
        holdout_auc=auc(truth, np.asarray(scores, dtype=float), higher_is_riskier=False),
        test_auc_at_training=trained.metrics["test"]["auc"],
        approved_amount=Fen(approved),
    )


def render(report: DemoReport, console: Console) -> None:
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
    console.print(f"database:  {report.database}")
    console.print(f"artifacts: {report.artifacts}")
