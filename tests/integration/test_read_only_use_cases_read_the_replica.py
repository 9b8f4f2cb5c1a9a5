"""`FENGKONG_READ_DATABASE_URL`: the portfolio lists, the reports and the alert list read a
second engine, everything else the primary. Here the read URL is the test database itself through
connections that refuse writes (`default_transaction_read_only`), so a write sent there fails:
the routes and commands answer as they do without it, decisions and the other writes still
succeed, and the reads are seen on the read engine (its statements counted; a read URL naming
another database gives that database's answers). A read URL that cannot be, or cannot be reached,
refuses the start."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from factories import body
from fakes.api import api_client
from fengkong.bootstrap import Context, bootstrap, load_vault
from fengkong.cli import app
from fengkong.core.clock import SystemClock
from fengkong.core.errors import Invalid
from fengkong.core.settings import Settings, load_settings
from fengkong.db.database import Database
from fengkong.db.tables import decisions, model_versions
from fengkong.decision.bundle import read_shipped_bundle
from fengkong.lending.disbursement import disburse
from fengkong.lending.eod import run_end_of_day
from fengkong.lending.origination import accept_offer
from fengkong.monitoring.early_warning import Alert, AlertStatus
from lending.test_service_support import lending_services, seed_approved

runner = CliRunner()


def read_only(url: str) -> str:
    """`url` through connections whose every transaction is read-only, as on a hot standby."""
    return (
        sa.engine.make_url(url)
        .update_query_dict({"options": "-c default_transaction_read_only=on"})
        .render_as_string(hide_password=False)
    )


def counted(db: Database) -> list[str]:
    """The statements `db`'s engine sends from now on (its read-only views' too)."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    return seen


@pytest.fixture
def other_database(postgres_template: str, migrated_postgres_url: str) -> Iterator[str]:
    """A second database at the migrations' heads, on the same server, holding nothing."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(migrated_postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'create database "{name}" template "{postgres_template}"'))
    try:
        yield (
            sa.engine.make_url(migrated_postgres_url)
            .set(database=name)
            .render_as_string(hide_password=False)
        )
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'drop database if exists "{name}" with (force)'))
        admin.dispose()


# ---- the API ---------------------------------------------------------------------------------


def _book(context: Context) -> str:
    """Two loans in March decided by the champion, end of day caught up to the end of April, an
    alert opened in April. The model's version."""
    clock, svc = context.clock, context.lending
    for k, (amount, region) in enumerate(((600_000, "32"), (300_000, "11"))):
        application = seed_approved(
            context.db, clock, amount=amount, region=region, vault=context.vault
        )  # type: ignore[arg-type]
        disburse(accept_offer(application, f"acc{k}", svc).record.loan_id, f"pay{k}", svc)
    with context.db.engine.begin() as conn:
        version = conn.execute(sa.select(model_versions.c.version)).scalar_one()
        conn.execute(sa.update(decisions).values(model_version=version))
    for day in ((2026, 3, 31), (2026, 4, 30)):
        clock.set(datetime(*day, 9, 0, tzinfo=UTC))
        run_end_of_day(clock.business_date(), svc, steps=context.eod_steps())
    with context.uow() as uow:
        uow.alerts.add(
            Alert(
                "alr_replica", "coverage_below_1", "coverage", "level", "critical", "all", "all",
                "coverage below 1 (all)", AlertStatus.OPEN, date(2026, 4, 15), clock.now(),
                date(2026, 4, 15), 1, Decimal("0.5"), Decimal("1"),
            )
        )  # fmt: skip
        uow.commit()
    return str(version)


