"""Deleting records is reported as MISSING where the gap shows, naming the first missing seq."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import given
from hypothesis import strategies as st

from fengkong.audit.chain import AuditRecord
from fengkong.audit.findings import Problem
from fengkong.audit.verify import verify

Chains = Callable[[int], st.SearchStrategy[tuple[AuditRecord, ...]]]


@given(data=st.data())
def test_deleting_one_record_is_reported_as_missing(
    audit_chains: Chains, data: st.DataObject
) -> None:
    chain = data.draw(audit_chains(1))
    p = data.draw(st.integers(0, len(chain) - 1))
    tampered = chain[:p] + chain[p + 1 :]

    findings = verify(tampered, head=chain[-1].point)

    assert [(f.position, f.problem, f.seq) for f in findings] == [
        (p, Problem.MISSING, chain[p].seq)
    ]


@given(data=st.data())
def test_deleting_a_run_of_records_is_one_finding(
    audit_chains: Chains, data: st.DataObject
) -> None:
    chain = data.draw(audit_chains(3))
    first = data.draw(st.integers(0, len(chain) - 3))
    last = data.draw(st.integers(first + 1, len(chain) - 2))
    tampered = chain[:first] + chain[last + 1 :]

    findings = verify(tampered)

    assert [(f.position, f.problem, f.seq) for f in findings] == [
        (first, Problem.MISSING, chain[first].seq)
    ]
    assert f"{chain[first].seq}..{chain[last].seq}" in findings[0].message


@given(data=st.data())
def test_cutting_the_newest_records_needs_the_anchor(
    audit_chains: Chains, data: st.DataObject
) -> None:
    chain = data.draw(audit_chains(2))
    kept = data.draw(st.integers(1, len(chain) - 1))

    assert verify(chain[:kept]) == ()
    findings = verify(chain[:kept], head=chain[-1].point)
    assert [(f.position, f.problem, f.seq) for f in findings] == [
        (kept, Problem.MISSING, chain[kept].seq)
    ]
