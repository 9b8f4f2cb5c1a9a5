"""`decision.policy_registry.PolicyRepository`: versions in order of submission, a stored
document never changes, and at most one version holds each live role."""

from __future__ import annotations

from dataclasses import replace

import pytest

from contracts.conftest import REFUSED, Backend
from contracts.rows import at, policy
from fengkong.core.errors import Conflict
from fengkong.decision.policy_registry import PolicyStatus, Role


def test_versions_read_back_in_order_of_submission(backend: Backend) -> None:
    v3, v2 = policy("retail-v3", created_at=at(5)), policy("retail-v2", created_at=at(0))
    with backend.uow() as uow:
        uow.policies.add(v3)
        uow.policies.add(v2)
        uow.commit()
    with backend.uow() as uow:
        assert uow.policies.get("retail-v3") == v3
        assert uow.policies.get("retail-v3", for_update=True) == v3
        assert uow.policies.get("retail-v9") is None
        assert list(uow.policies.list()) == [v2, v3]
        assert uow.policies.with_status(PolicyStatus.DRAFT) in (v2, v3)
        assert uow.policies.with_status(PolicyStatus.ACTIVE) is None
        assert uow.policies.live() == {}


def test_a_version_is_stored_once(backend: Backend) -> None:
    with backend.uow() as uow:
        uow.policies.add(policy("retail-v2"))
        uow.commit()
    with pytest.raises(REFUSED), backend.uow() as uow:
        uow.policies.add(policy("retail-v2", id="pol_other"))
        uow.commit()


def test_save_changes_the_standing_never_the_document(backend: Backend) -> None:
    draft = policy("retail-v2")
    with backend.uow() as uow:
        uow.policies.add(draft)
        uow.commit()
    requested = replace(
        draft,
        status=PolicyStatus.PENDING_APPROVAL,
        requested_role=Role.CHAMPION,
        requested_by="analyst",
        requested_at=at(1),
        document="version: tampered\n",
        author="someone else",
    )
    with backend.uow() as uow:
        uow.policies.save(requested)
        uow.commit()
    with backend.uow() as uow:
        assert uow.policies.get("retail-v2") == replace(
            requested, document=draft.document, author=draft.author
        )
        assert uow.policies.with_status(PolicyStatus.PENDING_APPROVAL).version == "retail-v2"


def test_one_version_per_live_role(backend: Backend) -> None:
    with backend.uow() as uow:
        for version in ("retail-v1", "retail-v2", "retail-v3"):
            uow.policies.add(policy(version))
        uow.commit()
    with backend.uow() as uow:
        active = replace(
            uow.policies.get("retail-v1"), status=PolicyStatus.ACTIVE, activated_at=at(1)
        )
        challenger = replace(uow.policies.get("retail-v2"), status=PolicyStatus.CHALLENGER)
        uow.policies.save(active)
        uow.policies.save(challenger)
        uow.commit()
    with backend.uow() as uow:
        assert uow.policies.live() == {
            PolicyStatus.ACTIVE: active,
            PolicyStatus.CHALLENGER: challenger,
        }
        with pytest.raises(Conflict, match="active role"):
            uow.policies.save(replace(uow.policies.get("retail-v3"), status=PolicyStatus.ACTIVE))
    with backend.uow() as uow:
        uow.policies.save(replace(active, status=PolicyStatus.RETIRED, retired_at=at(2)))
        uow.policies.save(replace(uow.policies.get("retail-v3"), status=PolicyStatus.ACTIVE))
        uow.commit()
    with backend.uow() as uow:
        assert uow.policies.with_status(PolicyStatus.ACTIVE).version == "retail-v3"
