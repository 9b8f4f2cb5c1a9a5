"""Everything a simulated run needs before its first day: its own home (database, vault key,
artifacts), the people it acts as, the policy it decides under, and a champion model trained by
the platform on the shipped public data or on the simulated lender's own history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fengkong.bootstrap import Context, bootstrap
from fengkong.core.actor import Actor, Role
from fengkong.core.clock import Clock
from fengkong.core.errors import FieldError, Invalid
from fengkong.core.settings import Settings
from fengkong.decision.bundle import PolicyBundle, read_bundle, read_shipped_bundle
from fengkong.scoring.model_admin import approve_model_promotion, request_model_promotion
from fengkong.scoring.promotion import register_audited

if TYPE_CHECKING:
    import pandas as pd

    from fengkong.scoring.registry import ModelVersion
    from fengkong.scoring.train import TrainedScorecard

GERMAN_TARGET = "creditability"
MODEL_SOURCES = ("history", "german")
HISTORY_ROWS = 4000

# The simulated risk team's behaviour-score rules (`sim.rescoring`), on the scorecard scale (600
# points at odds of 50:1, 20 points to double the odds; the model's PD is calibrated on the
# book): below 510 points (a PD of about 20 %) a line is frozen, below 530 (about 12 %) its limit
# halved, and from 570 (about 3.5 %), after three clean months with nothing past due, raised by a
# fifth; a limit the score moved waits 60 days before it moves again. Draws are priced by the
# same score: two points of rate off from 570, three on below 530. It re-scores the book weekly,
# on Sundays (the platform's default is every night), which keeps a simulated year quick.
LINE_RULES: dict[str, Any] = {
    "line_freeze_below_score": 510,
    "line_reduce_below_score": 530,
    "line_raise_above_score": 570,
    "line_raise_clean_months": 3,
    "line_score_cooldown_days": 60,
    "behaviour_rescore_every_days": 7,  # the risk team re-scores the book each Sunday
    "line_draw_pricing": [(570, Decimal("-0.02")), (530, Decimal("0")), (0, Decimal("0.03"))],
}


@dataclass(frozen=True, slots=True)
class SimActors:
    """Who the simulation acts as, each with only the roles of the job: applications come
    through the app's channel key, an officer works the review queue, an approver gives the
    second approval of four-eyes referrals and approves the model, a risk manager asks for its
    promotion, an admin runs the end of day."""

    channel: Actor
    officer: Actor
    approver: Actor
    risk: Actor
    admin: Actor


SIM_ACTORS = SimActors(
    channel=Actor(name="sim-app", kind="key", roles=frozenset({Role.CHANNEL}), channel="app"),
    officer=Actor(name="sim-officer", kind="user", roles=frozenset({Role.OFFICER})),
    approver=Actor(name="sim-approver", kind="user", roles=frozenset({Role.APPROVER})),
    risk=Actor(name="sim-risk", kind="user", roles=frozenset({Role.RISK_MANAGER})),
    admin=Actor(name="sim-admin", kind="user", roles=frozenset({Role.ADMIN})),
)


BUSINESS_POLICY_PREFIX = "business-"  # a policy for small-business applicants


def _policy_files() -> tuple[str, ...]:
    folder = resources.files("fengkong.decision").joinpath("policies")
    return tuple(sorted(p.name for p in folder.iterdir() if p.name.endswith(".yaml")))


def shipped_policy_files() -> tuple[str, ...]:
    """The file names of the consumer policies shipped in `fengkong/decision/policies/`: those a
    consumer application (the simulated run's, the demo's) is decided under. The small-business
    policies (`business-*.yaml`) read a business's facts: `shipped_business_policy_files`."""
    return tuple(n for n in _policy_files() if not n.startswith(BUSINESS_POLICY_PREFIX))


def shipped_business_policy_files() -> tuple[str, ...]:
    """The file names of the small-business policies shipped (`business-v1.yaml`)."""
    return tuple(n for n in _policy_files() if n.startswith(BUSINESS_POLICY_PREFIX))


def shipped_policies() -> tuple[str, ...]:
    """The names of the shipped policies, without `.yaml`: what `--policy` takes."""
    return tuple(name.removesuffix(".yaml") for name in shipped_policy_files())


def policy_bundle(policy: str, cap: dict[str, str]) -> PolicyBundle:
    """A shipped policy by name (`retail-v3`, `demo-german.yaml`) or a policy file's path."""
    return _bundle(policy, cap, shipped_policies(), field="policy", what="policy")


def shipped_business_policies() -> tuple[str, ...]:
    """The names of the shipped small-business policies: what `--business-policy` takes."""
    return tuple(name.removesuffix(".yaml") for name in shipped_business_policy_files())


