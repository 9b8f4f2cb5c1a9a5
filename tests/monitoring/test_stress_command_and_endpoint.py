"""`GET /v1/reports/stress` and `fengkong report stress` on a small book after end of day at
month ends: the projection reads the date's snapshot and the loans' schedules, the downturn loses
more than the baseline, a past date answers the same after the book has moved on, and bad dates,
scenarios and scenario files are refused (HTTP 422 problem+json, exit 2), never a 500."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fakes.api import api_client
from fengkong.bootstrap import Context, load_vault
from fengkong.cli import app
from fengkong.core.clock import SystemClock
from fengkong.core.settings import load_settings
from fengkong.db.database import Database
from fengkong.db.migrate import upgrade
from fengkong.lending.disbursement import disburse
from fengkong.lending.eod import run_end_of_day
from fengkong.lending.origination import accept_offer
from lending.test_service_support import lending_services, seed_approved

runner = CliRunner()


def _book(context: Context) -> None:
    """Two twelve-month loans (¥6 000 and ¥3 000, PD 5 %, score 600 and 520) paid out in March,
    end of day on 31 March and 30 April."""
    clock = context.clock
    svc = context.lending
    for k, (amount, score) in enumerate(((600_000, 600), (300_000, 520))):
        application = seed_approved(
            context.db, clock, amount=amount, score=score, vault=context.vault
        )  # type: ignore[arg-type]
        disburse(accept_offer(application, f"acc{k}", svc).record.loan_id, f"pay{k}", svc)
    for end in ((2026, 3, 31), (2026, 4, 30)):
        clock.set(datetime(*end, 9, 0, tzinfo=UTC))
        run_end_of_day(clock.business_date(), svc, steps=context.eod_steps())


def test_the_endpoint_projects_and_refuses_in_problem_json(context: Context) -> None:
    client = api_client(context)
    assert client.get("/v1/reports/stress").status_code == 404  # no snapshot yet
    _book(context)

    answer = client.get("/v1/reports/stress", params={"date": "2026-04-30"})
    assert answer.status_code == 200, answer.text
    base = answer.json()
    assert base["scenario"]["name"] == "baseline" and base["horizon_months"] == 12
    assert base["loans"] == 2 and len(base["months"]) == 12
    assert base["months"][0]["first_day"] == "2026-05-01"
    assert base["months"][0]["last_day"] == "2026-05-31"
    assert base["months"][-1]["last_day"] == "2027-04-30"
    (whole,) = base["segments"]
    assert whole["segment"] == "all" and whole["pd"] == "0.050000"
    assert whole["multiplier"] == "1" and whole["stressed_pd"] == "0.050000"
    assert base["ead_fen"] == whole["ead_fen"] > 0
    # Twelve-month loans booked in March: their schedules run off before the horizon's end.
    assert base["months"][0]["scheduled_fen"] > 0 and base["months"][-1]["scheduled_fen"] == 0
    assert base["months"][-1]["performing_fen"] == 0
    last = base["months"][-1]  # what is left on the books has defaulted; 8 % of it is capital
    assert base["capital_need_fen"] == (last["defaulted_fen"] * 8 + 50) // 100  # half-up
    # Neither borrower paid April's instalment: all of April's current balance rolled to M1,
    # and no instalment is expected to be paid.
    assert base["roll_rate_m0_m1"] == "1.000000"
    assert {m["expected_collections_fen"] for m in base["months"]} == {0}
    assert all(m["collected_fen"] is None for m in base["months"])  # nothing past the date yet

    down = client.get(
        "/v1/reports/stress", params={"date": "2026-04-30", "scenario": "downturn"}
    ).json()
    assert down["projected_loss_fen"] > base["projected_loss_fen"] > 0
    assert {s["segment"] for s in down["segments"]} == {"500-549", "600-649"}
    weak = next(s for s in down["segments"] if s["segment"] == "500-549")
    assert weak["multiplier"] == "3" and weak["stressed_pd"] == "0.172500"  # 0.05 × 3 × 1.15
    assert down["capital_need_fen"] >= 0 and down["months"][0]["held_fen"] == base["held_fen"]

    # A shorter horizon is the first months of the longer one.
    short = client.get("/v1/reports/stress", params={"date": "2026-04-30", "months": "3"}).json()
    assert short["months"] == base["months"][:3]

    for params, field in (
        ({"date": "2026-02-30"}, "date"),
        ({"date": "2026-03-30"}, "date"),  # before the first snapshot
        ({"date": "2026-05-01"}, "date"),  # after the last end of day
        ({"scenario": "apocalypse"}, "scenario"),
        ({"months": "0"}, "months"),
        ({"months": "twelve"}, "months"),
    ):
        refused = client.get("/v1/reports/stress", params=params)
        assert refused.status_code == 422, (params, refused.text)
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert field in refused.text
    assert "downturn" in client.get("/v1/reports/stress", params={"scenario": "x"}).text


def test_a_past_date_answers_the_same_after_the_book_moves_on(context: Context) -> None:
    """The report reads the date's snapshot and the schedules, not the loans' current state; the
    months past the date are compared with what was collected in them."""
    _book(context)
    client = api_client(context)
    before = client.get("/v1/reports/stress", params={"date": "2026-03-31"}).json()
    context.clock.set(datetime(2026, 5, 31, 9, 0, tzinfo=UTC))
    run_end_of_day(context.clock.business_date(), context.lending, steps=context.eod_steps())
    after = client.get("/v1/reports/stress", params={"date": "2026-03-31"}).json()
    keep = ("collected_fen", "collected_complete")
    strip = [{k: v for k, v in m.items() if k not in keep} for m in after["months"]]
    assert strip == [{k: v for k, v in m.items() if k not in keep} for m in before["months"]]
    assert after["segments"] == before["segments"]
    assert after["last_end_of_day"] == "2026-05-31"
    # April and May are past: collected (nothing was repaid here), complete; June is not begun.
    assert [(m["collected_fen"], m["collected_complete"]) for m in after["months"][:3]] == [
        (0, True),
        (0, True),
        (None, False),
    ]


@pytest.fixture
def installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Database:
    """Two loans paid out today on the clock the CLI uses, in the CLI's own SQLite home."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("FENGKONG_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("FENGKONG_DATABASE_URL", url)
    monkeypatch.setenv("FENGKONG_CONFIG", str(tmp_path / "absent.toml"))
    db = Database(url)
    upgrade(db)
    clock = SystemClock()
    svc = lending_services(db, clock)  # type: ignore[arg-type]
    vault = load_vault(load_settings())
    for k, (amount, score) in enumerate(((500_000, 600), (300_000, 480))):
        application = seed_approved(db, clock, amount=amount, score=score, vault=vault)  # type: ignore[arg-type]
        disburse(accept_offer(application, f"acc{k}", svc).record.loan_id, f"pay{k}", svc)
    return db


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout


