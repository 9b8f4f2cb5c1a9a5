"""The sales channel of an application (`channel.source`) takes one of its allowed values, `api`
when absent or null; any other is refused as the codebook's enumerated fields are, naming the
allowed values: 422 problem+json from the API, exit 2 from `fengkong apply`, nothing stored. A
partner's code goes only with source `partner`, and must look like one. On SQLite and
PostgreSQL."""

from __future__ import annotations

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
from fengkong.cli import app

runner = CliRunner()
ALLOWED = ["api", "app", "branch", "mini_program", "partner", "web"]


@pytest.fixture
def client(context: Context) -> Iterator[TestClient]:
    with api_client(context) as c:
        yield c


def _stored(context: Context) -> list[tuple[Any, ...]]:
    with context.db.engine.connect() as conn:
        rows = conn.execute(
            sa.text("select channel, channel_partner from applications order by received_at, id")
        )
        return [tuple(r) for r in rows]


@pytest.mark.parametrize(
    ("channel", "stored"),
    [
        ({}, ("api", None)),  # absent: the API itself
        ({"source": None}, ("api", None)),
        ({"source": "app", "device_id": "d-1"}, ("app", None)),
        ({"source": " web "}, ("web", None)),
        ({"source": "partner"}, ("partner", None)),
        ({"source": "partner", "partner": "ant-01"}, ("partner", "ant-01")),
        ({"source": "partner", "partner": "  "}, ("partner", None)),
    ],
)
def test_a_known_channel_is_stored(
    client: TestClient, context: Context, channel: dict[str, Any], stored: tuple[Any, ...]
) -> None:
    created = client.post("/v1/applications", json=body(channel=channel))
    assert created.status_code == 201, created.text
    assert _stored(context) == [stored]
    shown = client.get(f"/v1/applications/{created.json()['application_id']}").json()
    assert (shown["channel"], shown["channel_partner"]) == stored


@pytest.mark.parametrize(
    ("channel", "loc", "message"),
    [
        ({"source": "tv"}, "source", "'tv' is not allowed; must be one of 'api', 'app'"),
        ({"source": "APP"}, "source", "'APP' is not allowed"),
        ({"source": ""}, "source", "'' is not allowed"),
        ({"source": 3}, "source", "Input should be a valid string"),
        ({"source": "web", "partner": "ant-01"}, "partner", "only with source 'partner'"),
        ({"partner": "ant-01"}, "partner", "only with source 'partner', not 'api'"),
        ({"source": "partner", "partner": "ant 01"}, "partner", "not a partner code"),
        ({"source": "partner", "partner": "x" * 41}, "partner", "not a partner code"),
        ({"source": "partner", "partner": "-ant"}, "partner", "not a partner code"),
        ({"sauce": "app"}, "sauce", "Extra inputs are not permitted"),
    ],
)
def test_the_api_refuses_a_bad_channel(
    client: TestClient, context: Context, channel: dict[str, Any], loc: str, message: str
) -> None:
    refused = client.post("/v1/applications", json=body(channel=channel))
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    (error,) = refused.json()["errors"]
    assert error["loc"] == ["body", "channel", loc]
    assert message in error["msg"]
    if message.endswith("is not allowed") or "must be one of" in message:
        assert (error["type"], error["allowed"]) == ("enum", ALLOWED)
    assert _stored(context) == []


def test_an_unknown_channel_and_a_partner_code_are_both_reported(client: TestClient) -> None:
    refused = client.post("/v1/applications", json=body(channel={"source": "tv", "partner": "a b"}))
    assert refused.status_code == 422
    assert [e["loc"] for e in refused.json()["errors"]] == [
        ["body", "channel", "source"],
        ["body", "channel", "partner"],
    ]


def test_the_openapi_schema_lists_the_channels(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    source = schema["components"]["schemas"]["ChannelIn"]["properties"]["source"]
    assert source["enum"] == ALLOWED and source["default"] == "api"


def test_apply_refuses_an_unknown_channel_with_exit_2(
    context: Context,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    staff_login: Callable[[str], None],
) -> None:
    staff_login("fks_all")  # staff in the app's place name the channel themselves
    monkeypatch.setenv("FENGKONG_HOME", str(context.settings.home))
    monkeypatch.setenv("FENGKONG_DATABASE_URL", context.settings.resolved_database_url)
    monkeypatch.setenv("FENGKONG_CONFIG", str(context.settings.home / "absent.toml"))
    application = tmp_path / "tv.json"
    application.write_text(json.dumps(body(channel={"source": "tv"})))
    text = runner.invoke(app, ["apply", str(application)])
    assert text.exit_code == 2 and text.stdout == ""
    assert "channel.source" in text.stderr and "'mini_program', 'partner', 'web'" in text.stderr
    as_json = runner.invoke(app, ["apply", str(application), "--json"])
    assert as_json.exit_code == 2
    (error,) = json.loads(as_json.stdout)["errors"]
    assert error["loc"] == ["channel", "source"] and error["allowed"] == ALLOWED
    assert _stored(context) == []

    application.write_text(json.dumps(body(channel={"source": "branch"})))
    decided = runner.invoke(app, ["apply", str(application), "--json"])
    assert decided.exit_code == 0, decided.output
    assert _stored(context) == [("branch", None)]


def test_apply_with_a_channel_key_comes_through_its_channel(
    context: Context,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    staff_login: Callable[[str], None],
) -> None:
    """`FENGKONG_API_KEY` of a channel key (here the `app` channel's): its applications come
    through its channel, as over the API; naming another is refused, nothing stored."""
    monkeypatch.setenv("FENGKONG_HOME", str(context.settings.home))
    monkeypatch.setenv("FENGKONG_DATABASE_URL", context.settings.resolved_database_url)
    monkeypatch.setenv("FENGKONG_CONFIG", str(context.settings.home / "absent.toml"))
    staff_login("fks_channel")
    application = tmp_path / "web.json"
    application.write_text(json.dumps(body(channel={"source": "web"})))
    refused = runner.invoke(app, ["apply", str(application), "--json"])
    assert refused.exit_code == 1 and json.loads(refused.stdout)["code"] == "forbidden"
    assert _stored(context) == []

    application.write_text(json.dumps(body()))  # no channel named: the key's
    decided = runner.invoke(app, ["apply", str(application), "--json"])
    assert decided.exit_code == 0, decided.output
    assert _stored(context) == [("app", None)]
