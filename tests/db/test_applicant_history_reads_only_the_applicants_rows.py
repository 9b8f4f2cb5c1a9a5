"""The applicant's history, read for every decision, must find that person's rows through their
indexes. SQLite plans without statistics, and once walked the outcome index over every approval
ever made: the plan is checked here so the read stays proportional to one person's history."""

from __future__ import annotations

from pathlib import Path

from fengkong.db.database import Database
from fengkong.db.migrate import upgrade
from fengkong.db.repositories import _history


def test_history_plan_searches_by_person_never_by_outcome(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'plan.db'}")
    try:
        upgrade(db)
        query = _history().params(bidx="0" * 64)
        sql = str(query.compile(db.engine, compile_kwargs={"literal_binds": True}))
        with db.engine.connect() as conn:
            plan = [row[3] for row in conn.exec_driver_sql(f"explain query plan {sql}")]
        assert not any("ix_decisions_outcome" in step for step in plan), plan
        assert not any(step.startswith("SCAN") and "anon" not in step for step in plan), plan
        assert any("SEARCH decisions" in step and "application_id" in step for step in plan), plan
    finally:
        db.dispose()
