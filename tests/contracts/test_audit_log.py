"""The audit chain (`AuditAppender` and what `audit verify` reads): appends chain in order, the
chain verifies, a rollback takes its records with it and the next append continues the chain."""

from __future__ import annotations

from contracts.conftest import Backend
from contracts.rows import at
from fengkong.audit.browse import AuditQuery, recent_records
from fengkong.audit.chain import GENESIS
from fengkong.audit.verify import verify
from fengkong.core import request_id as request_ids


def _append(uow: object, subject_id: str, minutes: int = 0, **payload: object) -> None:
    uow.audit.append(  # type: ignore[attr-defined]
        at=at(minutes),
        actor="officer:li",
        action="consent.recorded",
        subject_type="consent",
        subject_id=subject_id,
        payload=payload,
    )


def test_an_empty_chain_is_at_genesis(backend: Backend) -> None:
    with backend.uow() as uow:
        assert uow.audit.head() == GENESIS
        assert list(uow.audit.stream()) == []


def test_appends_chain_in_order_and_verify(backend: Backend) -> None:
    with backend.uow() as uow:
        _append(uow, "cns_1", purpose="credit_bureau")
        _append(uow, "cns_2", 1)
        uow.commit()
    with backend.uow() as uow:
        _append(uow, "cns_1", 2, revoked=True)
        uow.commit()
    with backend.uow() as uow:
        records = list(uow.audit.stream())
        assert [(r.seq, r.subject_id) for r in records] == [
            (1, "cns_1"),
            (2, "cns_2"),
            (3, "cns_1"),
        ]
        assert records[0].prev_hash == GENESIS.hash
        assert [r.prev_hash for r in records[1:]] == [r.hash for r in records[:-1]]
        assert records[0].payload == {"purpose": "credit_bureau"}
        assert uow.audit.head() == records[-1].point
        assert verify(uow.audit.stream(), head=uow.audit.head()) == ()
        assert [r.seq for r in uow.audit.for_subject("consent", "cns_1")] == [1, 3]
        assert uow.audit.for_subject("consent", "cns_9") == []
        assert [r.seq for r in uow.audit.stream(batch=1)] == [1, 2, 3]


def test_a_rolled_back_append_leaves_no_gap(backend: Backend) -> None:
    with backend.uow() as uow:
        _append(uow, "cns_1")
        uow.commit()
    with backend.uow() as uow:
        _append(uow, "cns_2")
        assert [r.seq for r in uow.audit.stream()] == [1, 2]  # read back before the commit
    with backend.uow() as uow:
        _append(uow, "cns_3")
        uow.commit()
    with backend.uow() as uow:
        assert [(r.seq, r.subject_id) for r in uow.audit.stream()] == [(1, "cns_1"), (2, "cns_3")]
        assert verify(uow.audit.stream(), head=uow.audit.head()) == ()


def test_a_record_carries_the_request_being_served(backend: Backend) -> None:
    token = request_ids.serving("req-7")
    try:
        with backend.uow() as uow:
            _append(uow, "cns_1")
            uow.commit()
    finally:
        request_ids.done(token)
    with backend.uow() as uow:
        _append(uow, "cns_2")
        uow.commit()
    with backend.uow() as uow:
        assert [r.request_id for r in uow.audit.stream()] == ["req-7", None]
        assert verify(uow.audit.stream(), head=uow.audit.head()) == ()


def test_recent_records_come_newest_first_narrowed_as_asked(backend: Backend) -> None:
    """`recent` (the console's audit page): an action prefix, a subject id, an actor, a limit."""
    with backend.uow() as uow:
        _append(uow, "cns_1")
        _append(uow, "cns_2", 1)
        uow.audit.append(
            at=at(2),
            actor="user:rita",
            action="list.change_requested",
            subject_type="approval",
            subject_id="apr_1",
        )
        uow.commit()
    with backend.uow() as uow:
        assert [r.seq for r in recent_records(uow, AuditQuery())] == [3, 2, 1]
        assert [r.seq for r in recent_records(uow, AuditQuery(limit=2))] == [3, 2]
        assert [r.seq for r in recent_records(uow, AuditQuery(action="consent."))] == [2, 1]
        assert [r.seq for r in recent_records(uow, AuditQuery(subject_id="cns_2"))] == [2]
        assert [r.seq for r in recent_records(uow, AuditQuery(actor="user:rita"))] == [3]
        assert recent_records(uow, AuditQuery(action="consent%")) == ()  # no wildcard