def _read_paths(model: str) -> list[tuple[str, dict[str, str]]]:
    window = {"model": model, "from": "2026-03-01", "to": "2026-04-30"}
    return [
        ("/v1/applications", {}),
        ("/v1/decisions", {}),
        ("/v1/loans", {}),
        ("/v1/lines", {}),
        ("/v1/reports/portfolio", {}),
        ("/v1/reports/vintage", {}),
        ("/v1/reports/rolls", {"by": "region"}),
        ("/v1/reports/concentration", {}),
        ("/v1/reports/stress", {"scenario": "baseline"}),
        ("/v1/reports/monthly", {"month": "2026-04"}),
        ("/v1/reports/drift", {**window, "by": "month"}),
        ("/v1/reports/fairness", window),
        ("/v1/alerts", {}),
    ]


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_the_routes_read_the_replica_and_write_the_primary(
    context: Context, settings: Settings
) -> None:
    model = _book(context)
    on_primary = api_client(context)
    replicated = bootstrap(
        settings.model_copy(
            update={"read_database_url": read_only(settings.resolved_database_url)}
        ),
        clock=context.clock,
        policy=read_shipped_bundle("demo-german.yaml"),
        migrate=False,
    )
    try:
        assert replicated.replica is not None and replicated.reads.on_replica
        assert not context.reads.on_replica and context.reads.db is context.db
        client = api_client(replicated)
        primary_statements = counted(replicated.db)
        replica_statements = counted(replicated.replica)

        for path, params in _read_paths(model):
            primary_statements.clear()
            replica_statements.clear()
            expected = on_primary.get(path, params=params)
            got = client.get(path, params=params)
            assert expected.status_code == 200, (path, expected.text)
            assert (got.status_code, got.text) == (expected.status_code, expected.text), path
            assert replica_statements and not primary_statements, path
        assert len(client.get("/v1/loans").json()["items"]) == 2
        assert [a["alert_id"] for a in client.get("/v1/alerts").json()["alerts"]] == ["alr_replica"]

        # Writes, and the reads of what was just written, go to the primary: a statement sent
        # to the read-only engine would fail the request.
        decided = client.post("/v1/applications", json=body())
        assert decided.status_code == 201, decided.text
        shown = client.get(f"/v1/applications/{decided.json()['application_id']}")
        assert shown.status_code == 200, shown.text
        acked = client.post("/v1/alerts/alr_replica/acknowledge", json={"note": "seen"})
        assert acked.status_code == 200, acked.text
        evaluated = client.post("/v1/alerts/evaluate", json={})
        assert evaluated.status_code == 200, evaluated.text
        listed = client.get("/v1/alerts", params={"status": "acknowledged"}).json()["alerts"]
        assert [a["alert_id"] for a in listed] == ["alr_replica"]

        health = client.get("/healthz").json()
        assert health["status"] == "ok" and health["read_database"] == "ok"
        assert health["database"] == "postgresql"
        assert on_primary.get("/healthz").json()["read_database"] == "primary"
    finally:
        replicated.close()


@pytest.mark.postgres
def test_a_read_only_connection_refuses_a_write(migrated_postgres_url: str) -> None:
    """What the tests above lean on: the read URL's connections cannot write."""
    replica = Database(read_only(migrated_postgres_url))
    try:
        with (
            pytest.raises(sa.exc.InternalError, match="read-only transaction"),
            replica.engine.begin() as conn,
        ):
            conn.execute(sa.update(decisions).values(model_version="x"))
    finally:
        replica.dispose()


def test_healthz_names_an_unreachable_replica(context: Context) -> None:
    """The primary decides the answer; the replica's state is a field of it."""
    context.replica = Database("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")
    context.__dict__.pop("reads", None)
    health = api_client(context).get("/healthz")
    assert health.status_code == 200
    assert health.json()["read_database"] == "unreachable"


# ---- the CLI ---------------------------------------------------------------------------------


