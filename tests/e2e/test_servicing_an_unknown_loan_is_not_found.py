"""A servicing request that names a loan which does not exist is a not-found, on every route and
command keyed by a loan id: HTTP 404 problem+json, and on the command line exit 1 with `code`
`loan_not_found` under `--json` — never an empty answer. `fengkong servicing debits UNKNOWN`
printed `[]` and exited 0, `GET /v1/loans/UNKNOWN/debits` and `…/reminders` answered 200 `[]`, and
the others said a bare `not_found` (or "has no bound card", "has no collections case").

And an amount option typed wrong is reported under the option's own name (`--value` as `value`,
`--cap` as `cap`), not as `amount`."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from fakes.access import bearer
from fakes.api import api_client
from fengkong.bootstrap import Context
from fengkong.cli import app
from fengkong.db.database import Database
from fengkong.lending import autodebit, collateral_service, collections, guarantee, reminders
from fengkong.lending.errors import LoanNotFound

runner = CliRunner()
MISSING = "ln_no_such_loan"
OFFICER = bearer("fks_officer")
PROBLEM = "application/problem+json"


@pytest.fixture
def client(context: Context) -> Iterator[TestClient]:
    with api_client(context) as c:
        yield c


def _use_cases(svc: Any, today: date) -> dict[str, Callable[[], object]]:
    """Each servicing use case keyed by a loan id, asked about a loan that does not exist."""
    return {
        "debit_attempts": lambda: autodebit.debit_attempts(MISSING, svc),
        "bind_card": lambda: autodebit.bind_card(MISSING, "6222021234567890128", svc),
        "unbind_card": lambda: autodebit.unbind_card(MISSING, svc),
        "get_card": lambda: autodebit.get_card(MISSING, svc),
        "reminders_for": lambda: reminders.reminders_for(MISSING, svc),
        "guarantees_for_loan": lambda: guarantee.guarantees_for_loan(MISSING, svc),
        "add_guarantee": lambda: guarantee.add_guarantee(MISSING, "gtr_x", Decimal("0.5"), svc),
        "add_collateral": lambda: collateral_service.add_collateral(
            MISSING, "deposit", 100_000, svc
        ),
        "collateral_of": lambda: collateral_service.collateral_of(MISSING, svc),
        "get_case": lambda: collections.get_case(MISSING, svc),
        "record_action": lambda: collections.record_action(MISSING, "call", "n", "li.wei", svc),
        "record_promise": lambda: collections.record_promise(MISSING, 100, today, "li.wei", svc),
    }


USE_CASES = sorted(_use_cases(None, date(2026, 1, 1)))


@pytest.mark.parametrize("use_case", USE_CASES)
def test_every_servicing_use_case_keyed_by_a_loan_refuses_an_unknown_loan(
    context: Context, use_case: str
) -> None:
    ask = _use_cases(context.servicing, context.clock.business_date())[use_case]
    with pytest.raises(LoanNotFound, match=MISSING):
        ask()


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/v1/loans/{id}/debits", None),
        ("get", "/v1/loans/{id}/reminders", None),
        ("get", "/v1/loans/{id}/guarantees", None),
        ("post", "/v1/loans/{id}/guarantees", {"guarantor_id": "gtr_x", "share": "0.5"}),
        ("put", "/v1/loans/{id}/card", {"card_number": "6222021234567890128"}),
        ("delete", "/v1/loans/{id}/card", None),
        ("get", "/v1/loans/{id}/collateral", None),
        ("post", "/v1/loans/{id}/collateral", {"type": "deposit", "value": "1000.00"}),
        ("get", "/v1/collections/{id}", None),
        ("post", "/v1/collections/{id}/actions", {"kind": "call", "note": "hello"}),
        (
            "post",
            "/v1/collections/{id}/promises",
            {"amount": "100.00", "promised_on": "2026-03-09"},
        ),
    ],
)
def test_every_servicing_route_keyed_by_a_loan_answers_404(
    client: TestClient, method: str, path: str, body: dict[str, Any] | None
) -> None:
    url = path.format(id=MISSING)
    kwargs: dict[str, Any] = {"headers": OFFICER}
    if body is not None:
        kwargs["json"] = body
    answer = client.request(method.upper(), url, **kwargs)
    assert answer.status_code == 404, answer.text
    assert answer.headers["content-type"].startswith(PROBLEM)
    assert MISSING in answer.json()["detail"]


@pytest.fixture
def cli_db(
    db: Database,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    staff_login: Callable[[str], None],
) -> Database:
    """The command line on the test's migrated database (SQLite or PostgreSQL), logged in as
    an officer."""
    staff_login("fks_officer")
    monkeypatch.setenv("FENGKONG_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("FENGKONG_DATABASE_URL", database_url)
    monkeypatch.setenv("FENGKONG_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.delenv("FENGKONG_REDIS_URL", raising=False)
    return db


@pytest.mark.parametrize(
    "command",
    [
        ["debits", MISSING],
        ["card-bind", MISSING, "--card-number", "6222021234567890128"],
        ["collateral", MISSING],
        ["collateral-add", MISSING, "--type", "deposit", "--value", "1000"],
        ["guarantee-add", MISSING, "--share", "0.5", "--guarantor", "gtr_x"],
        ["act", MISSING, "--kind", "call", "--note", "hello"],
        ["promise", MISSING, "--amount", "100", "--on", "2099-01-01"],
    ],
    ids=lambda c: c[0],
)
def test_every_servicing_command_keyed_by_a_loan_exits_1_loan_not_found(
    cli_db: Database, command: list[str]
) -> None:
    result = runner.invoke(app, ["servicing", *command, "--json"])
    assert result.exit_code == 1, result.output
    doc = json.loads(result.stdout)
    assert doc["code"] == "loan_not_found"
    assert doc["category"] == "not_found"
    assert MISSING in doc["detail"]


@pytest.mark.parametrize(
    ("command", "option"),
    [
        (["collateral-add", MISSING, "--type", "deposit", "--value", "x"], "value"),
        (["collateral-add", MISSING, "--type", "deposit", "--value", "1.234"], "value"),
        (["collateral-value", "col_x", "--value", "ten"], "value"),
        (["guarantee-add", MISSING, "--share", "0.5", "--guarantor", "g", "--cap", "x"], "cap"),
        (["promise", MISSING, "--amount", "1e", "--on", "2099-01-01"], "amount"),
    ],
    ids=lambda c: c[0] if isinstance(c, list) else c,
)
def test_a_bad_amount_names_the_option_typed(
    cli_db: Database, command: list[str], option: str
) -> None:
    result = runner.invoke(app, ["servicing", *command, "--json"])
    assert result.exit_code == 2, result.output
    doc = json.loads(result.stdout)
    assert doc["code"] == "invalid"
    assert [e["loc"] for e in doc["errors"]] == [[option]]
    assert f"{option}:" in result.stderr
