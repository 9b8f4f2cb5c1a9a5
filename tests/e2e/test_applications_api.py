"""The HTTP API end to end, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from factories import body, risky_body
from fakes.api import api_client
from fengkong.bootstrap import Context


@pytest.fixture
def client(context: Context) -> Iterator[TestClient]:
    with api_client(context) as c:
        yield c


def _counts(context: Context) -> tuple[int, int]:
    with context.db.engine.connect() as conn:
        apps = conn.execute(sa.text("select count(*) from applications")).scalar_one()
        decs = conn.execute(sa.text("select count(*) from decisions")).scalar_one()
    return apps, decs


def test_submit_then_read_back(client: TestClient, context: Context) -> None:
    created = client.post("/v1/applications", json=body())
    assert created.status_code == 201, created.text
    decision = created.json()
    assert decision["outcome"] in ("approve", "decline", "refer")
    assert isinstance(decision["score"], int)
    assert 0 < float(decision["probability_of_default"]) < 1
    assert decision["model_version"] == "application-v1"
    assert decision["policy_version"] == "demo-german-v2"
    assert all(r["code"] and r["text_en"] and r["text_zh"] for r in decision["reasons"])

    read = client.get(f"/v1/applications/{decision['application_id']}")
    assert read.status_code == 200
    stored = read.json()
    assert stored["decision"] == decision
    assert stored["amount"] == "5000.00"
    assert stored["applicant_id_number"].startswith("110") and "*" in stored["applicant_id_number"]
    assert "19900307" not in stored["applicant_id_number"]
    assert stored["applicant_phone"] != "13800138000"


def test_a_risky_profile_scores_lower(client: TestClient) -> None:
    safe = client.post("/v1/applications", json=body()).json()
    risky = client.post("/v1/applications", json=risky_body()).json()
    assert risky["score"] < safe["score"]
    assert risky["outcome"] == "decline"
    assert risky["reasons"][0]["code"] == "POL_SCORE_BELOW_CUTOFF"
    assert any(r["code"].startswith("SC_") for r in risky["reasons"])


def test_decision_pins_inputs_and_versions(client: TestClient, context: Context) -> None:
    decision = client.post("/v1/applications", json=body()).json()
    with context.db.engine.connect() as conn:
        row = conn.execute(
            sa.text(
                "select inputs, features, model_sha256, input_hash from decisions where id = :i"
            ),
            {"i": decision["decision_id"]},
        ).one()
    inputs = row.inputs if isinstance(row.inputs, dict) else __import__("json").loads(row.inputs)
    assert inputs["amount_fen"] == 500_000 and inputs["term_months"] == 12
    assert "birth_date" not in inputs
    assert len(row.model_sha256) == 64 and len(row.input_hash) == 64


BAD: list[tuple[str, dict[str, Any], str]] = [
    ("negative amount", body(amount="-5"), "amount"),
    ("absurd amount", body(amount="999999999999"), "amount"),
    ("three decimals", body(amount="10.001"), "amount"),
    ("missing term", {k: v for k, v in body().items() if k != "term_months"}, "term_months"),
    ("unknown product", body(product="payday"), "product"),
    ("term outside the product", body(term_months=120), "term_months"),
    ("amount over the product", body(amount="90000.00"), "amount"),
    ("bad check digit", body(applicant__id_number="110105199003071230"), "id_number"),
    ("bad phone", body(applicant__phone="12345"), "phone"),
    ("under age", body(applicant__id_number="110105201501010017"), "id_number"),
    ("unknown field", body(colour="blue"), "colour"),
    (
        "profile out of range",
        body(profile={"present_residence_since": 9}),
        "present_residence_since",
    ),
]


@pytest.mark.parametrize(("label", "payload", "field"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_a_problem_and_stores_nothing(
    client: TestClient, context: Context, label: str, payload: dict[str, Any], field: str
) -> None:
    response = client.post("/v1/applications", json=payload)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 422 and problem["title"] and problem["detail"]
    assert any(field in map(str, e["loc"]) for e in problem["errors"]), problem
    assert _counts(context) == (0, 0)


def test_malformed_json_is_400(client: TestClient, context: Context) -> None:
    response = client.post(
        "/v1/applications", content=b'{"amount": ', headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert _counts(context) == (0, 0)


def test_error_bodies_never_echo_personal_data(client: TestClient) -> None:
    response = client.post("/v1/applications", json=body(applicant__id_number="110105199003071230"))
    assert "110105199003071230" not in response.text


def test_unknown_application_is_404(client: TestClient) -> None:
    response = client.get("/v1/applications/app_nope")
    assert response.status_code == 404
    assert response.json()["type"].endswith("/not-found")


def test_operations_endpoints(client: TestClient) -> None:
    client.post("/v1/applications", json=body())
    assert client.get("/healthz").json()["status"] == "ok"
    metrics = client.get("/metrics").text
    assert "fengkong_decisions_total{outcome=" in metrics
    assert 'route="/v1/applications",status="201"' in metrics
    assert "fengkong_http_request_duration_seconds_bucket" in metrics
    # The pool's gauges: the decision's connections are back in the pool.
    assert "\nfengkong_db_pool_checked_out 0.0\n" in metrics
    assert "\nfengkong_db_pool_size " in metrics and "\nfengkong_db_pool_overflow " in metrics
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/v1/applications", "/v1/applications/{application_id}", "/healthz", "/metrics"} <= set(
        paths
    )
    assert client.get("/docs").status_code == 200
