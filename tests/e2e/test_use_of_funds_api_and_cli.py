"""The use of funds over HTTP and from `fengkong line …` (SQLite and PostgreSQL): a business
line's draw states its purpose and, above ¥300,000, its payee; receipts are posted and read with
their cover. Each bad input is a 422 problem+json (or exit 2) naming the field, an unknown draw
a 404, and nothing is stored by a refusal.

| request | answer |
| --- | --- |
| draw ¥1,000 for house_purchase | 422 `purpose`, the allowed purposes listed |
| draw ¥400,000 with no payee | 422 `payee` |
| draw ¥400,000 to 华东建材 for purchase_of_goods | 201; the payout names the payee |
| receipt of ¥400,000.01 | 422 `amount` |
| receipt dated the day before the payout | 422 `issued_on` |
| receipt for draw `loan_nope` | 404 |
| receipt A-1 of ¥150,000 | 201; 37.5 % covered |
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from fakes.access import FakeAuthenticator
from fakes.api import api_client
from fengkong.bootstrap import Context, bootstrap
from fengkong.cli import app as cli
from fengkong.core.clock import FakeClock
from fengkong.core.settings import Settings

runner = CliRunner()
PAYEE = {"name": "华东建材有限公司", "account": "6222021234567890123", "bank": "工商银行上海分行"}


@pytest.fixture
def wired(settings: Settings, clock: FakeClock) -> Iterator[Context]:
    ctx = bootstrap(settings, clock=clock)
    ctx.authenticator = FakeAuthenticator()
    yield ctx
    ctx.close()


@pytest.fixture
def client(wired: Context) -> Iterator[TestClient]:
    with api_client(wired) as c:
        yield c


def _problem(response: Any, status: int, loc: list[str] | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    doc: dict[str, Any] = response.json()
    if loc is not None:
        assert loc in [e["loc"][-len(loc) :] for e in doc["errors"]], doc
    return doc


def _line(client: TestClient) -> str:
    opened = client.post(
        "/v1/lines",
        json={"limit": "1000000.00", "annual_rate": "0.12", "product": "business_line"},
        headers={"Idempotency-Key": "open-biz"},
    )
    assert opened.status_code == 201, opened.text
    line_id: str = opened.json()["line_id"]
    return line_id


def _receipt(number: str, on: str, amount: str) -> dict[str, str]:
    return {
        "number": number,
        "issued_on": on,
        "amount": amount,
        "payee_name": PAYEE["name"],
        "file_name": f"{number}.pdf",
        "sha256": hashlib.sha256(number.encode()).hexdigest(),
    }


def test_purpose_payee_and_receipts_over_http(
    client: TestClient, wired: Context, clock: FakeClock
) -> None:
    line_id = _line(client)

    def post_draw(key: str, **body: Any) -> Any:
        return client.post(
            f"/v1/lines/{line_id}/draws",
            json={"terms": 6, **body},
            headers={"Idempotency-Key": key},
        )

    forbidden = _problem(
        post_draw("d0", amount="1000.00", purpose="house_purchase"), 422, ["purpose"]
    )
    assert "business_working_capital" in json.dumps(forbidden, ensure_ascii=False)
    _problem(post_draw("d1", amount="400000.00", purpose="purchase_of_goods"), 422, ["payee"])
    assert client.get(f"/v1/lines/{line_id}").json()["draws"] == []

    drawn = post_draw("d2", amount="400000.00", purpose="purchase_of_goods", payee=PAYEE)
    assert drawn.status_code == 201, drawn.text
    draw_id = drawn.json()["loan"]["loan_id"]
    paid_on = clock.business_date()
    url = f"/v1/lines/{line_id}/draws/{draw_id}/receipts"

    view = client.get(url).json()
    assert view["purpose"] == "purchase_of_goods" and view["entrusted_payment"]
    assert view["payee"]["account"] == "6222 **** **** 0123"
    assert PAYEE["account"] not in json.dumps(view)
    assert view["coverage"]["due_on"] == (paid_on + timedelta(days=30)).isoformat()

    _problem(
        client.post(url, json=_receipt("A-0", paid_on.isoformat(), "400000.01")), 422, ["amount"]
    )
    early = (paid_on - timedelta(days=1)).isoformat()
    _problem(client.post(url, json=_receipt("A-0", early, "1.00")), 422, ["issued_on"])
    _problem(
        client.post(
            f"/v1/lines/{line_id}/draws/loan_nope/receipts",
            json=_receipt("A-0", paid_on.isoformat(), "1.00"),
        ),
        404,
    )
    assert client.get(url).json()["receipts"] == []

    added = client.post(url, json=_receipt("A-1", paid_on.isoformat(), "150000.00"))
    assert added.status_code == 201, added.text
    cover = added.json()["coverage"]
    assert (cover["covered"], cover["share"], cover["complete"]) == ("150000.00", "0.3750", False)
    assert client.get(f"/v1/loans/{draw_id}/receipts").json()["receipts"][0]["number"] == "A-1"


@pytest.fixture
def cli_env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("FENGKONG_HOME", str(tmp_path / "cli-home"))
    monkeypatch.setenv("FENGKONG_DATABASE_URL", database_url)
    monkeypatch.setenv("FENGKONG_CONFIG", str(tmp_path / "absent.toml"))
    return database_url


def _json(*args: str) -> Any:
    result = runner.invoke(cli, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_purpose_payee_and_receipts_from_the_cli(
    cli_env: str, staff_login: Callable[[str], None], tmp_path: Path
) -> None:
    staff_login("fks_as_li.wei")
    line = _json(
        "line",
        "open",
        "--limit",
        "1000000.00",
        "--annual-rate",
        "0.12",
        "--key",
        "o",
        "--product",
        "business_line",
    )
    line_id = line["line_id"]
    refused = runner.invoke(
        cli,
        [
            "line",
            "draw",
            line_id,
            "--amount",
            "400000.00",
            "--terms",
            "6",
            "--key",
            "d1",
            "--purpose",
            "securities_investment",
        ],
    )
    assert refused.exit_code == 2, refused.output
    assert "purpose" in refused.output
    drawn = _json(
        "line",
        "draw",
        line_id,
        "--amount",
        "400000.00",
        "--terms",
        "6",
        "--key",
        "d2",
        "--purpose",
        "purchase_of_goods",
        "--payee-name",
        PAYEE["name"],
        "--payee-account",
        PAYEE["account"],
        "--payee-bank",
        PAYEE["bank"],
    )
    draw_id = drawn["loan"]["loan_id"]
    scan = tmp_path / "invoice-A-1.pdf"
    scan.write_bytes(b"%PDF-1.4 invoice A-1")
    view = _json(
        "line",
        "receipt-add",
        line_id,
        draw_id,
        "--number",
        "A-1",
        "--date",
        drawn["loan"]["booked_on"],
        "--amount",
        "400000.00",
        "--payee-name",
        PAYEE["name"],
        "--file",
        str(scan),
    )
    assert view["coverage"]["complete"] is True
    assert view["receipts"][0]["sha256"] == hashlib.sha256(scan.read_bytes()).hexdigest()
    assert view["receipts"][0]["file_name"] == "invoice-A-1.pdf"
    over = runner.invoke(
        cli,
        [
            "line",
            "receipt-add",
            line_id,
            draw_id,
            "--number",
            "A-2",
            "--date",
            drawn["loan"]["booked_on"],
            "--amount",
            "1.00",
            "--payee-name",
            PAYEE["name"],
            "--file",
            str(scan),
        ],
    )
    assert over.exit_code == 2, over.output
    assert _json("loan", "receipts", draw_id)["coverage"]["covered"] == "400000.00"
