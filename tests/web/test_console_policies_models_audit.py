"""The console's policies (versions, activation under maker-checker, back-test), models (versions,
validation figures, promotion requests decided on the approvals page) and audit (the chain
verified, signed checkpoints, the records browsed), through the same use cases as the API and
the CLI; refusals per role, unknown ids, errors beside the fields."""

from __future__ import annotations

import re
from datetime import timedelta
from importlib import resources

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from decision.test_backtest_support import LOOSER, NEW_SEGMENT, decide, demo_with
from fakes.access import bearer
from fengkong.audit.browse import AuditQuery
from fengkong.bootstrap import Context
from fengkong.decision import policy_registry
from fengkong.scoring.promotion import register_audited
from fengkong.scoring.train import TrainedScorecard
from web.conftest import as_staff, csrf_of

HTMX = {"HX-Request": "true"}
DEMO = resources.files("fengkong.decision").joinpath("policies/demo-german.yaml").read_text("utf-8")
VERSION = "demo-german-v7"


def error_beside(html: str, field: str) -> str:
    found = re.search(rf'<small id="e-{field}" class="field-error">([^<]+)</small>', html)
    assert found, f"no error beside {field}"
    return found.group(1)


@pytest.fixture
def draft(console: TestClient) -> str:
    """A draft policy version written by rita (risk manager), through the API."""
    document = DEMO.replace("\nversion: 2\n", "\nversion: 7\n", 1)
    made = console.post("/v1/policies", json={"document": document}, headers=bearer("fks_risk"))
    assert made.status_code == 201, made.text
    assert made.json()["version"] == VERSION
    return VERSION


def post(console: TestClient, page: str, action: str, data: dict[str, str], **headers: str):
    token = csrf_of(console.get(page).text)
    return console.post(action, data={**data, "csrf": token}, headers=headers)


# ---- policies ------------------------------------------------------------------------------------


def test_a_policy_is_activated_by_a_second_person(console: TestClient, draft: str) -> None:
    console.cookies.set("fengkong_lang", "en")
    as_staff(console, "fks_risk")
    listed = console.get("/console/policies")
    assert listed.status_code == 200
    assert (
        f'data-policy="{draft}" data-status="draft"' in listed.text and "user:rita" in listed.text
    )
    page = f"/console/policies/{draft}"
    asked = post(console, page, f"{page}/activation", {"role": "champion"}, **HTMX)
    assert asked.status_code == 200 and 'data-status="pending_approval"' in asked.text
    assert asked.text.lstrip().startswith('<section id="policy-activation"')

    as_staff(console, "fks_approver")
    approved = post(console, page, f"{page}/activation/approve", {})
    assert approved.status_code == 303
    shown = console.get(page)
    assert 'data-status="active"' in shown.text and "user:alan" in shown.text


def test_the_requester_is_refused_as_approver(console: TestClient, context: Context) -> None:
    document = DEMO.replace("\nversion: 2\n", "\nversion: 8\n", 1)
    console.post("/v1/policies", json={"document": document}, headers=bearer("fks_all"))
    console.cookies.set("fengkong_lang", "en")
    as_staff(console, "fks_all")
    page = "/console/policies/demo-german-v8"
    assert post(console, page, f"{page}/activation", {"role": "champion"}).status_code == 303
    refused = post(console, page, f"{page}/activation/approve", {})
    assert refused.status_code == 403 and "another approver decides" in refused.text
    swapped = post(console, page, f"{page}/activation/approve", {}, **HTMX)
    assert swapped.status_code == 409 and "data-refusal" in swapped.text
    as_staff(console, "fks_approver")
    no_reason = post(console, page, f"{page}/activation/reject", {"reason": ""})
    assert no_reason.status_code == 422 and error_beside(no_reason.text, "reason")
    rejected = post(console, page, f"{page}/activation/reject", {"reason": "cut-off too low"})
    assert rejected.status_code == 303
    assert 'data-status="draft"' in console.get(page).text


def test_a_back_test_runs_or_shows_its_errors(console: TestClient, draft: str) -> None:
    console.cookies.set("fengkong_lang", "en")
    as_staff(console, "fks_risk")
    page = f"/console/policies/{draft}"
    bad = post(console, page, f"{page}/backtest", {"since": "yesterday"})
    assert bad.status_code == 422 and error_beside(bad.text, "since")
    backwards = post(
        console, page, f"{page}/backtest", {"since": "2026-03-01", "until": "2026-01-01"}
    )
    assert backwards.status_code == 422 and error_beside(backwards.text, "until")
    empty = post(
        console, page, f"{page}/backtest", {"since": "2001-01-01", "until": "2001-02-01"}, **HTMX
    )
    assert empty.status_code == 422 and "No stored decision" in empty.text
    assert empty.text.lstrip().startswith('<section id="policy-backtest"')


