"""A request that waited `db_pool_timeout_seconds` for a database connection and got none is told
to come back (503 with `Retry-After`, problem+json), not given a bare 500."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from fakes.api import api_client
from fengkong.api import errors
from fengkong.bootstrap import bootstrap
from fengkong.core.settings import Settings
from fengkong.db.database import Database, PoolConfig


@pytest.mark.postgres
def test_a_request_left_waiting_for_a_connection_gets_503(postgres_url: str) -> None:
    db = Database(postgres_url, pool=PoolConfig(size=1, max_overflow=0, timeout_seconds=0.05))
    app = FastAPI()
    errors.install(app)

    @app.get("/work")
    def work() -> dict[str, int]:
        with db.engine.connect() as conn:
            return {"one": int(conn.exec_driver_sql("select 1").scalar_one())}

    try:
        client = TestClient(app, raise_server_exceptions=False)
        assert client.get("/work").json() == {"one": 1}
        with db.engine.connect():  # another request holds the only connection
            busy = client.get("/work")
        assert busy.status_code == 503 and busy.headers["Retry-After"] == "1"
        assert busy.headers["content-type"] == errors.PROBLEM_JSON
        assert busy.json()["type"].endswith("/database-busy")
        assert client.get("/work").status_code == 200  # free again
    finally:
        db.dispose()


@pytest.mark.postgres
def test_a_keyed_request_whose_claim_gets_no_connection_gets_503(
    migrated_postgres_url: str, tmp_path: Path
) -> None:
    """The idempotency middleware claims the key before the app's handlers are reached: a pool
    timeout there is answered as the handlers would, not as a 500."""
    settings = Settings(
        env="test",
        home=tmp_path / "home",
        database_url=migrated_postgres_url,
        db_pool_size=1,
        db_pool_max_overflow=0,
        api_max_in_flight=1,
        db_pool_timeout_seconds=0.05,
    )
    ctx = bootstrap(settings, migrate=False)
    try:
        with api_client(ctx, raise_server_exceptions=False) as client:
            with ctx.db.engine.connect():  # another request holds the only connection
                busy = client.post(
                    "/v1/loans/nope/repayments",
                    json={"amount": "1.00"},
                    headers={"Idempotency-Key": "k-1"},
                )
            assert busy.status_code == 503 and busy.headers["Retry-After"] == "1"
            assert busy.headers["content-type"] == errors.PROBLEM_JSON
            assert busy.json()["type"].endswith("/database-busy")
    finally:
        ctx.close()
