"""A simulated applicant decided under retail-bureau-v2 through the API and the CLI: the run's
simulated provider (`sim.population_sources.PopulationSources`, served over HTTP) answers the
bureau report and the statements, the consumer bureau scorecard trained on the simulated book
with its documents scores the application's features with the documents' on one record, the
decision cites the answers and its model's reasons name the bureau features in Chinese and
English, and replay rescores it from the recordings with the provider stopped (a stored record
that is not what the recorded answers give is found). Without the required report the model is
not run. The consumer champion is not scored ahead of the reads for a policy naming another
model."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from typer.testing import CliRunner

from factories import FRAUD_CHECK_CONSENT, body
from fakes.api import api_client
from fakes.documents import documents_context, serving_sources, sources_environment
from fengkong.bootstrap import Context
from fengkong.cli import app
from fengkong.core.clock import FakeClock
from fengkong.core.money import fen_to_yuan
from fengkong.core.settings import Settings
from fengkong.decision.bundle import ActivePolicy, read_shipped_bundle
from fengkong.decision.replay import Replayer
from fengkong.decision.routing import ChallengerConfig
from fengkong.decision.scoring_models import scored_with_last
from fengkong.features.bureau import BUREAU_FEATURES
from fengkong.features.business_inputs import LOAN_COLUMNS
from fengkong.scoring.lab_result import TrainingResult
from fengkong.scoring.reasons import is_model_reason
from fengkong.sim.bureau_model import BUREAU_MODEL, train_bureau_model
from fengkong.sim.model import Applicant
from fengkong.sim.population import Population
from fengkong.sim.population_sources import PopulationSources
from fengkong.sim.scenarios import BASELINE
from fengkong.sources.connector import Answer, SourceRequest
from fengkong.sources.services import SourceServices

runner = CliRunner()
SEED = 5
KINDS = ("credit_bureau", "bank_statement")
BUREAU_CONSENT = {"purpose": "credit_bureau", "scope": "PBOC report", "text_version": "cb-1"}
DATA_CONSENT = {"purpose": "data_sources", "scope": "bank statements", "text_version": "ds-1"}
POLICY = Path(__file__).parents[2] / "src/fengkong/decision/policies/retail-bureau-v2.yaml"
VERSION = f"{BUREAU_MODEL}-v1"


@pytest.fixture(scope="module")
def bureau_model() -> TrainingResult:
    """The consumer bureau scorecard on a small past book (once for the module)."""
    return train_bureau_model(SEED, rows=400, as_of=date(2026, 1, 1))


@pytest.fixture
def ctx(settings: Settings, clock: FakeClock, bureau_model: TrainingResult) -> Iterator[Context]:
    context = documents_context(
        settings, clock, "retail-bureau-v2.yaml", bureau_model, BUREAU_MODEL
    )
    yield context
    context.close()


class Counting(PopulationSources):
    """The run's provider, counting what it is asked."""

    def __init__(self, seed: int, people: tuple[Applicant, ...]) -> None:
        super().__init__(seed)
        self.calls: list[str] = []
        for person in people:
            self.know(person)

    def __call__(self, kind: Any, subject: Mapping[str, str], as_of: date, params: Any) -> Any:
        self.calls.append(str(kind))
        return super().__call__(kind, subject, as_of, params)


def _people(day: date) -> tuple[Applicant, ...]:
    arrivals = Population(11, BASELINE, day).arrivals(0, 80)
    return tuple(a for a in arrivals if not a.is_fraud)[:12]


def _body(person: Applicant, *consents: dict[str, str], amount: str = "8000.00") -> dict[str, Any]:
    """The person's own application: their name, ID and profile, as the simulated app sends it."""
    who = person.identity
    made: dict[str, Any] = body(
        applicant={"name": who.name, "id_number": who.id_number, "phone": who.phone},
        amount=amount,
        monthly_income=str(fen_to_yuan(person.monthly_income)),
        profile=dict(person.profile),
        consents=list(consents),
    )
    return made


class Refusing:
    provider = "nobody"

    def fetch(self, request: SourceRequest) -> Answer:
        raise AssertionError(f"replay called a provider for {request.kind}")


