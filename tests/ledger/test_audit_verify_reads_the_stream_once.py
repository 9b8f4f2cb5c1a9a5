"""The verifier reads its input once, front to back, and reports as it goes, so a chain far
larger than memory can be checked straight from a cursor."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import islice

from fengkong.audit.chain import AuditRecord, append
from fengkong.audit.findings import Problem
from fengkong.audit.verify import iter_findings, verify

START = datetime(2025, 1, 1, tzinfo=UTC)


def endless_chain(edit_at: int | None = None) -> Iterator[AuditRecord]:
    record: AuditRecord | None = None
    position = 0
    while True:
        record = append(
            record,
            at=START + timedelta(seconds=position),
            actor="system",
            action="accrual.posted",
            subject_type="loan",
            subject_id=f"L{position}",
            payload={"amount": position},
        )
        yield replace(record, actor="intruder") if position == edit_at else record
        position += 1


def test_findings_come_before_the_end_of_an_endless_stream() -> None:
    first = next(iter_findings(endless_chain(edit_at=5)))

    assert (first.position, first.problem, first.seq) == (5, Problem.EDITED, 6)


def test_a_one_shot_iterator_is_enough() -> None:
    records = islice(endless_chain(), 3000)

    assert verify(records) == ()
