"""The command line: exit codes, --json documents on stdout, messages on stderr."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from factories import body
from fengkong.cli import app

runner = CliRunner()


@pytest.fixture
def env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, staff_login: Callable[[str], None]
) -> Path:
    """A home of its own, logged in as the person holding every role."""
    staff_login("fks_all")
    monkeypatch.setenv("FENGKONG_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("FENGKONG_DATABASE_URL", raising=False)
    monkeypatch.setenv("FENGKONG_CONFIG", str(tmp_path / "absent.toml"))
    return tmp_path


def _data(env: Path, german) -> Path:  # type: ignore[no-untyped-def]
    path = env / "german.csv"
    german.to_csv(path, index=False)
    return path


def test_train_then_apply(  # type: ignore[no-untyped-def]
    env: Path, german, staff_login: Callable[[str], None]
) -> None:
    staff_login("fks_risk")
    trained = runner.invoke(
        app,
        [
            "model",
            "train",
            "--data",
            str(_data(env, german)),
            "--target",
            "creditability",
            "--json",
        ],
    )
    assert trained.exit_code == 0, trained.output
    doc = json.loads(trained.stdout)
    assert doc["version"] == "application-v1" and doc["status"] == "candidate"
    assert 0.7 < doc["metrics"]["test"]["auc"] < 0.9

    # A candidate scores nothing until one person asks and another approves its promotion.
    asked = runner.invoke(app, ["model", "request-promotion", "application-v1", "--json"])
    assert asked.exit_code == 0, asked.output
    request_id = json.loads(asked.stdout)["request_id"]
    assert runner.invoke(app, ["model", "approve", request_id]).exit_code == 1  # not an approver
    staff_login("fks_approver")
    promoted = runner.invoke(app, ["model", "approve", request_id, "--json"])
    assert promoted.exit_code == 0, promoted.output
    assert json.loads(promoted.stdout)["champion"] == "application-v1"

    application = env / "app.json"
    application.write_text(json.dumps(body()))
    staff_login("fks_channel")  # the lender's app, as a channel key
    decided = runner.invoke(app, ["apply", str(application), "--json"])
    assert decided.exit_code == 0, decided.output
    assert json.loads(decided.stdout)["outcome"] in ("approve", "decline", "refer")

    staff_login("fks_auditor")
    listed = runner.invoke(app, ["model", "list", "--json"])
    assert [m["status"] for m in json.loads(listed.stdout)] == ["champion"]


def test_bad_application_file_exits_2(env: Path) -> None:
    bad = env / "bad.json"
    bad.write_text(json.dumps(body(amount="-1")))
    result = runner.invoke(app, ["apply", str(bad)])
    assert result.exit_code == 2
    assert "amount" in result.stderr and result.stdout == ""
    malformed = env / "malformed.json"
    malformed.write_text("{")
    assert runner.invoke(app, ["apply", str(malformed)]).exit_code == 2
    assert runner.invoke(app, ["apply", str(env / "missing.json")]).exit_code == 2


def test_train_on_a_bad_target_exits_2(env: Path, german) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(
        app, ["model", "train", "--data", str(_data(env, german)), "--target", "purpose"]
    )
    assert result.exit_code == 2
    assert "binary" in result.stderr


def test_apply_without_a_model_exits_1(env: Path) -> None:
    application = env / "app.json"
    application.write_text(json.dumps(body()))
    result = runner.invoke(app, ["apply", str(application)])
    assert result.exit_code == 1
    assert "model train" in result.stderr


def test_db_upgrade_json(env: Path) -> None:
    result = runner.invoke(app, ["db", "upgrade", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["revision"]


def test_demo_reports_real_figures(env: Path) -> None:
    command = ["demo", "--holdout", "100", "--months", "1", "--applicants-per-day", "3", "--json"]
    result = runner.invoke(app, command)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    german = report["german"]
    assert german["decided"] == 100 and sum(german["outcomes"].values()) == 100
    assert 0.65 < german["holdout_auc"] < 0.95
    rates = german["bad_rate_by_outcome"]
    assert rates["approve"] < rates["decline"]
    year = report["year"]  # a month of the lender's simulated book, verified, with its report
    assert year["books_verified"] and Path(year["report"]).is_file()
    assert year["summary"]["applications"] > 0 and year["summary"]["booked_count"] > 0
    assert {u["login"] for u in report["access"]["users"]} >= {"admin", "officer"}


def test_train_gbm_out_of_time_then_score_a_file(env: Path, german) -> None:  # type: ignore[no-untyped-def]
    data = env / "dated.csv"
    days = pd.date_range("2024-01-01", periods=len(german), freq="8h").strftime("%Y-%m-%d")
    german.assign(applied_at=days).to_csv(data, index=False)
    trained = runner.invoke(
        app,
        [
            "model",
            "train",
            "--data",
            str(data),
            "--target",
            "creditability",
            "--kind",
            "gbm",
            "--time-col",
            "applied_at",
            "--json",
        ],
    )
    assert trained.exit_code == 0, trained.output
    doc = json.loads(trained.stdout)
    assert doc["kind"] == "gbm" and doc["status"] == "candidate"
    assert {"train", "validation", "test", "stability"} <= set(doc["metrics"])
    assert len(doc["metrics"]["stability"]["psi_by_period"]) == 11
    assert Path(doc["report"]).exists()

    out = env / "scored.parquet"
    scored = runner.invoke(
        app, ["score", "--model", doc["version"], "--data", str(data), "--out", str(out), "--json"]
    )
    assert scored.exit_code == 0, scored.output
    assert json.loads(scored.stdout)["rows"] == len(german)
    frame = pd.read_parquet(out)
    assert {"score", "pd", "reason_1"} <= set(frame.columns) and frame["pd"].between(0, 1).all()


def test_score_refuses_missing_columns_and_a_tampered_model(env: Path, german) -> None:  # type: ignore[no-untyped-def]
    trained = runner.invoke(
        app,
        [
            "model",
            "train",
            "--data",
            str(_data(env, german)),
            "--target",
            "creditability",
            "--json",
        ],
    )
    doc = json.loads(trained.stdout)
    assert Path(doc["artifact"]).with_name(f"{doc['version']}.sql").exists()
    thin = env / "thin.csv"
    german.drop(columns=["duration_in_month"]).to_csv(thin, index=False)
    out = env / "out.csv"
    missing = runner.invoke(
        app, ["score", "--model", doc["version"], "--data", str(thin), "--out", str(out)]
    )
    assert missing.exit_code == 2 and "duration_in_month" in missing.stderr
    artifact = Path(doc["artifact"])
    artifact.write_bytes(artifact.read_bytes().replace(b'"points":', b'"points": ', 1))
    tampered = runner.invoke(
        app,
        ["score", "--model", doc["version"], "--data", str(_data(env, german)), "--out", str(out)],
    )
    assert tampered.exit_code == 1 and "sha256" in tampered.stderr


def test_train_with_a_bad_config_key_exits_2(env: Path, german) -> None:  # type: ignore[no-untyped-def]
    config = env / "model.yaml"
    config.write_text("scorecard:\n  min_ivv: 0.1\n")
    result = runner.invoke(
        app,
        [
            "model",
            "train",
            "--data",
            str(_data(env, german)),
            "--target",
            "creditability",
            "--config",
            str(config),
        ],
    )
    assert result.exit_code == 2 and "scorecard.min_ivv" in result.stderr
