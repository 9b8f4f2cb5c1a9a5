"""A value outside an enumerated field's allowed set (housing "castle") is refused with the
allowed values named, the same way at every boundary: the API (422 problem+json), `fengkong
apply` (exit 2) and batch scoring (the row in the error report, the rest of the file scored)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from factories import VALID_BODY, body
from fakes.api import api_client
from fengkong.api.schemas import ApplicationIn, ProfileIn
from fengkong.bootstrap import Context
from fengkong.cli import app
from fengkong.features.application import NUMERIC_PROFILE_FIELDS, PROFILE_FIELDS
from fengkong.features.codebook import ALLOWED_VALUES, PROFILE_CODED_FIELDS, allowed

runner = CliRunner()
HOUSING = ["for free", "own", "rent"]


def castle() -> dict[str, object]:
    return body(profile={**VALID_BODY["profile"], "housing": "castle"})


@pytest.fixture
def client(context: Context) -> Iterator[TestClient]:
    with api_client(context) as c:
        yield c


@pytest.fixture
def cli_env(
    context: Context, monkeypatch: pytest.MonkeyPatch, staff_login: Callable[[str], None]
) -> Context:
    staff_login("fks_all")
    monkeypatch.setenv("FENGKONG_HOME", str(context.settings.home))
    monkeypatch.setenv("FENGKONG_DATABASE_URL", context.settings.resolved_database_url)
    monkeypatch.setenv("FENGKONG_CONFIG", str(context.settings.home / "absent.toml"))
    return context


def _stored(context: Context) -> int:
    with context.db.engine.connect() as conn:
        return int(conn.execute(sa.text("select count(*) from applications")).scalar_one())


def test_one_definition_covers_every_enumerated_field() -> None:
    texts = set(PROFILE_FIELDS) - NUMERIC_PROFILE_FIELDS
    assert set(PROFILE_CODED_FIELDS) == texts <= set(ProfileIn.model_fields)
    assert set(ALLOWED_VALUES) == texts | {"purpose"}
    assert allowed("housing") == tuple(HOUSING)


def test_the_api_refuses_castle_naming_the_allowed_values(
    client: TestClient, context: Context
) -> None:
    before = _stored(context)
    refused = client.post("/v1/applications", json=castle())
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    (error,) = refused.json()["errors"]
    assert error["loc"] == ["body", "profile", "housing"]
    assert error["allowed"] == HOUSING and error["type"] == "enum"
    assert all(repr(v) in error["msg"] for v in HOUSING) and "'castle'" in error["msg"]
    assert "'for free', 'own', 'rent'" in refused.json()["detail"]
    yacht = client.post("/v1/applications", json=body(purpose="yacht"))
    assert yacht.status_code == 422 and yacht.json()["errors"][0]["loc"] == ["body", "purpose"]
    assert _stored(context) == before
    assert client.post("/v1/applications", json=body()).status_code == 201


def test_apply_refuses_castle_with_exit_2(cli_env: Context, tmp_path: Path) -> None:
    before = _stored(cli_env)
    application = tmp_path / "castle.json"
    application.write_text(json.dumps(castle()))
    text = runner.invoke(app, ["apply", str(application)])
    assert text.exit_code == 2 and text.stdout == ""
    assert "profile.housing" in text.stderr and "'for free', 'own', 'rent'" in text.stderr
    as_json = runner.invoke(app, ["apply", str(application), "--json"])
    assert as_json.exit_code == 2
    doc = json.loads(as_json.stdout)
    assert (doc["code"], doc["category"]) == ("invalid", "invalid")
    (error,) = doc["errors"]
    assert error["loc"] == ["profile", "housing"] and error["allowed"] == HOUSING
    assert _stored(cli_env) == before


def test_score_reports_the_bad_row_and_scores_the_rest(
    cli_env: Context, german: pd.DataFrame, tmp_path: Path
) -> None:
    rows = german.drop(columns="creditability").head(30).copy()
    rows.loc[4, "housing"] = "castle"  # data row 5
    data = tmp_path / "in.csv"
    rows.to_csv(data, index=False)
    out = tmp_path / "scored.csv"
    result = runner.invoke(
        app,
        ["score", "--model", "application-v1", "--data", str(data), "--out", str(out), "--json"],
    )
    assert result.exit_code == 2, result.output
    doc = json.loads(result.stdout)
    assert (doc["code"], doc["rows"], doc["rejected"]) == ("rows_rejected", 29, 1)
    assert (doc["kind"], doc["category"]) == ("scorecard", "invalid")  # the model's kind kept
    assert doc["errors"][0]["loc"] == ["data", 5, "housing"]
    assert doc["errors"][0]["allowed"] == HOUSING
    report = pd.read_csv(doc["errors_file"])
    assert report[["row", "column", "value"]].values.tolist() == [[5, "housing", "castle"]]
    assert "'for free', 'own', 'rent'" in report["message"][0]
    scored = pd.read_csv(out)
    assert len(scored) == 29 and "castle" not in set(scored["housing"])

    clean = tmp_path / "clean.csv"
    rows.drop(index=4).to_csv(clean, index=False)
    ok = runner.invoke(
        app,
        ["score", "--model", "application-v1", "--data", str(clean), "--out", str(out), "--json"],
    )
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout)["rejected"] == 0 and "code" not in json.loads(ok.stdout)


def test_the_schema_accepts_every_allowed_value() -> None:
    for field in PROFILE_CODED_FIELDS:
        for value in allowed(field):
            ProfileIn.model_validate({field: value})
    for value in allowed("purpose"):
        ApplicationIn.model_validate(body(purpose=value))


def test_openapi_lists_the_allowed_values(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    assert schemas["ProfileIn"]["properties"]["housing"]["enum"] == [*HOUSING, None]
    assert schemas["ApplicationIn"]["properties"]["purpose"]["enum"] == list(allowed("purpose"))