def business_policy_bundle(policy: str, cap: dict[str, str]) -> PolicyBundle:
    """A shipped small-business policy by name (`business-v1`) or a policy file's path."""
    return _bundle(
        policy, cap, shipped_business_policies(), field="business_policy", what="business policy"
    )


def _bundle(
    policy: str, cap: dict[str, str], shipped: tuple[str, ...], *, field: str, what: str
) -> PolicyBundle:
    name = policy.removesuffix(".yaml")
    if name in shipped:
        return read_shipped_bundle(f"{name}.yaml", cap)
    path = Path(policy)
    if path.is_file():
        return read_bundle(path, cap)
    raise Invalid(
        (
            FieldError(
                (field,),
                f"no shipped {what} {policy!r} and no such file; shipped: " + ", ".join(shipped),
                "unknown_policy",
                shipped,
            ),
        )
    )


def check_model_source(source: str) -> str:
    if source not in MODEL_SOURCES:
        raise Invalid(
            (
                FieldError(
                    ("model",),
                    f"unknown model source {source!r}; allowed: {', '.join(MODEL_SOURCES)}",
                    "unknown_model",
                    MODEL_SOURCES,
                ),
            )
        )
    return source


def run_settings(settings: Settings, home: Path, database_url: str | None) -> Settings:
    """The run's own settings: its home holds its SQLite database (unless `database_url`), its
    vault key, artifacts and checkpoints; the configured policy file plays no part; its lines
    follow the simulated risk team's behaviour-score rules (`sim.rescoring`)."""
    return settings.model_copy(
        update={"home": home, "database_url": database_url, "vault_key_file": None, **LINE_RULES}
    )


def open_run(settings: Settings, bundle: PolicyBundle, clock: Clock) -> Context:
    """The wiring of a run: migrated database, vault, the policy active, on the run's clock."""
    return bootstrap(settings, clock=clock, policy=bundle)


def german_credit() -> pd.DataFrame:
    """The UCI Statlog German credit data (CC BY 4.0) shipped with Fengkong."""
    import pandas as pd

    with resources.as_file(resources.files("fengkong.data").joinpath("germancredit.csv")) as path:
        return pd.read_csv(path)


def training_data(source: str, seed: int, as_of: date) -> pd.DataFrame:
    """The file a model of `source` learns from: the German data, or the lender's simulated
    past book (same population, baseline economy, outcomes observed over a year)."""
    if check_model_source(source) == "german":
        return german_credit()
    from fengkong.sim.history import simulated_history

    return simulated_history(seed, HISTORY_ROWS, as_of)


def promote_trained(
    ctx: Context,
    trained: TrainedScorecard,
    *,
    maker: Actor,
    checker: Actor,
    registered_by: str,
) -> ModelVersion:
    """Register a trained scorecard and make it the champion, maker-checker: `maker` asks for
    the promotion, `checker` (another person, an approver) approves it."""
    with ctx.uow() as uow:
        model = register_audited(
            uow,
            ctx.artifacts_dir,
            name="application",
            scorecard=trained.model.scorecard_,
            data_fingerprint=trained.data_fingerprint,
            params=trained.params,
            metrics=trained.metrics,
            actor=registered_by,
            clock=ctx.clock,
        )
        uow.commit()
    request = request_model_promotion(
        ctx.uow(), model.version, challenger=False, maker=maker, clock=ctx.clock
    )
    approve_model_promotion(ctx.uow(), request.id, checker=checker, clock=ctx.clock)
    return model


def train_champion(ctx: Context, source: str, seed: int, as_of: date) -> tuple[str, dict[str, Any]]:
    """Train a scorecard on `source`'s data and promote it; its version and test metrics."""
    from fengkong.scoring.train import train_scorecard

    trained = train_scorecard(training_data(source, seed, as_of), GERMAN_TARGET, seed=seed)
    model = promote_trained(
        ctx,
        trained,
        maker=SIM_ACTORS.risk,
        checker=SIM_ACTORS.approver,
        registered_by=SIM_ACTORS.risk.audit_name,
    )
    return model.version, dict(trained.metrics["test"])


__all__ = [
    "MODEL_SOURCES",
    "SIM_ACTORS",
    "SimActors",
    "business_policy_bundle",
    "check_model_source",
    "german_credit",
    "open_run",
    "policy_bundle",
    "promote_trained",
    "run_settings",
    "shipped_business_policies",
    "shipped_business_policy_files",
    "shipped_policies",
    "shipped_policy_files",
    "train_champion",
    "training_data",
]
