"""`decision.service.PolicyBundleStore`: the first bundle stored under a hash is the one kept."""

from __future__ import annotations

from contracts.conftest import Backend
from contracts.rows import at


def test_a_bundle_is_remembered_once(backend: Backend) -> None:
    bundle = {"document": "version: retail-v1\n", "tables": {"bands": [1, 2]}}
    with backend.uow() as uow:
        assert uow.policy_bundles.get("a" * 64) is None
        uow.policy_bundles.remember("a" * 64, "retail-v1", bundle, at(0))
        uow.policy_bundles.remember("a" * 64, "retail-v1", {"document": "other"}, at(1))
        assert uow.policy_bundles.get("a" * 64) == bundle
        uow.commit()
    with backend.uow() as uow:
        uow.policy_bundles.remember("a" * 64, "retail-v1", {"document": "later"}, at(2))
        uow.commit()
    with backend.uow() as uow:
        assert uow.policy_bundles.get("a" * 64) == bundle
        assert uow.policy_bundles.get("b" * 64) is None


def test_a_bundle_read_is_a_copy(backend: Backend) -> None:
    with backend.uow() as uow:
        uow.policy_bundles.remember("a" * 64, "retail-v1", {"document": "x"}, at(0))
        uow.policy_bundles.get("a" * 64)["document"] = "changed by the reader"
        assert uow.policy_bundles.get("a" * 64) == {"document": "x"}
