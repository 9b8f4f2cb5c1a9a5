"""A simulated small business decided under business-v1 through the API and the CLI: its
legal representative applies with the business block, the six documents are served by the
simulated providers over HTTP (`sim.providers.serving` answering from
`sim.business_documents.answer_for_business`), the business scorecard trained on the simulated
past book scores it on their features, and the decision cites the six answers, stores the
features and the model's version, lists its sources, and replays from the recordings with the
providers stopped. A registry answer about another business and a provider that times out each
refer, naming the source and why."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from factories import body
from fakes.access import FakeAuthenticator
from fakes.api import acting_as, api_client
from fakes.documents import documents_context, serving_sources, sources_environment
from fengkong.bootstrap import Context, bootstrap
from fengkong.cli import app
from fengkong.core.actor import Role
from fengkong.core.clock import FakeClock
from fengkong.core.money import Fen
from fengkong.core.settings import Settings
from fengkong.decision.bundle import read_shipped_bundle
from fengkong.decision.replay import Replayer
from fengkong.features.business_inputs import LOAN_COLUMNS
from fengkong.monitoring.figures import CLASSES, ClassMix, SegmentFigures
from fengkong.monitoring.snapshots import SnapshotBook
from fengkong.scoring.lab_result import TrainingResult
from fengkong.sim.business import SmallBusiness, small_businesses
from fengkong.sim.business_documents import BUSINESS_ANSWERS, answer_for_business
from fengkong.sim.business_model import BUSINESS_MODEL, train_business_model
from fengkong.sim.providers import serving
from fengkong.sources.connector import Answer, SourceRequest
from fengkong.sources.kinds import SourceKind
from fengkong.sources.services import SourceServices

runner = CliRunner()
SEED = 5
KINDS = tuple(kind.value for kind in BUSINESS_ANSWERS)  # the six kinds business-v1 asks for
CONSENTS = [
    {"purpose": "credit_bureau", "scope": "the legal representative's report", "text_version": "1"},
    {"purpose": "data_sources", "scope": "the business's records", "text_version": "1"},
]
POLICY = Path(__file__).parents[2] / "src/fengkong/decision/policies/business-v1.yaml"


@pytest.fixture(scope="module")
def business_model() -> TrainingResult:
    """The business scorecard on a small past book (once for the module: training takes a few
    seconds)."""
    return train_business_model(SEED, rows=600, as_of=date(2026, 3, 1))


class Providers:
    """The simulated bureau, registry, tax bureau, utilities, statement aggregator and financial
    statements service, answering about the firms they know: the owner's report by the ID
    number, the business's records by its code. `other` answers `kind` about another business;
    `slow` answers `kind` after the client has given up."""

    def __init__(self, firms: tuple[SmallBusiness, ...]) -> None:
        self.by_code = {f.uscc: f for f in firms}
        self.by_owner = {f.owner.identity.id_number: f for f in firms}
        self.other: str | None = None
        self.slow: str | None = None
        self.calls: list[str] = []

    def __call__(
        self, kind: SourceKind, subject: Mapping[str, str], as_of: date, params: Mapping[str, Any]
    ) -> tuple[Mapping[str, Any], int]:
        kind = SourceKind(kind)
        self.calls.append(kind.value)
        if kind is SourceKind.CREDIT_BUREAU:
            firm = self.by_owner.get(subject.get("id_number", ""))
        else:
            firm = self.by_code.get(subject.get("uscc", ""))
        if firm is None:
            raise LookupError("no such subject")
        if self.slow == kind.value:
            time.sleep(1.5)
        if self.other == kind.value:
            firm = next(f for f in self.by_code.values() if f is not firm)
        return answer_for_business(firm, kind, as_of, SEED), int(BUSINESS_ANSWERS[kind][1])


def _firms(day: date) -> tuple[SmallBusiness, ...]:
    firms = small_businesses(SEED, 40, day)
    return tuple(f for f in firms if f.active and f.guarantor is not None)[:8]


def _yuan(fen: int) -> str:
    return str(Decimal(fen) / 100)


def _body(firm: SmallBusiness) -> dict[str, Any]:
    """The legal representative's application for the business, as a channel would send it."""
    who = firm.owner.identity
    guarantor = firm.guarantor
    assert guarantor is not None
    made: dict[str, Any] = body(
        applicant={"name": who.name, "id_number": who.id_number, "phone": who.phone},
        product="business_loan",
        amount=_yuan(firm.amount),
        term_months=firm.term_months,
        # the business's monthly operating cash flow, declared: ample for the instalment, so
        # what the documents say decides
        monthly_income=_yuan(4 * firm.instalment),
        existing_monthly_debt="0.00",
        purpose="business",
        consents=CONSENTS,
        business={
            "uscc": firm.uscc,
            "registered_name": firm.name,
            "industry": firm.section,
            "established_on": firm.established.isoformat(),
            "annual_revenue": _yuan(firm.annual_revenue),
            "owners": [
                {
                    "name": o.person.identity.name,
                    "id_number": o.person.identity.id_number,
                    "phone": o.person.identity.phone,
                    "share_bp": o.share_bp,
                }
                for o in firm.owners
            ],
            "guarantors": [
                {
                    "kind": "person",
                    "name": guarantor.identity.name,
                    "id_number": guarantor.identity.id_number,
                    "phone": guarantor.identity.phone,
                }
            ],
        },
    )
    return made