def _replayer(ctx: Context, uow: Any) -> Replayer:
    offline = SourceServices(ctx.uow, ctx.clock, ctx.sources.recording, lambda kind: Refusing())
    return Replayer(uow, ctx.artifacts_dir, offline)


def _source(decision: Mapping[str, Any], kind: str) -> dict[str, Any]:
    found: dict[str, Any] = next(s for s in decision["sources"] if s["kind"] == kind)
    return found


def test_through_the_api(ctx: Context, clock: FakeClock) -> None:
    people = _people(clock.business_date())
    provider = Counting(SEED, people)
    decided: list[dict[str, Any]] = []
    with serving_sources(ctx, provider, KINDS):
        client = api_client(ctx)
        for person in people[:10]:
            made = client.post("/v1/applications", json=_body(person, BUREAU_CONSENT, DATA_CONSENT))
            assert made.status_code == 201, made.text
            decided.append(made.json())
        # the statements are asked for every loan, a small one too: the model reads them
        assert sorted(provider.calls) == sorted(KINDS * 10)
        # without the bureau consent the report is not asked, the model not run: a referral
        bare = client.post("/v1/applications", json=_body(people[10], DATA_CONSENT)).json()
    assert bare["outcome"] == "refer" and bare["score"] is None and bare["model_version"] is None
    assert "SRC_CREDIT_BUREAU_NO_CONSENT" in [r["code"] for r in bare["reasons"]]

    for decision in decided:
        assert decision["policy_version"] == "retail-bureau-v2"
        assert decision["model_version"] == VERSION
        assert all(_source(decision, kind)["status"] == "ok" for kind in KINDS)
    assert len({d["score"] for d in decided}) > 3  # scored on each person's documents

    with ctx.uow() as uow:
        stored = [uow.decisions.get(d["decision_id"]) for d in decided]
    record = stored[0]
    assert record is not None
    # one record: the application's features, the loan's and the documents'
    assert {"age_in_years", "credit_amount", *LOAN_COLUMNS, *BUREAU_FEATURES.names} <= set(
        record.features
    )
    # the decision cites the answers whose features it scored
    assert {s["kind"] for s in record.inputs["sources"]} == set(KINDS)
    # the model's reasons: some name a bureau feature, labelled in both languages
    reasons = [r for d in stored if d is not None for r in d.reasons if is_model_reason(r.code)]
    bureau = [r for r in reasons if r.code.startswith("SC_BUREAU_")]
    assert bureau, [r.code for r in reasons]
    labels = {f.label_en: f.label_zh for f in BUREAU_FEATURES.features}
    for reason in bureau:
        en = reason.text_en.split(" (")[0]
        assert en in labels, reason
        assert reason.text_zh.startswith(labels[en] + "（") and "使评分降低" in reason.text_zh

    # the provider is gone: replay re-reads the answers and rescores the record
    with ctx.uow() as uow:
        replayer = _replayer(ctx, uow)
        for made_one in (*decided, bare):
            found = uow.decisions.get(made_one["decision_id"])
            assert found is not None
            result = replayer.replay(found)
            assert result.matches, result.differences
        # a scored record the recorded answers do not give, and the score it gives, are found
        clean = next(d for d in stored if d and d.features["bureau.worst_dpd_24m"] == 0.0)
        features = {**clean.features, "bureau.worst_dpd_24m": 180.0, "bureau.enquiries_3m": 9.0}
        tampered = replayer.replay(replace(clean, features=features))
    assert any(
        d.startswith("bureau.worst_dpd_24m 0.0 recomputed from answer src_")
        and d.endswith("!= scored 180.0")
        for d in tampered.differences
    ), tampered.differences
    assert any(d.startswith("score ") for d in tampered.differences), tampered.differences


