"""The canonical body cut where the sequence number goes (what PostgreSQL's `audit_append` is
sent) completes to the very body `record_hash` covers, for any record: here against the plain
formula, one JSON document with sorted keys. A record's request id is a member of that document
when it has one; a record without one hashes as records did before request ids were kept."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from fengkong.audit.chain import body_around_seq, canonical_body, chained, entry, utc_iso

json_leaves = st.none() | st.booleans() | st.integers(-(10**15), 10**15) | st.text(max_size=12)
payloads = st.dictionaries(
    st.text(max_size=8),
    st.recursive(
        json_leaves,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
        max_leaves=8,
    ),
    max_size=5,
)
names = st.text(min_size=1, max_size=12)
request_ids = st.none() | st.from_regex(r"[A-Za-z0-9._:-]{1,64}", fullmatch=True)


@given(
    seq=st.integers(1, 10**12),
    at=st.datetimes(timezones=st.just(UTC)),
    actor=names,
    action=names,
    subject_type=names,
    subject_id=names,
    payload=payloads,
    request_id=request_ids,
)
def test_cut_body_completes_to_the_canonical_body(
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    subject_type: str,
    subject_id: str,
    payload: dict[str, object],
    request_id: str | None,
) -> None:
    new = entry(
        at=at,
        actor=actor,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        payload=payload,
        request_id=request_id,
    )
    head, tail = body_around_seq(new)
    plain = json.dumps(
        {
            "seq": seq,
            "at": utc_iso(at),
            "actor": actor,
            "action": action,
            "subject_type": subject_type,
            "subject_id": subject_id,
            "payload": payload,
            **({} if request_id is None else {"request_id": request_id}),
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    assert head + str(seq) + tail == plain


def test_a_chained_record_hashes_its_completed_body() -> None:
    new = entry(
        at=datetime(2026, 3, 2, 9, 30, tzinfo=UTC) + timedelta(microseconds=7),
        actor="officer_1",
        action="loan.approved",
        subject_type="loan",
        subject_id="loan_01",
        payload={"note": "人工复核", "amount": 500000},
    )
    record = chained(None, new)
    head, tail = body_around_seq(new)
    assert canonical_body(record) == f"{head}1{tail}"
    assert head.endswith(',"seq":') and tail.startswith(',"subject_id":')
