"""`fengkong model profile` prints each column's verdict; `model train` prints it too, trains
on the features only (a GBM on a file with `Unnamed: 0` no longer crashes), honours --keep,
--exclude and --ordinal, and refuses a bad file, an unknown target or a non-binary one with
exit 2; `score --no-reasons` writes score and PD only."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fengkong.cli import app
from lender_files import lender_file

runner = CliRunner()


@pytest.fixture
def data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, staff_login: Callable[[str], None]
) -> Path:
    monkeypatch.setenv("FENGKONG_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("FENGKONG_DATABASE_URL", raising=False)
    monkeypatch.setenv("FENGKONG_CONFIG", str(tmp_path / "absent.toml"))
    staff_login("fks_risk")
    path = tmp_path / "lender.csv"
    lender_file(500, seed=3).drop(columns="Unnamed: 0").to_csv(path)  # pandas writes its index
    return path


def test_profile_lists_every_column_with_its_verdict(data: Path) -> None:
    result = runner.invoke(app, ["model", "profile", str(data), "--target", "bad", "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    verdicts = {c["name"]: c["verdict"] for c in doc["columns"]}
    assert verdicts["Unnamed: 0"] == "id" and verdicts["recoveries"] == "leakage"
    assert "Unnamed: 0" not in doc["features"] and "grade" in doc["features"]
    text = runner.invoke(app, ["model", "profile", str(data), "--target", "bad"])
    assert text.exit_code == 0 and "Unnamed: 0" in text.stdout and "leakage" in text.stdout


def test_train_a_gbm_on_a_file_with_a_pandas_row_index(data: Path) -> None:
    args = ["model", "train", "--data", str(data), "--target", "bad", "--kind", "gbm"]
    years = ",".join(["10+ years", *(f"{k} years" for k in range(9, 0, -1)), "< 1 year"])
    extra = ["--keep", "Unnamed: 0", "--exclude", "grade", "--ordinal", f"emp_length={years}"]
    result = runner.invoke(app, [*args, *extra, "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert "Unnamed: 0" in doc["features"] and "grade" not in doc["features"]
    gbm = json.loads(Path(doc["artifact"]).read_text(encoding="utf-8"))["gbm"]
    assert gbm["orders"]["emp_length"] == years.split(",")
    assert {"id", "rownames", "recoveries"}.isdisjoint(doc["features"])
    verdicts = {c["name"]: c["verdict"] for c in doc["profile"]["columns"]}
    assert verdicts["grade"] == "excluded" and verdicts["Unnamed: 0"] == "feature"
    report = Path(doc["report"]).read_text(encoding="utf-8")
    assert "Data profile" in report and "Unnamed: 0" in report and "leakage" in report
    assert "floor_points" in report
    plain = runner.invoke(app, ["model", "train", "--data", str(data), "--target", "bad"])
    assert plain.exit_code == 0, plain.output
    assert "data profile" in plain.stdout and "rownames" in plain.stdout


@pytest.mark.parametrize(
    ("target", "content", "message"),
    [
        ("outcome", None, "no column"),
        ("grade", None, "not a binary target"),
        ("bad", b"\x00\xff\xfe garbage", "cannot read"),
        ("ordinal", None, "expected COL=A,B,C"),
    ],
)
def test_bad_input_exits_2_with_a_message(
    data: Path, target: str, content: bytes | None, message: str
) -> None:
    if content is not None:
        data.write_bytes(content)
    if target == "ordinal":
        result = runner.invoke(
            app, ["model", "train", "--data", str(data), "--target", "bad", "--ordinal", "grade"]
        )
        assert result.exit_code == 2 and message in result.stderr, result.output
        return
    for command in (["model", "profile", str(data)], ["model", "train", "--data", str(data)]):
        result = runner.invoke(app, [*command, "--target", target])
        assert result.exit_code == 2, result.output
        assert message in result.stderr and "Traceback" not in result.output


def test_profile_train_and_score_read_tsv_gzip_and_any_separator(data: Path) -> None:
    import pandas as pd

    frame = pd.read_csv(data)
    tsv = data.with_name("lender.tsv.gz")
    frame.to_csv(tsv, sep="\t", index=False)
    semi = data.with_name("lender_semicolons.csv")
    frame.to_csv(semi, sep=";", index=False)
    profile = runner.invoke(app, ["model", "profile", str(tsv), "--target", "bad", "--json"])
    assert profile.exit_code == 0, profile.output
    assert "grade" in json.loads(profile.stdout)["features"]
    refused = runner.invoke(app, ["model", "profile", str(semi), "--target", "bad"])
    assert refused.exit_code == 2 and "--sep" in refused.output
    args = ["model", "train", "--data", str(semi), "--sep", ";", "--target", "bad", "--json"]
    trained = runner.invoke(app, args)
    assert trained.exit_code == 0, trained.output
    version = json.loads(trained.stdout)["version"]
    out = data.with_name("scored.csv")
    scored = runner.invoke(
        app, ["score", "--model", version, "--data", str(tsv), "--out", str(out), "--json"]
    )
    assert scored.exit_code == 0, scored.output
    assert json.loads(scored.stdout)["rows"] == len(frame)
    parquet = data.with_name("lender.parquet")
    frame.to_parquet(parquet, index=False)
    quick = data.with_name("quick.parquet")
    args = ["score", "--model", version, "--data", str(parquet), "--out", str(quick)]
    fast = runner.invoke(app, [*args, "--no-reasons", "--json"])
    assert fast.exit_code == 0, fast.output
    assert json.loads(fast.stdout)["reasons"] is False
    assert list(pd.read_parquet(quick).columns) == [*frame.columns, "score", "pd"]
    assert (pd.read_parquet(quick)["score"] == pd.read_csv(out)["score"]).all()
    garbled = data.with_name("garbled.csv.gz")
    garbled.write_bytes(b"not gzip at all")
    bad = runner.invoke(app, ["model", "profile", str(garbled), "--target", "bad"])
    assert bad.exit_code == 2 and "cannot read garbled.csv.gz" in bad.output
