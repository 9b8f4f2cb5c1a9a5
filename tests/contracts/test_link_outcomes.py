"""`decision.declines.LinkOutcomes`: a declined application is flagged on the identity-link graph
with the unit of work; one the graph never took has nothing to flag."""

from __future__ import annotations

from contracts.conftest import Backend
from fakes.tables import LinkFlags


def test_a_flag_is_written_with_the_commit(backend: Backend) -> None:
    backend.link("app_1")
    backend.link("app_2")
    assert backend.flags("app_1") == LinkFlags(declined=False, defaulted=False)
    with backend.uow() as uow:
        uow.link_outcomes.mark("app_1", declined=True, defaulted=False)
        uow.link_outcomes.mark("app_2", declined=False, defaulted=True)
        uow.commit()
    assert backend.flags("app_1") == LinkFlags(declined=True, defaulted=False)
    assert backend.flags("app_2") == LinkFlags(declined=False, defaulted=True)


def test_a_flag_not_committed_is_not_written(backend: Backend) -> None:
    backend.link("app_1")
    with backend.uow() as uow:
        uow.link_outcomes.mark("app_1", declined=True, defaulted=False)
    assert backend.flags("app_1") == LinkFlags(declined=False, defaulted=False)


def test_an_application_the_graph_never_took_is_not_flagged(backend: Backend) -> None:
    with backend.uow() as uow:
        uow.link_outcomes.mark("app_9", declined=True, defaulted=False)
        uow.commit()
    assert backend.flags("app_9") is None
