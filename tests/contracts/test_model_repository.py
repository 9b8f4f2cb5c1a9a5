"""`scoring.registry.ModelRepository`: versions by name, and the champion and challenger roles."""

from __future__ import annotations

import pytest

from contracts.conftest import REFUSED, Backend
from contracts.rows import at, model
from fengkong.scoring.registry import ModelStatus


def test_models_read_back_in_order_of_creation(backend: Backend) -> None:
    v1, v2 = model("application-v1", created_at=at(10)), model("application-v2", created_at=at(0))
    other = model("anomaly-v1", name="anomaly", kind="isolation_forest", created_at=at(5))
    with backend.uow() as uow:
        for m in (v1, v2, other):
            uow.models.add(m)
        uow.commit()
    with backend.uow() as uow:
        assert uow.models.get("application-v1") == v1
        assert uow.models.get("application-v9") is None
        assert uow.models.list() == [v2, other, v1]
        assert uow.models.list("application") == [v2, v1]
        assert uow.models.list("nothing") == []


def test_status_names_the_champion_and_the_challenger(backend: Backend) -> None:
    with backend.uow() as uow:
        uow.models.add(model("application-v1"))
        uow.models.add(model("application-v2"))
        assert uow.models.champion("application") is None
        uow.models.set_status("application-v1", ModelStatus.CHAMPION)
        uow.models.set_status("application-v2", ModelStatus.CHALLENGER)
        uow.models.set_status("application-v9", ModelStatus.CHAMPION)  # no such row: nothing
        uow.commit()
    with backend.uow() as uow:
        assert uow.models.champion("application").version == "application-v1"
        assert uow.models.challenger("application").version == "application-v2"
        assert uow.models.champion("anomaly") is None
        uow.models.set_status("application-v1", ModelStatus.RETIRED)
        assert uow.models.champion("application") is None
        assert uow.models.get("application-v1").status == ModelStatus.RETIRED


def test_a_version_is_registered_once(backend: Backend) -> None:
    with backend.uow() as uow:
        uow.models.add(model("application-v1"))
        uow.commit()
    with pytest.raises(REFUSED), backend.uow() as uow:
        uow.models.add(model("application-v1", sha256="9" * 64))
        uow.commit()
