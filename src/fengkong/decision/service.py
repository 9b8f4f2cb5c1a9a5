"""The credit decision use case: validate, compute features, score, apply the policy, and store
application and decision in one transaction, with the exact inputs and versions that made it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
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
from fengkong.decision.routing import ChallengerConfig, route
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
    ModelVersion,
    load_champion_model,
    load_model,
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
    """Holds the loaded champion and challenger models (scorecard or GBM) by version and hash;
    loads a file only when the registry names another one."""

    def __init__(self, artifacts_dir: Path, name: str = MODEL_NAME) -> None:
        self.artifacts_dir = artifacts_dir
        self.name = name
        self._loaded: dict[tuple[str, str], LoadedScorecard | LoadedGBM] = {}

    def _load(self, model: ModelVersion) -> LoadedScorecard | LoadedGBM:
        key = (model.version, model.sha256)
        if key not in self._loaded:
            self._loaded = {
                key: load_model(model, self.artifacts_dir),
                **{k: v for k, v in self._loaded.items() if len(self._loaded) < 4},
            }
        return self._loaded[key]

    def get(self, models: ModelRepository) -> LoadedScorecard | LoadedGBM:
        champion = models.champion(self.name)
        if champion is None:
            return load_champion_model(models, self.artifacts_dir, self.name)  # raises Unavailable
        return self._load(champion)

    def challenger(self, models: ModelRepository) -> LoadedScorecard | LoadedGBM | None:
        model = models.challenger(self.name)
        return None if model is None else self._load(model)


@dataclass(frozen=True, slots=True)
class DecisionServices:
    uow: Callable[[], DecisionUnitOfWork]
    clock: Clock
    policy: Policy
    vault: PersonalDataVault
    champion: ChampionCache
    fraud: FraudServices | None = None
    # share and mode of the model challenge; the challenger itself is the registry's
    model_challenge: ChallengerConfig = field(default_factory=ChallengerConfig)


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
        model, shadow = _models_for(application_id, uow.models, svc)
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
        stored_features = {**features, **signals.features, **_shadow_features(shadow, features)}
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


def _models_for(
    application_id: str, models: ModelRepository, svc: DecisionServices
) -> tuple[LoadedScorecard | LoadedGBM, LoadedScorecard | LoadedGBM | None]:
    """The model that decides this application, and one to run beside it in shadow (if any)."""
    champion = svc.champion.get(models)
    if svc.model_challenge.share == 0:
        return champion, None
    challenger = svc.champion.challenger(models)
    if challenger is None:
        return champion, None
    config = replace(svc.model_challenge, version=challenger.version)
    chosen = route(champion.version, config, application_id)
    deciding = challenger if chosen.deciding == challenger.version else champion
    return deciding, (challenger if chosen.shadow == challenger.version else None)


def _shadow_features(
    shadow: LoadedScorecard | LoadedGBM | None, features: Mapping[str, Any]
) -> dict[str, Any]:
    if shadow is None:
        return {}
    result = shadow.score(features)
    return {
        "shadow.model_version": shadow.version,
        "shadow.score": result.score,
        "shadow.pd": round(result.pd, 6),
    }


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
