"""Industry as a snapshot dimension: an application may name the borrower's industry (a GB/T
4754-2017 section letter, A to T), refused otherwise at intake naming what is allowed (422
problem+json, `fengkong apply` exit 2, nothing stored); the snapshot cuts the book by it
(`unknown` without one), and the portfolio, roll and concentration reports take it as a
dimension. Applications stored before migration 0035 keep none. The simulator names its
applicants' industries. On SQLite and PostgreSQL where a database is involved."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from factories import body
from fakes.api import api_client
from fengkong.bootstrap import Context
from fengkong.cli import app
from fengkong.core.settings import Settings
from fengkong.db.database import Database
from fengkong.db.migrate import upgrade
from fengkong.lending.catalogue import CASH_LOAN
from fengkong.lending.disbursement import disburse
from fengkong.lending.eod import run_end_of_day
from fengkong.lending.origination import accept_offer
from fengkong.monitoring.concentration import CONCENTRATION_DIMENSIONS, concentration_limits
from fengkong.monitoring.curves import ROLL_DIMENSIONS
from fengkong.monitoring.facts import segment_name
from fengkong.monitoring.figures import DIMENSIONS
from fengkong.onboarding.channel import SalesChannel
from fengkong.onboarding.industry import INDUSTRY_CODES, check_industry, industry_name
from fengkong.sim.conduct import application_request
from fengkong.sim.population import (
    INDUSTRIES,
    INDUSTRY_SECTIONS,
    PUBLIC_ADMINISTRATION,
    Population,
)
from fengkong.sim.scenarios import BASELINE
from lending.test_service_support import seed_approved

runner = CliRunner()
BEFORE = "0033_alerts"  # the applications table's revision before industries


def test_the_vocabulary_is_gb_t_4754s_twenty_sections() -> None:
    assert tuple("ABCDEFGHIJKLMNOPQRST") == INDUSTRY_CODES
    assert industry_name("C") == "Manufacturing" and industry_name("C", "zh") == "制造业"
    assert industry_name("unknown") == "unknown"
    assert segment_name("industry", "H", "zh") == "住宿和餐饮业"
    assert segment_name("region", "44") == "Guangdong" and segment_name("product", "x") == "x"
    assert check_industry(" f ", ("industry",)) is None
    for bad in ("C13", "U", "", "制造业", 3, None):
        error = check_industry(bad, ("industry",))
        assert error is not None and error.allowed == INDUSTRY_CODES, bad
        assert "A, B, C" in error.msg and "T" in error.msg
    for dimensions in (DIMENSIONS, ROLL_DIMENSIONS, CONCENTRATION_DIMENSIONS):
        assert "industry" in dimensions
    limits = Settings(monitoring_concentration_limits={"industry": "0.3"})
    assert concentration_limits(limits.monitoring_concentration_limits) == {
        "industry": Decimal("0.3")
    }


@pytest.fixture
def client(context: Context) -> Iterator[TestClient]:
    with api_client(context) as c:
        yield c


def _stored(context: Context) -> list[Any]:
    with context.db.engine.connect() as conn:
        rows = conn.execute(sa.text("select industry from applications order by received_at, id"))
        return [r[0] for r in rows]


@pytest.mark.parametrize(
    ("industry", "stored"),
    [(None, None), ("C", "C"), (" h ", "H"), ("", None)],
)
def test_an_industry_is_stored_and_shown(
    client: TestClient, context: Context, industry: str | None, stored: str | None
) -> None:
    sent = body() if industry is None else body(industry=industry)
    created = client.post("/v1/applications", json=sent)
    assert created.status_code == 201, created.text
    assert _stored(context) == [stored]
    shown = client.get(f"/v1/applications/{created.json()['application_id']}").json()
    assert shown["industry"] == stored


@pytest.mark.parametrize("industry", ["C13", "Z", "manufacturing", 7])
def test_the_api_refuses_an_unknown_industry_naming_the_sections(
    client: TestClient, context: Context, industry: Any
) -> None:
    refused = client.post("/v1/applications", json=body(industry=industry))
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    (error,) = refused.json()["errors"]
    assert error["loc"] == ["body", "industry"]
    if isinstance(industry, str):
        assert "GB/T 4754" in error["msg"] and error["allowed"] == list(INDUSTRY_CODES)
    assert _stored(context) == []


def test_the_openapi_schema_lists_the_sections(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    prop = schema["components"]["schemas"]["ApplicationIn"]["properties"]["industry"]
    assert prop["enum"] == list(INDUSTRY_CODES)


def test_apply_refuses_an_unknown_industry_with_exit_2(
    context: Context,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    staff_login: Callable[[str], None],
) -> None:
    staff_login("fks_all")
    monkeypatch.setenv("FENGKONG_HOME", str(context.settings.home))
    monkeypatch.setenv("FENGKONG_DATABASE_URL", context.settings.resolved_database_url)
    monkeypatch.setenv("FENGKONG_CONFIG", str(context.settings.home / "absent.toml"))
    application = tmp_path / "app.json"
    application.write_text(json.dumps(body(industry="C13")))
    refused = runner.invoke(app, ["apply", str(application), "--json"])
    assert refused.exit_code == 2, refused.output
    (error,) = json.loads(refused.stdout)["errors"]
    assert error["loc"] == ["industry"] and error["allowed"] == list(INDUSTRY_CODES)
    assert _stored(context) == []
    application.write_text(json.dumps(body(industry="g")))
    decided = runner.invoke(app, ["apply", str(application), "--json"])
    assert decided.exit_code == 0, decided.output
    assert _stored(context) == ["G"]


def test_rows_stored_before_keep_no_industry(database_url: str) -> None:
    db = Database(database_url)
    try:
        upgrade(db, BEFORE)
        with db.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "insert into applications (id, received_at, product, amount_fen,"
                    " term_months, purpose, monthly_income_fen, name_enc, id_number_enc,"
                    " id_number_bidx, phone_enc, phone_bidx, profile) values ('app_old', :at,"
                    " 'cash_loan', 500000, 12, 'repairs', 800000, 'n', 'i', 'ib', 'p', 'pb', '{}')"
                ),
                {"at": datetime(2026, 3, 2, 9, 30, tzinfo=UTC)},
            )
        upgrade(db)
        with db.engine.connect() as conn:
            value = conn.execute(
                sa.text("select industry from applications where id = 'app_old'")
            ).scalar_one()
        assert value is None
    finally:
        db.dispose()


def test_the_reports_cut_the_book_by_industry(context: Context, client: TestClient) -> None:
    """Manufacturing holds ¥6 000, catering ¥3 000, an application without an industry ¥1 000:
    each a segment of the snapshot, named, and shares of the concentration (HHI 0.46)."""
    clock, svc = context.clock, context.lending
    for k, (amount, industry) in enumerate(((600_000, "C"), (300_000, "H"), (100_000, None))):
        application = seed_approved(
            context.db,  # type: ignore[arg-type]
            clock,
            amount=amount,
            industry=industry,
            vault=context.vault,
        )
        disburse(accept_offer(application, f"acc{k}", svc).record.loan_id, f"pay{k}", svc)
    today = clock.business_date()
    run_end_of_day(today, svc, steps=context.eod_steps())

    answer = client.get("/v1/reports/portfolio", params={"by": "industry"})
    assert answer.status_code == 200, answer.text
    segments = answer.json()["segments"]
    assert [(s["segment"], s["name"], s["outstanding_fen"]) for s in segments] == [
        ("C", "Manufacturing", 600_000),
        ("H", "Accommodation and catering", 300_000),
        ("unknown", "unknown", 100_000),
    ]
    assert client.get("/v1/reports/rolls", params={"by": "industry"}).status_code in (200, 404)

    conc = client.get("/v1/reports/concentration", params={"by": "industry"})
    assert conc.status_code == 200, conc.text
    (industries,) = conc.json()["dimensions"]
    assert industries["dimension"] == "industry"
    assert industries["hhi"] == "0.460000"  # 0.6² + 0.3² + 0.1²
    assert [(s["segment"], s["share"]) for s in industries["segments"]] == [
        ("C", "0.600000"),
        ("H", "0.300000"),
        ("unknown", "0.100000"),
    ]


def test_the_simulator_names_each_applicants_industry() -> None:
    assert set(INDUSTRY_SECTIONS) == {*INDUSTRIES, PUBLIC_ADMINISTRATION}
    assert set(INDUSTRY_SECTIONS.values()) <= set(INDUSTRY_CODES)
    start = date(2027, 1, 1)
    applicants = Population(11, BASELINE, start).arrivals(0, 40)
    named = {
        application_request(a, CASH_LOAN, start, SalesChannel.APP).industry for a in applicants
    }
    assert None not in named and named <= set(INDUSTRY_CODES) and len(named) > 3
