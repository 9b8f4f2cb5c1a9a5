"""Fraud signals reach the decision: computed for every application, stored with it, and acted
on by the policy's fraud stage."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from fastapi.testclient import TestClient

from factories import body
from fakes.api import api_client
from fengkong.bootstrap import Context
from fengkong.db.fraud_stores import velocity_store
from fengkong.fraud.keys import KeyType
from fengkong.fraud.lists import ListKind, NewListEntry
from fengkong.sim.identity import identity


@pytest.fixture
def client(context: Context) -> Iterator[TestClient]:
    with api_client(context) as c:
        yield c


def _person(context: Context, seed: int) -> dict[str, str]:
    p = identity(35, context.clock.business_date(), random.Random(seed))
    return {"name": p.name, "id_number": p.id_number, "phone": p.phone}


def _apply(client: TestClient, **changes: Any) -> dict[str, Any]:
    response = client.post("/v1/applications", json=body(**changes))
    assert response.status_code == 201, response.text
    return response.json()


def _codes(decision: dict[str, Any]) -> list[str]:
    return [r["code"] for r in decision["reasons"]]


def _stored_features(context: Context, application_id: str) -> dict[str, Any]:
    with context.uow() as uow:
        record = uow.decisions.for_application(application_id)
    assert record is not None
    return dict(record.features)


def test_a_device_shared_by_several_people_is_referred(
    client: TestClient, context: Context
) -> None:
    decisions = [
        _apply(client, applicant=_person(context, i), channel={"device_id": "dev-ring-1"})
        for i in range(3)
    ]
    assert "FR_DEVICE_SHARED" not in _codes(decisions[0])
    last = decisions[-1]
    assert last["outcome"] in ("refer", "decline")
    assert "FR_DEVICE_SHARED" in _codes(last)
    features = _stored_features(context, last["application_id"])
    assert features["link.ids_sharing_device"] == 3
    assert features["velocity.device.24h.count"] == 3


def test_a_black_listed_phone_is_declined(client: TestClient, context: Context) -> None:
    person = _person(context, 99)
    assert context.fraud is not None
    context.fraud.lists.add(
        NewListEntry(ListKind.BLACK, KeyType.MOBILE, person["phone"], "confirmed fraud", "case-7"),
        added_by="officer:li",
    )
    decision = _apply(client, applicant=person)
    assert decision["outcome"] == "decline"
    assert _codes(decision)[0] == "FR_BLACKLIST"
    assert decision["reasons"][0]["text_zh"]


def test_missing_device_and_ip_are_unknown_not_zero(client: TestClient, context: Context) -> None:
    decision = _apply(client, applicant=_person(context, 5))
    features = _stored_features(context, decision["application_id"])
    assert features["velocity.device.1h.count"] is None
    assert features["velocity.ip.24h.count"] is None
    assert features["velocity.resident_id.24h.count"] == 1


def test_repeated_applications_by_one_id_are_referred(client: TestClient, context: Context) -> None:
    person = _person(context, 11)
    decisions = [_apply(client, applicant=person, channel={"ip": "10.1.2.3"}) for _ in range(5)]
    # the fifth in 24 hours asks for a live face check before the decision completes
    assert decisions[-1]["outcome"] == "verify"
    assert "FR_ID_VELOCITY_24H" in _codes(decisions[-1])


@pytest.mark.parametrize(
    ("mode", "outcome_when_down"), [("fail_closed", "refer"), ("fallback_db", None)]
)
def test_a_redis_outage_follows_the_configured_behaviour(
    context: Context, mode: str, outcome_when_down: str | None
) -> None:
    assert context.fraud is not None
    broken = replace(
        context.fraud,
        velocity=velocity_store(
            redis_url="redis://127.0.0.1:1/0",  # nothing listens there
            db=context.db,
            hasher=context.vault.blind_index,
            clock=context.clock,
            on_redis_error=mode,  # type: ignore[arg-type]
        ),
    )
    context.decisions = replace(context.decisions, fraud=broken)
    with api_client(context) as client:
        decision = _apply(client, applicant=_person(context, 21))
    if outcome_when_down == "refer":
        # no count, so the rules that need one cannot pass it: review, never a silent approve
        assert decision["outcome"] == "refer"
        assert "POL_MISSING_FACT" in _codes(decision)
    else:
        assert "POL_MISSING_FACT" not in _codes(decision)
        features = _stored_features(context, decision["application_id"])
        assert features["velocity.resident_id.24h.count"] == 1


def test_bad_channel_and_card_are_field_errors(client: TestClient) -> None:
    response = client.post(
        "/v1/applications",
        json=body(channel={"ip": "999.1.1.1"}, applicant__bank_card="6222021234567890123"),
    )
    assert response.status_code == 422
    locs = {tuple(e["loc"][-2:]) for e in response.json()["errors"]}
    assert ("channel", "ip") in locs


def test_the_bank_card_is_stored_encrypted(client: TestClient, context: Context) -> None:
    import sqlalchemy as sa

    card = "4111111111111111"
    _apply(client, applicant={**_person(context, 3), "bank_card": card})
    with context.db.engine.connect() as conn:
        row = conn.execute(sa.text("select bank_card_enc, bank_card_bidx from applications")).one()
    assert row.bank_card_enc.startswith("v1:") and card not in row.bank_card_enc
    assert row.bank_card_bidx == context.vault.blind_index("bank_card", card)
