"""Each application keeps the sales channel it came through; the applications, decisions and
loans lists filter by it (a loan by its application's, a draw by its line's), and the
applications and decisions lists by the request id that made the decision. The API and the CLI
alike, on the book of `search.book` (one application per channel), on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from factories import body
from fakes.api import api_client
from fengkong.bootstrap import Context
from fengkong.cli import app, common
from fengkong.onboarding.channel import SALES_CHANNELS
from search.book import CHANNELS, Book, seed_book

runner = CliRunner()
ALLOWED = ["api", "app", "branch", "mini_program", "partner", "web"]
# label → the channel its application was stored with (li's body named none)
STORED = {label: channel.get("source", "api") for label, channel in CHANNELS.items()}


@pytest.fixture
def seeded(context: Context) -> Iterator[tuple[TestClient, Book]]:
    book = seed_book(context)
    with api_client(context) as client:
        yield client, book


@pytest.fixture
def cli_env(
    context: Context, monkeypatch: pytest.MonkeyPatch, staff_login: Callable[[str], None]
) -> Context:
    staff_login("fks_all")
    monkeypatch.setenv("FENGKONG_HOME", str(context.settings.home))
    monkeypatch.setenv("FENGKONG_DATABASE_URL", context.settings.resolved_database_url)
    monkeypatch.setenv("FENGKONG_CONFIG", str(Path(context.settings.home) / "absent.toml"))
    return context


def items(client: TestClient, path: str, **params: Any) -> list[dict[str, Any]]:
    response = client.get(path, params={"limit": 500, **params})
    assert response.status_code == 200, response.text
    assert response.json()["next_cursor"] is None
    found: list[dict[str, Any]] = response.json()["items"]
    return found


def ids(client: TestClient, path: str, key: str = "id", **params: Any) -> set[str]:
    return {item[key] for item in items(client, path, **params)}


def test_the_book_uses_every_channel_once() -> None:
    assert sorted(STORED.values()) == ALLOWED == list(SALES_CHANNELS)


def test_each_application_is_stored_with_its_channel(
    seeded: tuple[TestClient, Book], context: Context
) -> None:
    client, book = seeded
    with context.db.engine.connect() as conn:
        rows = conn.execute(sa.text("select id, channel, channel_partner from applications"))
        stored = {r.id: (r.channel, r.channel_partner) for r in rows}
    partner = {"zhao": "ant-01"}
    assert stored == {
        book.applications[label]: (channel, partner.get(label)) for label, channel in STORED.items()
    }
    for label, application_id in book.applications.items():
        shown = client.get(f"/v1/applications/{application_id}").json()
        assert (shown["channel"], shown["channel_partner"]) == (STORED[label], partner.get(label))
        # kept in the decision's input snapshot too, beside what the model read
        with context.db.engine.connect() as conn:
            inputs = conn.execute(
                sa.text("select inputs from decisions where application_id = :a"),
                {"a": application_id},
            ).scalar_one()
        inputs = inputs if isinstance(inputs, dict) else json.loads(inputs)
        assert inputs["channel"] == STORED[label]
        assert inputs.get("channel_partner") == partner.get(label)


def test_the_channel_filter_filters_applications_decisions_and_loans(
    seeded: tuple[TestClient, Book],
) -> None:
    client, book = seeded
    apps, loans = book.applications, book.loans
    for label, channel in STORED.items():
        assert ids(client, "/v1/applications", channel=channel) == {apps[label]}, channel
        assert ids(client, "/v1/decisions", key="application_id", channel=channel) == {apps[label]}
    assert ids(client, "/v1/applications", channel="app,branch") == {
        apps["zhang"],
        apps["zhang_again"],
    }
    assert ids(client, "/v1/decisions", key="application_id", channel=["web", "api"]) == {
        apps["wang"],
        apps["li"],
    }
    # with another filter: the approved among the web and app applications
    assert ids(client, "/v1/applications", channel="web,app", outcome="approve") == {apps["zhang"]}
    listed = items(client, "/v1/applications", channel="partner")
    assert [(i["channel"], i["channel_partner"]) for i in listed] == [("partner", "ant-01")]
    decided = items(client, "/v1/decisions", channel="branch")
    assert [(i["channel"], i["channel_partner"]) for i in decided] == [("branch", None)]

    # a loan's channel is its application's; a draw's, the application its line was opened on
    assert ids(client, "/v1/loans", key="loan_id", channel="app") == {loans["zhang"]}
    assert ids(client, "/v1/loans", key="loan_id", channel="partner,mini_program") == {
        loans["zhao"],
        loans["draw"],
    }
    assert ids(client, "/v1/loans", key="loan_id", channel="web") == set()
    shown = {i["loan_id"]: i["channel"] for i in items(client, "/v1/loans")}
    assert shown == {loans["zhang"]: "app", loans["zhao"]: "partner", loans["draw"]: "mini_program"}


def test_the_request_id_filter_finds_the_decision_that_request_made(
    seeded: tuple[TestClient, Book], cli_env: Context
) -> None:
    client, book = seeded
    made = client.post(
        "/v1/applications",
        json=body(channel={"source": "web"}),
        headers={"X-Request-ID": "complaint-7:a"},
    )
    assert made.status_code == 201, made.text
    client.post("/v1/applications", json=body(amount="6000.00"), headers={"X-Request-ID": "other"})
    application_id, decision_id = made.json()["application_id"], made.json()["decision_id"]

    (found,) = items(client, "/v1/applications", request_id="complaint-7:a")
    assert (found["id"], found["request_id"], found["channel"]) == (
        application_id,
        "complaint-7:a",
        "web",
    )
    assert ids(client, "/v1/decisions", request_id="complaint-7:a") == {decision_id}
    assert ids(client, "/v1/decisions", request_id="never-sent") == set()
    # with the channel: the web applications of that request, and none of its other channels
    assert ids(client, "/v1/applications", request_id="complaint-7:a", channel="web") == {
        application_id
    }
    assert ids(client, "/v1/applications", request_id="complaint-7:a", channel="app") == set()
    # the book's applications were decided outside any request
    assert {i["request_id"] for i in items(client, "/v1/decisions", channel="app")} == {None}
    assert len(ids(client, "/v1/applications")) == len(book.applications) + 2

    listed = runner.invoke(app, ["decision", "list", "--request-id", "complaint-7:a", "--json"])
    assert listed.exit_code == 0, listed.output
    (row,) = json.loads(listed.stdout)["items"]
    assert (row["id"], row["request_id"]) == (decision_id, "complaint-7:a")
    as_csv = runner.invoke(app, ["application", "list", "--request-id", "complaint-7:a", "--csv"])
    assert as_csv.exit_code == 0, as_csv.output
    (line,) = csv.DictReader(io.StringIO(as_csv.stdout))
    assert (line["id"], line["request_id"], line["channel"]) == (
        application_id,
        "complaint-7:a",
        "web",
    )


def test_the_cli_filters_by_channel_and_shows_it(
    seeded: tuple[TestClient, Book], cli_env: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, book = seeded
    apps = book.applications
    as_json = runner.invoke(
        app, ["application", "list", "--channel", "partner", "--channel", "web", "--json"]
    )
    assert as_json.exit_code == 0, as_json.output
    listed = json.loads(as_json.stdout)["items"]
    assert {(i["id"], i["channel"], i["channel_partner"]) for i in listed} == {
        (apps["zhao"], "partner", "ant-01"),
        (apps["wang"], "web", None),
    }
    decisions = runner.invoke(app, ["decision", "list", "--channel", "mini_program,api", "--csv"])
    assert decisions.exit_code == 0, decisions.output
    rows = list(csv.DictReader(io.StringIO(decisions.stdout)))
    assert {(r["application_id"], r["channel"]) for r in rows} == {
        (apps["zhao_line"], "mini_program"),
        (apps["li"], "api"),
    }
    loans = runner.invoke(app, ["loan", "list", "--channel", "app", "--json"])
    assert loans.exit_code == 0, loans.output
    assert [i["loan_id"] for i in json.loads(loans.stdout)["items"]] == [book.loans["zhang"]]

    # On a terminal of 120 columns the table shows each value whole (at 80, columns other than
    # ids, dates, amounts and outcomes fold, as in the other lists).
    monkeypatch.setattr(common.out, "width", 120)
    table = runner.invoke(app, ["application", "list", "--channel", "branch"])
    assert table.exit_code == 0, table.output
    header, row = [line.split() for line in table.stdout.splitlines() if line.strip()][1::2][:2]
    assert header == ["id", "received", "amount", "outcome", "score", "channel", "borrower"]
    assert row[0] == apps["zhang_again"] and row[5] == "branch"
    shown = runner.invoke(app, ["application", "show", apps["zhao"]])
    assert "channel partner ant-01" in shown.stdout


def test_a_bad_channel_or_request_id_filter_is_refused(
    seeded: tuple[TestClient, Book], cli_env: Context
) -> None:
    client, _ = seeded
    for path in ("/v1/applications", "/v1/decisions", "/v1/loans"):
        refused = client.get(path, params={"channel": "app,tv"})
        assert refused.status_code == 422, (path, refused.text)
        assert refused.headers["content-type"] == "application/problem+json"
        (error,) = refused.json()["errors"]
        assert error["loc"] == ["channel"] and error["allowed"] == ALLOWED
        assert "'tv'" in error["msg"] and ", ".join(ALLOWED) in error["msg"]
    for path in ("/v1/applications", "/v1/decisions"):
        for bad in ("two words", "x" * 65, "请求"):
            refused = client.get(path, params={"request_id": bad})
            assert refused.status_code == 422, (path, bad, refused.text)
            assert refused.json()["errors"][0]["loc"] == ["request_id"]

    cases = [
        (["application", "list", "--channel", "tv"], ", ".join(ALLOWED)),
        (["decision", "list", "--channel", "App"], ", ".join(ALLOWED)),
        (["loan", "list", "--channel", "shop"], ", ".join(ALLOWED)),
        (["application", "list", "--request-id", "a b"], "not a request id"),
        (["decision", "list", "--request-id", "<x>"], "not a request id"),
    ]
    for args, message in cases:
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        assert message in result.output.replace("\n", " "), (args, result.output)
        as_json = runner.invoke(app, [*args, "--json"])
        assert as_json.exit_code == 2
        (error,) = json.loads(as_json.stdout)["errors"]
        if "--channel" in args:
            assert error["allowed"] == ALLOWED