def test_the_consumer_champion_is_not_scored_ahead_for_another_model() -> None:
    class Unscorable:
        """A consumer champion's cache that must not be asked."""

        name = "application"

        def get(self, live: object) -> object:
            raise AssertionError("the consumer champion was scored ahead of the reads")

    def last(policy_file: str) -> Any:
        active = ActivePolicy.of(read_shipped_bundle(policy_file))
        return SimpleNamespace(last=SimpleNamespace(policy=active))

    champion: Any = Unscorable()
    features: dict[str, object] = {}
    plain = ChallengerConfig()
    assert (
        scored_with_last("app_1", features, last("retail-bureau-v2.yaml"), champion, plain) is None
    )
    # a policy the consumer champion scores is still scored ahead: its cache is asked
    with pytest.raises(AssertionError, match="scored ahead"):
        scored_with_last("app_2", features, last("retail-bureau-v1.yaml"), champion, plain)


def test_through_the_cli(
    ctx: Context,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    staff_login: Callable[[str], None],
) -> None:
    monkeypatch.setenv("FENGKONG_HOME", str(ctx.settings.home))
    monkeypatch.setenv("FENGKONG_DATABASE_URL", ctx.settings.resolved_database_url)
    monkeypatch.setenv("FENGKONG_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("FENGKONG_POLICY_FILE", str(POLICY))
    people = _people(date.today())  # the command's clock is the system's
    provider = Counting(SEED, people)
    application = tmp_path / "application.json"
    application.write_text(json.dumps(_body(people[0], BUREAU_CONSENT, DATA_CONSENT)))
    with serving_sources(ctx, provider, KINDS) as url:
        monkeypatch.setenv("FENGKONG_SOURCES", sources_environment(url, KINDS))
        staff_login("fks_channel")
        decided = runner.invoke(app, ["apply", str(application), "--json"])
        assert decided.exit_code == 0, decided.output
    decision = json.loads(decided.stdout)
    assert decision["policy_version"] == "retail-bureau-v2"
    assert decision["model_version"] == VERSION
    assert sorted(provider.calls) == sorted(KINDS)
    staff_login("fks_auditor")
    replayed = runner.invoke(app, ["decision", "replay", decision["decision_id"], "--json"])
    assert replayed.exit_code == 0, replayed.output
    assert json.loads(replayed.stdout)["matched"] == 1


def test_a_large_first_loan_is_checked_then_fetched_scored_and_cited(
    ctx: Context, clock: FakeClock
) -> None:
    """Issue 25's whole path for one applicant: the documents are fetched (a knockout of the
    bureau report declines at once), the policy asks the bank card four-factor check of a large
    first loan (under the applicant's identity-check consent), the check is made through the
    API, and the completed decision is scored by the bureau model on the documents fetched
    before the check (not fetched again), cites both answers and the check, and replays."""
    people = _people(clock.business_date())
    provider = Counting(SEED, people)
    with serving_sources(ctx, provider, KINDS):
        client = api_client(ctx)
        first: dict[str, Any] = {}
        for person in people:
            made = _body(
                person, BUREAU_CONSENT, DATA_CONSENT, FRAUD_CHECK_CONSENT, amount="45000.00"
            )
            made["applicant"]["bank_card"] = person.identity.bank_card
            provider.calls.clear()
            waiting = client.post("/v1/applications", json=made)
            assert waiting.status_code == 201, waiting.text
            first = waiting.json()
            if first["outcome"] == "verify":
                break
        assert first["outcome"] == "verify", "no applicant's large first loan was checked"
        assert sorted(provider.calls) == sorted(KINDS)  # fetched before the check
        app_id = first["application_id"]
        url = f"/v1/applications/{app_id}/verifications/bank_card_four_factor"
        checked = client.post(url, json={})
        assert checked.status_code == 200, checked.text
        doc = checked.json()
    assert doc["result"] == "passed" and doc["completed"], doc
    decision = doc["decision"]
    assert decision["outcome"] != "verify"
    assert decision["model_version"] == VERSION and decision["score"] is not None
    assert sorted(provider.calls) == sorted(KINDS)  # the recorded answers served the second pass
    with ctx.uow() as uow:
        stored = uow.decisions.get(decision["decision_id"])
        assert stored is not None
        assert {s["kind"] for s in stored.inputs["sources"]} == set(KINDS)
        assert {"bureau.worst_dpd_24m", "statement.min_balance"} <= set(stored.features)
        assert stored.facts.get("step_up.bank_card_four_factor") is True
        assert _replayer(ctx, uow).replay(stored).matches
