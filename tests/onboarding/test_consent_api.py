"""`/v1/consents`: record, look up (masked, with the facts the policy sees) and revoke, on SQLite
and PostgreSQL; bad input is a field-level problem and echoes no ID number."""

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from fakes.api import api_client
from fengkong.bootstrap import Context
from fengkong.core.clock import FakeClock

ID_NUMBER = "11010519491231002X"


@pytest.fixture
def client(context: Context) -> Iterator[TestClient]:
    with api_client(context) as c:
        yield c


def grant(client: TestClient, purpose: str, id_number: str = ID_NUMBER) -> dict[str, object]:
    response = client.post(
        "/v1/consents",
        json={
            "id_number": id_number,
            "purpose": purpose,
            "scope": "PBOC credit report, 30 days",
            "text_version": "cb-2026-01",
        },
    )
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


def test_record_look_up_and_revoke(client: TestClient, clock: FakeClock) -> None:
    created = grant(client, "credit_bureau")
    clock.advance(timedelta(minutes=1))
    assert created["id_number"] == "110***********002X"
    assert created["active"] is True
    # The same person typed differently (lower-case x, full-width digits) is the same subject.
    grant(client, "fraud_check", id_number="１１０１０５１９４９１２３１００２x")

    found = client.post("/v1/consents/search", json={"id_number": ID_NUMBER}).json()
    assert [c["purpose"] for c in found["consents"]] == ["credit_bureau", "fraud_check"]
    assert found["facts"]["consent.credit_bureau"] is True
    assert found["facts"]["consent.marketing"] is False
    assert ID_NUMBER not in str(found) and "19491231" not in str(found)

    revoked = client.post(f"/v1/consents/{created['id']}/revoke")
    assert revoked.status_code == 200 and revoked.json()["active"] is False
    again = client.post(f"/v1/consents/{created['id']}/revoke")
    assert again.status_code == 409
    found = client.post("/v1/consents/search", json={"id_number": ID_NUMBER}).json()
    assert found["facts"]["consent.credit_bureau"] is False
    assert found["facts"]["consent.fraud_check"] is True


def test_someone_else_sees_none_of_them(client: TestClient) -> None:
    grant(client, "marketing")
    other = client.post("/v1/consents/search", json={"id_number": "110105198001010016"})
    assert other.status_code == 200, other.text
    assert other.json()["consents"] == []


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"purpose": "payday"}, "purpose"),
        ({"id_number": "110105194912310021"}, "id_number"),
        ({"scope": ""}, "scope"),
        ({"granted_at": "2099-01-01T00:00:00Z"}, "granted_at"),
    ],
)
def test_bad_input_is_a_field_error(
    client: TestClient, payload: dict[str, str], field: str
) -> None:
    body = {
        "id_number": ID_NUMBER,
        "purpose": "credit_bureau",
        "scope": "PBOC credit report",
        "text_version": "cb-1",
        **payload,
    }
    response = client.post("/v1/consents", json=body)
    assert response.status_code == 422, response.text
    assert any(field in map(str, e["loc"]) for e in response.json()["errors"])
    assert "110105194912310021" not in response.text
