"""Look-ups that stand alone (the registry check, the list look-up of a decision) run outside any
transaction: on SQLite they do not queue for the write lock every transaction here takes, and on
PostgreSQL they cost no BEGIN and no ROLLBACK."""

from __future__ import annotations

import sqlalchemy as sa

from fengkong.db.database import Database


def test_a_read_only_view_reads_while_a_writer_holds_the_lock(database_url: str) -> None:
    db = Database(database_url)
    try:
        with db.engine.begin() as conn:
            conn.exec_driver_sql("create table probe (x integer)")
            conn.exec_driver_sql("insert into probe values (1)")
        view = db.read_only_view()
        with db.engine.connect() as writer:
            writer.exec_driver_sql("insert into probe values (2)")  # holds the write lock
            with view.engine.connect() as conn:
                if db.dialect == "postgresql":
                    assert conn.connection.driver_connection.autocommit is True
                assert conn.execute(sa.text("select sum(x) from probe")).scalar() == 1
            writer.rollback()
        with db.engine.connect() as conn:  # an ordinary connection is a transaction again
            if db.dialect == "postgresql":
                assert conn.connection.driver_connection.autocommit is False
    finally:
        db.dispose()
