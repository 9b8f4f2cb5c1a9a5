"""The model reports over a small book, on SQLite and PostgreSQL: applications decided by the
German scorecard (approved, declined, referred and approved by an officer), one loan booked
and left unpaid for seven months; the reads return each decision with the officer's word and
its loan aged, and `GET /v1/reports/drift|fairness` and the report commands show them.

    zhang    male, 35    approve   loan booked, never repaid: written off (bad), mature
    mei      female, 35  approve
    wang     female, 40  decline   (a large, long loan)
    li       male, 34    refer → an officer approves
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import typer
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from factories import body, risky_body
from fakes.access import bearer
from fakes.api import acting_as, api_client
from fengkong.bootstrap import Context
from fengkong.cli.report_models import report_drift, report_fairness
from fengkong.core.filters import DateRange
from fengkong.db.model_monitoring import SqlModelMonitoring
from fengkong.lending.disbursement import disburse
from fengkong.lending.eod import run_end_of_day
from fengkong.lending.origination import accept_offer
from fengkong.onboarding.validators import resident_id_check_digit

PROBLEM = "application/problem+json"
MODEL = "application-v1"


def resident_id(first17: str) -> str:
    return first17 + resident_id_check_digit(first17)


PEOPLE = {
    "zhang": resident_id("11010519900307123"),
    "mei": resident_id("11010519900307124"),
    "wang": resident_id("31010119850612456"),
    "li": resident_id("44030119920101789"),
}


@pytest.fixture
def book(context: Context) -> Iterator[tuple[TestClient, dict[str, str]]]:
    acting_as(context, "olivia")
    with api_client(context) as client:

        def apply(who: str, document: dict[str, Any]) -> dict[str, Any]:
            document["applicant"] = {**document["applicant"], "id_number": PEOPLE[who]}
            decided = client.post("/v1/applications", json=document)
            assert decided.status_code in (200, 201), decided.text
            return dict(decided.json())

        zhang = apply("zhang", body())
        assert apply("mei", body())["outcome"] == "approve"
        assert apply("wang", risky_body())["outcome"] == "decline"
        li = apply("li", {k: v for k, v in body().items() if k != "existing_monthly_debt"})
        assert (zhang["outcome"], li["outcome"]) == ("approve", "refer")
        (item,) = client.get("/v1/review/items", params={"status": "open"}).json()
        officer = bearer("fks_test_olivia")
        assert client.post(f"/v1/review/items/{item['id']}/claim", headers=officer).is_success
        approved = client.post(
            f"/v1/review/items/{item['id']}/approve", headers=officer, json={"comment": "ok"}
        )
        assert approved.status_code == 200, approved.text
        offer = accept_offer(zhang["application_id"], "acc-zhang", context.lending)
        disburse(offer.record.loan_id, "pay-zhang", context.lending)
        clock: Any = context.clock
        clock.advance(timedelta(days=220))
        run_end_of_day(clock.business_date(), context.lending)
        yield client, {"zhang": zhang["decision_id"], "li": li["decision_id"]}


def test_the_reads_join_officers_and_loans(
    context: Context, book: tuple[TestClient, dict[str, str]]
) -> None:
    _, ids = book
    reads = SqlModelMonitoring(context.db)
    assert reads.model(MODEL) is not None and reads.model("nope-v1") is None
    rows = reads.decisions(MODEL, DateRange(date(2026, 3, 2), date(2026, 3, 2)))
    assert [r.decided_on for r in rows] == [date(2026, 3, 2)] * 4
    by_id = {r.decision_id: r for r in rows}
    zhang, li = by_id[ids["zhang"]], by_id[ids["li"]]
    # end of day wrote it off once it was far enough behind: bad
    assert zhang.loan is not None and zhang.loan.written_off and zhang.loan.bad
    assert zhang.loan.months_on_book(context.clock.business_date()) == 7
    assert (li.outcome, li.officer_outcome, li.final_outcome) == ("refer", "approve", "approve")
    assert all(r.score is not None and r.features and r.id_number_enc for r in rows)
    assert not any(PEOPLE["zhang"] in str(r) for r in rows)  # only ciphertext leaves the read
    assert reads.decisions(MODEL, DateRange(date(2026, 3, 3), date(2026, 9, 1))) == []


def test_drift_and_fairness_over_http(book: tuple[TestClient, dict[str, str]]) -> None:
    client, _ = book
    drift = client.get(
        "/v1/reports/drift", params={"model": MODEL, "from": "2026-03-01", "by": "month"}
    )
    assert drift.status_code == 200, drift.text
    doc = drift.json()
    assert doc["decisions"] == 4 and doc["baseline_sample"] == "train"
    assert isinstance(doc["psi"], float) and doc["score_distribution"]
    march = doc["periods"][0]
    assert march["period"] == "2026-03" and march["approval_rate"] == 0.75
    assert (march["referrals"], march["officer_approved"], march["automatic_approval_rate"]) == (
        1, 1, 0.5,
    )  # fmt: skip
    assert len(doc["periods"]) == 8 and doc["periods"][1]["decisions"] == 0
    assert doc["features"] and all(isinstance(f["csi"], float) for f in doc["features"])
    (vintage,) = doc["vintages"]
    assert vintage["vintage"] == "2026-03" and vintage["matured"]["bads"] == 1
    assert vintage["matured"]["auc"] is None  # one loan: nothing to rank

    fair = client.get("/v1/reports/fairness", params={"model": MODEL, "min_group": 1})
    assert fair.status_code == 200, fair.text
    (policy,) = fair.json()["policies"]
    sex = {g["group"]: g for g in policy["groups"] if g["dimension"] == "sex"}
    assert sex["male"]["approval_rate"] == 1.0  # zhang, and li by an officer
    assert sex["female"]["approval_rate"] == 0.5  # mei, not wang
    assert sex["female"]["flagged"] and sex["female"]["adverse_impact_ratio"] == 0.5
    regions = {g["group"] for g in policy["groups"] if g["dimension"] == "region"}
    assert regions == {"province 11", "province 31", "province 44"}
    ages = {g["group"] for g in policy["groups"] if g["dimension"] == "age_band"}
    assert ages == {"25-34", "35-44"}
    assert [f["kind"] for f in fair.json()["findings"]].count("adverse_impact") >= 1
    assert PEOPLE["zhang"] not in fair.text


def test_bad_requests_are_problems_not_crashes(
    context: Context, book: tuple[TestClient, dict[str, str]]
) -> None:
    client, _ = book
    for params, loc in (
        ({"model": MODEL, "by": "week"}, "by"),
        ({"model": MODEL, "to": "2099-01-01"}, "to"),
        ({"model": MODEL, "from": "yesterday"}, "from"),
        ({"model": MODEL, "reference": "1999-01"}, "reference"),
        ({"model": MODEL, "psi_breach": 0.05}, "psi_breach"),
    ):
        bad = client.get("/v1/reports/drift", params=params)
        assert bad.status_code == 422 and bad.headers["content-type"] == PROBLEM, bad.text
        assert bad.json()["errors"][0]["loc"][-1] == loc, bad.json()
    assert client.get("/v1/reports/drift").status_code == 422  # no model named
    unknown = client.get("/v1/reports/fairness", params={"model": "application-v9"})
    assert unknown.status_code == 404 and unknown.headers["content-type"] == PROBLEM
    officer = client.get(
        "/v1/reports/drift", params={"model": MODEL}, headers=bearer("fks_officer")
    )
    assert officer.status_code == 403
    assert client.get(
        "/v1/reports/fairness", params={"model": MODEL}, headers=bearer("fks_auditor")
    ).is_success


def _reports_app() -> typer.Typer:
    """The two commands as the `report` group will hold them."""
    app = typer.Typer()
    app.command("drift")(report_drift)
    app.command("fairness")(report_fairness)
    return app


def test_the_commands_print_tables_json_and_csv(
    context: Context,
    book: tuple[TestClient, dict[str, str]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    staff_login: Callable[[str], None],
) -> None:
    staff_login("fks_risk")
    monkeypatch.setenv("FENGKONG_HOME", str(context.settings.home))
    monkeypatch.setenv("FENGKONG_DATABASE_URL", context.settings.resolved_database_url)
    monkeypatch.setenv("FENGKONG_CONFIG", str(tmp_path / "absent.toml"))
    runner, app = CliRunner(), _reports_app()
    window = ["--model", MODEL, "--from", "2026-03-01", "--to", "2026-10-31"]

    as_json = runner.invoke(app, ["drift", *window, "--by", "month", "--json"])
    assert as_json.exit_code == 0, as_json.output
    assert json.loads(as_json.stdout)["decisions"] == 4
    as_csv = runner.invoke(app, ["drift", *window, "--csv"])
    assert as_csv.exit_code == 0, as_csv.output
    header, march, *_ = as_csv.stdout.splitlines()
    assert header.startswith("period,decisions,scored") and march.startswith("2026-03,4,4")
    table = runner.invoke(app, ["drift", *window])
    assert table.exit_code == 0 and "periods" in table.stdout and "findings" in table.stdout
    fair = runner.invoke(app, ["fairness", *window, "--min-group", "1"])
    assert fair.exit_code == 0, fair.output
    assert "female" in fair.stdout and "adverse_impact" in fair.stdout
    assert PEOPLE["li"] not in fair.stdout
    fair_csv = runner.invoke(app, ["fairness", *window, "--csv"])
    assert fair_csv.stdout.startswith("policy_version,dimension,group")

    bad_by = runner.invoke(app, ["drift", *window, "--by", "week", "--json"])
    assert bad_by.exit_code == 2 and json.loads(bad_by.stdout)["errors"][0]["loc"] == ["by"]
    unknown = runner.invoke(app, ["fairness", "--model", "application-v9", "--json"])
    assert unknown.exit_code == 1 and json.loads(unknown.stdout)["category"] == "not_found"
    both = runner.invoke(app, ["drift", *window, "--json", "--csv"])
    assert both.exit_code == 2
