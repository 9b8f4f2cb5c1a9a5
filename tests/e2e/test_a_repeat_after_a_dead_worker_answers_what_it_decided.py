"""A worker that dies mid-request leaves its key claimed until the lease its worker no longer
renews lapses; the repeat then claims the key afresh, on SQLite and PostgreSQL. An application
the dead attempt had already decided (its commit done, its answer never sent) is answered with
that decision, not decided twice; one it had not is decided now, once."""

from __future__ import annotations

import json
import random
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from factories import body
from fakes.api import api_client
from fengkong.api.idempotency import fingerprint, scope_hash
from fengkong.bootstrap import Context
from fengkong.db.idempotency import Claimed, IdempotencyClaim, SqlIdempotencyRecords
from fengkong.db.tables import applications
from fengkong.sim.identity import identity

PATH = "/v1/applications"


def _doc(context: Context, seed: int) -> dict[str, Any]:
    p = identity(35, context.clock.business_date(), random.Random(seed))
    return body(applicant={"name": p.name, "id_number": p.id_number, "phone": p.phone})


def _abandon(context: Context, key: str, doc: dict[str, Any], holder: str) -> None:
    """The claim of an attempt with request id `holder` whose worker died: made more than a
    lease ago and never renewed."""
    lease = timedelta(seconds=context.settings.idempotency_lease_seconds)
    claim = IdempotencyClaim(
        scope_hash("fks_all", "POST", PATH, key), "POST", PATH, key,
        fingerprint(b"", json.dumps(doc).encode()),
    )  # fmt: skip
    died = context.clock.now() - lease - timedelta(seconds=1)
    assert isinstance(
        SqlIdempotencyRecords(context.db, lease=lease).claim(claim, died, holder), Claimed
    )


def _applications_of(context: Context, doc: dict[str, Any]) -> list[str]:
    bidx = context.vault.blind_index("id_number", doc["applicant"]["id_number"])
    with context.db.engine.connect() as conn:
        return list(
            conn.execute(
                sa.select(applications.c.id).where(applications.c.id_number_bidx == bidx)
            ).scalars()
        )


def test_a_repeat_answers_with_what_the_dead_attempt_decided(context: Context) -> None:
    doc = _doc(context, 1)
    with api_client(context) as client:
        # The attempt that died after its commit: its decision is stored under its request id.
        died = client.post(PATH, json=doc, headers={"X-Request-ID": "req-died-after-commit"})
        assert died.status_code == 201, died.text
        _abandon(context, "apply-1", doc, "req-died-after-commit")

        repeat = client.post(PATH, json=doc, headers={"Idempotency-Key": "apply-1"})
        again = client.post(PATH, json=doc, headers={"Idempotency-Key": "apply-1"})
    assert repeat.status_code == 201, repeat.text
    assert repeat.json()["decision_id"] == died.json()["decision_id"]
    assert repeat.json()["request_id"] == "req-died-after-commit"
    assert again.json() == repeat.json() and again.headers["Idempotent-Replayed"] == "true"
    assert _applications_of(context, doc) == [died.json()["application_id"]]


def test_a_repeat_decides_what_the_dead_attempt_had_not(context: Context) -> None:
    doc, other = _doc(context, 2), _doc(context, 3)
    with api_client(context) as client:
        # The dead attempt's request id made a decision, but for someone else: not this one.
        client.post(PATH, json=other, headers={"X-Request-ID": "req-died-before-commit"})
        _abandon(context, "apply-2", doc, "req-died-before-commit")
        repeat = client.post(PATH, json=doc, headers={"Idempotency-Key": "apply-2"})
    assert repeat.status_code == 201, repeat.text
    assert _applications_of(context, doc) == [repeat.json()["application_id"]]
    assert len(_applications_of(context, other)) == 1
