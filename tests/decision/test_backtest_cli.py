"""`fengkong policy backtest CANDIDATE --since DATE`: a policy file or a stored version, a table
or a `--json` document; exit 2 on a bad date or a policy that does not compile (with its line),
1 when there is nothing to back-test or no such version."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from decision.test_backtest_support import DEMO_TEXT, NEW_SEGMENT, STRICTER, decide, demo_with
from fengkong.bootstrap import Context
from fengkong.cli import app
from fengkong.decision import policy_registry

runner = CliRunner()
BASELINE = ("--baseline", "demo-german-v3")


@pytest.fixture
def decided(context: Context, german: pd.DataFrame, monkeypatch: pytest.MonkeyPatch) -> Context:
    decide(context, german, 20)
    monkeypatch.setattr("fengkong.cli.policy.context", lambda: context)
    monkeypatch.delenv("FENGKONG_API_KEY", raising=False)
    monkeypatch.setenv("FENGKONG_SESSION", "fks_risk")  # a risk manager back-tests
    return context


def test_a_policy_file_is_back_tested_as_json_and_as_a_table(
    decided: Context, tmp_path: Path
) -> None:
    candidate = tmp_path / "stricter.yaml"
    candidate.write_text(demo_with(NEW_SEGMENT, STRICTER), encoding="utf-8")
    since = decided.clock.business_date().isoformat()

    done = runner.invoke(app, ["policy", "backtest", str(candidate), "--since", since, "--json"])
    assert done.exit_code == 0, done.output
    report = json.loads(done.stdout)
    assert report["policy"] == "demo-german-v3" and report["since"] == since
    assert report["decisions"] == 20 and report["baseline"] == "stored decisions"
    assert report["swap_in"]["count"] == 0 and report["swap_out"]["count"] > 0
    assert report["candidate"]["approve"] < report["current"]["approve"]

    table = runner.invoke(app, ["policy", "backtest", str(candidate), "--since", since])
    assert table.exit_code == 0, table.output
    assert "Swap set" in table.stdout and "Price changes" in table.stdout


def test_a_stored_version_is_back_tested_and_compared_with_a_baseline(decided: Context) -> None:
    with decided.uow() as uow:
        policy_registry.submit(
            uow,
            demo_with(NEW_SEGMENT, STRICTER),
            author="zhang",
            clock=decided.clock,
            validate=lambda text: "demo-german-v3",
        )
        uow.commit()
    since = decided.clock.business_date().isoformat()
    done = runner.invoke(app, ["policy", "backtest", "demo-german-v3", "--since", since, "--json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["swap_out"]["count"] > 0

    itself = runner.invoke(
        app,
        ["policy", "backtest", "demo-german-v3", "--since", since, *BASELINE, "--json"],
    )
    assert itself.exit_code == 0, itself.output
    same = json.loads(itself.stdout)
    assert same["baseline"] == "demo-german-v3"
    assert same["swap_in"]["count"] == same["swap_out"]["count"] == 0


def test_refusals_and_their_exit_codes(decided: Context, tmp_path: Path) -> None:
    today = decided.clock.business_date()
    yesterday = (today - timedelta(days=1)).isoformat()
    good = tmp_path / "same.yaml"
    good.write_text(DEMO_TEXT, encoding="utf-8")

    bad_date = runner.invoke(app, ["policy", "backtest", str(good), "--since", "2026-02-30"])
    assert bad_date.exit_code == 2 and "since" in bad_date.stderr

    backwards = runner.invoke(
        app,
        ["policy", "backtest", str(good), "--since", today.isoformat(), "--until", yesterday],
    )
    assert backwards.exit_code == 2 and "until" in backwards.stderr

    broken = tmp_path / "broken.yaml"
    broken.write_text(demo_with('  A: "0.108"', '  A: "1.5"'), encoding="utf-8")
    refused = runner.invoke(app, ["policy", "backtest", str(broken), "--since", today.isoformat()])
    assert refused.exit_code == 2 and "line " in refused.stderr

    later = (today + timedelta(days=1)).isoformat()
    nothing = runner.invoke(app, ["policy", "backtest", str(good), "--since", later])
    assert nothing.exit_code == 1 and "no stored decisions" in nothing.stderr

    unknown = runner.invoke(app, ["policy", "backtest", "no-such-v9", "--since", today.isoformat()])
    assert unknown.exit_code == 1 and "no-such-v9" in unknown.stderr
