"""The audit chain as stored: every state change appends in the same transaction, and any edit,
deletion or reorder of the stored rows is found by `fengkong audit verify`."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from factories import body
from fengkong.api.schemas import ApplicationIn
from fengkong.audit.findings import Problem
from fengkong.bootstrap import Context
from fengkong.cli import app
from fengkong.decision.service import submit_application
from fengkong.ledger.verify import VerifyReport, verify_books


def _decide(context: Context, n: int) -> None:
    for _ in range(n):
        request = ApplicationIn.model_validate(body()).to_request(context.clock.business_date())
        submit_application(request, context.decisions)


def _verify(context: Context) -> VerifyReport:
    with context.uow() as uow:
        return verify_books(uow.audit.stream(), uow.audit.head(), uow.journal.entries())


def _sql(context: Context, statement: str, **params: object) -> None:
    with context.db.engine.begin() as conn:
        conn.execute(sa.text(statement), params)


def test_decisions_and_promotions_are_chained(context: Context) -> None:
    _decide(context, 3)
    with context.uow() as uow:
        actions = [r.action for r in uow.audit.stream()]
    assert actions == [
        "model.registered",
        "model.promoted",
        *["consent.recorded", "decision.made"] * 3,
    ]
    report = _verify(context)
    assert report.ok and report.records == 8 and report.head.seq == 8


def test_an_edited_payload_is_found(context: Context) -> None:
    _decide(context, 4)
    with context.db.engine.connect() as conn:
        payload = conn.execute(sa.text("select payload from audit_log where seq = 4")).scalar_one()
    doc = payload if isinstance(payload, dict) else json.loads(payload)
    doc["outcome"] = "approve" if doc["outcome"] != "approve" else "decline"
    _sql(context, "update audit_log set payload = :p where seq = 4", p=json.dumps(doc))
    report = _verify(context)
    assert not report.ok
    assert report.first_broken is not None and report.first_broken.seq == 4
    assert report.first_broken.problem == Problem.EDITED


def test_a_deleted_record_is_found(context: Context) -> None:
    _decide(context, 4)
    _sql(context, "delete from audit_log where seq = 3")
    report = _verify(context)
    assert any(f.problem == Problem.MISSING and f.seq == 3 for f in report.findings)


def test_a_reorder_is_found(context: Context) -> None:
    _decide(context, 4)
    # Swap the contents of two records, keeping their sequence numbers.
    _sql(context, "update audit_log set seq = -3 where seq = 3")
    _sql(context, "update audit_log set seq = 3 where seq = 4")
    _sql(context, "update audit_log set seq = 4 where seq = -3")
    report = _verify(context)
    assert not report.ok and report.first_broken is not None and report.first_broken.seq in (3, 4)


def test_a_cut_tail_is_found_against_the_stored_head(context: Context) -> None:
    _decide(context, 3)
    _sql(context, "delete from audit_log where seq = 8")  # the newest record
    report = _verify(context)
    assert not report.ok


def test_cli_verify_exit_codes(
    context: Context, monkeypatch: pytest.MonkeyPatch, staff_login: Callable[[str], None]
) -> None:
    staff_login("fks_auditor")
    monkeypatch.setenv("FENGKONG_HOME", str(context.settings.home))
    monkeypatch.setenv("FENGKONG_DATABASE_URL", context.settings.resolved_database_url)
    _decide(context, 2)
    runner = CliRunner()
    ok = runner.invoke(app, ["audit", "verify", "--json"])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout)["ok"] is True
    _sql(context, "update audit_log set actor = 'someone else' where seq = 2")
    broken = runner.invoke(app, ["audit", "verify", "--json"])
    assert broken.exit_code == 1
    doc = json.loads(broken.stdout)
    assert doc["ok"] is False and doc["findings"][0]["seq"] == 2
    assert (doc["code"], doc["category"]) == ("audit_broken", "integrity_broken")