def _figures(outstanding: int) -> SegmentFigures:
    zero = Fen(0)
    return SegmentFigures(
        active_loans=1,
        outstanding_fen=Fen(outstanding),
        overdue_loans=0,
        overdue_fen=zero,
        m1_plus_fen=zero,
        m3_plus_fen=zero,
        written_off_loans=0,
        written_off_fen=zero,
        classes={name: ClassMix(0, zero) for name in CLASSES},
        expected_loss_fen=zero,
        no_pd_loans=0,
        no_pd_fen=zero,
        allowance_fen=zero,
        reserve_fen=zero,
    )


def _snapshot(ctx: Context, day: date) -> None:
    """A book the concentration limits are not near (none are configured): the policy reads it."""
    book = SnapshotBook(
        business_date=day,
        taken_at=datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=20),
        loans=1,
        book_mark="1:1",
        lgd=Decimal("0.45"),
    )
    rows = [("all", "all", _figures(10**12))]
    with ctx.uow() as uow:
        uow.portfolio.replace_snapshot(rows, book)
        uow.commit()


@pytest.fixture
def ctx(settings: Settings, clock: FakeClock, business_model: TrainingResult) -> Iterator[Context]:
    context = documents_context(settings, clock, "business-v1.yaml", business_model, BUSINESS_MODEL)
    _snapshot(context, clock.business_date() - timedelta(days=1))
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


def _codes(decision: Mapping[str, Any]) -> list[str]:
    return [r["code"] for r in decision["reasons"]]


def test_through_the_api(ctx: Context, clock: FakeClock) -> None:
    firms = _firms(clock.business_date())
    providers = Providers(firms)
    auditor = acting_as(ctx, "audrey", Role.AUDITOR)
    decided: list[dict[str, Any]] = []
    with serving_sources(ctx, providers, KINDS):
        client = api_client(ctx)
        for firm in firms[:4]:
            made = client.post("/v1/applications", json=_body(firm))
            assert made.status_code == 201, made.text
            decided.append(made.json())
        assert sorted(providers.calls) == sorted(KINDS * 4)
        decision = decided[0]
        for kind in KINDS:
            found = _source(decision, kind)
            assert found["status"] == "ok" and len(found["sha256"]) == 64, found
        assert "business.tax_on_time_share" in _source(decision, "tax_payments")["gave"]
        assert decision["model_version"] == "business-scorecard-v1"
        assert all(d["model_version"] == "business-scorecard-v1" for d in decided)
        # the business model's scale: different firms, different scores, on their documents
        assert len({d["score"] for d in decided}) > 1
        listed = client.get(
            f"/v1/applications/{decision['application_id']}/sources", headers=auditor
        )
        assert listed.status_code == 200
        assert {s["id"] for s in listed.json()["sources"]} == {
            _source(decision, kind)["answer_id"] for kind in KINDS
        }

        # a registry answer about another business: refused by its reader; the decision refers
        providers.other = "business_registry"
        other = client.post("/v1/applications", json=_body(firms[4])).json()
        assert other["outcome"] == "refer", other
        assert _source(other, "business_registry")["status"] == "invalid"
        [named] = [r for r in other["reasons"] if r["code"] == "SRC_BUSINESS_REGISTRY_INVALID"]
        assert "business registry" in named["text_en"] and "工商登记信息" in named["text_zh"]

        # the tax bureau too slow: the client gives up, the decision refers, naming it
        providers.other, providers.slow = None, "tax_payments"
        slow = client.post("/v1/applications", json=_body(firms[5])).json()
        assert slow["outcome"] == "refer", [r["code"] for r in slow["reasons"]]
        [late] = [r for r in slow["reasons"] if r["code"] == "SRC_TAX_PAYMENTS_UNAVAILABLE"]
        assert late["text_zh"] == "纳税记录暂时无法获取（超时），转人工审核"
        # no score on a guess: the business model is not run without a required document
        assert slow["score"] is None and slow["model_version"] is None

    with ctx.uow() as uow:
        stored = uow.decisions.get(decision["decision_id"])
        scored = [uow.decisions.get(d["decision_id"]) for d in decided]
    assert stored is not None
    assert stored.model_version == "business-scorecard-v1"
    assert {*LOAN_COLUMNS, "bureau.worst_dpd_24m", "financials.debt_ratio"} <= set(stored.features)
    assert {s["kind"] for s in stored.inputs["sources"]} == set(KINDS)
    # the model's reasons are the business features', labelled (never the bare feature name)
    model_reasons = [r for d in scored if d is not None for r in d.reasons if r.code[:3] == "SC_"]
    assert model_reasons
    for reason in model_reasons:
        assert "." not in reason.text_en.split(" (")[0], reason
        assert "使评分降低" in reason.text_zh and "." not in reason.text_zh.split("（")[0]
    # the providers are gone: replay reads the recordings and scores the stored features
    for made_one in (*decided, other, slow):
        result = _replay(ctx, made_one["decision_id"])
        assert result.matches, result.differences


