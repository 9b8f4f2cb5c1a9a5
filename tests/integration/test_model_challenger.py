"""Champion and challenger models: the challenger decides its share of traffic (split) or scores
beside the champion without deciding (shadow); routing follows the application id."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from factories import body
from fengkong.api.schemas import ApplicationIn
from fengkong.bootstrap import Context
from fengkong.core.errors import Conflict
from fengkong.decision.record import DecisionRecord
from fengkong.decision.routing import ChallengerConfig, Mode
from fengkong.decision.service import submit_application
from fengkong.scoring.promotion import challenge_audited, register_audited
from fengkong.scoring.train import TrainedScorecard


@pytest.fixture
def challenger(context: Context, trained: TrainedScorecard) -> str:
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
        challenge_audited(uow, model.version, actor="officer:wang", clock=context.clock)
        uow.commit()
    return model.version


def _decide(context: Context, share: str, mode: Mode, n: int = 1) -> list[DecisionRecord]:
    context.decisions = replace(
        context.decisions, model_challenge=ChallengerConfig(share=Decimal(share), mode=mode)
    )
    request = ApplicationIn.model_validate(body()).to_request(context.clock.business_date())
    return [submit_application(request, context.decisions) for _ in range(n)]


def test_split_routes_the_share_to_the_challenger(context: Context, challenger: str) -> None:
    (decision,) = _decide(context, "1", Mode.SPLIT)
    assert decision.model_version == challenger
    mixed = _decide(context, "0.5", Mode.SPLIT, n=40)
    versions = {d.model_version for d in mixed}
    assert versions == {"application-v1", challenger}


def test_shadow_scores_beside_the_champion(context: Context, challenger: str) -> None:
    (decision,) = _decide(context, "1", Mode.SHADOW)
    assert decision.model_version == "application-v1"
    assert decision.features["shadow.model_version"] == challenger
    assert isinstance(decision.features["shadow.score"], int)


def test_no_share_no_challenger(context: Context, challenger: str) -> None:
    (decision,) = _decide(context, "0", Mode.SPLIT)
    assert decision.model_version == "application-v1"
    assert "shadow.model_version" not in decision.features


def test_challenger_changes_are_audited_and_guarded(context: Context, challenger: str) -> None:
    with context.uow() as uow:
        actions = [r.action for r in uow.audit.stream()]
        assert actions[-1] == "model.challenger_set"
        with pytest.raises(Conflict):
            challenge_audited(uow, "application-v1", actor="x", clock=context.clock)
