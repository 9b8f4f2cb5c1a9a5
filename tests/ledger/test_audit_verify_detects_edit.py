"""Any single edit of a stored audit record is reported as EDITED at that record's position."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from types import MappingProxyType

from hypothesis import given
from hypothesis import strategies as st

from fengkong.audit.chain import AuditRecord, record_hash
from fengkong.audit.findings import Problem
from fengkong.audit.verify import verify

Chains = Callable[[int], st.SearchStrategy[tuple[AuditRecord, ...]]]


def _flip(hex_hash: str) -> str:
    return ("1" if hex_hash[0] == "0" else "0") + hex_hash[1:]


EDITS: dict[str, Callable[[AuditRecord], AuditRecord]] = {
    "actor": lambda r: replace(r, actor=r.actor + "x"),
    "action": lambda r: replace(r, action="loan.written_off"),
    "subject_id": lambda r: replace(r, subject_id=r.subject_id + "0"),
    "payload": lambda r: replace(r, payload=MappingProxyType({**r.payload, "amount": -1})),
    "at": lambda r: replace(r, at=r.at + timedelta(microseconds=1)),
    "seq": lambda r: replace(r, seq=r.seq + 7),
    "prev_hash": lambda r: replace(r, prev_hash=_flip(r.prev_hash)),
    "hash": lambda r: replace(r, hash=_flip(r.hash)),
    # given to a record that had none, taken from one that had one
    "request_id": lambda r: replace(r, request_id=None if r.request_id else "forged"),
    "request_id_changed": lambda r: replace(r, request_id=(r.request_id or "") + "x"),
}
# Fields an intruder can change and then re-hash the record (renumbering is a reorder).
REHASHABLE = (
    "actor",
    "action",
    "subject_id",
    "payload",
    "at",
    "prev_hash",
    "request_id",
    "request_id_changed",
)


def _only_edited_at(findings: tuple[object, ...], position: int) -> bool:
    return {(f.position, f.problem) for f in findings} == {(position, Problem.EDITED)}  # type: ignore[attr-defined]


@given(data=st.data(), field=st.sampled_from(sorted(EDITS)))
def test_edit_without_rehash_is_reported_at_the_record(
    audit_chains: Chains, data: st.DataObject, field: str
) -> None:
    chain = data.draw(audit_chains(1))
    p = data.draw(st.integers(0, len(chain) - 1))
    tampered = (*chain[:p], EDITS[field](chain[p]), *chain[p + 1 :])

    findings = verify(tampered, head=chain[-1].point)

    assert _only_edited_at(findings, p)


@given(data=st.data(), field=st.sampled_from(REHASHABLE))
def test_edit_with_fresh_hash_is_reported_at_the_record(
    audit_chains: Chains, data: st.DataObject, field: str
) -> None:
    chain = data.draw(audit_chains(1))
    p = data.draw(st.integers(0, len(chain) - 1))
    edited = EDITS[field](chain[p])
    tampered = (*chain[:p], replace(edited, hash=record_hash(edited)), *chain[p + 1 :])

    findings = verify(tampered, head=chain[-1].point)

    assert _only_edited_at(findings, p)


@given(data=st.data())
def test_edit_with_fresh_hash_inside_the_chain_needs_no_anchor(
    audit_chains: Chains, data: st.DataObject
) -> None:
    chain = data.draw(audit_chains(2))
    p = data.draw(st.integers(0, len(chain) - 2))
    edited = replace(chain[p], actor="someone_else")
    tampered = (*chain[:p], replace(edited, hash=record_hash(edited)), *chain[p + 1 :])

    assert _only_edited_at(verify(tampered), p)


@given(data=st.data())
def test_fresh_hash_on_the_newest_record_is_invisible_without_the_anchor(
    audit_chains: Chains, data: st.DataObject
) -> None:
    # Why `head=` exists: nothing after the newest record vouches for it.
    chain = data.draw(audit_chains(1))
    edited = replace(chain[-1], actor="someone_else")
    tampered = (*chain[:-1], replace(edited, hash=record_hash(edited)))

    assert verify(tampered) == ()
    assert _only_edited_at(verify(tampered, head=chain[-1].point), len(chain) - 1)
