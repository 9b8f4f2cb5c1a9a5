"""Swapping two records is reported as REORDERED, first at the earlier of the two positions."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import given
from hypothesis import strategies as st

from fengkong.audit.chain import AuditRecord
from fengkong.audit.findings import Problem
from fengkong.audit.verify import verify

Chains = Callable[[int], st.SearchStrategy[tuple[AuditRecord, ...]]]


@given(data=st.data(), anchored=st.booleans())
def test_swapping_two_records_is_reported_as_reordered(
    audit_chains: Chains, data: st.DataObject, anchored: bool
) -> None:
    chain = data.draw(audit_chains(2))
    i = data.draw(st.integers(0, len(chain) - 2))
    j = data.draw(st.integers(i + 1, len(chain) - 1))
    tampered = list(chain)
    tampered[i], tampered[j] = tampered[j], tampered[i]

    findings = verify(tampered, head=chain[-1].point if anchored else None)

    assert findings
    assert {f.problem for f in findings} == {Problem.REORDERED}
    assert findings[0].position == i
    assert all(f.position in (i, i + 1, j) for f in findings)


@given(data=st.data())
def test_adjacent_swap_is_a_single_finding(audit_chains: Chains, data: st.DataObject) -> None:
    chain = data.draw(audit_chains(5))
    tampered = (chain[0], chain[2], chain[1], *chain[3:])

    findings = verify(tampered)

    assert [(f.position, f.problem, f.seq) for f in findings] == [(1, Problem.REORDERED, 3)]
