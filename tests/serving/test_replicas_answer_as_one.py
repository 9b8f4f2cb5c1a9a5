"""Two `fengkong serve` processes on one PostgreSQL database and one Redis give the answers one
server would, under concurrent clients spread over both (issue 26):

- velocity: applications from distinct people on one device, all at once, see the device's
  count go 1, 2, … N, each number once (no increment lost or counted twice), and so does the
  identity-link graph's count of people on the device;
- idempotency: one request sent many times at once under one `Idempotency-Key`, to both servers,
  makes one application and one decision, and every answer is that decision's;
- the review queue: three officers claiming every referred item at once, through both servers,
  leave each item claimed by exactly one of them; the others are refused with 409.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections import Counter
from datetime import date
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from factories import body, queue_referral
from fengkong.db.decision_tables import review_items
from fengkong.db.ledger_tables import audit_log
from fengkong.db.tables import applications, decisions
from fengkong.decision.review import ReviewConfig
from fengkong.sim.identity import identity
from serving.servers import Deployment

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]

SHARING = 32  # applications on one device
REPEATS = 16  # sends of one idempotent request
REFERRALS = 8  # review items, each claimed by every officer
PROBLEM_JSON = "application/problem+json"


def _person(rng: random.Random, as_of: date) -> dict[str, str]:
    p = identity(35, as_of, rng)
    return {"name": p.name, "id_number": p.id_number, "phone": p.phone}


def _limits() -> httpx.Limits:
    return httpx.Limits(max_connections=None, max_keepalive_connections=None)


async def _post_all(
    sends: list[tuple[str, str, dict[str, Any] | None, dict[str, str]]],
) -> list[httpx.Response]:
    """Every `(base, path, json, headers)` POST at once."""
    async with httpx.AsyncClient(timeout=120, limits=_limits()) as client:
        return await asyncio.gather(
            *(client.post(f"{base}{path}", json=doc, headers=headers)
              for base, path, doc, headers in sends)
        )  # fmt: skip


def _features(deployment: Deployment, application_id: str) -> dict[str, Any]:
    with deployment.ctx.uow() as uow:
        record = uow.decisions.for_application(application_id)
    assert record is not None, application_id
    return dict(record.features)


def test_velocity_counts_over_two_servers_are_one_servers(
    replicas: list[str], deployment: Deployment
) -> None:
    rng = random.Random(26)
    as_of = deployment.ctx.clock.business_date()
    device = f"dev-{uuid.uuid4().hex}"
    auth = {"Authorization": f"Bearer {deployment.channel_key}"}
    sends = [
        (replicas[n % 2], "/v1/applications",
         body(applicant=_person(rng, as_of), channel={"device_id": device}), auth)
        for n in range(SHARING)
    ]  # fmt: skip
    answers = asyncio.run(_post_all(sends))

    assert [r.status_code for r in answers] == [201] * SHARING, [
        r.text for r in answers if r.status_code != 201
    ][:3]
    ids = [r.json()["application_id"] for r in answers]
    assert len(set(ids)) == SHARING
    features = [_features(deployment, i) for i in ids]
    # Each application saw the device's count including itself: 1..N, each number once.
    assert sorted(f["velocity.device.24h.count"] for f in features) == list(range(1, SHARING + 1))
    assert sorted(f["velocity.device.1h.count"] for f in features) == list(range(1, SHARING + 1))
    # …and the link graph counted the people on the device the same way.
    assert sorted(f["link.ids_sharing_device"] for f in features) == list(range(1, SHARING + 1))
    # Distinct people: each resident id seen once.
    assert {f["velocity.resident_id.24h.count"] for f in features} == {1}
    # The later ones are referred for the shared device, as one server refers them.
    outcomes = Counter(r.json()["outcome"] for r in answers)
    assert outcomes["refer"] + outcomes["decline"] > 0, outcomes


def test_one_idempotency_key_sent_to_both_servers_decides_once(
    replicas: list[str], deployment: Deployment
) -> None:
    person = _person(random.Random(27), deployment.ctx.clock.business_date())
    doc = body(applicant=person)
    headers = {
        "Authorization": f"Bearer {deployment.channel_key}",
        "Idempotency-Key": f"apply-{uuid.uuid4()}",
    }
    sends = [(replicas[n % 2], "/v1/applications", doc, headers) for n in range(REPEATS)]
    answers = asyncio.run(_post_all(sends))
    # A repeat waits for the first while it runs (up to FENGKONG_IDEMPOTENCY_WAIT_SECONDS);
    # one that waited longer is told 409 in progress, and its retry gets the stored answer.
    for n, answer in enumerate(answers):
        if answer.status_code == 409:
            assert answer.json()["type"].endswith("/idempotency-key-in-progress")
            retried = httpx.post(f"{replicas[n % 2]}/v1/applications", json=doc, headers=headers)
            answers[n] = retried
    assert [r.status_code for r in answers] == [201] * REPEATS, [r.text for r in answers][:3]
    first = answers[0].json()
    assert all(r.json() == first for r in answers)
    replayed = Counter(r.headers.get("Idempotent-Replayed") for r in answers)
    assert replayed == {None: 1, "true": REPEATS - 1}

    bidx = deployment.ctx.vault.blind_index("id_number", person["id_number"])
    with deployment.ctx.db.engine.connect() as conn:
        stored = conn.execute(
            sa.select(applications.c.id).where(applications.c.id_number_bidx == bidx)
        ).all()
        decided = conn.execute(
            sa.select(decisions.c.id).where(decisions.c.application_id == first["application_id"])
        ).all()
        audited = conn.execute(
            sa.select(sa.func.count())
            .select_from(audit_log)
            .where(
                audit_log.c.action == "decision.made",
                audit_log.c.subject_id == first["application_id"],
            )
        ).scalar_one()
    assert [row.id for row in stored] == [first["application_id"]]
    assert len(decided) == 1 and audited == 1


def test_each_referral_is_claimed_by_exactly_one_officer(
    replicas: list[str], deployment: Deployment
) -> None:
    ctx = deployment.ctx
    config = ReviewConfig.from_settings(ctx.settings)
    with ctx.uow() as uow:
        items = [queue_referral(uow, ctx.clock, config).id for _ in range(REFERRALS)]
        uow.commit()
    officers = sorted(deployment.officer_keys)
    sends = []
    for n, item in enumerate(items):
        for k, name in enumerate(officers):
            auth = {"Authorization": f"Bearer {deployment.officer_keys[name]}"}
            sends.append((replicas[(n + k) % 2], f"/v1/review/items/{item}/claim", None, auth))
    answers = asyncio.run(_post_all(sends))

    by_item: dict[str, list[httpx.Response]] = {item: [] for item in items}
    for (_, path, _, _), answer in zip(sends, answers, strict=True):
        by_item[path.split("/")[4]].append(answer)
    winners: dict[str, str] = {}
    for item, got in by_item.items():
        statuses = sorted(r.status_code for r in got)
        assert statuses == [200, 409, 409], (item, [r.text for r in got])
        for refused in (r for r in got if r.status_code == 409):
            assert refused.headers["content-type"].startswith(PROBLEM_JSON)
        won = next(r for r in got if r.status_code == 200).json()
        winners[item] = won["claimed_by"]
    assert set(winners.values()) <= {f"key:{name}" for name in officers}

    with ctx.db.engine.connect() as conn:
        rows = conn.execute(
            sa.select(review_items.c.id, review_items.c.claimed_by, review_items.c.version).where(
                review_items.c.id.in_(items)
            )
        ).all()
        claims = conn.execute(
            sa.select(audit_log.c.subject_id).where(
                audit_log.c.action == "review.claimed", audit_log.c.subject_id.in_(items)
            )
        ).all()
    # What the winner was told is what is stored, and the claim was written (and audited) once.
    assert {row.id: row.claimed_by for row in rows} == winners
    assert Counter(row.subject_id for row in claims) == dict.fromkeys(items, 1)
