"""The console shows what a decision's external data was: a referral decided under
retail-bureau-v1 on a toy provider (the bureau answering about someone else, the statements
read) shows each kind's status and why, the provider, when, whether from the record, the features
the statements gave labelled in the page's language, the answers recorded, and the identity
checks made with their cost; a business's application shows its block masked and never the
owners' or guarantors' clear data; an approve-if-secured decision shows its condition and where
the security stands; a person whose role may not read a part does not see it."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from business_factories import BUSINESS, GUARANTOR_ID, PARTNER_ID, business_body
from factories import body, make_champion
from fakes.access import FakeAuthenticator, bearer
from fengkong.access import permissions
from fengkong.access.permissions import Permission
from fengkong.bootstrap import Context, bootstrap
from fengkong.core.actor import Role
from fengkong.core.clock import FakeClock
from fengkong.core.money import Fen
from fengkong.core.settings import Settings
from fengkong.db.tables import decisions
from fengkong.decision.bundle import read_shipped_bundle
from fengkong.decision.compiler import load_shipped_policy
from fengkong.decision.evaluate import evaluate
from fengkong.decision.identity_facts import IdentityCall
from fengkong.decision.outcome import Outcome
from fengkong.decision.policy import PolicyOutcome
from fengkong.decision.recording import offer_document
from fengkong.decision.step_up import audit_identity_call
from fengkong.lending.secured_offer import terms_of
from fengkong.onboarding.business_view import masked_business
from fengkong.onboarding.party import customer_id
from fengkong.scoring.train import TrainedScorecard
from fengkong.sim.model import Applicant
from fengkong.sim.population import Population
from fengkong.sim.scenarios import BASELINE
from fengkong.sim.sources_business import ANSWERS
from fengkong.sim.sources_statements import STATEMENT_COST, statement_payload
from fengkong.sources.connector import Answer, SourceRequest
from fengkong.sources.kinds import SourceKind
from fengkong.sources.services import SourceServices
from fengkong.web.i18n import language
from fengkong.web.render import environment
from lending.secured_offer_support import conditional_facts
from web.conftest import as_staff

BUREAU_CONSENT = {"purpose": "credit_bureau", "scope": "PBOC report", "text_version": "cb-1"}
DATA_CONSENT = {"purpose": "data_sources", "scope": "bank statements", "text_version": "ds-1"}


class Toy:
    """A provider of one kind answering from the synthetic population; the bureau answers with
    another person's report (its reader refuses it), the statements with the applicant's."""

    def __init__(self, kind: SourceKind, people: dict[str, Applicant]) -> None:
        self.kind = kind
        self.people = people
        self.provider = f"toy-{kind.value}"

    def fetch(self, request: SourceRequest) -> Answer:
        person = self.people[request.subject.id_number or ""]
        if self.kind is SourceKind.BANK_STATEMENT:
            payload = statement_payload(person, request.as_of, seed=1)
            return Answer(self.kind, self.provider, payload, STATEMENT_COST, 3)
        other = next(p for p in self.people.values() if p is not person)
        answer, cost = ANSWERS[self.kind]
        report = answer(other, request.as_of, random.Random(f"1:{other.key}:{self.kind}"))
        return Answer(self.kind, self.provider, report, Fen(int(cost)), 3)


def _context(
    settings: Settings, clock: FakeClock, trained: TrainedScorecard, policy: str
) -> Context:
    ctx = bootstrap(settings, clock=clock, policy=read_shipped_bundle(policy))
    ctx.authenticator = FakeAuthenticator()
    with ctx.uow() as uow:
        make_champion(uow, ctx.artifacts_dir, trained, clock)
        uow.commit()
    return ctx


@pytest.fixture
def context(settings: Settings, clock: FakeClock, trained: TrainedScorecard) -> Iterator[Context]:
    ctx = _context(settings, clock, trained, "retail-bureau-v1.yaml")
    yield ctx
    ctx.close()


def _people(clock: FakeClock) -> dict[str, Applicant]:
    arrivals = Population(11, BASELINE, clock.business_date()).arrivals(0, 60)
    honest = [a for a in arrivals if not a.is_fraud][:4]
    return {p.identity.id_number: p for p in honest}


def _refer_on_external_data(console: TestClient, context: Context, clock: FakeClock) -> str:
    people = _people(clock)
    sources = context.sources
    toy = SourceServices(
        context.uow, context.clock, sources.recording, lambda kind: Toy(kind, people)
    )
    context.decisions = replace(context.decisions, sources=lambda: toy)
    who = next(iter(people.values())).identity
    doc = body(
        applicant={"name": who.name, "id_number": who.id_number, "phone": who.phone},
        amount="30000.00",
        consents=[BUREAU_CONSENT, DATA_CONSENT],
    )
    made = console.post("/v1/applications", json=doc, headers=bearer("fks_channel"))
    assert made.status_code == 201, made.text
    decision = made.json()
    assert decision["outcome"] == "refer", decision
    return str(decision["application_id"])


def _item_of(console: TestClient, application_id: str) -> str:
    items = console.get("/v1/review/items", headers=bearer("fks_all")).json()
    (item,) = [i for i in items if i["application_id"] == application_id]
    return str(item["id"])


def _checked(context: Context, application_id: str, clock: FakeClock) -> None:
    """Two identity-check calls recorded as the verification use case records them."""
    calls = (
        IdentityCall("liveness", None, "toy-face", "failed", "L02", Fen(100), 40),
        IdentityCall("id_name_match", None, "toy-id", "passed", "0", Fen(30), 20),
    )
    with context.uow() as uow:
        for call in calls:
            clock.advance(timedelta(seconds=5))
            audit_identity_call(uow.audit, application_id, clock.now(), call)
        uow.commit()


def _section(html: str, testid: str) -> str:
    start = html.index(f'data-testid="{testid}"')
    return html[start : html.index("</section>", start)]


def test_a_referral_shows_its_external_data_and_identity_checks(
    console: TestClient, context: Context, clock: FakeClock
) -> None:
    application_id = _refer_on_external_data(console, context, clock)
    _checked(context, application_id, clock)
    item = _item_of(console, application_id)

    as_staff(console, "fks_officer").cookies.set("fengkong_lang", "en")
    page = console.get(f"/console/review/{item}")
    assert page.status_code == 200, page.text
    shown = _section(page.text, "external-data")
    bureau = shown[
        shown.index('data-kind="credit_bureau"') : shown.index('data-kind="bank_statement"')
    ]
    assert 'data-status="invalid"' in bureau and "Refused by its reader" in bureau
    assert "why: person.id_number: is not the subject" in bureau  # the reader's refusal
    statements = shown[shown.index('data-kind="bank_statement"') :]
    assert 'data-status="ok"' in statements and "toy-bank_statement" in statements
    assert "No: fetched for this decision" in statements
    assert 'data-feature="statement.salary_detected"' in statements
    assert "Salary" in statements or "salary" in statements  # its English label
    # the answers recorded, with what they cost
    listed = console.get(
        f"/v1/applications/{application_id}/sources", headers=bearer("fks_auditor")
    ).json()["sources"]
    for answer in listed:
        assert f'data-answer="{answer["id"]}"' in shown
    checks = _section(page.text, "identity-checks")
    assert 'data-check="liveness"' in checks and 'data-check="id_name_match"' in checks
    assert "toy-face" in checks and "Not passed" in checks and "Passed" in checks
    assert "¥1.30" in checks  # ¥1.00 + ¥0.30
    costs = console.get(
        f"/v1/applications/{application_id}/verifications", headers=bearer("fks_auditor")
    ).json()
    assert costs["cost_total"] == "1.30"

    console.cookies.set("fengkong_lang", "zh-CN")
    zh = console.get(f"/console/review/{item}").text
    assert "外部数据" in zh and "身份核验" in zh and "征信报告" in zh and "银行流水" in zh
    assert "内容无法使用" in zh and "活体检测" in zh and "未通过" in zh and "调用失败" in zh
    zh_statements = _section(zh, "external-data").split('data-kind="bank_statement"')[1]
    assert "Salary" not in zh_statements and "salary " not in zh_statements


def test_who_may_not_read_external_data_does_not_see_it(
    console: TestClient, context: Context, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    application_id = _refer_on_external_data(console, context, clock)
    _checked(context, application_id, clock)
    item = _item_of(console, application_id)
    who = next(iter(_people(clock).values())).identity
    customer = (
        f"/console/customers/{customer_id(context.vault.blind_index('id_number', who.id_number))}"
    )
    as_staff(console, "fks_auditor")
    assert 'data-testid="external-data"' in console.get(f"/console/review/{item}").text
    assert 'data-kind="bank_statement"' in console.get(customer).text
    grants = permissions.GRANTS
    for withheld in (Permission.SOURCES_READ, Permission.APPLICATIONS_READ):
        monkeypatch.setitem(grants, withheld, grants[withheld] - {Role.AUDITOR})
    page = console.get(f"/console/review/{item}")
    assert page.status_code == 200
    assert 'data-testid="external-data"' not in page.text
    assert 'data-testid="identity-checks"' not in page.text
    assert "toy-bank_statement" not in page.text and "toy-face" not in page.text
    files = console.get(customer)
    assert files.status_code == 200 and 'data-kind="bank_statement"' not in files.text
    # an officer still sees them
    as_staff(console, "fks_officer")
    assert 'data-testid="identity-checks"' in console.get(f"/console/review/{item}").text


@pytest.fixture
def business_context(
    settings: Settings, clock: FakeClock, trained: TrainedScorecard
) -> Iterator[Context]:
    ctx = _context(settings, clock, trained, "business-v1.yaml")
    with ctx.uow() as uow:  # business-v1 names the business model: a champion of that name
        make_champion(uow, ctx.artifacts_dir, trained, clock, name="business-scorecard")
        uow.commit()
    yield ctx
    ctx.close()


class _Shown:
    def __init__(self, text: str) -> None:
        self.status_code = 200
        self.text = text


def _business_card(ctx: Context, decision: dict[str, Any]) -> _Shown:
    """The business block as the review item renders it (a business's referral: the same
    macro, given what `application_extras` reads)."""
    with ctx.uow() as uow:
        stored = uow.applications.get(decision["application_id"])
    assert stored is not None and stored.business is not None
    lang = language("en")
    macros = environment().get_template("application_extras.html.j2")
    module = macros.make_module({"_": lang.gettext, "lang": lang})
    block = getattr(module, "business_block")  # noqa: B009 — a macro, known only at run time
    return _Shown(str(block(masked_business(stored.business, ctx.vault))))


def test_a_business_application_shows_its_business_masked(
    business_context: Context,
) -> None:
    from fengkong.api.app import create_app
    from fengkong.web.app import install

    app = create_app(business_context)
    install(app, business_context)
    consents = [
        {"purpose": p, "scope": "this business loan", "text_version": "2026-01"}
        for p in ("credit_bureau", "data_sources")
    ]
    with TestClient(app, follow_redirects=False) as console:
        made = console.post(
            "/v1/applications",
            json={**business_body(), "consents": consents},
            headers=bearer("fks_channel"),
        )
        assert made.status_code == 201, made.text
        decision = made.json()
        as_staff(console, "fks_officer").cookies.set("fengkong_lang", "en")
        applicant = body()["applicant"]
        cid = customer_id(business_context.vault.blind_index("id_number", applicant["id_number"]))
        pages = [
            console.get(f"/console/customers/{cid}"),
            _business_card(business_context, decision),
        ]
        for page in pages:
            assert page.status_code == 200, page.text
            html = page.text
            assert 'data-field="registered_name"' in html and 'data-field="uscc"' in html
            for clear in (
                BUSINESS["registered_name"],
                BUSINESS["uscc"],
                applicant["id_number"],
                applicant["name"],
                PARTNER_ID,
                GUARANTOR_ID,
                "李四",
                "王五",
                "13900139000",
            ):
                assert clear not in html, clear
        customer = pages[0].text
        row = customer[customer.index(f'data-id="{decision["application_id"]}"') :]
        assert 'class="sources"' in row and 'data-kind="credit_bureau"' in row
        business = _section(pages[1].text, "business")
        assert "Owners and guarantors" in business and "****" in business
        # no provider is configured for the business's documents
        assert 'data-status="no_provider"' in row


def _make_secured(context: Context, application_id: str) -> dict[str, Any]:
    """Turn the application's decision into retail-v4's approve-if-secured one, as the decision
    service would store it (`lending/secured_offer_support.seed_secured`)."""
    policy = load_shipped_policy("retail-v4.yaml")
    verdict = evaluate(policy, conditional_facts(), as_of=context.clock.business_date())
    assert verdict.outcome is PolicyOutcome.APPROVE_IF_SECURED and verdict.offer is not None
    document = offer_document(verdict.offer, verdict.security)
    with context.db.engine.begin() as conn:
        conn.execute(
            sa.update(decisions)
            .where(decisions.c.application_id == application_id)
            .values(outcome=Outcome.APPROVE_IF_SECURED.value, offer=document)
        )
    condition: dict[str, Any] = document["security"]
    return condition


def test_an_approve_if_secured_decision_shows_its_condition(
    console: TestClient, context: Context
) -> None:
    made = console.post(
        "/v1/applications", json=body(consents=[BUREAU_CONSENT]), headers=bearer("fks_channel")
    )
    assert made.status_code == 201, made.text
    application_id = made.json()["application_id"]
    security = _make_secured(context, application_id)
    applicant = body()["applicant"]
    cid = customer_id(context.vault.blind_index("id_number", applicant["id_number"]))
    as_staff(console, "fks_officer").cookies.set("fengkong_lang", "en")
    page = console.get(f"/console/customers/{cid}")
    assert page.status_code == 200, page.text
    condition = page.text[page.text.index('data-testid="security-condition"') :]
    assert "SEC_GUARANTOR_OR_COLLATERAL" in condition
    assert "Guarantor" in condition and "Collateral" in condition
    least = terms_of(security).min_lending_value  # the least lending value of the collateral
    assert least is not None and f"¥{least / 100:,.2f}" in condition
    assert 'data-status="awaiting"' in page.text and "Awaiting the security" in condition
    console.cookies.set("fengkong_lang", "zh-CN")
    zh = console.get(f"/console/customers/{cid}").text
    assert "需提供保证人或抵质押物后批准" in zh and "等待提供担保" in zh
    assert "score_band" not in zh and "评分落在须提供担保方可批准的区间" in zh
