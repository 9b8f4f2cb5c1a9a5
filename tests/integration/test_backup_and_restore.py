"""`fengkong db backup` and `fengkong db restore`: a backup restored into a fresh database (on
PostgreSQL a database created for the test) holds every row of every table the source held,
the audit chain verifies and its head is the manifest's; restoring over a database that holds
tables is refused without --yes, and with it the database is the backup's again; a backup file
says what it holds; without pg_dump the command says what to install, exit 2. On SQLite and
PostgreSQL."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from fengkong.cli import app
from fengkong.db import backup as backup_module
from fengkong.db.database import Database
from fengkong.db.migrate import head_revisions, upgrade
from fengkong.db.uow import SqlUnitOfWork
from fengkong.lending.disbursement import disburse
from fengkong.lending.eod import run_end_of_day
from fengkong.lending.origination import accept_offer
from integration.crash_support import books_verify, snapshot
from lending.test_service_support import START, lending_services, new_clock, seed_approved

runner = CliRunner()


def _books(url: str, round: int = 0) -> tuple[int, int]:
    """Loans booked, paid out and through an end of day: audit records and journal entries."""
    db = Database(url)
    upgrade(db)
    try:
        clock = new_clock(START + timedelta(days=10 * round))
        svc = lending_services(db, clock)
        for k in range(3):
            app_id = seed_approved(db, clock, amount=300_000 + 100_000 * k, terms=3 + k)
            loan = accept_offer(app_id, f"a{round}.{k}", svc).record.loan_id
            disburse(loan, f"d{round}.{k}", svc)
        clock.advance(timedelta(days=1))
        run_end_of_day(clock.business_date(), svc)
        return books_verify(db)
    finally:
        db.dispose()


@pytest.fixture(autouse=True)
def as_admin(staff_login: Callable[[str], None]) -> None:
    """Backing up and restoring run the platform: the admin's."""
    staff_login("fks_admin")


def _cli(monkeypatch: pytest.MonkeyPatch, home: Path, url: str, *args: str) -> tuple[int, str]:
    monkeypatch.setenv("FENGKONG_HOME", str(home))
    monkeypatch.setenv("FENGKONG_DATABASE_URL", url)
    monkeypatch.setenv("FENGKONG_CONFIG", str(home / "absent.toml"))
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout


@pytest.fixture
def fresh_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty database to restore into: a new SQLite file, or on PostgreSQL a database
    created for the test (working in the source URL's schema, as the restored dump does)."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    base, _, options = database_url.partition("?")
    server = sa.engine.make_url(base)
    name = f"restore_{uuid.uuid4().hex[:12]}"
    admin = dict(host=server.host, port=server.port, user=server.username, dbname=server.database)
    with psycopg.connect(**admin, autocommit=True) as conn:  # type: ignore[arg-type]
        conn.execute(f'create database "{name}"')  # type: ignore[arg-type]
    try:
        yield f"{server.set(database=name).render_as_string(hide_password=False)}?{options}"
    finally:
        with psycopg.connect(**admin, autocommit=True) as conn:  # type: ignore[arg-type]
            conn.execute(f'drop database "{name}" with (force)')  # type: ignore[arg-type]


def test_a_restored_backup_holds_every_row_and_the_same_audit_chain(
    database_url: str, fresh_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    records, entries = _books(database_url)
    home, file = tmp_path / "home", tmp_path / "out" / "books.tar"
    code, out = _cli(monkeypatch, home, database_url, "db", "backup", "--out", str(file), "--json")
    assert code == 0, out
    manifest = json.loads(out)["manifest"]
    assert manifest["dialect"] == ("sqlite" if database_url.startswith("sqlite") else "postgresql")
    assert manifest["audit_records"] == records and manifest["audit_seq"] == records > 5
    db = Database(database_url)
    try:
        with SqlUnitOfWork(db) as uow:
            assert manifest["audit_hash"] == uow.audit.head().hash
        assert tuple(manifest["schema_revisions"]) == head_revisions(db)
    finally:
        db.dispose()

    code, out = _cli(monkeypatch, home, fresh_url, "db", "restore", str(file), "--json")
    assert code == 0, out
    doc = json.loads(out)
    assert doc["verified"] and doc["problems"] == [] and not doc["upgrade_needed"]
    assert doc["database"]["audit_hash"] == manifest["audit_hash"]
    restored = Database(fresh_url)
    try:
        assert books_verify(restored) == (records, entries)
    finally:
        restored.dispose()
    want = snapshot(database_url)
    assert sum(map(len, want.values())) > 50
    assert snapshot(fresh_url) == want


def test_restore_over_tables_needs_yes_and_then_brings_the_backup_back(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    records, _ = _books(database_url)
    home, file = tmp_path / "home", tmp_path / "books.tar"
    assert _cli(monkeypatch, home, database_url, "db", "backup", "--out", str(file))[0] == 0
    before = snapshot(database_url)
    _books(database_url, round=1)  # more work after the backup
    assert snapshot(database_url) != before

    code, out = _cli(monkeypatch, home, database_url, "db", "restore", str(file), "--json")
    assert code == 2
    assert json.loads(out)["errors"][0]["type"] == "not_empty"
    assert snapshot(database_url) != before  # nothing touched

    code, out = _cli(monkeypatch, home, database_url, "db", "restore", str(file), "--yes")
    assert code == 0, out
    assert "audit chain intact" in out
    assert snapshot(database_url) == before
    db = Database(database_url)
    try:
        assert books_verify(db)[0] == records
    finally:
        db.dispose()


def test_a_file_that_is_not_a_backup_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bogus = tmp_path / "notes.tar"
    bogus.write_text("not a tar")
    url = f"sqlite:///{tmp_path / 'x.db'}"
    code, out = _cli(monkeypatch, tmp_path, url, "db", "restore", str(bogus), "--json")
    assert code == 2 and "not a readable backup" in json.loads(out)["errors"][0]["msg"]
    assert not (tmp_path / "x.db").exists()


def test_without_pg_dump_the_backup_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(backup_module, "PG_INSTALLS", tmp_path)
    url = "postgresql+psycopg://nobody@127.0.0.1:1/absent"
    code, out = _cli(monkeypatch, tmp_path, url, "db", "backup", "--json")
    assert code == 2
    error = json.loads(out)["errors"][0]
    assert error["type"] == "missing_tool" and "postgresql-client" in error["msg"]
