"""`db_statement_timeout_ms` becomes each PostgreSQL connection's `statement_timeout`, which ends
a statement that runs longer (what bounds a sync handler the API already answered 504)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from fengkong.db.database import Database


@pytest.mark.postgres
def test_every_connection_carries_the_timeout(postgres_url: str) -> None:
    db = Database(postgres_url, statement_timeout_ms=250)
    try:
        with db.engine.connect() as conn:
            assert conn.execute(sa.text("show statement_timeout")).scalar_one() == "250ms"
            with pytest.raises(sa.exc.OperationalError, match="statement timeout"):
                conn.execute(sa.text("select pg_sleep(5)"))
    finally:
        db.dispose()


@pytest.mark.postgres
def test_none_by_default(postgres_url: str) -> None:
    db = Database(postgres_url)
    try:
        with db.engine.connect() as conn:
            assert conn.execute(sa.text("show statement_timeout")).scalar_one() == "0"
    finally:
        db.dispose()
