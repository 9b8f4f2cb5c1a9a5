"""Amounts in `--json` documents (and in the API's JSON) are plain decimal strings of yuan,
"3939.00", never display strings like "3,939.00" or "¥3,939.00", which a machine cannot read
as a number."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from factories import queue_referral
from fakes.api import api_client
from fengkong.bootstrap import Context
from fengkong.cli import app
from fengkong.core.clock import SystemClock
from fengkong.core.settings import load_settings
from fengkong.db.database import Database
from fengkong.db.migrate import upgrade
from fengkong.db.uow import SqlUnitOfWork
from fengkong.decision.review import ReviewConfig
from lending.test_service_support import seed_approved

runner = CliRunner()
PLAIN = re.compile(r"-?\d+\.\d{2}")
DISPLAY = re.compile(r"\d,\d{3}|¥")


def _strings(doc: Any, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from _strings(v, f"{path}.{k}")
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield from _strings(v, f"{path}[{i}]")
    elif isinstance(doc, str):
        yield path, doc


def _plain(doc: Any, *amounts: str) -> Any:
    """`doc`, after checking no string in it is a display amount and each named amount (a dotted
    path) is a plain decimal."""
    assert [(p, s) for p, s in _strings(doc) if DISPLAY.search(s)] == []
    for dotted in amounts:
        value: Any = doc
        for key in dotted.split("."):
            value = value[int(key)] if isinstance(value, list) else value[key]
        assert isinstance(value, str) and PLAIN.fullmatch(value), (dotted, value)
    return doc


def _json(args: list[str]) -> Any:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, (args, result.output, result.exception)
    return json.loads(result.stdout)


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    monkeypatch.setenv("FENGKONG_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("FENGKONG_DATABASE_URL", raising=False)
    monkeypatch.setenv("FENGKONG_CONFIG", str(tmp_path / "absent.toml"))
    database = Database(load_settings().resolved_database_url)
    upgrade(database)
    yield database
    database.dispose()


def test_review_items_carry_plain_amounts(db: Database, staff_login: Callable[[str], None]) -> None:
    staff_login("fks_as_li.wei")
    with SqlUnitOfWork(db) as uow:
        item = queue_referral(uow, SystemClock(), ReviewConfig(), amount_fen=393_900)
        uow.commit()
    (listed,) = _json(["review", "list"])
    assert _plain(listed, "amount")["amount"] == "3939.00"  # was "3,939.00"
    claimed = _json(["review", "claim", item.id])
    assert _plain(claimed, "amount")["amount"] == "3939.00"
    shown = runner.invoke(app, ["review", "list"])
    assert "3,939.00" in shown.stdout  # people still read the grouped form


def test_a_loan_from_offer_to_repayment_carries_plain_amounts(
    db: Database, staff_login: Callable[[str], None]
) -> None:
    from fengkong.bootstrap import load_vault

    staff_login("fks_all")
    application = seed_approved(
        db,
        SystemClock(),  # type: ignore[arg-type]
        amount=393_900,
        terms=6,
        vault=load_vault(load_settings()),
    )
    offer = _json(["loan", "offer", application])
    _plain(offer, "amount", "principal", "total_cost", "schedule.0.total")
    assert offer["amount"] == "3939.00"
    loan = _json(["loan", "accept", application, "--key", "acc-1"])
    _plain(loan, "principal", "outstanding", "positions.0.scheduled_total")
    loan_id = loan["loan_id"]
    paid = _json(["loan", "disburse", loan_id, "--key", "pay-1"])
    _plain(paid, "payout.amount")
    _plain(_json(["loan", "show", loan_id]), "principal", "outstanding")
    repaid = _json(["loan", "repay", loan_id, "--amount", "1200.00", "--key", "rep-1"])
    assert _plain(repaid, "amount", "to_credit")["amount"] == "1200.00"
    quote = _json(["loan", "settlement-quote", loan_id])
    _plain(quote, "principal", "interest", "payable")
    assert Decimal(quote["payable"]) > 0
    _plain(_json(["servicing", "collateral-add", loan_id, "--type", "deposit", "--value", "5000"]))
    _plain(_json(["servicing", "queue"]))


def test_the_api_review_queue_carries_plain_amounts(context: Context) -> None:
    with context.uow() as uow:
        queue_referral(uow, context.clock, ReviewConfig(), amount_fen=393_900)
        uow.commit()
    with api_client(context) as client:
        listed = client.get("/v1/review/items")
    assert listed.status_code == 200, listed.text
    (item,) = listed.json()
    assert _plain(item, "amount")["amount"] == "3939.00"
