"""`fengkong sources fetch` and `POST /v1/applications/{id}/sources/{kind}/fetch` against the
simulated provider over HTTP, configured as a deployment is (`sources` in the settings): consent
first, one paid call per subject and date, a provider that is down recorded and answered 503."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from fakes.api import acting_as, api_client
from fakes.sources import TOY_HANDLER, TOY_KIND, give_consent
from fengkong.bootstrap import Context
from fengkong.cli import app
from fengkong.core.actor import Role
from fengkong.core.clock import FakeClock
from fengkong.core.settings import SourceSettings
from fengkong.onboarding.consent import Purpose
from fengkong.sim.providers import serving
from fengkong.sources import catalogue
from fengkong.sources.kinds import SourceKind
from sources.test_sources_command_and_endpoint import _application

runner = CliRunner()


@pytest.fixture(autouse=True)
def toy_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(catalogue._HANDLERS, TOY_KIND, TOY_HANDLER)


class Provider:
    def __init__(self, bidx: str) -> None:
        self.bidx = bidx
        self.calls = 0

    def __call__(
        self, kind: SourceKind, subject: Mapping[str, str], as_of: date, params: Mapping[str, Any]
    ) -> tuple[Mapping[str, Any], int]:
        assert subject["id_number"] == "110105199003071239" and subject["name"] == "张三"
        self.calls += 1
        return {"subject": self.bidx, "payments_fen": [as_of.day]}, 120


def _settings(url: str) -> dict[str, SourceSettings]:
    # a provider name of its own: circuit breakers are per provider, for the process
    return {
        TOY_KIND.value: SourceSettings(
            url=url, token="tkn", provider=f"sim-{uuid.uuid4().hex[:8]}", retries=1, timeout=2
        )
    }


def test_the_endpoint(context: Context, clock: FakeClock) -> None:
    application_id, bidx = _application(context, clock)
    provider = Provider(bidx)
    officer = acting_as(context, "olivia", Role.OFFICER)
    with serving(provider, latency_ms=2, token="tkn") as url:
        context.settings = context.settings.model_copy(update={"sources": _settings(url)})
        client = api_client(context)
        path = f"/v1/applications/{application_id}/sources/{TOY_KIND.value}/fetch"
        assert client.post(path, headers=officer).status_code == 409
        give_consent(context.uow(), bidx, Purpose.DATA_SOURCES, clock, clock.now())
        first = client.post(path, headers=officer)
        second = client.post(path, headers=officer)
        assert first.status_code == second.status_code == 200, first.text
        assert not first.json()["cached"] and second.json()["cached"]
        assert first.json()["id"] == second.json()["id"] and first.json()["cost_fen"] == 120
        assert provider.calls == 1
        bureau = client.post(
            f"/v1/applications/{application_id}/sources/credit_bureau/fetch", headers=officer
        )
        assert bureau.status_code == 409  # no bureau consent: refused before the provider
        give_consent(context.uow(), bidx, Purpose.CREDIT_BUREAU, clock, clock.now())
        bureau = client.post(
            f"/v1/applications/{application_id}/sources/credit_bureau/fetch", headers=officer
        )
        assert bureau.status_code == 503 and "no provider" in bureau.json()["detail"]
        auditor = acting_as(context, "audrey", Role.AUDITOR)
        assert client.post(path, headers=auditor).status_code == 403


def test_the_command(
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
    give_consent(context.uow(), bidx, Purpose.DATA_SOURCES, clock, clock.now())
    provider = Provider(bidx)
    staff_login("fks_officer")
    args = ["sources", "fetch", TOY_KIND.value, "--application", application_id, "--json"]
    with serving(provider, latency_ms=2, token="tkn") as url:
        doc = {k: v.model_dump(mode="json") for k, v in _settings(url).items()}
        doc[TOY_KIND.value]["token"] = "tkn"
        monkeypatch.setenv("FENGKONG_SOURCES", json.dumps(doc))
        first = runner.invoke(app, args)
        second = runner.invoke(app, [*args[:-1], "--as-of", "2026-03-01", "--json"])
    assert first.exit_code == 0, first.stdout
    assert second.exit_code == 0, second.stdout
    assert json.loads(first.stdout)["as_of"] != json.loads(second.stdout)["as_of"]
    assert provider.calls == 2  # two business dates, two calls

    # the provider is gone: the call fails, is recorded, and the command says so
    down = runner.invoke(app, [*args[:-1], "--as-of", "2026-02-01", "--json"])
    assert down.exit_code == 1 and json.loads(down.stdout)["category"] == "unavailable"
    bad = runner.invoke(app, [*args[:-1], "--as-of", "yesterday", "--json"])
    assert bad.exit_code == 2
    staff_login("fks_auditor")
    listed = runner.invoke(app, ["sources", "list", "--application", application_id, "--json"])
    statuses = [s["status"] for s in json.loads(listed.stdout)["sources"]]
    assert statuses == ["ok", "ok", "failed"]