@pytest.mark.parametrize(
    ("secret", "read", "ask", "approve"),
    [
        ("fks_risk", 200, 303, 403),
        ("fks_approver", 200, 403, 409),
        ("fks_auditor", 200, 403, 403),
        ("fks_officer", 403, 403, 403),
        ("fks_admin", 403, 403, 403),
    ],
)
def test_who_may_see_and_activate_policies(
    console: TestClient, draft: str, secret: str, read: int, ask: int, approve: int
) -> None:
    as_staff(console, secret)
    page = f"/console/policies/{draft}"
    assert console.get("/console/policies").status_code == read
    assert console.get(page).status_code == read
    assert post(console, page, f"{page}/activation/approve", {}).status_code == approve
    assert post(console, page, f"{page}/activation", {"role": "champion"}).status_code == ask


def test_unknown_policies_are_not_found(console: TestClient) -> None:
    as_staff(console, "fks_risk")
    assert console.get("/console/policies/nope-v1").status_code == 404
    assert (
        post(
            console,
            "/console/policies",
            "/console/policies/nope-v1/activation",
            {"role": "champion"},
        ).status_code
        == 404
    )
    assert (
        post(
            console,
            "/console/policies",
            "/console/policies/nope-v1/backtest",
            {"since": "2026-01-01"},
        ).status_code
        == 404
    )


# ---- models --------------------------------------------------------------------------------------


def champion(context: Context) -> str:
    with context.uow() as uow:
        return next(m.version for m in uow.models.list() if m.status.value == "champion")


def test_models_show_their_validation_figures(console: TestClient, context: Context) -> None:
    console.cookies.set("fengkong_lang", "en")
    version = champion(context)
    as_staff(console, "fks_auditor")
    listed = console.get("/console/models")
    assert (
        listed.status_code == 200
        and f'data-model="{version}" data-status="champion"' in listed.text
    )
    page = console.get(f"/console/models/{version}")
    assert page.status_code == 200 and 'data-sample="test"' in page.text and "AUC" in page.text
    assert "model.registered" in page.text and "model.promoted" in page.text  # who, when
    assert "Ask for promotion" not in page.text  # an auditor reads, asks nothing


def register_candidate(context: Context, trained: TrainedScorecard) -> str:
    """The tests' scorecard registered again: a candidate version."""
    with context.uow() as uow:
        model = register_audited(
            uow,
            context.artifacts_dir,
            name="application",
            scorecard=trained.model.scorecard_,
            data_fingerprint=trained.data_fingerprint,
            params=trained.params,
            metrics=trained.metrics,
            actor="test",
            clock=context.clock,
        )
        uow.commit()
    return model.version


def test_a_promotion_is_asked_then_approved_on_the_approvals_page(
    console: TestClient, context: Context, trained: TrainedScorecard
) -> None:
    console.cookies.set("fengkong_lang", "en")
    version = champion(context)
    as_staff(console, "fks_risk")
    page = f"/console/models/{version}"
    bad = post(console, page, f"{page}/promotion", {"role": "king"})
    assert bad.status_code == 422 and error_beside(bad.text, "role")
    already = post(console, page, f"{page}/promotion", {"role": "champion"}, **HTMX)
    assert already.status_code == 409 and "data-refusal" in already.text
    asked = post(console, page, f"{page}/promotion", {"role": "challenger", "reason": "x"})
    assert asked.status_code == 409  # the champion cannot become the challenger
    candidate = register_candidate(context, trained)
    page = f"/console/models/{candidate}"
    asked = post(console, page, f"{page}/promotion", {"role": "champion", "reason": "better KS"})
    assert asked.status_code == 303
    shown = console.get(page)
    request_id = re.search(r'data-request="([^"]+)" data-status="pending"', shown.text).group(1)  # type: ignore[union-attr]
    as_staff(console, "fks_approver")
    queue = console.get("/console/approvals?kind=model.promotion")
    assert f'data-request="{request_id}"' in queue.text and "Model promotion" in queue.text
    done = post(console, "/console/approvals", f"/console/approvals/{request_id}/approve", {})
    assert done.status_code == 303
    assert f'data-model="{candidate}" data-status="champion"' in console.get("/console/models").text


@pytest.mark.parametrize(
    ("secret", "read", "ask"),
    [
        ("fks_risk", 200, 409),
        ("fks_approver", 200, 403),
        ("fks_auditor", 200, 403),
        ("fks_officer", 403, 403),
        ("fks_admin", 403, 403),
    ],
)
def test_who_may_see_models_and_ask_promotions(
    console: TestClient, context: Context, secret: str, read: int, ask: int
) -> None:
    version = champion(context)
    as_staff(console, secret)
    page = f"/console/models/{version}"
    assert console.get("/console/models").status_code == read
    assert console.get(page).status_code == read
    assert post(console, page, f"{page}/promotion", {"role": "champion"}).status_code == ask


