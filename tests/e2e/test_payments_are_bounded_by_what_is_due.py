"""A payment may not exceed what settles the loan today plus the configured overpayment
allowance, nor the configured largest payment: over HTTP (422 `payment_exceeds_amount_due`), from
the CLI (exit 2) and on a credit line's draw alike, with nothing stored. Within the allowance an
overpayment is still taken and held as unapplied credit."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from fakes.api import api_client
from fengkong.bootstrap import Context, bootstrap
from fengkong.cli import app as cli
from fengkong.core.clock import FakeClock
from fengkong.core.settings import Settings
from lending.test_service_support import ledger_snapshot, seed_approved

ALLOWANCE_FEN = 10_000  # ¥100.00


@pytest.fixture
def wired(settings: Settings, clock: FakeClock) -> Iterator[Context]:
    allowed = settings.model_copy(update={"lending_overpayment_allowance_fen": ALLOWANCE_FEN})
    ctx = bootstrap(allowed, clock=clock)
    yield ctx
    ctx.close()


@pytest.fixture
def client(wired: Context) -> Iterator[TestClient]:
    with api_client(wired) as c:
        yield c


def _active_loan(client: TestClient, ctx: Context) -> str:
    application = seed_approved(ctx.db, ctx.clock, amount=500_000, terms=6, vault=ctx.vault)  # type: ignore[arg-type]
    accepted = client.post(
        f"/v1/loans/offers/{application}/accept", headers={"Idempotency-Key": "acc"}
    )
    assert accepted.status_code == 201, accepted.text
    loan_id: str = accepted.json()["loan_id"]
    paid = client.post(f"/v1/loans/{loan_id}/disburse", headers={"Idempotency-Key": "pay"})
    assert paid.status_code == 200, paid.text
    return loan_id


def _refused(response: Any) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    doc = response.json()
    assert doc["type"].endswith("/payment-exceeds-amount-due")
    assert [e["type"] for e in doc["errors"]] == ["payment_exceeds_amount_due"]


def test_a_repayment_beyond_the_settlement_and_allowance_is_refused(
    client: TestClient, wired: Context
) -> None:
    loan_id = _active_loan(client, wired)
    payable = Decimal(client.get(f"/v1/loans/{loan_id}/settlement-quote").json()["payable"])
    before = ledger_snapshot(wired.db)  # type: ignore[arg-type]
    for n, amount in enumerate(
        (payable + Decimal("100.01"), Decimal("999999999.99"), Decimal("9999999999.99"))
    ):
        response = client.post(
            f"/v1/loans/{loan_id}/repayments",
            json={"amount": str(amount)},
            headers={"Idempotency-Key": f"big-{n}"},
        )
        _refused(response)
        settle = client.post(
            f"/v1/loans/{loan_id}/settle",
            json={"amount": str(amount)},
            headers={"Idempotency-Key": f"settle-{n}"},
        )
        _refused(settle)
    assert ledger_snapshot(wired.db) == before  # type: ignore[arg-type]
    assert client.get(f"/v1/loans/{loan_id}").json()["unapplied_credit"] == "0.00"

    within = client.post(
        f"/v1/loans/{loan_id}/repayments",
        json={"amount": str(payable + Decimal("100.00"))},
        headers={"Idempotency-Key": "within"},
    )
    assert within.status_code == 201, within.text
    assert Decimal(within.json()["to_credit"]) >= Decimal("100.00")


def test_the_largest_payment_is_configured(settings: Settings, clock: FakeClock) -> None:
    capped = settings.model_copy(update={"lending_max_payment_fen": 1_000})
    ctx = bootstrap(capped, clock=clock)
    try:
        with api_client(ctx) as client:
            loan_id = _active_loan(client, ctx)
            response = client.post(
                f"/v1/loans/{loan_id}/repayments",
                json={"amount": "10.01"},
                headers={"Idempotency-Key": "r"},
            )
            _refused(response)
            assert "at most 1000 fen" in response.json()["detail"]
            ok = client.post(
                f"/v1/loans/{loan_id}/repayments",
                json={"amount": "10.00"},
                headers={"Idempotency-Key": "r2"},
            )
            assert ok.status_code == 201, ok.text
    finally:
        ctx.close()


def test_a_line_repayment_beyond_what_the_draw_owes_is_refused(
    client: TestClient, wired: Context
) -> None:
    opened = client.post(
        "/v1/lines",
        json={"limit": "1000.00", "annual_rate": "0.18"},
        headers={"Idempotency-Key": "o"},
    )
    assert opened.status_code == 201, opened.text
    line_id = opened.json()["line_id"]
    drawn = client.post(
        f"/v1/lines/{line_id}/draws",
        json={"amount": "600.00", "terms": 3},
        headers={"Idempotency-Key": "d"},
    )
    assert drawn.status_code == 201, drawn.text
    draw_id = drawn.json()["loan"]["loan_id"]
    before = ledger_snapshot(wired.db)  # type: ignore[arg-type]
    response = client.post(
        f"/v1/lines/{line_id}/repayments",
        json={"draw_id": draw_id, "amount": "5000.00"},
        headers={"Idempotency-Key": "r"},
    )
    _refused(response)
    assert ledger_snapshot(wired.db) == before  # type: ignore[arg-type]
    line = client.get(f"/v1/lines/{line_id}").json()
    assert line["available"] == "400.00"


def test_the_cli_refuses_with_exit_2(
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    staff_login: Callable[[str], None],
) -> None:
    staff_login("fks_all")
    monkeypatch.setenv("FENGKONG_HOME", str(tmp_path / "cli-home"))
    monkeypatch.setenv("FENGKONG_DATABASE_URL", database_url)
    monkeypatch.setenv("FENGKONG_CONFIG", str(tmp_path / "absent.toml"))
    runner = CliRunner()

    def run(*args: str) -> Any:
        return runner.invoke(cli, [*args, "--json"])

    line = json.loads(
        run("line", "open", "--limit", "1000", "--annual-rate", "0.18", "--key", "o").stdout
    )
    drawn = run("line", "draw", line["line_id"], "--amount", "500", "--terms", "3", "--key", "d")
    draw_id = json.loads(drawn.stdout)["loan"]["loan_id"]
    repaid = run(
        "line", "repay", line["line_id"], "--draw", draw_id, "--amount", "999999999999.99",
        "--key", "r",
    )  # fmt: skip
    assert repaid.exit_code == 2, repaid.output
    assert json.loads(repaid.stdout)["code"] == "payment_exceeds_amount_due"
    huge = run("loan", "repay", draw_id, "--amount", "100000", "--key", "r2")
    assert huge.exit_code == 2, huge.output
