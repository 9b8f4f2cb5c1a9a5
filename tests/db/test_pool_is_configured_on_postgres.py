"""The `db_pool_*` settings size each PostgreSQL engine's connection pool (SQLite's engines keep
SQLAlchemy's own); bad values are refused at start (exit 2), and the pool reports what it lends,
for the gauges at /metrics."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from fengkong.bootstrap import pool_config
from fengkong.cli import app
from fengkong.core.settings import load_settings
from fengkong.db.database import Database, PoolConfig, PoolStatus


def test_settings_size_the_postgres_pool() -> None:
    settings = load_settings(
        db_pool_size=12,
        db_pool_max_overflow=3,
        db_pool_timeout_seconds=2.5,
        db_pool_pre_ping=True,
        db_pool_recycle_seconds=0,
    )
    # Building the engine opens no connection: no server needed to read its pool.
    db = Database("postgresql+psycopg://nobody@127.0.0.1:1/none", pool=pool_config(settings))
    pool = db.engine.pool
    assert (pool.size(), pool._max_overflow, pool._timeout) == (12, 3, 2.5)  # type: ignore[attr-defined]
    assert (pool._pre_ping, pool._recycle) == (True, -1)  # 0 in settings: never recycle
    db.dispose()


def test_defaults_fit_the_requests_a_worker_serves_without_ping_recycled_after_half_an_hour() -> (
    None
):
    db = Database("postgresql+psycopg://nobody@127.0.0.1:1/none")
    pool = db.engine.pool
    assert (pool.size(), pool._max_overflow, pool._pre_ping, pool._recycle) == (  # type: ignore[attr-defined]
        12,
        8,
        False,
        1800,
    )
    assert load_settings().api_max_in_flight <= pool.size()  # type: ignore[attr-defined]
    assert pool_config(load_settings()) == PoolConfig()
    db.dispose()


def test_sqlite_keeps_its_own_pool(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'x.db'}", pool=PoolConfig(size=40, pre_ping=True))
    assert db.engine.pool.size() != 40  # type: ignore[attr-defined]
    db.dispose()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("db_pool_size", 0),
        ("db_pool_max_overflow", -1),
        ("db_pool_timeout_seconds", 0),
        ("db_pool_recycle_seconds", -5),
    ],
)
def test_bad_values_are_refused(name: str, value: int) -> None:
    with pytest.raises(ValidationError, match=name):
        load_settings(**{name: value})


def test_serve_refuses_a_bad_pool_before_starting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FENGKONG_HOME", str(tmp_path))
    monkeypatch.setenv("FENGKONG_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("FENGKONG_DB_POOL_SIZE", "0")
    result = CliRunner().invoke(app, ["serve"])
    assert result.exit_code == 2, result.output
    assert "db_pool_size" in result.output
    assert not (tmp_path / "fengkong.db").exists()  # refused before anything was opened


@pytest.mark.postgres
def test_the_pool_reports_what_it_lends(postgres_url: str) -> None:
    db = Database(postgres_url, pool=PoolConfig(size=1, max_overflow=1))
    seen: list[PoolStatus] = []
    db.watch_pool(seen.append)
    try:
        assert seen[-1] == PoolStatus(size=1, checked_out=0, overflow=-1)
        first = db.engine.connect()
        assert seen[-1] == PoolStatus(size=1, checked_out=1, overflow=0)
        second = db.engine.connect()
        assert seen[-1] == PoolStatus(size=1, checked_out=2, overflow=1)
        second.close()  # the pool has room: kept open, still beyond the size
        assert seen[-1] == PoolStatus(size=1, checked_out=1, overflow=1)
        assert db.pool_status() == seen[-1]
        first.close()  # the pool is full: this one is closed
        assert seen[-1] == PoolStatus(size=1, checked_out=0, overflow=0)
        assert db.pool_status() == seen[-1]
    finally:
        db.dispose()


def test_a_pool_smaller_than_the_requests_in_flight_is_refused_on_postgres() -> None:
    """A request checks its credentials on the worker's event loop: it must never wait there for
    a connection."""
    postgres = "postgresql+psycopg://nobody@127.0.0.1:1/none"
    with pytest.raises(ValidationError, match="api_max_in_flight"):
        load_settings(database_url=postgres, db_pool_size=4, db_pool_max_overflow=2)
    fits = load_settings(
        database_url=postgres, db_pool_size=4, db_pool_max_overflow=2, api_max_in_flight=6
    )
    assert fits.api_max_in_flight == 6
    assert load_settings(db_pool_size=1, db_pool_max_overflow=0).db_pool_size == 1  # SQLite