def test_unknown_models_are_not_found(console: TestClient) -> None:
    as_staff(console, "fks_risk")
    assert console.get("/console/models/application-v999").status_code == 404
    missing = post(
        console,
        "/console/models",
        "/console/models/application-v999/promotion",
        {"role": "champion"},
    )
    assert missing.status_code == 404


# ---- audit ---------------------------------------------------------------------------------------


def test_an_auditor_verifies_the_chain_and_signs_a_checkpoint(
    console: TestClient, context: Context
) -> None:
    console.cookies.set("fengkong_lang", "en")
    as_staff(console, "fks_auditor")
    page = console.get("/console/audit")
    assert (
        page.status_code == 200 and 'data-seq="' in page.text and "No checkpoint yet." in page.text
    )
    written = post(console, "/console/audit", "/console/audit/checkpoints", {}, **HTMX)
    assert written.status_code == 200 and "data-written=" in written.text
    assert written.text.lstrip().startswith('<section id="audit-checkpoints"')
    again = post(console, "/console/audit", "/console/audit/checkpoints", {})
    assert again.status_code == 409 and "data-refusal" in again.text  # same instant, same name
    context.clock.advance(timedelta(seconds=1))  # type: ignore[attr-defined]
    assert post(console, "/console/audit", "/console/audit/checkpoints", {}).status_code == 303
    assert console.get("/console/audit").text.count("data-checkpoint=") == 2
    verified = post(console, "/console/audit", "/console/audit/verify", {})
    assert verified.status_code == 200 and 'data-ok="true"' in verified.text
    with context.uow() as uow:
        head = uow.audit.head()
    assert f"data-head-hash>{head.hash}<" in verified.text
    assert "2 checkpoints hold" in verified.text
    swapped = post(console, "/console/audit", "/console/audit/verify", {}, **HTMX)
    assert swapped.text.lstrip().startswith('<section id="audit-verify"')


def test_the_records_are_filtered_by_action_subject_and_actor(
    console: TestClient, context: Context
) -> None:
    as_staff(console, "fks_auditor")
    with context.uow() as uow:
        newest = next(iter(uow.audit.recent(AuditQuery(limit=1))))
    by_action = console.get(f"/console/audit?action={newest.action.split('.')[0]}")
    assert f'data-seq="{newest.seq}"' in by_action.text
    by_subject = console.get(f"/console/audit?subject_id={newest.subject_id}&actor={newest.actor}")
    assert f'data-seq="{newest.seq}"' in by_subject.text
    none = console.get("/console/audit?actor=user:nobody")
    assert 'data-seq="' not in none.text
    long = console.get("/console/audit?action=" + "x" * 201)
    assert long.status_code == 422 and error_beside(long.text, "action")


@pytest.mark.parametrize(
    ("secret", "status"),
    [
        ("fks_auditor", 200),
        ("fks_risk", 403),
        ("fks_approver", 403),
        ("fks_officer", 403),
        ("fks_admin", 403),
    ],
)
def test_only_auditors_open_the_audit(console: TestClient, secret: str, status: int) -> None:
    as_staff(console, secret)
    shown = console.get("/console/audit")
    assert shown.status_code == status
    assert ('href="/console/audit"' in shown.text) == (status == 200)
    token = csrf_of(shown.text)
    assert console.post("/console/audit/verify", data={"csrf": token}).status_code == status


def test_every_page_of_the_section_admits_no_inline_script_or_style(
    console: TestClient, context: Context, draft: str
) -> None:
    as_staff(console, "fks_all")
    version = champion(context)
    pages = [
        "/console/collections",
        "/console/lists",
        "/console/approvals",
        "/console/policies",
        f"/console/policies/{draft}",
        "/console/models",
        f"/console/models/{version}",
        "/console/audit",
    ]
    for path in pages:
        page = console.get(path)
        assert page.status_code == 200, path
        for tag in re.findall(r"<script[^>]*>", page.text):
            assert "src=" in tag or 'type="application/json"' in tag, (path, tag)
        assert not re.search(r"<[^>]*\s(style|on[a-z]+)=", page.text), path


def test_a_back_test_over_stored_decisions_shows_its_report(
    console: TestClient, context: Context, german: pd.DataFrame
) -> None:
    decide(context, german, 20)
    with context.uow() as uow:
        policy_registry.submit(
            uow,
            demo_with(NEW_SEGMENT, LOOSER),
            author="user:rita",
            clock=context.clock,
            validate=lambda _: "demo-german-v3",
        )
        uow.commit()
    console.cookies.set("fengkong_lang", "en")
    as_staff(console, "fks_approver")
    page = "/console/policies/demo-german-v3"
    today = context.clock.business_date().isoformat()
    shown = post(console, page, f"{page}/backtest", {"since": today}, **HTMX)
    assert shown.status_code == 200, shown.text
    assert 'data-backtest="20"' in shown.text and "Swap-in" in shown.text
    plain = post(console, page, f"{page}/backtest", {"since": today, "until": today})
    assert plain.status_code == 200 and "<html" in plain.text and 'data-backtest="20"' in plain.text
