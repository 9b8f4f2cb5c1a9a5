"""A simulated applicant decided under retail-bureau-v1 through the API and the CLI, with the
bureau and statements served by the simulated provider over HTTP (`sim.providers.serving`,
answering from the `sim.sources_*` tables): the decision cites the answers it used and the
features they gave, `GET /v1/applications/{id}/sources` lists them, and replay reproduces it
from the recordings with the provider stopped. A provider that times out, a report about another
person, and an application without the bureau consent each refer, naming the bureau and why."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from factories import body, make_champion
from fakes.access import FakeAuthenticator
from fakes.api import acting_as, api_client
from fakes.documents import serving_sources, sources_environment
from fengkong.bootstrap import Context, bootstrap
from fengkong.cli import app
from fengkong.core.actor import Role
from fengkong.core.clock import FakeClock
from fengkong.core.settings import Settings
from fengkong.decision.bundle import read_shipped_bundle
from fengkong.decision.replay import Replayer
from fengkong.scoring.train import TrainedScorecard
from fengkong.sim.model import Applicant
from fengkong.sim.population import Population
from fengkong.sim.providers import serving
from fengkong.sim.scenarios import BASELINE
from fengkong.sim.sources_business import ANSWERS
from fengkong.sim.sources_statements import STATEMENT_COST, statement_payload
from fengkong.sources.connector import Answer, SourceRequest
from fengkong.sources.kinds import SourceKind
from fengkong.sources.retention import purge_expired
from fengkong.sources.services import SourceServices

runner = CliRunner()
BUREAU_CONSENT = {"purpose": "credit_bureau", "scope": "PBOC report", "text_version": "cb-1"}
DATA_CONSENT = {"purpose": "data_sources", "scope": "bank statements", "text_version": "ds-1"}
KINDS = ("credit_bureau", "bank_statement")


class Provider:
    """The simulated bureau and statement aggregator, answering from the synthetic population;
    `mode` makes it answer about someone else, or too slowly."""

    def __init__(self, people: tuple[Applicant, ...]) -> None:
        self.people = {p.identity.id_number: p for p in people}
        self.mode = "ok"
        self.calls: list[str] = []

    def __call__(
        self, kind: SourceKind, subject: Mapping[str, str], as_of: date, params: Mapping[str, Any]
    ) -> tuple[Mapping[str, Any], int]:
        self.calls.append(str(kind))
        person = self.people.get(subject.get("id_number", ""))
        if person is None:
            raise LookupError("no such person")
        if self.mode == "slow":
            time.sleep(1.5)
        if self.mode == "other":
            person = next(p for p in self.people.values() if p is not person)
        if SourceKind(kind) is SourceKind.BANK_STATEMENT:
            return statement_payload(person, as_of, seed=1), int(STATEMENT_COST)
        answer, cost = ANSWERS[SourceKind(kind)]
        return answer(person, as_of, random.Random(f"1:{person.key}:{kind}")), int(cost)


def _people(day: date) -> tuple[Applicant, ...]:
    arrivals = Population(11, BASELINE, day).arrivals(0, 60)
    return tuple(a for a in arrivals if not a.is_fraud)[:8]


def _body(person: Applicant, *consents: dict[str, str], amount: str = "30000.00") -> dict[str, Any]:
    who = person.identity
    made: dict[str, Any] = body(
        applicant={"name": who.name, "id_number": who.id_number, "phone": who.phone},
        amount=amount,
        consents=list(consents),
    )
    return made


@pytest.fixture
def ctx(settings: Settings, clock: FakeClock, trained: TrainedScorecard) -> Iterator[Context]:
    context = bootstrap(settings, clock=clock, policy=read_shipped_bundle("retail-bureau-v1.yaml"))
    context.authenticator = FakeAuthenticator()
    with context.uow() as uow:
        make_champion(uow, context.artifacts_dir, trained, clock)
        uow.commit()
    yield context
    context.close()


class Refusing:
    provider = "nobody"

    def fetch(self, request: SourceRequest) -> Answer:
        raise AssertionError(f"replay called a provider for {request.kind}")


def _replay(ctx: Context, decision_id: str) -> Any:
    offline = SourceServices(ctx.uow, ctx.clock, ctx.sources.recording, lambda kind: Refusing())
    with ctx.uow() as uow:
        record = uow.decisions.get(decision_id)
        assert record is not None
        return Replayer(uow, ctx.artifacts_dir, offline).replay(record)


def _source(decision: Mapping[str, Any], kind: str) -> dict[str, Any]:
    found: dict[str, Any] = next(s for s in decision["sources"] if s["kind"] == kind)
    return found


def test_through_the_api(ctx: Context, clock: FakeClock) -> None:
    people = _people(clock.business_date())
    provider = Provider(people)
    auditor = acting_as(ctx, "audrey", Role.AUDITOR)
    with serving_sources(ctx, provider, KINDS):
        client = api_client(ctx)
        made = client.post("/v1/applications", json=_body(people[0], BUREAU_CONSENT, DATA_CONSENT))
        assert made.status_code == 201, made.text
        decision = made.json()
        bureau = _source(decision, "credit_bureau")
        assert bureau["status"] == "ok" and bureau["required"] is True, bureau
        assert "bureau.worst_dpd_24m" in bureau["gave"] and len(bureau["sha256"]) == 64
        statements = _source(decision, "bank_statement")
        assert statements["status"] == "ok" and "statement.salary_detected" in statements["gave"]
        assert sorted(provider.calls) == ["bank_statement", "credit_bureau"]

        # a small loan: the statements are not asked for (nor paid)
        small = client.post(
            "/v1/applications",
            json=_body(people[1], BUREAU_CONSENT, DATA_CONSENT, amount="5000.00"),
        ).json()
        assert _source(small, "bank_statement")["status"] == "not_asked"
        assert provider.calls.count("bank_statement") == 1

        # a report about another person: refused by its reader, and the decision refers
        provider.mode = "other"
        other = client.post("/v1/applications", json=_body(people[2], BUREAU_CONSENT)).json()
        assert other["outcome"] == "refer", other
        [named] = [r for r in other["reasons"] if r["code"] == "SRC_CREDIT_BUREAU_INVALID"]
        assert "非本人报告" in named["text_zh"] and "credit report" in named["text_en"]

        # no bureau consent: the provider is not called; the decision refers, naming why
        provider.mode = "ok"
        calls = len(provider.calls)
        bare = client.post("/v1/applications", json=_body(people[3])).json()
        assert bare["outcome"] == "refer"
        assert "SRC_CREDIT_BUREAU_NO_CONSENT" in [r["code"] for r in bare["reasons"]]
        assert len(provider.calls) == calls

        # too slow: the client gives up, the call is recorded as failed, the decision refers
        provider.mode = "slow"
        slow = client.post("/v1/applications", json=_body(people[4], BUREAU_CONSENT)).json()
        assert slow["outcome"] == "refer"
        [late] = [r for r in slow["reasons"] if r["code"] == "SRC_CREDIT_BUREAU_UNAVAILABLE"]
        assert late["text_zh"] == "征信报告暂时无法获取（超时），转人工审核"
        assert "approve" not in (other["outcome"], bare["outcome"], slow["outcome"])

        listed = client.get(
            f"/v1/applications/{decision['application_id']}/sources", headers=auditor
        )
        assert listed.status_code == 200
        ids = {s["id"] for s in listed.json()["sources"]}
        assert ids == {bureau["answer_id"], statements["answer_id"]}
        failed = client.get(f"/v1/applications/{slow['application_id']}/sources", headers=auditor)
        assert [s["status"] for s in failed.json()["sources"]] == ["failed"]

    # the provider is gone: replay reads the recordings
    for made_one in (decision, small, other, bare, slow):
        result = _replay(ctx, made_one["decision_id"])
        assert result.matches, result.differences
    # past retention the payloads are purged: replay says so, and still replays the facts
    later = FakeClock(clock.now() + timedelta(days=400))
    purge_expired(ctx.uow, later)
    purged = _replay(ctx, decision["decision_id"])
    assert purged.matches and any("purged by retention" in n for n in purged.notes)


def test_a_recomputed_feature_that_differs_is_reported(ctx: Context, clock: FakeClock) -> None:
    people = _people(clock.business_date())
    with serving_sources(ctx, Provider(people), KINDS):
        client: TestClient = api_client(ctx)
        made = client.post("/v1/applications", json=_body(people[5], BUREAU_CONSENT)).json()
    with ctx.uow() as uow:
        record = uow.decisions.get(made["decision_id"])
        assert record is not None
        facts = dict(record.facts)
        facts["bureau.open_lenders"] = {"decimal": "77"}
        tampered = replace(record, facts=facts)
        offline = SourceServices(ctx.uow, ctx.clock, ctx.sources.recording, lambda k: Refusing())
        result = Replayer(uow, ctx.artifacts_dir, offline).replay(tampered)
    assert any("bureau.open_lenders" in d for d in result.differences)


def test_through_the_cli(
    ctx: Context,
    clock: FakeClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    staff_login: Callable[[str], None],
) -> None:
    monkeypatch.setenv("FENGKONG_HOME", str(ctx.settings.home))
    monkeypatch.setenv("FENGKONG_DATABASE_URL", ctx.settings.resolved_database_url)
    monkeypatch.setenv("FENGKONG_CONFIG", str(tmp_path / "absent.toml"))
    shipped = Path(__file__).parents[2] / "src/fengkong/decision/policies/retail-bureau-v1.yaml"
    monkeypatch.setenv("FENGKONG_POLICY_FILE", str(shipped))
    people = _people(date.today())  # the command's clock is the system's
    provider = Provider(people)
    application = tmp_path / "application.json"
    application.write_text(json.dumps(_body(people[6], BUREAU_CONSENT, DATA_CONSENT)))
    with serving(provider, latency_ms=2, token="tkn") as url:
        monkeypatch.setenv("FENGKONG_SOURCES", sources_environment(url, KINDS))
        staff_login("fks_channel")
        decided = runner.invoke(app, ["apply", str(application), "--json"])
        assert decided.exit_code == 0, decided.output
        shown = runner.invoke(app, ["apply", str(application)])  # answered from the record
        assert shown.exit_code == 0 and "source credit_bureau: ok answer src_" in shown.stdout
    decision = json.loads(decided.stdout)
    assert decision["policy_version"] == "retail-bureau-v1"
    assert _source(decision, "credit_bureau")["status"] == "ok"
    assert "credit_bureau" in provider.calls
    staff_login("fks_auditor")
    replayed = runner.invoke(app, ["decision", "replay", decision["decision_id"], "--json"])
    assert replayed.exit_code == 0, replayed.output
    assert json.loads(replayed.stdout)["matched"] == 1


def test_a_policy_without_sources_never_reaches_them(context: Context) -> None:
    def unreachable() -> SourceServices:
        raise AssertionError("a policy without `sources:` asked for external data")

    context.decisions = replace(context.decisions, sources=unreachable)
    made = api_client(context).post("/v1/applications", json=body())
    assert made.status_code == 201, made.text
    assert made.json()["sources"] == []
    with context.uow() as uow:
        stored = uow.decisions.get(made.json()["decision_id"])
    assert stored is not None and "sources" not in stored.inputs
    assert not any(t.get("stage") in ("source", "sources") for t in stored.trace)
