"""The simulated risk team's post-loan work: once the book has a few months of history it
trains the behaviour model from the books (`fengkong model train-behaviour`'s path), asks for
its promotion and has the approver approve it; from the next end of day the platform re-scores
every active borrower and the line rules the run is configured with act on the score.

The rules the run's lines follow are `setup.LINE_RULES`.
"""

from __future__ import annotations

from datetime import date

from fengkong.bootstrap import Context
from fengkong.core.errors import Invalid
from fengkong.lending.behaviour import BEHAVIOUR_MODEL
from fengkong.lending.behaviour_model import fit_behaviour_model
from fengkong.lending.rescoring import training_table
from fengkong.scoring.lab import register_result
from fengkong.scoring.model_admin import (
    approve_model_promotion,
    register_audited_model,
    request_model_promotion,
)
from fengkong.sim.setup import LINE_RULES, SIM_ACTORS

BEHAVIOUR_MONTH = 4  # the first month end at which the risk team tries to train it
WINDOW_MONTHS = 2  # a short outcome window: the book is young
BAD_DPD = 30


def train_behaviour_champion(ctx: Context, on: date, seed: int) -> str | None:
    """Train the behaviour model on the books as of `on` and make it the champion,
    maker-checker; its version, or None while the book is too young to learn from."""
    rows = training_table(on, ctx.rescoring, WINDOW_MONTHS, BAD_DPD)
    try:
        result = fit_behaviour_model(rows, seed=seed)
    except Invalid:
        return None
    model = register_audited_model(
        ctx.uow(),
        lambda models: register_result(
            result, models, ctx.artifacts_dir, name=BEHAVIOUR_MODEL, clock=ctx.clock
        ),
        actor=SIM_ACTORS.risk.audit_name,
        clock=ctx.clock,
    )
    request = request_model_promotion(
        ctx.uow(), model.version, challenger=False, maker=SIM_ACTORS.risk, clock=ctx.clock
    )
    approve_model_promotion(ctx.uow(), request.id, checker=SIM_ACTORS.approver, clock=ctx.clock)
    return model.version


__all__ = ["BEHAVIOUR_MONTH", "LINE_RULES", "train_behaviour_champion"]
