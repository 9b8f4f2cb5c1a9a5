"""A customer is found by the full resident ID number or phone (matched by blind index) and
shown with their applications, decisions, loans and lines; nothing that goes out carries the
name, ID number or phone in clear. API and CLI, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fakes.api import api_client
from fengkong.bootstrap import Context
from fengkong.cli import app
from search.book import PEOPLE, SECOND_PHONES, seed_book

runner = CliRunner()


def clear_values() -> list[str]:
    values = [v for person in PEOPLE.values() for v in person]
    return [*values, *SECOND_PHONES.values()]


def assert_no_clear_personal_data(text: str) -> None:
    for value in clear_values():
        assert value not in text, value


def test_the_api_finds_a_customer_by_id_number_or_phone(context: Context) -> None:
    book = seed_book(context)
    name, id_number, phone = PEOPLE["zhao"]
    with api_client(context) as client:
        by_id = client.post("/v1/customers/search", json={"id_number": id_number})
        assert by_id.status_code == 200, by_id.text
        (found,) = by_id.json()["items"]
        assert (found["name"], found["id_number"], found["applications"]) == (
            "赵*",
            id_number[:3] + "*" * 11 + id_number[-4:],
            2,
        )
        # either of zhao's phones finds zhao, and only zhao
        for number in (phone, SECOND_PHONES["zhao"], "136 0013 6000"):
            by_phone = client.post("/v1/customers/search", json={"phone": number}).json()
            assert [c["customer_id"] for c in by_phone["items"]] == [found["customer_id"]]
        nobody = client.post("/v1/customers/search", json={"phone": "13100131000"}).json()
        assert nobody["items"] == []
        both = client.post(
            "/v1/customers/search", json={"id_number": id_number, "phone": PEOPLE["li"][2]}
        )
        assert both.json()["items"] == []

        view = client.get(f"/v1/customers/{found['customer_id']}")
        assert view.status_code == 200, view.text
        doc = view.json()
        assert {a["id"] for a in doc["applications"]} == {
            book.applications["zhao"],
            book.applications["zhao_line"],
        }
        assert {d["application_id"] for d in doc["decisions"]} == {
            book.applications["zhao"],
            book.applications["zhao_line"],
        }
        assert {loan["loan_id"] for loan in doc["loans"]} == {
            book.loans["zhao"],
            book.loans["draw"],
        }
        assert [line["line_id"] for line in doc["lines"]] == [book.lines["zhao"]]
        assert doc["phone"] == "133****3000"  # the latest application's
        texts = [by_id.text, view.text]
        for path in (
            "/v1/applications",
            "/v1/decisions",
            "/v1/loans",
            "/v1/lines",
            "/v1/customers",
        ):
            texts.append(client.get(path, params={"limit": 500}).text)
        for text in texts:
            assert_no_clear_personal_data(text)
        assert name not in view.text and "赵*" in view.text


@pytest.fixture
def cli_env(
    context: Context,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    staff_login: Callable[[str], None],
) -> Context:
    staff_login("fks_all")
    """The CLI on the context's database and key file."""
    staff_login("fks_all")
    monkeypatch.setenv("FENGKONG_HOME", str(context.settings.home))
    monkeypatch.setenv("FENGKONG_DATABASE_URL", database_url)
    monkeypatch.setenv("FENGKONG_CONFIG", str(Path(context.settings.home) / "absent.toml"))
    return context


def test_the_cli_lists_and_shows_by_blind_index(cli_env: Context) -> None:
    book = seed_book(cli_env)
    _, id_number, phone = PEOPLE["zhang"]
    shown = runner.invoke(app, ["customer", "show", "--id-number", id_number, "--json"])
    assert shown.exit_code == 0, shown.output
    doc = json.loads(shown.stdout)
    assert {a["id"] for a in doc["applications"]} == {
        book.applications["zhang"],
        book.applications["zhang_again"],
    }
    assert [loan["loan_id"] for loan in doc["loans"]] == [book.loans["zhang"]]
    assert doc["lines"] == []

    late = runner.invoke(app, ["loan", "list", "--phone", phone, "--dpd-min", "1", "--json"])
    assert late.exit_code == 0, late.output
    assert [i["loan_id"] for i in json.loads(late.stdout)["items"]] == [book.loans["zhang"]]

    as_csv = runner.invoke(app, ["application", "list", "--id-number", id_number, "--csv"])
    assert as_csv.exit_code == 0, as_csv.output
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert {r["id"] for r in rows} == {book.applications["zhang"], book.applications["zhang_again"]}
    assert {r["borrower_customer_id"] for r in rows} == {doc["customer_id"]}

    outputs = [shown.output, late.output, as_csv.output]
    for command in (
        ["application", "list"],
        ["decision", "list"],
        ["loan", "list"],
        ["line", "list"],
        ["customer", "list"],
        ["customer", "show", doc["customer_id"]],
        ["line", "show", book.lines["zhao"]],
        ["decision", "show", doc["decisions"][0]["id"]],
        ["application", "show", book.applications["zhang"]],
    ):
        for formats in ([], ["--json"]):
            result = runner.invoke(app, [*command, *formats])
            assert result.exit_code == 0, (command, result.output)
            outputs.append(result.output)
    for text in outputs:
        assert_no_clear_personal_data(text)


def test_the_cli_refuses_bad_filters_with_exit_2(cli_env: Context) -> None:
    cases = [
        (["loan", "list", "--status", "lost"], "pending_disbursement, active"),
        (["loan", "list", "--dpd-min", "9", "--dpd-max", "3"], "above dpd_max"),
        (["application", "list", "--received-from", "2026-13-01"], "YYYY-MM-DD"),
        (["decision", "list", "--cursor", "x"], "not a cursor"),
        (["line", "list", "--status", "open"], "active, frozen, closed"),
        (["customer", "list", "--id-number", "110105199003071230"], "check digit"),
        (["customer", "show"], "give a customer id"),
        (["loan", "list", "--json", "--csv"], "--json or --csv"),
    ]
    for args, message in cases:
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        assert message in result.output.replace("\n", " "), (args, result.output)
        if "--json" in args:  # the error is then one JSON document on stdout
            assert json.loads(result.stdout)["category"] == "invalid", args
        else:
            assert result.stdout == "" or not result.stdout.strip().startswith("{"), args
