"""The monthly risk report (`GET /v1/reports/monthly`, `fengkong report monthly`): one HTML
file, ECharts inlined, whose embedded chart data are the very documents the portfolio, vintage,
roll, concentration, drift and alert endpoints and `--json` commands give for the month; bad
months and languages are refused (HTTP 422 problem+json, exit 2), a month without a snapshot is
a 404 / exit 1. And every `fengkong report` command takes `--json` and `--csv`."""

from __future__ import annotations

import csv
import io
import json
import re
import tomllib
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import typer
from typer.testing import CliRunner

from fakes.api import api_client
from fengkong.api.monthly_html import echarts_source
from fengkong.bootstrap import Context
from fengkong.cli import app
from fengkong.core.clock import SystemClock
from fengkong.core.errors import Invalid
from fengkong.db.database import Database
from fengkong.db.tables import decisions, model_versions
from fengkong.lending.disbursement import disburse
from fengkong.lending.eod import run_end_of_day
from fengkong.lending.origination import accept_offer
from fengkong.monitoring.early_warning import Alert, AlertStatus
from fengkong.monitoring.monthly import MonthSpan, month_span
from lending.test_service_support import seed_approved
from monitoring.test_curve_reports_command_and_endpoint import installed  # noqa: F401

runner = CliRunner()
DATA = re.compile(r'<script id="report-data" type="application/json">(.*?)</script>', re.S)


def embedded(html: str) -> dict[str, Any]:
    """The report's chart data: the JSON document in its `report-data` script."""
    found = DATA.search(html)
    assert found is not None
    doc: dict[str, Any] = json.loads(found.group(1))
    return doc


def _self_contained(html: str) -> None:
    assert html.startswith("<!DOCTYPE html>")
    assert "echarts.init(" in html and echarts_source() in html  # the bundle is inline
    page = html.replace(echarts_source(), "")  # the rest loads nothing from elsewhere
    assert "<script src" not in page and "<link" not in page and "http" not in page.lower()


def _book(context: Context) -> str:
    """Two loans in March, the model's decisions; end of day at the ends of March and in and at
    the end of April; an alert opened in April. The model's version."""
    clock, svc = context.clock, context.lending
    for k, (amount, region) in enumerate(((600_000, "32"), (300_000, "11"))):
        application = seed_approved(
            context.db, clock, amount=amount, region=region, vault=context.vault
        )  # type: ignore[arg-type]
        disburse(accept_offer(application, f"acc{k}", svc).record.loan_id, f"pay{k}", svc)
    with context.db.engine.begin() as conn:
        version = conn.execute(sa.select(model_versions.c.version)).scalar_one()
        conn.execute(sa.update(decisions).values(model_version=version))
    for day in ((2026, 3, 30), (2026, 3, 31), (2026, 4, 15), (2026, 4, 30)):
        clock.set(datetime(*day, 9, 0, tzinfo=UTC))
        run_end_of_day(clock.business_date(), svc, steps=context.eod_steps())
    with context.uow() as uow:
        uow.alerts.add(
            Alert(
                "alr_test", "coverage_below_1", "coverage", "level", "critical", "all", "all",
                "coverage below 1 (all)", AlertStatus.OPEN, date(2026, 4, 15), clock.now(),
                date(2026, 4, 15), 1, Decimal("0.5"), Decimal("1"),
            )
        )  # fmt: skip
        uow.commit()
    return str(version)


def test_the_endpoint_embeds_the_reports_numbers(context: Context) -> None:
    client = api_client(context)
    assert client.get("/v1/reports/monthly", params={"month": "2026-03"}).status_code == 404
    model = _book(context)

    answer = client.get("/v1/reports/monthly", params={"month": "2026-04", "lang": "zh"})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/html")
    html = answer.text
    _self_contained(html)
    doc = embedded(html)
    assert (doc["month"], doc["first"], doc["last"], doc["until"]) == (
        "2026-04", "2026-04-01", "2026-04-30", "2026-04-30",
    )  # fmt: skip

    def get(path: str, **params: str) -> Any:
        response = client.get(path, params=params)
        assert response.status_code == 200, response.text
        return response.json()

    # The snapshot dates of April in the month: end of day caught up every day up to the 30th.
    assert [d["business_date"] for d in doc["days"]][-1] == "2026-04-30"
    for day in doc["days"]:
        assert day == get("/v1/reports/portfolio", date=day["business_date"], by="all")
    segments = get(
        "/v1/reports/portfolio", date="2026-04-30", by="product,channel,region,industry,score_band"
    )
    assert doc["segments"] == segments
    assert doc["vintage"] == get("/v1/reports/vintage", date="2026-04-30")
    assert doc["vintage"]["month_ends"] == ["2026-03-31", "2026-04-30"]
    assert doc["rolls"] == get("/v1/reports/rolls", date="2026-04-30")
    assert doc["concentration"] == get("/v1/reports/concentration", date="2026-04-30")
    assert doc["drift"] == []  # the model decided in March, not in April
    opened = [a for a in get("/v1/alerts")["alerts"] if a["opened_on"].startswith("2026-04")]
    assert {a["alert_id"] for a in doc["alerts"]} == {a["alert_id"] for a in opened}
    assert "alr_test" in {a["alert_id"] for a in doc["alerts"]}

    # Titles in both languages, the tables in the language asked for, the same figures.
    assert "Vintage curves 账龄曲线" in html and "Roll-rate matrix 迁移率矩阵" in html
    assert "在贷余额（元）" in html and "outstanding (yuan)" not in html
    whole = next(s for s in doc["days"][-1]["segments"] if s["dimension"] == "all")
    assert f"<td>{whole['active_loans']}</td>" in html
    english = client.get("/v1/reports/monthly", params={"month": "2026-04"}).text
    assert "outstanding (yuan)" in english and embedded(english) == doc

    # March: the first snapshot's month, before any April figure.
    march = embedded(client.get("/v1/reports/monthly", params={"month": "2026-03"}).text)
    assert [d["business_date"] for d in march["days"]] == ["2026-03-30", "2026-03-31"]
    (drift,) = march["drift"]
    assert drift["model_version"] == model and drift["decisions"] == 2
    assert drift == get(
        "/v1/reports/drift", model=model, **{"from": "2026-03-01"}, to="2026-03-31", by="day"
    )
    assert [p["period"] for p in drift["periods"]][-1] == "2026-03-31"

    for params in (
        {"month": "2026-13"},
        {"month": "April"},
        {"month": "2026-02"},  # before the first snapshot
        {"month": "2026-05"},  # after today's month
        {"month": "2026-04", "lang": "fr"},
    ):
        refused = client.get("/v1/reports/monthly", params=params)
        assert refused.status_code == 422, (params, refused.text)
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert ("lang" if "lang" in params else "month") in refused.text


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout


def test_the_command_writes_the_same_numbers(
    installed: Database,  # noqa: F811
    staff_login: Callable[[str], None],
    tmp_path: Path,
) -> None:
    today = SystemClock().business_date()
    month = today.strftime("%Y-%m")
    staff_login("fks_admin")
    assert _run("eod", "--json")[0] == 0
    code, out = _run("report", "rebuild", "--from", str(today), "--to", str(today), "--csv")
    assert code == 0, out
    assert list(csv.DictReader(io.StringIO(out))) == [
        {"business_date": today.isoformat(), "changed": "False", "figures": "unchanged"}
    ]
    staff_login("fks_risk")

    target = tmp_path / "out" / "report.html"
    code, out = _run("report", "monthly", "--month", month, "--out", str(target), "--lang", "zh")
    assert code == 0, out
    html = target.read_text(encoding="utf-8")
    _self_contained(html)
    doc = embedded(html)
    code, out = _run("report", "monthly", "--month", month, "--json")
    assert code == 0 and json.loads(out) == doc
    for command, key in (("concentration", "concentration"), ("portfolio", None)):
        code, out = _run("report", command, "--date", doc["until"], "--json")
        assert code == 0, out
        if key is not None:
            assert json.loads(out) == doc[key]
    code, out = _run("report", "portfolio", "--date", doc["until"], "--by", "all", "--json")
    assert json.loads(out) == doc["days"][-1]
    assert doc["vintage"] is None or doc["vintage"]["until"] == doc["until"]

    code, out = _run("report", "monthly", "--month", month, "--csv")
    assert code == 0, out
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["business_date"] for r in rows] == [d["business_date"] for d in doc["days"]]
    assert rows[-1]["outstanding_fen"] == "800000"

    for args in (
        ("--month", "2026-13"),
        ("--month", "1999-01"),  # before the first snapshot
        ("--month", f"{today.year + 1}-01"),  # in the future
        ("--month", month, "--lang", "fr"),
        ("--month", month, "--json", "--csv"),
    ):
        code, out = _run("report", "monthly", *args)
        assert code == 2, (args, out)


def _report_commands() -> dict[str, Any]:
    root = typer.main.get_command(app)
    group = root.get_command(typer.Context(root), "report")  # type: ignore[attr-defined]
    return {name: group.get_command(typer.Context(group), name) for name in group.list_commands(typer.Context(group))}  # fmt: skip


@pytest.mark.parametrize("name", sorted(_report_commands()))
def test_every_report_command_takes_json_and_csv(name: str) -> None:
    options = {o for p in _report_commands()[name].params for o in p.opts}
    assert {"--json", "--csv"} <= options


def test_the_wheel_carries_the_chart_library_and_its_licence() -> None:
    vendor = files("fengkong").joinpath("static", "vendor")
    assert vendor.joinpath("echarts.min.js").is_file()
    assert "Apache License" in vendor.joinpath("echarts.LICENSE").read_text(encoding="utf-8")
    root = Path(__file__).resolve().parents[2]
    data = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = data["tool"]["setuptools"]["package-data"]["fengkong"]
    assert "static/vendor/*" in patterns and "**/*.j2" in patterns


def test_a_month_is_yyyy_mm_and_not_after_today() -> None:
    today = date(2026, 4, 15)
    assert month_span("2026-02", today) == MonthSpan("2026-02", date(2026, 2, 1), date(2026, 2, 28))
    assert month_span(None, today).last == date(2026, 4, 30)  # the current month, whole
    assert month_span(" 2025-12 ", today).last == date(2025, 12, 31)
    for bad in ("2026-13", "2026-00", "0000-01", "2026-4", "2026-04\n1", "２０２６-04", "2026-05"):
        with pytest.raises(Invalid) as refused:
            month_span(bad, today)
        assert refused.value.errors[0].loc == ("month",), bad