@pytest.fixture
def installed(migrated_postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Two loans paid out today on the CLI's clock, in a PostgreSQL database the CLI uses."""
    monkeypatch.setenv("FENGKONG_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("FENGKONG_DATABASE_URL", migrated_postgres_url)
    monkeypatch.setenv("FENGKONG_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.delenv("FENGKONG_READ_DATABASE_URL", raising=False)
    db = Database(migrated_postgres_url)
    clock = SystemClock()
    svc = lending_services(db, clock)  # type: ignore[arg-type]
    vault = load_vault(load_settings())
    for k, (amount, region) in enumerate(((500_000, "44"), (300_000, None))):
        application = seed_approved(db, clock, amount=amount, region=region, vault=vault)  # type: ignore[arg-type]
        disburse(accept_offer(application, f"acc{k}", svc).record.loan_id, f"pay{k}", svc)
    db.dispose()
    return migrated_postgres_url


READ_COMMANDS = [
    ["report", "portfolio"],
    ["report", "vintage"],
    ["report", "rolls"],
    ["report", "concentration"],
    ["report", "stress"],
    ["report", "monthly"],
    ["alerts", "list"],
    ["application", "list"],
    ["decision", "list"],
    ["loan", "list"],
    ["line", "list"],
]


def _run(*args: str) -> tuple[int, Any]:
    result = runner.invoke(app, [*args, "--json"])
    try:
        return result.exit_code, json.loads(result.stdout)
    except json.JSONDecodeError:
        return result.exit_code, result.stdout + result.stderr


def _answers(read_url: str | None, monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, Any]]:
    if read_url is None:
        monkeypatch.delenv("FENGKONG_READ_DATABASE_URL", raising=False)
    else:
        monkeypatch.setenv("FENGKONG_READ_DATABASE_URL", read_url)
    return [_run(*command) for command in READ_COMMANDS]


@pytest.mark.postgres
def test_the_commands_read_the_replica_and_write_the_primary(
    installed: str,
    other_database: str,
    staff_login: Callable[[str], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FENGKONG_READ_DATABASE_URL", read_only(installed))
    staff_login("fks_all")
    code, done = _run("eod")  # writes, with a read-only replica configured
    assert code == 0, done
    code, done = _run("alerts", "evaluate")
    assert code == 0, done
    today = SystemClock().business_date().isoformat()
    code, done = _run("report", "rebuild", "--from", today, "--to", today)
    assert code == 0, done

    replicated = _answers(read_only(installed), monkeypatch)
    assert replicated == _answers(None, monkeypatch)
    by_command = dict(zip((" ".join(c) for c in READ_COMMANDS), replicated, strict=True))
    assert by_command["report portfolio"][0] == 0
    assert by_command["report portfolio"][1]["loans"] == 2
    assert len(by_command["loan list"][1]["items"]) == 2

    # A read URL naming another database: the lists and reports are that database's (empty),
    # while the writes still reach the primary's book.
    monkeypatch.setenv("FENGKONG_READ_DATABASE_URL", read_only(other_database))
    code, found = _run("loan", "list")
    assert code == 0 and found["items"] == []
    code, missing = _run("report", "portfolio")
    assert code == 1 and missing["category"] == "not_found"
    code, alerts = _run("alerts", "list")
    assert code == 0 and alerts == {"alerts": []}
    code, done = _run("report", "rebuild", "--from", today, "--to", today)
    assert code == 0 and done["dates"] == [today], done


@pytest.mark.parametrize(
    ("primary", "read_url", "loc"),
    [
        (None, "postgresql://reader@replica/fengkong", None),  # the SQLite default primary
        ("sqlite:///elsewhere.db", "postgresql://reader@replica/fengkong", None),
        ("postgresql://app@primary/fengkong", "sqlite:///copy.db", "read_database_url"),
        (
            "postgresql://app@primary/fengkong",
            "mysql://reader:secret@replica/x",
            "read_database_url",
        ),
    ],
)
def test_a_read_url_that_cannot_be_refuses_the_settings(
    primary: str | None, read_url: str, loc: str | None
) -> None:
    with pytest.raises(Exception) as refused:
        Settings(env="test", database_url=primary, read_database_url=read_url)
    (error,) = refused.value.errors()  # type: ignore[attr-defined]
    assert error["loc"] == ((loc,) if loc else ())
    assert "secret" not in error["msg"]  # the URL's password is not repeated
    assert "只读副本" in error["msg"]


@pytest.mark.postgres
def test_a_bad_read_url_refuses_the_command_and_serve(
    installed: str,
    staff_login: Callable[[str], None],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    staff_login("fks_all")
    monkeypatch.setenv("FENGKONG_DATABASE_URL", f"sqlite:///{tmp_path / 'primary.db'}")
    monkeypatch.setenv("FENGKONG_READ_DATABASE_URL", read_only(installed))
    code, refused = _run("loan", "list")
    assert code == 2 and refused["category"] == "invalid", refused
    result = runner.invoke(app, ["serve"])
    assert result.exit_code == 2 and "Traceback" not in result.stdout + result.stderr

    monkeypatch.setenv("FENGKONG_DATABASE_URL", installed)
    monkeypatch.setenv("FENGKONG_READ_DATABASE_URL", "postgresql+nodriver://reader@replica/x")
    code, refused = _run("loan", "list")
    assert code == 2 and refused["errors"][0]["loc"] == ["read_database_url"], refused
    monkeypatch.setenv(
        "FENGKONG_READ_DATABASE_URL",
        "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2",
    )
    result = runner.invoke(app, ["serve"])  # unreachable: refused before any worker starts
    assert result.exit_code == 1 and "unreachable" in result.stderr, result.stderr


def test_bootstrap_refuses_an_unreadable_read_url(tmp_path: Path) -> None:
    settings = Settings(
        env="test",
        home=tmp_path,
        database_url="postgresql+psycopg://app@127.0.0.1:1/none",
        read_database_url="postgresql+nodriver://reader@replica/x",
    )
    with pytest.raises(Invalid) as refused:
        bootstrap(settings, migrate=False)
    assert refused.value.errors[0].loc == ("read_database_url",)