def test_two_businesses_of_one_owner_on_one_day_are_each_asked_about(
    ctx: Context, clock: FakeClock
) -> None:
    """The cache is one call per subject, kind and day: the owner's report once, each
    business's own records once per business (never the other business's answer)."""
    firms = _firms(clock.business_date())
    first, second = firms[6], firms[7]
    providers = Providers(firms)
    own = _body(first)
    theirs = _body(second)
    # the owner of the first applies for a second business of theirs, the same day
    theirs["applicant"] = own["applicant"]
    theirs["business"]["owners"] = own["business"]["owners"]
    with serving_sources(ctx, providers, KINDS):
        client = api_client(ctx)
        decided = [client.post("/v1/applications", json=b).json() for b in (own, theirs)]
    assert sorted(providers.calls) == sorted(
        ["credit_bureau", *[k for k in KINDS if k != "credit_bureau"] * 2]
    )
    for kind in KINDS:
        found = [_source(d, kind) for d in decided]
        assert [f["status"] for f in found] == ["ok", "ok"], (kind, found)
        ids = {f["answer_id"] for f in found}
        assert len(ids) == (1 if kind == "credit_bureau" else 2), kind
    registry = [_source(d, "business_registry")["gave"] for d in decided]
    assert registry[0] != registry[1]  # each business's own record


def test_replay_finds_a_score_that_the_stored_features_do_not_give(
    ctx: Context, clock: FakeClock
) -> None:
    firms = _firms(clock.business_date())
    with serving_sources(ctx, Providers(firms), KINDS):
        made = api_client(ctx).post("/v1/applications", json=_body(firms[6])).json()
    with ctx.uow() as uow:
        record = uow.decisions.get(made["decision_id"])
        assert record is not None
        features = dict(record.features)
        features["bureau.worst_dpd_24m"] = 120.0
        features["business.tax_on_time_share"] = 0.0
        offline = SourceServices(ctx.uow, ctx.clock, ctx.sources.recording, lambda k: Refusing())
        result = Replayer(uow, ctx.artifacts_dir, offline).replay(
            replace(record, features=features)
        )
    assert any(d.startswith("score ") for d in result.differences), result.differences


def test_without_a_business_champion_the_decision_is_unavailable_naming_it(
    settings: Settings, clock: FakeClock
) -> None:
    context = bootstrap(settings, clock=clock, policy=read_shipped_bundle("business-v1.yaml"))
    context.authenticator = FakeAuthenticator()
    try:
        firm = _firms(clock.business_date())[0]
        made = api_client(context).post("/v1/applications", json=_body(firm))
        assert made.status_code == 503, made.text
        assert "business-scorecard" in made.text
    finally:
        context.close()


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
    firms = _firms(date.today())  # the command's clock is the system's
    providers = Providers(firms)
    application = tmp_path / "business-application.json"
    application.write_text(json.dumps(_body(firms[7])), encoding="utf-8")
    with serving(providers, latency_ms=2, token="tkn") as url:
        monkeypatch.setenv("FENGKONG_SOURCES", sources_environment(url, KINDS))
        staff_login("fks_channel")
        decided = runner.invoke(app, ["apply", str(application), "--json"])
        assert decided.exit_code == 0, decided.output
    decision = json.loads(decided.stdout)
    assert decision["policy_version"] == "business-v1"
    assert decision["model_version"] == "business-scorecard-v1"
    assert all(_source(decision, kind)["status"] == "ok" for kind in KINDS)
    assert sorted(providers.calls) == sorted(KINDS)
    staff_login("fks_auditor")
    replayed = runner.invoke(app, ["decision", "replay", decision["decision_id"], "--json"])
    assert replayed.exit_code == 0, replayed.output
    assert json.loads(replayed.stdout)["matched"] == 1
