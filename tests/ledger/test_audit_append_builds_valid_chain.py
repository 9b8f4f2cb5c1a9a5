"""`append` builds a chain that verifies clean: gapless seqs from 1, each record linked to the one
before (the first to 64 zeros), each hash the sha256 of prev_hash plus the canonical body."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fengkong.audit.chain import GENESIS_HASH, AuditRecord, append, canonical_body
from fengkong.audit.verify import (
    AUDIT_CHECKS,
    check_prev_hash_links,
    check_record_hashes,
    check_sequence_gapless,
    verify,
)
from fengkong.core.errors import Invalid

Chains = Callable[[int], st.SearchStrategy[tuple[AuditRecord, ...]]]


@given(data=st.data())
def test_appended_chain_is_linked_and_verifies_clean(
    audit_chains: Chains, data: st.DataObject
) -> None:
    chain = data.draw(audit_chains(1))

    assert [r.seq for r in chain] == list(range(1, len(chain) + 1))
    assert chain[0].prev_hash == GENESIS_HASH == "0" * 64
    for before, record in itertools.pairwise(chain):
        assert record.prev_hash == before.hash
    for record in chain:
        body = (record.prev_hash + canonical_body(record)).encode()
        assert record.hash == hashlib.sha256(body).hexdigest()
    assert verify(chain, head=chain[-1].point) == ()


@given(data=st.data())
def test_a_partition_verifies_from_the_point_before_it(
    audit_chains: Chains, data: st.DataObject
) -> None:
    chain = data.draw(audit_chains(2))
    cut = data.draw(st.integers(1, len(chain) - 1))

    assert verify(chain[cut:], after=chain[cut - 1].point, head=chain[-1].point) == ()


def test_each_check_runs_alone_and_all_are_listed() -> None:
    first = append(
        None,
        at=datetime(2025, 3, 31, tzinfo=UTC),
        actor="system",
        action="eod.run",
        subject_type="day",
        subject_id="2025-03-31",
    )
    for check in (check_record_hashes, check_prev_hash_links, check_sequence_gapless):
        assert check((first,)) == ()
    assert (check_record_hashes, check_prev_hash_links, check_sequence_gapless) == AUDIT_CHECKS


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("at", datetime(2025, 3, 31, 9, 0)),  # naive
        ("actor", ""),
        ("action", ""),
        ("subject_id", ""),
    ],
)
def test_append_refuses_incomplete_records(field: str, value: object) -> None:
    fields: dict[str, object] = {
        "at": datetime(2025, 3, 31, tzinfo=UTC),
        "actor": "system",
        "action": "eod.run",
        "subject_type": "day",
        "subject_id": "2025-03-31",
    }
    fields[field] = value
    with pytest.raises(Invalid):
        append(None, **fields)  # type: ignore[arg-type]
