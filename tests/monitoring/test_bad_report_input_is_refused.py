"""Bad input across the reports and alerts, in one place: for `fengkong report portfolio|vintage|
rolls|concentration|drift|fairness`, `fengkong alerts …` and their endpoints, a date before the
first snapshot, after the last end of day (or after today, for the model reports), malformed or
out of the calendar, an unknown dimension, a bad count or limit, an early-warning rule on an
unknown metric or segment: each is refused with a message naming what is allowed (the CLI on
stderr, and in `--json`, exit 2; the API 422 problem+json), never a 500 or a traceback. An
unknown model or alert is not found (exit 1, 404). Input is refused before anything is
written: a refused evaluation clears no alert."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from fakes.api import api_client
from fengkong.bootstrap import Context
from fengkong.cli import app
from fengkong.core.clock import BUSINESS_TZ, FakeClock, SystemClock
from fengkong.db.database import Database
from fengkong.db.migrate import upgrade
from fengkong.lending.disbursement import disburse
from fengkong.lending.eod import run_end_of_day
from fengkong.lending.origination import accept_offer
from fengkong.monitoring.alert_rules import METRICS, BadRules, parse_rules
from lending.test_service_support import lending_services, seed_approved

runner = CliRunner()
DAY = date(2026, 3, 31)  # the API's snapshot: a month end, so the curves have a point
BEFORE, AFTER = DAY - timedelta(days=1), DAY + timedelta(days=1)
BAD_METRIC_RULES = (
    "rules:\n  - {id: r, metric: npl_ratio, kind: level, side: above, threshold: 1}\n"
)


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """SQLite only: what is refused is refused before any SQL, the same on every database."""
    return f"sqlite:///{tmp_path / 'fengkong.db'}"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 3, 31, 9, 30, tzinfo=BUSINESS_TZ))


@pytest.fixture
def client(context: Context) -> Iterator[TestClient]:
    """A book of two loans and the snapshot of DAY, its only one."""
    svc = context.lending
    for k, amount in enumerate((500_000, 300_000)):
        application = seed_approved(
            context.db,  # type: ignore[arg-type]
            context.clock,
            amount=amount,
            region="44",
            industry="C",
            vault=context.vault,
        )
        disburse(accept_offer(application, f"acc{k}", svc).record.loan_id, f"pay{k}", svc)
    run_end_of_day(DAY, svc, steps=context.eod_steps())
    with api_client(context) as c:
        yield c


# (path, query, field refused, what the refusal names)
API_REFUSALS: list[tuple[str, dict[str, str], str, str]] = [
    ("/v1/reports/portfolio", {"date": BEFORE.isoformat()}, "date", "snapshots run from"),
    ("/v1/reports/portfolio", {"date": AFTER.isoformat()}, "date", "after the last end of day"),
    ("/v1/reports/portfolio", {"date": "2026-02-30"}, "date", "YYYY-MM-DD"),
    ("/v1/reports/portfolio", {"date": "0001-01-01"}, "date", "snapshots run from"),
    ("/v1/reports/portfolio", {"date": "9999-12-31"}, "date", "snapshots run from"),
    ("/v1/reports/portfolio", {"by": "employer"}, "by", "industry"),
    ("/v1/reports/portfolio", {"by": "region,planet"}, "by", "score_band"),
    ("/v1/reports/vintage", {"date": BEFORE.isoformat()}, "date", "snapshots run from"),
    ("/v1/reports/vintage", {"date": AFTER.isoformat()}, "date", "snapshots run from"),
    ("/v1/reports/vintage", {"date": "31/03/2026"}, "date", "YYYY-MM-DD"),
    ("/v1/reports/rolls", {"by": "employer"}, "by", "industry"),
    ("/v1/reports/rolls", {"by": "product,region"}, "by", "one dimension"),
    ("/v1/reports/rolls", {"by": "vintage"}, "by", "score_band"),
    ("/v1/reports/rolls", {"date": "9999-12-31"}, "date", "snapshots run from"),
    ("/v1/reports/concentration", {"by": "score_band"}, "by", "industry"),
    ("/v1/reports/concentration", {"top": "0"}, "top", "1 to 20"),
    ("/v1/reports/concentration", {"top": "many"}, "top", "1 to 20"),
    ("/v1/reports/concentration", {"date": BEFORE.isoformat()}, "date", "snapshots run from"),
    ("/v1/reports/drift", {"model": "m", "to": "2026-04-01"}, "to", "after today"),
    (
        "/v1/reports/drift",
        {"model": "m", "from": "2026-03-31", "to": "2026-03-01"},
        "from",
        "after",
    ),
    ("/v1/reports/drift", {"model": "m", "by": "week"}, "by", "day, month"),
    ("/v1/reports/drift", {"model": "m", "from": "2026-02-30"}, "from", "YYYY-MM-DD"),
    ("/v1/reports/drift", {"model": "m", "to": "0001-01-01"}, "to", "dates run from"),
    ("/v1/reports/drift", {"model": "m", "from": "0001-01-01"}, "from", "dates run from"),
    ("/v1/reports/drift", {"model": "m", "by": "day", "from": "2020-01-01"}, "from", "at most"),
    ("/v1/reports/drift", {"model": "m", "mature_months": "0"}, "mature_months", "at least 1"),
    ("/v1/reports/fairness", {"model": "m", "to": "2099-01-01"}, "to", "after today"),
    ("/v1/reports/fairness", {"model": "m", "to": "0001-01-01"}, "to", "dates run from"),
    ("/v1/reports/fairness", {"model": "m", "air_floor": "2"}, "air_floor", "between 0 and 1"),
    ("/v1/reports/fairness", {"model": "m", "min_group": "0"}, "min_group", "at least 1"),
    ("/v1/alerts", {"status": "closed"}, "status", "acknowledged"),
]


@pytest.mark.parametrize(("path", "query", "field", "names"), API_REFUSALS)
def test_the_api_refuses_bad_input_in_problem_json(
    client: TestClient, path: str, query: dict[str, str], field: str, names: str
) -> None:
    refused = client.get(path, params=query)
    assert refused.status_code == 422, (path, query, refused.text)
    assert refused.headers["content-type"].startswith("application/problem+json")
    errors = refused.json()["errors"]
    assert any(field in e["loc"] for e in errors), errors
    assert names in json.dumps(errors, ensure_ascii=False), errors


def test_the_api_refuses_an_evaluation_outside_the_snapshots_and_clears_nothing(
    client: TestClient,
) -> None:
    standing = client.get("/v1/alerts").json()["alerts"]
    for when, names in (
        (BEFORE, "snapshots run from"),
        (AFTER, "after the last end of day"),
        ("2026-13-01", "YYYY-MM-DD"),
    ):
        body = {"date": str(when)}
        refused = client.post("/v1/alerts/evaluate", json=body)
        assert refused.status_code == 422, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert names in refused.text
    assert client.get("/v1/alerts").json()["alerts"] == standing
    assert client.post("/v1/alerts/evaluate", json={"date": DAY.isoformat()}).status_code == 200


def test_unknown_models_and_alerts_are_not_found(client: TestClient) -> None:
    for path, query in (
        ("/v1/reports/drift", {"model": "nobody-v9"}),
        ("/v1/reports/fairness", {"model": "nobody-v9"}),
    ):
        missing = client.get(path, params=query)
        assert missing.status_code == 404, missing.text
        assert missing.headers["content-type"].startswith("application/problem+json")
    missing = client.post("/v1/alerts/alr_none/acknowledge", json={"note": "seen"})
    assert missing.status_code == 404, missing.text


def test_the_api_refuses_a_rule_on_an_unknown_metric(
    client: TestClient, context: Context, tmp_path: Path
) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(BAD_METRIC_RULES, encoding="utf-8")
    context.settings = context.settings.model_copy(update={"early_warning_rules_file": rules})
    del context.early_warning  # read again: the rules are read once per context
    refused = client.post("/v1/alerts/evaluate", json={})
    assert refused.status_code == 422, refused.text
    (error,) = refused.json()["errors"]
    assert error["loc"][-1] == "metric" and error["allowed"] == list(METRICS)
    assert "npl_ratio" in error["msg"] and "m3_plus_rate" in error["msg"]


@pytest.mark.parametrize(
    ("scope", "names"),
    [
        ("{dimension: employer}", "industry"),
        ("{dimension: region, segment: '99'}", "44"),
        ("{dimension: industry, segment: C13}", "T"),
        ("{dimension: channel, segment: tv}", "mini_program"),
        ("{dimension: score_band, segment: 700+}", "650+"),
        ("{dimension: vintage, segment: 2026-13}", "YYYY-MM"),
    ],
)
def test_a_rule_on_an_unknown_dimension_or_segment_is_refused(scope: str, names: str) -> None:
    import yaml

    doc = yaml.safe_load(
        "rules:\n  - {id: r, metric: coverage, kind: level, side: below, threshold: 1,"
        f" scope: {scope}}}\n"
    )
    with pytest.raises(BadRules) as refused:
        parse_rules(doc, "rules.yaml")
    (error,) = refused.value.errors
    assert error.loc[-2:] in (("scope", "dimension"), ("scope", "segment"))
    assert names in error.msg or names in (error.allowed or ())


def test_known_segments_of_every_dimension_are_taken() -> None:
    import yaml

    for scope in (
        "{dimension: region, segment: 44}",
        "{dimension: region, segment: unknown}",
        "{dimension: industry, segment: C}",
        "{dimension: channel, segment: app}",
        "{dimension: score_band, segment: '<500'}",
        "{dimension: vintage, segment: 2026-03}",
        "{dimension: product, segment: any_code}",
    ):
        doc = yaml.safe_load(
            "rules:\n  - {id: r, metric: coverage, kind: level, side: below, threshold: 1,"
            f" scope: {scope}}}\n"
        )
        (rule,) = parse_rules(doc, "rules.yaml")
        assert rule.scope.segment is not None


# --- the command line ---------------------------------------------------------------------


@pytest.fixture
def installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Two loans paid out today on the clock the CLI uses, in the CLI's own SQLite home."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("FENGKONG_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("FENGKONG_DATABASE_URL", url)
    monkeypatch.setenv("FENGKONG_CONFIG", str(tmp_path / "absent.toml"))
    db = Database(url)
    upgrade(db)
    clock = SystemClock()
    svc = lending_services(db, clock)  # type: ignore[arg-type]
    for k, industry in enumerate(("C", None)):
        application = seed_approved(db, clock, amount=400_000, industry=industry)  # type: ignore[arg-type]
        disburse(accept_offer(application, f"acc{k}", svc).record.loan_id, f"pay{k}", svc)
    db.dispose()
    return tmp_path


def _run(*args: str) -> tuple[int, str, str, BaseException | None]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr, result.exception


def _cli_refusals(today: date) -> list[tuple[list[str], str, str]]:
    before, after = (today - timedelta(days=1)).isoformat(), (today + timedelta(days=1)).isoformat()
    return [
        (["report", "portfolio", "--date", before], "date", "snapshots run from"),
        (["report", "portfolio", "--date", after], "date", "after the last end of day"),
        (["report", "portfolio", "--date", "yesterday"], "date", "YYYY-MM-DD"),
        (["report", "portfolio", "--by", "employer"], "by", "industry"),
        (["report", "vintage", "--date", before], "date", "snapshots run from"),
        (["report", "vintage", "--date", after], "date", "snapshots run from"),
        (["report", "rolls", "--by", "employer"], "by", "industry"),
        (["report", "rolls", "--by", "product,region"], "by", "one dimension"),
        (["report", "concentration", "--by", "vintage"], "by", "industry"),
        (["report", "concentration", "--top", "21"], "top", "1 to 20"),
        (["report", "concentration", "--date", after], "date", "snapshots run from"),
        (["report", "drift", "--model", "m", "--to", after], "to", "after today"),
        (["report", "drift", "--model", "m", "--by", "week"], "by", "day, month"),
        (["report", "drift", "--model", "m", "--to", "0001-01-01"], "to", "dates run from"),
        (["report", "drift", "--model", "m", "--from", "2026-02-30"], "from", "YYYY-MM-DD"),
        (["report", "drift", "--model", "m", "--mature-months", "0"], "mature_months", "least 1"),
        (["report", "fairness", "--model", "m", "--to", after], "to", "after today"),
        (["report", "fairness", "--model", "m", "--air-floor", "1.5"], "air_floor", "0 and 1"),
        (["alerts", "evaluate", "--date", before], "date", "snapshots run from"),
        (["alerts", "evaluate", "--date", after], "date", "after the last end of day"),
        (["alerts", "evaluate", "--date", "2026-02-30"], "date", "YYYY-MM-DD"),
        (["alerts", "list", "--status", "closed"], "status", "acknowledged"),
    ]


def test_the_commands_refuse_bad_input_with_exit_2(
    installed: Path, staff_login: Callable[[str], None]
) -> None:
    today = SystemClock().business_date()
    staff_login("fks_admin")
    assert _run("eod", "--json")[0] == 0
    staff_login("fks_risk")
    for args, field, names in _cli_refusals(today):
        code, out, err, raised = _run(*args, "--json")
        assert code == 2, (args, out, err)
        assert isinstance(raised, SystemExit), (args, raised)  # no traceback
        doc: dict[str, Any] = json.loads(out)
        assert doc["category"] == "invalid", (args, doc)
        assert any(field in e["loc"] for e in doc["errors"]), (args, doc)
        assert names in json.dumps(doc["errors"], ensure_ascii=False), (args, doc)
        # Without --json: the same on stderr, nothing on stdout.
        code, out, err, raised = _run(*args)
        assert code == 2 and out == "" and names in err and "Traceback" not in err, (args, err)

    for args in (
        ["report", "drift", "--model", "nobody-v9"],
        ["report", "fairness", "--model", "nobody-v9"],
    ):
        code, out, _, raised = _run(*args, "--json")
        assert code == 1 and json.loads(out)["category"] == "not_found", (args, out)
        assert isinstance(raised, SystemExit)
    code, out, _, _ = _run("alerts", "ack", "alr_none", "--note", "seen", "--json")
    assert code == 1 and json.loads(out)["category"] == "not_found"


def test_the_commands_refuse_a_rule_on_an_unknown_metric(
    installed: Path, staff_login: Callable[[str], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    staff_login("fks_admin")
    assert _run("eod", "--json")[0] == 0
    staff_login("fks_risk")
    rules = installed / "rules.yaml"
    rules.write_text(BAD_METRIC_RULES, encoding="utf-8")
    monkeypatch.setenv("FENGKONG_EARLY_WARNING_RULES_FILE", str(rules))
    code, out, err, raised = _run("alerts", "evaluate", "--json")
    assert code == 2 and isinstance(raised, SystemExit), (out, err)
    (error,) = json.loads(out)["errors"]
    assert error["loc"][-1] == "metric" and error["allowed"] == list(METRICS)
    code, out, err, _ = _run("alerts", "evaluate")
    assert code == 2 and "npl_ratio" in err and "m3_plus_rate" in err and "Traceback" not in err