def test_the_command_after_end_of_day(
    installed: Database, staff_login: Callable[[str], None], tmp_path: Path
) -> None:
    today = SystemClock().business_date()
    staff_login("fks_admin")
    assert _run("eod", "--json")[0] == 0
    staff_login("fks_risk")

    code, out = _run("report", "stress", "--json")
    assert code == 0, out
    base = json.loads(out)
    assert base["business_date"] == today.isoformat() and base["loans"] == 2
    code, out = _run("report", "stress", "--scenario", "severe", "--months", "6", "--json")
    assert code == 0, out
    severe = json.loads(out)
    assert len(severe["months"]) == 6 and severe["scenario"]["lgd"] == "0.6"
    assert severe["months"][-1]["cumulative_loss_fen"] > base["months"][5]["cumulative_loss_fen"]

    code, out = _run("report", "stress", "--scenario", "downturn")
    assert code == 0 and "projection by month" in out and "collections by month" in out, out
    assert "stress 'downturn'" in out
    code, out = _run("report", "stress", "--csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and len(rows) == 12 and rows[0]["scenario"] == "baseline"

    mine = tmp_path / "mine.yaml"
    mine.write_text(
        "name: mine\npd_multipliers:\n  by: score_band\n  default: 1.5\n"
        "  segments: {'<500': 4}\nhorizon_months: 3\n",
        encoding="utf-8",
    )
    code, out = _run("report", "stress", "--scenario-file", str(mine), "--json")
    assert code == 0, out
    doc = json.loads(out)
    assert doc["scenario"]["source"] == str(mine) and doc["horizon_months"] == 3
    assert {s["segment"]: s["multiplier"] for s in doc["segments"]} == {
        "<500": "4",
        "600-649": "1.5",
    }

    bad_files = {
        "dimension.yaml": "name: x\npd_multipliers: {by: industry}\n",
        "negative.yaml": "name: x\npd_multipliers: {default: -1}\n",
        "segment.yaml": "name: x\npd_multipliers: {by: score_band, segments: {'700+': 2}}\n",
        "product.yaml": "name: x\npd_multipliers: {by: product, segments: {car_loan: 2}}\n",
        "key.yaml": "name: x\nshock: 0.1\n",
        "yaml.yaml": "name: [x\n",
    }
    for name, text in bad_files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    for bad in (
        ["--date", (today + timedelta(days=1)).isoformat()],
        ["--date", "yesterday"],
        ["--scenario", "apocalypse"],
        ["--months", "61"],
        ["--scenario", "downturn", "--scenario-file", str(mine)],
        ["--scenario-file", str(tmp_path / "absent.yaml")],
        *(["--scenario-file", str(tmp_path / name)] for name in bad_files),
    ):
        code, out = _run("report", "stress", *bad, "--json")
        assert code == 2, (bad, out)
        assert json.loads(out)["category"] == "invalid", (bad, out)
    _, out = _run("report", "stress", "--scenario-file", str(tmp_path / "dimension.yaml"), "--json")
    assert "score_band" in json.loads(out)["errors"][0]["allowed"]
    _, out = _run("report", "stress", "--scenario-file", str(tmp_path / "product.yaml"), "--json")
    assert json.loads(out)["errors"][0]["allowed"] == ["cash_loan"]
    _, out = _run("report", "stress", "--scenario-file", str(tmp_path / "negative.yaml"), "--json")
    assert "-1 is negative" in out
