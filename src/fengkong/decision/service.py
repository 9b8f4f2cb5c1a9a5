"""The credit decision use case: validate, compute features, score, apply the policy, and store
application and decision in one transaction, with the exact inputs and versions that made it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, Self

from fengkong.core.clock import Clock
from fengkong.core.errors import NotFound
from fengkong.core.ids import new_id
from fengkong.decision.fraud_stage import FraudServices, fraud_signals, fraud_verdict
from fengkong.decision.outcome import Outcome, Reason
from fengkong.decision.policy import Policy, check_request, evaluate
from fengkong.decision.record import DecisionRecord
from fengkong.features.application import APPLICATION_FEATURES
from fengkong.fraud.signals import Signals
from fengkong.onboarding.application import (
    ApplicationRequest,
    PersonalDataVault,
    StoredApplication,
    seal,
)
from fengkong.scoring.artifact import canonical_json, sha256_hex
from fengkong.scoring.promotion import AuditAppender
from fengkong.scoring.reasons import scorecard_reasons
from fengkong.scoring.registry import (
    LoadedGBM,
    LoadedScorecard,
    ModelRepository,
    load_champion_model,
)

MODEL_NAME = "application"


class ApplicationRepository(Protocol):
    def add(self, app: StoredApplication) -> None: ...
    def get(self, application_id: str) -> StoredApplication | None: ...


class DecisionRepository(Protocol):
    def add(self, d: DecisionRecord) -> None: ...
    def for_application(self, application_id: str) -> DecisionRecord | None: ...


class DecisionUnitOfWork(Protocol):
    @property
    def applications(self) -> ApplicationRepository: ...
    @property
    def decisions(self) -> DecisionRepository: ...
    @property
    def models(self) -> ModelRepository: ...
    @property
    def audit(self) -> AuditAppender: ...

    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    def commit(self) -> None: ...


class ChampionCache:
    """Holds the loaded champion (scorecard or GBM); reloads only when the registry names another
    one."""

    def __init__(self, artifacts_dir: Path, name: str = MODEL_NAME) -> None:
        self.artifacts_dir = artifacts_dir
        self.name = name
        self._loaded: LoadedScorecard | LoadedGBM | None = None

    def get(self, models: ModelRepository) -> LoadedScorecard | LoadedGBM:
        champion = models.champion(self.name)
        if (
            self._loaded is None
            or champion is None
            or (champion.version, champion.sha256) != (self._loaded.version, self._loaded.sha256)
        ):
            self._loaded = load_champion_model(models, self.artifacts_dir, self.name)
        return self._loaded


@dataclass(frozen=True, slots=True)
class DecisionServices:
    uow: Callable[[], DecisionUnitOfWork]
    clock: Clock
    policy: Policy
    vault: PersonalDataVault
    champion: ChampionCache
    fraud: FraudServices | None = None


def submit_application(req: ApplicationRequest, svc: DecisionServices) -> DecisionRecord:
    check_request(svc.policy, req.product, req.amount, req.term_months)
    now = svc.clock.now()
    application_id = new_id("app", svc.clock)
    inputs = model_inputs(req, svc.clock)
    features = APPLICATION_FEATURES.compute_online(inputs)
    signals = (
        fraud_signals(svc.fraud, application_id, req, now, svc.clock.business_date())
        if svc.fraud is not None
        else Signals({}, ())
    )
    fraud_outcome, fraud_reasons = fraud_verdict(signals)
    with svc.uow() as uow:
        model = svc.champion.get(uow.models)
        result = model.score(features)
        verdict = evaluate(svc.policy, result.score, req.amount)
        outcome = _combine(fraud_outcome, verdict.outcome)
        reasons: tuple[Reason, ...] = (
            fraud_reasons
            + verdict.reasons
            + scorecard_reasons(result.top_adverse(4), APPLICATION_FEATURES)
        )
        snapshot = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in inputs.items()}
        snapshot.pop("birth_date")  # personal data: the age feature carries what the model used
        stored_features = {**features, **signals.features}
        decision = DecisionRecord(
            id=new_id("dec", svc.clock),
            application_id=application_id,
            decided_at=now,
            outcome=outcome,
            score=result.score,
            pd=str(Decimal(repr(result.pd)).quantize(Decimal("0.000001"))),
            approved_amount=verdict.approved_amount if outcome == Outcome.APPROVE else None,
            reasons=reasons,
            policy_version=svc.policy.version,
            model_version=model.version,
            model_sha256=model.sha256,
            inputs=snapshot,
            features=stored_features,
            input_hash=sha256_hex(
                canonical_json({"inputs": snapshot, "features": stored_features})
            ),
        )
        uow.applications.add(seal(application_id, now, req, svc.vault))
        uow.decisions.add(decision)
        uow.audit.append(
            at=now,
            actor="system:decision",
            action="decision.made",
            subject_type="application",
            subject_id=application_id,
            payload={
                "decision_id": decision.id,
                "outcome": decision.outcome.value,
                "score": decision.score,
                "approved_amount_fen": decision.approved_amount,
                "policy_version": decision.policy_version,
                "model_version": decision.model_version,
                "model_sha256": decision.model_sha256,
                "input_hash": decision.input_hash,
            },
        )
        uow.commit()
    if svc.fraud is not None and outcome == Outcome.DECLINE:
        svc.fraud.links.mark_outcome(application_id, declined=True, defaulted=False)
    return decision


def _combine(fraud: Outcome | None, credit: Outcome) -> Outcome:
    """The stricter of the fraud stage and the credit policy: decline over refer over approve."""
    order = (Outcome.DECLINE, Outcome.REFER, Outcome.APPROVE)
    return min((o for o in (fraud, credit) if o is not None), key=order.index)


def model_inputs(req: ApplicationRequest, clock: Clock) -> dict[str, Any]:
    return {
        "amount_fen": int(req.amount),
        "term_months": req.term_months,
        "purpose": req.purpose,
        "monthly_income_fen": int(req.monthly_income),
        "birth_date": req.applicant.birth_date,
        "as_of": clock.business_date(),
        **req.profile,
    }


@dataclass(frozen=True, slots=True)
class ApplicationView:
    application: StoredApplication
    decision: DecisionRecord


def get_application(application_id: str, svc: DecisionServices) -> ApplicationView:
    with svc.uow() as uow:
        app = uow.applications.get(application_id)
        decision = uow.decisions.for_application(application_id)
    if app is None or decision is None:
        raise NotFound(f"no application {application_id!r}")
    return ApplicationView(app, decision)


def is_approved(decision: DecisionRecord) -> bool:
    return decision.outcome == Outcome.APPROVE
