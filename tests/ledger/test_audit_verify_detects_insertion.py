"""Inserting a record, a copy or a well-formed forgery, is reported as INSERTED at its position."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from fengkong.audit.chain import AuditRecord, record_hash
from fengkong.audit.findings import Problem
from fengkong.audit.verify import verify

Chains = Callable[[int], st.SearchStrategy[tuple[AuditRecord, ...]]]
Forge = Callable[[AuditRecord | None], AuditRecord]


@given(data=st.data())
def test_inserted_copy_is_reported(audit_chains: Chains, data: st.DataObject) -> None:
    chain = data.draw(audit_chains(1))
    p = data.draw(st.integers(0, len(chain) - 1))
    k = data.draw(st.integers(0, len(chain) - 1))
    tampered = (*chain[:p], chain[k], *chain[p:])
    # A copy placed next to its original makes the same stream whichever of the two was added;
    # the second one is reported.
    expected = p + 1 if k == p else p

    findings = verify(tampered, head=chain[-1].point)

    assert {f.problem for f in findings} == {Problem.INSERTED}
    assert [f.position for f in findings] == [expected]


@given(data=st.data())
def test_inserted_forgery_chained_like_a_real_record_is_reported(
    audit_chains: Chains, forged_record: Forge, data: st.DataObject
) -> None:
    chain = data.draw(audit_chains(1))
    p = data.draw(st.integers(0, len(chain) - 1))
    forged = forged_record(chain[p - 1] if p else None)
    tampered = (*chain[:p], forged, *chain[p:])

    findings = verify(tampered, head=chain[-1].point)

    assert [(f.position, f.problem, f.seq) for f in findings] == [(p, Problem.INSERTED, forged.seq)]


@given(data=st.data(), parent=st.binary(min_size=32, max_size=32))
def test_inserted_forgery_linked_to_nothing_is_reported(
    audit_chains: Chains, forged_record: Forge, data: st.DataObject, parent: bytes
) -> None:
    chain = data.draw(audit_chains(1))
    p = data.draw(st.integers(0, len(chain) - 1))
    # The right seq and a valid hash of its own, but a parent that is not in the chain.
    unlinked = replace(forged_record(chain[p - 1] if p else None), prev_hash=parent.hex())
    forged = replace(unlinked, hash=record_hash(unlinked))
    tampered = (*chain[:p], forged, *chain[p:])

    findings = verify(tampered, head=chain[-1].point)

    assert [(f.position, f.problem, f.seq) for f in findings] == [(p, Problem.INSERTED, forged.seq)]
