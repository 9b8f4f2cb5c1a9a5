"""The business scorecard trained on the simulated book is registered in a platform's registry,
audited, and promoted maker-checker to the champion of its own name, beside (not instead of) the
consumer `application` champion."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from fengkong.bootstrap import bootstrap
from fengkong.core.clock import FakeClock
from fengkong.core.settings import Settings
from fengkong.scoring.registry import ModelStatus
from fengkong.sim.business_model import BUSINESS_MODEL, promote_business_model, train_business_model

AS_OF = date(2026, 1, 1)


def test_the_business_model_becomes_the_champion_of_its_own_name(
    database_url: str, tmp_path: Path
) -> None:
    result = train_business_model(1, rows=900, as_of=AS_OF)
    settings = Settings(env="test", home=tmp_path, database_url=database_url)
    ctx = bootstrap(settings, clock=FakeClock(datetime(2026, 1, 2, 9, tzinfo=UTC)))
    try:
        model = promote_business_model(ctx, result)
        with ctx.uow() as uow:
            champion = uow.models.champion(BUSINESS_MODEL)
            assert champion is not None and champion.version == model.version
            assert champion.status is ModelStatus.CHAMPION
            assert uow.models.champion("application") is None
        assert (ctx.artifacts_dir / model.path).exists()
    finally:
        ctx.close()
