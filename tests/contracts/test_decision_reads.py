"""`decision.live.DecisionReads`: before its transaction, a decision reads the registries' live
roles and the applicant on record: consents, and the exposure of approvals not yet booked (an
officer's approval of a referral at the amount the officer granted, an offer on condition of
security at its amount)."""

from __future__ import annotations

from dataclasses import replace

from contracts.conftest import Backend
from contracts.rows import (
    SUBJECT,
    application,
    at,
    consent,
    decision,
    model,
    officer_decision,
    policy,
    review_item,
)
from fengkong.core.money import Fen
from fengkong.decision.facts import CustomerHistory
from fengkong.decision.live import MODEL, POLICY, LiveEntry
from fengkong.decision.outcome import Outcome
from fengkong.decision.policy_registry import PolicyStatus
from fengkong.scoring.registry import ModelStatus


def test_the_live_roles_name_versions_and_hashes(backend: Backend) -> None:
    with backend.uow() as uow:
        uow.models.add(model("application-v1", status=ModelStatus.CHAMPION))
        uow.models.add(model("application-v2", status=ModelStatus.CHALLENGER, sha256="9" * 64))
        uow.models.add(model("application-v3"))  # a candidate: not live
        uow.policies.add(policy("retail-v1", status=PolicyStatus.ACTIVE))
        uow.policies.add(policy("retail-v2"))
        uow.commit()
    with backend.reads(SUBJECT) as answer:
        reads = answer()
        live = reads.live()
        assert reads.policy("retail-v1") == policy("retail-v1", status=PolicyStatus.ACTIVE)
        assert reads.model("application-v2") == model(
            "application-v2", status=ModelStatus.CHALLENGER, sha256="9" * 64
        )
        assert reads.policy("retail-v9") is None and reads.model("application-v9") is None
    assert live == {
        LiveEntry(MODEL, "application", "champion", "application-v1", "d" * 64),
        LiveEntry(MODEL, "application", "challenger", "application-v2", "9" * 64),
        LiveEntry(POLICY, "", "active", "retail-v1", policy("retail-v1").sha256),
    }


def test_a_new_applicant_has_nothing_on_record(backend: Backend) -> None:
    with backend.reads(SUBJECT) as answer:
        reads = answer()
    assert reads.applicant.consents == ()
    assert reads.applicant.history == CustomerHistory(0, Fen(0))
    assert reads.list_hits == () and reads.recorded is None


def test_the_applicant_on_record(backend: Backend) -> None:
    someone_else = "b" * 64
    with backend.uow() as uow:
        uow.consents.add(consent("cns_2", granted_at=at(5), recorded_at=at(5)))
        uow.consents.add(consent("cns_1"))
        uow.consents.add(consent("cns_3", subject_bidx=someone_else))
        # approved 3000.00; referred then approved by an officer at 2000.00; referred and not
        # yet decided; declined; someone else's approval; offered 1000.00 if secured
        approved = decision("dec_1", "app_1", outcome=Outcome.APPROVE, approved_amount=Fen(300_000))
        secured = replace(
            approved,
            id="dec_6",
            application_id="app_6",
            outcome=Outcome.APPROVE_IF_SECURED,
            approved_amount=Fen(100_000),
        )
        referred = decision("dec_2", "app_2")
        waiting = decision("dec_3", "app_3")
        declined = decision("dec_4", "app_4", outcome=Outcome.DECLINE)
        theirs = replace(approved, id="dec_5", application_id="app_5")
        for d in (approved, referred, waiting, declined, theirs, secured):
            bidx = someone_else if d is theirs else SUBJECT
            uow.applications.add(application(d.application_id, id_number_bidx=bidx))
            uow.decisions.add(d)
        uow.reviews.add(review_item("rev_2", referred))
        uow.officer_decisions.add(
            officer_decision(
                "odc_2",
                application_id="app_2",
                decision_id="dec_2",
                review_item_id="rev_2",
                approved_amount=Fen(200_000),
            )
        )
        uow.commit()
    with backend.reads(SUBJECT) as answer:
        applicant = answer().applicant
    assert [c.id for c in applicant.consents] == ["cns_1", "cns_2"]
    assert applicant.consents[0] == consent("cns_1")
    assert applicant.history == CustomerHistory(0, Fen(600_000))
