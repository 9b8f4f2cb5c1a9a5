"""SQLite's write-ahead log is copied into the database file by a background thread, not by the
commit that happens to cross SQLite's threshold; the thread stops with the database."""

from __future__ import annotations

import gc
import time
from pathlib import Path

import sqlalchemy as sa

from fengkong.db.checkpoint import BACKSTOP_PAGES, COMMITS_PER_CHECKPOINT
from fengkong.db.database import Database


def test_commits_are_checkpointed_in_the_background(tmp_path: Path) -> None:
    path = tmp_path / "wal.db"
    db = Database(f"sqlite:///{path}")
    try:
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == BACKSTOP_PAGES
            conn.exec_driver_sql("create table t (x text)")
            conn.commit()
        size = path.stat().st_size
        for i in range(4 * COMMITS_PER_CHECKPOINT):
            with db.engine.begin() as conn:
                conn.execute(sa.text("insert into t values (:x)"), {"x": "x" * 2000 + str(i)})
        deadline = time.monotonic() + 30  # a liveness bound, not a timing verdict
        while path.stat().st_size == size and time.monotonic() < deadline:
            time.sleep(0.05)
        # Below SQLite's own threshold, only the background thread copies pages into the file.
        assert path.stat().st_size > size
    finally:
        db.dispose()
    assert db.checkpointing is False


def test_a_database_dropped_without_dispose_stops_its_thread(tmp_path: Path) -> None:
    """A forgotten database (a test's, a script's) leaves no thread behind: the thread would go
    on checkpointing a file nobody uses, and many of them load the machine."""
    db = Database(f"sqlite:///{tmp_path / 'forgotten.db'}")
    with db.engine.begin() as conn:
        conn.exec_driver_sql("create table t (x text)")
    thread = db._checkpointer._thread  # type: ignore[union-attr]
    assert thread.is_alive()
    del db, conn
    gc.collect()
    thread.join(timeout=30)  # a liveness bound, not a timing verdict
    assert not thread.is_alive()
