"""Champion and challenger models: the challenger decides its share of traffic (split) or scores
beside the champion without deciding (shadow); routing follows the application id. On the
in-memory unit of work; a promotion read from the database is followed in
`tests/integration/test_live_registry_is_cached_and_followed.py`."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from factories import body
from fakes.decisions import MemoryContext
from fengkong.api.schemas import ApplicationIn
from fengkong.core.errors import Conflict
from fengkong.decision.record import DecisionRecord
from fengkong.decision.routing import ChallengerConfig, Mode
from fengkong.decision.service import submit_application
from fengkong.scoring.promotion import challenge_audited, register_audited
from fengkong.scoring.train import TrainedScorecard


@pytest.fixture
def challenger(memory_context: MemoryContext, trained: TrainedScorecard) -> str:
    with memory_context.uow() as uow:
        model = register_audited(
            uow,
            memory_context.artifacts_dir,
            name="application",
            scorecard=trained.model.scorecard_,
            data_fingerprint=trained.data_fingerprint,
            params=trained.params,
            metrics=trained.metrics,
            actor="test",
            clock=memory_context.clock,
        )
        challenge_audited(uow, model.version, actor="officer:wang", clock=memory_context.clock)
        uow.commit()
    return model.version


def _decide(
    memory_context: MemoryContext, share: str, mode: Mode, n: int = 1
) -> list[DecisionRecord]:
    memory_context.decisions = replace(
        memory_context.decisions, model_challenge=ChallengerConfig(share=Decimal(share), mode=mode)
    )
    request = ApplicationIn.model_validate(body()).to_request(memory_context.clock.business_date())
    return [submit_application(request, memory_context.decisions) for _ in range(n)]


def test_split_routes_the_share_to_the_challenger(
    memory_context: MemoryContext, challenger: str
) -> None:
    (decision,) = _decide(memory_context, "1", Mode.SPLIT)
    assert decision.model_version == challenger
    mixed = _decide(memory_context, "0.5", Mode.SPLIT, n=40)
    versions = {d.model_version for d in mixed}
    assert versions == {"application-v1", challenger}


def test_shadow_scores_beside_the_champion(memory_context: MemoryContext, challenger: str) -> None:
    (decision,) = _decide(memory_context, "1", Mode.SHADOW)
    assert decision.model_version == "application-v1"
    assert decision.features["shadow.model_version"] == challenger
    assert isinstance(decision.features["shadow.score"], int)


def test_no_share_no_challenger(memory_context: MemoryContext, challenger: str) -> None:
    (decision,) = _decide(memory_context, "0", Mode.SPLIT)
    assert decision.model_version == "application-v1"
    assert "shadow.model_version" not in decision.features


def test_challenger_changes_are_audited_and_guarded(
    memory_context: MemoryContext, challenger: str
) -> None:
    with memory_context.uow() as uow:
        actions = [r.action for r in uow.audit.stream()]
        assert actions[-1] == "model.challenger_set"
        with pytest.raises(Conflict):
            challenge_audited(uow, "application-v1", actor="x", clock=memory_context.clock)
