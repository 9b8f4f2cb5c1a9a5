"""`fengkong audit head`, `public-key` and `verify --checkpoint` as a lender runs them: the head
printed and signed into the checkpoint folder (the key created on first use, readable by its
owner only), and a verify against that file failing once the chain's tail is cut."""

from __future__ import annotations

import json
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from factories import body
from fengkong.api.schemas import ApplicationIn
from fengkong.bootstrap import Context
from fengkong.cli import app
from fengkong.decision.service import submit_application


def test_head_signs_a_checkpoint_that_verify_holds_the_chain_to(
    context: Context,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    staff_login: Callable[[str], None],
) -> None:
    staff_login("fks_auditor")
    monkeypatch.setenv("FENGKONG_HOME", str(context.settings.home))
    monkeypatch.setenv("FENGKONG_DATABASE_URL", context.settings.resolved_database_url)
    for _ in range(3):
        request = ApplicationIn.model_validate(body()).to_request(context.clock.business_date())
        submit_application(request, context.decisions)
    runner = CliRunner()

    head = runner.invoke(app, ["audit", "head", "--json"])
    assert head.exit_code == 0, head.output
    doc = json.loads(head.stdout)
    assert (doc["seq"], doc["records"]) == (8, 8) and doc["reason"] == "cli user:audrey"
    written = Path(doc["file"])
    assert written.parent == context.settings.home / "checkpoints"
    key = context.settings.home / "audit-signing-key.pem"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600

    public = runner.invoke(app, ["audit", "public-key"])
    assert public.exit_code == 0 and public.stdout.startswith("-----BEGIN PUBLIC KEY-----")
    assert doc["public_key"] == public.stdout

    ok = runner.invoke(app, ["audit", "verify", "--checkpoint", str(written), "--json"])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout)["checkpoints"] == 1

    with context.db.engine.begin() as conn:  # cut the tail and move the head to match
        conn.execute(sa.text("delete from audit_log where seq > 6"))
        conn.execute(
            sa.text(
                "update audit_head set seq = 6,"
                " hash = (select hash from audit_log where seq = 6) where id = 1"
            )
        )
    plain = runner.invoke(app, ["audit", "verify"])
    assert plain.exit_code == 0, plain.output
    cut = runner.invoke(app, ["audit", "verify", "--checkpoint", str(written), "--json"])
    assert cut.exit_code == 1
    found = json.loads(cut.stdout)
    assert {f["problem"] for f in found["findings"]} == {"truncated"}
    assert found["code"] == "audit_broken"

    not_json = tmp_path / "nonsense.json"
    not_json.write_text("{")
    bad = runner.invoke(app, ["audit", "verify", "--checkpoint", str(not_json)])
    assert bad.exit_code == 2
