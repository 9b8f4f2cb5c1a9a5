"""A trained model is a candidate; it becomes the champion only when a risk manager asks and an
approver other than them approves, audited with both names — on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from fakes.access import STAFF
from fengkong.access.approvals import ApprovalKind, ApprovalQuery, ApprovalStatus
from fengkong.bootstrap import Context
from fengkong.core.actor import Actor, Role
from fengkong.core.errors import Conflict, Forbidden, Invalid
from fengkong.scoring.model_admin import (
    approve_model_promotion,
    reject_model_promotion,
    request_model_promotion,
)
from fengkong.scoring.promotion import register_audited
from fengkong.scoring.registry import ModelStatus
from fengkong.scoring.train import TrainedScorecard

RISK, ALAN, BETH = STAFF["fks_risk"], STAFF["fks_approver"], STAFF["fks_approver2"]


def _candidate(context: Context, trained: TrainedScorecard) -> str:
    with context.uow() as uow:
        model = register_audited(
            uow,
            context.artifacts_dir,
            name="application",
            scorecard=trained.model.scorecard_,
            data_fingerprint=trained.data_fingerprint,
            params=trained.params,
            metrics=trained.metrics,
            actor="test",
            clock=context.clock,
        )
        uow.commit()
    return model.version


def _status(context: Context, version: str) -> ModelStatus:
    with context.uow() as uow:
        model = uow.models.get(version)
    assert model is not None
    return model.status


def test_a_request_changes_nothing_until_another_approver_approves(
    context: Context, trained: TrainedScorecard
) -> None:
    version = _candidate(context, trained)
    request = request_model_promotion(
        context.uow(), version, challenger=False, maker=RISK, clock=context.clock
    )
    assert _status(context, version) == ModelStatus.CANDIDATE  # nothing changes yet

    with pytest.raises(Forbidden, match="approver role"):  # the maker holds no approver role
        approve_model_promotion(context.uow(), request.id, checker=RISK, clock=context.clock)
    both = Actor(name="rita", kind="user", roles=frozenset({Role.RISK_MANAGER, Role.APPROVER}))
    with pytest.raises(Forbidden, match="may not also approve"):  # the maker, even as approver
        approve_model_promotion(context.uow(), request.id, checker=both, clock=context.clock)
    assert _status(context, version) == ModelStatus.CANDIDATE

    model, previous = approve_model_promotion(
        context.uow(), request.id, checker=ALAN, clock=context.clock
    )
    assert model.status == ModelStatus.CHAMPION and previous is not None
    assert _status(context, previous.version) == ModelStatus.RETIRED
    with context.uow() as uow:
        records = uow.audit.for_subject("model", version)
        decided = uow.approvals.get(request.id)
    promoted = [r for r in records if r.action == "model.promoted"]
    assert len(promoted) == 1 and promoted[0].actor == "user:alan"
    assert (promoted[0].payload["maker"], promoted[0].payload["checker"]) == (
        "user:rita",
        "user:alan",
    )
    assert decided is not None and decided.status == ApprovalStatus.APPROVED
    assert (decided.maker, decided.checker) == ("user:rita", "user:alan")

    with pytest.raises(Conflict):  # decided once
        approve_model_promotion(context.uow(), request.id, checker=BETH, clock=context.clock)


def test_only_a_risk_manager_asks_and_a_rejection_keeps_the_champion(
    context: Context, trained: TrainedScorecard
) -> None:
    version = _candidate(context, trained)
    with pytest.raises(Forbidden, match="risk_manager"):
        request_model_promotion(
            context.uow(), version, challenger=False, maker=ALAN, clock=context.clock
        )
    request = request_model_promotion(
        context.uow(), version, challenger=True, maker=RISK, clock=context.clock
    )
    with pytest.raises(Conflict, match="already pending"):
        request_model_promotion(
            context.uow(), version, challenger=True, maker=RISK, clock=context.clock
        )
    with pytest.raises(Invalid):  # a rejection says why
        reject_model_promotion(
            context.uow(), request.id, checker=BETH, reason=" ", clock=context.clock
        )
    rejected = reject_model_promotion(
        context.uow(), request.id, checker=BETH, reason="PSI too high", clock=context.clock
    )
    assert (rejected.status, rejected.checker, rejected.reason) == (
        ApprovalStatus.REJECTED,
        "user:beth",
        "PSI too high",
    )
    assert _status(context, version) == ModelStatus.CANDIDATE
    with context.uow() as uow:
        pending = uow.approvals.find(ApprovalQuery(kind=ApprovalKind.MODEL_PROMOTION))
    assert pending == []
    # Rejected, it may be asked for again.
    again = request_model_promotion(
        context.uow(), version, challenger=True, maker=RISK, clock=context.clock
    )
    assert again.id != request.id
