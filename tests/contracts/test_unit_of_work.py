"""The unit of work: changes made in `with uow:` are seen after `commit()`, dropped otherwise."""

from __future__ import annotations

import pytest

from contracts.conftest import Backend
from contracts.rows import application, at


def test_committed_changes_are_seen_by_the_next_unit_of_work(backend: Backend) -> None:
    with backend.uow() as uow:
        uow.applications.add(application("app_1"))
        uow.commit()
    with backend.uow() as uow:
        assert uow.applications.get("app_1") == application("app_1")


def test_leaving_without_commit_rolls_back(backend: Backend) -> None:
    with backend.uow() as uow:
        uow.applications.add(application("app_1"))
        uow.audit.append(at=at(0), actor="t", action="x", subject_type="s", subject_id="1")
        assert uow.applications.get("app_1") is not None  # a unit of work reads its own writes
    with backend.uow() as uow:
        assert uow.applications.get("app_1") is None
        assert list(uow.audit.stream()) == []


def test_an_error_in_the_block_rolls_back(backend: Backend) -> None:
    with pytest.raises(RuntimeError), backend.uow() as uow:
        uow.applications.add(application("app_1"))
        raise RuntimeError("the use case failed")
    with backend.uow() as uow:
        assert uow.applications.get("app_1") is None


def test_writes_after_the_commit_need_a_commit_of_their_own(backend: Backend) -> None:
    with backend.uow() as uow:
        uow.applications.add(application("app_1"))
        uow.commit()
        uow.applications.add(application("app_2"))
    with backend.uow() as uow:
        assert uow.applications.get("app_1") is not None
        assert uow.applications.get("app_2") is None


def test_uncommitted_writes_are_not_seen_by_another_unit_of_work(backend: Backend) -> None:
    with backend.uow() as writer:
        writer.applications.add(application("app_1"))
        with backend.uow() as reader:
            assert reader.applications.get("app_1") is None
        writer.commit()
    with backend.uow() as reader:
        assert reader.applications.get("app_1") is not None


def test_a_unit_of_work_can_be_used_again(backend: Backend) -> None:
    uow = backend.uow()
    with uow:
        uow.applications.add(application("app_1"))
        uow.commit()
    with uow:
        assert uow.applications.get("app_1") is not None
