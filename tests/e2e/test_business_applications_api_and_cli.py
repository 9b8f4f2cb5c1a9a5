"""A business application through the API and `fengkong apply FILE.json`: the `business` block is
decided with the application, stored sealed, shown masked by `GET /v1/applications/{id}`; each
bad field of it is a 422 problem+json naming its path (all at once, with the applicant's), exit 2
on the command line, and nothing is stored."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from business_factories import PARTNER_ID, business_block, uscc
from factories import body
from fakes.api import api_client
from fengkong.api.schemas import ApplicationIn
from fengkong.bootstrap import Context
from fengkong.cli import app
from fengkong.decision.facts import facts_from_json

PROBLEM = "application/problem+json"
EXAMPLE = Path(__file__).parents[2] / "docs" / "examples" / "business-application.json"


@pytest.fixture
def client(context: Context) -> Iterator[TestClient]:
    with api_client(context) as c:
        yield c


def _counts(context: Context) -> tuple[int, int]:
    with context.db.engine.connect() as conn:
        apps = conn.execute(sa.text("select count(*) from applications")).scalar_one()
        firms = conn.execute(sa.text("select count(*) from application_businesses")).scalar_one()
    return apps, firms


def _owners(**second: Any) -> list[dict[str, Any]]:
    owners: list[dict[str, Any]] = business_block()["owners"]
    owners[1].update(second)
    return owners


def test_a_business_application_is_decided_stored_and_shown_masked(
    client: TestClient, context: Context
) -> None:
    # The demo's consumer policy decides it: a business block goes with any product.
    made = client.post("/v1/applications", json=body(business=business_block()))
    assert made.status_code == 201, made.text
    app_id = made.json()["application_id"]
    read = client.get(f"/v1/applications/{app_id}")
    shown = read.json()
    business = shown["business"]
    assert (business["industry"], business["region"], shown["industry"]) == ("H", "33", "H")
    assert business["annual_revenue"] == "3600000.00" and business["years_in_operation"] == 6
    assert business["uscc"] != uscc() and "*" in business["uscc"]
    partner = business["owners"][1]
    assert partner["share_bp"] == 4000 and partner["name"] == "李*"
    assert partner["id_number"] == PARTNER_ID[:3] + "*" * 11 + PARTNER_ID[-4:]
    assert [g["kind"] for g in business["guarantors"]] == ["person", "company"]
    for clear in (PARTNER_ID, "李四", "13900139000", "王五", "张记餐饮", uscc()):
        assert clear not in read.text
    with context.uow() as uow:
        decision = uow.decisions.for_application(app_id)
    assert decision is not None
    facts = facts_from_json(decision.facts)
    assert facts["declared.owners_count"] == 2 and facts["declared.guarantor_present"] is True
    # The consumer policy names no concentration fact: none is read, none recorded.
    assert not any(name.startswith("concentration.") for name in facts)
    consumer = client.get(
        f"/v1/applications/{client.post('/v1/applications', json=body()).json()['application_id']}"
    )
    assert consumer.json()["business"] is None


BAD: list[tuple[str, dict[str, Any], list[str]]] = [
    ("bad code", business_block(uscc="91330106MA2B3C4D5X"), ["business.uscc"]),
    ("no owners", business_block(owners=[]), ["business.owners"]),
    (
        "owner's ID and phone",
        business_block(owners=_owners(id_number=PARTNER_ID[:-1] + "0", phone="1")),
        ["business.owners.1.id_number", "business.owners.1.phone"],
    ),
    ("shares over 100 %", business_block(owners=_owners(share_bp=4001)), ["business.owners"]),
    ("applicant not an owner", business_block(owners=_owners()[1:]), ["business.owners"]),
    ("industry", business_block(industry="C13"), ["business.industry"]),
    ("region", business_block(region="99"), ["business.region"]),
    (
        "guarantor",
        business_block(guarantors=[{"kind": "company", "name": "某公司", "uscc": "1"}]),
        ["business.guarantors.0.uscc"],
    ),
]


@pytest.mark.parametrize(("label", "block", "paths"), BAD, ids=[b[0] for b in BAD])
def test_each_bad_field_is_a_problem_naming_its_path(
    client: TestClient, context: Context, label: str, block: dict[str, Any], paths: list[str]
) -> None:
    refused = client.post("/v1/applications", json=body(business=block))
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"] == PROBLEM
    found = [".".join(map(str, e["loc"])) for e in refused.json()["errors"]]
    assert sorted(found) == sorted(paths)
    assert PARTNER_ID[:-1] + "0" not in refused.text
    assert _counts(context) == (0, 0)


def test_the_applicant_and_the_business_are_refused_together(client: TestClient) -> None:
    refused = client.post(
        "/v1/applications",
        json=body(applicant__phone="12", business=business_block(industry="Z")),
    )
    assert refused.status_code == 422
    found = {".".join(map(str, e["loc"])) for e in refused.json()["errors"]}
    assert found == {"applicant.phone", "business.industry"}


def test_the_shipped_example_is_a_valid_business_application() -> None:
    doc = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    from datetime import date

    request = ApplicationIn.model_validate(doc).to_request(date(2026, 12, 7))
    assert request.business is not None and request.product == "business_loan"
    assert request.region == "33" and request.segment_industry == "H"


def test_the_cli_applies_with_a_business_block_and_exits_2_on_a_bad_one(
    context: Context,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    staff_login: Callable[[str], None],
    database_url: str,
) -> None:
    staff_login("fks_all")
    monkeypatch.setenv("FENGKONG_HOME", str(context.settings.home))
    monkeypatch.setenv("FENGKONG_DATABASE_URL", database_url)
    monkeypatch.setenv("FENGKONG_CONFIG", str(tmp_path / "absent.toml"))
    runner = CliRunner()
    good = tmp_path / "business.json"
    good.write_text(json.dumps(body(business=business_block()), ensure_ascii=False))
    decided = runner.invoke(app, ["apply", str(good), "--json"])
    assert decided.exit_code == 0, decided.output
    assert json.loads(decided.stdout)["outcome"] in ("approve", "decline", "refer", "verify")
    bad = tmp_path / "bad.json"
    block = business_block(owners=_owners(share_bp=9000))
    bad.write_text(json.dumps(body(business=block), ensure_ascii=False))
    refused = runner.invoke(app, ["apply", str(bad)])
    assert refused.exit_code == 2
    assert "business.owners" in refused.stderr and refused.stdout == ""
    assert _counts(context) == (1, 1)
