"""`fengkong sources list | import | purge` and `GET /v1/applications/{id}/sources`, `POST
/v1/applications/{id}/sources/{kind}`: an officer imports an applicant's exported file once the
consent is recorded; readers list what was fetched (never a payload); refusals are problem+json
and CLI exit codes (no consent 409 / 1, a bad file or kind 422 / 2, an unknown application 404)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from fakes.api import acting_as, api_client
from fakes.sources import TOY_HANDLER, TOY_KIND, give_consent
from fengkong.bootstrap import Context
from fengkong.cli import app
from fengkong.core.actor import Role
from fengkong.core.clock import FakeClock
from fengkong.core.ids import new_id
from fengkong.core.money import Fen
from fengkong.db.source_tables import source_answers
from fengkong.onboarding.application import StoredApplication
from fengkong.onboarding.consent import Purpose
from fengkong.sources import catalogue

runner = CliRunner()
ID_NUMBER = "110105199003071239"


@pytest.fixture(autouse=True)
def toy_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(catalogue._HANDLERS, TOY_KIND, TOY_HANDLER)


def _application(ctx: Context, clock: FakeClock) -> tuple[str, str]:
    vault = ctx.vault
    application_id = new_id("app", clock)
    bidx = vault.blind_index("id_number", ID_NUMBER)
    with ctx.uow() as uow:
        uow.applications.add(
            StoredApplication(
                id=application_id,
                received_at=clock.now(),
                product="cash_loan",
                amount=Fen(1_000_000),
                term_months=12,
                purpose="test",
                monthly_income=Fen(1_000_000),
                name_enc=vault.encrypt("name", "张三"),
                id_number_enc=vault.encrypt("id_number", ID_NUMBER),
                id_number_bidx=bidx,
                phone_enc=vault.encrypt("phone", "13800138000"),
                phone_bidx=vault.blind_index("phone", "13800138000"),
            )
        )
        uow.commit()
    return application_id, bidx


def _file(bidx: str, payments: list[object]) -> bytes:
    return json.dumps({"subject": bidx, "payments_fen": payments}).encode()


def test_the_endpoints(context: Context, clock: FakeClock) -> None:
    client = api_client(context)
    officer = acting_as(context, "olivia", Role.OFFICER)
    auditor = acting_as(context, "audrey", Role.AUDITOR)
    application_id, bidx = _application(context, clock)
    url = f"/v1/applications/{application_id}/sources"
    good = {"file": ("tax.json", _file(bidx, [100, 250]), "application/json")}

    assert client.get("/v1/applications/app_nope/sources", headers=auditor).status_code == 404
    refused = client.post(f"{url}/{TOY_KIND.value}", files=good, headers=officer)
    assert refused.status_code == 409 and "data_sources" in refused.json()["detail"]
    assert refused.headers["content-type"].startswith("application/problem+json")

    give_consent(context.uow(), bidx, Purpose.DATA_SOURCES, clock, clock.now())
    bad = client.post(
        f"{url}/{TOY_KIND.value}",
        files={"file": ("tax.json", _file("0" * 64, [1]), "application/json")},
        headers=officer,
    )
    assert bad.status_code == 422 and bad.headers["content-type"].startswith(
        "application/problem+json"
    )
    unknown = client.post(f"{url}/weather", files=good, headers=officer)
    assert unknown.status_code == 422
    assert TOY_KIND.value in unknown.json()["errors"][0]["allowed"]
    no_reader = client.post(f"{url}/{'liveness'}", files=good, headers=officer)
    assert no_reader.status_code == 422
    readable = no_reader.json()["errors"][0]["allowed"]
    assert TOY_KIND.value in readable and "liveness" not in readable
    assert client.post(f"{url}/{TOY_KIND.value}", files=good, headers=auditor).status_code == 403

    made = client.post(f"{url}/{TOY_KIND.value}", files=good, headers=officer)
    assert made.status_code == 201, made.text
    doc = made.json()
    assert doc["provider"] == "file:tax.json" and doc["status"] == "ok" and doc["cost_fen"] == 0

    listed = client.get(url, headers=auditor)
    assert listed.status_code == 200
    [entry] = listed.json()["sources"]
    assert entry["id"] == doc["id"] and entry["kind"] == TOY_KIND.value
    assert "payload" not in listed.text and bidx not in listed.text and "250" not in listed.text
    assert client.get(url, headers=acting_as(context, "x", Role.CHANNEL)).status_code == 403


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout


def test_the_commands(
    context: Context,
    clock: FakeClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    staff_login: Callable[[str], None],
) -> None:
    monkeypatch.setenv("FENGKONG_HOME", str(context.settings.home))
    monkeypatch.setenv("FENGKONG_DATABASE_URL", context.settings.resolved_database_url)
    monkeypatch.setenv("FENGKONG_CONFIG", str(tmp_path / "absent.toml"))
    application_id, bidx = _application(context, clock)
    good, bad = tmp_path / "tax.json", tmp_path / "other.json"
    good.write_bytes(_file(bidx, [300]))
    bad.write_bytes(b"{not json")

    staff_login("fks_officer")
    code, out = _run(
        "sources", "import", TOY_KIND.value, str(good), "--application", application_id, "--json"
    )
    assert code == 1 and json.loads(out)["category"] == "conflict"  # no consent yet
    give_consent(context.uow(), bidx, Purpose.DATA_SOURCES, clock, clock.now())
    code, out = _run(
        "sources", "import", TOY_KIND.value, str(bad), "--application", application_id, "--json"
    )
    assert code == 2 and json.loads(out)["category"] == "invalid"
    code, out = _run(
        "sources", "import", TOY_KIND.value, str(good), "--application", application_id, "--json"
    )
    assert code == 0, out
    imported = json.loads(out)
    assert imported["provider"] == "file:tax.json"

    staff_login("fks_auditor")
    code, out = _run("sources", "list", "--application", application_id, "--json")
    assert code == 0 and [s["id"] for s in json.loads(out)["sources"]] == [imported["id"]]
    code, out = _run("sources", "list", "--application", application_id)
    assert code == 0 and imported["id"] in out and "file:tax.json" in out
    code, out = _run("sources", "purge", "--json")
    assert code == 1 and "operations.run" in out

    # the answer's retention ends; the admin's purge drops its payload and keeps its record
    with context.db.engine.begin() as conn:
        conn.execute(source_answers.update().values(retain_until=clock.now() - timedelta(days=1)))
    staff_login("fks_admin")
    code, out = _run("sources", "purge", "--dry-run", "--json")
    assert code == 0 and json.loads(out)["by_kind"] == {TOY_KIND.value: 1}
    code, out = _run("sources", "purge", "--json")
    assert code == 0 and json.loads(out)["purged"] == 1
    code, out = _run("sources", "purge")
    assert code == 0 and "nothing past retention" in out
    with context.db.engine.connect() as conn:
        row = conn.execute(sa.select(source_answers)).one()._mapping
    assert row["source_payload_enc"] is None and row["sha256"] == imported["sha256"]
    staff_login("fks_auditor")
    code, out = _run("sources", "list", "--application", application_id, "--json")
    assert json.loads(out)["sources"][0]["status"] == "purged"


def test_an_upload_may_be_larger_than_a_body(context: Context, clock: FakeClock) -> None:
    context.settings = context.settings.model_copy(
        update={"api_max_body_bytes": 1024, "api_max_upload_bytes": 64 * 1024}
    )
    client = api_client(context)
    officer = acting_as(context, "olivia", Role.OFFICER)
    application_id, bidx = _application(context, clock)
    give_consent(context.uow(), bidx, Purpose.DATA_SOURCES, clock, clock.now())
    big = _file(bidx, list(range(1000)))
    assert 1024 < len(big) < 64 * 1024
    made = client.post(
        f"/v1/applications/{application_id}/sources/{TOY_KIND.value}",
        files={"file": ("big.json", big, "application/json")},
        headers=officer,
    )
    assert made.status_code == 201, made.text
    too_big = client.post(
        f"/v1/applications/{application_id}/sources/{TOY_KIND.value}",
        files={"file": ("huge.json", _file(bidx, list(range(20000))), "application/json")},
        headers=officer,
    )
    assert too_big.status_code == 413
